/* Row norms and L2 normalisation (see ta_rownorm.h for the arithmetic). */
#include "kernels/ta_rownorm.h"

#include <math.h>

double ta_rownorm_sumsq(const float *x, int64_t d)
{
    double ss = 0;
    for (int64_t j = 0; j < d; j++)
        ss += (double)x[j] * (double)x[j];
    return ss;
}

/* The sum of squares of row i, or -1 when the row holds a NaN or an infinity; counts zeros. A
 * finite f32 row cannot overflow the double sum (d x 2^256 is far below 2^1024), so a non-finite
 * sum means a NaN or an infinity in the row. */
static double row_sumsq(const float *v, int64_t i, int64_t d, ta_rownorm_zeros_t *z)
{
    double ss = ta_rownorm_sumsq(v, d);
    if (!isfinite(ss))
        return -1;
    if (ss == 0 && z) {
        if (z->count++ == 0)
            z->first = i;
    }
    return ss;
}

int64_t ta_rownorm_norms(const float *x, int64_t rows, int64_t d, double *norm,
                         ta_rownorm_zeros_t *z)
{
    if (z)
        *z = (ta_rownorm_zeros_t){0, -1};
    for (int64_t i = 0; i < rows; i++) {
        double ss = row_sumsq(x + i * d, i, d, z);
        if (ss < 0)
            return i;
        norm[i] = sqrt(ss);
    }
    return -1;
}

int64_t ta_rownorm_normalize(float *x, int64_t rows, int64_t d, uint8_t *ok, ta_rownorm_zeros_t *z)
{
    if (z)
        *z = (ta_rownorm_zeros_t){0, -1};
    for (int64_t i = 0; i < rows; i++) {
        float *v = x + i * d;
        double ss = row_sumsq(v, i, d, z);
        if (ss < 0)
            return i;
        if (ok)
            ok[i] = ss > 0;
        if (ss > 0) {
            double inv = 1.0 / sqrt(ss);
            for (int64_t j = 0; j < d; j++)
                v[j] = (float)((double)v[j] * inv);
        }
    }
    return -1;
}

int64_t ta_rownorm_bad_column(const float *x, int64_t d)
{
    for (int64_t j = 0; j < d; j++)
        if (!isfinite(x[j]))
            return j;
    return -1;
}
