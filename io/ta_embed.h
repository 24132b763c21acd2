/* Embedding matrices from checkpoints: the readers every computing command uses.
 *
 * A source is a Hugging Face model directory (model.safetensors or a sharded index), a single
 * .safetensors file, a 2-D .npy file, FILE.h5:/dataset, or a tokenatlas model.h5 (its
 * /embeddings). Values are converted to f32 on read. Opening validates the headers; reading takes
 * any row range, so that each MPI rank reads only its own rows. */
#ifndef TA_EMBED_H
#define TA_EMBED_H

#include "kernels/ta_rownorm.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ta__embed_impl ta__embed_impl_t;

typedef struct {
    int64_t rows, cols;  /* tensor shape: as stored, or the selected rows (ta_embed_select) */
    char dtype[8];       /* "F32", "F16", "BF16", "F64" */
    char tensor[256];    /* tensor / dataset name */
    char file[4096];     /* the file holding the tensor */
    char spec[4096];     /* what the user gave */
    int64_t stored_rows; /* rows of the tensor as stored */
    int64_t *sel;        /* NULL, or the stored row of each row (ta_embed_select) */
    ta__embed_impl_t *impl;
} ta_embed_t;

/* Local. Opens spec; tensor may be NULL (found by the known names or the one 2-D candidate). */
int ta_embed_open(const char *spec, const char *tensor, ta_embed_t *e);
/* Local. Rows [row0, row0+nrows) as f32 into out (nrows x cols). Errors name the file and row. */
int ta_embed_read_rows(ta_embed_t *e, int64_t row0, int64_t nrows, float *out);
/* Local. Restricts e to n stored rows: from now on e->rows = n and row i is stored row ids[i]
 * (ids copied; each in [0, stored_rows); a run of consecutive ids is read in one piece), so that
 * every reader of e works on the sub-matrix. */
int ta_embed_select(ta_embed_t *e, const int64_t *ids, int64_t n);
/* Local. The stored row of row i (i itself without a selection), for messages and for mapping
 * results back to token ids. */
static inline int64_t ta_embed_row_id(const ta_embed_t *e, int64_t i)
{
    return e->sel ? e->sel[i] : i;
}
/* Local. */
void ta_embed_close(ta_embed_t *e);

/* Checked rows (io/ta_embed_rows.c): every command that normalises rows or takes their norms
 * reads them through these, so that all use the one row normaliser (kernels/ta_rownorm.h) and
 * report bad rows alike. A row holding a NaN or an infinity is TA_EINPUT naming the file, the
 * tensor, the row and the column. Zero rows (norm 0) are added to *z (may be NULL; start it at
 * {0, -1}), with tensor row numbers. */

/* Local. Rows [row0, row0+nrows) into out (nrows x cols), L2-normalised; ok[i] = 0 for a zero
 * row (left as zeros), 1 otherwise (ok may be NULL). */
int ta_embed_read_normalized(ta_embed_t *e, int64_t row0, int64_t nrows, float *out, uint8_t *ok,
                             ta_rownorm_zeros_t *z);
/* Local. Rows [row0, row0+nrows) into out as read, and their L2 norms (in double) into norm. */
int ta_embed_read_norms(ta_embed_t *e, int64_t row0, int64_t nrows, float *out, double *norm,
                        ta_rownorm_zeros_t *z);
/* Local. The one warning for zero rows, on rank 0: "FILE: N rows are all zeros (first: row R):
 * WHAT" (WHAT says what the command does with them; the first row is left out when unknown,
 * z->first < 0). Nothing when z->count is 0. */
void ta_embed_warn_zero_rows(const ta_embed_t *e, const ta_rownorm_zeros_t *z, const char *what);

/* Local. Like ta_embed_open; when no tensor is named and no known name matches, 2-D candidates
 * with fewer than min_rows rows (the vocabulary size) are not considered. */
int ta_embed_open_ex(const char *spec, const char *tensor, int64_t min_rows, ta_embed_t *e);

/* Buffer-level parsers (also the entry points of the fuzzers in tests/fuzz/). */

/* One tensor of a safetensors header. begin/end are relative to the data area. */
typedef struct {
    char *name;
    char dtype[12];
    int ndim;
    int64_t shape[8]; /* the first 8 dimensions */
    int64_t numel;
    int64_t begin, end;
} ta_st_tensor_t;

typedef struct {
    int64_t n;
    ta_st_tensor_t *t;
    int64_t header_len; /* the JSON length (bytes 8 .. 8 + header_len) */
} ta_st_header_t;

/* Local. Validates a safetensors JSON header of len bytes as the safetensors library does (a JSON
 * object, __metadata__ allowed, known dtypes, shape x dtype size equal to the byte range, ranges
 * inside the data area of data_bytes bytes and not overlapping). path names the file in errors. */
int ta_st_parse_header(const char *path, const char *json, size_t len, int64_t data_bytes,
                       ta_st_header_t *h);
/* Local. A whole safetensors file in memory: 8-byte little-endian header length, then the header
 * (length bounded by 100 MB and inside the file), then the data. */
int ta_st_parse_buffer(const char *path, const unsigned char *buf, size_t len, ta_st_header_t *h);
void ta_st_header_free(ta_st_header_t *h);

/* A .npy header. */
typedef struct {
    int major, minor;
    char descr[16];
    int fortran_order;
    int ndim;
    int64_t shape[8];
    int64_t data_offset; /* byte offset of the data in the file */
} ta_npy_header_t;

/* Local. Parses the header at the start of a .npy file (buf holds the first len bytes; the file
 * has file_size bytes; the data must fit in it). Checks magic, version 1/2/3, the dict literal,
 * and that shape x item size fits in the file (2-D, f16/f32/f64, C order are checked by the
 * reader, not here). */
int ta_npy_parse_header(const char *path, const unsigned char *buf, size_t len, int64_t file_size,
                        ta_npy_header_t *h);

#endif
