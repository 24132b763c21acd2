/* Streaming safetensors writer (see ta_stwrite.h). */
#include "io/ta_stwrite.h"

#include "base/ta_error.h"
#include "io/ta_file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

uint16_t ta_f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static int write_full(int fd, const char *path, const void *buf, size_t n, int64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + (int64_t)done));
        if (w < 0 && errno == EINTR)
            continue;
        TA_CHECK(w > 0, ta_file_write_errc(errno), "%s: write failed at byte %lld: %s", path,
                 (long long)(off + (int64_t)done), strerror(errno));
        done += (size_t)w;
    }
    return 0;
}

static int init(ta_stw_t *w, const char *path, const char *dtype, int64_t rows, int64_t cols)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    TA_CHECK(strcmp(dtype, "BF16") == 0 || strcmp(dtype, "F32") == 0, TA_EINPUT,
             "%s: dtype %s cannot be written (BF16 or F32)", path, dtype);
    w->bf16 = strcmp(dtype, "BF16") == 0;
    w->rows = rows;
    w->cols = cols;
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
    return 0;
}

int ta_stw_create(ta_stw_t *w, const char *path, const char *tensor, const char *dtype,
                  int64_t rows, int64_t cols, const char *const *meta_keys,
                  const char *const *meta_vals, int nmeta)
{
    TA_CALL(init(w, path, dtype, rows, cols));
    int64_t bytes = rows * cols * (w->bf16 ? 2 : 4);
    json_t *root = json_object(), *meta = json_object(), *t = json_object();
    for (int i = 0; i < nmeta; i++)
        json_object_set_new(meta, meta_keys[i], json_string(meta_vals[i]));
    json_object_set_new(root, "__metadata__", meta);
    json_object_set_new(t, "dtype", json_string(dtype));
    json_object_set_new(t, "shape", json_pack("[II]", (json_int_t)rows, (json_int_t)cols));
    json_object_set_new(t, "data_offsets", json_pack("[II]", (json_int_t)0, (json_int_t)bytes));
    json_object_set_new(root, tensor, t);
    char *h = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(root);
    TA_CHECK(h, TA_ERESOURCE, "%s: cannot build the safetensors header", path);
    /* The header is padded with spaces so that the data starts 8-byte aligned. */
    size_t hl = strlen(h), padded = (hl + 7) / 8 * 8;
    unsigned char *head = calloc(1, 8 + padded);
    if (!head) {
        free(h);
        return TA_ERR(TA_ERESOURCE, "out of memory");
    }
    for (int i = 0; i < 8; i++)
        head[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(head + 8, h, hl);
    memset(head + 8 + hl, ' ', padded - hl);
    free(h);
    w->data_off = 8 + (int64_t)padded;
    w->owner = 1;
    int rc = 0;
    TA_CALL_GOTO(ta_file_check_output(path), done);
    TA_CALL_GOTO(ta_file_create_tmp(w->tmp, &w->fd), done);
    TA_CALL_GOTO(write_full(w->fd, w->tmp, head, 8 + padded, 0), done);
    /* The file is sized at once (sparse) and filled afterwards: a disk without room for it is
     * refused now, not after hours of writing. */
    struct statvfs fs;
    TA_CHECK_GOTO(fstatvfs(w->fd, &fs) != 0 || (unsigned long long)(w->data_off + bytes) <=
                                                   (unsigned long long)fs.f_bavail * fs.f_frsize,
                  TA_ERESOURCE, done, "%s: %lld bytes to write, %llu free: the disk is too small",
                  w->tmp, (long long)(w->data_off + bytes),
                  (unsigned long long)fs.f_bavail * fs.f_frsize);
    TA_CHECK_GOTO(ftruncate(w->fd, (off_t)(w->data_off + bytes)) == 0, TA_ERESOURCE, done,
                  "%s: cannot size the file to %lld bytes: %s", w->tmp,
                  (long long)(w->data_off + bytes), strerror(errno));
done:
    free(head);
    if (rc)
        ta_stw_abort(w);
    return rc;
}

int ta_stw_open(ta_stw_t *w, const char *path, const char *dtype, int64_t rows, int64_t cols)
{
    TA_CALL(init(w, path, dtype, rows, cols));
    w->fd = open(w->tmp, O_RDWR | O_CLOEXEC);
    TA_CHECK(w->fd >= 0, TA_EINPUT, "%s: cannot open: %s", w->tmp, strerror(errno));
    /* The data offset follows from the header length the creator wrote. */
    unsigned char len8[8];
    if (pread(w->fd, len8, 8, 0) != 8) {
        close(w->fd);
        w->fd = -1;
        return TA_ERR(TA_EINPUT, "%s: cannot read the header length", w->tmp);
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | len8[i];
    w->data_off = 8 + (int64_t)hl;
    return 0;
}

int ta_stw_write_rows(ta_stw_t *w, int64_t row0, int64_t nrows, const float *x)
{
    TA_CHECK(row0 >= 0 && row0 + nrows <= w->rows, TA_EINTERNAL, "%s: rows out of range", w->path);
    int64_t n = nrows * w->cols;
    if (!w->bf16) {
        TA_CALL(write_full(w->fd, w->tmp, x, (size_t)n * 4, w->data_off + row0 * w->cols * 4));
        return 0;
    }
    if (w->buf_rows < nrows) {
        free(w->buf);
        w->buf = ta_malloc((size_t)n * 2);
        TA_CHECK_ALLOC(w->buf, n * 2);
        w->buf_rows = nrows;
    }
    uint16_t *b = w->buf;
    for (int64_t i = 0; i < n; i++)
        b[i] = ta_f32_to_bf16(x[i]);
    TA_CALL(write_full(w->fd, w->tmp, b, (size_t)n * 2, w->data_off + row0 * w->cols * 2));
    return 0;
}

int ta_stw_close(ta_stw_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->buf_rows = 0;
    if (w->fd < 0)
        return 0;
    int ok = fsync(w->fd) == 0;
    ok = close(w->fd) == 0 && ok;
    w->fd = -1;
    TA_CHECK(ok, TA_ERESOURCE, "%s: cannot flush: %s", w->tmp, strerror(errno));
    return 0;
}

int ta_stw_commit(ta_stw_t *w)
{
    TA_CHECK(rename(w->tmp, w->path) == 0, TA_EINPUT, "%s: cannot rename to %s: %s", w->tmp,
             w->path, strerror(errno));
    return 0;
}

void ta_stw_abort(ta_stw_t *w)
{
    free(w->buf);
    w->buf = NULL;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->owner && w->tmp[0])
        unlink(w->tmp);
}
