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

int ta_mpi_init(int *argc, char ***argv)
{
    int provided = 0;
    TA_MPI_CALL(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
    mpi_active = 1;
    TA_MPI_CALL(MPI_Comm_dup(MPI_COMM_WORLD, &tool_comm));
    /* Errors come back as codes so that they become messages instead of aborts. */
    MPI_Comm_set_errhandler(tool_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(tool_comm, &tool_rank);
    MPI_Comm_size(tool_comm, &tool_size);
    ta_log_set_rank(tool_rank);
    MPI_Comm node;
    if (MPI_Comm_split_type(tool_comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &local_size);
        MPI_Comm_free(&node);
    }
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
        MPI_Comm_free(&tool_comm);
    MPI_Finalize();
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
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, tool_comm) != MPI_SUCCESS)
        ta_mpi_abort(TA_EINTERNAL);
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
    if (MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, tool_comm) != MPI_SUCCESS)
        ta_mpi_abort(TA_EINTERNAL);
    if (tool_rank != first)
        ta_err_adopt(m.code, m.msg);
    return m.code;
}

void ta_mpi_wait_all(int n, MPI_Request *req)
{
    int done = 0;
    for (;;) {
        if (MPI_Testall(n, req, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS)
            ta_mpi_abort(TA_EINTERNAL);
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
        if (MPI_Iallreduce(&local, &any, 1, MPI_INT, MPI_MAX, tool_comm, &r) != MPI_SUCCESS)
            ta_mpi_abort(TA_EINTERNAL);
        ta_mpi_wait_all(1, &r);
    }
    return any;
}

void ta_mpi_barrier_sleeping(void)
{
    if (!mpi_active || tool_size == 1)
        return;
    MPI_Request r;
    if (MPI_Ibarrier(tool_comm, &r) != MPI_SUCCESS)
        ta_mpi_abort(TA_EINTERNAL);
    ta_mpi_wait_all(1, &r);
}

_Noreturn void ta_mpi_abort(int code)
{
    ta_err_print();
    fflush(stderr);
    if (mpi_active)
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}
