/* The writing-system probe: balanced one-vs-rest samples, stratified folds and L2-regularised
 * logistic regression (Wen-Yi & Mimno 2023, section on category identification).
 *
 * Everything here is single-process and deterministic: a task's result depends only on its inputs
 * (the rows, the labels, the seed), never on the rank or thread that computes it.
 *
 * Random numbers: SplitMix64 (base/ta_rand.h), one stream per category; integers in [0, n) by
 * rejection (ta_splitmix_below), so that every value is equally likely. */
#ifndef TA_PROBE_H
#define TA_PROBE_H

#include "base/ta_rand.h"
#include "base/ta_team.h"

#include <stddef.h>
#include <stdint.h>

/* Local. Seeds the generator for one category: SplitMix64 state = seed ^ FNV-1a-64(name) (so that
 * a category's sample does not depend on which other categories exist). */
void ta_probe_rng_seed(ta_splitmix_t *r, uint64_t seed, const char *name);

/* Local. Random undersampling as imbalanced-learn's RandomUnderSampler does it: every sample of
 * the smaller class is kept and the larger class is reduced, without replacement, to the size of
 * the smaller. Token i is positive when code[i] == cat. Draw: the larger class's token ids in
 * ascending order, then a partial Fisher-Yates shuffle (for j = 0..m-1: swap a[j] with
 * a[j + below(n_larger - j)]) whose first m entries are kept. On return ids[0..2m) holds the
 * balanced sample sorted by token id, and label[k] (1 positive, 0 negative) its labels; m is the
 * smaller class's size. ids and label need room for 2 * min(count, n - count); work needs room
 * for n int64. Returns m. */
int64_t ta_probe_undersample(const int32_t *code, int64_t n, int32_t cat, ta_splitmix_t *r,
                             int64_t *ids, uint8_t *label, int64_t *work);

/* Local. Stratified k-fold assignment of a balanced sample (m positives, m negatives, in the
 * order of ids): each class's positions are shuffled by a full Fisher-Yates shuffle (for j =
 * len-1 down to 1: swap a[j] with a[below(j + 1)]), first the negatives then the positives, with
 * the generator r continuing from the undersampling; the t-th sample of the shuffled negatives
 * goes to fold t mod k and the t-th of the positives to fold (t + m) mod k. Each fold so gets
 * floor(m/k) or ceil(m/k) samples of each class, and floor(2m/k) or ceil(2m/k) in total.
 * fold[i] is set for each sample i < 2m; work needs room for 2m int64. */
void ta_probe_folds(const uint8_t *label, int64_t nsamples, int k, ta_splitmix_t *r, int32_t *fold,
                    int64_t *work);

/* Logistic regression: minimise
 *     F(w, b) = C * sum_i log(1 + exp(-y_i (w . x_i + b))) + 0.5 ||w||^2,   y_i in {-1, +1},
 * scikit-learn's objective (penalty l2, intercept not penalised). */
typedef struct {
    double C;        /* 1.0 as in scikit-learn */
    double gtol;     /* stop when max_j |dF/dtheta_j| <= gtol (scikit-learn's tol, 1e-4) */
    double ftol;     /* ... or when (F_prev - F) / max(|F_prev|, |F|, 1) <= ftol (scipy's default
                        factr 1e7, i.e. 2.2e-9, which scikit-learn 1.2 keeps) */
    int max_iter;    /* L-BFGS iterations */
    int block_rows;  /* rows per block of the fused loss/gradient pass (0: about 256 KiB) */
    ta_team_t *team; /* threads of a fit (NULL: the caller alone; the result does not depend on
                        the team's size) */
} ta_probe_opt_t;
/* A third stopping rule belongs to f32 arithmetic: stop when one iteration lowered F by less
 * than F's own rounding noise, estimated at each evaluation as
 *     C * sqrt(sum_i (dloss/dz_i |x_i|)^2) * sqrt(d) * 2^-24 * |w|
 * (each f32 dot product z_i = w . x_i is off by about sqrt(d) 2^-24 |x_i| |w|, and independent
 * errors add up as a random walk). Past that point a line search only meets rounding errors. At
 * the returned point F - F* <= |grad F|^2 / 2 (F is 1-strongly convex in w), which the unit test
 * checks with a double-precision reference gradient. */

/* Local. The defaults above (C 1, gtol 1e-4, ftol 2.2e-9, max_iter 10000, automatic blocks,
 * no team). */
void ta_probe_opt_default(ta_probe_opt_t *o);

typedef struct {
    int iterations;
    int evaluations; /* of F and its gradient */
    int status;      /* liblbfgs return code */
    int converged;   /* 1 when a stopping rule held (or the line search reached float precision) */
    double loss;     /* F at the solution */
    double gnorm;    /* max |gradient| at the solution */
} ta_probe_fit_t;

/* Local. Bytes of workspace ta_probe_fit needs for n rows of dimension d. */
size_t ta_probe_fit_work_bytes(int64_t n, int64_t d, const ta_probe_opt_t *o);

/* Local. Fits the model on the n x d row-major f32 block X with labels y (1/0). w (d doubles) and
 * *b hold the starting point on entry (warm start; zeros for a cold start) and the solution on
 * return. The loss and gradient are computed in blocks of o->block_rows rows: z = X_blk w by
 * sgemv in f32, the per-row terms in double, the block's gradient X_blk^T r by sgemv in f32,
 * accumulated in double. The blocks are grouped into at most 64 chunks (a cut that depends only
 * on n and d) whose sums are added in chunk order, and the threads of o->team share the chunks
 * (from about a million matrix entries on): the result is the same for every team size. OpenBLAS
 * must run one thread per call (the caller sets it). Returns 0, or TA_ERESOURCE / TA_EINTERNAL. */
int ta_probe_fit(const float *X, const uint8_t *y, int64_t n, int64_t d, const ta_probe_opt_t *o,
                 void *work, double *w, double *b, ta_probe_fit_t *info);
/* Local. ta_probe_fit on the rows rows[0 .. n) of X (row-major, d columns; labels y[0 .. n) in
 * the same order), without copying them out first: each block is gathered into the workspace just
 * before its sums, so the result is bit for bit that of ta_probe_fit on the gathered n x d block,
 * and a sample of a matrix that the node's ranks share (mpi/ta_shm.h) needs no copy per rank. */
int ta_probe_fit_rows(const float *X, const int64_t *rows, const uint8_t *y, int64_t n, int64_t d,
                      const ta_probe_opt_t *o, void *work, double *w, double *b,
                      ta_probe_fit_t *info);

/* Local. Fraction of the n rows of X classified correctly (w . x + b > 0 predicts label 1, as
 * scikit-learn's predict does). Computed in double. */
double ta_probe_accuracy(const float *X, const uint8_t *y, int64_t n, int64_t d, const double *w,
                         double b);
/* Local. ta_probe_accuracy over the rows rows[0 .. n) of X. */
double ta_probe_accuracy_rows(const float *X, const int64_t *rows, const uint8_t *y, int64_t n,
                              int64_t d, const double *w, double b);

/* Local. Reference objective and gradient in plain double C (for the tests). g has d + 1 entries
 * (the last is dF/db). Returns F. */
double ta_probe_objective_ref(const float *X, const uint8_t *y, int64_t n, int64_t d, double C,
                              const double *w, double b, double *g);

/* Local. Mean and population standard deviation (ddof = 0, numpy's default) of v[0..n). */
void ta_probe_mean_std(const double *v, int n, double *mean, double *std);

#endif
