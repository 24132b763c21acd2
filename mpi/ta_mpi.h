/* The project's only door to MPI besides the drivers in mpi/: start-up, the communicator, rank
 * agreement on failure, and agreement on stop requests (SIGTERM/SIGUSR1). */
#ifndef TA_MPI_H
#define TA_MPI_H

#include <mpi.h>

/* Collective on MPI_COMM_WORLD. Initialises MPI (thread level FUNNELED) and logging rank. */
int ta_mpi_init(int *argc, char ***argv);
/* Collective. Finalises MPI if it was initialised. */
void ta_mpi_finalize(void);
/* Collective. Sets the OpenBLAS thread count when the user did not (OPENBLAS_NUM_THREADS /
 * OMP_NUM_THREADS): SLURM_CPUS_PER_TASK if set, else the node's cores divided by the ranks on
 * the node, at least 1, so that ranks x threads never oversubscribe the cores. */
void ta_mpi_setup_threads(void);
/* Local. Ranks on this node. */
int ta_mpi_local_size(void);
/* Local. Whether ta_mpi_init ran. */
int ta_mpi_active(void);
/* Local. The tool's communicator (a duplicate of MPI_COMM_WORLD), its rank and size. Before
 * ta_mpi_init (or in single-process commands) rank 0 of 1. */
MPI_Comm ta_mpi_comm(void);
int ta_mpi_rank(void);
int ta_mpi_size(void);

/* Collective. Ranks agree on failure at a phase boundary: returns 0 when every rank passed rc = 0;
 * otherwise every rank returns the code of the lowest failing rank and adopts its message, so
 * that rank 0 can print it once. */
int ta_mpi_agree(int rc);

/* Stop requests (SIGTERM, SIGUSR1, TA_STOP_AFTER; base/ta_signal.h) arrive at one rank or at
 * all, at different times. Loops whose ranks move in step (the neighbours ring, the pipeline's
 * steps) ask ta_mpi_stop_requested at safe points, so that every rank stops at the same place;
 * the task farm, whose ranks take different tasks, polls the local flag between tasks and
 * spreads a stop through its task counter (mpi/ta_farm.h). */
/* Collective. True on every rank when any rank received a stop request. Waits by sleeping, so a
 * rank that is ahead leaves its core to the others (ta_mpi_wait_all). */
int ta_mpi_stop_requested(void);

/* Local (the requests' communication). Completes the n requests, testing them with sleeps of 50 us
 * in between instead of spinning in MPI's progress engine: a rank that waits then leaves its core
 * to the others (ranks x threads may share cores, and SGEMM threads or other jobs run beside it). A
 * failure ends the job (ta_mpi_abort): the other ranks would wait forever for the failed transfer.
 */
void ta_mpi_wait_all(int n, MPI_Request *req);

/* Collective. A barrier whose waiting ranks sleep (ta_mpi_wait_all) instead of spinning: for
 * ranks that wait while one rank computes alone (the map's layout on rank 0), so that they leave
 * the cores they share with it. */
void ta_mpi_barrier_sleeping(void);

/* Local. Ends the whole job (for unrecoverable errors on one rank): prints the pending error,
 * then MPI_Abort on MPI_COMM_WORLD (mpirun / srun end the other ranks; exit code `code`). */
_Noreturn void ta_mpi_abort(int code);

/* Every MPI call goes through one of the wrappers below. MPI_ERRORS_RETURN is set on the tool's
 * communicator, MPI_COMM_WORLD, MPI_COMM_SELF and the farm's window, so a failing call returns a
 * code instead of aborting inside MPI; the wrapper turns it into an error that names the call,
 * the rank, the place and MPI's message. Which wrapper a call gets depends on what the other
 * ranks do meanwhile:
 *   TA_MPI_CALL(call)  returns TA_EINTERNAL from the current function. Only where every rank
 *                      reaches the same next agreement (ta_mpi_agree) either way: local calls
 *                      (datatypes, error handlers) on a path that ends in an agreement, and
 *                      MPI_Init. TA_MPI_ERR(call) is the same as an expression (0 or the code),
 *                      for a collective whose failure is agreed on just after (MPI_Win_allocate).
 *   TA_MPI_MUST(call)  ends the whole job (ta_mpi_abort: message, then MPI_Abort). For every
 *                      communication call: a rank whose send, receive, wait or collective
 *                      failed cannot take part in the next agreement, and the other ranks would
 *                      wait for it forever (e.g. in the middle of a ring step). */
int ta__mpi_check(int mrc, const char *call, const char *file, int line, const char *func);
_Noreturn void ta__mpi_fatal(int mrc, const char *call, const char *file, int line,
                             const char *func);

#define TA_MPI_ERR(call) ta__mpi_check((call), #call, __FILE__, __LINE__, __func__)

#define TA_MPI_CALL(call)                                                                          \
    do {                                                                                           \
        int ta__mrc = ta__mpi_check((call), #call, __FILE__, __LINE__, __func__);                  \
        if (ta__mrc)                                                                               \
            return ta__mrc;                                                                        \
    } while (0)

#define TA_MPI_MUST(call)                                                                          \
    do {                                                                                           \
        int ta__mrc = (call);                                                                      \
        if (ta__mrc != MPI_SUCCESS)                                                                \
            ta__mpi_fatal(ta__mrc, #call, __FILE__, __LINE__, __func__);                           \
    } while (0)

#endif
