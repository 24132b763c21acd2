/* A task farm with dynamic load balancing: independent tasks of very different sizes spread over
 * the ranks of a communicator.
 *
 * The tasks are taken in a fixed order (the caller lists them largest first); each rank, whenever
 * it is free, takes the next task from a shared counter on rank 0 (MPI_Fetch_and_op on a window
 * made by MPI_Win_allocate, so that on one node the atomic goes through shared memory and needs
 * no progress from rank 0). Each task writes out_len doubles; a task is computed by exactly one
 * rank, every other rank leaves zeros in its slot, and a sum over the ranks (MPI_Allreduce) gives
 * every rank the whole table. The results thus depend only on what each task computes, never on
 * which rank computed it or on the number of ranks.
 *
 * Stop requests (SIGTERM / SIGUSR1, ta_signal.h) end a rank's work between tasks. The ranks do not
 * move in step, so they cannot agree on a stop with a collective after each task
 * (ta_mpi_stop_requested); instead a rank that stops says so in a second shared counter, and
 * every other rank stops before taking its next task. The tasks done so far are still gathered and
 * flagged in done[], so that the caller can checkpoint them and a later run can skip them, and all
 * ranks return TA_EINTERRUPTED. TA_FARM_STOP_AFTER=K in the environment (for tests) makes each rank
 * stop as if signalled after it has completed K tasks. */
#ifndef TA_FARM_H
#define TA_FARM_H

#include "base/ta_log.h"

#include <mpi.h>
#include <stdint.h>

/* Computes task `task` into out[0 .. out_len). Returns 0 or a TA_E* code. */
typedef int (*ta_farm_fn)(int64_t task, double *out, void *ctx);

/* Collective on comm. Runs tasks order[0], order[1], ... (a permutation of 0..ntasks-1) and fills
 * results[task * out_len ...] (ntasks * out_len doubles) on every rank. done[ntasks]: on entry,
 * the tasks already done (their results rows must hold their results, the same on every rank;
 * they are skipped); on return, every task completed (identical on every rank). The other rows
 * are overwritten. progress (may be NULL) is updated on rank 0 with the tasks handed out.
 * Returns the agreed status: TA_EINTERRUPTED after a stop request (results and done[] are still
 * complete for what was done), or the first error of a task (that rank takes no more tasks). */
int ta_farm_run(MPI_Comm comm, int64_t ntasks, const int64_t *order, int64_t out_len, ta_farm_fn fn,
                void *ctx, double *results, uint8_t *done, ta_progress_t *progress);

#endif
