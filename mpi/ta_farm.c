#include "mpi/ta_farm.h"

#include "base/ta_error.h"
#include "base/ta_signal.h"
#include "mpi/ta_mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The shared state on rank 0's window: the next task to hand out, and the number of ranks that
 * stopped on a stop request. */
enum { SLOT_NEXT = 0, SLOT_STOP = 1, NSLOTS = 2 };

/* The farm's window (MPI_WIN_NULL with one rank: the counter is then local). Every RMA call
 * below ends the job when it fails: a rank holding the lock or missing from the final barrier
 * would leave the others waiting. */
typedef struct {
    MPI_Win win;
    int64_t local_next;
} farm_win_t;

static int64_t win_fetch_add(farm_win_t *w, int slot, int64_t add)
{
    int64_t old = 0;
    TA_MPI_MUST(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, w->win));
    TA_MPI_MUST(
        MPI_Fetch_and_op(&add, &old, MPI_INT64_T, 0, slot, add ? MPI_SUM : MPI_NO_OP, w->win));
    TA_MPI_MUST(MPI_Win_unlock(0, w->win));
    return old;
}

/* Takes the next task index, or returns 0 when another rank stopped on a stop request (the
 * stop then spreads: every rank ends at its next task boundary). */
static int next_task(farm_win_t *w, int64_t *out)
{
    if (w->win == MPI_WIN_NULL) {
        *out = w->local_next++;
        return 1;
    }
    if (win_fetch_add(w, SLOT_STOP, 0) > 0)
        return 0;
    *out = win_fetch_add(w, SLOT_NEXT, 1);
    return 1;
}

/* This rank stops: the others learn it at their next task. */
static void announce_stop(farm_win_t *w)
{
    if (w->win != MPI_WIN_NULL)
        win_fetch_add(w, SLOT_STOP, 1);
}

static int farm_loop(farm_win_t *w, int rank, int64_t ntasks, const int64_t *order, int64_t out_len,
                     ta_farm_fn fn, void *ctx, double *results, const uint8_t *skip, uint8_t *mine,
                     ta_progress_t *progress)
{
    const char *env = getenv("TA_FARM_STOP_AFTER");
    int64_t stop_after = env && *env ? atoll(env) : -1, completed = 0, k = 0;
    for (;;) {
        /* A stop request (Slurm's SIGTERM / SIGUSR1) ends this rank's work between tasks. */
        if (ta_signal_stop_requested() || (stop_after >= 0 && completed >= stop_after)) {
            announce_stop(w);
            return TA_ERR(TA_EINTERRUPTED, "stopped by a stop request between tasks");
        }
        if (!next_task(w, &k))
            return TA_ERR(TA_EINTERRUPTED, "stopped by a stop request on another rank");
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

/* Sums a table over the ranks, in pieces whose count fits an int. A failed piece ends the job:
 * the other ranks would wait in the next one. */
static void sum_over_ranks(MPI_Comm comm, void *buf, int64_t count, MPI_Datatype type, size_t elem,
                           MPI_Op op)
{
    for (int64_t off = 0; off < count; off += INT_MAX / 2) {
        int64_t cnt = count - off < INT_MAX / 2 ? count - off : INT_MAX / 2;
        TA_MPI_MUST(MPI_Allreduce(MPI_IN_PLACE, (char *)buf + (size_t)off * elem, (int)cnt, type,
                                  op, comm));
    }
}

/* Collective. The window with the shared slots at zero (size > 1), agreed on. */
static int win_create(MPI_Comm comm, int rank, farm_win_t *w)
{
    int64_t *slots = NULL;
    MPI_Aint bytes = rank == 0 ? (MPI_Aint)(NSLOTS * sizeof(int64_t)) : 0;
    TA_CALL(ta_mpi_agree(TA_MPI_ERR(
        MPI_Win_allocate(bytes, (int)sizeof(int64_t), MPI_INFO_NULL, comm, &slots, &w->win))));
    TA_MPI_MUST(MPI_Win_set_errhandler(w->win, MPI_ERRORS_RETURN));
    if (rank == 0) {
        TA_MPI_MUST(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, w->win));
        memset(slots, 0, NSLOTS * sizeof(int64_t));
        TA_MPI_MUST(MPI_Win_unlock(0, w->win));
    }
    TA_MPI_MUST(MPI_Barrier(comm));
    return 0;
}

int ta_farm_run(MPI_Comm comm, int64_t ntasks, const int64_t *order, int64_t out_len, ta_farm_fn fn,
                void *ctx, double *results, uint8_t *done, ta_progress_t *progress)
{
    int rank = 0, size = 1;
    if (ta_mpi_active()) {
        TA_MPI_MUST(MPI_Comm_rank(comm, &rank));
        TA_MPI_MUST(MPI_Comm_size(comm, &size));
    }
    uint8_t *mine = ta_calloc((size_t)(ntasks > 0 ? ntasks : 1), 1);
    TA_CALL(ta_mpi_agree(
        mine ? 0 : TA_ERR(TA_ERESOURCE, "out of memory for %lld task flags", (long long)ntasks)));
    /* Rows of tasks still to do start at zero on every rank; rows of tasks done before are kept
     * on rank 0 only, so that the sum restores them. */
    for (int64_t t = 0; t < ntasks; t++)
        if (!done[t] || rank != 0)
            memset(results + t * out_len, 0, (size_t)out_len * sizeof *results);
    farm_win_t w = {MPI_WIN_NULL, 0};
    int rc = size > 1 ? win_create(comm, rank, &w) : 0;
    if (rc) {
        free(mine);
        return rc;
    }
    rc = farm_loop(&w, rank, ntasks, order, out_len, fn, ctx, results, done, mine, progress);
    if (w.win != MPI_WIN_NULL) {
        /* Every rank has left the loop (finished, stopped or failed) before the window goes. */
        TA_MPI_MUST(MPI_Barrier(comm));
        TA_MPI_MUST(MPI_Win_free(&w.win));
    }
    /* Gather what was done, also after a stop, so that it can be checkpointed. */
    if (size > 1) {
        sum_over_ranks(comm, results, ntasks * out_len, MPI_DOUBLE, sizeof(double), MPI_SUM);
        sum_over_ranks(comm, mine, ntasks, MPI_UINT8_T, 1, MPI_MAX);
    }
    for (int64_t t = 0; t < ntasks; t++)
        done[t] |= mine[t];
    free(mine);
    return ta_mpi_agree(rc);
}
