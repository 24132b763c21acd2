/* Writing a one-tensor safetensors file row block by row block, so that a model of any size is
 * streamed to disk (used by `synth`). Several processes may write disjoint row ranges of the
 * same file: one creates it (header written, file sized), the others open it, each pwrite()s its
 * rows, and the creator renames PATH.tmp to PATH when all are done. */
#ifndef TA_STWRITE_H
#define TA_STWRITE_H

#include <stdint.h>

typedef struct {
    int fd;
    int owner; /* created the file (removes it on abort) */
    int bf16;  /* 1: BF16 (rounded to nearest even), 0: F32 */
    int64_t rows, cols;
    int64_t data_off; /* absolute offset of the data */
    void *buf;        /* conversion buffer */
    int64_t buf_rows;
    char path[4096];
    char tmp[4112];
} ta_stw_t;

/* Local. Creates PATH.tmp with the header {"__metadata__": {meta_keys[i]: meta_vals[i]},
 * tensor: {dtype, shape [rows, cols], data_offsets}} (dtype "BF16" or "F32") and sizes it. */
int ta_stw_create(ta_stw_t *w, const char *path, const char *tensor, const char *dtype,
                  int64_t rows, int64_t cols, const char *const *meta_keys,
                  const char *const *meta_vals, int nmeta);
/* Local. Opens the PATH.tmp another process created (same dtype, rows, cols). */
int ta_stw_open(ta_stw_t *w, const char *path, const char *dtype, int64_t rows, int64_t cols);
/* Local. Writes rows [row0, row0 + nrows) from f32 values. */
int ta_stw_write_rows(ta_stw_t *w, int64_t row0, int64_t nrows, const float *x);
/* Local. fsync and close (every writer). */
int ta_stw_close(ta_stw_t *w);
/* Local. Renames PATH.tmp to PATH (the creator, after every writer closed). */
int ta_stw_commit(ta_stw_t *w);
/* Local. Closes; the creator also removes PATH.tmp. */
void ta_stw_abort(ta_stw_t *w);

/* Local. f32 -> bf16, rounded to nearest even (NaN stays NaN). */
uint16_t ta_f32_to_bf16(float f);

#endif
