/* Embedding readers: safetensors (single file, sharded index, Hugging Face directory), .npy
 * (versions 1-3) and HDF5 datasets. Headers are validated when opening; rows are read with
 * pread() through a small bounce buffer, so that reading a tensor never needs more memory than
 * its f32 rows, and converted to f32 on the way (F16 exactly, including subnormals, Inf and
 * NaN; BF16 by widening; F64 rounded to nearest). */
#include "io/ta_embed.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { K_ST = 1, K_NPY = 2, K_H5 = 3 };
enum { DT_F32 = 1, DT_F16, DT_BF16, DT_F64 };

/* The safetensors library refuses headers above 100 MB. */
#define TA__ST_MAX_HEADER 100000000LL

struct ta__embed_impl {
    int kind;
    int fd;
    int dt;           /* DT_* */
    int esize;        /* bytes per stored element */
    int swap;         /* big-endian .npy data */
    int64_t data_off; /* absolute byte offset of element [0, 0] */
    hid_t h5;
    char dset[1024];
};

/* Known embedding tensor names, most specific first (SPEC.md). */
static const char *const known_names[] = {
    "embeddings.word_embeddings.weight",
    "roberta.embeddings.word_embeddings.weight",
    "bert.embeddings.word_embeddings.weight",
    "xlm_roberta.embeddings.word_embeddings.weight",
    "shared.weight",
    "encoder.embed_tokens.weight",
    "model.embed_tokens.weight",
    "word_embeddings.weight",
    "transformer.wte.weight",
    "transformer.word_embeddings.weight",
    "model.language_model.embed_tokens.weight",
    "language_model.model.embed_tokens.weight",
    "model.decoder.embed_tokens.weight",
    "gpt_neox.embed_in.weight",
    "tok_embeddings.weight",
    "embed_tokens.weight",
    "wte.weight",
};
/* Second tier: a unique tensor whose name ends with one of these. */
static const char *const known_suffixes[] = {
    "word_embeddings.weight",
    "embed_tokens.weight",
    ".wte.weight",
    "embed_in.weight",
};

/* ---------------------------------------------------------------------------------------------
 * Element conversion */

typedef union {
    uint32_t u;
    float f;
} ta__fu_t;

/* IEEE half -> single, exact (F. Giesen's branch-light method): the exponent is rebiased; Inf
 * and NaN keep an all-ones exponent; subnormals are renormalised by one float subtraction. */
static inline float half_to_float(uint16_t h)
{
    const ta__fu_t magic = {.u = 113u << 23};
    const uint32_t shifted_exp = 0x7c00u << 13;
    ta__fu_t o;
    o.u = (uint32_t)(h & 0x7fffu) << 13;
    uint32_t exp = shifted_exp & o.u;
    o.u += (uint32_t)(127 - 15) << 23;
    if (exp == shifted_exp)
        o.u += (uint32_t)(128 - 16) << 23;
    else if (exp == 0) {
        o.u += 1u << 23;
        o.f -= magic.f;
    }
    o.u |= (uint32_t)(h & 0x8000u) << 16;
    return o.f;
}

static void convert(int dt, int swap, const unsigned char *src, float *dst, size_t n)
{
    switch (dt) {
    case DT_F32:
        if (swap) {
            for (size_t i = 0; i < n; i++) {
                uint32_t u;
                memcpy(&u, src + 4 * i, 4);
                u = __builtin_bswap32(u);
                memcpy(dst + i, &u, 4);
            }
        } else {
            memcpy(dst, src, n * 4);
        }
        break;
    case DT_F16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            if (swap)
                h = __builtin_bswap16(h);
            dst[i] = half_to_float(h);
        }
        break;
    case DT_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            ta__fu_t o = {.u = (uint32_t)h << 16};
            dst[i] = o.f;
        }
        break;
    case DT_F64:
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            memcpy(&u, src + 8 * i, 8);
            if (swap)
                u = __builtin_bswap64(u);
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
        }
        break;
    default:
        TA_ASSERT(0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * safetensors */

typedef struct {
    const char *name;
    int size;
    int is_float;
} ta__st_dtype_t;

static const ta__st_dtype_t st_dtypes[] = {
    {"F64", 8, 1},     {"F32", 4, 1}, {"F16", 2, 1}, {"BF16", 2, 1}, {"F8_E4M3", 1, 0},
    {"F8_E5M2", 1, 0}, {"I64", 8, 0}, {"I32", 4, 0}, {"I16", 2, 0},  {"I8", 1, 0},
    {"U64", 8, 0},     {"U32", 4, 0}, {"U16", 2, 0}, {"U8", 1, 0},   {"BOOL", 1, 0},
};

static const ta__st_dtype_t *st_dtype(const char *name)
{
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (strcmp(st_dtypes[i].name, name) == 0)
            return &st_dtypes[i];
    return NULL;
}

void ta_st_header_free(ta_st_header_t *h)
{
    if (!h)
        return;
    for (int64_t i = 0; i < h->n; i++)
        free(h->t[i].name);
    free(h->t);
    h->t = NULL;
    h->n = 0;
}

static int cmp_begin(const void *a, const void *b)
{
    const ta_st_tensor_t *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* One tensor entry of the header. */
static int st_parse_entry(const char *path, const char *key, json_t *v, ta_st_tensor_t *t)
{
    TA_CHECK(json_is_object(v), TA_EINPUT, "%s: header key \"%s\": expected an object", path, key);
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *offs = json_object_get(v, "data_offsets");
    TA_CHECK(json_is_string(dt), TA_EINPUT, "%s: header key \"%s\": missing string \"dtype\"", path,
             key);
    const ta__st_dtype_t *d = st_dtype(json_string_value(dt));
    TA_CHECK(d, TA_EINPUT, "%s: header key \"%s\": unknown dtype \"%.20s\"", path, key,
             json_string_value(dt));
    snprintf(t->dtype, sizeof t->dtype, "%s", d->name);
    TA_CHECK(json_is_array(shape), TA_EINPUT, "%s: header key \"%s\": missing array \"shape\"",
             path, key);
    TA_CHECK(json_is_array(offs) && json_array_size(offs) == 2, TA_EINPUT,
             "%s: header key \"%s\": \"data_offsets\" must be [begin, end]", path, key);
    size_t nd = json_array_size(shape);
    int64_t numel = 1;
    t->ndim = (int)(nd > 1000 ? 1000 : nd);
    for (size_t i = 0; i < nd; i++) {
        json_t *x = json_array_get(shape, i);
        TA_CHECK(json_is_integer(x) && json_integer_value(x) >= 0, TA_EINPUT,
                 "%s: header key \"%s\": shape[%zu] is not a non-negative integer", path, key, i);
        int64_t s = (int64_t)json_integer_value(x);
        if (i < 8)
            t->shape[i] = s;
        TA_CHECK(s == 0 || numel <= INT64_MAX / 8 / s, TA_EINPUT,
                 "%s: header key \"%s\": shape too large (overflows 64 bits)", path, key);
        numel *= s;
    }
    t->numel = numel;
    json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
    TA_CHECK(json_is_integer(b) && json_is_integer(e), TA_EINPUT,
             "%s: header key \"%s\": data_offsets are not integers", path, key);
    t->begin = (int64_t)json_integer_value(b);
    t->end = (int64_t)json_integer_value(e);
    TA_CHECK(t->begin >= 0 && t->end >= 0, TA_EINPUT,
             "%s: header key \"%s\": negative data_offsets [%lld, %lld]", path, key,
             (long long)t->begin, (long long)t->end);
    TA_CHECK(t->end >= t->begin, TA_EINPUT,
             "%s: header key \"%s\": data_offsets [%lld, %lld] end before begin", path, key,
             (long long)t->begin, (long long)t->end);
    TA_CHECK(numel * d->size == t->end - t->begin, TA_EINPUT,
             "%s: header key \"%s\": shape x dtype size = %lld bytes but data_offsets span %lld "
             "bytes",
             path, key, (long long)(numel * d->size), (long long)(t->end - t->begin));
    return 0;
}

int ta_st_parse_header(const char *path, const char *json, size_t len, int64_t data_bytes,
                       ta_st_header_t *h)
{
    memset(h, 0, sizeof *h);
    h->header_len = (int64_t)len;
    TA_CHECK(len > 0 && json[0] == '{', TA_EINPUT,
             "%s: byte 8: safetensors header does not start with '{'", path);
    json_error_t err;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    TA_CHECK(root, TA_EINPUT, "%s: byte %lld: invalid JSON in safetensors header: %s", path,
             (long long)(8 + (err.position > 0 ? err.position : 0)), err.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = TA_ERR(TA_EINPUT, "%s: byte 8: safetensors header is not a JSON object", path);
        goto done;
    }
    size_t cap = json_object_size(root);
    h->t = ta_calloc(cap ? cap : 1, sizeof *h->t);
    if (!h->t) {
        rc = TA_ERESOURCE;
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(v)) {
                rc = TA_ERR(TA_EINPUT, "%s: header key \"__metadata__\": expected an object", path);
                goto done;
            }
            const char *mk;
            json_t *mv;
            json_object_foreach(v, mk, mv)
            {
                if (!json_is_string(mv)) {
                    rc = TA_ERR(TA_EINPUT,
                                "%s: header key \"__metadata__\": value of \"%s\" is not a string",
                                path, mk);
                    goto done;
                }
            }
            continue;
        }
        ta_st_tensor_t *t = &h->t[h->n];
        TA_CALL_GOTO(st_parse_entry(path, key, v, t), done);
        t->name = strdup(key);
        if (!t->name) {
            rc = TA_ERR(TA_ERESOURCE, "out of memory");
            goto done;
        }
        h->n++;
    }
    /* Ranges must lie inside the data area and must not overlap. */
    ta_st_tensor_t *sorted = ta_malloc((h->n ? h->n : 1) * sizeof *sorted);
    if (!sorted) {
        rc = TA_ERESOURCE;
        goto done;
    }
    memcpy(sorted, h->t, h->n * sizeof *sorted);
    qsort(sorted, h->n, sizeof *sorted, cmp_begin);
    for (int64_t i = 0; i < h->n && !rc; i++) {
        if (sorted[i].end > data_bytes)
            rc = TA_ERR(TA_EINPUT,
                        "%s: header key \"%s\": data_offsets [%lld, %lld] outside the data area "
                        "of %lld bytes (file truncated?)",
                        path, sorted[i].name, (long long)sorted[i].begin, (long long)sorted[i].end,
                        (long long)data_bytes);
        else if (i > 0 && sorted[i].begin < sorted[i - 1].end)
            rc = TA_ERR(TA_EINPUT,
                        "%s: header key \"%s\": data_offsets [%lld, %lld] overlap \"%s\" [%lld, "
                        "%lld]",
                        path, sorted[i].name, (long long)sorted[i].begin, (long long)sorted[i].end,
                        sorted[i - 1].name, (long long)sorted[i - 1].begin,
                        (long long)sorted[i - 1].end);
    }
    free(sorted);
done:
    json_decref(root);
    if (rc)
        ta_st_header_free(h);
    return rc;
}

/* Checks the 8-byte length prefix against the file size. */
static int st_check_len(const char *path, uint64_t n, int64_t file_size)
{
    TA_CHECK(file_size > 0, TA_EINPUT, "%s: empty file (not a safetensors file)", path);
    TA_CHECK(file_size >= 8, TA_EINPUT,
             "%s: byte 0: file of %lld bytes is too short for the safetensors header length", path,
             (long long)file_size);
    TA_CHECK(n <= (uint64_t)TA__ST_MAX_HEADER, TA_EINPUT,
             "%s: byte 0: safetensors header length %llu exceeds the 100 MB limit (not a "
             "safetensors file?)",
             path, (unsigned long long)n);
    TA_CHECK((int64_t)n <= file_size - 8, TA_EINPUT,
             "%s: byte 0: safetensors header length %llu runs past the end of the %lld-byte file",
             path, (unsigned long long)n, (long long)file_size);
    return 0;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int ta_st_parse_buffer(const char *path, const unsigned char *buf, size_t len, ta_st_header_t *h)
{
    memset(h, 0, sizeof *h);
    uint64_t n = len >= 8 ? le64(buf) : 0;
    TA_CALL(st_check_len(path, n, (int64_t)len));
    TA_CALL(ta_st_parse_header(path, (const char *)buf + 8, (size_t)n, (int64_t)(len - 8 - n), h));
    return 0;
}

/* Reads exactly n bytes at off; a short read is a truncated file. */
static int pread_full(int fd, const char *path, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        TA_CHECK(r >= 0, TA_EINPUT, "%s: byte %lld: read error: %s", path,
                 (long long)(off + (int64_t)got), strerror(errno));
        TA_CHECK(r > 0, TA_EINPUT, "%s: byte %lld: unexpected end of file (truncated)", path,
                 (long long)(off + (int64_t)got));
        got += (size_t)r;
    }
    return 0;
}

static int open_fd(const char *path, int *fd, int64_t *size)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    TA_CHECK(*fd >= 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return TA_ERR(TA_EINPUT, "%s: not a regular file", path);
    }
    *size = (int64_t)st.st_size;
    return 0;
}

/* Reads and validates the header of a safetensors file. */
static int st_read_header(const char *path, int *fd, ta_st_header_t *h)
{
    int64_t size;
    TA_CALL(open_fd(path, fd, &size));
    int rc = 0;
    unsigned char len8[8] = {0};
    char *json = NULL;
    if (size >= 8)
        TA_CALL_GOTO(pread_full(*fd, path, len8, 8, 0), fail);
    uint64_t n = le64(len8);
    TA_CALL_GOTO(st_check_len(path, n, size), fail);
    json = ta_malloc(n ? n : 1);
    TA_CHECK_GOTO(json, TA_ERESOURCE, fail, "out of memory reading the header of %s", path);
    TA_CALL_GOTO(pread_full(*fd, path, json, n, 8), fail);
    TA_CALL_GOTO(ta_st_parse_header(path, json, n, size - 8 - (int64_t)n, h), fail);
    free(json);
    return 0;
fail:
    free(json);
    close(*fd);
    *fd = -1;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * .npy */

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

static int lit_expect(ta__lit_t *l, char c)
{
    lit_ws(l);
    TA_CHECK(l->p < l->end && *l->p == c, TA_EINPUT, "%s: byte %lld: npy header: expected '%c'",
             l->path, lit_off(l), c);
    l->p++;
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

int ta_npy_parse_header(const char *path, const unsigned char *buf, size_t len, int64_t file_size,
                        ta_npy_header_t *h)
{
    memset(h, 0, sizeof *h);
    TA_CHECK(len > 0, TA_EINPUT, "%s: empty file (not a .npy file)", path);
    TA_CHECK(len >= 10 && memcmp(buf, "\x93NUMPY", 6) == 0, TA_EINPUT,
             "%s: byte 0: wrong magic (not a .npy file)", path);
    h->major = buf[6];
    h->minor = buf[7];
    TA_CHECK(h->major >= 1 && h->major <= 3, TA_EINPUT,
             "%s: byte 6: unsupported .npy format version %d.%d", path, h->major, h->minor);
    size_t hlen, hstart;
    if (h->major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        hstart = 10;
    } else {
        TA_CHECK(len >= 12, TA_EINPUT, "%s: byte 8: truncated .npy header", path);
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        hstart = 12;
    }
    TA_CHECK(hlen <= len - hstart, TA_EINPUT,
             "%s: byte 8: npy header length %zu runs past the end of the file", path, hlen);
    h->data_offset = (int64_t)(hstart + hlen);
    ta__lit_t l = {(const char *)buf + hstart, (const char *)buf + hstart + hlen, path,
                   (const char *)buf};
    int have_descr = 0, have_order = 0, have_shape = 0;
    TA_CALL(lit_expect(&l, '{'));
    for (;;) {
        lit_ws(&l);
        if (l.p < l.end && *l.p == '}')
            break;
        char key[32];
        TA_CALL(lit_string(&l, key, sizeof key));
        TA_CALL(lit_expect(&l, ':'));
        lit_ws(&l);
        if (strcmp(key, "descr") == 0) {
            TA_CHECK(l.p < l.end && *l.p != '[', TA_EINPUT,
                     "%s: byte %lld: npy header: structured dtypes are not supported", path,
                     lit_off(&l));
            TA_CALL(lit_string(&l, h->descr, sizeof h->descr));
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if ((size_t)(l.end - l.p) >= 4 && memcmp(l.p, "True", 4) == 0) {
                h->fortran_order = 1;
                l.p += 4;
            } else if ((size_t)(l.end - l.p) >= 5 && memcmp(l.p, "False", 5) == 0) {
                l.p += 5;
            } else {
                return TA_ERR(TA_EINPUT,
                              "%s: byte %lld: npy header: fortran_order must be True or False",
                              path, lit_off(&l));
            }
            have_order = 1;
        } else if (strcmp(key, "shape") == 0) {
            TA_CALL(lit_expect(&l, '('));
            for (;;) {
                lit_ws(&l);
                if (l.p < l.end && *l.p == ')')
                    break;
                TA_CHECK(l.p < l.end && isdigit((unsigned char)*l.p), TA_EINPUT,
                         "%s: byte %lld: npy header: shape must be a tuple of non-negative "
                         "integers",
                         path, lit_off(&l));
                int64_t v = 0;
                while (l.p < l.end && isdigit((unsigned char)*l.p)) {
                    TA_CHECK(v <= (INT64_MAX - 9) / 10, TA_EINPUT,
                             "%s: byte %lld: npy header: shape value too large", path, lit_off(&l));
                    v = v * 10 + (*l.p++ - '0');
                }
                lit_ws(&l);
                if (l.p < l.end && *l.p == 'L') /* Python 2 long */
                    l.p++;
                TA_CHECK(h->ndim < 8, TA_EINPUT,
                         "%s: byte %lld: npy header: more than 8 dimensions", path, lit_off(&l));
                h->shape[h->ndim++] = v;
                lit_ws(&l);
                if (l.p < l.end && *l.p == ',')
                    l.p++;
            }
            l.p++;
            have_shape = 1;
        } else {
            return TA_ERR(TA_EINPUT, "%s: byte %lld: npy header: unknown key '%s'", path,
                          lit_off(&l), key);
        }
        lit_ws(&l);
        if (l.p < l.end && *l.p == ',') {
            l.p++;
            continue;
        }
        lit_ws(&l);
        TA_CHECK(l.p < l.end && *l.p == '}', TA_EINPUT,
                 "%s: byte %lld: npy header: expected ',' or '}'", path, lit_off(&l));
        break;
    }
    TA_CHECK(have_descr && have_order && have_shape, TA_EINPUT, "%s: byte %zu: npy header lacks %s",
             path, hstart,
             !have_descr   ? "'descr'"
             : !have_order ? "'fortran_order'"
                           : "'shape'");
    /* Item size from the descr ('<f4' -> 4); the data must fit in the file. */
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

static int npy_open(const char *path, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    int64_t size;
    TA_CALL(open_fd(path, &m->fd, &size));
    unsigned char head[4096 + 16];
    size_t n = (size_t)(size < (int64_t)sizeof head ? size : (int64_t)sizeof head);
    TA_CALL(pread_full(m->fd, path, head, n, 0));
    /* Version 2/3 headers may be longer than 4 KB. */
    unsigned char *big = NULL;
    const unsigned char *buf = head;
    if (n >= 12 && head[6] >= 2 && memcmp(head, "\x93NUMPY", 6) == 0) {
        size_t hl = (size_t)head[8] | (size_t)head[9] << 8 | (size_t)head[10] << 16 |
                    (size_t)head[11] << 24;
        if (hl + 12 > n && (int64_t)(hl + 12) <= size) {
            big = ta_malloc(hl + 12);
            TA_CHECK_ALLOC(big, hl + 12);
            int rc = pread_full(m->fd, path, big, hl + 12, 0);
            if (rc) {
                free(big);
                return rc;
            }
            buf = big;
            n = hl + 12;
        }
    }
    ta_npy_header_t h;
    int rc = ta_npy_parse_header(path, buf, n, size, &h);
    free(big);
    TA_CALL(rc);
    TA_CHECK(h.ndim == 2, TA_EINPUT, "%s: array has %d dimension%s, expected 2 (tokens x dim)",
             path, h.ndim, h.ndim == 1 ? "" : "s");
    TA_CHECK(!h.fortran_order, TA_EINPUT,
             "%s: array is in Fortran order; save it in C order (numpy.ascontiguousarray)", path);
    char order = h.descr[0];
    const char *t = strchr("<>|=", order) ? h.descr + 1 : h.descr;
    if (t[0] == 'i' || t[0] == 'u' || t[0] == 'b')
        return TA_ERR(TA_EINPUT, "%s: integer dtype '%s' is not supported (need f2, f4 or f8)",
                      path, h.descr);
    if (strcmp(t, "f4") == 0)
        m->dt = DT_F32, m->esize = 4, snprintf(e->dtype, sizeof e->dtype, "F32");
    else if (strcmp(t, "f2") == 0)
        m->dt = DT_F16, m->esize = 2, snprintf(e->dtype, sizeof e->dtype, "F16");
    else if (strcmp(t, "f8") == 0)
        m->dt = DT_F64, m->esize = 8, snprintf(e->dtype, sizeof e->dtype, "F64");
    else
        return TA_ERR(TA_EINPUT, "%s: unsupported dtype '%s' (need f2, f4 or f8)", path, h.descr);
    /* '<' little-endian, '>' big-endian (byte-swapped on read), '=' native (this machine is
     * little-endian); '|' (no byte order) is meaningless for multi-byte floats. */
    TA_CHECK(order != '|', TA_EINPUT, "%s: dtype '%s' has no byte order ('|'); expected '<' or '>'",
             path, h.descr);
    m->swap = order == '>';
    m->kind = K_NPY;
    m->data_off = h.data_offset;
    e->rows = h.shape[0];
    e->cols = h.shape[1];
    snprintf(e->file, sizeof e->file, "%s", path);
    snprintf(e->tensor, sizeof e->tensor, "(npy array)");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Tensor selection */

/* Picks a tensor among names[0..n) (ndim/rows/dtype known for each): the named one, else a known
 * name, else a unique known suffix, else the one float 2-D tensor with at least min_rows rows. */
typedef struct {
    const char *name;
    int ndim;
    int64_t rows;
    int is_float;
} ta__cand_t;

static int pick_tensor(const char *where, const ta__cand_t *c, int64_t n, const char *want,
                       int64_t min_rows, int64_t *pick)
{
    *pick = -1;
    if (want) {
        for (int64_t i = 0; i < n; i++)
            if (strcmp(c[i].name, want) == 0) {
                *pick = i;
                return 0;
            }
        return TA_ERR(TA_EINPUT, "%s: no tensor named \"%s\"", where, want);
    }
    for (size_t k = 0; k < sizeof known_names / sizeof known_names[0]; k++)
        for (int64_t i = 0; i < n; i++)
            if (strcmp(c[i].name, known_names[k]) == 0) {
                *pick = i;
                return 0;
            }
    int64_t found = -1, count = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t ln = strlen(c[i].name);
        for (size_t k = 0; k < sizeof known_suffixes / sizeof known_suffixes[0]; k++) {
            size_t ls = strlen(known_suffixes[k]);
            if (c[i].ndim == 2 && ln >= ls && strcmp(c[i].name + ln - ls, known_suffixes[k]) == 0) {
                found = i;
                count++;
                break;
            }
        }
    }
    if (count == 1) {
        *pick = found;
        return 0;
    }
    /* The 2-D float tensors (big enough for the vocabulary). */
    char list[1024] = "";
    size_t used = 0;
    int64_t n2 = 0, nint = 0, any2 = -1;
    found = -1;
    for (int64_t i = 0; i < n; i++) {
        if (c[i].ndim != 2)
            continue;
        any2 = i;
        if (!c[i].is_float) {
            nint++;
            continue;
        }
        if (c[i].rows < min_rows)
            continue;
        found = i;
        n2++;
        if (used < sizeof list - 64) {
            int w =
                snprintf(list + used, sizeof list - used, "%s%s", n2 > 1 ? ", " : "", c[i].name);
            if (w > 0)
                used += (size_t)w;
        } else if (used < sizeof list - 4) {
            snprintf(list + used, sizeof list - used, ", ...");
            used = sizeof list;
        }
    }
    if (n2 == 1) {
        *pick = found;
        return 0;
    }
    if (n2 > 1)
        return TA_ERR(TA_EINPUT,
                      "%s: no known embedding tensor name and %lld 2-D candidates: %s; choose one "
                      "with --tensor",
                      where, (long long)n2, list);
    if (nint > 0 && any2 >= 0) {
        *pick = any2; /* the reader refuses its integer dtype with a clear message */
        return 0;
    }
    return TA_ERR(TA_EINPUT, "%s: no 2-D tensor%s found (%lld tensors)", where,
                  min_rows > 0 ? " with enough rows for the vocabulary" : "", (long long)n);
}

static int st_use_tensor(const char *path, const ta_st_header_t *h, int64_t i, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    const ta_st_tensor_t *t = &h->t[i];
    TA_CHECK(t->ndim == 2, TA_EINPUT,
             "%s: tensor \"%s\" has %d dimension%s, expected 2 (tokens x dim)", path, t->name,
             t->ndim, t->ndim == 1 ? "" : "s");
    const ta__st_dtype_t *d = st_dtype(t->dtype);
    TA_CHECK(d && d->is_float, TA_EINPUT,
             "%s: tensor \"%s\": dtype %s is not supported (need F32, F16, BF16 or F64)", path,
             t->name, t->dtype);
    m->dt = strcmp(t->dtype, "F32") == 0    ? DT_F32
            : strcmp(t->dtype, "F16") == 0  ? DT_F16
            : strcmp(t->dtype, "BF16") == 0 ? DT_BF16
                                            : DT_F64;
    m->esize = d->size;
    m->kind = K_ST;
    m->data_off = 8 + h->header_len + t->begin;
    e->rows = t->shape[0];
    e->cols = t->shape[1];
    snprintf(e->dtype, sizeof e->dtype, "%.7s", t->dtype);
    snprintf(e->tensor, sizeof e->tensor, "%s", t->name);
    snprintf(e->file, sizeof e->file, "%s", path);
    return 0;
}

static int st_cands(const ta_st_header_t *h, ta__cand_t **out)
{
    ta__cand_t *c = ta_calloc(h->n ? h->n : 1, sizeof *c);
    TA_CHECK_ALLOC(c, h->n * sizeof *c);
    for (int64_t i = 0; i < h->n; i++) {
        const ta__st_dtype_t *d = st_dtype(h->t[i].dtype);
        c[i] = (ta__cand_t){h->t[i].name, h->t[i].ndim, h->t[i].ndim >= 1 ? h->t[i].shape[0] : 0,
                            d && d->is_float};
    }
    *out = c;
    return 0;
}

static int st_open(const char *path, const char *want, int64_t min_rows, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    ta_st_header_t h;
    TA_CALL(st_read_header(path, &m->fd, &h));
    ta__cand_t *c = NULL;
    int64_t pick;
    int rc = 0;
    TA_CALL_GOTO(st_cands(&h, &c), done);
    TA_CALL_GOTO(pick_tensor(path, c, h.n, want, min_rows, &pick), done);
    TA_CALL_GOTO(st_use_tensor(path, &h, pick, e), done);
done:
    free(c);
    ta_st_header_free(&h);
    return rc;
}

/* Joins dir and name; names with "..", absolute names or too-long paths are refused. */
static int join_path(const char *where, const char *dir, const char *name, char *out, size_t cap)
{
    TA_CHECK(name[0] != '/' && strstr(name, "..") == NULL, TA_EINPUT,
             "%s: shard name \"%s\" points outside the model directory", where, name);
    int w = snprintf(out, cap, "%s/%s", dir, name);
    TA_CHECK(w > 0 && (size_t)w < cap, TA_EINPUT, "%s: path too long", where);
    return 0;
}

/* A sharded checkpoint: model.safetensors.index.json maps each tensor to its shard. */
static int index_open(const char *dir, const char *index, const char *want, int64_t min_rows,
                      ta_embed_t *e)
{
    json_error_t err;
    json_t *root = json_load_file(index, JSON_REJECT_DUPLICATES, &err);
    TA_CHECK(root, TA_EINPUT, "%s: line %d: invalid JSON: %s", index, err.line, err.text);
    int rc = 0;
    ta__cand_t *c = NULL;
    ta_st_header_t h = {0};
    json_t *wm = json_object_get(root, "weight_map");
    TA_CHECK_GOTO(json_is_object(wm), TA_EINPUT, done, "%s: key \"weight_map\": missing object",
                  index);
    size_t n = json_object_size(wm);
    c = ta_calloc(n ? n : 1, sizeof *c);
    TA_CHECK_GOTO(c, TA_ERESOURCE, done, "out of memory");
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(wm, key, v)
    {
        TA_CHECK_GOTO(json_is_string(v), TA_EINPUT, done,
                      "%s: key \"weight_map\".\"%s\": shard name is not a string", index, key);
        /* Shapes are unknown until the shard headers are read; known names (ndim 2 assumed) are
         * checked after the shard is opened. */
        c[i++] = (ta__cand_t){key, 2, 0, 1};
    }
    int64_t pick = -1;
    if (want) {
        TA_CALL_GOTO(pick_tensor(index, c, (int64_t)n, want, 0, &pick), done);
    } else {
        for (size_t k = 0; k < sizeof known_names / sizeof known_names[0] && pick < 0; k++)
            for (size_t j = 0; j < n; j++)
                if (strcmp(c[j].name, known_names[k]) == 0) {
                    pick = (int64_t)j;
                    break;
                }
    }
    char shard[4096];
    if (pick >= 0) {
        const char *sname = json_string_value(json_object_get(wm, c[pick].name));
        TA_CALL_GOTO(join_path(index, dir, sname, shard, sizeof shard), done);
        TA_CALL_GOTO(st_open(shard, c[pick].name, 0, e), done);
        goto done;
    }
    /* No known name: read every shard header and choose among the 2-D tensors. */
    {
        json_t *seen = json_object();
        ta_embed_t best;
        int64_t nfound = 0;
        char list[1024] = "";
        json_object_foreach(wm, key, v)
        {
            const char *sname = json_string_value(v);
            if (json_object_get(seen, sname))
                continue;
            json_object_set_new(seen, sname, json_true());
            TA_CALL_GOTO(join_path(index, dir, sname, shard, sizeof shard), scan_done);
            int fd = -1;
            TA_CALL_GOTO(st_read_header(shard, &fd, &h), scan_done);
            close(fd);
            for (int64_t t = 0; t < h.n; t++) {
                const ta__st_dtype_t *d = st_dtype(h.t[t].dtype);
                if (h.t[t].ndim != 2 || !d || !d->is_float || h.t[t].shape[0] < min_rows)
                    continue;
                if (nfound++ == 0) {
                    memset(&best, 0, sizeof best);
                    snprintf(best.tensor, sizeof best.tensor, "%s", h.t[t].name);
                    snprintf(best.file, sizeof best.file, "%s", shard);
                }
                size_t u = strlen(list);
                if (u < sizeof list - 80)
                    snprintf(list + u, sizeof list - u, "%s%s", nfound > 1 ? ", " : "",
                             h.t[t].name);
            }
            ta_st_header_free(&h);
        }
        if (nfound == 0)
            rc = TA_ERR(TA_EINPUT, "%s: no 2-D float tensor found in any shard", index);
        else if (nfound > 1)
            rc = TA_ERR(TA_EINPUT,
                        "%s: no known embedding tensor name and %lld 2-D candidates: %s; choose "
                        "one with --tensor",
                        index, (long long)nfound, list);
        else
            rc = st_open(best.file, best.tensor, 0, e);
    scan_done:
        json_decref(seen);
    }
done:
    ta_st_header_free(&h);
    free(c);
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * HDF5 */

static int h5_open(const char *path, const char *dset, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    ta_h5_quiet();
    TA_CHECK(access(path, R_OK) == 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    TA_CHECK(H5Fis_hdf5(path) > 0, TA_EINPUT, "%s: not an HDF5 file", path);
    if (!dset) {
        /* A tokenatlas model file: only complete ones are results. Other HDF5 files need the
         * dataset named. */
        if (!ta_h5_is_complete(path)) {
            hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
            int has = f >= 0 && ta_h5_exists(f, "/embeddings");
            if (f >= 0)
                H5Fclose(f);
            TA_CHECK(has, TA_EINPUT,
                     "%s: HDF5 file without /embeddings: name the dataset as %s:/DATASET", path,
                     path);
        }
        TA_CALL(ta_h5_open_read(path, &m->h5));
        dset = "/embeddings";
    } else {
        m->h5 = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        TA_CHECK(m->h5 >= 0, TA_EINPUT, "%s: cannot open HDF5 file", path);
    }
    m->kind = K_H5;
    snprintf(m->dset, sizeof m->dset, "%s", dset);
    TA_CHECK(ta_h5_exists(m->h5, dset), TA_EINPUT, "%s: no dataset %s", path, dset);
    hid_t d = H5Dopen2(m->h5, dset, H5P_DEFAULT);
    TA_CHECK(d >= 0, TA_EINPUT, "%s: %s is not a dataset", path, dset);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    H5T_class_t cls = H5Tget_class(t);
    size_t tsz = H5Tget_size(t);
    int nd = H5Sget_simple_extent_ndims(s);
    hsize_t dims[8] = {0};
    if (nd >= 1 && nd <= 8)
        H5Sget_simple_extent_dims(s, dims, NULL);
    H5Tclose(t);
    H5Sclose(s);
    H5Dclose(d);
    TA_CHECK(nd == 2, TA_EINPUT, "%s: dataset %s has %d dimension%s, expected 2 (tokens x dim)",
             path, dset, nd, nd == 1 ? "" : "s");
    TA_CHECK(cls == H5T_FLOAT && (tsz == 2 || tsz == 4 || tsz == 8), TA_EINPUT,
             "%s: dataset %s: %s type of %zu bytes is not supported (need a 16/32/64-bit float)",
             path, dset, cls == H5T_INTEGER ? "integer" : "non-float", tsz);
    snprintf(e->dtype, sizeof e->dtype, "%s", tsz == 2 ? "F16" : tsz == 4 ? "F32" : "F64");
    e->rows = (int64_t)dims[0];
    e->cols = (int64_t)dims[1];
    snprintf(e->tensor, sizeof e->tensor, "%s", dset);
    snprintf(e->file, sizeof e->file, "%s", path);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Public entry points */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Magic-based detection of a single file. */
static int open_file(const char *path, const char *want, int64_t min_rows, ta_embed_t *e)
{
    unsigned char head[8] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    TA_CHECK(fd >= 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    ssize_t got = pread(fd, head, sizeof head, 0);
    close(fd);
    if (got >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
        return npy_open(path, e);
    if (got >= 8 && memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0)
        return h5_open(path, want, e);
    if (ends_with(path, ".npy"))
        return npy_open(path, e); /* reports the bad magic */
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5"))
        return h5_open(path, want, e);
    return st_open(path, want, min_rows, e);
}

static int open_dir(const char *dir, const char *want, int64_t min_rows, ta_embed_t *e)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    if (ta_file_is_regular(p))
        return st_open(p, want, min_rows, e);
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    if (ta_file_is_regular(p))
        return index_open(dir, p, want, min_rows, e);
    /* A single *.safetensors file under another name. */
    DIR *d = opendir(dir);
    TA_CHECK(d, TA_EINPUT, "%s: cannot open directory: %s", dir, strerror(errno));
    int n = 0, has_bin = 0;
    char one[4200] = "";
    struct dirent *de;
    while ((de = readdir(d))) {
        if (ends_with(de->d_name, ".safetensors")) {
            n++;
            snprintf(one, sizeof one, "%s/%s", dir, de->d_name);
        } else if (ends_with(de->d_name, ".bin") || ends_with(de->d_name, ".pt")) {
            has_bin = 1;
        }
    }
    closedir(d);
    if (n == 1)
        return st_open(one, want, min_rows, e);
    return TA_ERR(TA_EINPUT,
                  "%s: no model in directory (expected model.safetensors or "
                  "model.safetensors.index.json%s)",
                  dir,
                  has_bin ? "; PyTorch .bin checkpoints are not read: convert them to "
                            "safetensors"
                          : "");
}

int ta_embed_open_ex(const char *spec, const char *tensor, int64_t min_rows, ta_embed_t *e)
{
    memset(e, 0, sizeof *e);
    TA_CHECK(spec && *spec, TA_EINPUT, "embeddings: empty path");
    snprintf(e->spec, sizeof e->spec, "%s", spec);
    e->impl = ta_calloc(1, sizeof *e->impl);
    TA_CHECK_ALLOC(e->impl, sizeof *e->impl);
    e->impl->fd = -1;
    e->impl->h5 = H5I_INVALID_HID;
    int rc = 0;
    if (ta_file_is_dir(spec)) {
        rc = open_dir(spec, tensor, min_rows, e);
    } else if (ta_file_is_regular(spec)) {
        rc = open_file(spec, tensor, min_rows, e);
    } else {
        /* FILE.h5:/dataset (the last ":/" whose left side is a file). */
        const char *colon = NULL;
        for (const char *p = strstr(spec, ":/"); p; p = strstr(p + 1, ":/"))
            colon = p;
        char file[4096];
        if (colon && (size_t)(colon - spec) < sizeof file) {
            memcpy(file, spec, (size_t)(colon - spec));
            file[colon - spec] = '\0';
            if (ta_file_is_regular(file))
                rc = h5_open(file, tensor ? tensor : colon + 1, e);
            else
                rc = TA_ERR(TA_EINPUT, "%s: no such file", file);
        } else {
            rc = TA_ERR(TA_EINPUT, "%s: no such file or directory", spec);
        }
    }
    if (rc) {
        ta_embed_close(e);
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    }
    if (e->rows <= 0 || e->cols <= 0) {
        rc = TA_ERR(TA_EINPUT, "%s: tensor %s has shape [%lld, %lld]: empty", e->file, e->tensor,
                    (long long)e->rows, (long long)e->cols);
        ta_embed_close(e);
    }
    e->stored_rows = e->rows;
    return rc;
}

int ta_embed_open(const char *spec, const char *tensor, ta_embed_t *e)
{
    TA_CALL(ta_embed_open_ex(spec, tensor, 0, e));
    return 0;
}

/* Stored rows [row0, row0+nrows). */
static int read_stored(ta_embed_t *e, int64_t row0, int64_t nrows, float *out)
{
    ta__embed_impl_t *m = e->impl;
    TA_CHECK(m && row0 >= 0 && nrows >= 0 && row0 + nrows <= e->stored_rows, TA_EINTERNAL,
             "%s: rows %lld..%lld outside the tensor's %lld rows", e->file, (long long)row0,
             (long long)(row0 + nrows), (long long)e->stored_rows);
    if (nrows == 0)
        return 0;
    if (m->kind == K_H5) {
        TA_CALL(ta_h5_read_rows(m->h5, e->file, m->dset, TA_ELEM_F32, row0, nrows, out));
        return 0;
    }
    size_t total = (size_t)nrows * (size_t)e->cols;
    int64_t off = m->data_off + row0 * e->cols * m->esize;
    if (m->dt == DT_F32 && !m->swap) {
        TA_CALL(pread_full(m->fd, e->file, out, total * 4, off));
        return 0;
    }
    /* Other dtypes through a bounce buffer of about 4 MB: rows are partitioned into chunks of
     * whole elements, read, and converted into out. */
    size_t chunk = ((size_t)4 << 20) / (size_t)m->esize;
    unsigned char *buf = ta_malloc((total < chunk ? total : chunk) * (size_t)m->esize);
    TA_CHECK_ALLOC(buf, chunk * m->esize);
    int rc = 0;
    for (size_t done = 0; done < total;) {
        size_t n = total - done < chunk ? total - done : chunk;
        rc = pread_full(m->fd, e->file, buf, n * (size_t)m->esize,
                        off + (int64_t)(done * (size_t)m->esize));
        if (rc)
            break;
        convert(m->dt, m->swap, buf, out + done, n);
        done += n;
    }
    free(buf);
    TA_CALL(rc);
    return 0;
}

int ta_embed_read_rows(ta_embed_t *e, int64_t row0, int64_t nrows, float *out)
{
    if (!e->sel)
        return read_stored(e, row0, nrows, out);
    TA_CHECK(row0 >= 0 && nrows >= 0 && row0 + nrows <= e->rows, TA_EINTERNAL,
             "%s: rows %lld..%lld outside the %lld selected rows", e->file, (long long)row0,
             (long long)(row0 + nrows), (long long)e->rows);
    /* Runs of consecutive stored rows, one read each. */
    for (int64_t i = row0; i < row0 + nrows;) {
        int64_t j = i + 1;
        while (j < row0 + nrows && e->sel[j] == e->sel[j - 1] + 1)
            j++;
        TA_CALL(read_stored(e, e->sel[i], j - i, out + (i - row0) * e->cols));
        i = j;
    }
    return 0;
}

int ta_embed_select(ta_embed_t *e, const int64_t *ids, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        TA_CHECK(ids[i] >= 0 && ids[i] < e->stored_rows, TA_EINTERNAL,
                 "%s: selected row %lld outside the tensor's %lld rows", e->file, (long long)ids[i],
                 (long long)e->stored_rows);
    int64_t *sel = ta_malloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
    TA_CHECK_ALLOC(sel, (size_t)n * sizeof *sel);
    memcpy(sel, ids, (size_t)n * sizeof *sel);
    free(e->sel);
    e->sel = sel;
    e->rows = n;
    return 0;
}

void ta_embed_close(ta_embed_t *e)
{
    if (!e)
        return;
    free(e->sel);
    e->sel = NULL;
    if (!e->impl)
        return;
    if (e->impl->fd >= 0)
        close(e->impl->fd);
    if (e->impl->h5 >= 0)
        H5Fclose(e->impl->h5);
    free(e->impl);
    e->impl = NULL;
}
