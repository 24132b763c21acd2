/* The paper protocol's neighbourhood statistics; see ta_paper_stats.h for the definitions and
 * the scripts they come from. */
#include "kernels/ta_paper_stats.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <unicode/ustring.h>
#include <utf8proc.h>

void ta_paper_fill0(ta_summary_t *s)
{
    if (isnan(s->mean))
        s->mean = 0.0;
    if (isnan(s->std))
        s->std = 0.0;
    if (isnan(s->ci))
        s->ci = 0.0;
}

void ta_paper_matrix_add(int32_t a, const int32_t *cat, int64_t n, int32_t ncat, int64_t *hist,
                         int64_t *nz, int64_t *sum, int64_t *sumsq)
{
    for (int64_t j = 0; j < n; j++)
        hist[cat[j]]++;
    /* Each category present once: the first entry holding it takes its count and clears it. */
    for (int64_t j = 0; j < n; j++) {
        int32_t b = cat[j];
        int64_t h = hist[b];
        if (h == 0)
            continue;
        int64_t cell = (int64_t)a * ncat + b;
        nz[cell]++;
        sum[cell] += h;
        sumsq[cell] += h * h;
        hist[b] = 0;
    }
}

double ta_paper_entropy(const int32_t *cat, int64_t n, int64_t *hist, int64_t *vhist)
{
    for (int64_t j = 0; j < n; j++)
        hist[cat[j]]++;
    /* value_counts() of the counts: vhist[v] = categories present v times. */
    int64_t m = 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t h = hist[cat[j]];
        if (h > 0) {
            vhist[h]++;
            m++;
            hist[cat[j]] = -h; /* counted; the sign keeps the value for the next pass */
        }
    }
    /* scipy.stats.entropy(value_counts): -sum p ln p, p = vhist[v] / m, each value once. */
    double e = 0.0;
    for (int64_t j = 0; j < n; j++) {
        int64_t v = -hist[cat[j]];
        if (v > 0 && vhist[v] > 0) {
            double p = (double)vhist[v] / (double)m;
            e -= p * log(p);
            vhist[v] = 0;
        }
    }
    for (int64_t j = 0; j < n; j++)
        hist[cat[j]] = 0;
    return e == 0.0 ? 0.0 : e;
}

int32_t ta_paper_translation_count(int32_t q, const int32_t *row, int64_t n, const int32_t *word,
                                   const int64_t *off, const int32_t *eng)
{
    int32_t wq = word[q];
    if (wq < 0)
        return 0;
    int32_t c = 0;
    for (int64_t j = 0; j < n; j++) {
        if (row[j] < 0)
            continue;
        int32_t wj = word[row[j]];
        if (wj < 0)
            continue;
        if (wj == wq || ta_stats_sorted_intersect(eng + off[wq], off[wq + 1] - off[wq],
                                                  eng + off[wj], off[wj + 1] - off[wj]))
            c++;
    }
    return c;
}

/* UTF-8 of U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's word-start mark. */
static int is_mark(const char *s, size_t len)
{
    return len >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x96 &&
           (unsigned char)s[2] == 0x81;
}

int ta_paper_translation_key(const char *s, size_t len, char *out, size_t cap, size_t *outlen,
                             uint16_t *work, size_t work_units)
{
    *outlen = 0;
    if (len > INT32_MAX / 4)
        return -1;
    /* str.lower(): ICU's full lower-casing in the root locale (SpecialCasing's unconditional
     * mappings and the Final_Sigma context), as CPython's lower(). */
    size_t half = work_units / 3;
    UChar *src = (UChar *)work, *dst = (UChar *)work + half;
    size_t dcap = work_units - half;
    UErrorCode err = U_ZERO_ERROR;
    int32_t n16 = 0;
    u_strFromUTF8(src, (int32_t)half, &n16, s, (int32_t)len, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR)
        return -1;
    if (U_FAILURE(err))
        return 0; /* not valid UTF-8 */
    int32_t nl = u_strToLower(dst, (int32_t)dcap, src, n16, "", &err);
    if (U_FAILURE(err))
        return -1;
    int32_t n8 = 0;
    u_strToUTF8(out, (int32_t)cap, &n8, dst, nl, &err);
    if (U_FAILURE(err))
        return -1;
    /* .strip("▁"): the mark at both ends, as often as it repeats. */
    size_t b = 0, e = (size_t)n8;
    while (e - b >= 3 && is_mark(out + b, e - b))
        b += 3;
    while (e - b >= 3 && is_mark(out + e - 3, 3))
        e -= 3;
    /* The SQL literal: runs of quotes of even length stand for half as many quotes; a run of
     * odd length ends the literal early and the query fails. */
    size_t m = 0;
    for (size_t i = b; i < e;) {
        if (out[i] != '\'') {
            out[m++] = out[i++];
            continue;
        }
        size_t r = 0;
        while (i + r < e && out[i + r] == '\'')
            r++;
        if (r % 2)
            return 0;
        for (size_t k = 0; k < r / 2; k++)
            out[m++] = '\'';
        i += r;
    }
    *outlen = m;
    return 1;
}

/* Python's str.isspace(): general category Zs, or bidirectional class WS, B or S. */
static int py_isspace(int32_t c)
{
    if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
        c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
        c == 0x205F || c == 0x3000)
        return 1;
    return 0;
}

size_t ta_paper_rstrip_len(const char *s, size_t len)
{
    size_t keep = 0, i = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (l <= 0)
            return len;
        i += (size_t)l;
        if (!py_isspace(c))
            keep = i;
    }
    return keep;
}

void ta_paper_jaccard(const int32_t *a, int64_t na, const int32_t *b, int64_t nb, int64_t *inter,
                      double *jaccard, double *overlap)
{
    int64_t i = ta_stats_sorted_common(a, na, b, nb);
    *inter = i;
    *jaccard = (double)i / (double)(na + nb - i);
    *overlap = (double)i / (double)na * 100.0;
}

void ta_paper_top_hubs(const int64_t *count, const int64_t *first, int64_t n, int64_t m,
                       int32_t *out, int64_t *nout)
{
    int64_t got = 0;
    /* Insertion into the kept list, which stays sorted by (count desc, first asc). */
    for (int64_t t = 0; t < n; t++) {
        if (count[t] <= 0)
            continue;
        int64_t pos = got;
        while (pos > 0 && (count[out[pos - 1]] < count[t] ||
                           (count[out[pos - 1]] == count[t] && first[out[pos - 1]] > first[t])))
            pos--;
        if (pos >= m)
            continue;
        int64_t last = got < m ? got : m - 1;
        for (int64_t j = last; j > pos; j--)
            out[j] = out[j - 1];
        out[pos] = (int32_t)t;
        if (got < m)
            got++;
    }
    *nout = got;
}

double ta_paper_skew(const int64_t *x, int64_t n)
{
    if (n <= 0)
        return NAN;
    double mean = 0.0;
    for (int64_t i = 0; i < n; i++)
        mean += (double)x[i];
    mean /= (double)n;
    double m2 = 0.0, m3 = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)x[i] - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= (double)n;
    m3 /= (double)n;
    /* np.finfo(float64).resolution = 1e-15. */
    double tiny = 1e-15 * mean;
    if (m2 <= tiny * tiny)
        return NAN;
    return m3 / pow(m2, 1.5);
}

/* Stable bottom-up merge sort of ids by count: equal counts keep their order (ascending ids). */
static void sort_by_count(const int64_t *count, int64_t n, int32_t *a, int32_t *w)
{
    for (int64_t width = 1; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n;
            int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                w[k++] = count[a[j]] < count[a[i]] ? a[j++] : a[i++];
            while (i < mid)
                w[k++] = a[i++];
            while (j < hi)
                w[k++] = a[j++];
        }
        memcpy(a, w, (size_t)n * sizeof *a);
    }
}

void ta_paper_freq_deciles(const int64_t *count, int64_t n, int32_t *order, int32_t *work,
                           int32_t *decile)
{
    for (int64_t t = 0; t < n; t++)
        order[t] = (int32_t)t;
    sort_by_count(count, n, order, work);
    /* np.ceil(10 * (r + 1) / n) in exact integer arithmetic (the quotient of two integers below
     * 2^53 is exact when it is an integer and at least 1/n away from one otherwise). */
    for (int64_t r = 0; r < n; r++)
        decile[order[r]] = (int32_t)((10 * (r + 1) + n - 1) / n);
}
