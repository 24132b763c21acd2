/* Passes 2 and 3 of `neighbors`: from screening scores to the exact canonical top k.
 *
 * Pass 1 kept, per query, the kk = k + slack best candidates by screening score (the GEMM), and the
 * best screening score it dropped. Pass 2 recomputes the kept candidates' scores canonically
 * (ta_topk_canon_dot: the same bits whatever tile, rank or order produced the pair), the shards
 * going around the ring once more, and selects the final k; a row whose k-th canonical score is
 * not provably above everything dropped (within delta, the screening error) is ambiguous. Pass 3
 * recomputes the ambiguous rows exactly, by two more sweeps of screening GEMM tiles. Every cut
 * below is ta__nbr_cut (the candidate bound of the exactness argument). */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_blocking.h"
#include "mpi/ta_nbr_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One candidate of the rescoring: query q's candidate slot e is row j of the visiting shard. */
typedef struct {
    int32_t j, q, e;
} cand_t;

typedef struct {
    ta__nbr_t *c;
    uint8_t *amb;
    const float *vx;
    int64_t vlo, vhi, nvalid;
    const cand_t *cand; /* the block's candidates sorted by shard row */
    double *bd;         /* per thread: d doubles (a shard row, converted) */
} rescore_job_t;

/* Candidates in screening order; those below the cut of the k-th cannot reach the top k after
 * rescoring, so they are not rescored. */
static void rescore_pick(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ta__nbr_t *c = j->c;
    const int64_t kk = c->kk, cap = c->own.cap;
    for (int64_t q = lo; q < hi; q++) {
        uint64_t *K = c->own.key + q * cap;
        int n = c->own.count[q];
        ta_topk_sort_keys(K, n);
        float cut = n >= c->k ? ta__nbr_cut(c, q, ta_topk_key_score(K[c->k - 1])) : -INFINITY;
        int m = 0;
        while (m < n && ta_topk_key_score(K[m]) >= cut) {
            c->ci[q * kk + m] = ta_topk_key_index(K[m]);
            m++;
        }
        c->cn[q] = m;
    }
}

/* Sorts the candidates of queries [q0, q0 + n) that lie in the visiting shard by their row
 * there (counting sort; cnt has vrows + 1 entries); returns their number. */
static int64_t rescore_gather(const rescore_job_t *j, int64_t q0, int64_t n, int64_t vrows,
                              int32_t *cnt, cand_t *out)
{
    const ta__nbr_t *c = j->c;
    const int64_t kk = c->kk, vlo = j->vlo, vhi = j->vhi;
    memset(cnt, 0, (size_t)(vrows + 1) * sizeof *cnt);
    for (int64_t q = q0; q < q0 + n; q++)
        for (int e = 0; e < c->cn[q]; e++) {
            int32_t x = c->ci[q * kk + e];
            if (x >= vlo && x < vhi)
                cnt[x - vlo + 1]++;
        }
    for (int64_t x = 0; x < vrows; x++)
        cnt[x + 1] += cnt[x];
    for (int64_t q = q0; q < q0 + n; q++)
        for (int e = 0; e < c->cn[q]; e++) {
            int32_t x = c->ci[q * kk + e];
            if (x >= vlo && x < vhi)
                out[cnt[x - vlo]++] = (cand_t){(int32_t)(x - vlo), (int32_t)q, e};
        }
    return cnt[vrows];
}

/* Canonical scores of the sorted candidates [lo, hi) of the block: the shard's rows are then
 * read in ascending order, each once for all the block's queries that hold it (converted once,
 * then scored against up to RESCORE_GROUP of them per kernel call, the next queries' rows
 * prefetched), while the block's query rows stay in cache (instead of one random shard row per
 * candidate). */
enum { RESCORE_GROUP = 32 };

static void rescore_shard(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ta__nbr_t *c = j->c;
    const int64_t kk = c->kk, d = c->d;
    const cand_t *cd = j->cand;
    double *bd = j->bd + (size_t)t * (size_t)d;
    const float *rows[RESCORE_GROUP];
    float s[RESCORE_GROUP];
    for (int64_t i = lo; i < hi;) {
        int n = 0;
        while (i + n < hi && n < RESCORE_GROUP && cd[i + n].j == cd[i].j) {
            rows[n] = c->qx + (int64_t)cd[i + n].q * d;
            n++;
        }
        ta_topk_canon_dot_rows(j->vx + (int64_t)cd[i].j * d, rows, n, d, bd, s);
        for (int r = 0; r < n; r++)
            c->cs[cd[i + r].q * kk + cd[i + r].e] = s[r];
        i += n;
    }
}

/* The final order of each row, and whether its k-th place is certain. */
static void rescore_final(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ta__nbr_t *c = j->c;
    const int64_t kk = c->kk;
    uint64_t *work = c->work + (size_t)t * ((size_t)c->own.cap + (size_t)c->k);
    const int64_t possible = j->nvalid - (c->excl ? 1 : 0);
    for (int64_t q = lo; q < hi; q++) {
        j->amb[q] = 0;
        if (!c->qok[q])
            continue;
        float dropped = possible <= kk ? -INFINITY : ta_topk_dropped_bound(&c->own, q);
        j->amb[q] = !ta_topk_row_final(c->cs + q * kk, c->ci + q * kk, c->cn[q], c->k, dropped,
                                       c->qdelta[q], work);
    }
}

/* The rescoring's ring steps from (rs0, b0): for each visiting shard, each block of RB queries
 * has its candidates in the shard sorted by row, then scored by the team; a stop agreement
 * after each block. */
static int rescore_steps(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, rescore_job_t *j,
                         int rs0, int64_t b0, int resumed, int64_t RB, int64_t nblocks,
                         int32_t *cnt, cand_t *cand)
{
    const int S = ta_nbr_sched_steps(&c->g);
    const int64_t Q = ta__nbr_nq(c);
    double total = (double)c->P * (double)nblocks, done = (double)rs0 * (double)nblocks + b0;
    ta_progress_t prog;
    ta_progress_start(&prog, "neighbors rescoring", "query blocks", total, done);
    j->cand = cand;
    for (int rs = rs0; rs < c->P; rs++) {
        int v = ta_nbr_sched_visitor(&c->g, c->r, rs);
        if (rs > 0 && rs == rs0 && resumed)
            TA_CALL(ta__nbr_reread_visiting(c, e, rs));
        if (rs + 1 < c->P)
            ta__nbr_ring_start(c, rs);
        j->vx = ta__nbr_visiting(c, rs);
        j->vlo = c->lo[v];
        j->vhi = c->lo[v + 1];
        for (int64_t b = (rs == rs0 ? b0 : 0); b < nblocks; b++) {
            int64_t q0 = b * RB, n = Q - q0 < RB ? Q - q0 : RB;
            if (n > 0) {
                int64_t m = rescore_gather(j, q0, n, ta_nbr_sched_shard_rows(&c->g, v), cnt, cand);
                ta_team_for(c->team, m, rescore_shard, j);
            }
            done += 1;
            if (ta_mpi_stop_requested())
                return ta__nbr_interrupted(c, o, S + rs, b + 1, "rescoring block", done, total);
            ta_progress_update(&prog, done, 0);
        }
        ta__nbr_ring_wait(c);
    }
    ta_progress_update(&prog, done, 1);
    return 0;
}

int ta__nbr_rescore(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int64_t nvalid,
                    uint8_t *amb, int s0, int64_t t0, int resumed)
{
    const int S = ta_nbr_sched_steps(&c->g);
    const int64_t Q = ta__nbr_nq(c);
    int64_t maxq = c->sym ? c->maxrows : 0;
    for (int q = 0; q < c->P && !c->sym; q++)
        if (c->qlo[q + 1] - c->qlo[q] > maxq)
            maxq = c->qlo[q + 1] - c->qlo[q];
    rescore_job_t j = {.c = c, .amb = amb, .nvalid = nvalid};
    resumed = resumed && s0 >= S;
    if (!resumed)
        ta_team_for(c->team, Q, rescore_pick, &j);
    const int64_t RB = ta_nbr_rescore_block(c->B), nblocks = ta_nbr_sched_ntiles(maxq, RB);
    int32_t *cnt = ta_malloc(((size_t)c->maxrows + 1) * sizeof *cnt);
    cand_t *cand = ta_malloc(((size_t)(RB < Q ? RB : Q) * (size_t)c->kk + 1) * sizeof *cand);
    j.bd = ta_malloc((size_t)ta_team_size(c->team) * (size_t)c->d * sizeof *j.bd);
    int rc = cnt && cand && j.bd
                 ? 0
                 : TA_ERR(TA_ERESOURCE, "out of memory for the rescoring of %lld queries",
                          (long long)RB);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = rescore_steps(c, e, o, &j, resumed ? s0 - S : 0, resumed ? t0 : 0, resumed, RB,
                           nblocks, cnt, cand);
    free(cnt);
    free(cand);
    free(j.bd);
    if (!rc)
        ta_team_for(c->team, Q, rescore_final, &j);
    return rc;
}

/* Pass 3, first sweep's result: each ambiguous row's cut from its k-th screening score (map:
 * the ambiguous rows' query positions). */
static void exact_cuts(const ta__nbr_t *c, ta_topk_t *kth, int64_t namb, const int64_t *map,
                       float *cut)
{
    ta_topk_finish(kth);
    for (int64_t i = 0; i < namb; i++) {
        /* The kept k are the k best screening scores; the worst of them is the k-th. */
        const uint64_t *K = kth->key + i * kth->cap;
        float w = INFINITY;
        for (int e = 0; e < kth->count[i]; e++)
            if (ta_topk_key_score(K[e]) < w)
                w = ta_topk_key_score(K[e]);
        cut[i] = kth->count[i] < c->k ? -INFINITY : ta__nbr_cut(c, map[i], w);
    }
}

/* Pass 3's state: the ambiguous rows copied together (and packed), their ids, query positions
 * and cuts, the k-th finder. */
typedef struct {
    float *A, *cut;
    void *PA; /* f32: == A */
    int32_t *aid;
    uint8_t *aok;
    const int64_t *map;
    ta_topk_t kth;
} exact_t;

/* One sweep of the ring over the ambiguous rows: sweep 0 finds each row's k-th screening
 * score, sweep 1 scores canonically every pair that reaches the row's cut. */
static void exact_sweep(ta__nbr_t *c, exact_t *x, int64_t namb, int sweep, ta_topk_t *ex)
{
    const int64_t d = c->d, B = c->B;
    for (int s = 0; s < c->P; s++) {
        int v = ta_nbr_sched_visitor(&c->g, c->r, s);
        if (s + 1 < c->P)
            ta__nbr_ring_start(c, s);
        const float *vx = ta__nbr_visiting(c, s);
        ta__nbr_mark_visiting(c, v, vx);
        ta__nbr_visiting_packed(c, s);
        int64_t vrows = ta_nbr_sched_shard_rows(&c->g, v);
        for (int64_t i0 = 0; i0 < namb; i0 += B)
            for (int64_t j0 = 0; j0 < vrows; j0 += B) {
                int64_t m = namb - i0 < B ? namb - i0 : B, n = vrows - j0 < B ? vrows - j0 : B;
                const void *pa = ta_gemm_row(c->kind, x->PA, d, B, i0);
                const void *pb = ta_gemm_row(c->kind, c->pvs, d, B, j0);
                if (sweep == 0)
                    ta__nbr_tile(c, pa, m, pb, n, &x->kth, i0, x->aid + i0, x->aok + i0, NULL, 0,
                                 c->vids + j0, c->vok + j0);
                else
                    ta__nbr_tile_exact(c, x->A + i0 * d, pa, m, vx + j0 * d, pb, n, i0, j0, x->aid,
                                       x->cut, ex);
            }
        ta__nbr_ring_wait(c);
    }
    if (sweep == 0)
        exact_cuts(c, &x->kth, namb, x->map, x->cut);
}

/* Pass 3: the exact canonical top k of the ambiguous rows. Two sweeps of the ring, both by
 * screening GEMM tiles: the first finds each row's k-th screening score; the second scores
 * canonically every row whose screening score reaches its cut (2 delta below the k-th). That is
 * exact: k rows have a canonical score >= k-th screening - delta, and any row more than 2 delta
 * below the k-th screening score has a canonical score below that. Near-ties (many identical rows)
 * so cost a few GEMM sweeps instead of N d canonical products per row. */
int ta__nbr_exact_rows(ta__nbr_t *c, const uint8_t *amb, int64_t namb, ta_topk_t *ex, int64_t *map)
{
    const int64_t Q = ta__nbr_nq(c), d = c->d;
    int64_t a = 0;
    for (int64_t q = 0; q < Q; q++)
        if (amb[q])
            map[a++] = q;
    size_t n1 = (size_t)(namb > 0 ? namb : 1);
    exact_t x;
    memset(&x, 0, sizeof x);
    x.A = ta_malloc(n1 * (size_t)d * sizeof(float));
    x.cut = ta_malloc(n1 * sizeof(float));
    x.aid = ta_malloc(n1 * sizeof(int32_t));
    x.aok = ta_malloc(n1);
    x.map = map;
    x.PA = c->kind == TA_GEMM_F32
               ? x.A
               : ta_malloc(ta_gemm_packed_elems(c->kind, d, c->B, namb > 0 ? namb : 1) *
                           ta_gemm_elem_bytes(c->kind));
    int rc = x.A && x.cut && x.aid && x.aok && x.PA
                 ? ta_topk_alloc(&x.kth, namb, c->k)
                 : TA_ERR(TA_ERESOURCE, "out of memory for the exact recomputation of %lld rows",
                          (long long)namb);
    rc = ta_mpi_agree(rc);
    for (int64_t i = 0; i < namb && !rc; i++) {
        memcpy(x.A + i * d, c->qx + map[i] * d, (size_t)d * sizeof(float));
        x.aid[i] = c->qid[map[i]];
        x.aok[i] = 1;
    }
    if (!rc && c->kind != TA_GEMM_F32)
        ta__nbr_pack(c, x.A, namb, x.PA);
    for (int sweep = 0; sweep < 2 && !rc; sweep++)
        exact_sweep(c, &x, namb, sweep, ex);
    ta_topk_free(&x.kth);
    if (x.PA != x.A)
        free(x.PA);
    free(x.A);
    free(x.cut);
    free(x.aid);
    free(x.aok);
    return rc;
}
