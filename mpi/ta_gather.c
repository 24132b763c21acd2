#include "mpi/ta_gather.h"

#include "base/ta_error.h"
#include "mpi/ta_mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void ta_mpi_block_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi)
{
    int64_t base = n / size, extra = n % size;
    *lo = rank * base + (rank < extra ? rank : extra);
    *hi = *lo + base + (rank < extra ? 1 : 0);
}

/* The MPI datatype of an element type. */
static MPI_Datatype mpi_type(ta_elem_t t)
{
    switch (t) {
    case TA_ELEM_F32:
        return MPI_FLOAT;
    case TA_ELEM_F64:
        return MPI_DOUBLE;
    case TA_ELEM_I32:
        return MPI_INT32_T;
    case TA_ELEM_I64:
        return MPI_INT64_T;
    case TA_ELEM_U8:
        return MPI_UINT8_T;
    }
    TA_ASSERT(!"element type");
    return MPI_DATATYPE_NULL;
}

/* Collective. Whether every rank passed ok (1) or not (0). */
static int all_ok(int ok)
{
    int all = 0;
    TA_MPI_MUST(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, ta_mpi_comm()));
    return all;
}

int ta_mpi_gather_cat(const void *mine, int64_t n_mine, ta_elem_t elem, void **all, int64_t *n_all)
{
    MPI_Datatype type = mpi_type(elem);
    MPI_Comm comm = ta_mpi_comm();
    int size = ta_mpi_size();
    *all = NULL;
    /* Every rank reaches every collective below: local failures are agreed on first. */
    int cnt = n_mine <= INT_MAX ? (int)n_mine : -1;
    int *counts = ta_calloc((size_t)size, sizeof *counts);
    int *displs = ta_calloc((size_t)size, sizeof *displs);
    int local_ok = counts && displs && cnt >= 0;
    if (!all_ok(local_ok)) {
        free(counts);
        free(displs);
        if (cnt < 0)
            return TA_ERR(TA_ERESOURCE, "too many rows on one rank (%lld) for a gather",
                          (long long)n_mine);
        return TA_ERR(TA_ERESOURCE, "out of memory for a gather over %d ranks%s", size,
                      local_ok ? " (on another rank)" : "");
    }
    TA_MPI_MUST(MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, comm));
    int64_t total = 0;
    for (int r = 0; r < size; r++) {
        displs[r] = (int)(total <= INT_MAX ? total : 0);
        total += counts[r];
    }
    *n_all = total;
    /* The same on every rank: no agreement needed. */
    int rc = total <= INT_MAX ? 0
                              : TA_ERR(TA_ERESOURCE, "%lld values are too many for one gather",
                                       (long long)total);
    void *buf = NULL;
    if (!rc && ta_mpi_rank() == 0) {
        buf = ta_malloc((size_t)(total ? total : 1) * ta_elem_size(elem));
        if (!buf)
            rc = TA_ERR(TA_ERESOURCE, "out of memory gathering %lld values on rank 0",
                        (long long)total);
    }
    /* Every rank must reach the Gatherv, even when rank 0 failed to allocate; agree first. */
    rc = ta_mpi_agree(rc);
    if (!rc)
        TA_MPI_MUST(MPI_Gatherv(mine, cnt, type, buf, counts, displs, type, 0, comm));
    free(counts);
    free(displs);
    if (rc)
        free(buf);
    else
        *all = buf;
    return rc;
}

/* In-place reduction of n int64 values with op, in chunks that keep each call's count inside
 * int. A failed chunk ends the job: the other ranks would wait in the next one. */
static int ta__allreduce_i64(int64_t *buf, int64_t n, MPI_Op op)
{
    for (int64_t off = 0; off < n; off += INT_MAX / 2) {
        int64_t m = n - off < INT_MAX / 2 ? n - off : INT_MAX / 2;
        TA_MPI_MUST(MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)m, MPI_INT64_T, op, ta_mpi_comm()));
    }
    return 0;
}

int ta_mpi_sum_i64(int64_t *buf, int64_t n)
{
    return ta__allreduce_i64(buf, n, MPI_SUM);
}

int ta_mpi_min_i64(int64_t *buf, int64_t n)
{
    return ta__allreduce_i64(buf, n, MPI_MIN);
}

int ta_mpi_offset_i64(int64_t mine, int64_t *before, int64_t *total)
{
    int64_t b = 0, t = 0;
    TA_MPI_MUST(MPI_Exscan(&mine, &b, 1, MPI_INT64_T, MPI_SUM, ta_mpi_comm()));
    if (ta_mpi_rank() == 0)
        b = 0; /* MPI_Exscan leaves rank 0's result undefined. */
    TA_MPI_MUST(MPI_Allreduce(&mine, &t, 1, MPI_INT64_T, MPI_SUM, ta_mpi_comm()));
    *before = b;
    *total = t;
    return 0;
}
