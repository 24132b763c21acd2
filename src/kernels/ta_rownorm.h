/* Row norms and L2 normalisation of f32 embedding rows: the one normaliser of every command
 * (neighbors, probe, diversity --embeddings, ingest's /norms).
 *
 * Arithmetic, the same on every rank and thread count: the sum of squares of a row is
 * accumulated in double in column order (each f32 x f32 product is exact in double; only the
 * additions round, always in the same order); the norm is sqrt of that sum in double; a row is
 * scaled by 1 / norm in double, each value rounded to f32 once. The scale must stay in double:
 * 1 / norm overflows a float for rows whose norm is below about 3e-39.
 *
 * A row holding a NaN or an infinity has no norm: the functions stop at the first such row and
 * return its index (the caller names the file and the row; ta_rownorm_bad_column finds the
 * column). A row of zeros has norm 0: it is left as zeros and counted. Kernels: plain arrays,
 * no allocation, no output. */
#ifndef TA_ROWNORM_H
#define TA_ROWNORM_H

#include <stdint.h>

/* Local. Sum of squares of x[0..d) in double, in column order. */
double ta_rownorm_sumsq(const float *x, int64_t d);

/* The rows of zeros one call met: how many, and the first (-1 when none). */
typedef struct {
    int64_t count, first;
} ta_rownorm_zeros_t;

/* Local. norm[i] = the L2 norm of row i of the rows x d matrix x (row-major); z (may be NULL)
 * receives the zero rows. Returns the first row holding a NaN or an infinity (norm[] and z cover
 * the rows before it), or -1. */
int64_t ta_rownorm_norms(const float *x, int64_t rows, int64_t d, double *norm,
                         ta_rownorm_zeros_t *z);

/* Local. L2-normalises the rows of x in place. ok[i] = 1 for a row of positive norm, 0 for a row
 * of zeros (left as zeros; ok may be NULL); z (may be NULL) receives the zero rows. Returns the
 * first row holding a NaN or an infinity (the rows before it are normalised), or -1. */
int64_t ta_rownorm_normalize(float *x, int64_t rows, int64_t d, uint8_t *ok, ta_rownorm_zeros_t *z);

/* Local. The first column of x[0..d) that is NaN or infinite, or -1. */
int64_t ta_rownorm_bad_column(const float *x, int64_t d);

#endif
