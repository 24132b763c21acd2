#include "io/ta_muse.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int ta_muse_normalize(const char *s, size_t len, char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    /* Leading U+2581 (SentencePiece's word-start mark) is not part of the word. */
    while (len >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x96 &&
           (unsigned char)s[2] == 0x81) {
        s += 3;
        len -= 3;
    }
    if (len == 0)
        return 0;
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
                                      UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (n == UTF8PROC_ERROR_NOMEM)
        return TA_ERR(TA_ERESOURCE, "out of memory normalising a word");
    if (n <= 0) {
        free(dst);
        return 0;
    }
    *out = (char *)dst;
    *outlen = (size_t)n;
    return 0;
}

int ta_muse_lookup(const ta_muse_t *m, const char *s, size_t len, int64_t *word)
{
    char *w;
    size_t wl;
    *word = -1;
    if (m->mode == TA_MUSE_EXACT) {
        *word = ta_strmap_find(&m->words, s, len);
        return 0;
    }
    TA_CALL(ta_muse_normalize(s, len, &w, &wl));
    if (w)
        *word = ta_strmap_find(&m->words, w, wl);
    free(w);
    return 0;
}

/* A word kept as it is (TA_MUSE_EXACT), in the shape ta_muse_normalize returns: NULL when it
 * is not valid UTF-8. */
static int exact_copy(const char *s, char **out, size_t *outlen)
{
    size_t len = strlen(s);
    *out = NULL;
    *outlen = 0;
    utf8proc_int32_t c;
    for (size_t i = 0; i < len;) {
        utf8proc_ssize_t l =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (l <= 0)
            return 0;
        i += (size_t)l;
    }
    *out = strdup(s);
    TA_CHECK_ALLOC(*out, len + 1);
    *outlen = len;
    return 0;
}

typedef struct {
    int64_t word, eng;
} pair_t;

typedef struct {
    pair_t *p;
    int64_t n, cap;
} pairs_t;

static int pairs_push(pairs_t *ps, int64_t word, int64_t eng)
{
    TA_CALL(ta_grow(&ps->p, &ps->cap, ps->n + 1, sizeof *ps->p));
    ps->p[ps->n++] = (pair_t){word, eng};
    return 0;
}

static int cmp_pair(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->word != y->word)
        return x->word < y->word ? -1 : 1;
    return (x->eng > y->eng) - (x->eng < y->eng);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dict_name(const char *n)
{
    size_t l = strlen(n);
    return l > 7 && strncmp(n, "en-", 3) == 0 && strcmp(n + l - 4, ".txt") == 0;
}

static int list_files(const char *dir, ta_muse_t *m)
{
    DIR *dp = opendir(dir);
    TA_CHECK(dp, TA_EINPUT, "%s: cannot open dictionary directory: %s", dir, strerror(errno));
    int64_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dp))) {
        if (!is_dict_name(e->d_name))
            continue;
        TA_CALL_GOTO(ta_grow(&m->file, &cap, m->n_files + 1, sizeof *m->file), done);
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        char *p = ta_malloc(l);
        TA_CHECK_GOTO(p, TA_ERESOURCE, done, "out of memory listing %s", dir);
        snprintf(p, l, "%s/%s", dir, e->d_name);
        m->file[m->n_files++] = p;
    }
    TA_CHECK_GOTO(m->n_files > 0, TA_EINPUT, done,
                  "%s: no dictionary files (en-*.txt) in this directory", dir);
    /* Sorted, so that word ids (and so every result) do not depend on the directory order. */
    qsort(m->file, (size_t)m->n_files, sizeof *m->file, cmp_str);
done:
    closedir(dp);
    return rc;
}

/* Splits line (NUL-terminated, modified) at ASCII whitespace into at most 3 fields. */
static int split_fields(char *line, char **f)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\v\f", &save); t; t = strtok_r(NULL, " \t\r\v\f", &save)) {
        if (n < 3)
            f[n] = t;
        n++;
    }
    return n;
}

static int read_file(ta_muse_t *m, const char *path, int64_t warn_limit, pairs_t *ps)
{
    char *data = NULL;
    size_t len = 0;
    TA_CALL(ta_file_read_all(path, &data, &len));
    ta_file_protect(path); /* no output of the command may replace a dictionary */
    int rc = 0;
    int64_t lineno = 0;
    char *p = data, *end = data + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        lineno++;
        m->n_lines++;
        char *line = p;
        p = nl ? nl + 1 : end;
        size_t ll = (size_t)(le - line);
        /* Blank lines (and a file's trailing newline) are not entries. */
        size_t b = 0;
        while (b < ll && strchr(" \t\r\v\f", line[b]))
            b++;
        if (b == ll)
            continue;
        const char *problem = NULL;
        char msgbuf[64];
        if (memchr(line, '\0', ll)) {
            problem = "NUL byte in the line";
        } else {
            *le = '\0';
            char *f[3];
            int nf = split_fields(line, f);
            if (nf != 2) {
                snprintf(msgbuf, sizeof msgbuf, "expected 2 fields (english other), found %d", nf);
                problem = msgbuf;
            } else {
                char *w[2] = {NULL, NULL};
                size_t wl[2] = {0, 0};
                int64_t id[2];
                for (int i = 0; i < 2 && !rc; i++)
                    rc = m->mode == TA_MUSE_EXACT
                             ? exact_copy(f[i], &w[i], &wl[i])
                             : ta_muse_normalize(f[i], strlen(f[i]), &w[i], &wl[i]);
                if (!rc && (!w[0] || !w[1]))
                    problem = "not valid UTF-8";
                for (int i = 0; i < 2 && !rc && !problem; i++)
                    rc = ta_strmap_intern(&m->words, w[i], wl[i], &id[i], NULL);
                /* The headword belongs to its own cluster; the other word to the headword's. */
                if (!rc && !problem)
                    rc = pairs_push(ps, id[0], id[0]);
                if (!rc && !problem)
                    rc = pairs_push(ps, id[1], id[0]);
                if (!rc && !problem)
                    m->n_pairs++;
                free(w[0]);
                free(w[1]);
                if (rc)
                    goto done;
            }
        }
        if (problem) {
            if (m->n_malformed < warn_limit)
                ta_log_warn("%s:%lld: %s; line skipped", path, (long long)lineno, problem);
            m->n_malformed++;
        }
    }
done:
    free(data);
    return rc;
}

int ta_muse_read_dir(const char *dir, int64_t warn_limit, ta_muse_t *m)
{
    return ta_muse_read_dir_mode(dir, warn_limit, TA_MUSE_NORMALIZE, m);
}

int ta_muse_read_dir_mode(const char *dir, int64_t warn_limit, ta_muse_mode_t mode, ta_muse_t *m)
{
    memset(m, 0, sizeof *m);
    m->mode = mode;
    pairs_t ps = {0};
    int rc = 0;
    TA_CALL(ta_strmap_init(&m->words));
    TA_CALL_GOTO(list_files(dir, m), fail);
    m->sha = ta_calloc((size_t)m->n_files, sizeof *m->sha);
    TA_CHECK_GOTO(m->sha, TA_ERESOURCE, fail, "out of memory");
    for (int64_t i = 0; i < m->n_files; i++) {
        TA_CALL_GOTO(ta_file_sha256(m->file[i], m->sha[i]), fail);
        TA_CALL_GOTO(read_file(m, m->file[i], warn_limit, &ps), fail);
    }
    if (m->n_malformed > warn_limit)
        ta_log_warn("%s: %lld more malformed dictionary lines not shown (%lld in all)", dir,
                    (long long)(m->n_malformed - warn_limit), (long long)m->n_malformed);
    /* Word -> sorted unique English headwords, as CSR. */
    qsort(ps.p, (size_t)ps.n, sizeof *ps.p, cmp_pair);
    int64_t nw = m->words.n;
    m->off = ta_calloc((size_t)nw + 1, sizeof *m->off);
    m->eng = ta_malloc((size_t)(ps.n ? ps.n : 1) * sizeof *m->eng);
    TA_CHECK_GOTO(m->off && m->eng, TA_ERESOURCE, fail, "out of memory for %lld dictionary pairs",
                  (long long)ps.n);
    int64_t ne = 0;
    for (int64_t i = 0; i < ps.n; i++) {
        if (i > 0 && cmp_pair(&ps.p[i], &ps.p[i - 1]) == 0)
            continue;
        if (ps.p[i].word == ps.p[i].eng)
            m->n_english++;
        m->eng[ne++] = (int32_t)ps.p[i].eng;
        m->off[ps.p[i].word + 1]++;
    }
    for (int64_t w = 0; w < nw; w++)
        m->off[w + 1] += m->off[w];
    free(ps.p);
    return 0;
fail:
    free(ps.p);
    ta_muse_free(m);
    return rc;
}

void ta_muse_free(ta_muse_t *m)
{
    ta_strmap_free(&m->words);
    free(m->off);
    free(m->eng);
    for (int64_t i = 0; i < m->n_files; i++)
        free(m->file[i]);
    free(m->file);
    free(m->sha);
    memset(m, 0, sizeof *m);
}
