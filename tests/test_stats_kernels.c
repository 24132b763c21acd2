/* Unit tests of the statistics kernels, the string map and the dictionary normalisation, with
 * values worked out by hand (also run under ASan + UBSan). */
#include "base/ta_strmap.h"
#include "kernels/ta_stats.h"
#include "io/ta_muse.h"
#include "ta_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_top_others(void)
{
    int32_t row[6] = {4, 7, -1, 2, 4, 9}, out[6];
    /* 4 is the query: skipped wherever it stands; -1 is a missing neighbour. */
    T_EQ_INT(ta_stats_top_others(row, 6, 4, 2, out), 2);
    T_EQ_INT(out[0], 7);
    T_EQ_INT(out[1], 2);
    T_EQ_INT(ta_stats_top_others(row, 6, 4, 5, out), 3);
    T_EQ_INT(out[2], 9);
}

static void test_distinct_entropy(void)
{
    uint8_t mark[4] = {0}, excl[4] = {0, 0, 1, 0};
    int32_t cat[5] = {1, 1, 2, 3, 1};
    T_EQ_INT(ta_stats_distinct(0, cat, 5, NULL, mark), 4);
    T_EQ_INT(ta_stats_distinct(1, cat, 5, NULL, mark), 3);
    T_EQ_INT(ta_stats_distinct(2, cat, 5, excl, mark), 2); /* own category excluded */
    for (int i = 0; i < 4; i++)
        T_EQ_INT(mark[i], 0); /* scratch left clean */
    int64_t hist[4] = {0};
    /* 3 x cat 1, 1 x cat 2, 1 x cat 3: -(0.6 ln 0.6 + 2 x 0.2 ln 0.2). */
    double h = ta_stats_entropy(cat, 5, 4, hist);
    T_NEAR(h, -(0.6 * log(0.6) + 0.4 * log(0.2)), 1e-15);
    T_EQ_INT(hist[1], 3);
    ta_stats_clear_hist(cat, 5, hist);
    for (int i = 0; i < 4; i++)
        T_EQ_INT(hist[i], 0);
    int32_t one[3] = {2, 2, 2};
    T_CHECK(ta_stats_entropy(one, 3, 4, hist) == 0.0 &&
            !signbit(ta_stats_entropy(one, 0, 4, hist)));
}

static void test_summaries(void)
{
    double x[6] = {1, 2, 3, 4, 10, 20};
    int32_t g[6] = {0, 0, 0, -1, 1, 2};
    ta_summary_t s[3];
    double scratch[3];
    ta_stats_summary_by_group(x, g, 6, 3, s, scratch);
    T_EQ_INT(s[0].n, 3);
    T_NEAR(s[0].mean, 2.0, 1e-15);
    T_NEAR(s[0].std, 1.0, 1e-15);
    T_NEAR(s[0].ci, 1.96 / sqrt(3.0), 1e-15);
    T_EQ_INT(s[1].n, 1);
    T_NEAR(s[1].mean, 10.0, 0);
    T_CHECK(isnan(s[1].std) && isnan(s[1].ci));
    ta_summary_t e;
    ta_stats_summary(x, 0, &e);
    T_CHECK(e.n == 0 && isnan(e.mean));
    /* Integers 1, 2, 3, 4: sum 10, sum of squares 30 -> mean 2.5, var 5/3. */
    ta_stats_summary_int(4, 10, 30, &e);
    T_NEAR(e.mean, 2.5, 1e-15);
    T_NEAR(e.std, sqrt(5.0 / 3.0), 1e-15);
    ta_stats_summary_int(1, 7, 49, &e);
    T_CHECK(e.mean == 7.0 && isnan(e.std));
    /* Large counts stay exact: one million tokens with value 50 and one with 51. */
    ta_stats_summary_int(1000001, 50000051, 2500002601LL, &e);
    T_NEAR(e.mean, 50000051.0 / 1000001.0, 1e-12);
    T_NEAR(e.std, sqrt((1000000.0 / 1000001.0) / 1000000.0), 1e-12);
}

static void test_sets_deciles(void)
{
    int32_t a[5] = {-3, 1, 4, 6, 9}, b[4] = {1, 2, 6, 10};
    T_EQ_INT(ta_stats_sorted_common(a, 5, b, 4), 2);
    T_CHECK(ta_stats_sorted_intersect(a, 5, b, 4));
    T_CHECK(!ta_stats_sorted_intersect(a, 1, b, 4));
    /* ids 0..5 of 6 tokens: floor(10 t / 6). */
    int want[6] = {0, 1, 3, 5, 6, 8};
    for (int t = 0; t < 6; t++)
        T_EQ_INT(ta_stats_decile(t, 6), want[t]);
    T_EQ_INT(ta_stats_decile(999999, 1000000), 9);
}

static void test_strmap(void)
{
    ta_strmap_t m;
    T_EQ_INT(ta_strmap_init(&m), 0);
    char buf[32];
    int64_t id;
    int added;
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        T_EQ_INT(ta_strmap_intern(&m, buf, (size_t)n, &id, &added), 0);
        T_CHECK(id == i && added);
    }
    T_EQ_INT(ta_strmap_intern(&m, "w17", 3, &id, &added), 0);
    T_CHECK(id == 17 && !added);
    /* Keys with NUL bytes are distinct from their prefixes. */
    T_EQ_INT(ta_strmap_intern(&m, "w17\0x", 5, &id, &added), 0);
    T_CHECK(id == 5000 && added);
    T_EQ_INT(ta_strmap_find(&m, "w4999", 5), 4999);
    T_EQ_INT(ta_strmap_find(&m, "w5000", 5), -1);
    T_EQ_INT(ta_strmap_find(&m, "", 0), -1);
    ta_strmap_free(&m);
}

static void norm_is(const char *in, const char *want)
{
    char *out;
    size_t len;
    T_EQ_INT(ta_muse_normalize(in, strlen(in), &out, &len), 0);
    if (!want) {
        T_CHECK(out == NULL);
        return;
    }
    T_CHECK(out != NULL);
    if (out) {
        T_EQ_STR(out, want);
        T_EQ_INT((int)len, (int)strlen(want));
    }
    free(out);
}

static void test_normalize(void)
{
    norm_is("\xe2\x96\x81Haus", "haus");       /* leading U+2581 stripped, case folded */
    norm_is("\xe2\x96\x81\xe2\x96\x81", NULL); /* nothing left */
    norm_is("Stra\xc3\x9f"
            "e",
            "strasse");                                 /* sharp s folds to ss */
    norm_is("e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9"); /* e + combining acute composes */
    norm_is("\xd0\x94\xd0\xbe\xd0\xbc", "\xd0\xb4\xd0\xbe\xd0\xbc"); /* Дом -> дом */
    norm_is("a\xe2\x96\x81"
            "b",
            "a\xe2\x96\x81"
            "b");              /* only a leading U+2581 is stripped */
    norm_is("\xff\xfe", NULL); /* invalid UTF-8 */
}

int main(void)
{
    test_top_others();
    test_distinct_entropy();
    test_summaries();
    test_sets_deciles();
    test_strmap();
    test_normalize();
    return ta_test_finish("stats_unit_kernels");
}
