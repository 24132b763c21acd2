/* Unit tests of src/kernels/ta_probe.c: the generator's seeding per category, undersampling and
 * fold counts against their definitions, and the L-BFGS fit against a plain double reference
 * objective (the gradient must vanish at the solution). */
#include "kernels/ta_probe.h"
#include "ta_test.h"

#include <stdint.h>

static void test_rng(void)
{
    /* The generator itself is tested in test_base_rand.c; here: the category's stream is
     * seed ^ FNV-1a(name), and different names give different streams. */
    ta_splitmix_t a, b;
    ta_probe_rng_seed(&a, 1, "LATIN");
    ta_probe_rng_seed(&b, 1, "CYRILLIC");
    T_CHECK(a.s == (1 ^ ta_fnv1a_str("LATIN")));
    T_CHECK(ta_splitmix_next(&a) != ta_splitmix_next(&b));
}

static void test_sampling(int64_t n, int32_t ncat, int k)
{
    int32_t *code = malloc((size_t)n * sizeof *code);
    int64_t *ids = malloc((size_t)n * sizeof *ids), *work = malloc((size_t)n * sizeof *work);
    uint8_t *label = malloc((size_t)n);
    int32_t *fold = malloc((size_t)n * sizeof *fold);
    ta_splitmix_t r;
    ta_probe_rng_seed(&r, 7, "codes");
    /* Skewed sizes: category c gets weight c + 1 squared. */
    for (int64_t i = 0; i < n; i++) {
        uint64_t v = ta_splitmix_below(&r, (uint64_t)(ncat * (ncat + 1) * (2 * ncat + 1) / 6));
        int32_t c = 0;
        uint64_t acc = 1;
        while (v >= acc) {
            c++;
            acc += (uint64_t)(c + 1) * (uint64_t)(c + 1);
        }
        code[i] = c;
    }
    for (int32_t c = 0; c < ncat; c++) {
        int64_t cnt = 0;
        for (int64_t i = 0; i < n; i++)
            cnt += code[i] == c;
        int64_t small = cnt < n - cnt ? cnt : n - cnt;
        ta_probe_rng_seed(&r, 42, "x");
        int64_t m = ta_probe_undersample(code, n, c, &r, ids, label, work);
        T_EQ_INT(m, small);
        int64_t np = 0;
        for (int64_t s = 0; s < 2 * m; s++) {
            T_CHECK(ids[s] >= 0 && ids[s] < n);
            if (s > 0)
                T_CHECK(ids[s] > ids[s - 1]); /* sorted, no repeats */
            T_EQ_INT(label[s], code[ids[s]] == c);
            np += label[s];
        }
        T_EQ_INT(np, m);
        /* The smaller class is kept whole. */
        int pos_smaller = cnt <= n - cnt;
        int64_t kept = 0;
        for (int64_t s = 0; s < 2 * m; s++)
            kept += label[s] == pos_smaller;
        T_EQ_INT(kept, small);
        if (m < k)
            continue;
        ta_probe_folds(label, 2 * m, k, &r, fold, work);
        int64_t lo = m / k, hi = (m + k - 1) / k;
        for (int f = 0; f < k; f++) {
            int64_t cp = 0, cn = 0;
            for (int64_t s = 0; s < 2 * m; s++) {
                T_CHECK(fold[s] >= 0 && fold[s] < k);
                if (fold[s] == f)
                    *(label[s] ? &cp : &cn) += 1;
            }
            T_CHECK(cp >= lo && cp <= hi);
            T_CHECK(cn >= lo && cn <= hi);
            T_CHECK(cp + cn >= (2 * m) / k && cp + cn <= (2 * m + k - 1) / k);
        }
    }
    free(code);
    free(ids);
    free(work);
    free(label);
    free(fold);
}

/* Two Gaussian classes in d dimensions, means +-sep along the first axis. */
static void make_data(int64_t n, int64_t d, double sep, uint64_t seed, float *X, uint8_t *y)
{
    ta_splitmix_t r = {seed};
    for (int64_t i = 0; i < n; i++) {
        y[i] = (uint8_t)(i % 2);
        for (int64_t j = 0; j < d; j++) {
            /* Box-Muller from two uniforms. */
            double u1 = ((double)(ta_splitmix_next(&r) >> 11) + 0.5) / 9007199254740992.0;
            double u2 = ((double)(ta_splitmix_next(&r) >> 11) + 0.5) / 9007199254740992.0;
            double g = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            X[i * d + j] = (float)(g * 0.3 + (j == 0 ? (y[i] ? sep : -sep) : 0));
        }
    }
}

static void test_fit(int64_t n, int64_t d, double sep, int block_rows)
{
    float *X = malloc((size_t)(n * d) * sizeof *X);
    uint8_t *y = malloc((size_t)n);
    make_data(n, d, sep, (uint64_t)(n * 31 + d), X, y);
    ta_probe_opt_t o;
    ta_probe_opt_default(&o);
    o.block_rows = block_rows;
    o.gtol = 1e-5;
    void *work = malloc(ta_probe_fit_work_bytes(n, d, &o));
    double *w = calloc((size_t)d, sizeof *w), b = 0, *g = malloc((size_t)(d + 1) * sizeof *g);
    ta_probe_fit_t info;
    T_EQ_INT(ta_probe_fit(X, y, n, d, &o, work, w, &b, &info), 0);
    T_CHECK(info.converged);
    double f = ta_probe_objective_ref(X, y, n, d, o.C, w, b, g);
    /* Optimality: F is 1-strongly convex in w (the 0.5 ||w||^2 term) and strongly convex in b
     * as long as some sigma(1 - sigma) is not tiny, so F - F* <= ||g||^2 / 2: the reference
     * gradient at the solution bounds the distance to the optimum. */
    double gg = 0;
    for (int64_t j = 0; j <= d; j++)
        gg += g[j] * g[j];
    if (!(gg / 2 <= 1e-7 * fmax(1.0, fabs(f))))
        fprintf(stderr, "n=%lld d=%lld sep=%g |g|^2/2=%g f=%g iters=%d\n", (long long)n,
                (long long)d, sep, gg / 2, f, info.iterations);
    T_CHECK(gg / 2 <= 1e-7 * fmax(1.0, fabs(f)));
    T_NEAR(info.loss, f, 1e-4 * fmax(1, fabs(f)));
    /* No step along a coordinate lowers the reference objective. */
    double *w2 = malloc((size_t)d * sizeof *w2), g2[512];
    for (int64_t j = 0; j < d && j < 4; j++) {
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            for (int64_t t = 0; t < d; t++)
                w2[t] = w[t];
            w2[j] += sgn * 1e-2;
            T_CHECK(ta_probe_objective_ref(X, y, n, d, o.C, w2, b, g2) >= f - 1e-6 * fabs(f));
        }
    }
    double acc = ta_probe_accuracy(X, y, n, d, w, b);
    if (sep >= 2)
        T_NEAR(acc, 1.0, 0);
    else
        T_CHECK(acc > 0.5);
    /* A warm start at the solution stops at once with the same answer. */
    double b0 = b;
    T_EQ_INT(ta_probe_fit(X, y, n, d, &o, work, w, &b, &info), 0);
    T_CHECK(info.iterations <= 1);
    T_NEAR(b, b0, 1e-4);
    free(X);
    free(y);
    free(work);
    free(w);
    free(w2);
    free(g);
}

static void test_objective_gradient(void)
{
    /* The reference gradient against central differences of the reference objective. */
    int64_t n = 40, d = 5;
    float X[200];
    uint8_t y[40];
    make_data(n, d, 0.5, 3, X, y);
    double w[5] = {0.3, -0.2, 0.1, 0.5, -0.7}, b = 0.2, g[6], gd[6];
    ta_probe_objective_ref(X, y, n, d, 1.0, w, b, g);
    for (int j = 0; j <= d; j++) {
        double h = 1e-6, wp[5], wm[5];
        for (int t = 0; t < d; t++)
            wp[t] = wm[t] = w[t];
        double bp = b, bm = b;
        if (j < d) {
            wp[j] += h;
            wm[j] -= h;
        } else {
            bp += h;
            bm -= h;
        }
        double fp = ta_probe_objective_ref(X, y, n, d, 1.0, wp, bp, gd);
        double fm = ta_probe_objective_ref(X, y, n, d, 1.0, wm, bm, gd);
        T_NEAR(g[j], (fp - fm) / (2 * h), 1e-5);
    }
}

/* The same fit with 1, 2 and 3 threads gives the same bits (n d above the threading threshold). */
static void test_threads(int64_t n, int64_t d)
{
    float *X = malloc((size_t)(n * d) * sizeof *X);
    uint8_t *y = malloc((size_t)n);
    make_data(n, d, 0.2, 99, X, y);
    double ref[65] = {0}, rb = 0;
    for (int T = 1; T <= 3; T++) {
        ta_probe_opt_t o;
        ta_probe_opt_default(&o);
        T_EQ_INT(ta_team_create(T, &o.team), 0);
        void *work = malloc(ta_probe_fit_work_bytes(n, d, &o));
        double w[64] = {0}, b = 0;
        ta_probe_fit_t info;
        T_EQ_INT(ta_probe_fit(X, y, n, d, &o, work, w, &b, &info), 0);
        if (T == 1) {
            memcpy(ref, w, sizeof w);
            rb = b;
        } else {
            T_CHECK(memcmp(ref, w, sizeof w) == 0 && memcmp(&rb, &b, sizeof b) == 0);
        }
        ta_team_free(o.team);
        free(work);
    }
    free(X);
    free(y);
}

/* A fit through a row list (ta_probe_fit_rows: rows of a larger matrix, as probe reads its
 * samples from the matrix the node's ranks share) gives the bits of ta_probe_fit on those rows
 * copied out into a block, with T threads and blocks that do not divide n; the accuracy too. */
static void test_rows(int64_t n, int64_t d, int T, int block_rows)
{
    const int64_t N = 3 * n;
    float *X = malloc((size_t)(N * d) * sizeof *X), *G = malloc((size_t)(n * d) * sizeof *G);
    uint8_t *yall = malloc((size_t)N), *y = malloc((size_t)n);
    int64_t *rows = malloc((size_t)n * sizeof *rows);
    make_data(N, d, 0.4, 7, X, yall);
    ta_splitmix_t r;
    ta_probe_rng_seed(&r, 5, "rows");
    for (int64_t i = 0; i < n; i++) { /* any rows, in any order, repeats allowed */
        rows[i] = (int64_t)ta_splitmix_below(&r, (uint64_t)N);
        memcpy(G + i * d, X + rows[i] * d, (size_t)d * sizeof *G);
        y[i] = yall[rows[i]];
    }
    ta_probe_opt_t o;
    ta_probe_opt_default(&o);
    o.block_rows = block_rows;
    T_EQ_INT(ta_team_create(T, &o.team), 0);
    void *work = malloc(ta_probe_fit_work_bytes(n, d, &o));
    double *w1 = calloc((size_t)d, sizeof *w1), *w2 = calloc((size_t)d, sizeof *w2), b1 = 0, b2 = 0;
    ta_probe_fit_t i1, i2;
    T_EQ_INT(ta_probe_fit(G, y, n, d, &o, work, w1, &b1, &i1), 0);
    T_EQ_INT(ta_probe_fit_rows(X, rows, y, n, d, &o, work, w2, &b2, &i2), 0);
    T_CHECK(memcmp(w1, w2, (size_t)d * sizeof *w1) == 0 && memcmp(&b1, &b2, sizeof b1) == 0);
    T_CHECK(i1.iterations == i2.iterations && i1.evaluations == i2.evaluations);
    T_CHECK(ta_probe_accuracy(G, y, n, d, w1, b1) ==
            ta_probe_accuracy_rows(X, rows, y, n, d, w1, b1));
    ta_team_free(o.team);
    free(work);
    free(w1);
    free(w2);
    free(X);
    free(G);
    free(yall);
    free(y);
    free(rows);
}

int main(void)
{
    test_rows(20000, 64, 2, 0); /* threaded */
    test_rows(1000, 33, 1, 7);
    test_threads(20000, 64); /* threaded */
    test_threads(3000, 64);  /* under the threshold: one thread whatever is asked */
    test_rng();
    test_sampling(3000, 6, 10);
    test_sampling(101, 3, 2);
    test_objective_gradient();
    test_fit(400, 8, 0.3, 0);
    test_fit(400, 8, 0.3, 7); /* blocks that do not divide n */
    test_fit(2000, 33, 3.0, 0);
    test_fit(1000, 64, 0.05, 16);
    double v[4] = {1, 2, 3, 4}, mean, std;
    ta_probe_mean_std(v, 4, &mean, &std);
    T_NEAR(mean, 2.5, 1e-15);
    T_NEAR(std, sqrt(1.25), 1e-15);
    return ta_test_finish("probe_unit_solver");
}
