/* `neighbors` driver: set-up, the three passes in order, result assembly and gathering.
 *
 * Pass 1 (ta_nbr_ring.c): the shards go around the ring and every rank offers the screening
 * scores of its tile pairs (ta_nbr_sched.h) to per-row top-k states of kk = k + slack candidates.
 * Pass 2 (ta_nbr_rescore.c): the kept candidates are rescored canonically and the final k
 * selected; pass 3 recomputes exactly the rows whose k-th place is within the screening error
 * of a dropped candidate. The result is bit-identical for every rank count, thread count and
 * tile size. A stop request in passes 1 and 2 saves a checkpoint (ta_nbr_ckpt.c). */
#include "mpi/ta_neighbors.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_blocking.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_nbr_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t ta_nbr_auto_block_rows(int64_t d)
{
    return ta_nbr_tile_rows(d);
}

int ta__nbr_read_rows(ta_embed_t *e, int64_t row0, int64_t rows, float *x, uint8_t *ok)
{
    if (rows == 0)
        return 0;
    return ta_embed_read_normalized(e, row0, rows, x, ok, NULL);
}

static void ctx_free(ta__nbr_t *c)
{
    if (c->pq != c->px && c->pq != c->qx)
        free(c->pq);
    if (c->px != c->x)
        free(c->px);
    free(c->pv);
    free(c->qdelta);
    ta_gemm_free(c->gemm);
    free(c->lo);
    free(c->qlo);
    free(c->x);
    free(c->ok);
    free(c->ids);
    if (!c->sym) {
        free(c->qx);
        free(c->qok);
    }
    free(c->qid);
    free(c->buf[0]);
    free(c->buf[1]);
    free(c->vok);
    free(c->vids);
    free(c->C);
    free(c->work);
    free(c->cs);
    free(c->ci);
    free(c->cn);
    ta_team_free(c->team);
    ta_topk_free(&c->own);
    ta_topk_free(&c->vt);
    ta_topk_free(&c->rt);
    if (c->row_t != MPI_DATATYPE_NULL && c->row_t != 0)
        TA_MPI_MUST(MPI_Type_free(&c->row_t));
}

/* The shard and query-list boundaries, the schedule, and the tile rows capped to the largest
 * shard or query slice (a larger B x B score buffer would only waste memory). */
static int partition(ta__nbr_t *c, int64_t nq)
{
    const int P = c->P;
    c->lo = ta_calloc((size_t)P + 1, sizeof(int64_t));
    c->qlo = ta_calloc((size_t)P + 1, sizeof(int64_t));
    TA_CHECK(c->lo && c->qlo, TA_ERESOURCE, "out of memory allocating %zu bytes",
             (size_t)((P + 1) * 16));
    for (int q = 0; q <= P; q++) {
        c->lo[q] = c->n * q / P;
        c->qlo[q] = nq * q / P;
    }
    c->g = (ta_nbr_sched_t){.P = P, .sym = c->sym, .lo = c->lo, .qlo = c->qlo};
    c->rows = ta_nbr_sched_shard_rows(&c->g, c->r);
    c->maxrows = 0;
    for (int q = 0; q < P; q++)
        if (ta_nbr_sched_shard_rows(&c->g, q) > c->maxrows)
            c->maxrows = ta_nbr_sched_shard_rows(&c->g, q);
    c->qn = c->qlo[c->r + 1] - c->qlo[c->r];
    int64_t most = c->maxrows;
    for (int q = 0; q < P; q++)
        if (c->qlo[q + 1] - c->qlo[q] > most)
            most = c->qlo[q + 1] - c->qlo[q];
    if (c->B > most)
        c->B = most > 0 ? most : 1;
    c->g.B = c->B;
    return 0;
}

/* The query rows of a query subset: contiguous runs of ids are read in one call. */
static int read_queries(ta__nbr_t *c, ta_embed_t *e, const int32_t *queries)
{
    const int64_t d = c->d;
    c->qx = ta_malloc((size_t)(c->qn > 0 ? c->qn : 1) * (size_t)d * sizeof(float));
    c->qok = ta_calloc((size_t)c->qn + 1, 1);
    TA_CHECK(c->qx && c->qok, TA_ERESOURCE, "out of memory allocating %zu bytes",
             (size_t)(c->qn * d * 4));
    memcpy(c->qid, queries + c->qlo[c->r], (size_t)c->qn * sizeof(int32_t));
    for (int64_t i = 0; i < c->qn;) {
        int64_t j = i + 1;
        while (j < c->qn && c->qid[j] == c->qid[j - 1] + 1)
            j++;
        TA_CALL(ta__nbr_read_rows(e, c->qid[i], j - i, c->qx + i * d, c->qok + i));
        i = j;
    }
    return 0;
}

/* Allocations and reading of this rank's rows. */
static int setup(ta__nbr_t *c, ta_embed_t *e, const int32_t *queries, int64_t nq)
{
    const int r = c->r;
    const int64_t d = c->d;
    TA_CALL(partition(c, nq));
    size_t shard_bytes = (size_t)(c->maxrows > 0 ? c->maxrows : 1) * (size_t)d * sizeof(float);
    c->x = ta_malloc(shard_bytes);
    c->ok = ta_calloc((size_t)c->maxrows + 1, 1);
    c->ids = ta_malloc(((size_t)c->maxrows + 1) * sizeof(int32_t));
    c->vok = ta_calloc((size_t)c->maxrows + 1, 1);
    c->vids = ta_malloc(((size_t)c->maxrows + 1) * sizeof(int32_t));
    c->C = ta_malloc((size_t)c->B * (size_t)c->B * sizeof(float));
    if (c->P > 1) {
        c->buf[0] = ta_malloc(shard_bytes);
        c->buf[1] = ta_malloc(shard_bytes);
        TA_CHECK(c->buf[0] && c->buf[1], TA_ERESOURCE, "out of memory allocating %zu bytes",
                 (size_t)(shard_bytes));
    }
    TA_CHECK(c->x && c->ok && c->ids && c->vok && c->vids && c->C, TA_ERESOURCE,
             "out of memory allocating %zu bytes", (size_t)(shard_bytes));
    for (int64_t i = 0; i < c->rows; i++)
        c->ids[i] = (int32_t)(c->lo[r] + i);
    TA_CALL(ta__nbr_read_rows(e, c->lo[r], c->rows, c->x, c->ok));
    c->qid = ta_malloc(((size_t)c->qn + 1) * sizeof(int32_t));
    TA_CHECK_ALLOC(c->qid, c->qn * 4);
    if (c->sym) {
        c->qx = c->x;
        c->qok = c->ok;
        memcpy(c->qid, c->ids, (size_t)c->rows * sizeof(int32_t));
    } else {
        TA_CALL(read_queries(c, e, queries));
    }
    TA_MPI_CALL(MPI_Type_contiguous((int)d, MPI_FLOAT, &c->row_t));
    TA_MPI_CALL(MPI_Type_commit(&c->row_t));
    return 0;
}

int ta_nbr_gemm_choose(int want, int64_t d, int64_t block_rows, ta_gemm_kind_t *kind)
{
    if (want >= 0) {
        *kind = (ta_gemm_kind_t)want;
        return 0;
    }
    ta_gemm_t *g = NULL;
    int rc =
        ta_gemm_create(TA_GEMM_BF16X3, d, block_rows > 0 ? block_rows : ta_nbr_tile_rows(d), 1, &g);
    int amx = !rc && ta_gemm_onednn(g) && strstr(ta_gemm_impl(g), "amx") != NULL, all = 0;
    ta_gemm_free(g);
    TA_CALL(ta_mpi_agree(rc));
    TA_MPI_MUST(MPI_Allreduce(&amx, &all, 1, MPI_INT, MPI_MIN, ta_mpi_comm()));
    *kind = all ? TA_GEMM_BF16X3 : TA_GEMM_F32;
    return 0;
}

/* The GEMM engine (one slot per thread) and the packed rows: the own shard and queries, and
 * room for a visiting shard (the bf16 kinds; f32 multiplies the rows themselves). */
static int gemm_setup(ta__nbr_t *c, int T)
{
    const int64_t d = c->d, B = c->B;
    TA_CALL(ta_gemm_create(c->kind, d, B, T, &c->gemm));
    TA_CALL(ta_team_create(T, &c->team));
    if (c->kind == TA_GEMM_F32) {
        c->px = c->x;
        c->pq = c->qx;
        return 0;
    }
    const size_t eb = ta_gemm_elem_bytes(c->kind);
    const size_t shard = ta_gemm_packed_elems(c->kind, d, B, c->maxrows > 0 ? c->maxrows : 1) * eb;
    c->px = ta_malloc(shard);
    c->pv = c->P > 1 ? ta_malloc(shard) : NULL;
    TA_CHECK(c->px && (c->P == 1 || c->pv), TA_ERESOURCE, "out of memory allocating %zu bytes",
             2 * shard);
    ta__nbr_pack(c, c->x, c->rows, c->px);
    if (c->sym) {
        c->pq = c->px;
        return 0;
    }
    c->pq = ta_malloc(ta_gemm_packed_elems(c->kind, d, B, c->qn > 0 ? c->qn : 1) * eb);
    TA_CHECK(c->pq, TA_ERESOURCE, "out of memory for the packed queries");
    ta__nbr_pack(c, c->qx, c->qn, c->pq);
    return 0;
}

typedef struct {
    ta__nbr_t *c;
    const float *x;
    ta_gemm_rowerr_t *max; /* per thread */
    const ta_gemm_rowerr_t *all;
    float *delta;
} bound_job_t;

/* The largest error terms of rows [lo, hi) of x, into the thread's maximum. */
static void errors_max(void *p, long long lo, long long hi, int t)
{
    bound_job_t *j = p;
    for (int64_t i = lo; i < hi; i++) {
        ta_gemm_rowerr_t e;
        ta_gemm_row_errors(j->c->kind, j->x + i * j->c->d, 1, j->c->d, &e);
        ta_gemm_rowerr_max(&j->max[t], &e);
    }
}

/* delta of queries [lo, hi) against every row, rounded up to a float. */
static void query_delta(void *p, long long lo, long long hi, int t)
{
    bound_job_t *j = p;
    const ta__nbr_t *c = j->c;
    for (int64_t q = lo; q < hi; q++) {
        ta_gemm_rowerr_t e;
        ta_gemm_row_errors(c->kind, c->qx + q * c->d, 1, c->d, &e);
        double b = ta_gemm_bound(c->kind, c->d, &e, j->all);
        float f = (float)b;
        j->delta[q] = (double)f < b ? nextafterf(f, INFINITY) : f;
    }
}

/* Collective. Per query, delta: the bound on |screening score - canonical score| of the query
 * against any row, from its error terms and the largest of all rows on all ranks
 * (kernels/ta_bf16.c). f32 keeps ta_topk_score_margin, which is above the f32 bound there, so
 * an f32 run decides exactly as before. */
static int query_bounds(ta__nbr_t *c)
{
    const int64_t Q = ta__nbr_nq(c);
    const int T = ta_team_size(c->team);
    c->qdelta = ta_malloc(((size_t)Q + 1) * sizeof(float));
    ta_gemm_rowerr_t *tmax = ta_calloc((size_t)T, sizeof *tmax);
    int rc =
        c->qdelta && tmax ? 0 : TA_ERR(TA_ERESOURCE, "out of memory for %lld bounds", (long long)Q);
    rc = ta_mpi_agree(rc);
    if (!rc && c->kind == TA_GEMM_F32) {
        for (int64_t q = 0; q < Q; q++)
            c->qdelta[q] = ta_topk_score_margin(c->d);
    } else if (!rc) {
        bound_job_t j = {.c = c, .x = c->x, .max = tmax, .delta = c->qdelta};
        ta_team_for(c->team, c->rows, errors_max, &j);
        ta_gemm_rowerr_t all = {0, 0, 0};
        for (int t = 0; t < T; t++)
            ta_gemm_rowerr_max(&all, &tmax[t]);
        double loc[3] = {all.norm, all.e1, all.e2}, glob[3];
        TA_MPI_MUST(MPI_Allreduce(loc, glob, 3, MPI_DOUBLE, MPI_MAX, ta_mpi_comm()));
        all = (ta_gemm_rowerr_t){glob[0], glob[1], glob[2]};
        j.all = &all;
        ta_team_for(c->team, Q, query_delta, &j);
    }
    free(tmax);
    return rc;
}

/* Collective. Rows of norm 0 over all ranks, and kk: k + slack, capped by the rows that can be
 * neighbours at all (known once every rank has read its shard). No row, or no query row, of
 * norm > 0 is an input error: there would be nothing to find. */
static int count_valid(ta__nbr_t *c, const ta_embed_t *e, const ta_nbr_opts_t *o,
                       int64_t *zero_rows, int64_t *nvalid)
{
    long long zl[2] = {0, 0}, zg[2] = {0, 0};
    for (int64_t i = 0; i < c->rows; i++)
        zl[0] += !c->ok[i];
    for (int64_t i = 0; !c->sym && i < c->qn; i++)
        zl[1] += c->qok[i];
    TA_MPI_MUST(MPI_Allreduce(zl, zg, 2, MPI_LONG_LONG, MPI_SUM, ta_mpi_comm()));
    *zero_rows = zg[0];
    *nvalid = c->n - zg[0];
    TA_CHECK(*nvalid > 0, TA_EINPUT, "%s: all %lld rows are zero (norm 0): no token has neighbours",
             e->spec, (long long)c->n);
    TA_CHECK(c->sym || zg[1] > 0, TA_EINPUT,
             "%s: the %lld query rows are all zero (norm 0) in %s: no query has neighbours",
             o->queries_name ? o->queries_name : "--queries", (long long)c->nq, e->spec);
    int64_t slack = o->slack > 0 ? o->slack : ta_nbr_slack(o->k, c->kind == TA_GEMM_BF16);
    int64_t kk = (int64_t)o->k + slack;
    if (kk > *nvalid)
        kk = *nvalid > 0 ? *nvalid : 1;
    c->kk = (int)kk;
    return 0;
}

/* The top-k states, the rescoring's candidate arrays and amb[Q] (T threads). The partial states
 * travel in one message each (int counts): checked here, where every rank sees the same sizes,
 * not in the middle of a ring step. */
static int alloc_state(ta__nbr_t *c, int T, uint8_t **amb)
{
    const int64_t Q = ta__nbr_nq(c);
    TA_CALL(ta_topk_alloc(&c->own, Q, c->kk));
    if (c->sym && c->P > 1) {
        TA_CHECK(c->maxrows * c->own.cap < INT32_MAX, TA_ERESOURCE,
                 "top-k state of %lld rows x %d too large for one message; use more ranks",
                 (long long)c->maxrows, c->own.cap);
        TA_CALL(ta_topk_alloc(&c->vt, c->maxrows, c->kk));
        TA_CALL(ta_topk_alloc(&c->rt, c->rows, c->kk));
    }
    size_t q1 = (size_t)(Q > 0 ? Q : 1);
    c->work = ta_malloc((size_t)T * ((size_t)c->own.cap + (size_t)c->k) * sizeof(uint64_t));
    c->cs = ta_malloc(q1 * (size_t)c->kk * sizeof(float));
    c->ci = ta_malloc(q1 * (size_t)c->kk * sizeof(int32_t));
    c->cn = ta_malloc(q1 * sizeof(int32_t));
    *amb = ta_calloc(q1, 1);
    TA_CHECK(c->work && c->cs && c->ci && c->cn && *amb, TA_ERESOURCE,
             "out of memory for the candidates of %lld queries x %d", (long long)Q, c->kk);
    return 0;
}

/* Collective. Pass 3 when any rank has ambiguous rows: *namb of them here into ex. */
static int exact_pass(ta__nbr_t *c, const uint8_t *amb, ta_topk_t *ex, int64_t *namb, int64_t *all)
{
    long long al = 0, ag = 0;
    for (int64_t q = 0; q < ta__nbr_nq(c); q++)
        al += amb[q];
    TA_MPI_MUST(MPI_Allreduce(&al, &ag, 1, MPI_LONG_LONG, MPI_SUM, ta_mpi_comm()));
    *namb = al;
    *all = ag;
    if (ag == 0)
        return 0;
    int64_t *map = ta_malloc((size_t)(al + 1) * sizeof(int64_t));
    int rc = map ? ta_topk_alloc(ex, al, c->k) : TA_ERESOURCE;
    if (!rc)
        rc = ta__nbr_exact_rows(c, amb, al, ex, map);
    if (!rc)
        ta_topk_finish(ex);
    free(map);
    return ta_mpi_agree(rc);
}

/* Results: k per query, best first; the exact rows from ex, the others from the rescoring. */
static int assemble(ta__nbr_t *c, const uint8_t *amb, const ta_topk_t *ex, ta_nbr_result_t *res)
{
    const int64_t Q = ta__nbr_nq(c);
    const int k = c->k;
    res->index = ta_malloc((size_t)(Q > 0 ? Q : 1) * (size_t)k * sizeof(int32_t));
    res->score = ta_malloc((size_t)(Q > 0 ? Q : 1) * (size_t)k * sizeof(float));
    res->qid = c->qid;
    c->qid = NULL;
    TA_CHECK(res->index && res->score, TA_ERESOURCE, "out of memory for results");
    int64_t a = 0;
    for (int64_t q = 0; q < Q; q++) {
        int32_t *oi = res->index + q * k;
        float *os = res->score + q * k;
        int n = 0;
        if (c->qok[q] && amb[q]) {
            n = ta_topk_sorted(ex, a, os, oi, c->work);
            a++;
        } else if (c->qok[q]) {
            n = c->cn[q] < k ? c->cn[q] : k;
            memcpy(os, c->cs + q * c->kk, (size_t)n * sizeof(float));
            memcpy(oi, c->ci + q * c->kk, (size_t)n * sizeof(int32_t));
        }
        for (int e = n; e < k; e++) {
            oi[e] = -1;
            os[e] = NAN;
        }
    }
    res->qn = Q;
    res->q0 = c->qlo[c->r];
    return 0;
}

/* Collective. Sizes and timings of the run (the slowest rank's times, all ranks' flops). */
static void report(ta__nbr_t *c, ta_nbr_result_t *res)
{
    res->n = c->n;
    res->d = c->d;
    res->block_rows = c->B;
    res->kk = c->kk;
    snprintf(res->gemm, sizeof res->gemm, "%s", ta_gemm_name(c->gemm));
    snprintf(res->gemm_impl, sizeof res->gemm_impl, "%s", ta_gemm_impl(c->gemm));
    long long fb = ta_gemm_fallbacks(c->gemm), fball = 0;
    TA_MPI_MUST(MPI_Allreduce(&fb, &fball, 1, MPI_LONG_LONG, MPI_SUM, ta_mpi_comm()));
    res->gemm_fallbacks = fball;
    double loc[4] = {c->t_gemm, c->t_topk, c->t_comm, c->t_rescore}, mx[4];
    TA_MPI_MUST(MPI_Allreduce(loc, mx, 4, MPI_DOUBLE, MPI_MAX, ta_mpi_comm()));
    TA_MPI_MUST(MPI_Allreduce(&c->flops, &res->gemm_flops, 1, MPI_DOUBLE, MPI_SUM, ta_mpi_comm()));
    res->t_gemm = mx[0];
    res->t_topk = mx[1];
    res->t_comm = mx[2];
    res->t_rescore = mx[3];
}

static void finish_rows(void *p, long long lo, long long hi, int t)
{
    ta_topk_finish_rows(p, lo, hi);
}

/* Collective. Passes 1 to 3 from the checkpoint's position (if any), then the results. */
static int passes(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int64_t nvalid, uint8_t *amb,
                  ta_nbr_result_t *res)
{
    int s0;
    int64_t t0, namb;
    ta_topk_t ex;
    memset(&ex, 0, sizeof ex);
    TA_CALL(ta__nbr_ckpt_load(c, o, &s0, &t0, &res->resumed));
    if (res->resumed)
        ta_log_info("resuming from the checkpoint in %s (step %d, tile %lld)", o->ckpt_dir, s0,
                    (long long)t0);
    TA_CALL(ta__nbr_main_phase(c, e, o, s0, t0, res->resumed));
    ta_team_for(c->team, c->own.rows, finish_rows, &c->own);
    double t_r = ta_now();
    TA_CALL(ta__nbr_rescore(c, e, o, nvalid, amb, s0, t0, res->resumed));
    int rc = exact_pass(c, amb, &ex, &namb, &res->recomputed);
    c->t_rescore = ta_now() - t_r;
    if (!rc)
        rc = ta_mpi_agree(assemble(c, amb, &ex, res));
    ta_topk_free(&ex);
    return rc;
}

int ta_nbr_run(ta_embed_t *e, const int32_t *queries, int64_t nq, const ta_nbr_opts_t *o,
               ta_nbr_result_t *res)
{
    memset(res, 0, sizeof *res);
    ta__nbr_t c;
    memset(&c, 0, sizeof c);
    c.row_t = MPI_DATATYPE_NULL;
    c.P = ta_mpi_size();
    c.r = ta_mpi_rank();
    c.sym = queries == NULL;
    c.nq = c.sym ? e->rows : nq;
    c.n = e->rows;
    c.d = e->cols;
    c.k = o->k;
    c.excl = o->exclude_self;
    c.B = o->block_rows > 0 ? o->block_rows : ta_nbr_tile_rows(c.d);
    c.kind = o->gemm;
    double t_start = ta_now();
    uint8_t *amb = NULL;
    int64_t nvalid = 0;
    TA_CHECK(c.n < INT32_MAX, TA_EINPUT, "%s: %lld rows; at most %d are supported", e->spec,
             (long long)c.n, INT32_MAX - 1);
    /* The rank's threads form a team that splits every tile; OpenBLAS then runs one thread per
     * call (its own threads would sit idle during the selection). */
    const int blas_threads = ta_blas_threads();
    const int T = o->threads > 0 ? o->threads : blas_threads;
    if (T > 1)
        ta_blas_set_threads(1);
    int rc = ta_mpi_agree(setup(&c, e, queries, c.nq));
    if (!rc)
        rc = ta_mpi_agree(gemm_setup(&c, T));
    if (!rc)
        rc = query_bounds(&c);
    if (!rc)
        rc = count_valid(&c, e, o, &res->zero_rows, &nvalid);
    if (!rc)
        rc = ta_mpi_agree(alloc_state(&c, T, &amb));
    if (!rc)
        rc = passes(&c, e, o, nvalid, amb, res);
    if (!rc) {
        res->nq = c.nq;
        res->seconds = ta_now() - t_start;
        report(&c, res);
    }
    free(amb);
    ctx_free(&c);
    ta_blas_set_threads(blas_threads);
    if (rc)
        ta_nbr_result_free(res);
    return rc;
}

void ta_nbr_result_free(ta_nbr_result_t *res)
{
    free(res->qid);
    free(res->index);
    free(res->score);
    res->qid = NULL;
    res->index = NULL;
    res->score = NULL;
}

int ta_nbr_gather(const ta_nbr_result_t *res, int k, int32_t **qid, int32_t **index, float **score)
{
    *qid = NULL;
    *index = NULL;
    *score = NULL;
    TA_CHECK(res->nq * (int64_t)k < INT32_MAX, TA_EINPUT,
             "%lld queries x k = %d is too large for a TSV file; use the HDF5 output",
             (long long)res->nq, k);
    /* The ranks hold consecutive query slices: concatenated in rank order they are the list. */
    int64_t n = 0;
    void *q = NULL, *i = NULL, *s = NULL;
    int rc = ta_mpi_gather_cat(res->qid, res->qn, TA_ELEM_I32, &q, &n);
    if (!rc)
        rc = ta_mpi_gather_cat(res->index, res->qn * k, TA_ELEM_I32, &i, &n);
    if (!rc)
        rc = ta_mpi_gather_cat(res->score, res->qn * k, TA_ELEM_F32, &s, &n);
    *qid = q;
    *index = i;
    *score = s;
    return rc;
}
