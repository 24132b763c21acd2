/* The screening GEMM engine: bf16 rounding against an independent rounding (frexp and
 * nearbyint), the packed layouts, and every engine kind against a double reference of its
 * operands on odd shapes, from several threads at once. CTest runs it also under
 * ONEDNN_MAX_CPU_ISA caps so that each oneDNN dispatch (AMX, AVX512-BF16, AVX-512 emulation,
 * none) is reached on a machine that has it. */
#include "ta_test.h"

#include "kernels/ta_gemm.h"

#include <float.h>
#include <pthread.h>
#include <stdint.h>

static float from_bits(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
static uint32_t bits(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* Round to 8 significant bits by arithmetic: the quantum of x's binade (2^-133 below the
 * normal range, which bf16 shares with f32), nearbyint (ties to even), infinity past the
 * largest bf16. */
static float round_ref(float x)
{
    if (x == 0 || !isfinite(x))
        return x;
    int e;
    frexp(x, &e); /* |x| = m 2^e, m in [0.5, 1) */
    double q = e <= -126 ? 0x1p-133 : ldexp(1.0, e - 8);
    double r = nearbyint((double)x / q) * q;
    if (fabs(r) > 0x1.FEp127)
        return r > 0 ? INFINITY : -INFINITY;
    return (float)r;
}

static void check_round_one(float x)
{
    float got = ta_bf16_float(ta_bf16_round(x)), want = round_ref(x);
    if (isnan(x)) {
        T_CHECK(isnan(got));
        return;
    }
    if (bits(got) != bits(want)) {
        fprintf(stderr, "bf16 round of %a (0x%08x): 0x%08x, expected 0x%08x\n", x, bits(x),
                bits(got), bits(want));
        ta_test_failures++;
    }
}

static void test_round(void)
{
    /* Hand-worked: 1 + 2^-8 is the midpoint of 1 and 1 + 2^-7 (ties to the even 1); 1 + 3 2^-8
     * lies between 1 + 2^-7 and 1 + 2^-6 (ties to the even 1 + 2^-6). */
    T_EQ_INT(ta_bf16_round(1.0f), 0x3F80);
    T_EQ_INT(ta_bf16_round(1.0f + 0x1p-8f), 0x3F80);
    T_EQ_INT(ta_bf16_round(1.0f + 3 * 0x1p-8f), 0x3F82);
    T_EQ_INT(ta_bf16_round(1.0f + 0x1p-8f + 0x1p-23f), 0x3F81);
    T_EQ_INT(ta_bf16_round(-0.0f), 0x8000);
    T_EQ_INT(ta_bf16_round(FLT_MAX), 0x7F80);
    T_EQ_INT(ta_bf16_round(-INFINITY), 0xFF80);
    T_CHECK(isnan(ta_bf16_float(ta_bf16_round(NAN))));
    T_CHECK(isnan(ta_bf16_float(ta_bf16_round(from_bits(0x7F800001u))))); /* not infinity */
    T_EQ_INT(ta_bf16_round(from_bits(0x00008000u)), 0x0000);              /* tie, to even 0 */
    T_EQ_INT(ta_bf16_round(from_bits(0x00018000u)), 0x0002);              /* tie, to even */
    /* Every bit pattern on a coarse stride, and ties and near-ties with random high halves. */
    for (uint64_t b = 0; b < 0x100000000ull; b += 9973)
        check_round_one(from_bits((uint32_t)b));
    static const uint32_t low[] = {0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF};
    for (int i = 0; i < 20000; i++)
        for (int j = 0; j < 6; j++)
            check_round_one(from_bits((uint32_t)(ta_test_rand() & 0xFFFF0000u) | low[j]));
}

static void test_pack(void)
{
    enum { D = 37, BLK = 3, R = 5 };
    float x[R * D];
    for (int k = 0; k < R * D; k++)
        x[k] = (float)ta_test_gauss() * (k % 5 == 0 ? 1e-30f : 1.0f);
    /* Two blocks of 3 rows, each [hi plane | lo plane]. */
    T_EQ_INT(ta_gemm_packed_elems(TA_GEMM_BF16X3, D, BLK, R), 2 * 2 * BLK * D);
    T_EQ_INT(ta_gemm_packed_elems(TA_GEMM_BF16, D, BLK, R), R * D);
    uint16_t p[2 * 2 * BLK * D];
    ta_gemm_pack_rows(TA_GEMM_BF16X3, x, R, D, BLK, p);
    for (int i = 0; i < R; i++) {
        const uint16_t *h = ta_gemm_row(TA_GEMM_BF16X3, p, D, BLK, i);
        T_CHECK(h == p + (i / BLK) * 2 * BLK * D + (i % BLK) * D);
        for (int k = 0; k < D; k++) {
            double xv = x[i * D + k], hv = ta_bf16_float(h[k]), lv = ta_bf16_float(h[BLK * D + k]);
            T_EQ_INT(h[k], ta_bf16_round(x[i * D + k]));
            T_EQ_INT(h[BLK * D + k], ta_bf16_round((float)(xv - hv)));
            /* x = hi + lo + t with |t| <= 2^-16 |x| */
            T_CHECK(fabs(xv - hv - lv) <= 0x1p-16 * fabs(xv));
        }
    }
    uint16_t q[R * D];
    ta_gemm_pack_rows(TA_GEMM_BF16, x, R, D, BLK, q);
    for (int k = 0; k < R * D; k++)
        T_EQ_INT(q[k], ta_bf16_round(x[k]));
    T_CHECK(ta_gemm_row(TA_GEMM_BF16, q, D, BLK, 4) == q + 4 * D);
}

/* Norm of the K = 3d elements a packed row gives as left (side 0: [h, h, l]) or right factor
 * (side 1: [h, l, h]); d elements for the other kinds. */
static double opnorm(ta_gemm_kind_t kind, int64_t d, int64_t blk, const void *row, int side)
{
    double s = 0;
    for (int64_t k = 0; k < d; k++) {
        double v = kind == TA_GEMM_F32 ? ((const float *)row)[k]
                                       : ta_bf16_float(((const uint16_t *)row)[k]);
        s += v * v;
        if (kind == TA_GEMM_BF16X3) {
            double l = ta_bf16_float(((const uint16_t *)row)[blk * d + k]);
            s += side ? l * l + v * v : v * v + l * l;
        }
    }
    return sqrt(s) * (1 + 0x1p-30);
}

enum { MAXR = 64 };

typedef struct {
    ta_gemm_t *g;
    int slot;
    const void *A, *B;
    int64_t m, n, ldc;
    float *C;
} call_t;

static void *run_call(void *p)
{
    call_t *c = p;
    ta_gemm_tile(c->g, c->slot, c->A, c->m, c->B, c->n, c->C, c->ldc);
    return NULL;
}

/* One kind at dimension d: packed random rows (normalised), every (m, n) shape of a list, each
 * computed by slot 0 and, concurrently, by slots 1 and 2 from two threads. */
static void test_engine(ta_gemm_kind_t kind, int64_t d)
{
    ta_gemm_t *g = NULL;
    T_EQ_INT(ta_gemm_create(kind, d, MAXR, 3, &g), 0);
    if (!g)
        return;
    if (d == 64)
        printf("kind %s: engine %s, oneDNN implementation '%s'\n", ta_gemm_kind_name(kind),
               ta_gemm_name(g), ta_gemm_impl(g));
    if (kind == TA_GEMM_F32)
        T_EQ_STR(ta_gemm_name(g), "f32-openblas");
    else if (ta_gemm_onednn(g))
        T_CHECK(strncmp(ta_gemm_name(g), ta_gemm_kind_name(kind),
                        strlen(ta_gemm_kind_name(kind))) == 0 &&
                ta_gemm_impl(g)[0] != '\0');
    else
        T_EQ_STR(ta_gemm_name(g), kind == TA_GEMM_BF16 ? "bf16-sgemm" : "bf16x3-sgemm");
    const int64_t K = ta_gemm_inner(kind, d);
    const size_t eb = ta_gemm_elem_bytes(kind);
    float *x = malloc((size_t)MAXR * 2 * (size_t)d * sizeof(float));
    unsigned char *P = malloc(ta_gemm_packed_elems(kind, d, MAXR, 2 * MAXR) * eb);
    float *C[3];
    for (int t = 0; t < 3; t++)
        C[t] = malloc((size_t)MAXR * (MAXR + 3) * sizeof(float));
    for (int64_t i = 0; i < 2 * MAXR; i++) {
        double ss = 0;
        for (int64_t k = 0; k < d; k++) {
            x[i * d + k] = (float)ta_test_gauss();
            ss += (double)x[i * d + k] * x[i * d + k];
        }
        for (int64_t k = 0; k < d; k++)
            x[i * d + k] = (float)(x[i * d + k] / sqrt(ss));
    }
    ta_gemm_pack_rows(kind, x, 2 * MAXR, d, MAXR, P);
    /* Block 0 holds the left rows, block 1 the right ones; a tile takes the last m (n) rows of
     * its block, so that smaller tiles start mid-block. */
    static const int64_t shapes[] = {1, 5, 16, 37, MAXR};
    const double gam = (double)K * 0x1p-23 / (1 - (double)K * 0x1p-23);
    double worst = 0;
    for (int sm = 0; sm < 5; sm++)
        for (int sn = 0; sn < 5; sn++) {
            const int64_t m = shapes[sm], n = shapes[sn], ldc = (sm + sn) % 2 ? n + 3 : n;
            const int64_t a0 = MAXR - m, b0 = 2 * MAXR - n;
            const void *A = ta_gemm_row(kind, P, d, MAXR, a0);
            const void *B = ta_gemm_row(kind, P, d, MAXR, b0);
            for (int t = 0; t < 3; t++)
                for (int64_t e = 0; e < MAXR * (MAXR + 3); e++)
                    C[t][e] = -7.0f; /* sentinel: columns past n must stay */
            ta_gemm_tile(g, 0, A, m, B, n, C[0], ldc);
            call_t c1 = {g, 1, A, B, m, n, ldc, C[1]}, c2 = {g, 2, A, B, m, n, ldc, C[2]};
            pthread_t t1, t2;
            T_EQ_INT(pthread_create(&t1, NULL, run_call, &c1), 0);
            T_EQ_INT(pthread_create(&t2, NULL, run_call, &c2), 0);
            pthread_join(t1, NULL);
            pthread_join(t2, NULL);
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < ldc; j++) {
                    const int64_t e = i * ldc + j;
                    if (j >= n) {
                        T_CHECK(C[0][e] == -7.0f && C[1][e] == -7.0f && C[2][e] == -7.0f);
                        continue;
                    }
                    T_CHECK(bits(C[0][e]) == bits(C[1][e]) && bits(C[0][e]) == bits(C[2][e]));
                    /* Accumulation error only: the double reference of the packed operands,
                     * within gamma_K times the sum of |products| (bounded by Cauchy-Schwarz
                     * with the operand norms). */
                    const void *a = ta_gemm_row(kind, P, d, MAXR, a0 + i);
                    const void *b = ta_gemm_row(kind, P, d, MAXR, b0 + j);
                    double ref = ta_gemm_dot_ref(kind, d, MAXR, a, b);
                    double na = opnorm(kind, d, MAXR, a, 0), nb = opnorm(kind, d, MAXR, b, 1);
                    double err = fabs((double)C[0][e] - ref), tol = gam * na * nb + 1e-30;
                    if (err > worst)
                        worst = err;
                    if (!(err <= tol)) {
                        fprintf(stderr, "%s d=%lld %lldx%lld (%lld,%lld): %.9g vs %.12g\n",
                                ta_gemm_kind_name(kind), (long long)d, (long long)m, (long long)n,
                                (long long)i, (long long)j, C[0][e], ref);
                        ta_test_failures++;
                    }
                }
        }
    T_EQ_INT(ta_gemm_fallbacks(g), 0);
    ta_gemm_free(g);
    free(x);
    free(P);
    for (int t = 0; t < 3; t++)
        free(C[t]);
}

int main(void)
{
    const char *isa = getenv("ONEDNN_MAX_CPU_ISA");
    printf("ONEDNN_MAX_CPU_ISA=%s\n", isa ? isa : "(unset)");
    test_round();
    test_pack();
    static const int64_t dims[] = {1, 3, 17, 64, 300, 512};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 6; i++)
            test_engine((ta_gemm_kind_t)k, dims[i]);
    return ta_test_finish("gemm_unit_engine");
}
