#include "io/ta_nbfile.h"

#include "base/ta_error.h"
#include "kernels/ta_stats.h"
#include "io/ta_h5.h"
#include "io/ta_subset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room in nb's bit set for token ids below n (zeroed). */
static int seen_reserve(ta_nbfile_t *nb, int64_t n)
{
    int64_t words = (n + 63) / 64;
    if (words <= nb->ta__nseen)
        return 0;
    uint64_t *s = ta_calloc((size_t)words, sizeof *s);
    TA_CHECK(s, TA_ERESOURCE, "out of memory for a set of %lld token ids", (long long)n);
    free(nb->ta__seen);
    nb->ta__seen = s;
    nb->ta__nseen = words;
    return 0;
}

/* The first entry of v[0..n) (ids >= 0; -1 entries are skipped) that repeats an earlier one, or
 * -1. Leaves nb's bit set clear. */
static int64_t first_repeat(ta_nbfile_t *nb, const int32_t *v, int64_t n, int64_t stride)
{
    uint64_t *s = nb->ta__seen;
    int64_t at = -1, i;
    for (i = 0; i < n && at < 0; i++) {
        int32_t x = v[i * stride];
        if (x < 0)
            continue;
        if (s[x >> 6] >> (x & 63) & 1)
            at = i;
        s[x >> 6] |= (uint64_t)1 << (x & 63);
    }
    for (int64_t j = 0; j < i; j++)
        if (v[j * stride] >= 0)
            s[v[j * stride] >> 6] &= ~((uint64_t)1 << (v[j * stride] & 63));
    return at;
}

int ta_nbfile_open(const char *path, ta_nbfile_t *nb)
{
    memset(nb, 0, sizeof *nb);
    nb->file = H5I_INVALID_HID;
    nb->n_tokens = -1;
    TA_CHECK(strlen(path) < sizeof nb->path, TA_EINPUT, "%s: path too long", path);
    snprintf(nb->path, sizeof nb->path, "%s", path);
    TA_CALL(ta_h5_open_read(path, &nb->file));
    int rc = 0, nd = 0;
    int64_t dims[2], qdims[2];
    TA_CALL_GOTO(ta_h5_dims(nb->file, path, "/neighbors/index", &nd, dims), fail);
    TA_CHECK_GOTO(nd == 2, TA_EINPUT, fail, "%s: /neighbors/index: expected 2 dimensions [Q, k]",
                  path);
    TA_CALL_GOTO(ta_h5_dims(nb->file, path, "/neighbors/query", &nd, qdims), fail);
    TA_CHECK_GOTO(nd == 1 && qdims[0] == dims[0], TA_EINPUT, fail,
                  "%s: /neighbors/query has %lld rows, /neighbors/index %lld", path,
                  (long long)qdims[0], (long long)dims[0]);
    TA_CHECK_GOTO(dims[1] <= INT32_MAX, TA_EINPUT, fail, "%s: k = %lld is too large", path,
                  (long long)dims[1]);
    nb->q = dims[0];
    nb->k = dims[1];
    TA_CHECK_GOTO(nb->q > 0, TA_EINPUT, fail, "%s: /neighbors/index has no rows (no queries)",
                  path);
    int found = 0;
    int64_t v = 0;
    TA_CALL_GOTO(ta_h5_get_attr_int(nb->file, path, "/neighbors", "n_tokens", &v, &found), fail);
    if (found) {
        TA_CHECK_GOTO(v >= 1 && v <= INT32_MAX, TA_EINPUT, fail,
                      "%s: /neighbors attribute n_tokens = %lld is out of range", path,
                      (long long)v);
        nb->n_tokens = v;
    }
    nb->query = ta_malloc((size_t)(nb->q ? nb->q : 1) * sizeof *nb->query);
    TA_CHECK_GOTO(nb->query, TA_ERESOURCE, fail, "out of memory for %lld query ids",
                  (long long)nb->q);
    TA_CALL_GOTO(
        ta_h5_read_rows(nb->file, path, "/neighbors/query", TA_ELEM_I32, 0, nb->q, nb->query),
        fail);
    int32_t top = 0;
    for (int64_t i = 0; i < nb->q; i++) {
        TA_CHECK_GOTO(nb->query[i] >= 0 && (nb->n_tokens < 0 || nb->query[i] < nb->n_tokens),
                      TA_EINPUT, fail, "%s: /neighbors/query row %lld: token id %d out of range",
                      path, (long long)i, nb->query[i]);
        top = nb->query[i] > top ? nb->query[i] : top;
    }
    /* A token queried twice would be counted twice by every statistic. */
    TA_CALL_GOTO(seen_reserve(nb, (int64_t)top + 1), fail);
    int64_t dup = first_repeat(nb, nb->query, nb->q, 1), first = 0;
    while (dup >= 0 && nb->query[first] != nb->query[dup])
        first++;
    TA_CHECK_GOTO(dup < 0, TA_EINPUT, fail,
                  "%s: /neighbors/query rows %lld and %lld: token id %d is queried twice", path,
                  (long long)first, (long long)dup, dup < 0 ? 0 : nb->query[dup]);
    return 0;
fail:
    ta_nbfile_close(nb);
    return rc;
}

int ta_nbfile_set_ntokens(ta_nbfile_t *nb, int64_t n, const char *what)
{
    if (nb->n_tokens >= 0) {
        TA_CHECK(nb->n_tokens == n, TA_EINPUT,
                 "%s: %lld tokens (attribute n_tokens) but %s has %lld", nb->path,
                 (long long)nb->n_tokens, what, (long long)n);
        return 0;
    }
    for (int64_t i = 0; i < nb->q; i++)
        TA_CHECK(nb->query[i] < n, TA_EINPUT,
                 "%s: /neighbors/query row %lld: token id %d but %s has %lld tokens", nb->path,
                 (long long)i, nb->query[i], what, (long long)n);
    nb->n_tokens = n;
    return 0;
}

int ta_nbfile_select(ta_nbfile_t *nb, const char *spec)
{
    TA_CHECK(nb->n_tokens >= 0, TA_EINTERNAL, "%s: subset before the token count is known",
             nb->path);
    int64_t *ids = NULL, cnt = 0;
    TA_CALL(ta_subset_read(spec, nb->n_tokens, &ids, &cnt));
    uint8_t *in = ta_calloc((size_t)nb->n_tokens + 1, 1);
    int64_t *rows = ta_malloc((size_t)(nb->q + 1) * sizeof *rows);
    int rc = 0;
    TA_CHECK_GOTO(in && rows, TA_ERESOURCE, done, "out of memory for the subset %s", spec);
    for (int64_t i = 0; i < cnt; i++)
        in[ids[i]] = 1;
    int64_t m = 0;
    for (int64_t r = 0; r < nb->q; r++)
        if (in[nb->query[r]]) {
            rows[m] = nb->rows ? nb->rows[r] : r;
            nb->query[m++] = nb->query[r];
        }
    free(nb->rows);
    nb->rows = rows;
    nb->q = m;
    rows = NULL;
done:
    free(ids);
    free(in);
    free(rows);
    return rc;
}

/* File rows [row0, row0 + nrows) of /neighbors/index, each entry checked. */
static int read_file_rows(ta_nbfile_t *nb, int64_t row0, int64_t nrows, void *out)
{
    int32_t *buf = out;
    TA_CALL(ta_h5_read_rows(nb->file, nb->path, "/neighbors/index", TA_ELEM_I32, row0, nrows, buf));
    int32_t top = 0;
    for (int64_t i = 0; i < nrows; i++)
        for (int64_t j = 0; j < nb->k; j++) {
            int32_t v = buf[i * nb->k + j];
            TA_CHECK(v >= -1 && (nb->n_tokens < 0 || v < nb->n_tokens), TA_EINPUT,
                     "%s: /neighbors/index row %lld column %lld: token id %d out of range "
                     "(%lld tokens)",
                     nb->path, (long long)(row0 + i), (long long)j, v, (long long)nb->n_tokens);
            top = v > top ? v : top;
        }
    /* A neighbour listed twice in a row would count twice (exact top-k lists never repeat). */
    TA_CALL(seen_reserve(nb, (int64_t)top + 1));
    for (int64_t i = 0; i < nrows; i++) {
        int64_t j = first_repeat(nb, buf + i * nb->k, nb->k, 1);
        TA_CHECK(j < 0, TA_EINPUT,
                 "%s: /neighbors/index row %lld column %lld: token id %d repeats an earlier "
                 "neighbour of the row",
                 nb->path, (long long)(row0 + i), (long long)j, j < 0 ? 0 : buf[i * nb->k + j]);
    }
    return 0;
}

/* File rows [row0, row0 + nrows) of /neighbors/score, whose shape must be that of the index. */
static int read_file_scores(ta_nbfile_t *nb, int64_t row0, int64_t nrows, void *buf)
{
    int nd = 0, ni = 0;
    int64_t dims[2] = {0, 0}, idims[2] = {0, 0};
    TA_CALL(ta_h5_dims(nb->file, nb->path, "/neighbors/score", &nd, dims));
    TA_CALL(ta_h5_dims(nb->file, nb->path, "/neighbors/index", &ni, idims));
    TA_CHECK(nd == 2 && dims[0] == idims[0] && dims[1] == nb->k, TA_EINPUT,
             "%s: /neighbors/score is not [%lld, %lld] like /neighbors/index", nb->path,
             (long long)idims[0], (long long)nb->k);
    return ta_h5_read_rows(nb->file, nb->path, "/neighbors/score", TA_ELEM_F32, row0, nrows, buf);
}

/* Rows [row0, row0 + nrows) of the selection (the file's rows without one) through read, one
 * call per run of consecutive file rows; elem bytes per entry, k entries per row. */
static int read_selected(ta_nbfile_t *nb, int64_t row0, int64_t nrows, void *buf, size_t elem,
                         int (*read)(ta_nbfile_t *, int64_t, int64_t, void *))
{
    if (!nb->rows)
        return read(nb, row0, nrows, buf);
    for (int64_t i = row0; i < row0 + nrows;) {
        int64_t j = i + 1;
        while (j < row0 + nrows && nb->rows[j] == nb->rows[j - 1] + 1)
            j++;
        TA_CALL(read(nb, nb->rows[i], j - i, (char *)buf + (size_t)((i - row0) * nb->k) * elem));
        i = j;
    }
    return 0;
}

int ta_nbfile_read_index(ta_nbfile_t *nb, int64_t row0, int64_t nrows, int32_t *buf)
{
    return read_selected(nb, row0, nrows, buf, sizeof *buf, read_file_rows);
}

int ta_nbfile_read_score(ta_nbfile_t *nb, int64_t row0, int64_t nrows, float *buf)
{
    return read_selected(nb, row0, nrows, buf, sizeof *buf, read_file_scores);
}

/* Rows of the neighbour index read at a time. */
#define TA__NB_BLOCK_ROWS 8192

int ta_nbfile_each_row_full(ta_nbfile_t *nb, int64_t lo, int64_t hi, ta_nbfile_full_fn fn,
                            void *ctx)
{
    int64_t k = nb->k, m = hi - lo;
    int64_t brows = m < TA__NB_BLOCK_ROWS ? m : TA__NB_BLOCK_ROWS;
    int32_t *idx = ta_malloc((size_t)(brows ? brows : 1) * (size_t)(k ? k : 1) * sizeof *idx);
    int rc = 0;
    TA_CHECK_GOTO(idx, TA_ERESOURCE, done, "out of memory for %lld rows of %lld neighbours",
                  (long long)brows, (long long)k);
    /* Blocks of brows rows of [lo, hi). */
    for (int64_t r0 = lo; r0 < hi; r0 += brows) {
        int64_t nr = hi - r0 < brows ? hi - r0 : brows;
        TA_CALL_GOTO(ta_nbfile_read_index(nb, r0, nr, idx), done);
        for (int64_t i = 0; i < nr; i++)
            TA_CALL_GOTO(fn(ctx, r0 + i, nb->query[r0 + i], idx + i * k, k), done);
    }
done:
    free(idx);
    return rc;
}

/* ta_nbfile_each_row on top of the whole-row walk: the top others of each row. */
typedef struct {
    ta_nbfile_t *nb;
    int64_t top;
    int32_t *nbr; /* [top] */
    ta_nbfile_row_fn fn;
    void *ctx;
} ta__others_t;

int ta_nbfile_top_others(const ta_nbfile_t *nb, int64_t row, int32_t query, const int32_t *entries,
                         int64_t k, int64_t top, int32_t *out)
{
    int64_t got = ta_stats_top_others(entries, k, query, top, out);
    TA_CHECK(got == top, TA_EINPUT,
             "%s: row %lld (token %d) has only %lld neighbours other than itself, fewer than "
             "--top %lld",
             nb->path, (long long)(nb->rows ? nb->rows[row] : row), query, (long long)got,
             (long long)top);
    return 0;
}

static int ta__others_row(void *ctx, int64_t row, int32_t q, const int32_t *entries, int64_t k)
{
    ta__others_t *x = ctx;
    TA_CALL(ta_nbfile_top_others(x->nb, row, q, entries, k, x->top, x->nbr));
    return x->fn(x->ctx, row, q, x->nbr, x->top);
}

int ta_nbfile_each_row(ta_nbfile_t *nb, int64_t lo, int64_t hi, int64_t top, ta_nbfile_row_fn fn,
                       void *ctx)
{
    ta__others_t x = {nb, top, ta_malloc((size_t)(top ? top : 1) * sizeof(int32_t)), fn, ctx};
    TA_CHECK(x.nbr, TA_ERESOURCE, "out of memory for %lld neighbours", (long long)top);
    int rc = ta_nbfile_each_row_full(nb, lo, hi, ta__others_row, &x);
    free(x.nbr);
    return rc;
}

int ta_nbfile_has_tokens(const ta_nbfile_t *nb)
{
    return ta_h5_exists(nb->file, "/vocab/token");
}

int ta_nbfile_read_tokens(ta_nbfile_t *nb, char ***tok, int64_t *n)
{
    TA_CALL(ta_h5_read_strings(nb->file, nb->path, "/vocab/token", tok, n));
    return 0;
}

void ta_nbfile_close(ta_nbfile_t *nb)
{
    /* HDF5 identifiers are positive: a zeroed struct holds no file. */
    if (nb->file > 0)
        H5Fclose(nb->file);
    nb->file = H5I_INVALID_HID;
    free(nb->query);
    nb->query = NULL;
    free(nb->ta__seen);
    nb->ta__seen = NULL;
    nb->ta__nseen = 0;
    free(nb->rows);
    nb->rows = NULL;
}
