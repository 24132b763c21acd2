/* Unit test of src/kernels/ta_rownorm.c, the one row normaliser, against hand-worked rows and
 * against a long-double reference (a wider type and another summation order: the double sum of
 * exact products must agree to a few ulps, and the normalised row must have norm 1 to f32
 * precision): NaN and Inf rows stop the pass at the right row and column, zero rows are counted
 * with the first one and left as zeros, tiny rows (norm below 1e-38, whose 1 / norm overflows a
 * float) and huge rows (squares beyond the float range) normalise to unit length. */
#include "kernels/ta_rownorm.h"
#include "ta_test.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

static void test_hand(void)
{
    /* 3-4-5 and 1-2-2 (norm 3) rows, a zero row, then a row of 12 x 0.5 (norm sqrt(3)). */
    float x[4 * 12] = {3, 4};
    x[12] = 1, x[13] = 2, x[14] = 2;
    for (int j = 0; j < 12; j++)
        x[36 + j] = 0.5f;
    double norm[4];
    ta_rownorm_zeros_t z;
    T_EQ_INT(ta_rownorm_norms(x, 4, 12, norm, &z), -1);
    T_CHECK(norm[0] == 5 && norm[1] == 3 && norm[2] == 0 && norm[3] == sqrt(3.0));
    T_CHECK(z.count == 1 && z.first == 2);
    uint8_t ok[4];
    T_EQ_INT(ta_rownorm_normalize(x, 4, 12, ok, &z), -1);
    T_CHECK(ok[0] == 1 && ok[1] == 1 && ok[2] == 0 && ok[3] == 1);
    T_CHECK(z.count == 1 && z.first == 2);
    /* 3 * (1/5) in double, rounded once to f32: the nearest float to 0.6. */
    T_CHECK(x[0] == 0.6f && x[1] == 0.8f && x[2] == 0);
    T_CHECK(x[12] == (float)(1.0 / 3) && x[13] == (float)(2.0 / 3) && x[14] == (float)(2.0 / 3));
    int zero = 1;
    for (int j = 0; j < 12; j++)
        zero &= x[24 + j] == 0;
    T_CHECK(zero);
    T_CHECK(x[36] == (float)(0.5 / sqrt(3.0)));
}

static void test_bad(void)
{
    float x[5 * 3] = {1, 2, 3, 0, 0, 0, 4, 5, 6, 7, NAN, 8, 1, 1, 1};
    double norm[5];
    ta_rownorm_zeros_t z;
    T_EQ_INT(ta_rownorm_norms(x, 5, 3, norm, &z), 3);
    T_CHECK(z.count == 1 && z.first == 1);
    T_EQ_INT(ta_rownorm_bad_column(x + 9, 3), 1);
    T_EQ_INT(ta_rownorm_bad_column(x, 3), -1);
    x[10] = -INFINITY;
    T_EQ_INT(ta_rownorm_normalize(x, 5, 3, NULL, NULL), 3);
    T_EQ_INT(ta_rownorm_bad_column(x + 9, 3), 1);
    /* The rows before the bad one are normalised, the bad one and the rest untouched. */
    T_CHECK(x[9] == 7 && x[12] == 1);
    T_CHECK(fabs(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] - 1) < 1e-6);
    /* Inf in the last column of the first row. */
    float y[2] = {1, INFINITY};
    T_EQ_INT(ta_rownorm_normalize(y, 1, 2, NULL, NULL), 0);
    T_EQ_INT(ta_rownorm_bad_column(y, 2), 1);
}

static void test_extremes(void)
{
    /* Norm 2e-40 (subnormal floats): 1 / norm = 5e39 overflows a float, not a double. */
    float tiny[2] = {1e-40f, 1e-40f}, huge[3] = {FLT_MAX, FLT_MAX, -FLT_MAX};
    T_EQ_INT(ta_rownorm_normalize(tiny, 1, 2, NULL, NULL), -1);
    T_CHECK(fabsf(tiny[0] - 0.70710678f) < 1e-6f && tiny[0] == tiny[1]);
    T_EQ_INT(ta_rownorm_normalize(huge, 1, 3, NULL, NULL), -1);
    T_CHECK(fabsf(huge[0] - 0.57735027f) < 1e-6f && huge[2] == -huge[0]);
}

/* Pseudo-random rows of mixed magnitudes against a long-double reference. */
static void test_reference(void)
{
    enum { R = 50, D = 777 };
    static float x[R * D];
    uint64_t s = 12345;
    for (int i = 0; i < R * D; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        x[i] = (float)(u * pow(10.0, (double)(i % 7) - 3));
    }
    double norm[R];
    T_EQ_INT(ta_rownorm_norms(x, R, D, norm, NULL), -1);
    int bad = 0;
    for (int r = 0; r < R; r++) {
        long double ss = 0;
        for (int j = D - 1; j >= 0; j--)
            ss += (long double)x[r * D + j] * x[r * D + j];
        bad += fabsl(sqrtl(ss) - norm[r]) > 1e-14L * sqrtl(ss);
    }
    T_EQ_INT(bad, 0);
    T_EQ_INT(ta_rownorm_normalize(x, R, D, NULL, NULL), -1);
    for (int r = 0; r < R; r++) {
        long double ss = 0;
        for (int j = 0; j < D; j++)
            ss += (long double)x[r * D + j] * x[r * D + j];
        bad += fabsl(ss - 1) > 1e-6L;
    }
    T_EQ_INT(bad, 0);
}

int main(void)
{
    test_hand();
    test_bad();
    test_extremes();
    test_reference();
    return ta_test_finish("kernels_unit_rownorm");
}
