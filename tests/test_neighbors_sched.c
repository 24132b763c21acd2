/* Unit test of the neighbours ring schedule (mpi/ta_nbr_sched.h), which runs without MPI: for
 * P = 1..8 ranks, several row counts (fewer rows than ranks), tile sizes (1 row up to more than
 * the shard) and shard splits (even, and three skewed ones with empty shards), every
 * ordered pair of rows (i, j) must be offered to row i's list exactly once over all ranks,
 * steps and work items (the diagonal pair (i, i) too, once), whether it comes from the row side
 * or the column side of a tile. With a query subset each (query, row) pair is offered once, from
 * the row side only. At step P/2 (P even) the checkerboard gives every work item half of its
 * column tiles (rounded either way), so the two ranks of a pair keep pace item by item. */
#include "mpi/ta_nbr_sched.h"
#include "ta_test.h"

#include <stdint.h>
#include <stdlib.h>

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Offers of step s, item a of rank r, counted into cnt[i * ncol + j] (row i's list gets j). */
static void count_item(const ta_nbr_sched_t *g, int r, int s, int64_t a, const int64_t *qrow,
                       int64_t ncol, int *cnt)
{
    const int v = ta_nbr_sched_visitor(g, r, s);
    const int64_t rlo = g->sym ? g->lo[r] : g->qlo[r];
    const int64_t rhi = g->sym ? g->lo[r + 1] : g->qlo[r + 1];
    int64_t nb = 0, ncols = ta_nbr_sched_ntiles(ta_nbr_sched_shard_rows(g, v), g->B);
    for (int64_t b = ta_nbr_sched_next_col(g, r, s, a, 0); b >= 0;
         b = ta_nbr_sched_next_col(g, r, s, a, b + 1)) {
        nb++;
        int side = ta_nbr_sched_col_side(g, s, a, b);
        T_CHECK(g->sym || !side);
        for (int64_t i = rlo + a * g->B; i < min64(rlo + (a + 1) * g->B, rhi); i++)
            for (int64_t j = g->lo[v] + b * g->B;
                 j < min64(g->lo[v] + (b + 1) * g->B, g->lo[v + 1]); j++) {
                /* Row i is a position in the query list (its row: qrow[i]) without sym. */
                cnt[i * ncol + j]++;
                if (side)
                    cnt[j * ncol + (g->sym ? i : qrow[i])]++;
            }
    }
    if (g->sym && s > 0 && 2 * s == g->P)
        T_CHECK(nb == ncols / 2 || nb == (ncols + 1) / 2);
}

/* Runs the whole schedule; returns the number of pair counts that are not 1. */
static int64_t run_schedule(const ta_nbr_sched_t *g, int64_t nrow, const int64_t *qrow,
                            int64_t ncol)
{
    int *cnt = calloc((size_t)(nrow * ncol + 1), sizeof *cnt);
    int64_t M = ta_nbr_sched_max_items(g);
    for (int s = 0; s < ta_nbr_sched_steps(g); s++)
        for (int r = 0; r < g->P; r++) {
            T_CHECK(ta_nbr_sched_items(g, r) <= M);
            for (int64_t a = 0; a < ta_nbr_sched_items(g, r); a++)
                count_item(g, r, s, a, qrow, ncol, cnt);
        }
    int64_t bad = 0;
    for (int64_t x = 0; x < nrow * ncol; x++)
        bad += cnt[x] != 1;
    free(cnt);
    return bad;
}

/* Shard boundaries of n rows over P ranks: even (n * q / P, as the driver splits them) when
 * skew is 0, else cut at points drawn from a small LCG seeded by skew (shards of very different
 * sizes, empty ones among them). */
static void bounds(int64_t *b, int P, int64_t n, uint32_t skew)
{
    for (int q = 0; q <= P; q++)
        b[q] = n * q / P;
    if (!skew)
        return;
    uint32_t x = skew;
    for (int q = 1; q < P; q++) {
        x = x * 1664525u + 1013904223u;
        b[q] = (int64_t)((x >> 8) % (uint32_t)(n + 1));
    }
    /* Sorted cut points (insertion sort: P <= 8). */
    for (int q = 2; q < P; q++)
        for (int i = q; i > 1 && b[i - 1] > b[i]; i--) {
            int64_t t = b[i];
            b[i] = b[i - 1];
            b[i - 1] = t;
        }
}

/* All rows as queries. */
static void test_sym(int P, int64_t n, int64_t B, uint32_t skew)
{
    int64_t lo[9];
    bounds(lo, P, n, skew);
    ta_nbr_sched_t g = {.P = P, .sym = 1, .B = B, .lo = lo, .qlo = lo};
    T_EQ_INT(ta_nbr_sched_steps(&g), P / 2 + 1);
    int64_t bad = run_schedule(&g, n, NULL, n);
    if (bad)
        fprintf(stderr, "sym P=%d n=%lld B=%lld skew=%u: %lld pairs not offered exactly once\n", P,
                (long long)n, (long long)B, skew, (long long)bad);
    T_EQ_INT(bad, 0);
}

/* A query subset: every third row and the last one. */
static void test_subset(int P, int64_t n, int64_t B, uint32_t skew)
{
    int64_t lo[9], qlo[9], qrow[64];
    int64_t nq = 0;
    for (int64_t i = 0; i < n; i++)
        if (i % 3 == 0 || i == n - 1)
            qrow[nq++] = i;
    bounds(lo, P, n, skew);
    bounds(qlo, P, nq, skew ? skew + 1 : 0);
    ta_nbr_sched_t g = {.P = P, .sym = 0, .B = B, .lo = lo, .qlo = qlo};
    T_EQ_INT(ta_nbr_sched_steps(&g), P);
    int64_t bad = run_schedule(&g, nq, qrow, n);
    if (bad)
        fprintf(stderr, "subset P=%d n=%lld B=%lld skew=%u: %lld pairs not offered exactly once\n",
                P, (long long)n, (long long)B, skew, (long long)bad);
    T_EQ_INT(bad, 0);
}

int main(void)
{
    const int64_t rows[] = {1, 5, 8, 23, 64};
    const int64_t tiles[] = {1, 2, 3, 7, 64};
    for (int P = 1; P <= 8; P++)
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
            for (size_t j = 0; j < sizeof tiles / sizeof *tiles; j++)
                for (uint32_t skew = 0; skew < 4; skew++) {
                    test_sym(P, rows[i], tiles[j], skew);
                    test_subset(P, rows[i], tiles[j], skew);
                }
    return ta_test_finish("neighbors_unit_sched");
}
