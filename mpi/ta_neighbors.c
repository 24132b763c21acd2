/* The distributed all-pairs top-k driver. Blocking parameters, then the ring schedule, then the
 * tile loop; the kernels live in src/ta_topk.c.
 *
 * Schedule with all rows as queries (symmetric), P ranks, shard r = rows [lo_r, lo_{r+1}):
 *   step 0      rank r: tiles (a, b) of its own shard with a <= b;
 *   step s      (1 <= s < P/2) rank r: its shard x shard (r+s) mod P, every tile pair;
 *   step P/2    (P even) ranks r and r+P/2 split their pair like a checkerboard: of the tile
 *               pairs (a, b), a a row tile of the lower rank and b one of the upper, the lower
 *               rank takes those with a + b even, the upper rank those with a + b odd. Each rank
 *               then does about half of every one of its work items, so the ranks keep pace
 *               item by item (the stop agreement after each item would otherwise make one wait
 *               for the other).
 * Each pair of shards is so computed by exactly one rank; the column-side candidates (for the
 * visiting shard's rows) are collected in a separate top-k state and sent back to their owner at
 * the end of the step (non-blocking exchange with ranks r+s and r-s), which merges them. Shards
 * travel around the ring (to r-1, from r+1) with MPI_Isend/Irecv posted before the step's GEMMs.
 * With a query subset each rank multiplies its queries with each of the P shards in turn. */
#include "mpi/ta_neighbors.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"
#include "base/ta_team.h"
#include "kernels/ta_topk.h"
#include "io/ta_ckpt.h"
#include "mpi/ta_mpi.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { DEFAULT_SLACK = 16 };

int64_t ta_nbr_auto_block_rows(int64_t d)
{
    /* Two panels of B rows (2 B d 4 bytes) plus the B x B score tile stay within a few MB of
     * cache-friendly working set for the GEMM, and B >= 512 keeps OpenBLAS near its peak. */
    return d <= 2048 ? 1024 : 512;
}

typedef struct {
    int P, r, sym;
    int64_t n, d, B;
    int k, kk, excl;
    int64_t *lo;  /* P+1 database shard boundaries */
    int64_t *qlo; /* P+1 query list boundaries */
    int64_t rows, maxrows, qn, nq;
    float *x;      /* own shard, normalised */
    uint8_t *ok;   /* own shard: norm > 0 */
    int32_t *ids;  /* own shard ids */
    float *qx;     /* own queries (sym: == x) */
    uint8_t *qok;  /* own queries valid */
    int32_t *qid;  /* own query ids */
    float *buf[2]; /* visiting shards */
    uint8_t *vok;  /* visiting shard mask */
    int32_t *vids; /* visiting shard ids */
    float *C;      /* B x B scores */
    ta_topk_t own; /* queries' state */
    ta_topk_t vt;  /* visiting rows' state (sym) */
    ta_topk_t rt;  /* received partial state (sym) */
    MPI_Datatype row_t;
    MPI_Request req[2];
    int ring_active;
    ta_team_t *team; /* this rank's threads (NULL: one) */
    uint64_t *work;  /* per thread: cap + k keys of sorting space */
    float *cs;       /* rescoring: Q x kk canonical scores of the candidates */
    int32_t *ci;     /* Q x kk candidate ids */
    int32_t *cn;     /* Q candidates per query */
    double flops, t_gemm, t_topk, t_comm, t_rescore;
} ctx_t;

static int64_t ntiles(int64_t rows, int64_t B)
{
    return (rows + B - 1) / B;
}

static int64_t shard_rows(const ctx_t *c, int q)
{
    return c->lo[q + 1] - c->lo[q];
}

static int nsteps(const ctx_t *c)
{
    return c->sym ? c->P / 2 + 1 : c->P;
}

/* Work items (row tiles) of rank q at step s. */
static int64_t items(const ctx_t *c, int q, int s)
{
    if (!c->sym)
        return ntiles(c->qlo[q + 1] - c->qlo[q], c->B);
    return ntiles(shard_rows(c, q), c->B);
}

static int64_t max_items(const ctx_t *c, int s)
{
    int64_t m = 0;
    for (int q = 0; q < c->P; q++)
        if (items(c, q, s) > m)
            m = items(c, q, s);
    return m;
}

/* The rows of shard v, for step s: the own shard at s = 0, else a ring buffer. */
static float *visiting(ctx_t *c, int s)
{
    return s == 0 ? c->x : c->buf[(s - 1) % 2];
}

static void mark_visiting(ctx_t *c, int v, const float *vx)
{
    int64_t rows = shard_rows(c, v);
    for (int64_t j = 0; j < rows; j++) {
        const float *row = vx + j * c->d;
        uint8_t nz = 0;
        for (int64_t t = 0; t < c->d && !nz; t++)
            nz = row[t] != 0.0f;
        c->vok[j] = nz;
        c->vids[j] = (int32_t)(c->lo[v] + j);
    }
}

/* Waits for n requests, sleeping between tests instead of spinning in the progress engine: a
 * rank that is ahead then leaves its core to the others (ranks x threads may share cores, and
 * SGEMM threads or other jobs run beside it). The wake-up delay (50 us) is small against a
 * tile step. */
static int wait_all(int n, MPI_Request *req)
{
    int done = 0;
    for (;;) {
        TA_MPI_CALL(MPI_Testall(n, req, &done, MPI_STATUSES_IGNORE));
        if (done)
            return 0;
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

/* Collective. Whether any rank received a stop request (the ta_mpi_stop_requested agreement,
 * with a sleeping wait). */
static int stop_agreed(void)
{
    int local = ta_signal_stop_requested(), any = local;
    if (ta_mpi_size() > 1) {
        MPI_Request r;
        if (MPI_Iallreduce(&local, &any, 1, MPI_INT, MPI_MAX, ta_mpi_comm(), &r) != MPI_SUCCESS ||
            wait_all(1, &r) != 0)
            ta_mpi_abort(TA_EINTERNAL);
    }
    return any;
}

/* Starts moving the shard of step s (in visiting(s)) to rank r-1 and the shard of step s+1
 * from rank r+1 into visiting(s+1). */
static int ring_start(ctx_t *c, int s)
{
    int P = c->P, r = c->r;
    int vs = (r + s) % P, vn = (r + s + 1) % P;
    MPI_Comm comm = ta_mpi_comm();
    TA_MPI_CALL(MPI_Irecv(visiting(c, s + 1), (int)shard_rows(c, vn), c->row_t, (r + 1) % P, s,
                          comm, &c->req[0]));
    TA_MPI_CALL(MPI_Isend(visiting(c, s), (int)shard_rows(c, vs), c->row_t, (r - 1 + P) % P, s,
                          comm, &c->req[1]));
    c->ring_active = 1;
    return 0;
}

static int ring_wait(ctx_t *c)
{
    if (!c->ring_active)
        return 0;
    double t0 = ta_now();
    TA_CALL(wait_all(2, c->req));
    c->ring_active = 0;
    c->t_comm += ta_now() - t0;
    return 0;
}

/* One GEMM tile and its offers. */
typedef struct {
    ctx_t *c;
    const float *A, *Bm;
    int64_t m, n, rowt0, colt0;
    ta_topk_t *rowt, *colt;
    const int32_t *rids, *cids;
    const uint8_t *rok, *cok;
} tile_job_t;

/* Thread t of T: the SGEMM of a slice of the tile's columns (OpenBLAS runs one thread per call)
 * and their column side; after a barrier, the row side of a slice of the rows. Every state row
 * is so touched by one thread at a time. */
/* Thread t of T: columns [*c0, *c1) of the m x n score tile C = A Bm^T (ldc n). */
static void gemm_cols(ctx_t *c, const float *A, int64_t m, const float *Bm, int64_t n, int t, int T,
                      int64_t *c0, int64_t *c1)
{
    const int64_t d = c->d;
    *c0 = ta_team_lo(n, t, T, 16);
    *c1 = ta_team_lo(n, t + 1, T, 16);
    if (*c1 > *c0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)(*c1 - *c0), (int)d, 1.0f,
                    A, (int)d, Bm + *c0 * d, (int)d, 0.0f, c->C + *c0, (int)n);
}

static void tile_part(void *p, int t, int T)
{
    const tile_job_t *j = p;
    ctx_t *c = j->c;
    double t0 = ta_now();
    int64_t c0, c1;
    gemm_cols(c, j->A, j->m, j->Bm, j->n, t, T, &c0, &c1);
    double t1 = ta_now();
    if (j->colt && c1 > c0)
        ta_topk_offer_tile(c->C + c0, j->n, j->m, c1 - c0, NULL, 0, j->rids, j->rok, j->colt,
                           j->colt0 + c0, j->cids + c0, j->cok + c0, c->excl);
    ta_team_barrier(c->team);
    int64_t r0 = ta_team_lo(j->m, t, T, 1), r1 = ta_team_lo(j->m, t + 1, T, 1);
    if (r1 > r0)
        ta_topk_offer_tile(c->C + r0 * j->n, j->n, r1 - r0, j->n, j->rowt, j->rowt0 + r0,
                           j->rids + r0, j->rok + r0, NULL, 0, j->cids, j->cok, c->excl);
    if (t == 0) {
        c->t_gemm += t1 - t0;
        c->t_topk += ta_now() - t1;
    }
}

static void tile(ctx_t *c, const float *A, int64_t m, const float *Bm, int64_t n, ta_topk_t *rowt,
                 int64_t rowt0, const int32_t *rids, const uint8_t *rok, ta_topk_t *colt,
                 int64_t colt0, const int32_t *cids, const uint8_t *cok)
{
    c->flops += 2.0 * (double)m * (double)n * (double)c->d;
    if (c->team) {
        tile_job_t j = {c, A, Bm, m, n, rowt0, colt0, rowt, colt, rids, cids, rok, cok};
        ta_team_run(c->team, tile_part, &j);
        return;
    }
    /* One thread: both sides in one pass over the tile. */
    double t0 = ta_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)c->d, 1.0f, A,
                (int)c->d, Bm, (int)c->d, 0.0f, c->C, (int)n);
    double t1 = ta_now();
    ta_topk_offer_tile(c->C, n, m, n, rowt, rowt0, rids, rok, colt, colt0, cids, cok, c->excl);
    c->t_gemm += t1 - t0;
    c->t_topk += ta_now() - t1;
}

/* Work item a of step s on this rank. */
static void do_item(ctx_t *c, int s, int64_t a)
{
    const int64_t B = c->B, d = c->d;
    if (!c->sym) {
        int v = (c->r + s) % c->P;
        const float *vx = visiting(c, s);
        int64_t i0 = a * B, m = c->qn - i0 < B ? c->qn - i0 : B;
        int64_t vrows = shard_rows(c, v);
        for (int64_t j0 = 0; j0 < vrows; j0 += B) {
            int64_t n = vrows - j0 < B ? vrows - j0 : B;
            tile(c, c->qx + i0 * d, m, vx + j0 * d, n, &c->own, i0, c->qid + i0, c->qok + i0, NULL,
                 0, c->vids + j0, c->vok + j0);
        }
        return;
    }
    int64_t i0 = a * B, m = c->rows - i0 < B ? c->rows - i0 : B;
    if (s == 0) {
        for (int64_t j0 = i0; j0 < c->rows; j0 += B) {
            int64_t n = c->rows - j0 < B ? c->rows - j0 : B;
            tile(c, c->x + i0 * d, m, c->x + j0 * d, n, &c->own, i0, c->ids + i0, c->ok + i0,
                 j0 == i0 ? NULL : &c->own, j0, c->ids + j0, c->ok + j0);
        }
        return;
    }
    int v = (c->r + s) % c->P;
    int64_t vrows = shard_rows(c, v);
    /* The checkerboard of step P/2: parity 0 for the lower rank, 1 for the upper. */
    int half = 2 * s == c->P, parity = c->r > v;
    const float *vx = visiting(c, s);
    for (int64_t j0 = 0; j0 < vrows; j0 += B) {
        if (half && (a + j0 / B) % 2 != parity)
            continue;
        int64_t n = vrows - j0 < B ? vrows - j0 : B;
        tile(c, c->x + i0 * d, m, vx + j0 * d, n, &c->own, i0, c->ids + i0, c->ok + i0, &c->vt, j0,
             c->vids + j0, c->vok + j0);
    }
}

static void merge_rows(void *p, long long lo, long long hi, int t)
{
    ctx_t *c = p;
    for (int64_t i = lo; i < hi; i++)
        ta_topk_merge_row(&c->own, i, &c->rt, i);
}

/* Symmetric steps s >= 1: the candidates found for the visiting rows go to their owner, and this
 * rank receives and merges those found for its rows by rank r - s. */
static int exchange_partials(ctx_t *c, int s)
{
    int P = c->P, r = c->r, to = (r + s) % P, from = (r - s + P) % P;
    int64_t nto = shard_rows(c, to), nfrom = c->rows, kk = c->vt.cap;
    MPI_Comm comm = ta_mpi_comm();
    double t0 = ta_now();
    TA_CHECK(nto * kk < (int64_t)1 << 31 && nfrom * kk < (int64_t)1 << 31, TA_ERESOURCE,
             "top-k state of %lld rows x %lld too large for one message; use more ranks",
             (long long)(nto > nfrom ? nto : nfrom), (long long)kk);
    MPI_Request rq[8];
    TA_MPI_CALL(MPI_Irecv(c->rt.key, (int)(nfrom * kk), MPI_UINT64_T, from, 100, comm, &rq[0]));
    TA_MPI_CALL(MPI_Irecv(c->rt.count, (int)nfrom, MPI_INT32_T, from, 101, comm, &rq[1]));
    TA_MPI_CALL(MPI_Irecv(c->rt.disc, (int)nfrom, MPI_FLOAT, from, 102, comm, &rq[2]));
    TA_MPI_CALL(MPI_Irecv(c->rt.thr, (int)nfrom, MPI_FLOAT, from, 103, comm, &rq[3]));
    TA_MPI_CALL(MPI_Isend(c->vt.key, (int)(nto * kk), MPI_UINT64_T, to, 100, comm, &rq[4]));
    TA_MPI_CALL(MPI_Isend(c->vt.count, (int)nto, MPI_INT32_T, to, 101, comm, &rq[5]));
    TA_MPI_CALL(MPI_Isend(c->vt.disc, (int)nto, MPI_FLOAT, to, 102, comm, &rq[6]));
    TA_MPI_CALL(MPI_Isend(c->vt.thr, (int)nto, MPI_FLOAT, to, 103, comm, &rq[7]));
    TA_CALL(wait_all(8, rq));
    double t1 = ta_now();
    ta_team_for(c->team, nfrom, merge_rows, c);
    c->t_comm += t1 - t0;
    c->t_topk += ta_now() - t1;
    return 0;
}

static char *ckpt_header(const ta_nbr_opts_t *o, int s, int64_t t)
{
    size_t len = strlen(o->ckpt_text) + 64;
    char *h = ta_malloc(len);
    if (h)
        snprintf(h, len, "%sposition %d %lld\n", o->ckpt_text, s, (long long)t);
    return h;
}

/* The state saved at position (s, t): the top-k states, and from the rescoring on (s >= the
 * number of ring steps) the candidates with the scores computed so far. */
static int ckpt_parts(ctx_t *c, int s, void **parts, size_t *sizes)
{
    size_t kk = (size_t)c->own.cap, n = 0;
    ta_topk_t *ts[2] = {&c->own, &c->vt};
    /* The visiting rows' state exists only with all rows as queries on more than one rank. */
    int64_t rows[2] = {c->sym ? c->rows : c->qn, c->vt.key ? c->maxrows : 0};
    for (int q = 0; q < 2; q++) {
        size_t R = (size_t)rows[q];
        parts[n] = ts[q]->key;
        sizes[n++] = R * kk * sizeof(uint64_t);
        parts[n] = ts[q]->count;
        sizes[n++] = R * sizeof(int32_t);
        parts[n] = ts[q]->disc;
        sizes[n++] = R * sizeof(float);
        parts[n] = ts[q]->thr;
        sizes[n++] = R * sizeof(float);
    }
    if (s >= nsteps(c)) {
        size_t Q = (size_t)(c->sym ? c->rows : c->qn);
        parts[n] = c->cs;
        sizes[n++] = Q * (size_t)c->kk * sizeof(float);
        parts[n] = c->ci;
        sizes[n++] = Q * (size_t)c->kk * sizeof(int32_t);
        parts[n] = c->cn;
        sizes[n++] = Q * sizeof(int32_t);
    }
    return (int)n;
}

/* Collective. Writes the checkpoint of position (s, t): rank files first, the manifest last. */
static int ckpt_save(ctx_t *c, const ta_nbr_opts_t *o, int s, int64_t t)
{
    int rc = 0;
    if (c->r == 0)
        ta_ckpt_remove_manifest(o->ckpt_dir);
    TA_CALL(ta_mpi_agree(0));
    char *h = ckpt_header(o, s, t);
    void *parts[12];
    size_t sizes[12];
    int np = ckpt_parts(c, s, parts, sizes);
    if (!h)
        rc = TA_ERESOURCE;
    else
        rc = ta_ckpt_write_rank(o->ckpt_dir, c->r, h, (const void *const *)parts, sizes, np);
    rc = ta_mpi_agree(rc);
    if (!rc && c->r == 0)
        rc = ta_ckpt_write_manifest(o->ckpt_dir, h);
    free(h);
    TA_CALL(ta_mpi_agree(rc));
    return 0;
}

/* Collective. Looks for a checkpoint; on success *s0, *t0 give the position to resume from. */
static int ckpt_load(ctx_t *c, const ta_nbr_opts_t *o, int *s0, int64_t *t0, int *resumed)
{
    *s0 = 0;
    *t0 = 0;
    *resumed = 0;
    if (!o->ckpt_dir)
        return 0;
    long long pos[3] = {0, 0, 0}; /* found, step, item */
    int rc = 0;
    if (c->r == 0) {
        char *m = NULL;
        rc = ta_ckpt_read_manifest(o->ckpt_dir, &m);
        if (!rc && m) {
            size_t fl = strlen(o->ckpt_text);
            int sstep = 0;
            long long titem = 0;
            const char *p = strstr(m, "position ");
            if (strncmp(m, o->ckpt_text, fl) != 0 || p != m + fl ||
                sscanf(p, "position %d %lld", &sstep, &titem) != 2) {
                /* Name the first line that differs. */
                const char *a = m, *b = o->ckpt_text;
                while (*a && *a == *b) {
                    a++;
                    b++;
                }
                while (a > m && a[-1] != '\n')
                    a--;
                const char *e = strchr(a, '\n');
                int len = e ? (int)(e - a) : (int)strlen(a);
                rc = TA_ERR(TA_EINPUT,
                            "%s: checkpoint of a different run (its line '%.*s' does not match "
                            "this command's inputs or parameters); remove it to start afresh",
                            o->ckpt_dir, len, a);
            } else {
                pos[0] = 1;
                pos[1] = sstep;
                pos[2] = titem;
            }
        }
        free(m);
    }
    TA_CALL(ta_mpi_agree(rc));
    TA_MPI_CALL(MPI_Bcast(pos, 3, MPI_LONG_LONG, 0, ta_mpi_comm()));
    if (!pos[0])
        return 0;
    char *h = ckpt_header(o, (int)pos[1], pos[2]);
    void *parts[12];
    size_t sizes[12];
    int np = ckpt_parts(c, (int)pos[1], parts, sizes);
    rc =
        h ? ta_ckpt_read_rank(o->ckpt_dir, c->r, h, (void *const *)parts, sizes, np) : TA_ERESOURCE;
    free(h);
    TA_CALL(ta_mpi_agree(rc));
    *s0 = (int)pos[1];
    *t0 = pos[2];
    *resumed = 1;
    return 0;
}

/* Reads and normalises rows [row0, row0+rows) into x; non-finite values are a user error. */
static int read_rows(ta_embed_t *e, int64_t row0, int64_t rows, float *x, uint8_t *ok)
{
    if (rows == 0)
        return 0;
    return ta_embed_read_normalized(e, row0, rows, x, ok, NULL);
}

/* Collective. On resuming inside ring step s > 0: the ring brought the visiting shard before the
 * interruption; read it again from the file. */
static int reread_visiting(ctx_t *c, ta_embed_t *e, int s)
{
    int v = (c->r + s) % c->P;
    return ta_mpi_agree(read_rows(e, c->lo[v], shard_rows(c, v), visiting(c, s), c->vok));
}

/* Collective, after a stop agreement: saves the checkpoint of position (s, t) and returns
 * TA_EINTERRUPTED. */
static int interrupted(ctx_t *c, const ta_nbr_opts_t *o, int s, int64_t t, const char *unit,
                       double done, double total)
{
    TA_CALL(ring_wait(c));
    if (!o->ckpt_dir)
        return TA_ERR(TA_EINTERRUPTED, "interrupted by signal %d (no checkpoint)",
                      ta_signal_number());
    TA_CALL(ckpt_save(c, o, s, t));
    return TA_ERR(TA_EINTERRUPTED,
                  "interrupted by signal %d at %s %.0f of %.0f; checkpoint saved in %s",
                  ta_signal_number(), unit, done, total, o->ckpt_dir);
}

/* The main phase: all steps of the schedule, from (s0, t0). */
static int main_phase(ctx_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int s0, int64_t t0,
                      int resumed)
{
    const int S = nsteps(c);
    double total = 0, done = 0;
    for (int s = 0; s < S; s++) {
        total += (double)max_items(c, s);
        if (s < s0)
            done += (double)max_items(c, s);
    }
    if (s0 < S)
        done += (double)t0;
    ta_progress_t prog;
    ta_progress_start(&prog, "neighbors", "tiles", total, done);
    prog.flops_per_unit = c->sym ? (double)c->n * (double)c->n * (double)c->d / total
                                 : 2.0 * (double)c->nq * (double)c->n * (double)c->d / total;
    for (int s = s0; s < S; s++) {
        int v = (c->r + s) % c->P;
        if (s > 0 && s == s0 && resumed)
            TA_CALL(reread_visiting(c, e, s));
        mark_visiting(c, v, visiting(c, s));
        if (c->sym && s > 0 && !(s == s0 && resumed))
            ta_topk_reset(&c->vt);
        if (s + 1 < S)
            TA_CALL(ring_start(c, s));
        int64_t M = max_items(c, s), mine = items(c, c->r, s);
        for (int64_t t = (s == s0 ? t0 : 0); t < M; t++) {
            if (t < mine)
                do_item(c, s, t);
            done += 1;
            if (stop_agreed())
                return interrupted(c, o, s, t + 1, "tile", done, total);
            ta_progress_update(&prog, done, 0);
        }
        /* Checkpointing only happens inside the item loop (with a resume position there), so
         * a step whose items were all done before an interruption still ends here. */
        TA_CALL(ring_wait(c));
        if (c->sym && s > 0)
            TA_CALL(exchange_partials(c, s));
    }
    ta_progress_update(&prog, done, 1);
    return 0;
}

/* One candidate of the rescoring: query q's candidate slot e is row j of the visiting shard. */
typedef struct {
    int32_t j, q, e;
} cand_t;

typedef struct {
    ctx_t *c;
    float *cs;
    int32_t *ci, *cn;
    uint8_t *amb;
    const float *vx;
    int64_t vlo, vhi, nvalid;
    const cand_t *cand; /* the block's candidates sorted by shard row */
    float margin;
} rescore_job_t;

/* Candidates in SGEMM order; those more than 2 margins below the k-th cannot reach the top k
 * after rescoring (k others beat them by more than the error), so they are not rescored. */
static void rescore_pick(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ctx_t *c = j->c;
    const int64_t kk = c->kk, cap = c->own.cap;
    for (int64_t q = lo; q < hi; q++) {
        uint64_t *K = c->own.key + q * cap;
        int n = c->own.count[q];
        ta_topk_sort_keys(K, n);
        float cut = n >= c->k ? ta_topk_key_score(K[c->k - 1]) - 2 * j->margin : -INFINITY;
        int m = 0;
        while (m < n && ta_topk_key_score(K[m]) >= cut) {
            j->ci[q * kk + m] = ta_topk_key_index(K[m]);
            m++;
        }
        j->cn[q] = m;
    }
}

/* Sorts the candidates of queries [q0, q0 + n) that lie in the visiting shard by their row
 * there (counting sort; cnt has vrows + 1 entries); returns their number. */
static int64_t rescore_gather(const rescore_job_t *j, int64_t q0, int64_t n, int64_t vrows,
                              int32_t *cnt, cand_t *out)
{
    const int64_t kk = j->c->kk, vlo = j->vlo, vhi = j->vhi;
    memset(cnt, 0, (size_t)(vrows + 1) * sizeof *cnt);
    for (int64_t q = q0; q < q0 + n; q++)
        for (int e = 0; e < j->cn[q]; e++) {
            int32_t x = j->ci[q * kk + e];
            if (x >= vlo && x < vhi)
                cnt[x - vlo + 1]++;
        }
    for (int64_t x = 0; x < vrows; x++)
        cnt[x + 1] += cnt[x];
    for (int64_t q = q0; q < q0 + n; q++)
        for (int e = 0; e < j->cn[q]; e++) {
            int32_t x = j->ci[q * kk + e];
            if (x >= vlo && x < vhi)
                out[cnt[x - vlo]++] = (cand_t){(int32_t)(x - vlo), (int32_t)q, e};
        }
    return cnt[vrows];
}

/* Canonical scores of the sorted candidates [lo, hi) of the block: the shard's rows are then
 * read in ascending order, each once for all the block's queries that hold it, while the
 * block's query rows stay in cache (instead of one random shard row per candidate). */
static void rescore_shard(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ctx_t *c = j->c;
    const int64_t kk = c->kk, d = c->d;
    const cand_t *cd = j->cand;
    for (int64_t i = lo; i < hi; i++) {
        if (i + 4 < hi)
            __builtin_prefetch(c->qx + (int64_t)cd[i + 4].q * d);
        j->cs[cd[i].q * kk + cd[i].e] =
            ta_topk_canon_dot(c->qx + (int64_t)cd[i].q * d, j->vx + (int64_t)cd[i].j * d, d);
    }
}

/* The final order of each row, and whether its k-th place is certain. */
static void rescore_final(void *p, long long lo, long long hi, int t)
{
    const rescore_job_t *j = p;
    ctx_t *c = j->c;
    const int64_t kk = c->kk;
    uint64_t *work = c->work + (size_t)t * ((size_t)c->own.cap + (size_t)c->k);
    for (int64_t q = lo; q < hi; q++) {
        j->amb[q] = 0;
        if (!c->qok[q])
            continue;
        int64_t possible = j->nvalid - (c->excl ? 1 : 0);
        float dropped = possible <= kk ? -INFINITY : ta_topk_dropped_bound(&c->own, q);
        j->amb[q] = !ta_topk_row_final(j->cs + q * kk, j->ci + q * kk, j->cn[q], c->k, dropped,
                                       j->margin, work);
    }
}

/* The rescoring's ring steps from (rs0, b0): for each visiting shard, each block of RB queries
 * has its candidates in the shard sorted by row, then scored by the team; a stop agreement
 * after each block. */
static int rescore_steps(ctx_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, rescore_job_t *j, int rs0,
                         int64_t b0, int resumed, int64_t RB, int64_t nblocks, int32_t *cnt,
                         cand_t *cand)
{
    const int S = nsteps(c);
    const int64_t Q = c->sym ? c->rows : c->qn;
    double total = (double)c->P * (double)nblocks, done = (double)rs0 * (double)nblocks + b0;
    ta_progress_t prog;
    ta_progress_start(&prog, "neighbors rescoring", "query blocks", total, done);
    for (int rs = rs0; rs < c->P; rs++) {
        int v = (c->r + rs) % c->P;
        if (rs > 0 && rs == rs0 && resumed)
            TA_CALL(reread_visiting(c, e, rs));
        if (rs + 1 < c->P)
            TA_CALL(ring_start(c, rs));
        j->vx = visiting(c, rs);
        j->vlo = c->lo[v];
        j->vhi = c->lo[v + 1];
        j->cand = cand;
        for (int64_t b = (rs == rs0 ? b0 : 0); b < nblocks; b++) {
            int64_t q0 = b * RB, n = Q - q0 < RB ? Q - q0 : RB;
            if (n > 0) {
                int64_t m = rescore_gather(j, q0, n, shard_rows(c, v), cnt, cand);
                ta_team_for(c->team, m, rescore_shard, j);
            }
            done += 1;
            if (stop_agreed())
                return interrupted(c, o, S + rs, b + 1, "rescoring block", done, total);
            ta_progress_update(&prog, done, 0);
        }
        TA_CALL(ring_wait(c));
    }
    ta_progress_update(&prog, done, 1);
    return 0;
}

/* Pass 2: canonical scores of every kept candidate (the shards go around the ring once more),
 * then the final selection; rows whose boundary is within the SGEMM error of a dropped score
 * are marked for pass 3. Resumes from a checkpoint position (s0, t0) with s0 >= the number of
 * main steps. */
static int rescore(ctx_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int64_t nvalid, uint8_t *amb,
                   int s0, int64_t t0, int resumed)
{
    const int S = nsteps(c);
    const int64_t Q = c->sym ? c->rows : c->qn;
    int64_t maxq = c->sym ? c->maxrows : 0;
    for (int q = 0; q < c->P && !c->sym; q++)
        if (c->qlo[q + 1] - c->qlo[q] > maxq)
            maxq = c->qlo[q + 1] - c->qlo[q];
    rescore_job_t j = {.c = c,
                       .cs = c->cs,
                       .ci = c->ci,
                       .cn = c->cn,
                       .amb = amb,
                       .nvalid = nvalid,
                       .margin = ta_topk_score_margin(c->d)};
    resumed = resumed && s0 >= S;
    if (!resumed)
        ta_team_for(c->team, Q, rescore_pick, &j);
    /* Blocks of 4 B queries: 16 B d bytes of query rows (8 MB at d = 512) stay in the cache
     * while the shard's candidate rows are read once each. */
    const int64_t RB = 4 * c->B, nblocks = ntiles(maxq, RB);
    int32_t *cnt = ta_malloc(((size_t)c->maxrows + 1) * sizeof *cnt);
    cand_t *cand = ta_malloc(((size_t)(RB < Q ? RB : Q) * (size_t)c->kk + 1) * sizeof *cand);
    int rc = cnt && cand ? 0
                         : TA_ERR(TA_ERESOURCE, "out of memory for the rescoring of %lld queries",
                                  (long long)RB);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = rescore_steps(c, e, o, &j, resumed ? s0 - S : 0, resumed ? t0 : 0, resumed, RB,
                           nblocks, cnt, cand);
    free(cnt);
    free(cand);
    if (!rc)
        ta_team_for(c->team, Q, rescore_final, &j);
    return rc;
}

/* Pass 3, second sweep: one tile of ambiguous rows [i0, i0 + m) against shard rows
 * [j0, j0 + n). */
typedef struct {
    ctx_t *c;
    const float *A, *Bm; /* the tile's ambiguous rows and shard rows */
    int64_t m, n, i0, j0;
    const int32_t *aid; /* ids of all ambiguous rows */
    const float *cut;   /* per ambiguous row: k-th SGEMM score - 2 margin */
    ta_topk_t *ex;      /* per ambiguous row: exact canonical top k */
} exact_job_t;

/* Thread t of T: the SGEMM of a column slice; after a barrier, for a slice of the rows, the
 * canonical score of every pair whose SGEMM score reaches the row's cut. */
static void exact_tile_part(void *p, int t, int T)
{
    const exact_job_t *j = p;
    ctx_t *c = j->c;
    const int64_t d = c->d;
    int64_t c0, c1;
    gemm_cols(c, j->A, j->m, j->Bm, j->n, t, T, &c0, &c1);
    ta_team_barrier(c->team);
    int64_t r0 = ta_team_lo(j->m, t, T, 1), r1 = ta_team_lo(j->m, t + 1, T, 1);
    for (int64_t i = r0; i < r1; i++) {
        const int64_t a = j->i0 + i;
        const float *row = c->C + i * j->n;
        for (int64_t x = 0; x < j->n; x++) {
            const int64_t y = j->j0 + x;
            if (row[x] < j->cut[a] || !c->vok[y] || (c->excl && c->vids[y] == j->aid[a]))
                continue;
            float sc = ta_topk_canon_dot(j->A + i * d, j->Bm + x * d, d);
            if (sc >= j->ex->thr[a])
                ta_topk_push(j->ex, a, sc, c->vids[y]);
        }
    }
}

/* Pass 3: the exact canonical top k of the ambiguous rows. Two sweeps of the ring, both by
 * SGEMM tiles: the first finds each row's k-th SGEMM score; the second scores canonically
 * every row whose SGEMM score is within 2 margins of it. That is exact: k rows have a
 * canonical score >= k-th SGEMM - margin, and any row more than 2 margins below the k-th SGEMM
 * score has a canonical score below that. Near-ties (many identical rows) so cost a few SGEMM
 * sweeps instead of N d canonical products per row. */
static int exact_rows(ctx_t *c, const uint8_t *amb, int64_t namb, ta_topk_t *ex, int64_t *map)
{
    const int64_t Q = c->sym ? c->rows : c->qn, d = c->d, B = c->B;
    const float margin = ta_topk_score_margin(d);
    int64_t a = 0;
    for (int64_t q = 0; q < Q; q++)
        if (amb[q])
            map[a++] = q;
    size_t n1 = (size_t)(namb > 0 ? namb : 1);
    float *A = ta_malloc(n1 * (size_t)d * sizeof(float));
    float *cut = ta_malloc(n1 * sizeof(float));
    int32_t *aid = ta_malloc(n1 * sizeof(int32_t));
    uint8_t *aok = ta_malloc(n1);
    ta_topk_t kth;
    memset(&kth, 0, sizeof kth);
    int rc = A && cut && aid && aok
                 ? ta_topk_alloc(&kth, namb, c->k)
                 : TA_ERR(TA_ERESOURCE, "out of memory for the exact recomputation of %lld rows",
                          (long long)namb);
    rc = ta_mpi_agree(rc);
    for (int64_t i = 0; i < namb && !rc; i++) {
        memcpy(A + i * d, c->qx + map[i] * d, (size_t)d * sizeof(float));
        aid[i] = c->qid[map[i]];
        aok[i] = 1;
    }
    for (int sweep = 0; sweep < 2 && !rc; sweep++) {
        for (int s = 0; s < c->P && !rc; s++) {
            int v = (c->r + s) % c->P;
            if (s + 1 < c->P)
                rc = ring_start(c, s);
            const float *vx = visiting(c, s);
            mark_visiting(c, v, vx);
            int64_t vrows = shard_rows(c, v);
            for (int64_t i0 = 0; i0 < namb && !rc; i0 += B)
                for (int64_t j0 = 0; j0 < vrows; j0 += B) {
                    int64_t m = namb - i0 < B ? namb - i0 : B, n = vrows - j0 < B ? vrows - j0 : B;
                    if (sweep == 0) {
                        tile(c, A + i0 * d, m, vx + j0 * d, n, &kth, i0, aid + i0, aok + i0, NULL,
                             0, c->vids + j0, c->vok + j0);
                    } else {
                        exact_job_t j = {c, A + i0 * d, vx + j0 * d, m, n, i0, j0, aid, cut, ex};
                        ta_team_run(c->team, exact_tile_part, &j);
                    }
                }
            if (!rc)
                rc = ring_wait(c);
        }
        if (sweep == 0 && !rc) {
            ta_topk_finish(&kth);
            for (int64_t i = 0; i < namb; i++) {
                /* The kept k are the k best SGEMM scores; the worst of them is the k-th. */
                const uint64_t *K = kth.key + i * kth.cap;
                float w = INFINITY;
                for (int e = 0; e < kth.count[i]; e++)
                    if (ta_topk_key_score(K[e]) < w)
                        w = ta_topk_key_score(K[e]);
                cut[i] = kth.count[i] < c->k ? -INFINITY : w - 2 * margin;
            }
        }
    }
    ta_topk_free(&kth);
    free(A);
    free(cut);
    free(aid);
    free(aok);
    return rc;
}

static void finish_rows(void *p, long long lo, long long hi, int t)
{
    ta_topk_finish_rows(p, lo, hi);
}

static void ctx_free(ctx_t *c)
{
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
        MPI_Type_free(&c->row_t);
}

/* Allocations and reading of this rank's rows. */
static int setup(ctx_t *c, ta_embed_t *e, const int32_t *queries, int64_t nq)
{
    const int P = c->P, r = c->r;
    const int64_t d = c->d;
    c->lo = ta_calloc((size_t)P + 1, sizeof(int64_t));
    c->qlo = ta_calloc((size_t)P + 1, sizeof(int64_t));
    TA_CHECK(c->lo && c->qlo, TA_ERESOURCE, "out of memory allocating %zu bytes",
             (size_t)((P + 1) * 16));
    for (int q = 0; q <= P; q++) {
        c->lo[q] = c->n * q / P;
        c->qlo[q] = nq * q / P;
    }
    c->rows = shard_rows(c, r);
    c->maxrows = 0;
    for (int q = 0; q < P; q++)
        if (shard_rows(c, q) > c->maxrows)
            c->maxrows = shard_rows(c, q);
    c->qn = c->qlo[r + 1] - c->qlo[r];
    /* Tiles never exceed the largest shard or query slice (the B x B score buffer would only
     * waste memory). */
    int64_t most = c->maxrows;
    for (int q = 0; q < P; q++)
        if (c->qlo[q + 1] - c->qlo[q] > most)
            most = c->qlo[q + 1] - c->qlo[q];
    if (c->B > most)
        c->B = most > 0 ? most : 1;
    size_t shard_bytes = (size_t)(c->maxrows > 0 ? c->maxrows : 1) * (size_t)d * sizeof(float);
    c->x = ta_malloc(shard_bytes);
    c->ok = ta_calloc((size_t)c->maxrows + 1, 1);
    c->ids = ta_malloc(((size_t)c->maxrows + 1) * sizeof(int32_t));
    c->vok = ta_calloc((size_t)c->maxrows + 1, 1);
    c->vids = ta_malloc(((size_t)c->maxrows + 1) * sizeof(int32_t));
    c->C = ta_malloc((size_t)c->B * (size_t)c->B * sizeof(float));
    if (P > 1) {
        c->buf[0] = ta_malloc(shard_bytes);
        c->buf[1] = ta_malloc(shard_bytes);
        TA_CHECK(c->buf[0] && c->buf[1], TA_ERESOURCE, "out of memory allocating %zu bytes",
                 (size_t)(shard_bytes));
    }
    TA_CHECK(c->x && c->ok && c->ids && c->vok && c->vids && c->C, TA_ERESOURCE,
             "out of memory allocating %zu bytes", (size_t)(shard_bytes));
    for (int64_t i = 0; i < c->rows; i++)
        c->ids[i] = (int32_t)(c->lo[r] + i);
    TA_CALL(read_rows(e, c->lo[r], c->rows, c->x, c->ok));
    c->qid = ta_malloc(((size_t)c->qn + 1) * sizeof(int32_t));
    TA_CHECK_ALLOC(c->qid, c->qn * 4);
    if (c->sym) {
        c->qx = c->x;
        c->qok = c->ok;
        memcpy(c->qid, c->ids, (size_t)c->rows * sizeof(int32_t));
    } else {
        c->qx = ta_malloc((size_t)(c->qn > 0 ? c->qn : 1) * (size_t)d * sizeof(float));
        c->qok = ta_calloc((size_t)c->qn + 1, 1);
        TA_CHECK(c->qx && c->qok, TA_ERESOURCE, "out of memory allocating %zu bytes",
                 (size_t)(c->qn * d * 4));
        memcpy(c->qid, queries + c->qlo[r], (size_t)c->qn * sizeof(int32_t));
        /* Contiguous runs of ids are read in one call. */
        for (int64_t i = 0; i < c->qn;) {
            int64_t j = i + 1;
            while (j < c->qn && c->qid[j] == c->qid[j - 1] + 1)
                j++;
            TA_CALL(read_rows(e, c->qid[i], j - i, c->qx + i * d, c->qok + i));
            i = j;
        }
    }
    TA_MPI_CALL(MPI_Type_contiguous((int)d, MPI_FLOAT, &c->row_t));
    TA_MPI_CALL(MPI_Type_commit(&c->row_t));
    return 0;
}

int ta_nbr_run(ta_embed_t *e, const int32_t *queries, int64_t nq, const ta_nbr_opts_t *o,
               ta_nbr_result_t *res)
{
    memset(res, 0, sizeof *res);
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.row_t = MPI_DATATYPE_NULL;
    c.P = ta_mpi_size();
    c.r = ta_mpi_rank();
    c.sym = queries == NULL;
    c.nq = queries ? nq : e->rows;
    c.n = e->rows;
    c.d = e->cols;
    c.k = o->k;
    c.excl = o->exclude_self;
    c.B = o->block_rows > 0 ? o->block_rows : ta_nbr_auto_block_rows(c.d);
    if (c.sym)
        nq = c.n;
    double t_start = ta_now();
    int rc = 0;
    uint8_t *amb = NULL;
    int64_t *map = NULL;
    ta_topk_t ex;
    memset(&ex, 0, sizeof ex);
    TA_CHECK(c.n < INT32_MAX, TA_EINPUT, "%s: %lld rows; at most %d are supported", e->spec,
             (long long)c.n, INT32_MAX - 1);
    /* The rank's threads form a team that splits every tile; OpenBLAS then runs one thread per
     * call (its own threads would sit idle during the selection). */
    const int blas_threads = ta_blas_threads();
    const int T = o->threads > 0 ? o->threads : blas_threads;
    if (T > 1)
        ta_blas_set_threads(1);

    /* kk needs the number of non-zero rows, known once every rank has read its shard; allocate
     * the state after that. */
    rc = setup(&c, e, queries, nq);
    rc = ta_mpi_agree(rc);
    if (rc)
        goto out;
    long long zl = 0, zg = 0;
    for (int64_t i = 0; i < c.rows; i++)
        zl += !c.ok[i];
    if (MPI_Allreduce(&zl, &zg, 1, MPI_LONG_LONG, MPI_SUM, ta_mpi_comm()) != MPI_SUCCESS)
        ta_mpi_abort(TA_EINTERNAL);
    int64_t nvalid = c.n - zg;
    int64_t kk = (int64_t)o->k + (o->slack > 0 ? o->slack : DEFAULT_SLACK);
    if (kk > nvalid)
        kk = nvalid > 0 ? nvalid : 1;
    c.kk = (int)kk;
    rc = ta_topk_alloc(&c.own, c.sym ? c.rows : c.qn, c.kk);
    if (!rc && c.sym && c.P > 1)
        rc = ta_topk_alloc(&c.vt, c.maxrows, c.kk);
    if (!rc && c.sym && c.P > 1)
        rc = ta_topk_alloc(&c.rt, c.rows, c.kk);
    const int64_t Q = c.sym ? c.rows : c.qn;
    if (!rc) {
        size_t q1 = (size_t)(Q > 0 ? Q : 1);
        c.work = ta_malloc((size_t)T * ((size_t)c.own.cap + (size_t)c.k) * sizeof(uint64_t));
        c.cs = ta_malloc(q1 * (size_t)c.kk * sizeof(float));
        c.ci = ta_malloc(q1 * (size_t)c.kk * sizeof(int32_t));
        c.cn = ta_malloc(q1 * sizeof(int32_t));
        amb = ta_calloc(q1, 1);
        if (c.work && c.cs && c.ci && c.cn && amb)
            rc = ta_team_create(T, &c.team);
        else
            rc = TA_ERR(TA_ERESOURCE, "out of memory for the candidates of %lld queries x %d",
                        (long long)Q, c.kk);
    }
    TA_CALL_GOTO(ta_mpi_agree(rc), out);

    int s0;
    int64_t t0;
    TA_CALL_GOTO(ckpt_load(&c, o, &s0, &t0, &res->resumed), out);
    if (res->resumed)
        ta_log_info("resuming from the checkpoint in %s (step %d, tile %lld)", o->ckpt_dir, s0,
                    (long long)t0);
    TA_CALL_GOTO(main_phase(&c, e, o, s0, t0, res->resumed), out);
    ta_team_for(c.team, c.own.rows, finish_rows, &c.own);

    double t_r = ta_now();
    TA_CALL_GOTO(rescore(&c, e, o, nvalid, amb, s0, t0, res->resumed), out);
    long long al = 0, ag = 0;
    for (int64_t q = 0; q < Q; q++)
        al += amb[q];
    MPI_Allreduce(&al, &ag, 1, MPI_LONG_LONG, MPI_SUM, ta_mpi_comm());
    if (ag > 0) {
        map = ta_malloc((size_t)(al + 1) * sizeof(int64_t));
        rc = map ? ta_topk_alloc(&ex, al, c.k) : TA_ERESOURCE;
        if (!rc)
            rc = exact_rows(&c, amb, al, &ex, map);
        if (!rc)
            ta_topk_finish(&ex);
        TA_CALL_GOTO(ta_mpi_agree(rc), out);
    }
    c.t_rescore = ta_now() - t_r;

    /* Results: k per query, best first. */
    res->index = ta_malloc((size_t)(Q > 0 ? Q : 1) * (size_t)c.k * sizeof(int32_t));
    res->score = ta_malloc((size_t)(Q > 0 ? Q : 1) * (size_t)c.k * sizeof(float));
    res->qid = c.qid;
    c.qid = NULL;
    TA_CHECK_GOTO(res->index && res->score, TA_ERESOURCE, out, "out of memory for results");
    int64_t a = 0;
    for (int64_t q = 0; q < Q; q++) {
        int32_t *oi = res->index + q * c.k;
        float *os = res->score + q * c.k;
        int n = 0;
        if (c.qok[q] && amb[q]) {
            n = ta_topk_sorted(&ex, a, os, oi, c.work);
            a++;
        } else if (c.qok[q]) {
            n = c.cn[q] < c.k ? c.cn[q] : c.k;
            memcpy(os, c.cs + q * c.kk, (size_t)n * sizeof(float));
            memcpy(oi, c.ci + q * c.kk, (size_t)n * sizeof(int32_t));
        }
        for (int e2 = n; e2 < c.k; e2++) {
            oi[e2] = -1;
            os[e2] = NAN;
        }
    }
    res->n = c.n;
    res->d = c.d;
    res->nq = nq;
    res->q0 = c.qlo[c.r];
    res->qn = Q;
    res->block_rows = c.B;
    res->kk = c.kk;
    res->zero_rows = zg;
    res->recomputed = ag;
    res->seconds = ta_now() - t_start;
    double loc[4] = {c.t_gemm, c.t_topk, c.t_comm, c.t_rescore}, mx[4];
    MPI_Allreduce(loc, mx, 4, MPI_DOUBLE, MPI_MAX, ta_mpi_comm());
    MPI_Allreduce(&c.flops, &res->gemm_flops, 1, MPI_DOUBLE, MPI_SUM, ta_mpi_comm());
    res->t_gemm = mx[0];
    res->t_topk = mx[1];
    res->t_comm = mx[2];
    res->t_rescore = mx[3];
out:
    free(amb);
    free(map);
    ta_topk_free(&ex);
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
    int P = ta_mpi_size(), r = ta_mpi_rank(), rc = 0;
    TA_CHECK(res->nq * (int64_t)k < INT32_MAX, TA_EINPUT,
             "%lld queries x k = %d is too large for a TSV file; use the HDF5 output",
             (long long)res->nq, k);
    int *cnt = ta_calloc((size_t)P, sizeof(int)), *off = ta_calloc((size_t)P, sizeof(int));
    int *cntk = ta_calloc((size_t)P, sizeof(int)), *offk = ta_calloc((size_t)P, sizeof(int));
    if (r == 0) {
        *qid = ta_malloc((size_t)res->nq * sizeof(int32_t) + 4);
        *index = ta_malloc((size_t)res->nq * (size_t)k * sizeof(int32_t) + 4);
        *score = ta_malloc((size_t)res->nq * (size_t)k * sizeof(float) + 4);
        if (!*qid || !*index || !*score)
            rc = TA_ERESOURCE;
    }
    if (!cnt || !off || !cntk || !offk)
        rc = TA_ERESOURCE;
    rc = ta_mpi_agree(rc);
    if (!rc) {
        int mine = (int)res->qn;
        MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, ta_mpi_comm());
        for (int q = 0; q < P; q++) {
            off[q] = q ? off[q - 1] + cnt[q - 1] : 0;
            cntk[q] = cnt[q] * k;
            offk[q] = off[q] * k;
        }
        MPI_Gatherv(res->qid, mine, MPI_INT32_T, *qid, cnt, off, MPI_INT32_T, 0, ta_mpi_comm());
        MPI_Gatherv(res->index, mine * k, MPI_INT32_T, *index, cntk, offk, MPI_INT32_T, 0,
                    ta_mpi_comm());
        MPI_Gatherv(res->score, mine * k, MPI_FLOAT, *score, cntk, offk, MPI_FLOAT, 0,
                    ta_mpi_comm());
    }
    free(cnt);
    free(off);
    free(cntk);
    free(offk);
    return rc;
}
