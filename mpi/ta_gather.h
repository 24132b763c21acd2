/* Work splitting and deterministic reductions for the analyses (diversity, translate, compare).
 *
 * Every statistic must come out bit-identical for any number of ranks. The analyses therefore
 * never add floating-point partial sums across ranks: each rank computes per-token values for a
 * contiguous range of rows, the values are gathered to rank 0 in row order, and rank 0 reduces
 * them in that fixed order. Integer sums (exact, so order-free) are reduced with MPI directly. */
#ifndef TA_GATHER_H
#define TA_GATHER_H

#include "base/ta_elem.h"

#include <stdint.h>

/* Local. The contiguous block [*lo, *hi) of n items owned by `rank` of `size` ranks; the first
 * n % size ranks get one item more. */
void ta_mpi_block_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi);

/* Collective on ta_mpi_comm(). Concatenates each rank's n_mine items of type elem on rank 0 in
 * rank order into *all (malloc'd on rank 0, NULL elsewhere); *n_all is the total on every rank. */
int ta_mpi_gather_cat(const void *mine, int64_t n_mine, ta_elem_t elem, void **all, int64_t *n_all);

/* Collective. In-place exact sum of n int64 values over all ranks (result on every rank). */
int ta_mpi_sum_i64(int64_t *buf, int64_t n);
/* Collective. In-place minimum of n int64 values over all ranks (result on every rank). */
int ta_mpi_min_i64(int64_t *buf, int64_t n);

/* Collective. Number of items before this rank (exclusive prefix sum) and the total. */
int ta_mpi_offset_i64(int64_t mine, int64_t *before, int64_t *total);

#endif
