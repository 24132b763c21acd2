#include "kernels/ta_stats.h"

#include <math.h>

int64_t ta_stats_top_others(const int32_t *row, int64_t k, int32_t self, int64_t top, int32_t *out)
{
    int64_t m = 0;
    for (int64_t j = 0; j < k && m < top; j++)
        if (row[j] >= 0 && row[j] != self)
            out[m++] = row[j];
    return m;
}

int ta_stats_distinct(int32_t self_cat, const int32_t *cat, int64_t n, const uint8_t *excluded,
                      uint8_t *mark)
{
    int count = 0;
    if (self_cat >= 0 && !(excluded && excluded[self_cat])) {
        mark[self_cat] = 1;
        count = 1;
    }
    for (int64_t i = 0; i < n; i++) {
        int32_t c = cat[i];
        if (mark[c] || (excluded && excluded[c]))
            continue;
        mark[c] = 1;
        count++;
    }
    if (self_cat >= 0)
        mark[self_cat] = 0;
    for (int64_t i = 0; i < n; i++)
        mark[cat[i]] = 0;
    return count;
}

double ta_stats_entropy(const int32_t *cat, int64_t n, int32_t ncat, int64_t *hist)
{
    if (n <= 0)
        return 0.0;
    for (int64_t i = 0; i < n; i++)
        hist[cat[i]]++;
    double h = 0.0;
    for (int32_t c = 0; c < ncat; c++) {
        if (hist[c] == 0)
            continue;
        double p = (double)hist[c] / (double)n;
        h -= p * log(p);
    }
    /* -0.0 for a single category reads oddly in tables. */
    return h == 0.0 ? 0.0 : h;
}

void ta_stats_clear_hist(const int32_t *cat, int64_t n, int64_t *hist)
{
    for (int64_t i = 0; i < n; i++)
        hist[cat[i]] = 0;
}

static void finish(ta_summary_t *s, double sum, double ss)
{
    if (s->n == 0) {
        s->mean = s->std = s->ci = NAN;
        return;
    }
    s->mean = sum / (double)s->n;
    if (s->n == 1) {
        s->std = s->ci = NAN;
        return;
    }
    s->std = sqrt(ss / (double)(s->n - 1));
    s->ci = 1.96 * s->std / sqrt((double)s->n);
}

void ta_stats_summary_by_group(const double *x, const int32_t *group, int64_t n, int32_t ngroups,
                               ta_summary_t *out, double *sum)
{
    for (int32_t g = 0; g < ngroups; g++) {
        out[g].n = 0;
        sum[g] = 0.0;
    }
    for (int64_t i = 0; i < n; i++) {
        int32_t g = group ? group[i] : 0;
        if (g < 0)
            continue;
        out[g].n++;
        sum[g] += x[i];
    }
    for (int32_t g = 0; g < ngroups; g++)
        out[g].mean = out[g].n ? sum[g] / (double)out[g].n : 0.0;
    /* Second pass: squared deviations from the mean (stable, unlike sum of squares). */
    double *ss = sum;
    for (int32_t g = 0; g < ngroups; g++) {
        out[g].std = sum[g]; /* keep the sum while ss reuses the scratch */
        ss[g] = 0.0;
    }
    for (int64_t i = 0; i < n; i++) {
        int32_t g = group ? group[i] : 0;
        if (g < 0)
            continue;
        double d = x[i] - out[g].mean;
        ss[g] += d * d;
    }
    for (int32_t g = 0; g < ngroups; g++)
        finish(&out[g], out[g].std, ss[g]);
}

void ta_stats_summary(const double *x, int64_t n, ta_summary_t *out)
{
    double scratch;
    ta_stats_summary_by_group(x, 0, n, 1, out, &scratch);
}

void ta_stats_summary_int(int64_t n, int64_t sum, int64_t sumsq, ta_summary_t *out)
{
    out->n = n;
    if (n < 2) {
        finish(out, (double)sum, 0.0);
        return;
    }
    /* n * sumsq - sum^2 is exact in 128 bits: the sum of squared deviations times n. */
    __int128 num = (__int128)n * sumsq - (__int128)sum * sum;
    finish(out, (double)sum, (double)num / (double)n);
}

int64_t ta_stats_sorted_common(const int32_t *a, int64_t na, const int32_t *b, int64_t nb)
{
    int64_t i = 0, j = 0, c = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            c++;
            i++;
            j++;
        }
    }
    return c;
}

int ta_stats_sorted_intersect(const int32_t *a, int64_t na, const int32_t *b, int64_t nb)
{
    int64_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            return 1;
    }
    return 0;
}

int32_t ta_stats_decile(int64_t t, int64_t n)
{
    int64_t d = n > 0 ? (t * 10) / n : 0;
    return (int32_t)(d > 9 ? 9 : d);
}
