/* Measurements for the screening GEMM (not a test; prints numbers, asserts nothing timed).
 *
 *   bench_gemm rates [D ...]
 *       GFLOP/s of one 1024 x 1024 x d tile per engine kind on one thread (OpenBLAS at one
 *       thread; oneDNN at one OpenMP thread), d = 256 512 1024 by default, per wall second and
 *       per CPU second of the thread. The rate counts the
 *       2 m n d flops of the scores, also for bf16x3 (which runs 3 products).
 *   bench_gemm candidates N D K Q [random|script-clustered|meaning-aligned]
 *       For Q query rows against N rows: per query, how many rows a screen of each kind keeps
 *       within 2 delta of its k-th screening score (delta a priori for unit rows; per row
 *       against the worst row; per pair), mean and max over the queries, and whether every
 *       kept set holds the exact top k (canonical scores). */
#include "ta_test.h"

#include "base/ta_blas.h"
#include "base/ta_log.h"
#include "kernels/ta_gemm.h"
#include "kernels/ta_rownorm.h"
#include "kernels/ta_synth.h"
#include "kernels/ta_topk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_gemm: out of memory (%zu bytes)\n", n);
        exit(3);
    }
    return p;
}

static void random_rows(float *x, int64_t rows, int64_t d)
{
    uint8_t *ok = xmalloc((size_t)rows);
    for (int64_t i = 0; i < rows * d; i++)
        x[i] = (float)ta_test_gauss();
    ta_rownorm_normalize(x, rows, d, ok, NULL);
    free(ok);
}

/* CPU seconds of this thread (on a shared machine the rate per CPU second is the core's). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int rates(int argc, char **argv)
{
    enum { B = 1024 };
    int64_t dims[16] = {256, 512, 1024};
    int nd = 3;
    if (argc > 0) {
        nd = argc < 16 ? argc : 16;
        for (int i = 0; i < nd; i++)
            dims[i] = atoll(argv[i]);
    }
    ta_blas_set_threads(1);
    printf("OpenBLAS core %s\n", ta_blas_corename());
    for (int di = 0; di < nd; di++) {
        const int64_t d = dims[di];
        float *x = xmalloc((size_t)2 * B * (size_t)d * sizeof(float));
        float *C = xmalloc((size_t)B * B * sizeof(float));
        random_rows(x, 2 * B, d);
        for (int k = 0; k < 3; k++) {
            ta_gemm_kind_t kind = (ta_gemm_kind_t)k;
            ta_gemm_t *g = NULL;
            if (ta_gemm_create(kind, d, B, 1, &g))
                return 3;
            void *P = xmalloc(ta_gemm_packed_elems(kind, d, B, 2 * B) * ta_gemm_elem_bytes(kind));
            ta_gemm_pack_rows(kind, x, 2 * B, d, B, P);
            const void *A = ta_gemm_row(kind, P, d, B, 0), *Bm = ta_gemm_row(kind, P, d, B, B);
            ta_gemm_tile(g, 0, A, B, Bm, B, C, B); /* warm-up */
            int reps = 0;
            double t0 = ta_now(), c0 = cpu_now(), t = 0;
            while (t < 1.0 || reps < 3) {
                ta_gemm_tile(g, 0, A, B, Bm, B, C, B);
                reps++;
                t = ta_now() - t0;
            }
            const double c = cpu_now() - c0, fl = 2.0 * B * B * (double)d * reps;
            printf("d=%-5lld %-6s engine %-14s oneDNN '%s': %.1f GFLOP/s wall, %.1f per CPU second "
                   "(%.2f ms per tile)\n",
                   (long long)d, ta_gemm_kind_name(kind), ta_gemm_name(g), ta_gemm_impl(g),
                   fl / t * 1e-9, fl / c * 1e-9, 1e3 * t / reps);
            ta_gemm_free(g);
            free(P);
        }
        free(x);
        free(C);
    }
    return 0;
}

/* Descending order of doubles. */
static int desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

typedef struct {
    double sum[3];
    int64_t max[3];
    int64_t missed;
} count_t;

/* Query q: screening scores s[N], canonical scores c[N]; counts the rows kept by the three
 * rules and checks that each kept set holds the exact top k. */
static void count_query(ta_gemm_kind_t kind, int64_t d, int64_t n, int k, const float *s,
                        const double *c, const ta_gemm_rowerr_t *eq, const ta_gemm_rowerr_t *err,
                        const ta_gemm_rowerr_t *emax, double *tmp, count_t *ct)
{
    for (int64_t j = 0; j < n; j++)
        tmp[j] = s[j];
    qsort(tmp, (size_t)n, sizeof *tmp, desc);
    const double kth = tmp[k - 1];
    for (int64_t j = 0; j < n; j++)
        tmp[j] = c[j];
    qsort(tmp, (size_t)n, sizeof *tmp, desc);
    const double ckth = tmp[k - 1]; /* exact k-th canonical score */
    /* Per pair: L = k-th largest lower bound s_j - delta_qj; row j is kept when s_j + delta_qj
     * >= L. */
    double *dp = xmalloc((size_t)n * sizeof *dp);
    for (int64_t j = 0; j < n; j++) {
        dp[j] = ta_gemm_bound(kind, d, eq, &err[j]);
        tmp[j] = s[j] - dp[j];
    }
    qsort(tmp, (size_t)n, sizeof *tmp, desc);
    const double L = tmp[k - 1];
    const double cut[2] = {kth - 2 * ta_gemm_bound_unit(kind, d),
                           kth - 2 * ta_gemm_bound(kind, d, eq, emax)};
    int64_t cnt[3] = {0, 0, 0};
    for (int64_t j = 0; j < n; j++) {
        int keep[3] = {s[j] >= cut[0], s[j] >= cut[1], s[j] + dp[j] >= L};
        for (int r = 0; r < 3; r++) {
            cnt[r] += keep[r];
            /* a row of the exact top k (canonical score above the k-th, or tied) must be kept */
            if (c[j] > ckth && !keep[r])
                ct->missed++;
        }
    }
    for (int r = 0; r < 3; r++) {
        ct->sum[r] += (double)cnt[r];
        if (cnt[r] > ct->max[r])
            ct->max[r] = cnt[r];
    }
    free(dp);
}

static int candidates(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_gemm candidates N D K Q [random|script-clustered|"
                        "meaning-aligned]\n");
        return 2;
    }
    enum { B = 1024 };
    const int64_t n = atoll(argv[0]), d = atoll(argv[1]), Q = atoll(argv[3]);
    const int k = atoi(argv[2]);
    const char *data = argc > 4 ? argv[4] : "random";
    float *x = xmalloc((size_t)n * (size_t)d * sizeof(float));
    ta_synth_preset_t preset;
    if (strcmp(data, "random") == 0) {
        random_rows(x, n, d);
    } else if (ta_synth_preset_parse(data, &preset) == 0) {
        ta_synth_t sy;
        if (ta_synth_init(&sy, preset, n, n, d, 1))
            return 3;
        ta_synth_rows(&sy, 0, n, x);
        ta_synth_free(&sy);
        uint8_t *ok = xmalloc((size_t)n);
        ta_rownorm_normalize(x, n, d, ok, NULL);
        free(ok);
    } else {
        fprintf(stderr, "bench_gemm: unknown data '%s'\n", data);
        return 2;
    }
    /* Queries: Q rows spread over the matrix. */
    int64_t *qi = xmalloc((size_t)Q * sizeof *qi);
    for (int64_t q = 0; q < Q; q++)
        qi[q] = q * (n / Q);
    double *c = xmalloc((size_t)Q * (size_t)n * sizeof *c);
    for (int64_t q = 0; q < Q; q++)
        for (int64_t j = 0; j < n; j++)
            c[q * n + j] = ta_topk_canon_dot(x + qi[q] * d, x + j * d, d);
    float *S = xmalloc((size_t)Q * (size_t)n * sizeof *S);
    float *C = xmalloc((size_t)B * B * sizeof *C);
    float *qx = xmalloc((size_t)B * (size_t)d * sizeof *qx);
    double *tmp = xmalloc((size_t)n * sizeof *tmp);
    ta_gemm_rowerr_t *err = xmalloc((size_t)n * sizeof *err);
    printf("%lld rows (%s), d = %lld, k = %d, %lld queries\n", (long long)n, data, (long long)d, k,
           (long long)Q);
    for (int kk = 0; kk < 3; kk++) {
        const ta_gemm_kind_t kind = (ta_gemm_kind_t)kk;
        ta_gemm_t *g = NULL;
        if (ta_gemm_create(kind, d, B, 1, &g))
            return 3;
        const size_t eb = ta_gemm_elem_bytes(kind);
        void *P = xmalloc(ta_gemm_packed_elems(kind, d, B, n) * eb);
        void *PQ = xmalloc(ta_gemm_packed_elems(kind, d, B, B) * eb);
        ta_gemm_pack_rows(kind, x, n, d, B, P);
        ta_gemm_row_errors(kind, x, n, d, err);
        ta_gemm_rowerr_t emax = {0, 0, 0};
        for (int64_t j = 0; j < n; j++)
            ta_gemm_rowerr_max(&emax, &err[j]);
        double worst = 0;
        for (int64_t q0 = 0; q0 < Q; q0 += B) {
            const int64_t m = Q - q0 < B ? Q - q0 : B;
            for (int64_t q = 0; q < m; q++)
                memcpy(qx + q * d, x + qi[q0 + q] * d, (size_t)d * sizeof(float));
            ta_gemm_pack_rows(kind, qx, m, d, B, PQ);
            for (int64_t j0 = 0; j0 < n; j0 += B) {
                const int64_t w = n - j0 < B ? n - j0 : B;
                ta_gemm_tile(g, 0, PQ, m, ta_gemm_row(kind, P, d, B, j0), w, C, w);
                for (int64_t q = 0; q < m; q++)
                    for (int64_t j = 0; j < w; j++) {
                        S[(q0 + q) * n + j0 + j] = C[q * w + j];
                        double e = fabs((double)C[q * w + j] - c[(q0 + q) * n + j0 + j]);
                        worst = e > worst ? e : worst;
                    }
            }
        }
        count_t ct;
        memset(&ct, 0, sizeof ct);
        for (int64_t q = 0; q < Q; q++)
            count_query(kind, d, n, k, S + q * n, c + q * n, &err[qi[q]], err, &emax, tmp, &ct);
        printf("%-6s (%s): largest |screen - canonical| %.3g; delta unit %.3g, worst row %.3g\n",
               ta_gemm_kind_name(kind), ta_gemm_name(g), worst, ta_gemm_bound_unit(kind, d),
               ta_gemm_bound(kind, d, &emax, &emax));
        static const char *rule[3] = {"2 delta (unit)", "2 delta (row)", "per pair"};
        for (int r = 0; r < 3; r++)
            printf("    within %-15s mean %8.1f  max %7lld  (%.2f k)\n", rule[r],
                   ct.sum[r] / (double)Q, (long long)ct.max[r], ct.sum[r] / (double)Q / k);
        printf("    exact top-k rows not kept: %lld\n", (long long)ct.missed);
        ta_gemm_free(g);
        free(P);
        free(PQ);
    }
    free(x);
    free(qi);
    free(c);
    free(S);
    free(C);
    free(qx);
    free(tmp);
    free(err);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "rates") == 0)
        return rates(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "candidates") == 0)
        return candidates(argc - 2, argv + 2);
    fprintf(stderr, "usage: bench_gemm rates [D ...] | candidates N D K Q [DATA]\n");
    return 2;
}
