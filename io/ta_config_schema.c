/* The config's schema: one table of fields (section, key, type, place in the struct), so that
 * the YAML file and the --set overrides are typed and checked by the same code; the defaults;
 * the one-line messages "FILE:LINE: key 'a.b': problem" (or "--set a.b=v: key 'a.b': ..."). */
#include "io/ta_config_int.h"

#include "base/ta_error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define TA__C(m) offsetof(ta_config_t, m), sizeof(((ta_config_t *)0)->m)
#define TA__M(m) offsetof(ta_config_model_t, m), sizeof(((ta_config_model_t *)0)->m)

static const ta__field_t ta__fields[] = {
    {"", "run", TA__F_NAME, TA__C(run), 0, offsetof(ta_config_t, run_line)},
    {"", "results_dir", TA__F_STR, TA__C(results_dir), 0, 0},
    {"", "protocol", TA__F_PROTOCOL, TA__C(protocol), 0, 0},
    {"", "subset", TA__F_SUBSET, TA__C(subset), 0, offsetof(ta_config_t, subset_line)},
    {"models", "name", TA__F_NAME, TA__M(name), 0, offsetof(ta_config_model_t, name_line)},
    {"models", "path", TA__F_STR, TA__M(path), 0, offsetof(ta_config_model_t, path_line)},
    {"models", "tensor", TA__F_OPTSTR, TA__M(tensor), 0, 0},
    {"models", "vocab", TA__F_OPTSTR, TA__M(vocab), 0, offsetof(ta_config_model_t, vocab_line)},
    {"models", "frequencies", TA__F_OPTSTR, TA__M(frequencies), 0,
     offsetof(ta_config_model_t, frequencies_line)},
    {"neighbors", "k", TA__F_INT, TA__C(k), 1, 0},
    {"neighbors", "queries", TA__F_QUERIES, TA__C(queries), 0, offsetof(ta_config_t, queries_line)},
    {"neighbors", "block_rows", TA__F_BLOCKROWS, TA__C(block_rows), 0, 0},
    {"neighbors", "exclude_self", TA__F_BOOL, TA__C(exclude_self), 0, 0},
    {"neighbors", "gemm", TA__F_GEMM, TA__C(gemm), 0, 0},
    {"diversity", "top", TA__F_INT, TA__C(top), 1, 0},
    {"probe", "folds", TA__F_INT, TA__C(folds), 2, 0},
    {"probe", "min_tokens", TA__F_INT, TA__C(min_tokens), 1, 0},
    {"probe", "seed", TA__F_INT, TA__C(seed), INT64_MIN, 0},
    {"probe", "balance", TA__F_BALANCE, TA__C(balance), 0, 0},
    {"probe", "enabled", TA__F_BOOL, TA__C(probe_enabled), 0, 0},
    {"map", "n_neighbors", TA__F_INT, TA__C(map_neighbors), 2, 0},
    {"map", "min_dist", TA__F_UNIT, TA__C(map_min_dist), 0, 0},
    {"map", "seed", TA__F_INT, TA__C(map_seed), 0, 0},
    {"map", "enabled", TA__F_BOOL, TA__C(map_enabled), 0, 0},
    {"translate", "dictionaries", TA__F_OPTSTR, TA__C(dictionaries), 0,
     offsetof(ta_config_t, dictionaries_line)},
    {"categories", "scheme", TA__F_SCHEME, TA__C(scheme), 0, 0},
};
#define TA__NFIELDS ((int)(sizeof ta__fields / sizeof ta__fields[0]))

static const char *const ta__sections[] = {"neighbors",  "diversity", "probe", "translate",
                                           "categories", "compare",   "map"};
#define TA__NSECTIONS ((int)(sizeof ta__sections / sizeof ta__sections[0]))

const ta__field_t ta__pair_field = {"compare", "pairs", TA__F_NAME, 0, 128, 0, 0};

static const char *ta__where(ta__ctx_t *c, int line)
{
    if (line < 0 && c->overrides)
        snprintf(c->where, sizeof c->where, "--set %s", c->overrides[-line - 1]);
    else
        snprintf(c->where, sizeof c->where, "%s:%d", c->file, line > 0 ? line : 1);
    return c->where;
}

int ta__fail(ta__ctx_t *c, int line, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return TA_ERR(TA_EINPUT, "%s: key '%s': %s", ta__where(c, line), key, msg);
}

int ta__is_null(const ta__scalar_t *v)
{
    if (!v->plain)
        return 0;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (int i = 0; i < 5; i++)
        if (v->len == strlen(nulls[i]) && memcmp(v->s, nulls[i], v->len) == 0)
            return 1;
    return 0;
}

static int ta__scalar_is(const ta__scalar_t *v, const char *word)
{
    return v->len == strlen(word) && memcmp(v->s, word, v->len) == 0;
}

/* Shows a value in a message: at most 60 bytes, control characters as '?'. */
static const char *ta__show(const ta__scalar_t *v, char *buf, size_t cap)
{
    size_t n = v->len < 60 ? v->len : 60;
    if (n > cap - 4)
        n = cap - 4;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        buf[j++] = (unsigned char)v->s[i] < 0x20 ? '?' : v->s[i];
    if (n < v->len) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

/* Parses a YAML 1.2 core-schema decimal integer ([-+]?[0-9]+) written plain. */
static int ta__parse_int(const ta__scalar_t *v, int64_t *out)
{
    if (!v->plain || v->len == 0 || v->len > 24)
        return 0;
    char buf[32];
    memcpy(buf, v->s, v->len);
    buf[v->len] = '\0';
    size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
    if (!buf[i])
        return 0;
    for (size_t k = i; buf[k]; k++)
        if (buf[k] < '0' || buf[k] > '9')
            return 0;
    errno = 0;
    long long x = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
        return 0;
    *out = (int64_t)x;
    return 1;
}

static int ta__valid_name(const char *s)
{
    if (!s[0])
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Validates a queries spec: all | sample:FRACTION:SEED (0 < FRACTION <= 1, SEED >= 0) | FILE. */
static int ta__valid_queries(const char *s, const char **why)
{
    if (strcmp(s, "all") == 0)
        return 1;
    if (strncmp(s, "sample:", 7) == 0) {
        char *end;
        errno = 0;
        double f = strtod(s + 7, &end);
        if (end == s + 7 || *end != ':' || errno || !(f > 0.0 && f <= 1.0)) {
            *why = "expected sample:FRACTION:SEED with 0 < FRACTION <= 1";
            return 0;
        }
        const char *seed = end + 1;
        int digits = 0;
        for (const char *p = seed; *p; p++, digits++)
            if (*p < '0' || *p > '9' || digits >= 18) {
                *why = "expected sample:FRACTION:SEED with SEED an integer >= 0";
                return 0;
            }
        if (!digits) {
            *why = "expected sample:FRACTION:SEED with SEED an integer >= 0";
            return 0;
        }
        return 1;
    }
    if (!s[0]) {
        *why = "expected all, sample:FRACTION:SEED or a file of token ids";
        return 0;
    }
    return 1;
}

/* A number in [0, 1] written plain, into the double at dst. */
static int set_unit(ta__ctx_t *c, char *dst, const ta__scalar_t *v, int line, const char *key)
{
    char buf[64], show[80], *end = NULL;
    double x = NAN;
    if (v->plain && v->len > 0 && v->len < sizeof buf) {
        memcpy(buf, v->s, v->len);
        buf[v->len] = '\0';
        errno = 0;
        x = strtod(buf, &end);
    }
    if (!end || *end || errno || !(x >= 0.0 && x <= 1.0))
        return ta__fail(c, line, key, "expected a number from 0 to 1, got '%s'",
                        ta__is_null(v) ? "null" : ta__show(v, show, sizeof show));
    *(double *)dst = x;
    return 0;
}

/* The numeric and boolean types (INT, BOOL, BLOCKROWS) into dst. */
static int set_number(ta__ctx_t *c, const ta__field_t *f, char *dst, const ta__scalar_t *v,
                      int line, const char *key)
{
    char show[80];
    int64_t x;
    if (f->type == TA__F_INT) {
        if (!ta__parse_int(v, &x))
            return ta__fail(c, line, key, "expected an integer, got '%s'",
                            ta__is_null(v) ? "null" : ta__show(v, show, sizeof show));
        if (x < f->min)
            return ta__fail(c, line, key, "must be >= %lld, got %lld", (long long)f->min,
                            (long long)x);
        *(int64_t *)dst = x;
    } else if (f->type == TA__F_BOOL) {
        int t = v->plain &&
                (ta__scalar_is(v, "true") || ta__scalar_is(v, "True") || ta__scalar_is(v, "TRUE"));
        int fa = v->plain && (ta__scalar_is(v, "false") || ta__scalar_is(v, "False") ||
                              ta__scalar_is(v, "FALSE"));
        if (!t && !fa)
            return ta__fail(c, line, key, "expected true or false, got '%s'",
                            ta__show(v, show, sizeof show));
        *(int *)dst = t;
    } else if (ta__scalar_is(v, "auto")) { /* TA__F_BLOCKROWS */
        *(int64_t *)dst = 0;
    } else {
        if (!ta__parse_int(v, &x) || x < 1)
            return ta__fail(c, line, key, "expected auto or an integer >= 1, got '%s'",
                            ta__show(v, show, sizeof show));
        *(int64_t *)dst = x;
    }
    return 0;
}

static const char *const schemes[] = {"paper", "script", NULL};
static const char *const protocols[] = {"tokenatlas", "paper", NULL};
static const char *const gemms[] = {"auto", "f32", "bf16", "bf16x3", NULL};
static const char *const balances[] = {"undersample", NULL};

/* s must be one of the words (NULL-terminated); else "expected EXPECTED, got 'V'". */
static int one_of(ta__ctx_t *c, const char *s, const char *const *words, const char *expected,
                  const ta__scalar_t *v, int line, const char *key)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return 0;
    char show[80];
    return ta__fail(c, line, key, "expected %s, got '%s'", expected,
                    ta__show(v, show, sizeof show));
}

/* The value constraints of the string types, on the NUL-terminated copy s of v. */
static int check_string(ta__ctx_t *c, const ta__field_t *f, const char *s, const ta__scalar_t *v,
                        int line, const char *key)
{
    char show[80];
    const char *why = NULL;
    switch (f->type) {
    case TA__F_NAME:
        if (!ta__valid_name(s))
            return ta__fail(
                c, line, key,
                "'%s' is not a valid name (letters, digits, '.', '_', '-'; not . or ..)",
                ta__show(v, show, sizeof show));
        break;
    case TA__F_STR:
        if (!s[0])
            return ta__fail(c, line, key, "must not be empty");
        break;
    case TA__F_QUERIES:
        if (!ta__valid_queries(s, &why))
            return ta__fail(c, line, key, "%s, got '%s'", why, ta__show(v, show, sizeof show));
        break;
    case TA__F_SCHEME:
        return one_of(c, s, schemes, "paper or script", v, line, key);
    case TA__F_PROTOCOL:
        return one_of(c, s, protocols, "tokenatlas or paper", v, line, key);
    case TA__F_GEMM:
        return one_of(c, s, gemms, "auto, f32, bf16 or bf16x3", v, line, key);
    case TA__F_SUBSET:
        if (!s[0])
            return ta__fail(c, line, key, "expected all, shared or a subset file, got ''");
        break;
    case TA__F_BALANCE:
        return one_of(c, s, balances, "undersample (the only method)", v, line, key);
    default:
        break;
    }
    return 0;
}

int ta__set_field(ta__ctx_t *c, const ta__field_t *f, void *base, const ta__scalar_t *v, int line,
                  const char *key)
{
    char *dst = (char *)base + f->off;
    if (f->line_off)
        *(int *)((char *)base + f->line_off) = line;
    if (f->type == TA__F_INT || f->type == TA__F_BOOL || f->type == TA__F_BLOCKROWS)
        return set_number(c, f, dst, v, line, key);
    if (f->type == TA__F_UNIT)
        return set_unit(c, dst, v, line, key);
    /* String types. */
    if (ta__is_null(v)) {
        if (f->type == TA__F_OPTSTR) {
            dst[0] = '\0';
            return 0;
        }
        return ta__fail(c, line, key, "expected a string, got null");
    }
    if (memchr(v->s, '\0', v->len))
        return ta__fail(c, line, key, "NUL character in value");
    if (v->len >= f->cap)
        return ta__fail(c, line, key, "value longer than %zu bytes", f->cap - 1);
    if (utf8proc_decompose((const utf8proc_uint8_t *)v->s, (utf8proc_ssize_t)v->len, NULL, 0, 0) <
        0)
        return ta__fail(c, line, key, "value is not valid UTF-8");
    char tmp[4096];
    memcpy(tmp, v->s, v->len);
    tmp[v->len] = '\0';
    TA_CALL(check_string(c, f, tmp, v, line, key));
    memcpy(dst, tmp, v->len + 1);
    return 0;
}

const ta__field_t *ta__find_field(const char *section, const char *key)
{
    for (int i = 0; i < TA__NFIELDS; i++)
        if (strcmp(ta__fields[i].section, section) == 0 && strcmp(ta__fields[i].key, key) == 0)
            return &ta__fields[i];
    return NULL;
}

int ta__is_section(const char *name)
{
    for (int i = 0; i < TA__NSECTIONS; i++)
        if (strcmp(ta__sections[i], name) == 0)
            return 1;
    return 0;
}

const char *ta__keys_of(const char *section, char *buf, size_t cap)
{
    size_t j = 0;
    buf[0] = '\0';
    for (int i = 0; i < TA__NFIELDS; i++) {
        if (strcmp(ta__fields[i].section, section) != 0)
            continue;
        int n = snprintf(buf + j, cap - j, "%s%s", j ? ", " : "", ta__fields[i].key);
        if (n < 0 || (size_t)n >= cap - j)
            break;
        j += (size_t)n;
    }
    if (section[0] == '\0')
        snprintf(buf + j, cap - j,
                 ", models, neighbors, diversity, probe, translate, "
                 "categories, compare, map");
    else if (strcmp(section, "compare") == 0)
        snprintf(buf, cap, "pairs");
    return buf;
}

void ta__defaults(ta_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->results_dir, sizeof cfg->results_dir, "results");
    snprintf(cfg->protocol, sizeof cfg->protocol, "tokenatlas");
    snprintf(cfg->subset, sizeof cfg->subset, "all");
    cfg->k = 100;
    snprintf(cfg->queries, sizeof cfg->queries, "all");
    cfg->block_rows = 0;
    cfg->exclude_self = 0;
    snprintf(cfg->gemm, sizeof cfg->gemm, "auto");
    cfg->top = 50;
    cfg->folds = 10;
    cfg->min_tokens = 500;
    cfg->seed = 150;
    snprintf(cfg->balance, sizeof cfg->balance, "undersample");
    cfg->probe_enabled = 1;
    cfg->map_neighbors = 15;
    cfg->map_min_dist = 0.2;
    cfg->map_seed = 150;
    cfg->map_enabled = 1;
    snprintf(cfg->scheme, sizeof cfg->scheme, "paper");
}
