/* safetensors headers: the 8-byte little-endian length, then a JSON object of tensors (dtype,
 * shape, data_offsets) and an optional __metadata__ of strings. Validated as the safetensors
 * library does: known dtypes, shape x dtype size equal to the byte range, ranges inside the data
 * area and not overlapping. */
#include "io/ta_embed_int.h"
#include "io/ta_file.h"

#include "base/ta_error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The safetensors library refuses headers above 100 MB. */
#define TA__ST_MAX_HEADER 100000000LL

static const ta__st_dtype_t st_dtypes[] = {
    {"F64", 8, 1},     {"F32", 4, 1}, {"F16", 2, 1}, {"BF16", 2, 1}, {"F8_E4M3", 1, 0},
    {"F8_E5M2", 1, 0}, {"I64", 8, 0}, {"I32", 4, 0}, {"I16", 2, 0},  {"I8", 1, 0},
    {"U64", 8, 0},     {"U32", 4, 0}, {"U16", 2, 0}, {"U8", 1, 0},   {"BOOL", 1, 0},
};

const ta__st_dtype_t *ta__st_dtype(const char *name)
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

/* The shape of one tensor entry: t->ndim, t->shape (the first 8) and the element count. */
static int st_parse_shape(const char *path, const char *key, json_t *shape, ta_st_tensor_t *t)
{
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
    return 0;
}

/* One tensor entry of the header. */
static int st_parse_entry(const char *path, const char *key, json_t *v, ta_st_tensor_t *t)
{
    TA_CHECK(json_is_object(v), TA_EINPUT, "%s: header key \"%s\": expected an object", path, key);
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *offs = json_object_get(v, "data_offsets");
    TA_CHECK(json_is_string(dt), TA_EINPUT, "%s: header key \"%s\": missing string \"dtype\"", path,
             key);
    const ta__st_dtype_t *d = ta__st_dtype(json_string_value(dt));
    TA_CHECK(d, TA_EINPUT, "%s: header key \"%s\": unknown dtype \"%.20s\"", path, key,
             json_string_value(dt));
    snprintf(t->dtype, sizeof t->dtype, "%s", d->name);
    TA_CHECK(json_is_array(shape), TA_EINPUT, "%s: header key \"%s\": missing array \"shape\"",
             path, key);
    TA_CHECK(json_is_array(offs) && json_array_size(offs) == 2, TA_EINPUT,
             "%s: header key \"%s\": \"data_offsets\" must be [begin, end]", path, key);
    TA_CALL(st_parse_shape(path, key, shape, t));
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
    TA_CHECK(t->numel * d->size == t->end - t->begin, TA_EINPUT,
             "%s: header key \"%s\": shape x dtype size = %lld bytes but data_offsets span %lld "
             "bytes",
             path, key, (long long)(t->numel * d->size), (long long)(t->end - t->begin));
    return 0;
}

/* __metadata__: an object of strings. */
static int st_check_metadata(const char *path, json_t *v)
{
    TA_CHECK(json_is_object(v), TA_EINPUT, "%s: header key \"__metadata__\": expected an object",
             path);
    const char *mk;
    json_t *mv;
    json_object_foreach(v, mk, mv)
    {
        TA_CHECK(json_is_string(mv), TA_EINPUT,
                 "%s: header key \"__metadata__\": value of \"%s\" is not a string", path, mk);
    }
    return 0;
}

/* Ranges must lie inside the data area of data_bytes bytes and must not overlap. */
static int st_check_ranges(const char *path, const ta_st_header_t *h, int64_t data_bytes)
{
    ta_st_tensor_t *s = ta_malloc((size_t)(h->n ? h->n : 1) * sizeof *s);
    TA_CHECK_ALLOC(s, (size_t)(h->n ? h->n : 1) * sizeof *s);
    memcpy(s, h->t, (size_t)h->n * sizeof *s);
    qsort(s, (size_t)h->n, sizeof *s, cmp_begin);
    int rc = 0;
    for (int64_t i = 0; i < h->n && !rc; i++) {
        if (s[i].end > data_bytes)
            rc = TA_ERR(TA_EINPUT,
                        "%s: header key \"%s\": data_offsets [%lld, %lld] outside the data area "
                        "of %lld bytes (file truncated?)",
                        path, s[i].name, (long long)s[i].begin, (long long)s[i].end,
                        (long long)data_bytes);
        else if (i > 0 && s[i].begin < s[i - 1].end)
            rc = TA_ERR(TA_EINPUT,
                        "%s: header key \"%s\": data_offsets [%lld, %lld] overlap \"%s\" [%lld, "
                        "%lld]",
                        path, s[i].name, (long long)s[i].begin, (long long)s[i].end, s[i - 1].name,
                        (long long)s[i - 1].begin, (long long)s[i - 1].end);
    }
    free(s);
    return rc;
}

/* The tensors of the header object root into h. */
static int st_parse_tensors(const char *path, json_t *root, ta_st_header_t *h)
{
    size_t cap = json_object_size(root);
    h->t = ta_calloc(cap ? cap : 1, sizeof *h->t);
    TA_CHECK_ALLOC(h->t, (cap ? cap : 1) * sizeof *h->t);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "__metadata__") == 0) {
            TA_CALL(st_check_metadata(path, v));
            continue;
        }
        ta_st_tensor_t *t = &h->t[h->n];
        TA_CALL(st_parse_entry(path, key, v, t));
        t->name = strdup(key);
        TA_CHECK(t->name, TA_ERESOURCE, "out of memory");
        h->n++;
    }
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
    TA_CHECK_GOTO(json_is_object(root), TA_EINPUT, done,
                  "%s: byte 8: safetensors header is not a JSON object", path);
    TA_CALL_GOTO(st_parse_tensors(path, root, h), done);
    TA_CALL_GOTO(st_check_ranges(path, h, data_bytes), done);
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

int ta__st_read_header(const char *path, int *fd, ta_st_header_t *h)
{
    int64_t size;
    TA_CALL(ta_file_open_read(path, fd, &size));
    int rc = 0;
    unsigned char len8[8] = {0};
    char *json = NULL;
    if (size >= 8)
        TA_CALL_GOTO(ta__pread_full(*fd, path, len8, 8, 0), fail);
    uint64_t n = le64(len8);
    TA_CALL_GOTO(st_check_len(path, n, size), fail);
    json = ta_malloc(n ? n : 1);
    TA_CHECK_GOTO(json, TA_ERESOURCE, fail, "out of memory reading the header of %s", path);
    TA_CALL_GOTO(ta__pread_full(*fd, path, json, n, 8), fail);
    TA_CALL_GOTO(ta_st_parse_header(path, json, n, size - 8 - (int64_t)n, h), fail);
    free(json);
    return 0;
fail:
    free(json);
    close(*fd);
    *fd = -1;
    return rc;
}
