#include "io/ta_subset.h"

#include "base/ta_error.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"

#include <stdlib.h>
#include <string.h>

/* Where the i-th id came from, for messages: "PATH:LINE" (text) or "PATH: element I" (.npy). */
static void place(const char *path, int npy, int64_t where, char *out, size_t cap)
{
    if (npy)
        snprintf(out, cap, "%s: element %lld", path, (long long)where);
    else
        snprintf(out, cap, "%s:%lld", path, (long long)where);
}

/* A .npy file: a 1-D integer array. */
static int read_npy(const char *path, const unsigned char *buf, size_t len, int64_t **ids,
                    int64_t *count)
{
    ta_npy_header_t h;
    TA_CALL(ta_npy_parse_header(path, buf, len, (int64_t)len, &h));
    TA_CHECK(h.ndim == 1, TA_EINPUT, "%s: array has %d dimensions, expected 1 (token ids)", path,
             h.ndim);
    const char order = h.descr[0];
    const char *t = strchr("<>|=", order) ? h.descr + 1 : h.descr;
    const int is_signed = t[0] == 'i';
    const int size =
        (t[0] == 'i' || t[0] == 'u') && t[1] >= '1' && t[1] <= '8' && !t[2] ? t[1] - '0' : 0;
    TA_CHECK(size == 1 || size == 2 || size == 4 || size == 8, TA_EINPUT,
             "%s: dtype '%s' is not an integer type (token ids need i1..i8 or u1..u8)", path,
             h.descr);
    const int swap = order == '>' && size > 1;
    const int64_t n = h.shape[0];
    int64_t *v = ta_malloc((size_t)(n ? n : 1) * sizeof *v);
    TA_CHECK_ALLOC(v, (size_t)n * sizeof *v);
    const unsigned char *p = buf + h.data_offset;
    for (int64_t i = 0; i < n; i++, p += size) {
        uint64_t u = 0;
        for (int b = 0; b < size; b++) /* little-endian unless swapped */
            u |= (uint64_t)p[swap ? size - 1 - b : b] << (8 * b);
        if (is_signed && size < 8 && (u >> (8 * size - 1)) & 1)
            u |= ~0ull << (8 * size); /* sign extension */
        v[i] = (int64_t)u;
        if (!is_signed && size == 8 && v[i] < 0) {
            free(v);
            return TA_ERR(TA_EINPUT, "%s: element %lld: token id %llu out of range", path,
                          (long long)i, (unsigned long long)u);
        }
    }
    *ids = v;
    *count = n;
    return 0;
}

/* Text: one id per line. lines[i] receives the line of the i-th id. */
static int read_text(const char *path, char *text, int64_t **ids, int64_t **lines, int64_t *count)
{
    int64_t cap = 0, lcap = 0, cnt = 0, line = 1;
    int64_t *v = NULL, *ln = NULL;
    int rc = 0;
    for (char *p = text; *p;) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        char *hash = strchr(p, '#');
        if (hash)
            *hash = '\0';
        char *s = p + strspn(p, " \t\r");
        if (*s) {
            char *end;
            long long x = strtoll(s, &end, 10);
            char *rest = end + strspn(end, " \t\r");
            TA_CHECK_GOTO(end != s && *rest == '\0', TA_EINPUT, out,
                          "%s:%lld: '%s' is not a token id", path, (long long)line, s);
            TA_CALL_GOTO(ta_grow(&v, &cap, cnt + 1, sizeof *v), out);
            TA_CALL_GOTO(ta_grow(&ln, &lcap, cnt + 1, sizeof *ln), out);
            ln[cnt] = line;
            v[cnt++] = x;
        }
        line++;
        if (!eol)
            break;
        p = eol + 1;
    }
    *ids = v;
    *lines = ln;
    *count = cnt;
    return 0;
out:
    free(v);
    free(ln);
    return rc;
}

int ta_subset_read(const char *path, int64_t n, int64_t **ids, int64_t *count)
{
    *ids = NULL;
    *count = 0;
    char *data;
    size_t len;
    TA_CALL(ta_file_read_all(path, &data, &len));
    const int npy = len >= 6 && memcmp(data, "\x93NUMPY", 6) == 0;
    int64_t *v = NULL, *lines = NULL, cnt = 0;
    uint8_t *seen = NULL;
    int rc = npy ? read_npy(path, (const unsigned char *)data, len, &v, &cnt)
                 : read_text(path, data, &v, &lines, &cnt);
    free(data);
    TA_CALL(rc);
    char where[4200], first[64];
    TA_CHECK_GOTO(cnt > 0, TA_EINPUT, done, "%s: no token ids", path);
    seen = ta_calloc((size_t)n / 8 + 1, 1);
    TA_CHECK_GOTO(seen != NULL, TA_ERESOURCE, done, "out of memory reading %s", path);
    for (int64_t i = 0; i < cnt; i++) {
        place(path, npy, npy ? i : lines[i], where, sizeof where);
        TA_CHECK_GOTO(v[i] >= 0 && v[i] < n, TA_EINPUT, done,
                      "%s: token id %lld out of range [0, %lld)", where, (long long)v[i],
                      (long long)n);
        if (seen[v[i] >> 3] & (1u << (v[i] & 7))) {
            int64_t j = 0;
            while (v[j] != v[i])
                j++;
            snprintf(first, sizeof first, "%s %lld", npy ? "element" : "line",
                     (long long)(npy ? j : lines[j]));
            rc = TA_ERR(TA_EINPUT, "%s: token id %lld listed twice (first at %s)", where,
                        (long long)v[i], first);
            goto done;
        }
        seen[v[i] >> 3] |= (uint8_t)(1u << (v[i] & 7));
    }
    *ids = v;
    *count = cnt;
    v = NULL;
done:
    free(v);
    free(lines);
    free(seen);
    return rc;
}
