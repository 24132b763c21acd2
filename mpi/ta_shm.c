#include "mpi/ta_shm.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* Collective on the tool's communicator. The private allocation of one rank. */
static int alloc_private(size_t bytes, ta_shm_t *s)
{
    s->base = ta_malloc(bytes ? bytes : 1);
    return ta_mpi_agree(
        s->base ? 0 : TA_ERR(TA_ERESOURCE, "out of memory for a %zu-byte matrix", bytes));
}

/* Local. Whether the file system that backs shared windows has room for bytes: Open MPI puts
 * the window in a file of osc_sm_backing_directory (default /dev/shm, a tmpfs, in containers
 * often 64 MB). A window larger than the room left does not fail cleanly there: rank 0's
 * MPI_Win_allocate_shared fails while the others wait in it forever. Unknown (no such
 * directory): 1, the allocation decides. *why receives the reason when 0. */
static int backing_has_room(size_t bytes, char *why, size_t cap)
{
    const char *dir = getenv("OMPI_MCA_osc_sm_backing_directory");
    if (!dir || !*dir)
        dir = "/dev/shm";
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return 1;
    /* Room for the window, the node's other segments and a margin (1/16 and 16 MB). */
    double room = (double)v.f_bavail * (double)v.f_frsize, need = (double)bytes;
    if (room >= need + need / 16 + 16e6)
        return 1;
    snprintf(why, cap, "%s has %.0f MB free, the matrix needs %.0f MB", dir, room / 1e6,
             need / 1e6);
    return 0;
}

/* Collective on the node's communicator. The shared window: node rank 0 holds all of it, the
 * others map it (MPI_Win_shared_query). Returns 0 or MPI's error code (no window then). */
static int alloc_window(size_t bytes, ta_shm_t *s)
{
    void *mine = NULL;
    /* Node rank 0 holds the window: it decides whether its backing file fits. */
    char why[512] = "";
    int room = s->node_rank == 0 ? backing_has_room(bytes, why, sizeof why) : 1;
    TA_MPI_MUST(MPI_Bcast(&room, 1, MPI_INT, 0, s->node));
    if (!room)
        return TA_ERR(TA_ERESOURCE, "%s", why[0] ? why : "no room for the shared window");
    MPI_Aint size = s->node_rank == 0 ? (MPI_Aint)(bytes ? bytes : 1) : 0;
    int rc = TA_MPI_ERR(MPI_Win_allocate_shared(size, 1, MPI_INFO_NULL, s->node, &mine, &s->win));
    /* The node's ranks agree: a window that some allocated and others did not is not used. */
    int bad = rc != 0, any = 0;
    TA_MPI_MUST(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, s->node));
    if (any) {
        if (s->win != MPI_WIN_NULL)
            TA_MPI_MUST(MPI_Win_free(&s->win));
        s->win = MPI_WIN_NULL;
        return rc ? rc : TA_ERR(TA_EINTERNAL, "MPI_Win_allocate_shared failed on another rank");
    }
    TA_MPI_MUST(MPI_Win_set_errhandler(s->win, MPI_ERRORS_RETURN));
    MPI_Aint got = 0;
    int disp = 0;
    TA_MPI_MUST(MPI_Win_shared_query(s->win, 0, &got, &disp, &s->base));
    /* One passive-target epoch for the window's life: the ranks write their parts with plain
     * stores and synchronise with MPI_Win_sync and a barrier (ta_shm_filled). */
    TA_MPI_MUST(MPI_Win_lock_all(MPI_MODE_NOCHECK, s->win));
    s->shared = 1;
    return 0;
}

int ta_shm_alloc(size_t bytes, ta_shm_t *s)
{
    memset(s, 0, sizeof *s);
    s->win = MPI_WIN_NULL;
    s->node = MPI_COMM_NULL;
    s->node_size = 1;
    s->bytes = bytes;
    if (!ta_mpi_active() || ta_mpi_local_size() < 2)
        return alloc_private(bytes, s);
    TA_MPI_MUST(
        MPI_Comm_split_type(ta_mpi_comm(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &s->node));
    TA_MPI_MUST(MPI_Comm_set_errhandler(s->node, MPI_ERRORS_RETURN));
    TA_MPI_MUST(MPI_Comm_rank(s->node, &s->node_rank));
    TA_MPI_MUST(MPI_Comm_size(s->node, &s->node_size));
    if (alloc_window(bytes, s) == 0)
        return ta_mpi_agree(0);
    /* No shared window on this node: a private copy per rank, as before MPI-3. */
    if (s->node_rank == 0)
        ta_log_warn_any("no shared-memory window for a %zu-byte matrix (%s): each of the node's "
                        "%d ranks holds its own copy",
                        bytes, ta_err_message(), s->node_size);
    ta_err_clear();
    TA_MPI_MUST(MPI_Comm_free(&s->node));
    s->node = MPI_COMM_NULL;
    s->node_rank = 0;
    s->node_size = 1;
    return alloc_private(bytes, s);
}

void ta_shm_part(const ta_shm_t *s, int64_t n, int64_t *lo, int64_t *hi)
{
    ta_mpi_block_range(n, s->node_rank, s->node_size, lo, hi);
}

void ta_shm_filled(ta_shm_t *s)
{
    if (!s->shared)
        return;
    TA_MPI_MUST(MPI_Win_sync(s->win));
    TA_MPI_MUST(MPI_Barrier(s->node));
    TA_MPI_MUST(MPI_Win_sync(s->win));
}

void ta_shm_free(ta_shm_t *s)
{
    if (s->shared) {
        TA_MPI_MUST(MPI_Win_unlock_all(s->win));
        TA_MPI_MUST(MPI_Win_free(&s->win));
        TA_MPI_MUST(MPI_Comm_free(&s->node));
    } else {
        free(s->base);
    }
    memset(s, 0, sizeof *s);
}

/* Collective on the node. The zero rows of the node's parts, combined in rank order (= row
 * order): the counts summed, the first of the first part that has any. */
static void combine_zeros(const ta_shm_t *s, ta_rownorm_zeros_t *z)
{
    if (s->node_size < 2)
        return;
    int64_t mine[2] = {z->count, z->first};
    int64_t *all = ta_malloc((size_t)s->node_size * sizeof mine);
    if (!all) { /* the count alone, without the first row (then unknown) */
        TA_MPI_MUST(MPI_Allreduce(MPI_IN_PLACE, &z->count, 1, MPI_INT64_T, MPI_SUM, s->node));
        z->first = -1;
        return;
    }
    TA_MPI_MUST(MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, s->node));
    *z = (ta_rownorm_zeros_t){0, -1};
    for (int r = 0; r < s->node_size; r++) {
        if (z->count == 0 && all[2 * r] > 0)
            z->first = all[2 * r + 1];
        z->count += all[2 * r];
    }
    free(all);
}

int ta_shm_read_normalized(ta_embed_t *e, int64_t n, int64_t step, ta_shm_t *s,
                           ta_rownorm_zeros_t *z)
{
    const int64_t d = e->cols;
    size_t bytes;
    TA_CALL(ta_mpi_agree(ta_mul_size((size_t)n, (size_t)d * sizeof(float), &bytes)
                             ? TA_ERR(TA_ERESOURCE, "%s: a %lld x %lld matrix is too large",
                                      e->file, (long long)n, (long long)d)
                             : 0));
    TA_CALL(ta_shm_alloc(bytes, s));
    float *X = s->base;
    int64_t lo, hi;
    ta_shm_part(s, n, &lo, &hi);
    *z = (ta_rownorm_zeros_t){0, -1};
    int rc = 0;
    for (int64_t r0 = lo; r0 < hi && !rc; r0 += step) {
        int64_t rows = hi - r0 < step ? hi - r0 : step;
        rc = ta_embed_read_normalized(e, r0, rows, X + r0 * d, NULL, z);
    }
    rc = ta_mpi_agree(rc);
    if (rc) {
        ta_shm_free(s);
        return rc;
    }
    combine_zeros(s, z);
    ta_shm_filled(s);
    return 0;
}
