/* UMAP's layout optimisation: umap-learn's optimize_layout_euclidean and
 * _optimize_layout_euclidean_single_epoch (layouts.py) on the path umap-learn takes when a
 * random_state is given (parallel=False): every epoch walks the edges in order and every
 * update sees the positions left by the previous one, with one random stream for the negative
 * samples. The result therefore depends only on the graph, a, b and the seed.
 *
 * Arithmetic as in umap-learn's numba code: positions in float, squared distances summed in
 * float, gradient coefficients and steps in double, except the power: one powf() per sample,
 * d^(2b) in float (umap-learn takes two double pow()s, d^(2(b-1)) and d^(2b)). glibc's powf is
 * about 10x faster than its pow here and this power was half of the time; its relative error,
 * about 1e-7, is far below the noise of the stochastic descent. */
#include "kernels/ta_umap.h"
#include "base/ta_rand.h"

#include <math.h>

/* The SGD's random stream (ta_xoshiro_seed purpose; 1-3 are the initial layout's). */
#define RNG_SGD 4
#define CLIP 4.0
#define NEG_EPS 0.001

static inline double clip(double g)
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

/* The positive sample of edge (j, k): both ends move towards each other. */
static inline void attract(float *cur, float *oth, double a, double b, double alpha)
{
    float d2 = rdist(cur, oth);
    double gc = 0.0;
    if (d2 > 0.0f) {
        double p = (double)powf(d2, (float)b); /* d^(2b) */
        gc = -2.0 * a * b * (p / (double)d2) / (a * p + 1.0);
    }
    for (int d = 0; d < TA_UMAP_DIM; d++) {
        double g = clip(gc * (double)(cur[d] - oth[d]));
        cur[d] = (float)((double)cur[d] + g * alpha);
        oth[d] = (float)((double)oth[d] - g * alpha);
    }
}

/* One negative sample: only the head moves, away from vertex k. */
static inline void repel(float *cur, const float *oth, int same, double a, double b, double alpha)
{
    float d2 = rdist(cur, oth);
    double gc;
    if (d2 > 0.0f)
        gc = 2.0 * b / ((NEG_EPS + (double)d2) * (a * (double)powf(d2, (float)b) + 1.0));
    else if (same)
        return;
    else
        gc = 0.0;
    for (int d = 0; d < TA_UMAP_DIM; d++) {
        double g = gc > 0.0 ? clip(gc * (double)(cur[d] - oth[d])) : CLIP;
        cur[d] = (float)((double)cur[d] + g * alpha);
    }
}

/* One epoch over every edge (row by row, in CSR order). */
static void epoch(float *xy, int64_t nv, const int64_t *ptr, const int32_t *col, const double *eps,
                  double *next, double *next_neg, const double *eps_neg, double n, double a,
                  double b, double alpha, ta_xoshiro_t *rng)
{
    for (int64_t j = 0; j < nv; j++) {
        float *cur = xy + j * TA_UMAP_DIM;
        for (int64_t e = ptr[j]; e < ptr[j + 1]; e++) {
            if (next[e] > n)
                continue;
            attract(cur, xy + (int64_t)col[e] * TA_UMAP_DIM, a, b, alpha);
            next[e] += eps[e];
            int64_t nneg = (int64_t)((n - next_neg[e]) / eps_neg[e]);
            for (int64_t p = 0; p < nneg; p++) {
                int64_t k = draw_vertex(rng, nv);
                repel(cur, xy + k * TA_UMAP_DIM, k == j, a, b, alpha);
            }
            next_neg[e] += (double)nneg * eps_neg[e];
        }
    }
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
    ta_xoshiro_t rng;
    ta_xoshiro_seed(&rng, seed, RNG_SGD, 0);
    double alpha = 1.0;
    for (int64_t n = 0; n < n_epochs; n++) {
        epoch(xy, nv, ptr, col, eps, next, next_neg, eps_neg, (double)n, a, b, alpha, &rng);
        alpha = 1.0 * (1.0 - (double)n / (double)n_epochs);
        if (fn) {
            int rc = fn(ctx, n + 1, n_epochs);
            if (rc)
                return rc;
        }
    }
    return 0;
}
