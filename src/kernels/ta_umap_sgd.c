/* UMAP's layout optimisation: umap-learn's optimize_layout_euclidean and
 * _optimize_layout_euclidean_single_epoch (layouts.py) on the path umap-learn takes when a
 * random_state is given (parallel=False): every epoch walks the edges in order and every
 * update sees the positions left by the previous one, with one random stream for the negative
 * samples. The result therefore depends only on the graph, a, b and the seed.
 *
 * Each update depends on the one before (through the head's position), so the loop runs at the
 * latency of one sample, and the power d^(2b) was most of it. Hence, with results equal to
 * umap-learn's formulas up to float rounding:
 *   - arithmetic in float (umap-learn's positions are float32; its coefficients are double);
 *   - one power per sample, d^(2b), from a table (ta_umap_pow, relative error below 3e-7),
 *     d^(2(b-1)) taken as d^(2b) / d^2 (umap-learn calls pow() twice in double);
 *   - the next negative sample is drawn one step ahead and its position prefetched (the same
 *     draws in the same order).
 * On a 20,000-point graph (1.4e8 samples) this took the loop from 5.6 to 4.0 s of CPU (glibc's
 * double pow alone had been half of 11 s). */
#include "kernels/ta_umap.h"
#include "base/ta_rand.h"

#include <math.h>

/* The SGD's random stream (ta_xoshiro_seed purpose; 1-3 are the initial layout's). */
#define RNG_SGD 4
#define CLIP 4.0f
#define NEG_EPS 0.001f

void ta_umap_pow_init(ta_umap_pow_t *t, double b)
{
    for (int e = 0; e < 256; e++)
        t->e[e] = (float)exp2((double)(e - 127) * b);
    for (int j = 0; j <= TA_UMAP_POW_BINS; j++)
        t->m[j] = (float)pow(1.0 + (double)j / TA_UMAP_POW_BINS, b);
}

static inline float clip(float g)
{
    return g > CLIP ? CLIP : (g < -CLIP ? -CLIP : g);
}

static inline float rdist(const float *x, const float *y)
{
    float d0 = x[0] - y[0], d1 = x[1] - y[1];
    return d0 * d0 + d1 * d1;
}

/* A vertex uniform in [0, nv): the high 64 bits of next * nv (Lemire's multiply-shift; the bias,
 * below nv / 2^64, is nil in practice). */
static inline int64_t draw_vertex(ta_xoshiro_t *r, int64_t nv)
{
    return (int64_t)(((unsigned __int128)ta_xoshiro_next(r) * (uint64_t)nv) >> 64);
}

/* The constants of a run. */
typedef struct {
    float a, b, alpha;
    const ta_umap_pow_t *pw;
} sgd_t;

/* The positive sample of edge (j, k): both ends move towards each other. */
static inline void attract(const sgd_t *s, float *cur, float *oth)
{
    float d2 = rdist(cur, oth), gc = 0.0f;
    if (d2 > 0.0f) {
        float p = ta_umap_pow(s->pw, d2); /* d^(2b) */
        gc = -2.0f * s->a * s->b * (p / d2) / (s->a * p + 1.0f);
    }
    for (int d = 0; d < TA_UMAP_DIM; d++) {
        float g = clip(gc * (cur[d] - oth[d]));
        cur[d] += g * s->alpha;
        oth[d] -= g * s->alpha;
    }
}

/* One negative sample: only the head moves, away from vertex k. */
static inline void repel(const sgd_t *s, float *cur, const float *oth, int same)
{
    float d2 = rdist(cur, oth), gc;
    if (d2 > 0.0f)
        gc = 2.0f * s->b / ((NEG_EPS + d2) * (s->a * ta_umap_pow(s->pw, d2) + 1.0f));
    else if (same)
        return;
    else
        gc = 0.0f;
    for (int d = 0; d < TA_UMAP_DIM; d++) {
        float g = gc > 0.0f ? clip(gc * (cur[d] - oth[d])) : CLIP;
        cur[d] += g * s->alpha;
    }
}

/* One epoch over every edge (row by row, in CSR order). *k is the negative sample drawn ahead. */
static void epoch(const sgd_t *s, float *xy, int64_t nv, const int64_t *ptr, const int32_t *col,
                  const double *eps, double *next, double *next_neg, const double *eps_neg,
                  double n, ta_xoshiro_t *rng, int64_t *k)
{
    int64_t kk = *k;
    for (int64_t j = 0; j < nv; j++) {
        float *cur = xy + j * TA_UMAP_DIM;
        for (int64_t e = ptr[j]; e < ptr[j + 1]; e++) {
            if (next[e] > n)
                continue;
            attract(s, cur, xy + (int64_t)col[e] * TA_UMAP_DIM);
            next[e] += eps[e];
            int64_t nneg = (int64_t)((n - next_neg[e]) / eps_neg[e]);
            for (int64_t p = 0; p < nneg; p++) {
                int64_t ahead = draw_vertex(rng, nv);
                __builtin_prefetch(xy + ahead * TA_UMAP_DIM);
                repel(s, cur, xy + kk * TA_UMAP_DIM, kk == j);
                kk = ahead;
            }
            next_neg[e] += (double)nneg * eps_neg[e];
        }
    }
    *k = kk;
}

int ta_umap_optimize(float *xy, int64_t nv, const int64_t *ptr, const int32_t *col,
                     const double *eps, int64_t n_epochs, double a, double b, uint64_t seed,
                     double *work, ta_umap_epoch_fn fn, void *ctx)
{
    int64_t ne = ptr[nv];
    double *next = work, *next_neg = work + ne, *eps_neg = work + 2 * ne;
    for (int64_t e = 0; e < ne; e++) {
        eps_neg[e] = eps[e] / (double)TA_UMAP_NEG_RATE;
        next_neg[e] = eps_neg[e];
        next[e] = eps[e];
    }
    ta_umap_pow_t pw;
    ta_umap_pow_init(&pw, b);
    ta_xoshiro_t rng;
    ta_xoshiro_seed(&rng, seed, RNG_SGD, 0);
    int64_t k = draw_vertex(&rng, nv);
    double alpha = 1.0;
    for (int64_t n = 0; n < n_epochs; n++) {
        sgd_t s = {(float)a, (float)b, (float)alpha, &pw};
        epoch(&s, xy, nv, ptr, col, eps, next, next_neg, eps_neg, (double)n, &rng, &k);
        alpha = 1.0 * (1.0 - (double)n / (double)n_epochs);
        if (fn) {
            int rc = fn(ctx, n + 1, n_epochs);
            if (rc)
                return rc;
        }
    }
    return 0;
}
