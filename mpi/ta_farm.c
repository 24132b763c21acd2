#include "ta_farm.h"

#include "ta_error.h"
#include "ta_mpi.h"
#include "ta_signal.h"

#include <limits.h>
#include <string.h>

/* Takes the next task index from the shared counter (or locally with one rank). */
static int next_task(MPI_Win win, int64_t *local, int64_t *out)
{
    if (win == MPI_WIN_NULL) {
        *out = (*local)++;
        return 0;
    }
    const int64_t one = 1;
    TA_MPI_CALL(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
    TA_MPI_CALL(MPI_Fetch_and_op(&one, out, MPI_INT64_T, 0, 0, MPI_SUM, win));
    TA_MPI_CALL(MPI_Win_unlock(0, win));
    return 0;
}

static int farm_loop(MPI_Win win, int rank, int64_t ntasks, const int64_t *order, int64_t out_len,
                     ta_farm_fn fn, void *ctx, double *results, ta_progress_t *progress)
{
    int64_t local = 0, k = 0;
    for (;;) {
        /* A stop request (Slurm's SIGTERM / SIGUSR1) ends this rank's work between tasks. */
        if (ta_signal_stop_requested())
            return TA_ERR(TA_EINTERRUPTED, "stopped by signal %d between tasks",
                          ta_signal_number());
        TA_CALL(next_task(win, &local, &k));
        if (k >= ntasks)
            break;
        int64_t t = order[k];
        TA_CALL(fn(t, results + t * out_len, ctx));
        if (progress && rank == 0)
            ta_progress_update(progress, (double)(k + 1), 0);
    }
    return 0;
}

int ta_farm_run(MPI_Comm comm, int64_t ntasks, const int64_t *order, int64_t out_len, ta_farm_fn fn,
                void *ctx, double *results, ta_progress_t *progress)
{
    int rank = 0, size = 1;
    if (ta_mpi_active()) {
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
    }
    memset(results, 0, (size_t)(ntasks * out_len) * sizeof *results);
    MPI_Win win = MPI_WIN_NULL;
    int64_t *counter = NULL;
    int rc = 0;
    if (size > 1) {
        MPI_Aint bytes = rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0;
        if (MPI_Win_allocate(bytes, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &counter, &win) !=
            MPI_SUCCESS)
            return ta_mpi_agree(TA_ERR(TA_EINTERNAL, "MPI_Win_allocate failed"));
        if (rank == 0) {
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
            *counter = 0;
            MPI_Win_unlock(0, win);
        }
        MPI_Barrier(comm);
    }
    rc = farm_loop(win, rank, ntasks, order, out_len, fn, ctx, results, progress);
    if (win != MPI_WIN_NULL) {
        /* Every rank has left the loop (or failed) before the window goes away. */
        MPI_Barrier(comm);
        MPI_Win_free(&win);
    }
    rc = ta_mpi_agree(rc);
    if (rc || size == 1)
        return rc;
    /* Sum the tables in pieces that fit an int count. */
    int64_t total = ntasks * out_len;
    for (int64_t off = 0; off < total && !rc; off += INT_MAX / 2) {
        int64_t cnt = total - off < INT_MAX / 2 ? total - off : INT_MAX / 2;
        if (MPI_Allreduce(MPI_IN_PLACE, results + off, (int)cnt, MPI_DOUBLE, MPI_SUM, comm) !=
            MPI_SUCCESS)
            rc = TA_ERR(TA_EINTERNAL, "MPI_Allreduce of the task results failed");
    }
    return ta_mpi_agree(rc);
}
