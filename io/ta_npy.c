/* .npy files (format versions 1-3): the magic, the version, the header length, then a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }; a 2-D float array in
 * C order is read as an embedding matrix. */
#include "io/ta_embed_int.h"
#include "io/ta_file.h"

#include "base/ta_error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tiny reader for the Python dict literal of a .npy header. */
typedef struct {
    const char *p, *end;
    const char *path;
    const char *start;
} ta__lit_t;

static void lit_ws(ta__lit_t *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

static long long lit_off(const ta__lit_t *l)
{
    return (long long)(l->p - l->start);
}

/* 1 (consumed) when the next non-blank character is c. */
static int lit_peek(ta__lit_t *l, char c)
{
    lit_ws(l);
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return 1;
    }
    return 0;
}

static int lit_expect(ta__lit_t *l, char c)
{
    TA_CHECK(lit_peek(l, c), TA_EINPUT, "%s: byte %lld: npy header: expected '%c'", l->path,
             lit_off(l), c);
    return 0;
}

static int lit_string(ta__lit_t *l, char *out, size_t cap)
{
    lit_ws(l);
    TA_CHECK(l->p < l->end && (*l->p == '\'' || *l->p == '"'), TA_EINPUT,
             "%s: byte %lld: npy header: expected a quoted string", l->path, lit_off(l));
    char q = *l->p++;
    size_t n = 0;
    while (l->p < l->end && *l->p != q) {
        TA_CHECK(*l->p != '\\', TA_EINPUT, "%s: byte %lld: npy header: escapes not supported",
                 l->path, lit_off(l));
        if (n + 1 < cap)
            out[n++] = *l->p;
        l->p++;
    }
    TA_CHECK(l->p < l->end, TA_EINPUT, "%s: byte %lld: npy header: unterminated string", l->path,
             lit_off(l));
    l->p++;
    out[n] = '\0';
    return 0;
}

/* The value of 'fortran_order': True or False. */
static int lit_bool(ta__lit_t *l, int *out)
{
    lit_ws(l);
    if ((size_t)(l->end - l->p) >= 4 && memcmp(l->p, "True", 4) == 0) {
        *out = 1;
        l->p += 4;
    } else if ((size_t)(l->end - l->p) >= 5 && memcmp(l->p, "False", 5) == 0) {
        *out = 0;
        l->p += 5;
    } else {
        return TA_ERR(TA_EINPUT, "%s: byte %lld: npy header: fortran_order must be True or False",
                      l->path, lit_off(l));
    }
    return 0;
}

/* The value of 'shape': a tuple of non-negative integers (Python 2 longs allowed). */
static int lit_shape(ta__lit_t *l, ta_npy_header_t *h)
{
    TA_CALL(lit_expect(l, '('));
    while (!lit_peek(l, ')')) {
        TA_CHECK(l->p < l->end && isdigit((unsigned char)*l->p), TA_EINPUT,
                 "%s: byte %lld: npy header: shape must be a tuple of non-negative integers",
                 l->path, lit_off(l));
        int64_t v = 0;
        while (l->p < l->end && isdigit((unsigned char)*l->p)) {
            TA_CHECK(v <= (INT64_MAX - 9) / 10, TA_EINPUT,
                     "%s: byte %lld: npy header: shape value too large", l->path, lit_off(l));
            v = v * 10 + (*l->p++ - '0');
        }
        lit_peek(l, 'L');
        TA_CHECK(h->ndim < 8, TA_EINPUT, "%s: byte %lld: npy header: more than 8 dimensions",
                 l->path, lit_off(l));
        h->shape[h->ndim++] = v;
        lit_peek(l, ',');
    }
    return 0;
}

/* Magic, version and header length; *hstart and *hlen locate the dict literal. */
static int npy_prefix(const char *path, const unsigned char *buf, size_t len, ta_npy_header_t *h,
                      size_t *hstart, size_t *hlen)
{
    TA_CHECK(len > 0, TA_EINPUT, "%s: empty file (not a .npy file)", path);
    TA_CHECK(len >= 10 && memcmp(buf, "\x93NUMPY", 6) == 0, TA_EINPUT,
             "%s: byte 0: wrong magic (not a .npy file)", path);
    h->major = buf[6];
    h->minor = buf[7];
    TA_CHECK(h->major >= 1 && h->major <= 3, TA_EINPUT,
             "%s: byte 6: unsupported .npy format version %d.%d", path, h->major, h->minor);
    if (h->major == 1) {
        *hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        *hstart = 10;
    } else {
        TA_CHECK(len >= 12, TA_EINPUT, "%s: byte 8: truncated .npy header", path);
        *hlen =
            (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        *hstart = 12;
    }
    TA_CHECK(*hlen <= len - *hstart, TA_EINPUT,
             "%s: byte 8: npy header length %zu runs past the end of the file", path, *hlen);
    h->data_offset = (int64_t)(*hstart + *hlen);
    return 0;
}

/* The dict literal; seen gets bit 1 for 'descr', 2 for 'fortran_order', 4 for 'shape'. */
static int npy_dict(ta__lit_t *l, ta_npy_header_t *h, int *seen)
{
    TA_CALL(lit_expect(l, '{'));
    while (!lit_peek(l, '}')) {
        char key[32];
        TA_CALL(lit_string(l, key, sizeof key));
        TA_CALL(lit_expect(l, ':'));
        lit_ws(l);
        if (strcmp(key, "descr") == 0) {
            TA_CHECK(l->p < l->end && *l->p != '[', TA_EINPUT,
                     "%s: byte %lld: npy header: structured dtypes are not supported", l->path,
                     lit_off(l));
            TA_CALL(lit_string(l, h->descr, sizeof h->descr));
            *seen |= 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            TA_CALL(lit_bool(l, &h->fortran_order));
            *seen |= 2;
        } else if (strcmp(key, "shape") == 0) {
            TA_CALL(lit_shape(l, h));
            *seen |= 4;
        } else {
            return TA_ERR(TA_EINPUT, "%s: byte %lld: npy header: unknown key '%s'", l->path,
                          lit_off(l), key);
        }
        if (lit_peek(l, ','))
            continue;
        TA_CHECK(lit_peek(l, '}'), TA_EINPUT, "%s: byte %lld: npy header: expected ',' or '}'",
                 l->path, lit_off(l));
        break;
    }
    return 0;
}

/* The item size from the descr ('<f4' -> 4); the data must fit in the file. */
static int npy_check_size(const char *path, const ta_npy_header_t *h, int64_t file_size)
{
    const char *d = h->descr;
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
        d++;
    int64_t isz = 0;
    if (*d && d[1]) {
        char *endp;
        long v = strtol(d + 1, &endp, 10);
        if (*endp == '\0' && v > 0 && v <= 64)
            isz = v;
    }
    TA_CHECK(isz > 0, TA_EINPUT, "%s: npy header: unsupported dtype '%s'", path, h->descr);
    int64_t bytes = isz;
    for (int i = 0; i < h->ndim; i++) {
        TA_CHECK(h->shape[i] == 0 || bytes <= INT64_MAX / h->shape[i], TA_EINPUT,
                 "%s: npy header: shape too large (overflows 64 bits)", path);
        bytes *= h->shape[i];
    }
    TA_CHECK(bytes <= file_size - h->data_offset, TA_EINPUT,
             "%s: byte %lld: truncated: the shape needs %lld bytes of data, the file has %lld",
             path, (long long)h->data_offset, (long long)bytes,
             (long long)(file_size - h->data_offset));
    return 0;
}

int ta_npy_parse_header(const char *path, const unsigned char *buf, size_t len, int64_t file_size,
                        ta_npy_header_t *h)
{
    memset(h, 0, sizeof *h);
    size_t hstart = 0, hlen = 0;
    TA_CALL(npy_prefix(path, buf, len, h, &hstart, &hlen));
    ta__lit_t l = {(const char *)buf + hstart, (const char *)buf + hstart + hlen, path,
                   (const char *)buf};
    int seen = 0;
    TA_CALL(npy_dict(&l, h, &seen));
    TA_CHECK(seen == 7, TA_EINPUT, "%s: byte %zu: npy header lacks %s", path, hstart,
             !(seen & 1)   ? "'descr'"
             : !(seen & 2) ? "'fortran_order'"
                           : "'shape'");
    TA_CALL(npy_check_size(path, h, file_size));
    return 0;
}

/* Reads and parses the header of the open file (version 2/3 headers may be longer than 4 KB). */
static int npy_read_header(const char *path, int fd, int64_t size, ta_npy_header_t *h)
{
    unsigned char head[4096 + 16];
    size_t n = (size_t)(size < (int64_t)sizeof head ? size : (int64_t)sizeof head);
    TA_CALL(ta__pread_full(fd, path, head, n, 0));
    unsigned char *big = NULL;
    const unsigned char *buf = head;
    if (n >= 12 && head[6] >= 2 && memcmp(head, "\x93NUMPY", 6) == 0) {
        size_t hl = (size_t)head[8] | (size_t)head[9] << 8 | (size_t)head[10] << 16 |
                    (size_t)head[11] << 24;
        if (hl + 12 > n && (int64_t)(hl + 12) <= size) {
            big = ta_malloc(hl + 12);
            TA_CHECK_ALLOC(big, hl + 12);
            int rc = ta__pread_full(fd, path, big, hl + 12, 0);
            if (rc) {
                free(big);
                return rc;
            }
            buf = big;
            n = hl + 12;
        }
    }
    int rc = ta_npy_parse_header(path, buf, n, size, h);
    free(big);
    return rc;
}

/* The element type of a 2-D float array's descr into m and e->dtype. */
static int npy_dtype(const char *path, const ta_npy_header_t *h, ta__embed_impl_t *m, ta_embed_t *e)
{
    char order = h->descr[0];
    const char *t = strchr("<>|=", order) ? h->descr + 1 : h->descr;
    if (t[0] == 'i' || t[0] == 'u' || t[0] == 'b')
        return TA_ERR(TA_EINPUT, "%s: integer dtype '%s' is not supported (need f2, f4 or f8)",
                      path, h->descr);
    if (strcmp(t, "f4") == 0)
        m->dt = TA__DT_F32, m->esize = 4, snprintf(e->dtype, sizeof e->dtype, "F32");
    else if (strcmp(t, "f2") == 0)
        m->dt = TA__DT_F16, m->esize = 2, snprintf(e->dtype, sizeof e->dtype, "F16");
    else if (strcmp(t, "f8") == 0)
        m->dt = TA__DT_F64, m->esize = 8, snprintf(e->dtype, sizeof e->dtype, "F64");
    else
        return TA_ERR(TA_EINPUT, "%s: unsupported dtype '%s' (need f2, f4 or f8)", path, h->descr);
    /* '<' little-endian, '>' big-endian (byte-swapped on read), '=' native (this machine is
     * little-endian); '|' (no byte order) is meaningless for multi-byte floats. */
    TA_CHECK(order != '|', TA_EINPUT, "%s: dtype '%s' has no byte order ('|'); expected '<' or '>'",
             path, h->descr);
    m->swap = order == '>';
    return 0;
}

int ta__npy_open(const char *path, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    int64_t size;
    TA_CALL(ta_file_open_read(path, &m->fd, &size));
    ta_npy_header_t h;
    TA_CALL(npy_read_header(path, m->fd, size, &h));
    TA_CHECK(h.ndim == 2, TA_EINPUT, "%s: array has %d dimension%s, expected 2 (tokens x dim)",
             path, h.ndim, h.ndim == 1 ? "" : "s");
    TA_CHECK(!h.fortran_order, TA_EINPUT,
             "%s: array is in Fortran order; save it in C order (numpy.ascontiguousarray)", path);
    TA_CALL(npy_dtype(path, &h, m, e));
    m->kind = TA__K_NPY;
    m->data_off = h.data_offset;
    e->rows = h.shape[0];
    e->cols = h.shape[1];
    snprintf(e->file, sizeof e->file, "%s", path);
    snprintf(e->tensor, sizeof e->tensor, "(npy array)");
    return 0;
}
