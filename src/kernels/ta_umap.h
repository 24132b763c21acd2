/* UMAP layouts (McInnes, Healy & Melville 2018) from an exact k-nearest-neighbour graph: the
 * kernels behind `tokenatlas map`. They follow umap-learn 0.5 (umap_.py, layouts.py,
 * spectral.py) step by step, with umap-learn's defaults for everything `map` does not expose:
 * spread 1, local connectivity 1, set_op_mix_ratio 1 (pure fuzzy union), learning rate 1,
 * repulsion strength 1, 5 negative samples per positive one, 2 output dimensions.
 *
 *   1. ta_umap_smooth_knn: per row, rho (distance to the nearest non-identical neighbour) and
 *      sigma (binary search so that sum_j exp(-(d_j - rho) / sigma) = log2(n_neighbors));
 *   2. ta_umap_membership: the directed weights exp(-(d_j - rho) / sigma);
 *   3. ta_umap_union: the fuzzy union W + W^T - W o W^T as a CSR matrix;
 *   4. ta_umap_prune: drops weights below max / n_epochs (umap-learn's
 *      simplicial_set_embedding) and gives each edge its epochs per sample;
 *   5. ta_umap_find_ab: the curve 1 / (1 + a d^(2b)) fitted to the offset exponential of min_dist;
 *   6. ta_umap_components, ta_umap_spectral: the initial layout from the eigenvectors of the
 *      normalised Laplacian (ARPACK, as scipy's eigsh), per connected component, placed and
 *      scaled as umap-learn's multi_component_layout;
 *   7. ta_umap_optimize: the stochastic gradient descent, sequential over the edges in CSR order
 *      with one random stream, as umap-learn's seeded (random_state) path.
 *
 * Graph rows: a kNN row of vertex i is n entries nbr[i n + j] (vertex ids) and dist[i n + j]
 * (distances, ascending): column 0 is i itself at distance 0, then its valid neighbours in order,
 * then -1 entries (missing) at the end. Vertex ids are 0..nv-1.
 *
 * Everything here is Local, single-threaded and deterministic (the result depends only on the
 * arguments); nothing allocates (the caller passes every buffer, sizes below) or prints. */
#ifndef TA_UMAP_H
#define TA_UMAP_H

#include <stdint.h>

/* umap-learn's constants. */
#define TA_UMAP_SPREAD 1.0
#define TA_UMAP_NEG_RATE 5
#define TA_UMAP_DIM 2

/* Local. umap-learn's default epoch count: 500 for graphs of at most 10,000 vertices, else 200. */
int64_t ta_umap_default_epochs(int64_t nv);

/* Local. smooth_knn_dist of umap-learn for rows [0, nrows) (row r is vertex r): rho[r] is the
 * first nonzero distance of the row (0 if none), sigma[r] the bandwidth found by 64 steps of
 * bisection in float (tolerance 1e-5) so that the sum over columns 1.. of exp(-max(d - rho, 0) /
 * sigma) is log2(n_neighbors), then floored at 1e-3 times the row's mean distance (or, when
 * rho = 0, 1e-3 times mean_all, the mean of every row's distances). Missing entries count as
 * infinitely far (they add nothing), as in umap-learn. */
void ta_umap_smooth_knn(const int32_t *nbr, const float *dist, int64_t nrows, int64_t n,
                        int64_t n_neighbors, double mean_all, float *sigma, float *rho);

/* Local. The directed membership weights w[r n + j] (float, as umap-learn): 0 for the vertex
 * itself and for missing entries, 1 when d <= rho or sigma = 0, else exp(-(d - rho) / sigma). */
void ta_umap_membership(const int32_t *nbr, const float *dist, const float *sigma, const float *rho,
                        int64_t nrows, int64_t n, float *w);

/* Local. The fuzzy union U = W + W^T - W o W^T of the directed weights (rows [0, nv), n columns)
 * as a CSR matrix: row i's entries (ptr[i] .. ptr[i+1]) sorted by column, zero weights left out,
 * u = (a + b) - a b in float (a = w_ij, b = w_ji). Buffers: ptr [nv + 1], col and val
 * [2 nv n] (the largest possible count), tptr [nv + 1], tsrc [nv n] int32, tval [nv n] float,
 * rowcol [n] int32, rowval [n] float. Returns the number of entries. */
int64_t ta_umap_union(const int32_t *nbr, const float *w, int64_t nv, int64_t n, int64_t *ptr,
                      int32_t *col, float *val, int64_t *tptr, int32_t *tsrc, float *tval,
                      int32_t *rowcol, float *rowval);

/* Local. umap-learn's pruning and sampling rates: entries below max(val) / n_epochs are removed
 * from the CSR matrix in place (ptr updated), then eps[e] = n_epochs / (n_epochs val[e] / max)
 * epochs between two samples of edge e. Returns the number of entries left. */
int64_t ta_umap_prune(int64_t nv, int64_t n_epochs, int64_t *ptr, int32_t *col, float *val,
                      double *eps);

/* Local. Fits a and b of 1 / (1 + a x^(2b)) to y = 1 for x < min_dist, exp(-(x - min_dist) /
 * spread) beyond, on 300 points evenly spaced over [0, 3 spread], by least squares
 * (Levenberg-Marquardt from a = b = 1, as scipy's curve_fit in umap-learn's find_ab_params).
 * Returns 0, or -1 when the fit did not converge. */
int ta_umap_find_ab(double spread, double min_dist, double *a, double *b);

/* Local. Connected components of the symmetric CSR graph: label[v] in 0..count-1, numbered in
 * the order of their smallest vertex (as scipy's connected_components); queue is scratch of nv
 * int32. Returns the count. */
int32_t ta_umap_components(const int64_t *ptr, const int32_t *col, int64_t nv, int32_t *label,
                           int32_t *queue);

/* What ta_umap_spectral did, for the record. */
typedef struct {
    int32_t components;    /* connected components */
    int32_t spectral;      /* components laid out by their eigenvectors */
    int32_t random;        /* components placed at random: too small, or ARPACK failed */
    int32_t arpack_failed; /* of which ARPACK did not converge */
    int64_t matvecs;       /* Laplacian products, all components */
} ta_umap_init_info_t;

/* Local. Scratch for ta_umap_spectral, in doubles, for a graph whose largest component has
 * nmax vertices (ARPACK's Lanczos basis of ncv vectors dominates: about nmax (ncv + 11) + 2 nv
 * with ncv = max(7, min(floor(sqrt(nmax)), 64))); *ints is the int32 scratch (about 2 nv). */
int64_t ta_umap_spectral_work(int64_t nmax, int64_t nv, int64_t *ints);

/* Local. umap-learn's spectral_layout then the scaling of simplicial_set_embedding, into xy
 * [nv x 2] (float):
 *   - one component: the eigenvectors of eigenvalues 2 and 3 (ascending) of the normalised
 *     Laplacian L = I - D^-1/2 U D^-1/2, by ARPACK dsaupd with eigsh's settings in umap-learn
 *     (which = "SM", tol 1e-4, start vector of ones, at most 5 nv restarts), with at most 64
 *     Lanczos vectors and the trivial eigenpair deflated (see ta_umap_spectral.c); if it fails,
 *     uniform in [-10, 10)^2;
 *   - several components (multi_component_layout): component c is centred on a point of a
 *     meta-layout (for at most 4 components +-e1, +-e2; for more, uniform in [0, 10)^2: umap-learn
 *     lays out component centroids of the input rows, which a neighbour file does not hold) and
 *     spans half the distance to the nearest other centre: its own eigenvectors scaled to that
 *     radius, or, for fewer than 4 vertices or when ARPACK fails, uniform in the radius;
 *   - then the whole layout is scaled so that max |x| = 10 and Gaussian noise of deviation 1e-4
 *     is added, each column is mapped onto [0, 10] (simplicial_set_embedding).
 * Random numbers come from the seed's xoshiro256** streams (purposes 1-3). label, count from
 * ta_umap_components; work and iwork as ta_umap_spectral_work says. Returns 0. */
int ta_umap_spectral(const int64_t *ptr, const int32_t *col, const float *val, int64_t nv,
                     const int32_t *label, int32_t count, uint64_t seed, double *work,
                     int32_t *iwork, float *xy, ta_umap_init_info_t *info);

/* x^b for float x > 0 and a fixed b, from two tables: x = 2^e m (m in [1, 2) from the float's
 * bits), x^b = (2^b)^e m^b with (2^b)^e looked up by exponent and m^b interpolated linearly
 * between 2^12 + 1 points of [1, 2]; relative error below 3e-7 (a few float roundings; the
 * interpolation's own is about b(b - 1) 2^-27), checked against pow() by the unit test. Subnormal x
 * (below 1.2e-38) is taken as 0 * 2^-126 plus its mantissa and is less accurate; the SGD never
 * meets one in practice. */
#define TA_UMAP_POW_BITS 12
#define TA_UMAP_POW_BINS (1 << TA_UMAP_POW_BITS)
typedef struct {
    float e[256];                  /* 2^((e - 127) b) for each biased exponent */
    float m[TA_UMAP_POW_BINS + 1]; /* (1 + j / BINS)^b */
} ta_umap_pow_t;

/* Local. Fills the tables for b. */
void ta_umap_pow_init(ta_umap_pow_t *t, double b);

/* Local. x^b from the tables of ta_umap_pow_init. */
static inline float ta_umap_pow(const ta_umap_pow_t *t, float x)
{
    union {
        float f;
        uint32_t u;
    } v = {x};
    uint32_t mant = v.u & 0x7fffffu, j = mant >> (23 - TA_UMAP_POW_BITS);
    float fr = (float)(mant & ((1u << (23 - TA_UMAP_POW_BITS)) - 1)) *
               (1.0f / (float)(1u << (23 - TA_UMAP_POW_BITS)));
    float lo = t->m[j], hi = t->m[j + 1];
    return t->e[(v.u >> 23) & 0xffu] * (lo + fr * (hi - lo));
}

/* Called after every epoch of the optimisation with the epoch number (from 1); a nonzero return
 * stops the optimisation, which then returns that value. */
typedef int (*ta_umap_epoch_fn)(void *ctx, int64_t epoch, int64_t n_epochs);

/* Local. optimize_layout_euclidean of umap-learn, seeded path (sequential, one random stream):
 * in each epoch n, for each edge e of the CSR graph in order (head = its row, tail = col[e])
 * whose next sample is due (epoch_of_next_sample[e] <= n): attract head and tail (gradient
 * -2ab d^(2(b-1)) / (1 + a d^(2b)) per coordinate, clipped to [-4, 4], times alpha; both move),
 * then draw the due negative samples (5 per eps[e] epochs; tail uniform over the nv vertices;
 * gradient 2 b / ((0.001 + d^2)(1 + a d^(2b))), clipped, only the head moves; a point on top of
 * the head is pushed by 4 alpha in each coordinate). alpha = 1 - n / n_epochs after epoch n
 * (umap-learn's schedule). Float arithmetic and ta_umap_pow (see ta_umap_sgd.c). eps from
 * ta_umap_prune; work is 3 ne doubles (ne = ptr[nv]). fn may be NULL. Returns 0 or fn's nonzero
 * value. */
int ta_umap_optimize(float *xy, int64_t nv, const int64_t *ptr, const int32_t *col,
                     const double *eps, int64_t n_epochs, double a, double b, uint64_t seed,
                     double *work, ta_umap_epoch_fn fn, void *ctx);

#endif
