#include "mpi/ta_farm.h"

#include "base/ta_error.h"
#include "base/ta_signal.h"
#include "mpi/ta_mpi.h"

#include <limits.h>
#include <stdlib.h>
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
                     ta_farm_fn fn, void *ctx, double *results, const uint8_t *skip, uint8_t *mine,
                     ta_progress_t *progress)
{
    const char *env = getenv("TA_FARM_STOP_AFTER");
    int64_t stop_after = env && *env ? atoll(env) : -1, completed = 0;
    int64_t local = 0, k = 0;
    for (;;) {
        /* A stop request (Slurm's SIGTERM / SIGUSR1) ends this rank's work between tasks. */
        if (ta_signal_stop_requested() || (stop_after >= 0 && completed >= stop_after))
            return TA_ERR(TA_EINTERRUPTED, "stopped by a stop request between tasks");
        TA_CALL(next_task(win, &local, &k));
        if (k >= ntasks)
            break;
        int64_t t = order[k];
        if (skip[t])
            continue;
        TA_CALL(fn(t, results + t * out_len, ctx));
        mine[t] = 1;
        completed++;
        if (progress && rank == 0)
            ta_progress_update(progress, (double)(k + 1), 0);
    }
    return 0;
}

/* Sums a table over the ranks, in pieces whose count fits an int. */
static int sum_over_ranks(MPI_Comm comm, void *buf, int64_t count, MPI_Datatype type, size_t elem,
                          MPI_Op op)
{
    for (int64_t off = 0; off < count; off += INT_MAX / 2) {
        int64_t cnt = count - off < INT_MAX / 2 ? count - off : INT_MAX / 2;
        TA_MPI_CALL(MPI_Allreduce(MPI_IN_PLACE, (char *)buf + (size_t)off * elem, (int)cnt, type,
                                  op, comm));
    }
    return 0;
}

int ta_farm_run(MPI_Comm comm, int64_t ntasks, const int64_t *order, int64_t out_len, ta_farm_fn fn,
                void *ctx, double *results, uint8_t *done, ta_progress_t *progress)
{
    int rank = 0, size = 1;
    if (ta_mpi_active()) {
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
    }
    uint8_t *mine = ta_calloc((size_t)(ntasks > 0 ? ntasks : 1), 1);
    int rc = mine ? 0 : TA_ERESOURCE;
    TA_CALL(ta_mpi_agree(rc));
    /* Rows of tasks still to do start at zero on every rank; rows of tasks done before are kept
     * on rank 0 only, so that the sum restores them. */
    for (int64_t t = 0; t < ntasks; t++)
        if (!done[t] || rank != 0)
            memset(results + t * out_len, 0, (size_t)out_len * sizeof *results);
    MPI_Win win = MPI_WIN_NULL;
    int64_t *counter = NULL;
    if (size > 1) {
        MPI_Aint bytes = rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0;
        if (MPI_Win_allocate(bytes, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &counter, &win) !=
            MPI_SUCCESS)
            rc = TA_ERR(TA_EINTERNAL, "MPI_Win_allocate failed");
        rc = ta_mpi_agree(rc);
        if (rc) {
            free(mine);
            return rc;
        }
        if (rank == 0) {
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
            *counter = 0;
            MPI_Win_unlock(0, win);
        }
        MPI_Barrier(comm);
    }
    rc = farm_loop(win, rank, ntasks, order, out_len, fn, ctx, results, done, mine, progress);
    if (win != MPI_WIN_NULL) {
        /* Every rank has left the loop (finished, stopped or failed) before the window goes. */
        MPI_Barrier(comm);
        MPI_Win_free(&win);
    }
    /* Gather what was done, also after a stop, so that it can be checkpointed. */
    int rc2 = 0;
    if (size > 1) {
        rc2 = sum_over_ranks(comm, results, ntasks * out_len, MPI_DOUBLE, sizeof(double), MPI_SUM);
        if (!rc2)
            rc2 = sum_over_ranks(comm, mine, ntasks, MPI_UINT8_T, 1, MPI_MAX);
    }
    for (int64_t t = 0; t < ntasks && !rc2; t++)
        done[t] |= mine[t];
    free(mine);
    return ta_mpi_agree(rc ? rc : rc2);
}
