/* Checked rows: embedding rows read through ta_embed and passed through the one row normaliser
 * (kernels/ta_rownorm.h), with the error and the warning every command gives for bad rows. */
#include "io/ta_embed.h"

#include "base/ta_error.h"
#include "base/ta_log.h"

#include <math.h>
#include <stdio.h>

/* The error for the row `bad` of the block read at row0 (x holds the block). */
static int bad_row(const ta_embed_t *e, int64_t row0, int64_t bad, const float *x)
{
    const float *row = x + bad * e->cols;
    int64_t col = ta_rownorm_bad_column(row, e->cols);
    TA_ASSERT(col >= 0);
    return TA_ERR(TA_EINPUT, "%s: tensor %s: row %lld, column %lld is %s", e->file, e->tensor,
                  (long long)ta_embed_row_id(e, row0 + bad), (long long)col,
                  isnan(row[col]) ? "NaN" : "Inf");
}

/* Reads the block at row0 and passes it through the normaliser: normalised in place (norm NULL)
 * or only measured (the norms into norm). */
static int read_checked(ta_embed_t *e, int64_t row0, int64_t nrows, float *out, uint8_t *ok,
                        double *norm, ta_rownorm_zeros_t *z)
{
    TA_CALL(ta_embed_read_rows(e, row0, nrows, out));
    ta_rownorm_zeros_t blk;
    int64_t bad = norm ? ta_rownorm_norms(out, nrows, e->cols, norm, &blk)
                       : ta_rownorm_normalize(out, nrows, e->cols, ok, &blk);
    if (bad >= 0)
        return bad_row(e, row0, bad, out);
    if (z && blk.count) {
        if (z->count == 0)
            z->first = ta_embed_row_id(e, row0 + blk.first);
        z->count += blk.count;
    }
    return 0;
}

int ta_embed_read_normalized(ta_embed_t *e, int64_t row0, int64_t nrows, float *out, uint8_t *ok,
                             ta_rownorm_zeros_t *z)
{
    return read_checked(e, row0, nrows, out, ok, NULL, z);
}

int ta_embed_read_norms(ta_embed_t *e, int64_t row0, int64_t nrows, float *out, double *norm,
                        ta_rownorm_zeros_t *z)
{
    return read_checked(e, row0, nrows, out, NULL, norm, z);
}

void ta_embed_warn_zero_rows(const ta_embed_t *e, const ta_rownorm_zeros_t *z, const char *what)
{
    if (z->count == 0)
        return;
    char first[64] = "";
    if (z->first >= 0)
        snprintf(first, sizeof first, " (first: row %lld)", (long long)z->first);
    ta_log_warn("%s: %lld row%s all zeros%s: %s", e->file, (long long)z->count,
                z->count == 1 ? " is" : "s are", first, what);
}
