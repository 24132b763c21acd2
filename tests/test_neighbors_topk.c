/* Unit tests of the top-k kernels (src/ta_topk.c): the fast tile kernel and the reference kernel
 * against a brute-force oracle (every candidate sorted with qsort), ties by lower index,
 * duplicates, k = 1, k = N, masks, self exclusion, the column side (transposed offers), merging,
 * the dropped-score bound, the canonical dot product (against its scalar reference, bit for bit)
 * and the final selection rule. */
#include "base/ta_team.h"
#include "ta_test.h"
#include "kernels/ta_topk.h"

#include <stdint.h>

static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

typedef struct {
    float s;
    int32_t i;
} pair_t;

static int cmp_pair(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

enum { M = 37, N = 53, MAXK = 64 };

/* Checks row r of t (after all offers) against the oracle list of n candidates (any order). */
static void check_row(const ta_topk_t *t, int64_t r, pair_t *all, int n, const char *what)
{
    qsort(all, (size_t)n, sizeof *all, cmp_pair);
    float s[2 * MAXK + N];
    int32_t idx[2 * MAXK + N];
    uint64_t work[2 * MAXK + N];
    int got = ta_topk_sorted(t, r, s, idx, work);
    int want = n < t->kk ? n : t->kk;
    if (got != want) {
        fprintf(stderr, "%s row %lld: %d kept, expected %d\n", what, (long long)r, got, want);
        ta_test_failures++;
        return;
    }
    for (int e = 0; e < want; e++)
        if (s[e] != all[e].s || idx[e] != all[e].i) {
            fprintf(stderr, "%s row %lld entry %d: (%g, %d), expected (%g, %d)\n", what,
                    (long long)r, e, s[e], idx[e], all[e].s, all[e].i);
            ta_test_failures++;
            return;
        }
    /* The dropped bound covers every candidate not kept and never exceeds the worst kept. */
    float bound = ta_topk_dropped_bound(t, r);
    if (n > want) {
        T_CHECK(bound >= all[want].s);
        T_CHECK(bound <= s[want - 1]);
    } else if (want < t->kk) {
        T_CHECK(bound == -INFINITY);
    } else {
        /* A full heap reports its root: conservative, nothing better was dropped. */
        T_CHECK(bound <= s[want - 1]);
    }
}

/* One scenario: a M x N score matrix fed in column chunks of width cw to rows (and to columns
 * when sym), with the fast kernel, the reference one and the fast kernel split as the threads
 * of `neighbors` split it (the column side by slices of columns with rowt = NULL, then the row
 * side by slices of rows with colt = NULL), all checked against the oracle. */
static void scenario(int kk, int levels, int cw, int sym, int excl, int masks)
{
    static float C[M * N];
    int32_t rid[M], cid[N];
    uint8_t rok[M], cok[N];
    for (int i = 0; i < M * N; i++)
        C[i] = levels ? (float)((int)(urand() * levels)) / (float)levels : (float)(urand() * 2 - 1);
    for (int i = 0; i < M; i++) {
        rid[i] = 100 + 3 * i; /* ids overlap with column ids for self-exclusion */
        rok[i] = masks ? (urand() > 0.15) : 1;
    }
    for (int j = 0; j < N; j++) {
        cid[j] = 100 + 2 * j;
        cok[j] = masks ? (urand() > 0.15) : 1;
    }
    for (int impl = 0; impl < 3; impl++) {
        ta_topk_t rt, ct;
        T_CHECK(ta_topk_alloc(&rt, M, kk) == 0);
        T_CHECK(ta_topk_alloc(&ct, N, kk) == 0);
        for (int j0 = 0; j0 < N; j0 += cw) {
            int w = N - j0 < cw ? N - j0 : cw;
            if (impl < 2) {
                (impl ? ta_topk_offer_tile_ref : ta_topk_offer_tile)(C + j0, N, M, w, &rt, 0, rid,
                                                                     rok, sym ? &ct : NULL, j0,
                                                                     cid + j0, cok + j0, excl);
                continue;
            }
            for (int t = 0; t < 3 && sym; t++) {
                long long c0 = ta_team_lo(w, t, 3, 4), c1 = ta_team_lo(w, t + 1, 3, 4);
                ta_topk_offer_tile(C + j0 + c0, N, M, c1 - c0, NULL, 0, rid, rok, &ct, j0 + c0,
                                   cid + j0 + c0, cok + j0 + c0, excl);
            }
            for (int t = 0; t < 3; t++) {
                long long r0 = ta_team_lo(M, t, 3, 1), r1 = ta_team_lo(M, t + 1, 3, 1);
                ta_topk_offer_tile(C + r0 * N + j0, N, r1 - r0, w, &rt, r0, rid + r0, rok + r0,
                                   NULL, 0, cid + j0, cok + j0, excl);
            }
        }
        const char *what = impl == 0 ? "fast" : impl == 1 ? "ref" : "split";
        ta_topk_finish(&rt);
        ta_topk_finish(&ct);
        pair_t all[M > N ? M : N];
        for (int i = 0; i < M; i++) {
            int n = 0;
            for (int j = 0; j < N; j++)
                if (rok[i] && cok[j] && !(excl && rid[i] == cid[j]))
                    all[n++] = (pair_t){C[i * N + j], cid[j]};
            check_row(&rt, i, all, n, what);
        }
        if (sym)
            for (int j = 0; j < N; j++) {
                int n = 0;
                for (int i = 0; i < M; i++)
                    if (rok[i] && cok[j] && !(excl && rid[i] == cid[j]))
                        all[n++] = (pair_t){C[i * N + j], rid[i]};
                check_row(&ct, j, all, n, what);
            }
        ta_topk_free(&rt);
        ta_topk_free(&ct);
    }
}

/* Many pushes into one row with small and large kk: the buffer is cut back many times, by the
 * AVX-512 or else the AVX2 selection (buffers up to 1024 keys, when the CPU has it) and by the
 * scalar one (larger buffers, or TA_NO_AVX512=1 TA_NO_AVX2=1: the test runs once each way);
 * the kept set must be the kk best of all pushed, by (score, -index). */
static void test_many_pushes(void)
{
    enum { NP = 6000 };
    static pair_t all[NP];
    const int kks[] = {1, 7, 100, 116, 300, 511, 512, 513, 700};
    for (size_t a = 0; a < sizeof kks / sizeof kks[0]; a++) {
        int kk = kks[a];
        ta_topk_t t;
        T_CHECK(ta_topk_alloc(&t, 1, kk) == 0);
        for (int e = 0; e < NP; e++) {
            /* Few distinct scores: many ties, decided by the index. */
            float sc = (float)((int)(urand() * 300)) / 300.0f;
            all[e] = (pair_t){sc, e};
            ta_topk_push(&t, 0, sc, e);
        }
        ta_topk_finish(&t);
        qsort(all, NP, sizeof *all, cmp_pair);
        float s[2 * 700];
        int32_t idx[2 * 700];
        uint64_t work[2 * 700];
        int n = ta_topk_sorted(&t, 0, s, idx, work);
        T_EQ_INT(n, kk);
        int bad = 0;
        for (int e = 0; e < n; e++)
            bad += s[e] != all[e].s || idx[e] != all[e].i;
        T_EQ_INT(bad, 0);
        ta_topk_free(&t);
    }
}

static void test_merge(void)
{
    /* Two partial states over disjoint candidate sets merge into the state of the union. */
    ta_topk_t a, b, u;
    T_CHECK(ta_topk_alloc(&a, 1, 4) == 0);
    T_CHECK(ta_topk_alloc(&b, 1, 4) == 0);
    T_CHECK(ta_topk_alloc(&u, 1, 4) == 0);
    const float sa[] = {0.5f, 0.9f, 0.1f, 0.9f, 0.3f, 0.7f};
    const float sb[] = {0.9f, 0.2f, 0.8f, 0.6f, 0.95f};
    for (int e = 0; e < 6; e++) {
        ta_topk_push(&a, 0, sa[e], 10 + e);
        ta_topk_push(&u, 0, sa[e], 10 + e);
    }
    for (int e = 0; e < 5; e++) {
        ta_topk_push(&b, 0, sb[e], 2 + e);
        ta_topk_push(&u, 0, sb[e], 2 + e);
    }
    ta_topk_merge_row(&a, 0, &b, 0);
    ta_topk_finish(&a);
    ta_topk_finish(&u);
    float s1[8], s2[8];
    int32_t i1[8], i2[8];
    uint64_t w[8];
    T_EQ_INT(ta_topk_sorted(&a, 0, s1, i1, w), 4);
    T_EQ_INT(ta_topk_sorted(&u, 0, s2, i2, w), 4);
    /* Best first: 0.95 (6), 0.9 (2), 0.9 (11), 0.9 (13). */
    const int32_t want[] = {6, 2, 11, 13};
    for (int e = 0; e < 4; e++) {
        T_EQ_INT(i1[e], want[e]);
        T_EQ_INT(i2[e], want[e]);
    }
    T_CHECK(ta_topk_dropped_bound(&a, 0) >= 0.8f);
    T_CHECK(ta_topk_dropped_bound(&a, 0) <= 0.9f);
    ta_topk_free(&a);
    ta_topk_free(&b);
    ta_topk_free(&u);
}

static void test_keys(void)
{
    /* The key order is the (score, -index) order, and keys decode exactly. */
    const float sv[] = {-1.0f, -0.5f, -0.0f, 0.0f, 1e-30f, 0.25f, 0.25f, 1.0f};
    const int32_t iv[] = {3, 0, 9, 4, 7, 5, 2, 1};
    for (int a = 0; a < 8; a++) {
        uint64_t ka = ta_topk_key(sv[a], iv[a]);
        T_CHECK(ta_topk_key_score(ka) == sv[a]);
        T_EQ_INT(ta_topk_key_index(ka), iv[a]);
        for (int b = 0; b < 8; b++) {
            uint64_t kb = ta_topk_key(sv[b], iv[b]);
            int better = sv[a] > sv[b] || (sv[a] == sv[b] && iv[a] < iv[b]);
            T_EQ_INT(ka > kb, better);
        }
    }
    T_EQ_INT(ta_topk_key_index(ta_topk_key(0.5f, INT32_MAX - 1)), INT32_MAX - 1);
    /* The introsort gives qsort's order: random keys, few distinct scores, already sorted and
     * reversed runs, and repeated keys (heapsort's fallback). */
    static uint64_t x[700], y[700];
    for (int n = 0; n <= 700; n += n < 40 ? 1 : 37)
        for (int kind = 0; kind < 5; kind++) {
            for (int i = 0; i < n; i++) {
                float sc = kind == 1 ? (float)(int)(urand() * 4) : (float)(urand() * 2 - 1);
                x[i] = kind == 2   ? ta_topk_key((float)i, i)
                       : kind == 3 ? ta_topk_key(-(float)i, i)
                       : kind == 4 ? (uint64_t)(urand() * 3)
                                   : ta_topk_key(sc, i);
            }
            memcpy(y, x, (size_t)n * sizeof *x);
            ta_topk_sort_keys(x, n);
            ta_topk_sort_keys_ref(y, n);
            T_CHECK(memcmp(x, y, (size_t)n * sizeof *x) == 0);
        }
}

static void test_canon(void)
{
    float a[1000], b[1000];
    for (int d = 1; d <= 1000; d += 37) {
        long double exact = 0;
        for (int i = 0; i < d; i++) {
            a[i] = (float)(urand() - 0.5);
            b[i] = (float)(urand() - 0.5);
            exact += (long double)a[i] * (long double)b[i];
        }
        float c = ta_topk_canon_dot(a, b, d);
        T_NEAR(c, (double)exact, 1e-6 * (1 + fabs((double)exact)));
        T_CHECK(c == ta_topk_canon_dot(b, a, d));
        /* The fast version (the CPU's best instruction set) gives the reference's bits. */
        T_CHECK(c == ta_topk_canon_dot_ref(a, b, d));
    }
    /* Every length up to 3 blocks of 16, and scales far from 1 (large exponent ranges). */
    for (int d = 1; d <= 48; d++)
        for (int scale = -30; scale <= 30; scale += 20) {
            for (int i = 0; i < d; i++) {
                a[i] = (float)ldexp(urand() - 0.5, scale);
                b[i] = (float)ldexp(urand() - 0.5, -scale / 2);
            }
            T_CHECK(ta_topk_canon_dot(a, b, d) == ta_topk_canon_dot_ref(a, b, d));
        }
    /* One row against n rows at a time (the rescoring's kernel): the same bits for every n (odd
     * and even, the prefetch of the next rows), every tail length and rows at any offset. */
    static float rows[9 * 1000 + 8];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        rows[i] = (float)ldexp(urand() - 0.5, (int)(i % 7) - 3);
    double bd[1000];
    float s[9];
    for (int d = 1; d <= 1000; d += d < 70 ? 1 : 53)
        for (int n = 0; n <= 8; n++) {
            const float *ar[8];
            const float *br = rows + 8 * d + (d % 5);
            for (int r = 0; r < n; r++)
                ar[r] = rows + ((r * 5 + 3) % 8) * d + (r % 3);
            ta_topk_canon_dot_rows(br, ar, n, d, bd, s);
            for (int r = 0; r < n; r++)
                T_CHECK(s[r] == ta_topk_canon_dot_ref(ar[r], br, d));
        }
    /* The margin grows with d and stays small for real dimensions. */
    T_CHECK(ta_topk_score_margin(512) > 512 * 5.9e-8);
    T_CHECK(ta_topk_score_margin(512) < 1e-4);
    T_CHECK(ta_topk_score_margin(8192) > ta_topk_score_margin(512));
}

static void test_final(void)
{
    uint64_t w[8];
    /* Nothing dropped: always exact; sorting by (score desc, index asc). */
    float s[] = {0.5f, 0.9f, 0.9f, 0.1f};
    int32_t i[] = {7, 9, 3, 1};
    T_EQ_INT(ta_topk_row_final(s, i, 4, 2, -INFINITY, 1e-4f, w), 1);
    T_EQ_INT(i[0], 3);
    T_EQ_INT(i[1], 9);
    T_EQ_INT(i[2], 7);
    /* k-th well above the dropped bound: exact. */
    float s2[] = {0.9f, 0.8f, 0.5f};
    int32_t i2[] = {1, 2, 3};
    T_EQ_INT(ta_topk_row_final(s2, i2, 3, 2, 0.5f, 1e-4f, w), 1);
    /* k-th within the margin of a dropped score: must be recomputed. */
    float s3[] = {0.9f, 0.50005f, 0.5f};
    int32_t i3[] = {1, 2, 3};
    T_EQ_INT(ta_topk_row_final(s3, i3, 3, 2, 0.5f, 1e-4f, w), 0);
    /* An exact tie with a dropped score: must be recomputed (the dropped one may have a lower
     * index). */
    float s4[] = {0.9f, 0.5f};
    int32_t i4[] = {1, 2};
    T_EQ_INT(ta_topk_row_final(s4, i4, 2, 2, 0.5f, 0.0f, w), 0);
}

int main(void)
{
    const int kks[] = {1, 2, 5, 16, 37, 53, 60};
    for (size_t a = 0; a < sizeof kks / sizeof kks[0]; a++)
        for (int levels = 0; levels <= 7; levels += 7)
            for (int sym = 0; sym < 2; sym++)
                for (int excl = 0; excl < 2; excl++) {
                    scenario(kks[a], levels, N, sym, excl, 0);
                    scenario(kks[a], levels, 5, sym, excl, 1);
                    scenario(kks[a], levels, 17, sym, excl, excl);
                }
    test_many_pushes();
    test_merge();
    test_keys();
    test_canon();
    test_final();
    return ta_test_finish("neighbors_unit_topk");
}
