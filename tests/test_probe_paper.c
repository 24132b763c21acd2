/* Unit tests of the paper protocol's sampling kernels (src/base/ta_mt19937.c,
 * src/kernels/ta_paper_sample.c): MT19937 against the reference implementation's first outputs
 * (Matsumoto & Nishimura's mt19937ar.c, init_genrand(5489)), and numpy 1.24 / imbalanced-learn 0.10
 * / scikit-learn 1.2 values written down once from those libraries; StratifiedKFold's folds also
 * worked out by hand. tests/py/test_probe_paper.py compares many more cases with the libraries
 * themselves. */
#include "base/ta_mt19937.h"
#include "kernels/ta_paper_sample.h"
#include "ta_test.h"

#include <stdint.h>

static void test_mt(void)
{
    ta_mt19937_t s;
    /* mt19937ar.c's default seed: the published first outputs. */
    ta_mt19937_seed(&s, 5489);
    T_EQ_INT(ta_mt19937_next32(&s), 3499211612u);
    T_EQ_INT(ta_mt19937_next32(&s), 581869302u);
    T_EQ_INT(ta_mt19937_next32(&s), 3890346734u);
    /* RandomState(150).get_state()[1][1], [623] and its first raw outputs. */
    ta_mt19937_seed(&s, 150);
    T_EQ_INT(s.key[1], 1282048303u);
    T_EQ_INT(s.key[623], 1537357561u);
    T_EQ_INT(ta_mt19937_next32(&s), 3902338276u);
    T_EQ_INT(ta_mt19937_next32(&s), 4002113978u);
    T_EQ_INT(ta_mt19937_next32(&s), 1107979771u);
    /* Past the first regeneration: 624 + 1000 outputs stay in step with a second generator that
     * is advanced through next64 (two outputs each, high half first). */
    ta_mt19937_t a, b;
    ta_mt19937_seed(&a, 99);
    ta_mt19937_seed(&b, 99);
    for (int i = 0; i < 1624; i += 2) {
        uint64_t hi = ta_mt19937_next32(&a), lo = ta_mt19937_next32(&a);
        T_CHECK(ta_mt19937_next64(&b) == (hi << 32 | lo));
    }
    /* interval(0) draws nothing. */
    ta_mt19937_seed(&a, 5489);
    T_EQ_INT(ta_mt19937_interval(&a, 0), 0);
    T_EQ_INT(ta_mt19937_next32(&a), 3499211612u);
}

static void check_perm(uint32_t seed, int64_t n, const int64_t *want, int64_t nwant)
{
    int64_t a[64];
    ta_mt19937_t s;
    ta_mt19937_seed(&s, seed);
    ta_mt19937_permutation(&s, a, n);
    for (int64_t i = 0; i < nwant; i++)
        T_EQ_INT(a[i], want[i]);
}

static void test_permutation(void)
{
    /* RandomState(150).permutation(10), RandomState(0).permutation(20). */
    const int64_t p150[10] = {3, 8, 1, 7, 5, 6, 9, 2, 0, 4};
    check_perm(150, 10, p150, 10);
    const int64_t p0[20] = {18, 1, 19, 8, 10, 17, 6, 13, 4, 2, 5, 14, 9, 7, 16, 11, 3, 0, 15, 12};
    check_perm(0, 20, p0, 20);
    /* RandomState(2**32 - 1).choice(range(1000), size=5, replace=False). */
    int64_t a[1000];
    ta_mt19937_t s;
    ta_mt19937_seed(&s, 4294967295u);
    ta_mt19937_permutation(&s, a, 1000);
    const int64_t c[5] = {94, 405, 819, 632, 217};
    for (int i = 0; i < 5; i++)
        T_EQ_INT(a[i], c[i]);
}

static void check_rus(const uint8_t *y, int64_t n, uint32_t seed, const int64_t *want,
                      int64_t nwant)
{
    int64_t idx[64], work[64];
    uint8_t yo[64];
    int64_t m = ta_paper_undersample(y, n, seed, idx, yo, work);
    T_EQ_INT(2 * m, nwant);
    for (int64_t i = 0; i < nwant && i < 2 * m; i++) {
        T_EQ_INT(idx[i], want[i]);
        T_EQ_INT(yo[i], y[want[i]]);
    }
}

static void test_undersample(void)
{
    /* RandomUnderSampler(random_state=S).fit_resample(X, y).sample_indices_. */
    const uint8_t y[12] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0};
    const int64_t w1[8] = {11, 8, 9, 1, 0, 3, 7, 10}; /* class 0 drawn, class 1 kept */
    check_rus(y, 12, 150, w1, 8);
    uint8_t y2[12];
    for (int i = 0; i < 12; i++)
        y2[i] = !y[i];
    const int64_t w2[8] = {0, 3, 7, 10, 11, 8, 9, 1}; /* class 0 kept, class 1 drawn */
    check_rus(y2, 12, 150, w2, 8);
    /* A tie: class 0 is the minority (kept), class 1 is permuted whole. */
    const uint8_t y3[6] = {1, 0, 1, 0, 0, 1};
    const int64_t w3[6] = {1, 3, 4, 5, 2, 0};
    check_rus(y3, 6, 7, w3, 6);
    /* One class only: nothing. */
    const uint8_t y4[3] = {1, 1, 1};
    int64_t idx[3], work[3];
    uint8_t yo[3];
    T_EQ_INT(ta_paper_undersample(y4, 3, 1, idx, yo, work), 0);
}

static void check_folds(const uint8_t *y, int64_t n, int k, const int32_t *want)
{
    int32_t fold[64];
    ta_paper_skfold(y, n, k, fold);
    for (int64_t i = 0; i < n; i++)
        T_EQ_INT(fold[i], want[i]);
}

static void test_skfold(void)
{
    /* 7 + 7, k = 3, by hand: sorted codes at positions 0..13; class 0 holds 0..6, of which
     * 0, 3, 6 are = 0 mod 3 (fold 0: 3), 1, 4 (fold 1: 2), 2, 5 (fold 2: 2); class 1 holds 7..13:
     * 9, 12 (fold 0: 2), 7, 10, 13 (fold 1: 3), 8, 11 (fold 2: 2). Each class fills its folds in
     * blocks in row order. (StratifiedKFold(3) gives the same.) */
    uint8_t y[14];
    for (int i = 0; i < 14; i++)
        y[i] = i >= 7;
    const int32_t w[14] = {0, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 1, 2, 2};
    check_folds(y, 14, 3, w);
    /* Mixed order, first row of class 1 (so class 1 is code 0): 6 ones, 7 zeros. Code 0 at
     * 0..5: folds 0 (0, 3), 1 (1, 4), 2 (2, 5); code 1 at 6..12: 6, 9, 12 (3), 7, 10 (2),
     * 8, 11 (2). */
    const uint8_t y2[13] = {1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0};
    const int32_t w2[13] = {0, 0, 0, 1, 0, 0, 1, 1, 2, 1, 2, 2, 2};
    check_folds(y2, 13, 3, w2);
    /* 23 + 23, k = 10 (StratifiedKFold(10)). */
    uint8_t y3[46];
    for (int i = 0; i < 46; i++)
        y3[i] = i >= 23;
    const int32_t w3[46] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9,
                            0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9};
    check_folds(y3, 46, 10, w3);
}

int main(void)
{
    test_mt();
    test_permutation();
    test_undersample();
    test_skfold();
    return ta_test_finish("probe_unit_paper");
}
