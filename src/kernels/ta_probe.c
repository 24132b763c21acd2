#include "kernels/ta_probe.h"

#include "base/ta_error.h"
#include "base/ta_team.h"
#include "kernels/ta_blocking.h"

#include <cblas.h>
#include <float.h>
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Random numbers, undersampling, folds
 * ------------------------------------------------------------------------------------------- */

void ta_probe_rng_seed(ta_splitmix_t *r, uint64_t seed, const char *name)
{
    r->s = seed ^ ta_fnv1a_str(name);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t ta_probe_undersample(const int32_t *code, int64_t n, int32_t cat, ta_splitmix_t *r,
                             int64_t *ids, uint8_t *label, int64_t *work)
{
    int64_t npos = 0;
    for (int64_t i = 0; i < n; i++)
        npos += code[i] == cat;
    int64_t nneg = n - npos;
    int pos_smaller = npos <= nneg;
    int64_t m = pos_smaller ? npos : nneg;
    /* The larger class's ids, ascending, then a partial Fisher-Yates shuffle keeps m of them. */
    int64_t nl = 0, ns = 0;
    for (int64_t i = 0; i < n; i++) {
        int is_pos = code[i] == cat;
        if (is_pos == pos_smaller)
            ids[ns++] = i;
        else
            work[nl++] = i;
    }
    for (int64_t j = 0; j < m; j++) {
        int64_t k = j + (int64_t)ta_splitmix_below(r, (uint64_t)(nl - j));
        int64_t t = work[j];
        work[j] = work[k];
        work[k] = t;
    }
    memcpy(ids + m, work, (size_t)m * sizeof *ids);
    qsort(ids, (size_t)(2 * m), sizeof *ids, cmp_i64);
    for (int64_t k = 0; k < 2 * m; k++)
        label[k] = code[ids[k]] == cat;
    return m;
}

static void shuffle_i64(int64_t *a, int64_t len, ta_splitmix_t *r)
{
    for (int64_t j = len - 1; j >= 1; j--) {
        int64_t k = (int64_t)ta_splitmix_below(r, (uint64_t)(j + 1));
        int64_t t = a[j];
        a[j] = a[k];
        a[k] = t;
    }
}

void ta_probe_folds(const uint8_t *label, int64_t nsamples, int k, ta_splitmix_t *r, int32_t *fold,
                    int64_t *work)
{
    int64_t nneg = 0;
    for (int64_t i = 0; i < nsamples; i++)
        if (!label[i])
            work[nneg++] = i;
    int64_t npos = nneg;
    for (int64_t i = 0; i < nsamples; i++)
        if (label[i])
            work[npos++] = i;
    npos -= nneg;
    int64_t *neg = work, *pos = work + nneg;
    shuffle_i64(neg, nneg, r);
    shuffle_i64(pos, npos, r);
    for (int64_t t = 0; t < nneg; t++)
        fold[neg[t]] = (int32_t)(t % k);
    /* The positives start where the negatives left off, so that the folds' totals differ by at
     * most one as well. */
    for (int64_t t = 0; t < npos; t++)
        fold[pos[t]] = (int32_t)((t + nneg) % k);
}

/* ---------------------------------------------------------------------------------------------
 * Logistic regression
 * ------------------------------------------------------------------------------------------- */

void ta_probe_opt_default(ta_probe_opt_t *o)
{
    o->C = 1.0;
    o->gtol = 1e-4;
    o->ftol = 1e7 * DBL_EPSILON; /* scipy L-BFGS-B default factr 1e7: 2.2e-9 */
    o->max_iter = 10000;
    o->block_rows = 0;
    o->team = NULL;
}

/* Rows per block and the chunk count: ta_blocking.h (they fix the order of the sums). */
static int64_t block_rows_for(int64_t d, const ta_probe_opt_t *o)
{
    return ta_probe_block_rows(d, o->block_rows);
}

/* The rows are cut into at most MAX_CHUNKS chunks of whole blocks, a cut that depends only on n
 * and d; each chunk's sums are kept apart and added up in chunk order, so that F and its gradient
 * are the same whichever thread computed which chunk. */
enum { MAX_CHUNKS = TA_PROBE_MAX_CHUNKS };

static int64_t chunk_rows_for(int64_t n, int64_t br)
{
    int64_t nb = (n + br - 1) / br;
    int64_t per = (nb + MAX_CHUNKS - 1) / MAX_CHUNKS;
    return (per > 0 ? per : 1) * br;
}

size_t ta_probe_fit_work_bytes(int64_t n, int64_t d, const ta_probe_opt_t *o)
{
    int64_t br = block_rows_for(d, o), T = ta_team_size(o->team);
    return (size_t)(MAX_CHUNKS * (d + 3)) * sizeof(double) +
           (size_t)(d + T * (br + d + br * d) + n) * sizeof(float) + 64;
}

/* log(1 + exp(-m)) without overflow. */
static double log1pexp_neg(double m)
{
    return m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

typedef struct {
    const float *X;
    const int64_t *rows; /* row i of the fit is X's row rows[i] (NULL: row i) */
    const uint8_t *y;
    int64_t n, d, br;
    double C;
    ta_team_t *team;
    int64_t chunk_rows, nchunks;
    double *cg;         /* [nchunks, d] gradient sums per chunk */
    double *cs;         /* [nchunks, 3] F, dF/db and noise sums per chunk */
    float *wf;          /* d: w in f32 */
    float *tz, *tg;     /* per thread: br and d */
    float *tx;          /* per thread: br x d, a block of rows gathered from X (rows != NULL) */
    const float *xnorm; /* n row norms */
    double b;           /* the intercept of the current evaluation */
    double gtol, ftol, fprev;
    double noise; /* rounding noise of the last F (see evaluate) */
    int iters;
    double gnorm_last;
    int stopped;
    int evals;
} fit_ctx_t;

static double max_abs(const double *g, int64_t n)
{
    double m = 0;
    for (int64_t j = 0; j < n; j++)
        if (fabs(g[j]) > m)
            m = fabs(g[j]);
    return m;
}

/* One chunk's sums; the loop partitions the chunk's rows into blocks of br rows: z = X_blk w by
 * sgemv, the per-row terms in double, then X_blk^T r by sgemv while the block is in cache. */
static void chunk_eval(const fit_ctx_t *c, int64_t k, float *z, float *gblk, float *xblk)
{
    const int64_t d = c->d;
    const int64_t end = (k + 1) * c->chunk_rows < c->n ? (k + 1) * c->chunk_rows : c->n;
    double *g = c->cg + k * d, f = 0, gb = 0, s2 = 0;
    for (int64_t j = 0; j < d; j++)
        g[j] = 0;
    for (int64_t r0 = k * c->chunk_rows; r0 < end; r0 += c->br) {
        int64_t rows = end - r0 < c->br ? end - r0 : c->br;
        const float *Xb = c->X + r0 * d;
        if (c->rows) { /* the same block, gathered: the same sums */
            for (int64_t i = 0; i < rows; i++)
                memcpy(xblk + i * d, c->X + c->rows[r0 + i] * d, (size_t)d * sizeof(float));
            Xb = xblk;
        }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)d, 1.0f, Xb, (int)d, c->wf, 1,
                    0.0f, z, 1);
        for (int64_t i = 0; i < rows; i++) {
            double yi = c->y[r0 + i] ? 1.0 : -1.0;
            double m = yi * ((double)z[i] + c->b);
            /* One exp per row: with e = exp(-|m|), log(1 + exp(-m)) = max(-m, 0) + log1p(e) and
             * d/dz log(1 + exp(-y z)) = -y / (1 + exp(m)) = -y e / (1 + e) (m > 0) or
             * -y / (1 + e) (m <= 0). */
            double e = exp(-fabs(m));
            f += (m > 0 ? 0 : -m) + log1p(e);
            double ri = -yi * (m > 0 ? e : 1.0) / (1.0 + e);
            gb += ri;
            s2 += ri * ri * (double)c->xnorm[r0 + i] * c->xnorm[r0 + i];
            z[i] = (float)(c->C * ri);
        }
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)rows, (int)d, 1.0f, Xb, (int)d, z, 1, 0.0f,
                    gblk, 1);
        for (int64_t j = 0; j < d; j++)
            g[j] += gblk[j];
    }
    c->cs[3 * k] = f;
    c->cs[3 * k + 1] = gb;
    c->cs[3 * k + 2] = s2;
}

/* Thread t of T takes chunks t, t + T, t + 2T, ... */
static void eval_chunks(void *p, int t, int T)
{
    const fit_ctx_t *c = p;
    for (int64_t k = t; k < c->nchunks; k += T)
        chunk_eval(c, k, c->tz + t * c->br, c->tg + t * c->d, c->tx + t * c->br * c->d);
}

/* F and its gradient at x = (w, b). */
static double evaluate(fit_ctx_t *c, const double *x, double *g)
{
    c->evals++;
    const int64_t d = c->d;
    c->b = x[d];
    for (int64_t j = 0; j < d; j++)
        c->wf[j] = (float)x[j];
    /* The team pays off from about a million matrix entries on; below, the calling thread alone
     * (same chunks, same sums, same order). */
    if (c->n * d >= (1 << 20))
        ta_team_run(c->team, eval_chunks, c);
    else
        eval_chunks(c, 0, 1);
    double f = 0, gb = 0, s2 = 0, reg = 0;
    for (int64_t j = 0; j < d; j++)
        g[j] = 0;
    for (int64_t k = 0; k < c->nchunks; k++) {
        const double *cg = c->cg + k * d;
        for (int64_t j = 0; j < d; j++)
            g[j] += cg[j];
        f += c->cs[3 * k];
        gb += c->cs[3 * k + 1];
        s2 += c->cs[3 * k + 2];
    }
    for (int64_t j = 0; j < d; j++) {
        reg += x[j] * x[j];
        g[j] += x[j];
    }
    g[d] = c->C * gb;
    /* Each z_i carries a rounding error of about sqrt(d) 2^-24 |x_i| |w| from the f32 dot
     * product; F moves by dF/dz_i times that, and independent errors add up as a random walk. */
    c->noise = c->C * sqrt(s2) * sqrt((double)d) * 0x1p-24 * sqrt(reg);
    return c->C * f + 0.5 * reg;
}

static lbfgsfloatval_t lbfgs_eval(void *inst, const lbfgsfloatval_t *x, lbfgsfloatval_t *g, int n,
                                  const lbfgsfloatval_t step)
{
    (void)n;
    (void)step;
    return evaluate((fit_ctx_t *)inst, x, g);
}

/* The stopping rules (see ta_probe.h): scikit-learn's (scipy L-BFGS-B with gtol = tol and its
 * default ftol): the largest gradient component, or the relative decrease of F in one iteration;
 * and the decrease falling below the rounding noise of F in f32. */
static int lbfgs_progress(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                          const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                          const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k,
                          int ls)
{
    fit_ctx_t *c = inst;
    (void)x;
    (void)xnorm;
    (void)gnorm;
    (void)step;
    (void)ls;
    c->iters = k;
    c->gnorm_last = max_abs(g, n);
    double denom = fmax(fmax(fabs(c->fprev), fabs(fx)), 1.0);
    double dec = c->fprev - fx;
    int stop = c->gnorm_last <= c->gtol || dec / denom <= c->ftol || dec <= c->noise;
    c->fprev = fx;
    if (stop)
        c->stopped = 1;
    return stop;
}

/* The fit's context: blocks, chunks, and the workspace cut into its arrays (see
 * ta_probe_fit_work_bytes). */
static void fit_ctx_init(fit_ctx_t *c, const float *X, const int64_t *rows, const uint8_t *y,
                         int64_t n, int64_t d, const ta_probe_opt_t *o, void *work)
{
    *c = (fit_ctx_t){.X = X,
                     .rows = rows,
                     .y = y,
                     .n = n,
                     .d = d,
                     .br = block_rows_for(d, o),
                     .C = o->C,
                     .team = o->team,
                     .gtol = o->gtol,
                     .ftol = o->ftol};
    c->chunk_rows = chunk_rows_for(n, c->br);
    c->nchunks = (n + c->chunk_rows - 1) / c->chunk_rows;
    TA_ASSERT(c->nchunks <= MAX_CHUNKS);
    c->cg = work;
    c->cs = c->cg + MAX_CHUNKS * d;
    float *f = (float *)(c->cs + 3 * MAX_CHUNKS);
    c->wf = f;
    c->tz = f + d;
    c->tg = c->tz + ta_team_size(o->team) * c->br;
    c->tx = c->tg + ta_team_size(o->team) * d;
    float *xn = c->tx + ta_team_size(o->team) * c->br * d;
    /* Row norms for the noise estimate only: f32 is plenty. */
    for (int64_t i = 0; i < n; i++) {
        const float *xi = X + (rows ? rows[i] : i) * d;
        xn[i] = sqrtf(cblas_sdot((int)d, xi, 1, xi, 1));
    }
    c->xnorm = xn;
}

int ta_probe_fit(const float *X, const uint8_t *y, int64_t n, int64_t d, const ta_probe_opt_t *o,
                 void *work, double *w, double *b, ta_probe_fit_t *info)
{
    return ta_probe_fit_rows(X, NULL, y, n, d, o, work, w, b, info);
}

int ta_probe_fit_rows(const float *X, const int64_t *rows, const uint8_t *y, int64_t n, int64_t d,
                      const ta_probe_opt_t *o, void *work, double *w, double *b,
                      ta_probe_fit_t *info)
{
    TA_CHECK(d >= 1 && d < INT32_MAX && n >= 1, TA_EINTERNAL, "probe fit: bad shape %lld x %lld",
             (long long)n, (long long)d);
    fit_ctx_t c;
    fit_ctx_init(&c, X, rows, y, n, d, o, work);
    memset(info, 0, sizeof *info);

    lbfgsfloatval_t *x = lbfgs_malloc((int)d + 1);
    lbfgsfloatval_t *g = lbfgs_malloc((int)d + 1);
    if (!x || !g) {
        lbfgs_free(x);
        lbfgs_free(g);
        return TA_ERR(TA_ERESOURCE, "out of memory in the probe optimiser (d = %lld)",
                      (long long)d);
    }
    for (int64_t j = 0; j < d; j++)
        x[j] = w[j];
    x[d] = *b;
    /* A warm start may already satisfy the tolerance; liblbfgs would take a step regardless. */
    double f0 = evaluate(&c, x, g);
    c.fprev = f0;
    c.gnorm_last = max_abs(g, d + 1);
    lbfgsfloatval_t fx = f0;
    int ret = LBFGS_ALREADY_MINIMIZED;
    if (c.gnorm_last > o->gtol) {
        lbfgs_parameter_t p;
        lbfgs_parameter_init(&p);
        p.m = 10;        /* scipy's maxcor */
        p.epsilon = 0.0; /* our own rules in lbfgs_progress */
        p.past = 0;
        p.max_iterations = o->max_iter;
        p.max_linesearch = 8;
        ret = lbfgs((int)d + 1, x, &fx, lbfgs_eval, lbfgs_progress, &c, &p);
    }
    /* A line search that cannot improve F any further in f32 arithmetic leaves x at the last
     * accepted point, which is then as converged as the arithmetic allows. */
    int ls_stuck = ret == LBFGSERR_ROUNDING_ERROR || ret == LBFGSERR_MINIMUMSTEP ||
                   ret == LBFGSERR_MAXIMUMLINESEARCH || ret == LBFGSERR_WIDTHTOOSMALL ||
                   ret == LBFGSERR_INCORRECT_TMINMAX || ret == LBFGSERR_INCREASEGRADIENT;
    TA_CHECK(ret >= 0 || ls_stuck || ret == LBFGSERR_MAXIMUMITERATION, TA_EINTERNAL,
             "probe optimiser failed (liblbfgs code %d)", ret);
    if (ret != LBFGS_ALREADY_MINIMIZED) {
        /* Recompute F and the gradient at the returned point (liblbfgs may have reverted it). */
        fx = evaluate(&c, x, g);
        c.gnorm_last = max_abs(g, d + 1);
    }
    for (int64_t j = 0; j < d; j++)
        w[j] = x[j];
    *b = x[d];
    info->iterations = c.iters;
    info->evaluations = c.evals;
    info->status = ret;
    info->converged =
        ret == LBFGS_ALREADY_MINIMIZED || c.stopped || ret == LBFGS_SUCCESS || ls_stuck;
    info->loss = fx;
    info->gnorm = c.gnorm_last;
    lbfgs_free(x);
    lbfgs_free(g);
    return 0;
}

double ta_probe_accuracy(const float *X, const uint8_t *y, int64_t n, int64_t d, const double *w,
                         double b)
{
    return ta_probe_accuracy_rows(X, NULL, y, n, d, w, b);
}

double ta_probe_accuracy_rows(const float *X, const int64_t *rows, const uint8_t *y, int64_t n,
                              int64_t d, const double *w, double b)
{
    if (n <= 0)
        return 0;
    int64_t ok = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *xi = X + (rows ? rows[i] : i) * d;
        double z = b;
        for (int64_t j = 0; j < d; j++)
            z += (double)xi[j] * w[j];
        ok += (z > 0) == (y[i] != 0);
    }
    return (double)ok / (double)n;
}

double ta_probe_objective_ref(const float *X, const uint8_t *y, int64_t n, int64_t d, double C,
                              const double *w, double b, double *g)
{
    double f = 0;
    for (int64_t j = 0; j <= d; j++)
        g[j] = 0;
    for (int64_t i = 0; i < n; i++) {
        double z = b;
        for (int64_t j = 0; j < d; j++)
            z += (double)X[i * d + j] * w[j];
        double yi = y[i] ? 1.0 : -1.0;
        f += log1pexp_neg(yi * z);
        double ri = -yi / (1.0 + exp(yi * z));
        for (int64_t j = 0; j < d; j++)
            g[j] += C * ri * (double)X[i * d + j];
        g[d] += C * ri;
    }
    f *= C;
    for (int64_t j = 0; j < d; j++) {
        f += 0.5 * w[j] * w[j];
        g[j] += w[j];
    }
    return f;
}

void ta_probe_mean_std(const double *v, int n, double *mean, double *std)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    double mu = n > 0 ? s / n : 0;
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (v[i] - mu) * (v[i] - mu);
    *mean = mu;
    *std = n > 0 ? sqrt(ss / n) : 0;
}
