/* Statistics over neighbour lists and categories: the kernels behind `diversity`, `translate`
 * and `compare`. Plain arrays in, numbers out: nothing here allocates, prints or calls MPI.
 *
 * Conventions shared by all analyses:
 *   - "the top N others" of a query are the first N entries of its neighbour row that are not
 *     the query itself and not negative (a negative index marks a missing neighbour);
 *   - a summary is the mean, the sample standard deviation (ddof = 1) and the half-width of the
 *     95% interval 1.96 * std / sqrt(n); with n = 1 std and interval are NaN, with n = 0 the
 *     mean is NaN too. */
#ifndef TA_STATS_H
#define TA_STATS_H

#include <stdint.h>

typedef struct {
    int64_t n;
    double mean, std, ci;
} ta_summary_t;

/* Local. Copies the first `top` others of row[0..k) (skipping `self` and negative entries) into
 * out; returns how many were copied (less than top when the row runs out). */
int64_t ta_stats_top_others(const int32_t *row, int64_t k, int32_t self, int64_t top, int32_t *out);

/* Local. Number of distinct categories among self_cat (ignored when negative) and cat[0..n),
 * leaving out categories c with excluded[c] != 0 (excluded may be NULL). mark is scratch of ncat
 * bytes that must be zero on entry; it is zero again on return. */
int ta_stats_distinct(int32_t self_cat, const int32_t *cat, int64_t n, const uint8_t *excluded,
                      uint8_t *mark);

/* Local. Histogram of cat[0..n) into hist (ncat entries, zero on entry) and the entropy in nats
 * of the distribution hist / n, summed in category order; the caller clears hist with
 * ta_stats_clear_hist afterwards. */
double ta_stats_entropy(const int32_t *cat, int64_t n, int32_t ncat, int64_t *hist);
/* Local. Sets hist[cat[i]] = 0 for i < n (cheaper than clearing all ncat entries). */
void ta_stats_clear_hist(const int32_t *cat, int64_t n, int64_t *hist);

/* Local. Summaries of x[i] by group[i] (ngroups groups; entries with group < 0 are skipped),
 * in two passes in index order, so that the result depends only on the values and their order.
 * sum is scratch of ngroups doubles. */
void ta_stats_summary_by_group(const double *x, const int32_t *group, int64_t n, int32_t ngroups,
                               ta_summary_t *out, double *sum);
/* Local. Summary of x[0..n) (one group). */
void ta_stats_summary(const double *x, int64_t n, ta_summary_t *out);
/* Local. Summary of n integer values given by their exact sum and sum of squares. */
void ta_stats_summary_int(int64_t n, int64_t sum, int64_t sumsq, ta_summary_t *out);

/* Local. Number of common values of two sorted int32 arrays without duplicates. */
int64_t ta_stats_sorted_common(const int32_t *a, int64_t na, const int32_t *b, int64_t nb);
/* Local. Whether two sorted int32 arrays share at least one value. */
int ta_stats_sorted_intersect(const int32_t *a, int64_t na, const int32_t *b, int64_t nb);

/* Local. Decile 0..9 of token id t among ids 0..n-1: floor(10 t / n). */
int32_t ta_stats_decile(int64_t t, int64_t n);

#endif
