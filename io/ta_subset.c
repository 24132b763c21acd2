#include "io/ta_subset.h"

#include "base/ta_error.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

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
static int read_text(const char *path, char *text, size_t len, int64_t **ids, int64_t **lines,
                     int64_t *count)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int64_t line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        return TA_ERR(TA_EINPUT,
                      "%s:%lld: NUL byte (byte offset %lld): not a text file of token ids", path,
                      (long long)line, (long long)(nul - text));
    }
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

/* The file and model of a spec: FILE.h5:NAME when spec itself is no file but the part before its
 * last ':' is; *name points into spec (NULL without a model). */
static int split_spec(const char *spec, char **file, const char **name)
{
    *name = NULL;
    const char *colon = strrchr(spec, ':');
    if (!ta_file_is_regular(spec) && colon && colon > spec && colon[1]) {
        char *f = strndup(spec, (size_t)(colon - spec));
        TA_CHECK_ALLOC(f, (size_t)(colon - spec));
        if (ta_file_is_regular(f)) {
            *file = f;
            *name = colon + 1;
            return 0;
        }
        free(f);
    }
    *file = strdup(spec);
    TA_CHECK_ALLOC(*file, strlen(spec));
    return 0;
}

/* "a, b, c": the models of a subset map, for messages. */
static void join_names(char *const *names, int64_t n, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < n && len + 8 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", names[i]);
}

/* The ids of model `name` in the subset map `file` written by `overlap`. */
static int read_map(const char *spec, const char *file, const char *name, int64_t n, int64_t **ids,
                    int64_t *count)
{
    hid_t f;
    TA_CALL(ta_h5_open_read(file, &f));
    char **names = NULL, list[1024], *dset = NULL;
    int64_t nm = 0, nt = 0, m = -1;
    void *ntok = NULL;
    int rc = 0;
    TA_CHECK_GOTO(ta_h5_exists(f, "/overlap/names") && ta_h5_exists(f, "/overlap/n_tokens"),
                  TA_EINPUT, done,
                  "%s: an HDF5 file but not a subset map of `tokenatlas overlap` (no "
                  "/overlap/names)",
                  file);
    TA_CALL_GOTO(ta_h5_read_strings(f, file, "/overlap/names", &names, &nm), done);
    TA_CALL_GOTO(ta_h5_read_all(f, file, "/overlap/n_tokens", TA_ELEM_I64, 1, &ntok, &nt), done);
    TA_CHECK_GOTO(nt == nm, TA_EINPUT, done,
                  "%s: /overlap/n_tokens has %lld entries for %lld models", file, (long long)nt,
                  (long long)nm);
    join_names(names, nm, list, sizeof list);
    TA_CHECK_GOTO(name != NULL, TA_EINPUT, done,
                  "%s: a subset map of `overlap` holds the ids of %lld models (%s): name one as "
                  "%s:NAME",
                  file, (long long)nm, list, file);
    for (int64_t i = 0; i < nm && m < 0; i++)
        if (strcmp(names[i], name) == 0)
            m = i;
    TA_CHECK_GOTO(m >= 0, TA_EINPUT, done, "%s: no model '%s' in the subset map %s (it holds: %s)",
                  spec, name, file, list);
    TA_CHECK_GOTO(((int64_t *)ntok)[m] <= n, TA_EINPUT, done,
                  "%s: the subset map is for a vocabulary of %lld tokens, but the input has %lld "
                  "(another model's?)",
                  spec, (long long)((int64_t *)ntok)[m], (long long)n);
    rc = asprintf(&dset, "/overlap/models/%s/ids", name) < 0 ? TA_ERESOURCE : 0;
    TA_CHECK_GOTO(!rc, TA_ERESOURCE, done, "out of memory reading %s", spec);
    TA_CHECK_GOTO(ta_h5_exists(f, dset), TA_EINPUT, done, "%s: %s is missing", file, dset);
    void *v = NULL;
    TA_CALL_GOTO(ta_h5_read_all(f, file, dset, TA_ELEM_I64, 1, &v, count), done);
    *ids = v;
done:
    ta_h5_close(f);
    ta_h5_free_strings(names, nm);
    free(ntok);
    free(dset);
    return rc;
}

/* The ids of spec in file order, unchecked; lines[i] receives the line of the i-th id of a text
 * file (NULL for the other kinds). */
static int read_any(const char *spec, int64_t n, int *kind, int64_t **v, int64_t **lines,
                    int64_t *cnt)
{
    char *file = NULL;
    const char *name;
    TA_CALL(split_spec(spec, &file, &name));
    int rc = 0;
    *kind = 0;
    struct stat st;
    /* A FIFO or device would block the reads below (or never end): only regular files. */
    if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
        rc = TA_ERR(TA_EINPUT, "%s: not a regular file (a %s): a subset is a file of token ids",
                    file, S_ISDIR(st.st_mode) ? "directory" : "FIFO, socket or device");
    } else if (ta_h5_is_hdf5(file)) {
        *kind = 2;
        rc = read_map(spec, file, name, n, v, cnt);
    } else {
        char *data = NULL;
        size_t len;
        rc = ta_file_read_all(file, &data, &len);
        if (!rc) {
            *kind = len >= 6 && memcmp(data, "\x93NUMPY", 6) == 0;
            rc = *kind ? read_npy(file, (const unsigned char *)data, len, v, cnt)
                       : read_text(file, data, len, v, lines, cnt);
        }
        free(data);
    }
    free(file);
    return rc;
}

static void format_place(const char *spec, int kind, const int64_t *lines, int64_t i, char *buf,
                         size_t cap)
{
    if (kind == 0 && lines)
        snprintf(buf, cap, "%s:%lld", spec, (long long)lines[i]);
    else
        snprintf(buf, cap, "%s: element %lld", spec, (long long)i);
}

int ta_subset_read(const char *spec, int64_t n, int64_t **ids, int64_t *count)
{
    *ids = NULL;
    *count = 0;
    int64_t *v = NULL, *lines = NULL, cnt = 0;
    int kind;
    uint8_t *seen = NULL;
    TA_CALL(read_any(spec, n, &kind, &v, &lines, &cnt));
    char where[4200], first[64];
    int rc = 0;
    TA_CHECK_GOTO(cnt > 0, TA_EINPUT, done, "%s: no token ids", spec);
    seen = ta_calloc((size_t)n / 8 + 1, 1);
    TA_CHECK_GOTO(seen != NULL, TA_ERESOURCE, done, "out of memory reading %s", spec);
    for (int64_t i = 0; i < cnt; i++) {
        format_place(spec, kind, lines, i, where, sizeof where);
        TA_CHECK_GOTO(v[i] >= 0 && v[i] < n, TA_EINPUT, done,
                      "%s: token id %lld out of range [0, %lld)", where, (long long)v[i],
                      (long long)n);
        if (seen[v[i] >> 3] & (1u << (v[i] & 7))) {
            int64_t j = 0;
            while (v[j] != v[i])
                j++;
            snprintf(first, sizeof first, "%s %lld", kind == 0 ? "line" : "element",
                     (long long)(kind == 0 ? lines[j] : j));
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

int ta_subset_file(const char *spec, char **file)
{
    const char *name;
    return split_spec(spec, file, &name);
}

int ta_subset_add_input(const char *spec)
{
    char *file = NULL;
    TA_CALL(ta_subset_file(spec, &file));
    int rc = ta_prov_add_input(file);
    free(file);
    return rc;
}

void ta_subset_place(const char *spec, int64_t i, char *buf, size_t cap)
{
    int64_t *v = NULL, *lines = NULL, cnt = 0;
    int kind = 1;
    if (read_any(spec, INT64_MAX, &kind, &v, &lines, &cnt) || i >= cnt) {
        ta_err_clear();
        kind = 1;
    }
    format_place(spec, kind, lines, i, buf, cap);
    free(v);
    free(lines);
}
