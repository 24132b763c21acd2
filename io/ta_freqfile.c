/* Token frequency files; see ta_freqfile.h for the format. */
#include "io/ta_freqfile.h"

#include "base/ta_error.h"
#include "base/ta_strmap.h"
#include "io/ta_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Undoes the categorize TSV escapes in place (\t, \n, \r, \\); returns the new length, or -1 for
 * a backslash that starts none of them. */
static int64_t unescape(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            s[o++] = s[i];
            continue;
        }
        if (i + 1 >= len)
            return -1;
        char c = s[++i];
        s[o++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == '\\' ? '\\' : 0;
        if (s[o - 1] == 0)
            return -1;
    }
    return (int64_t)o;
}

/* A count: decimal digits only (no sign, no spaces), within int64. */
static int parse_count(const char *s, int64_t *v)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    errno = 0;
    char *end = NULL;
    long long x = strtoll(s, &end, 10);
    if (errno || *end)
        return 0;
    *v = x;
    return 1;
}

/* The token id of one line's key, or an error naming the line. */
static int line_id(const char *path, int64_t line, char *key, size_t klen, int by_id, int64_t n,
                   const ta_strmap_t *sm, const int32_t *first, int64_t *id)
{
    if (by_id) {
        int64_t v = -1;
        TA_CHECK(parse_count(key, &v) && v < n, TA_EINPUT,
                 "%s:%lld: token id '%s' is not an id of the vocabulary (0..%lld)", path,
                 (long long)line, key, (long long)n - 1);
        *id = v;
        return 0;
    }
    int64_t l = unescape(key, klen);
    TA_CHECK(l >= 0, TA_EINPUT, "%s:%lld: bad escape in the token (\\t, \\n, \\r, \\\\ only)", path,
             (long long)line);
    int64_t s = ta_strmap_find(sm, key, (size_t)l);
    TA_CHECK(s >= 0, TA_EINPUT, "%s:%lld: token '%.*s' is not in the vocabulary", path,
             (long long)line, (int)(l > 200 ? 200 : l), key);
    *id = first[s];
    return 0;
}

static int parse(const char *path, char *data, size_t len, int64_t n, const ta_strmap_t *sm,
                 const int32_t *first, int64_t *count, int64_t *seen, ta_freqinfo_t *info)
{
    int64_t line = 0;
    char *p = data, *end = data + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        line++;
        if (eol > p && eol[-1] == '\r')
            eol--;
        *eol = '\0';
        char *row = p;
        p = next;
        if (line == 1) {
            info->by_id = strcmp(row, "id\tcount") == 0;
            TA_CHECK(info->by_id || strcmp(row, "token\tcount") == 0, TA_EINPUT,
                     "%s:1: expected the header 'token<TAB>count' or 'id<TAB>count'", path);
            TA_CHECK(info->by_id || sm, TA_EINPUT,
                     "%s:1: a 'token count' file needs the token strings (give --vocab)", path);
            continue;
        }
        if (eol == row)
            continue;
        TA_CHECK(!memchr(row, '\0', (size_t)(eol - row)), TA_EINPUT, "%s:%lld: NUL byte", path,
                 (long long)line);
        char *tab = memchr(row, '\t', (size_t)(eol - row));
        TA_CHECK(tab && !memchr(tab + 1, '\t', (size_t)(eol - tab - 1)), TA_EINPUT,
                 "%s:%lld: expected 2 tab-separated columns (%s, count)", path, (long long)line,
                 info->by_id ? "id" : "token");
        *tab = '\0';
        int64_t c = 0;
        TA_CHECK(!(tab[1] == '-' && parse_count(tab + 2, &c)), TA_EINPUT,
                 "%s:%lld: negative count %s", path, (long long)line, tab + 1);
        TA_CHECK(parse_count(tab + 1, &c), TA_EINPUT, "%s:%lld: count '%s' is not an integer >= 0",
                 path, (long long)line, tab + 1);
        int64_t id = -1;
        TA_CALL(line_id(path, line, row, (size_t)(tab - row), info->by_id, n, sm, first, &id));
        TA_CHECK(seen[id] == 0, TA_EINPUT,
                 "%s:%lld: token id %lld listed again (first on line %lld)", path, (long long)line,
                 (long long)id, (long long)seen[id]);
        seen[id] = line;
        count[id] = c;
        info->n_listed++;
        TA_CHECK(info->total <= INT64_MAX - c, TA_EINPUT, "%s:%lld: counts sum past 2^63", path,
                 (long long)line);
        info->total += c;
    }
    TA_CHECK(line >= 1, TA_EINPUT, "%s: empty file (expected the header 'token<TAB>count')", path);
    return 0;
}

int ta_freqfile_read(const char *path, int64_t n, const char *const *tok, const uint32_t *len,
                     int64_t *count, ta_freqinfo_t *info)
{
    memset(info, 0, sizeof *info);
    for (int64_t i = 0; i < n; i++)
        count[i] = 0;
    char *data = NULL;
    size_t dlen = 0;
    TA_CALL(ta_file_read_all(path, &data, &dlen));
    ta_strmap_t sm;
    int have_map = 0, rc = 0;
    int32_t *first = NULL;
    int64_t *seen = ta_calloc((size_t)(n ? n : 1), sizeof *seen);
    TA_CHECK_GOTO(seen, TA_ERESOURCE, done, "out of memory for %lld tokens", (long long)n);
    if (tok) {
        /* Token text -> lowest id. */
        TA_CALL_GOTO(ta_strmap_init(&sm), done);
        have_map = 1;
        first = ta_malloc((size_t)(n ? n : 1) * sizeof *first);
        TA_CHECK_GOTO(first, TA_ERESOURCE, done, "out of memory for %lld tokens", (long long)n);
        for (int64_t i = 0; i < n; i++) {
            int64_t id;
            int added;
            TA_CALL_GOTO(ta_strmap_intern(&sm, tok[i], len ? len[i] : strlen(tok[i]), &id, &added),
                         done);
            if (added)
                first[id] = (int32_t)i;
        }
    }
    rc = parse(path, data, dlen, n, have_map ? &sm : NULL, first, count, seen, info);
done:
    if (have_map)
        ta_strmap_free(&sm);
    free(first);
    free(seen);
    free(data);
    return rc;
}
