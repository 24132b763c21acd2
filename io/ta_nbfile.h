/* Reading a neighbours file (`neighbors --out FILE.h5`) for the analyses.
 *
 * Layout: /neighbors/index int32 [Q, k], /neighbors/score f32 [Q, k], /neighbors/query int32 [Q];
 * attributes on /neighbors: k, n_tokens, exclude_self, ...; optionally /vocab/token [N]. Every
 * rank opens the file on its own (serial HDF5) and reads only its rows. */
#ifndef TA_NBFILE_H
#define TA_NBFILE_H

#include <hdf5.h>
#include <stdint.h>

typedef struct {
    hid_t file;
    char path[4096];
    int64_t q, k;       /* rows (queries) and neighbours per row */
    int64_t n_tokens;   /* attribute n_tokens, or -1 when absent */
    int32_t *query;     /* [q] token id of each row */
    int64_t *rows;      /* NULL, or [q] the file row of each row (ta_nbfile_select) */
    uint64_t *ta__seen; /* internal: a bit per token id, to find a neighbour repeated in a row */
    int64_t ta__nseen;
} ta_nbfile_t;

/* Local. Opens path (it must carry complete = 1), reads the shape, the attributes and the query
 * ids, and checks them: at least one row, query ids within 0..n_tokens-1, each id in one row only,
 * n_tokens one integer. */
int ta_nbfile_open(const char *path, ta_nbfile_t *nb);
/* Local. Sets the token count when the file had no n_tokens attribute (from the categories or
 * vocabulary) or checks that it agrees; `what` names the other source in messages. */
int ta_nbfile_set_ntokens(ta_nbfile_t *nb, int64_t n, const char *what);
/* Local. Keeps only the rows whose query is a token of the subset spec (io/ta_subset.h: ids of a
 * vocabulary of n_tokens, which must be known), in the file's order: q and query shrink to them,
 * and every reader below reads those rows only (row numbers are then positions among them;
 * messages name the file's rows). The neighbour lists are kept as the file holds them. */
int ta_nbfile_select(ta_nbfile_t *nb, const char *spec);
/* Local. Rows [row0, row0 + nrows) of /neighbors/index into buf (nrows x k), each entry checked
 * to be -1 (missing) or a token id, no token twice in a row; errors name the file, row and
 * column. */
int ta_nbfile_read_index(ta_nbfile_t *nb, int64_t row0, int64_t nrows, int32_t *buf);
/* Local. Rows [row0, row0 + nrows) of /neighbors/score into buf (nrows x k); the dataset must
 * have the shape of /neighbors/index. The values are not checked (a missing neighbour's is NaN). */
int ta_nbfile_read_score(ta_nbfile_t *nb, int64_t row0, int64_t nrows, float *buf);
/* Called for each row with the first `top` neighbours other than the query (ta_stats_top_others);
 * a nonzero return stops the walk and is passed up. */
typedef int (*ta_nbfile_row_fn)(void *ctx, int64_t row, int32_t query, const int32_t *others,
                                int64_t top);
/* Local. Walks rows [lo, hi) in blocks of a few thousand rows (bounded memory) and calls fn for
 * each; a row with fewer than `top` other neighbours is TA_EINPUT naming the file and row. */
int ta_nbfile_each_row(ta_nbfile_t *nb, int64_t lo, int64_t hi, int64_t top, ta_nbfile_row_fn fn,
                       void *ctx);
/* Called for each row with all its k entries: the query itself and missing neighbours (-1)
 * included, as the file holds them. */
typedef int (*ta_nbfile_full_fn)(void *ctx, int64_t row, int32_t query, const int32_t *entries,
                                 int64_t k);
/* Local. Walks rows [lo, hi) like ta_nbfile_each_row, giving whole rows. */
int ta_nbfile_each_row_full(ta_nbfile_t *nb, int64_t lo, int64_t hi, ta_nbfile_full_fn fn,
                            void *ctx);
/* Local. The first `top` neighbours other than the query among the k entries of row `row`
 * (ta_stats_top_others) into out; fewer is TA_EINPUT naming the file and row. */
int ta_nbfile_top_others(const ta_nbfile_t *nb, int64_t row, int32_t query, const int32_t *entries,
                         int64_t k, int64_t top, int32_t *out);
/* Local. Whether the file holds /vocab/token, and reading it (free with ta_h5_free_strings). */
int ta_nbfile_has_tokens(const ta_nbfile_t *nb);
int ta_nbfile_read_tokens(ta_nbfile_t *nb, char ***tok, int64_t *n);
/* Local. Also on a zeroed struct that was never opened. */
void ta_nbfile_close(ta_nbfile_t *nb);

#endif
