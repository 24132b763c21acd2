/* Unit tests of the paper protocol's statistics kernels (src/kernels/ta_paper_stats.c) on cases
 * worked out by hand; the expected values were also checked once with pandas 1.5 / scipy 1.10 /
 * Python 3.11 (tests/py/test_paper_*.py compare the commands with re-implementations of the
 * paper's scripts on random neighbourhoods). */
#include "kernels/ta_paper_stats.h"
#include "ta_test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Three queries over categories 0..2: query of category 0 with neighbour categories {0, 0, 1},
 * another with {0, 0, 0}, a query of category 1 with {1, 2, 1}. Cell (0, 0): counts 2 and 3 ->
 * n 2, mean 2.5, std sqrt(0.5), ci 1.96 * 0.5 = 0.98; cell (0, 1): one token with 1 -> mean 1,
 * std and ci NaN, written 0; cell (0, 2): no token -> everything 0. */
static void test_matrix(void)
{
    enum { C = 3 };
    int64_t hist[C] = {0}, nz[C * C] = {0}, sum[C * C] = {0}, sumsq[C * C] = {0};
    const int32_t r0[] = {0, 0, 1}, r1[] = {0, 0, 0}, r2[] = {1, 2, 1};
    ta_paper_matrix_add(0, r0, 3, C, hist, nz, sum, sumsq);
    ta_paper_matrix_add(0, r1, 3, C, hist, nz, sum, sumsq);
    ta_paper_matrix_add(1, r2, 3, C, hist, nz, sum, sumsq);
    for (int c = 0; c < C; c++)
        T_EQ_INT(hist[c], 0);
    T_EQ_INT(nz[0], 2);
    T_EQ_INT(sum[0], 5);
    T_EQ_INT(sumsq[0], 13);
    T_EQ_INT(nz[1], 1);
    T_EQ_INT(nz[2], 0);
    T_EQ_INT(nz[1 * C + 1], 1);
    T_EQ_INT(sum[1 * C + 1], 2);
    T_EQ_INT(nz[1 * C + 2], 1);
    ta_summary_t s;
    ta_stats_summary_int(nz[0], sum[0], sumsq[0], &s);
    ta_paper_fill0(&s);
    T_NEAR(s.mean, 2.5, 1e-15);
    T_NEAR(s.std, sqrt(0.5), 1e-15);
    T_NEAR(s.ci, 0.98, 1e-15);
    ta_stats_summary_int(nz[1], sum[1], sumsq[1], &s);
    ta_paper_fill0(&s);
    T_EQ_INT(s.n, 1);
    T_NEAR(s.mean, 1.0, 0);
    T_CHECK(s.std == 0.0 && s.ci == 0.0);
    ta_stats_summary_int(nz[2], sum[2], sumsq[2], &s);
    ta_paper_fill0(&s);
    T_CHECK(s.n == 0 && s.mean == 0.0 && s.std == 0.0 && s.ci == 0.0);
}

/* category-entropy-table.py takes value_counts() of the per-category counts: counts {2, 1} -> the
 * values 2 and 1 once each -> ln 2; {1, 1, 1} -> one value three times -> 0; {2, 2, 1} -> values
 * {2: 2, 1: 1} -> ln 3 - (2/3) ln 2; one category -> 0. (The entropy of the categories
 * themselves, ta_stats_entropy, gives ln 3 - (2/3) ln 2 for {2, 1}.) */
static void test_entropy(void)
{
    int64_t hist[3] = {0}, vhist[8] = {0};
    const int32_t a[] = {0, 0, 1}, b[] = {1, 2, 0}, c[] = {0, 1, 0, 2, 1}, d[] = {2, 2, 2, 2};
    T_NEAR(ta_paper_entropy(a, 3, hist, vhist), log(2.0), 1e-15);
    T_NEAR(ta_paper_entropy(b, 3, hist, vhist), 0.0, 0);
    T_NEAR(ta_paper_entropy(c, 5, hist, vhist), log(3.0) - 2.0 / 3.0 * log(2.0), 1e-15);
    T_NEAR(ta_paper_entropy(d, 4, hist, vhist), 0.0, 0);
    for (int i = 0; i < 3; i++)
        T_EQ_INT(hist[i], 0);
    for (int i = 0; i < 8; i++)
        T_EQ_INT(vhist[i], 0);
    T_NEAR(ta_stats_entropy(a, 3, 3, hist), log(3.0) - 2.0 / 3.0 * log(2.0), 1e-15);
}

/* Words: 0 = "chat" {cat}, 1 = "gato" {cat}, 2 = "hund" {dog}, 3 = "bank" {bank, bench}, 4 =
 * "banc" {bench}. Tokens 0..6 map to words 0, 1, 2, -1, 3, 4, 0. */
static void test_translation(void)
{
    const int64_t off[] = {0, 1, 2, 3, 5, 6};
    const int32_t eng[] = {10, 10, 11, 12, 13, 13};
    const int32_t word[] = {0, 1, 2, -1, 3, 4, 0};
    /* Query 0 (self included): itself, 1 (cat), 6 (same word), 2 (dog), 3 (none), -1 -> 3. */
    const int32_t row0[] = {0, 1, 6, 2, 3, -1};
    T_EQ_INT(ta_paper_translation_count(0, row0, 6, word, off, eng), 3);
    /* Query 4 {bank, bench}: itself, 5 {bench}, 0 {cat} -> 2. */
    const int32_t row4[] = {4, 5, 0};
    T_EQ_INT(ta_paper_translation_count(4, row4, 3, word, off, eng), 2);
    /* Query 3 has no translation: 0 even with itself in the row. */
    const int32_t row3[] = {3, 0, 1};
    T_EQ_INT(ta_paper_translation_count(3, row3, 3, word, off, eng), 0);
}

static void key_is(const char *tok, int want_rc, const char *want)
{
    char out[64];
    uint16_t work[96];
    size_t n = 0;
    int rc = ta_paper_translation_key(tok, strlen(tok), out, sizeof out, &n, work, 96);
    if (rc != want_rc) {
        fprintf(stderr, "key of '%s': rc %d, expected %d\n", tok, rc, want_rc);
        ta_test_failures++;
        return;
    }
    if (rc == 1 && (n != strlen(want) || memcmp(out, want, n) != 0)) {
        fprintf(stderr, "key of '%s': '%.*s', expected '%s'\n", tok, (int)n, out, want);
        ta_test_failures++;
    }
}

/* Python 3.11: '▁▁ΟΔΟΣ▁'.lower().strip('▁') == 'οδος' (final sigma before the stripped mark),
 * 'İ'.lower() == 'i\u0307', 'ΣΑΣ'.lower() == 'σας'. */
static void test_key(void)
{
    key_is("\xe2\x96\x81Hello", 1, "hello");
    key_is("\xe2\x96\x81Hello\xe2\x96\x81World\xe2\x96\x81", 1, "hello\xe2\x96\x81world");
    key_is("\xe2\x96\x81\xe2\x96\x81\xce\x9f\xce\x94\xce\x9f\xce\xa3\xe2\x96\x81", 1,
           "\xce\xbf\xce\xb4\xce\xbf\xcf\x82");
    key_is("\xc4\xb0", 1, "i\xcc\x87");
    key_is("\xce\xa3\xce\x91\xce\xa3", 1, "\xcf\x83\xce\xb1\xcf\x82");
    key_is("\xe2\x96\x81", 1, "");
    key_is("l'a", 0, "");
    key_is("'", 0, "");
    key_is("a''B", 1, "a'b");
    key_is("''''", 1, "''");
    key_is("\xff", 0, "");
    /* Too small a buffer is reported, not truncated. */
    char out[2];
    uint16_t work[64];
    size_t n;
    T_EQ_INT(ta_paper_translation_key("abcdef", 6, out, sizeof out, &n, work, 64), -1);
}

static void test_rstrip(void)
{
    T_EQ_INT(ta_paper_rstrip_len("ab \xe3\x80\x80", 6), 2); /* U+3000 */
    T_EQ_INT(ta_paper_rstrip_len("  \t", 3), 0);
    T_EQ_INT(ta_paper_rstrip_len("a\xc2\xa0"
                                 "b",
                                 4),
             4);                                          /* U+00A0 inside stays */
    T_EQ_INT(ta_paper_rstrip_len("x\xe2\x96\x81", 4), 4); /* U+2581 is not whitespace */
    T_EQ_INT(ta_paper_rstrip_len("x\xc2\x85", 3), 1);     /* U+0085 (bidi B) is */
    T_EQ_INT(ta_paper_rstrip_len("", 0), 0);
}

static void test_jaccard(void)
{
    const int32_t a[] = {1, 2, 3}, b[] = {2, 3, 4, 5};
    int64_t i;
    double j, o;
    ta_paper_jaccard(a, 3, b, 4, &i, &j, &o);
    T_EQ_INT(i, 2);
    T_NEAR(j, 0.4, 1e-16);
    T_NEAR(o, 200.0 / 3.0, 1e-13);
    ta_paper_jaccard(b, 4, a, 3, &i, &j, &o);
    T_NEAR(o, 50.0, 0);
}

static void test_hubs(void)
{
    const int64_t count[] = {3, 5, 3, 0, 5, 1}, first[] = {4, 2, 1, 0, 3, 9};
    int32_t out[6];
    int64_t n;
    ta_paper_top_hubs(count, first, 6, 4, out, &n);
    T_EQ_INT(n, 4);
    T_EQ_INT(out[0], 1);
    T_EQ_INT(out[1], 4);
    T_EQ_INT(out[2], 2);
    T_EQ_INT(out[3], 0);
    ta_paper_top_hubs(count, first, 6, 3, out, &n);
    T_EQ_INT(n, 3);
    T_EQ_INT(out[2], 2);
    ta_paper_top_hubs(count, first, 6, 6, out, &n);
    T_EQ_INT(n, 5); /* the key never seen is not a hub */
    T_EQ_INT(out[4], 5);
    /* scipy.stats.skew([0, 0, 0, 1, 5]) = 9.936 / 3.76^1.5. */
    const int64_t x[] = {0, 0, 0, 1, 5}, y[] = {2, 2, 2};
    T_NEAR(ta_paper_skew(x, 5), 9.936 / pow(3.76, 1.5), 1e-12);
    T_NEAR(ta_paper_skew(x, 5), 1.3627927530355544, 1e-12);
    T_CHECK(isnan(ta_paper_skew(y, 3)));
    T_CHECK(isnan(ta_paper_skew(y, 0)));
}

/* Counts of 12 tokens; sorted ascending with ties by id: ranks 0..11 are ids 1, 3, 8, 7, 9, 4,
 * 5, 0, 11, 2, 10, 6; decile ceil(10 (r + 1) / 12). */
static void test_deciles(void)
{
    const int64_t count[] = {5, 0, 7, 0, 3, 3, 9, 1, 0, 2, 8, 6};
    const int32_t want[] = {7, 1, 9, 2, 5, 6, 10, 4, 3, 5, 10, 8};
    int32_t order[12], work[12], dec[12];
    ta_paper_freq_deciles(count, 12, order, work, dec);
    for (int t = 0; t < 12; t++)
        T_EQ_INT(dec[t], want[t]);
    T_EQ_INT(order[0], 1);
    T_EQ_INT(order[11], 6);
    /* One token: decile 10. */
    const int64_t one[] = {4};
    ta_paper_freq_deciles(one, 1, order, work, dec);
    T_EQ_INT(dec[0], 10);
}

int main(void)
{
    test_matrix();
    test_entropy();
    test_translation();
    test_key();
    test_rstrip();
    test_jaccard();
    test_hubs();
    test_deciles();
    return ta_test_finish("paper_unit_stats");
}
