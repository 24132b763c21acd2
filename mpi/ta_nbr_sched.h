/* The ring schedule of `neighbors`: which tile pairs each rank computes at each ring step. A
 * pure function of the shard boundaries and the tile size (no MPI, no memory), so that a unit
 * test can check that it covers every pair exactly once (tests/test_neighbors_sched.c).
 *
 * Rows are sharded contiguously over P ranks, shard q = rows [lo[q], lo[q+1]); at ring step s,
 * rank r holds the rows of shard v = (r + s) mod P (the "visiting" shard; its own at s = 0).
 * A work item of rank r is one row tile a of its shard (or of its query slice) against a list of
 * column tiles b of the visiting shard; rank r does items 0 .. items - 1 of each step in order,
 * and all ranks agree on stop requests after each item (up to the largest item count).
 *
 * With all rows as queries (sym) each pair of rows is computed once and offered to both sides:
 *   step 0      rank r: tiles (a, b) of its own shard with a <= b (the diagonal tile a = b once,
 *               offered to the row side only: it holds both orders of each pair);
 *   step s      (1 <= s < P/2) rank r: its shard x shard (r+s) mod P, every tile pair;
 *   step P/2    (P even) ranks r and r+P/2 split their pair like a checkerboard: of the tile
 *               pairs (a, b), a a row tile of the lower rank and b one of the upper, the lower
 *               rank takes those with a + b even, the upper rank those with a + b odd. Each rank
 *               then does about half of every one of its work items, so the ranks keep pace
 *               item by item (the stop agreement after each item would otherwise make one wait
 *               for the other).
 * Steps s > P/2 are not needed: rank r + s would compute the pair that rank r computed at
 * step P - s. With a query subset (not sym) rank r multiplies its query slice, qlo[r] ..
 * qlo[r+1] of the query list, with each of the P shards in turn (steps 0 .. P - 1), every tile
 * pair, row side only. */
#ifndef TA_NBR_SCHED_H
#define TA_NBR_SCHED_H

#include <stdint.h>

typedef struct {
    int P;              /* ranks */
    int sym;            /* 1: all rows are queries */
    int64_t B;          /* tile rows */
    const int64_t *lo;  /* P + 1 shard boundaries of the database rows */
    const int64_t *qlo; /* P + 1 boundaries of the query list (read when !sym) */
} ta_nbr_sched_t;

/* Local. Tiles of B rows covering `rows` rows. */
int64_t ta_nbr_sched_ntiles(int64_t rows, int64_t B);
/* Local. Rows of shard q. */
int64_t ta_nbr_sched_shard_rows(const ta_nbr_sched_t *g, int q);
/* Local. Ring steps: P/2 + 1 with all rows as queries, else P. */
int ta_nbr_sched_steps(const ta_nbr_sched_t *g);
/* Local. The shard that visits rank r at step s: (r + s) mod P. */
int ta_nbr_sched_visitor(const ta_nbr_sched_t *g, int r, int s);
/* Local. Work items (row tiles) of rank r at every step, and the most over all ranks. */
int64_t ta_nbr_sched_items(const ta_nbr_sched_t *g, int r);
int64_t ta_nbr_sched_max_items(const ta_nbr_sched_t *g);
/* Local. The column tiles of item a of rank r at step s, in increasing order: the first one
 * >= from, or -1 when there is none. Loop: for (b = next(.., 0); b >= 0; b = next(.., b + 1)). */
int64_t ta_nbr_sched_next_col(const ta_nbr_sched_t *g, int r, int s, int64_t a, int64_t from);
/* Local. Whether tile pair (a, b) of step s is also offered to the column side (the visiting
 * rows): with all rows as queries, except for the diagonal tiles of step 0. */
int ta_nbr_sched_col_side(const ta_nbr_sched_t *g, int s, int64_t a, int64_t b);

#endif
