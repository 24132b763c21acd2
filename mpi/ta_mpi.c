#include "mpi/ta_mpi.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int mpi_active;
static MPI_Comm tool_comm = MPI_COMM_NULL;
static int tool_rank, tool_size = 1, local_size = 1;

/* The called function's name: the text of the call up to its '('. */
static int call_name_len(const char *call)
{
    const char *p = strchr(call, '(');
    return p ? (int)(p - call) : (int)strlen(call);
}

int ta__mpi_check(int mrc, const char *call, const char *file, int line, const char *func)
{
    if (mrc == MPI_SUCCESS)
        return 0;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mrc, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "MPI error code %d", mrc);
    return ta__err_set(TA_EINTERNAL, file, line, func, "%.*s failed on rank %d: %s",
                       call_name_len(call), call, tool_rank, msg);
}

_Noreturn void ta__mpi_fatal(int mrc, const char *call, const char *file, int line,
                             const char *func)
{
    ta_err_clear();
    ta__mpi_check(mrc, call, file, line, func);
    ta_mpi_abort(TA_EINTERNAL);
}

/* Failures come back as codes (then TA_MPI_CALL / TA_MPI_MUST) instead of aborting inside MPI:
 * on the tool's communicator, and on the predefined ones, where errors of calls without a
 * communicator (datatypes) are raised. */
static void set_error_handlers(void)
{
    TA_MPI_MUST(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    TA_MPI_MUST(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    TA_MPI_MUST(MPI_Comm_set_errhandler(tool_comm, MPI_ERRORS_RETURN));
}

int ta_mpi_init(int *argc, char ***argv)
{
    int provided = 0;
    /* Before MPI is up nothing can be aborted: a failure is returned. Once it is, a rank that
     * fails here would leave the others in the command's first agreement: the job ends. */
    TA_MPI_CALL(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
    mpi_active = 1;
    TA_MPI_MUST(MPI_Comm_dup(MPI_COMM_WORLD, &tool_comm));
    set_error_handlers();
    TA_MPI_MUST(MPI_Comm_rank(tool_comm, &tool_rank));
    TA_MPI_MUST(MPI_Comm_size(tool_comm, &tool_size));
    ta_log_set_rank(tool_rank);
    MPI_Comm node;
    TA_MPI_MUST(MPI_Comm_split_type(tool_comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    TA_MPI_MUST(MPI_Comm_size(node, &local_size));
    TA_MPI_MUST(MPI_Comm_free(&node));
    return 0;
}

int ta_mpi_local_size(void)
{
    return local_size;
}

void ta_mpi_setup_threads(void)
{
    if (getenv("OPENBLAS_NUM_THREADS") || getenv("OMP_NUM_THREADS"))
        return;
    const char *cpt = getenv("SLURM_CPUS_PER_TASK");
    int n = cpt ? atoi(cpt) : 0;
    if (n < 1) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = (int)(cores / (local_size > 0 ? local_size : 1));
    }
    ta_blas_set_threads(n < 1 ? 1 : n);
}

void ta_mpi_finalize(void)
{
    if (!mpi_active)
        return;
    if (tool_comm != MPI_COMM_NULL)
        TA_MPI_MUST(MPI_Comm_free(&tool_comm));
    TA_MPI_MUST(MPI_Finalize());
    mpi_active = 0;
}

int ta_mpi_active(void)
{
    return mpi_active;
}

MPI_Comm ta_mpi_comm(void)
{
    return mpi_active ? tool_comm : MPI_COMM_SELF;
}

int ta_mpi_rank(void)
{
    return tool_rank;
}

int ta_mpi_size(void)
{
    return tool_size;
}

int ta_mpi_agree(int rc)
{
    if (!mpi_active || tool_size == 1)
        return rc;
    int mine = rc ? tool_rank : tool_size, first = tool_size;
    TA_MPI_MUST(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, tool_comm));
    if (first == tool_size)
        return 0;
    /* The lowest failing rank tells everyone its code and message. */
    struct {
        int code;
        char msg[1024];
    } m;
    memset(&m, 0, sizeof m);
    if (tool_rank == first) {
        m.code = rc;
        snprintf(m.msg, sizeof m.msg, "%s", ta_err_message());
    }
    TA_MPI_MUST(MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, tool_comm));
    if (tool_rank != first)
        ta_err_adopt(m.code, m.msg);
    return m.code;
}

void ta_mpi_wait_all(int n, MPI_Request *req)
{
    int done = 0;
    for (;;) {
        TA_MPI_MUST(MPI_Testall(n, req, &done, MPI_STATUSES_IGNORE));
        if (done)
            return;
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

int ta_mpi_stop_requested(void)
{
    int local = ta_signal_stop_requested(), any = local;
    if (mpi_active && tool_size > 1) {
        MPI_Request r;
        TA_MPI_MUST(MPI_Iallreduce(&local, &any, 1, MPI_INT, MPI_MAX, tool_comm, &r));
        ta_mpi_wait_all(1, &r);
    }
    return any;
}

void ta_mpi_barrier_sleeping(void)
{
    if (!mpi_active || tool_size == 1)
        return;
    MPI_Request r;
    TA_MPI_MUST(MPI_Ibarrier(tool_comm, &r));
    ta_mpi_wait_all(1, &r);
}

_Noreturn void ta_mpi_abort(int code)
{
    ta_err_print();
    fflush(stderr);
    /* MPI_Abort does not return (its code is moot); exit() covers an MPI that would. */
    if (mpi_active)
        (void)MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}
