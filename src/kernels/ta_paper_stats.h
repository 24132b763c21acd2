/* The neighbourhood statistics of the paper protocol (`--protocol paper` of diversity, translate
 * and compare): the definitions of Wen-Yi & Mimno's published scripts (hyperpolyglot,
 * scripts/category-category-table.py, category-entropy-table.py, vocab_translation.py,
 * neighbor_meaning.py, meaning-by-category-table.py, compare_neighbors.py, count_similar.py and
 * the notebooks of Figures 5, 6 and 9), on plain arrays.
 *
 * The scripts work on the neighbours TSV of find_neighbors.py: for every query, its 100 nearest
 * tokens by cosine, the token itself included. Here a "row" is the list of entries of one query
 * in the neighbours file (every column, the query itself included; negative entries, missing
 * neighbours, are not rows of the paper's TSV and are skipped).
 *
 * Kernels: nothing here allocates, prints or calls MPI. */
#ifndef TA_PAPER_STATS_H
#define TA_PAPER_STATS_H

#include "kernels/ta_stats.h"

#include <stddef.h>
#include <stdint.h>

/* Local. pandas' `.fillna(0)` on a summary row: every NaN field (std and interval for n = 1,
 * everything but n for n = 0) becomes 0, as the paper's tables write them. */
void ta_paper_fill0(ta_summary_t *s);

/* Local. The category x category table of category-category-table.py for one row: the entries'
 * categories cat[0..n) are counted per category b (hist, ncat entries, zero on entry and on
 * return); each category b with h_b > 0 adds one token to nz[a * ncat + b], h_b to sum[...] and
 * h_b^2 to sumsq[...], a being the query's category. `groupby(...).size()` has no rows for
 * absent categories, so a cell's mean is over the tokens with at least one such neighbour:
 * summarise a cell with ta_stats_summary_int(nz, sum, sumsq) and ta_paper_fill0. */
void ta_paper_matrix_add(int32_t a, const int32_t *cat, int64_t n, int32_t ncat, int64_t *hist,
                         int64_t *nz, int64_t *sum, int64_t *sumsq);

/* Local. category-entropy-table.py's entropy of one row, exactly as the script computes it: the
 * per-category counts of the entries' categories cat[0..n) (`groupby(...).size()`, column n) go
 * through get_entropy(), which takes `data.value_counts()` of those counts, so the result is
 * scipy.stats.entropy (natural log) of how often each count value occurs among the categories
 * present, not of the counts themselves: counts {2, 1} give ln 2, counts {1, 1, 1} give 0, a
 * single category gives 0. hist (one entry per category) and vhist (n + 1 entries) are scratch,
 * zero on entry and on return. */
double ta_paper_entropy(const int32_t *cat, int64_t n, int64_t *hist, int64_t *vhist);

/* Local. neighbor_meaning.py for one row: how many entries j of row[0..n) (negative entries
 * skipped, the query itself counted like any other) have a non-empty English-word set that
 * intersects the query's. Word w's English words are eng[off[w] .. off[w + 1]) (sorted); word[t]
 * is token t's word, -1 when the dictionaries do not hold it (an empty set, so 0 for the whole
 * row when word[q] < 0: such tokens count 0 and stay in the means). */
int32_t ta_paper_translation_count(int32_t q, const int32_t *row, int64_t n, const int32_t *word,
                                   const int64_t *off, const int32_t *eng);

/* Local. vocab_translation.py's lookup key of a token: Python's `str.lower()` (full Unicode
 * lower-casing with final sigma, through ICU's root locale), then `.strip("▁")` (U+2581 removed at
 * both ends), then the string literal that the script's unescaped SQL query
 * `vocab == '{key}'` reads: each doubled quote '' stands for one quote. Writes the key to
 * out[0..*outlen) (not NUL-terminated) using work as scratch; cap >= 2 * len + 4 bytes and
 * work_units >= 3 * len + 8 UTF-16 units always suffice (lower-casing at most doubles a string).
 * Returns 1 when the token has a key; 0 when it has none: not valid UTF-8, or a quote that is not
 * doubled (the script's query then fails and its except branch gives the token no translation);
 * -1 when out or work is too small. */
int ta_paper_translation_key(const char *s, size_t len, char *out, size_t cap, size_t *outlen,
                             uint16_t *work, size_t work_units);

/* Local. Length of s[0..len) without its trailing whitespace in Python's sense (str.isspace:
 * general category Zs or bidirectional class WS, B or S), the part of a token that survives
 * `line.rstrip()` when it ends a line of the paper's neighbours TSV (compare_neighbors.py and
 * count_similar.py key neighbours by it). Invalid UTF-8 ends the scan (the rest is kept). */
size_t ta_paper_rstrip_len(const char *s, size_t len);

/* Local. compare_neighbors.py's jaccard(): a[0..na) and b[0..nb) are the two neighbour sets
 * (sorted, without repeats, na >= 1); *inter = |A & B|, *jaccard = |A & B| / |A | B| and
 * *overlap = 100 |A & B| / |A| (percent). */
void ta_paper_jaccard(const int32_t *a, int64_t na, const int32_t *b, int64_t nb, int64_t *inter,
                      double *jaccard, double *overlap);

/* Local. Counter.most_common(m) of count_similar.py: the at most m keys with count > 0, by count
 * descending, ties by the position of their first appearance (first[key], ascending: a Counter
 * keeps insertion order and most_common sorts stably). out[0..*nout) receives the keys. O(n m). */
void ta_paper_top_hubs(const int64_t *count, const int64_t *first, int64_t n, int64_t m,
                       int32_t *out, int64_t *nout);

/* Local. scipy.stats.skew(x) (bias=True): m3 / m2^1.5 with the central moments m2, m3 of
 * x[0..n); NaN when n = 0 or when m2 <= (1e-15 * mean)^2 (scipy's test for a constant sample). */
double ta_paper_skew(const int64_t *x, int64_t n);

/* Local. The frequency deciles of the Figure 9 notebook: tokens 0..n-1 sorted by count ascending
 * (`df.sort_values("count")`; ties, which pandas' unstable sort leaves unspecified, by token id),
 * token of rank r (0-based) in decile ceil(10 (r + 1) / n), 1 (least frequent) .. 10.
 * decile[0..n) receives each token's decile; order and work are scratch of n int32 each (order
 * holds the ranked ids on return). */
void ta_paper_freq_deciles(const int64_t *count, int64_t n, int32_t *order, int32_t *work,
                           int32_t *decile);

#endif
