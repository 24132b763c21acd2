/* The screening error bound (kernels/ta_bf16.c): on random, synthetic, duplicate, near-duplicate,
 * adversarial (every element rounding the same way with a near-maximal error) and tiny-valued
 * rows, every screening score of the engine differs from the canonical score of the pair by at
 * most the pair's delta, the per-row delta against the worst row, and (unit rows) the a priori
 * delta; the a priori values match the formula worked out by hand. */
#include "ta_test.h"

#include "kernels/ta_gemm.h"
#include "kernels/ta_rownorm.h"
#include "kernels/ta_synth.h"
#include "kernels/ta_topk.h"

#include <stdint.h>

enum { R = 128 };

static void normalise(float *x, int64_t rows, int64_t d)
{
    uint8_t ok[R];
    T_CHECK(ta_rownorm_normalize(x, rows, d, ok, NULL) < 0);
}

/* An element whose bf16 rounding and whose lo's rounding both go down with a near-maximal error:
 * fraction bits 1-7 random, bit 8 clear, bits 9-16 set, bit 17 clear, bits 18-23 set. */
static float adversarial(int e)
{
    uint32_t frac = (uint32_t)(ta_test_rand() & 0x7Fu) << 16 | 0xFFu << 7 | 0x3Fu;
    uint32_t b = (uint32_t)(127 + e) << 23 | frac | (uint32_t)(ta_test_rand() & 1) << 31;
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

typedef enum { RANDOM, SYNTH, DUPLICATE, NEAR_DUPLICATE, ADVERSARIAL, TINY, NSETS } set_t;
static const char *set_name[] = {"random",         "synth",       "duplicate",
                                 "near-duplicate", "adversarial", "tiny"};

/* R rows of dimension d of the given kind of set; returns 1 when the rows are unit rows. */
static int make_rows(set_t set, int64_t d, float *x)
{
    if (set == SYNTH) {
        ta_synth_t s;
        T_EQ_INT(ta_synth_init(&s, TA_SYNTH_SCRIPT_CLUSTERED, R, R, d, 7), 0);
        ta_synth_rows(&s, 0, R, x);
        ta_synth_free(&s);
        normalise(x, R, d);
        return 1;
    }
    if (set == ADVERSARIAL) {
        /* Not renormalised (that would change the mantissas): scaled by a power of two so that
         * the norm is at most 1; half the rows repeat the other half (the error of a row with
         * itself adds up coherently). */
        int sh = 0; /* elements below 2^(2 - sh), so norm^2 < d 2^(4 - 2 sh) <= 1 */
        while ((1 << (2 * sh)) < 16 * d)
            sh++;
        for (int64_t i = 0; i < R / 2; i++)
            for (int64_t k = 0; k < d; k++)
                x[i * d + k] = adversarial(-sh + (int)(ta_test_rand() % 2));
        memcpy(x + R / 2 * d, x, (size_t)(R / 2) * (size_t)d * sizeof(float));
        return 0;
    }
    for (int64_t i = 0; i < R * d; i++)
        x[i] = (float)ta_test_gauss();
    if (set == TINY) /* a third of the elements subnormal or nearly so */
        for (int64_t i = 0; i < R * d; i += 3)
            x[i] *= 1e-39f;
    if (set == DUPLICATE)
        memcpy(x + R / 2 * d, x, (size_t)(R / 2) * (size_t)d * sizeof(float));
    normalise(x, R, d);
    if (set == NEAR_DUPLICATE) {
        for (int64_t i = R / 2; i < R; i++)
            for (int64_t k = 0; k < d; k++)
                x[i * d + k] =
                    x[(i - R / 2) * d + k] + (float)(ta_test_gauss() * (i % 2 ? 1e-3 : 1e-6));
        normalise(x + R / 2 * d, R / 2, d);
    }
    return 1;
}

static void check_set(ta_gemm_kind_t kind, set_t set, int64_t d)
{
    float *x = malloc((size_t)R * (size_t)d * sizeof(float));
    void *P = malloc(ta_gemm_packed_elems(kind, d, R, R) * ta_gemm_elem_bytes(kind));
    float *C = malloc((size_t)R * R * sizeof(float));
    ta_gemm_rowerr_t err[R], emax = {0, 0, 0};
    const int unit = make_rows(set, d, x);
    ta_gemm_pack_rows(kind, x, R, d, R, P);
    ta_gemm_row_errors(kind, x, R, d, err);
    for (int i = 0; i < R; i++) {
        T_CHECK(err[i].norm <= 1 + 0x1p-20);
        ta_gemm_rowerr_max(&emax, &err[i]);
    }
    ta_gemm_t *g = NULL;
    T_EQ_INT(ta_gemm_create(kind, d, R, 1, &g), 0);
    ta_gemm_tile(g, 0, P, R, P, R, C, R);
    const double dunit = ta_gemm_bound_unit(kind, d);
    double worst = 0, ratio = 0, dsum = 0;
    for (int i = 0; i < R; i++) {
        const double drow = ta_gemm_bound(kind, d, &err[i], &emax);
        for (int j = 0; j < R; j++) {
            const double c = ta_topk_canon_dot(x + i * d, x + j * d, d);
            const double e = fabs((double)C[i * R + j] - c);
            const double dp = ta_gemm_bound(kind, d, &err[i], &err[j]);
            T_CHECK(e <= dp);
            T_CHECK(dp <= drow);
            if (unit)
                T_CHECK(drow <= dunit);
            worst = fmax(worst, e);
            ratio = fmax(ratio, e / dp);
            dsum += dp;
        }
    }
    printf("%-6s d=%-4lld %-14s max error %.3g, mean pair delta %.3g (unit delta %.3g), largest "
           "error / pair delta %.3f\n",
           ta_gemm_kind_name(kind), (long long)d, set_name[set], worst, dsum / (R * R), dunit,
           ratio);
    ta_gemm_free(g);
    free(x);
    free(P);
    free(C);
}

int main(void)
{
    /* Hand-worked a priori values at d = 512 (b = 2^-8, unit rows, ua = 2^-23):
     * bf16: 2b + b^2 + gamma_512 (1 + b)^2 + 2^-24 + 512 2^-52 = 0.0078893;
     * bf16x3: ~3 b^2 + gamma_1536 (1 + b)^2 (1 + 2b) = 2.3198e-4;
     * f32: gamma_512 + 2^-24 = 6.1099e-5, within the margin ta_topk_score_margin uses. */
    T_NEAR(ta_gemm_bound_unit(TA_GEMM_BF16, 512), 0.0078893388, 1e-9);
    T_NEAR(ta_gemm_bound_unit(TA_GEMM_BF16X3, 512), 2.3198203e-4, 1e-11);
    T_NEAR(ta_gemm_bound_unit(TA_GEMM_F32, 512), 6.1098516e-5, 1e-12);
    T_CHECK(ta_gemm_bound_unit(TA_GEMM_F32, 512) <= ta_topk_score_margin(512));
    static const int64_t dims[] = {64, 512, 1000};
    for (int k = 0; k < 3; k++)
        for (int di = 0; di < 3; di++)
            for (int s = 0; s < NSETS; s++)
                check_set((ta_gemm_kind_t)k, (set_t)s, dims[di]);
    return ta_test_finish("gemm_unit_bound");
}
