/* One tile of `neighbors` on the rank's thread team. A tile is the m x n score block C = A Bm^T
 * of m query rows and n visiting rows (both normalised, so C holds approximate cosines: the
 * screening scores, computed by the rank's GEMM engine, kernels/ta_gemm.h). The team splits it
 * in two phases separated by a barrier:
 *   1. thread t of T computes the columns [c0, c1) of C (its slice, a multiple of
 *      TA_NBR_GEMM_COL_ALIGN wide, one engine call on the thread's slot) as a dense block, and
 *      offers them to the column side (the visiting rows' state), whose rows c0 .. c1 only it
 *      touches;
 *   2. thread t offers its slice of C's rows to the row side (the queries' state), reading the
 *      column blocks in order, so that every row receives its columns in the order 0 .. n-1.
 * Every state row is so touched by one thread at a time, and the selection's result does not
 * depend on the thread count. With one thread both sides are offered in one pass over C. */
#include "base/ta_log.h"
#include "base/ta_team.h"
#include "kernels/ta_blocking.h"
#include "mpi/ta_nbr_int.h"

/* Thread t of T: the columns [*c0, *c1) of the m x n tile, the dense block at C + m c0. The one
 * place where screening scores are computed; the exactness argument only needs |C - canonical|
 * <= delta of the query (ta__nbr_cut). */
static void gemm_cols(ta__nbr_t *c, const void *A, int64_t m, const void *Bm, int64_t n, int t,
                      int T, int64_t *c0, int64_t *c1)
{
    *c0 = ta_team_lo(n, t, T, TA_NBR_GEMM_COL_ALIGN);
    *c1 = ta_team_lo(n, t + 1, T, TA_NBR_GEMM_COL_ALIGN);
    if (*c1 > *c0)
        ta_gemm_tile(c->gemm, t, A, m, ta_gemm_row(c->kind, Bm, c->d, c->B, *c0), *c1 - *c0,
                     c->C + m * *c0, *c1 - *c0);
}

/* One GEMM tile and its offers. */
typedef struct {
    ta__nbr_t *c;
    const void *A, *Bm;
    int64_t m, n, rowt0, colt0;
    ta_topk_t *rowt, *colt;
    const int32_t *rids, *cids;
    const uint8_t *rok, *cok;
} tile_job_t;

static void tile_part(void *p, int t, int T)
{
    const tile_job_t *j = p;
    ta__nbr_t *c = j->c;
    const int64_t m = j->m;
    double t0 = ta_now();
    int64_t c0, c1;
    gemm_cols(c, j->A, m, j->Bm, j->n, t, T, &c0, &c1);
    double t1 = ta_now();
    if (j->colt && c1 > c0)
        ta_topk_offer_tile(c->C + m * c0, c1 - c0, m, c1 - c0, NULL, 0, j->rids, j->rok, j->colt,
                           j->colt0 + c0, j->cids + c0, j->cok + c0, c->excl);
    ta_team_barrier(c->team);
    int64_t r0 = ta_team_lo(m, t, T, 1), r1 = ta_team_lo(m, t + 1, T, 1);
    for (int u = 0; u < T && r1 > r0; u++) {
        int64_t u0 = ta_team_lo(j->n, u, T, TA_NBR_GEMM_COL_ALIGN);
        int64_t w = ta_team_lo(j->n, u + 1, T, TA_NBR_GEMM_COL_ALIGN) - u0;
        if (w > 0)
            ta_topk_offer_tile(c->C + m * u0 + r0 * w, w, r1 - r0, w, j->rowt, j->rowt0 + r0,
                               j->rids + r0, j->rok + r0, NULL, 0, j->cids + u0, j->cok + u0,
                               c->excl);
    }
    if (t == 0) {
        c->t_gemm += t1 - t0;
        c->t_topk += ta_now() - t1;
    }
}

void ta__nbr_tile(ta__nbr_t *c, const void *A, int64_t m, const void *Bm, int64_t n,
                  ta_topk_t *rowt, int64_t rowt0, const int32_t *rids, const uint8_t *rok,
                  ta_topk_t *colt, int64_t colt0, const int32_t *cids, const uint8_t *cok)
{
    c->flops += 2.0 * (double)m * (double)n * (double)c->d;
    if (c->team) {
        tile_job_t j = {c, A, Bm, m, n, rowt0, colt0, rowt, colt, rids, cids, rok, cok};
        ta_team_run(c->team, tile_part, &j);
        return;
    }
    /* One thread: both sides in one pass over the tile. */
    double t0 = ta_now();
    ta_gemm_tile(c->gemm, 0, A, m, Bm, n, c->C, n);
    double t1 = ta_now();
    ta_topk_offer_tile(c->C, n, m, n, rowt, rowt0, rids, rok, colt, colt0, cids, cok, c->excl);
    c->t_gemm += t1 - t0;
    c->t_topk += ta_now() - t1;
}

/* Pass 3's tile: ambiguous rows [i0, i0 + m) against visiting shard rows [j0, j0 + n). */
typedef struct {
    ta__nbr_t *c;
    const float *A, *Bm; /* the tile's ambiguous rows and shard rows */
    const void *PA, *PB; /* the same, packed */
    int64_t m, n, i0, j0;
    const int32_t *aid; /* ids of all ambiguous rows */
    const float *cut;   /* per ambiguous row: the cut of its k-th screening score */
    ta_topk_t *ex;      /* per ambiguous row: exact canonical top k */
} exact_job_t;

/* Thread t of T: the GEMM of a column slice; after a barrier, for a slice of the rows, the
 * canonical score of every pair whose screening score reaches the row's cut. */
static void exact_part(void *p, int t, int T)
{
    const exact_job_t *j = p;
    ta__nbr_t *c = j->c;
    const int64_t d = c->d, m = j->m;
    int64_t c0, c1;
    gemm_cols(c, j->PA, m, j->PB, j->n, t, T, &c0, &c1);
    ta_team_barrier(c->team);
    int64_t r0 = ta_team_lo(m, t, T, 1), r1 = ta_team_lo(m, t + 1, T, 1);
    for (int64_t i = r0; i < r1; i++) {
        const int64_t a = j->i0 + i;
        for (int u = 0; u < T; u++) {
            int64_t u0 = ta_team_lo(j->n, u, T, TA_NBR_GEMM_COL_ALIGN);
            int64_t w = ta_team_lo(j->n, u + 1, T, TA_NBR_GEMM_COL_ALIGN) - u0;
            const float *row = c->C + m * u0 + i * w;
            for (int64_t x = 0; x < w; x++) {
                const int64_t y = j->j0 + u0 + x;
                if (row[x] < j->cut[a] || !c->vok[y] || (c->excl && c->vids[y] == j->aid[a]))
                    continue;
                float sc = ta_topk_canon_dot(j->A + i * d, j->Bm + (u0 + x) * d, d);
                if (sc >= j->ex->thr[a])
                    ta_topk_push(j->ex, a, sc, c->vids[y]);
            }
        }
    }
}

void ta__nbr_tile_exact(ta__nbr_t *c, const float *A, const void *PA, int64_t m, const float *Bm,
                        const void *PB, int64_t n, int64_t i0, int64_t j0, const int32_t *aid,
                        const float *cut, ta_topk_t *ex)
{
    exact_job_t j = {c, A, Bm, PA, PB, m, n, i0, j0, aid, cut, ex};
    ta_team_run(c->team, exact_part, &j);
}

typedef struct {
    ta__nbr_t *c;
    const float *x;
    int64_t rows;
    void *out;
} pack_job_t;

/* Blocks [lo, hi) of B rows. */
static void pack_blocks(void *p, long long lo, long long hi, int t)
{
    const pack_job_t *j = p;
    const ta__nbr_t *c = j->c;
    for (int64_t b = lo; b < hi; b++) {
        int64_t r0 = b * c->B, n = j->rows - r0 < c->B ? j->rows - r0 : c->B;
        ta_gemm_pack_rows(c->kind, j->x + r0 * c->d, n, c->d, c->B,
                          (void *)(uintptr_t)ta_gemm_row(c->kind, j->out, c->d, c->B, r0));
    }
}

void ta__nbr_pack(ta__nbr_t *c, const float *x, int64_t rows, void *out)
{
    pack_job_t j = {c, x, rows, out};
    ta_team_for(c->team, (rows + c->B - 1) / c->B, pack_blocks, &j);
}
