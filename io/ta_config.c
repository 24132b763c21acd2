/* The run configuration: YAML (libyaml document API) into a typed ta_config_t, with defaults,
 * `--set key=value` overrides, validation, and the effective config regenerated as YAML.
 *
 * Every scalar goes through one table of fields (section, key, type, place in the struct), so the
 * file and the overrides are typed and checked by the same code. Errors are one line:
 * "FILE:LINE: key 'a.b': problem" (or "--set a.b=v: key 'a.b': problem"). Line numbers are kept
 * for the keys that later checks (duplicate names, compare pairs, missing files) must name. */
#include "io/ta_config.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_subset.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <yaml.h>

typedef enum {
    TA__F_NAME,      /* required-form string of [A-Za-z0-9._-]+ */
    TA__F_STR,       /* non-empty string */
    TA__F_OPTSTR,    /* string or null ("" = not given) */
    TA__F_INT,       /* integer >= min */
    TA__F_BOOL,      /* true / false */
    TA__F_BLOCKROWS, /* "auto" (0) or integer >= 1 */
    TA__F_QUERIES,   /* all | sample:FRACTION:SEED | file path */
    TA__F_SCHEME,    /* paper | script */
    TA__F_BALANCE,   /* undersample */
    TA__F_PROTOCOL,  /* tokenatlas | paper */
    TA__F_GEMM,      /* auto | f32 | bf16 | bf16x3 */
    TA__F_UNIT,      /* a number in [0, 1] (double) */
    TA__F_SUBSET,    /* all | shared | a subset file (checked to exist) */
} ta__ftype_t;

typedef struct {
    const char *section; /* "" top level, "models" per model */
    const char *key;
    ta__ftype_t type;
    size_t off;   /* in ta_config_t, or in ta_config_model_t for section "models" */
    size_t cap;   /* string capacity */
    int64_t min;  /* integers */
    int line_off; /* offset of an int line field (0 = none kept) */
} ta__field_t;

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

/* Where a value came from: a file line (line > 0) or override number (line < 0: -(i + 1)). */
typedef struct {
    const char *file;
    const char *const *overrides;
    char where[4096 + 64];
} ta__ctx_t;

static const char *ta__where(ta__ctx_t *c, int line)
{
    if (line < 0 && c->overrides)
        snprintf(c->where, sizeof c->where, "--set %s", c->overrides[-line - 1]);
    else
        snprintf(c->where, sizeof c->where, "%s:%d", c->file, line > 0 ? line : 1);
    return c->where;
}

/* Records "WHERE: key 'KEY': MESSAGE" as a TA_EINPUT error. */
static int ta__fail(ta__ctx_t *c, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ta__fail(ta__ctx_t *c, int line, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return TA_ERR(TA_EINPUT, "%s: key '%s': %s", ta__where(c, line), key, msg);
}

/* A scalar value: bytes, length, whether it was written plain (unquoted). */
typedef struct {
    const char *s;
    size_t len;
    int plain;
} ta__scalar_t;

static int ta__is_null(const ta__scalar_t *v)
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

/* Sets field f in base (a ta_config_t or ta_config_model_t) from scalar v. */
static int ta__set_field(ta__ctx_t *c, const ta__field_t *f, void *base, const ta__scalar_t *v,
                         int line, const char *key)
{
    char show[80];
    char *dst = (char *)base + f->off;
    if (f->line_off)
        *(int *)((char *)base + f->line_off) = line;
    switch (f->type) {
    case TA__F_INT: {
        int64_t x;
        if (!ta__parse_int(v, &x))
            return ta__fail(c, line, key, "expected an integer, got '%s'",
                            ta__is_null(v) ? "null" : ta__show(v, show, sizeof show));
        if (x < f->min)
            return ta__fail(c, line, key, "must be >= %lld, got %lld", (long long)f->min,
                            (long long)x);
        *(int64_t *)dst = x;
        return 0;
    }
    case TA__F_BOOL: {
        int t = v->plain &&
                (ta__scalar_is(v, "true") || ta__scalar_is(v, "True") || ta__scalar_is(v, "TRUE"));
        int fa = v->plain && (ta__scalar_is(v, "false") || ta__scalar_is(v, "False") ||
                              ta__scalar_is(v, "FALSE"));
        if (!t && !fa)
            return ta__fail(c, line, key, "expected true or false, got '%s'",
                            ta__show(v, show, sizeof show));
        *(int *)dst = t;
        return 0;
    }
    case TA__F_UNIT: {
        char buf[64], *end = NULL;
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
    case TA__F_BLOCKROWS: {
        int64_t x;
        if (ta__scalar_is(v, "auto")) {
            *(int64_t *)dst = 0;
            return 0;
        }
        if (!ta__parse_int(v, &x) || x < 1)
            return ta__fail(c, line, key, "expected auto or an integer >= 1, got '%s'",
                            ta__show(v, show, sizeof show));
        *(int64_t *)dst = x;
        return 0;
    }
    default:
        break;
    }
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
    const char *why = NULL;
    switch (f->type) {
    case TA__F_NAME:
        if (!ta__valid_name(tmp))
            return ta__fail(
                c, line, key,
                "'%s' is not a valid name (letters, digits, '.', '_', '-'; not . or ..)",
                ta__show(v, show, sizeof show));
        break;
    case TA__F_STR:
        if (!tmp[0])
            return ta__fail(c, line, key, "must not be empty");
        break;
    case TA__F_QUERIES:
        if (!ta__valid_queries(tmp, &why))
            return ta__fail(c, line, key, "%s, got '%s'", why, ta__show(v, show, sizeof show));
        break;
    case TA__F_SCHEME:
        if (strcmp(tmp, "paper") != 0 && strcmp(tmp, "script") != 0)
            return ta__fail(c, line, key, "expected paper or script, got '%s'",
                            ta__show(v, show, sizeof show));
        break;
    case TA__F_PROTOCOL:
        if (strcmp(tmp, "tokenatlas") != 0 && strcmp(tmp, "paper") != 0)
            return ta__fail(c, line, key, "expected tokenatlas or paper, got '%s'",
                            ta__show(v, show, sizeof show));
        break;
    case TA__F_GEMM:
        if (strcmp(tmp, "auto") != 0 && strcmp(tmp, "f32") != 0 && strcmp(tmp, "bf16") != 0 &&
            strcmp(tmp, "bf16x3") != 0)
            return ta__fail(c, line, key, "expected auto, f32, bf16 or bf16x3, got '%s'",
                            ta__show(v, show, sizeof show));
        break;
    case TA__F_SUBSET:
        if (!tmp[0])
            return ta__fail(c, line, key, "expected all, shared or a subset file, got ''");
        break;
    case TA__F_BALANCE:
        if (strcmp(tmp, "undersample") != 0)
            return ta__fail(c, line, key, "expected undersample (the only method), got '%s'",
                            ta__show(v, show, sizeof show));
        break;
    default:
        break;
    }
    memcpy(dst, tmp, v->len + 1);
    return 0;
}

static const ta__field_t *ta__find_field(const char *section, const char *key)
{
    for (int i = 0; i < TA__NFIELDS; i++)
        if (strcmp(ta__fields[i].section, section) == 0 && strcmp(ta__fields[i].key, key) == 0)
            return &ta__fields[i];
    return NULL;
}

/* "k, queries, block_rows" for messages. */
static const char *ta__keys_of(const char *section, char *buf, size_t cap)
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

static void ta__defaults(ta_config_t *cfg)
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

/* ---- YAML document walking ---------------------------------------------------------------- */

typedef struct {
    ta__ctx_t *c;
    yaml_document_t *doc;
    ta_config_t *cfg;
} ta__walk_t;

static int ta__line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *ta__type_name(const yaml_node_t *n)
{
    return n->type == YAML_MAPPING_NODE    ? "a mapping"
           : n->type == YAML_SEQUENCE_NODE ? "a list"
                                           : "a scalar";
}

static ta__scalar_t ta__scalar(const yaml_node_t *n)
{
    ta__scalar_t v = {(const char *)n->data.scalar.value, n->data.scalar.length,
                      n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE};
    return v;
}

static int ta__node_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE)
        return 0;
    ta__scalar_t v = ta__scalar(n);
    return ta__is_null(&v);
}

/* Checks that mapping node m has scalar keys without duplicates. prefix names the mapping in
 * messages ("" for the top level). */
static int ta__check_keys(ta__walk_t *w, const yaml_node_t *m, const char *prefix)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return ta__fail(w->c, ta__line(k), prefix[0] ? prefix : "(top level)",
                            "keys must be plain strings, got %s", ta__type_name(k));
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(w->doc, q->key);
            if (k2->type == YAML_SCALAR_NODE && k2->data.scalar.length == k->data.scalar.length &&
                memcmp(k2->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0) {
                char key[512];
                snprintf(key, sizeof key, "%s%s%.*s", prefix, prefix[0] ? "." : "",
                         (int)(k->data.scalar.length > 200 ? 200 : k->data.scalar.length),
                         (const char *)k->data.scalar.value);
                return ta__fail(w->c, ta__line(k), key, "duplicate key (first on line %d)",
                                ta__line(k2));
            }
        }
    }
    return 0;
}

/* The key text of a pair, NUL-terminated into buf (keys longer than the buffer are cut and
 * never match a field). */
static const char *ta__key_text(ta__walk_t *w, const yaml_node_pair_t *p, char *buf, size_t cap)
{
    yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
    size_t n = k->data.scalar.length < cap - 1 ? k->data.scalar.length : cap - 1;
    memcpy(buf, k->data.scalar.value, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20)
            buf[i] = '?';
    return buf;
}

/* Sets a scalar field from a YAML value node. */
static int ta__set_from_node(ta__walk_t *w, const ta__field_t *f, void *base, yaml_node_t *v,
                             const char *key)
{
    if (v->type != YAML_SCALAR_NODE)
        return ta__fail(w->c, ta__line(v), key, "expected a single value, got %s",
                        ta__type_name(v));
    ta__scalar_t s = ta__scalar(v);
    return ta__set_field(w->c, f, base, &s, ta__line(v), key);
}

/* A section mapping of scalar fields (neighbors, diversity, probe, translate, categories). */
static int ta__walk_section(ta__walk_t *w, const char *section, yaml_node_t *m)
{
    char key[512], k[200], keys[256];
    if (ta__node_is_null(m))
        return 0; /* "neighbors:" with nothing: all defaults */
    if (m->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(m), section, "expected a mapping, got %s", ta__type_name(m));
    TA_CALL(ta__check_keys(w, m, section));
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        ta__key_text(w, p, k, sizeof k);
        snprintf(key, sizeof key, "%s.%s", section, k);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        const ta__field_t *f = ta__find_field(section, k);
        if (!f)
            return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), key,
                            "unknown key (expected one of: %s)",
                            ta__keys_of(section, keys, sizeof keys));
        TA_CALL(ta__set_from_node(w, f, w->cfg, v, key));
    }
    return 0;
}

static int ta__walk_models(ta__walk_t *w, yaml_node_t *s)
{
    char key[512], k[200], keys[256];
    if (s->type != YAML_SEQUENCE_NODE)
        return ta__fail(w->c, ta__line(s), "models", "expected a list of models, got %s",
                        ta__node_is_null(s) ? "null" : ta__type_name(s));
    w->cfg->models_line = ta__line(s);
    for (yaml_node_item_t *it = s->data.sequence.items.start; it < s->data.sequence.items.top;
         it++) {
        int i = (int)(it - s->data.sequence.items.start);
        yaml_node_t *m = yaml_document_get_node(w->doc, *it);
        snprintf(key, sizeof key, "models.%d", i);
        if (i >= TA_CONFIG_MAX_MODELS)
            return ta__fail(w->c, ta__line(m), key, "more than %d models", TA_CONFIG_MAX_MODELS);
        if (m->type != YAML_MAPPING_NODE)
            return ta__fail(w->c, ta__line(m), key, "expected a mapping with name and path, got %s",
                            ta__type_name(m));
        ta_config_model_t *mod = &w->cfg->models[i];
        memset(mod, 0, sizeof *mod);
        mod->line = ta__line(m);
        w->cfg->nmodels = i + 1;
        TA_CALL(ta__check_keys(w, m, key));
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
             p++) {
            ta__key_text(w, p, k, sizeof k);
            snprintf(key, sizeof key, "models.%d.%s", i, k);
            const ta__field_t *f = ta__find_field("models", k);
            if (!f)
                return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), key,
                                "unknown key (expected one of: %s)",
                                ta__keys_of("models", keys, sizeof keys));
            TA_CALL(ta__set_from_node(w, f, mod, yaml_document_get_node(w->doc, p->value), key));
        }
    }
    return 0;
}

static int ta__walk_compare(ta__walk_t *w, yaml_node_t *m)
{
    char key[512], k[200];
    if (ta__node_is_null(m))
        return 0;
    if (m->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(m), "compare", "expected a mapping, got %s",
                        ta__type_name(m));
    TA_CALL(ta__check_keys(w, m, "compare"));
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        ta__key_text(w, p, k, sizeof k);
        snprintf(key, sizeof key, "compare.%s", k);
        if (strcmp(k, "pairs") != 0)
            return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), key,
                            "unknown key (expected one of: pairs)");
        yaml_node_t *s = yaml_document_get_node(w->doc, p->value);
        if (ta__node_is_null(s))
            continue;
        if (s->type != YAML_SEQUENCE_NODE)
            return ta__fail(w->c, ta__line(s), key, "expected a list of [a, b] pairs, got %s",
                            ta__type_name(s));
        w->cfg->npairs = 0;
        for (yaml_node_item_t *it = s->data.sequence.items.start; it < s->data.sequence.items.top;
             it++) {
            int i = (int)(it - s->data.sequence.items.start);
            yaml_node_t *pr = yaml_document_get_node(w->doc, *it);
            snprintf(key, sizeof key, "compare.pairs.%d", i);
            if (i >= TA_CONFIG_MAX_PAIRS)
                return ta__fail(w->c, ta__line(pr), key, "more than %d pairs", TA_CONFIG_MAX_PAIRS);
            if (pr->type != YAML_SEQUENCE_NODE ||
                pr->data.sequence.items.top - pr->data.sequence.items.start != 2)
                return ta__fail(w->c, ta__line(pr), key, "expected a pair [a, b] of model names");
            w->cfg->pair_line[i] = ta__line(pr);
            for (int j = 0; j < 2; j++) {
                yaml_node_t *v = yaml_document_get_node(w->doc, pr->data.sequence.items.start[j]);
                static const ta__field_t pf = {"compare", "pairs", TA__F_NAME, 0, 128, 0, 0};
                snprintf(key, sizeof key, "compare.pairs.%d.%d", i, j);
                TA_CALL(ta__set_from_node(w, &pf, w->cfg->pairs[i][j], v, key));
            }
            w->cfg->npairs = i + 1;
        }
    }
    return 0;
}

static int ta__walk_root(ta__walk_t *w, yaml_node_t *root)
{
    char k[200], keys[256];
    if (root->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(root), "(top level)",
                        "expected a mapping with run and models, got %s",
                        ta__node_is_null(root) ? "null" : ta__type_name(root));
    w->cfg->root_line = ta__line(root);
    TA_CALL(ta__check_keys(w, root, ""));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        ta__key_text(w, p, k, sizeof k);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        const ta__field_t *f = ta__find_field("", k);
        if (f) {
            TA_CALL(ta__set_from_node(w, f, w->cfg, v, k));
        } else if (strcmp(k, "models") == 0) {
            TA_CALL(ta__walk_models(w, v));
        } else if (strcmp(k, "compare") == 0) {
            TA_CALL(ta__walk_compare(w, v));
        } else {
            int known = 0;
            for (int i = 0; i < TA__NSECTIONS; i++)
                known |= strcmp(ta__sections[i], k) == 0;
            if (!known)
                return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), k,
                                "unknown key (expected one of: %s)",
                                ta__keys_of("", keys, sizeof keys));
            TA_CALL(ta__walk_section(w, k, v));
        }
    }
    return 0;
}

/* Parses text into cfg (defaults first). */
static int ta__parse_yaml(ta__ctx_t *c, const char *text, size_t len, ta_config_t *cfg)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0, have_doc = 0;
    if (!yaml_parser_initialize(&parser))
        return TA_ERR(TA_ERESOURCE, "%s: cannot initialise the YAML parser", c->file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = TA_ERR(TA_EINPUT, "%s:%d: YAML syntax error: %s%s%s", c->file,
                    (int)parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "malformed YAML", parser.context ? " " : "",
                    parser.context ? parser.context : "");
        goto done;
    }
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = ta__fail(c, 1, "run", "missing required key (the file is empty)");
        goto done;
    }
    ta__walk_t w = {c, &doc, cfg};
    TA_CALL_GOTO(ta__walk_root(&w, root), done);
    /* One document only. */
    yaml_document_t doc2;
    if (!yaml_parser_load(&parser, &doc2)) {
        rc = TA_ERR(TA_EINPUT, "%s:%d: YAML syntax error: %s", c->file,
                    (int)parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "malformed YAML");
        goto done;
    }
    yaml_node_t *root2 = yaml_document_get_root_node(&doc2);
    int line2 = root2 ? ta__line(root2) : 0;
    yaml_document_delete(&doc2);
    if (root2)
        rc = TA_ERR(TA_EINPUT, "%s:%d: a second YAML document (one config per file)", c->file,
                    line2);
done:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- overrides ---------------------------------------------------------------------------- */

/* Parses a non-negative index ("0", "12"); -1 when not one. */
static int ta__index(const char *s)
{
    if (!s[0] || strlen(s) > 6 || (s[0] == '0' && s[1]))
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return atoi(s);
}

static int ta__apply_override(ta__ctx_t *c, int i, const char *ov, ta_config_t *cfg)
{
    int line = -(i + 1);
    const char *eq = strchr(ov, '=');
    char key[512], keys[256];
    if (!eq || eq == ov || (size_t)(eq - ov) >= sizeof key)
        return TA_ERR(TA_EINPUT, "--set %s: expected KEY=VALUE (e.g. neighbors.k=50)", ov);
    memcpy(key, ov, (size_t)(eq - ov));
    key[eq - ov] = '\0';
    ta__scalar_t v = {eq + 1, strlen(eq + 1), 1};
    char parts[4][128];
    int np = 0;
    for (const char *p = key;; np++) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (np >= 4 || n >= sizeof parts[0])
            return ta__fail(c, line, key, "unknown key");
        memcpy(parts[np], p, n);
        parts[np][n] = '\0';
        if (!dot) {
            np++;
            break;
        }
        p = dot + 1;
    }
    if (np == 1) {
        const ta__field_t *f = ta__find_field("", parts[0]);
        if (!f)
            return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                            ta__keys_of("", keys, sizeof keys));
        return ta__set_field(c, f, cfg, &v, line, key);
    }
    if (strcmp(parts[0], "models") == 0) {
        int idx = ta__index(parts[1]);
        if (np != 3 || idx < 0)
            return ta__fail(c, line, key, "expected models.INDEX.KEY (e.g. models.0.path)");
        if (idx > cfg->nmodels || idx >= TA_CONFIG_MAX_MODELS)
            return ta__fail(c, line, key, "model index %d out of range (%d model(s) configured)",
                            idx, cfg->nmodels);
        const ta__field_t *f = ta__find_field("models", parts[2]);
        if (!f)
            return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                            ta__keys_of("models", keys, sizeof keys));
        if (idx == cfg->nmodels) { /* a new model, completed by further overrides */
            memset(&cfg->models[idx], 0, sizeof cfg->models[idx]);
            cfg->models[idx].line = line;
            cfg->nmodels++;
        }
        return ta__set_field(c, f, &cfg->models[idx], &v, line, key);
    }
    if (strcmp(parts[0], "compare") == 0) {
        int idx = np == 4 ? ta__index(parts[2]) : -1;
        int j = np == 4 ? ta__index(parts[3]) : -1;
        if (strcmp(parts[1], "pairs") != 0 || idx < 0 || j < 0 || j > 1)
            return ta__fail(c, line, key, "expected compare.pairs.INDEX.0 or .1");
        if (idx > cfg->npairs || idx >= TA_CONFIG_MAX_PAIRS)
            return ta__fail(c, line, key, "pair index %d out of range (%d pair(s) configured)", idx,
                            cfg->npairs);
        if (idx == cfg->npairs) {
            memset(cfg->pairs[idx], 0, sizeof cfg->pairs[idx]);
            cfg->npairs++;
        }
        cfg->pair_line[idx] = line;
        static const ta__field_t pf = {"compare", "pairs", TA__F_NAME, 0, 128, 0, 0};
        return ta__set_field(c, &pf, cfg->pairs[idx][j], &v, line, key);
    }
    if (np == 2) {
        const ta__field_t *f = ta__find_field(parts[0], parts[1]);
        if (f)
            return ta__set_field(c, f, cfg, &v, line, key);
        int known = 0;
        for (int s = 0; s < TA__NSECTIONS; s++)
            known |= strcmp(ta__sections[s], parts[0]) == 0;
        if (known)
            return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                            ta__keys_of(parts[0], keys, sizeof keys));
    }
    return ta__fail(c, line, key, "unknown key");
}

/* ---- validation and text ------------------------------------------------------------------ */

static int ta__validate(ta__ctx_t *c, ta_config_t *cfg)
{
    char key[256];
    if (!cfg->run[0])
        return ta__fail(c, cfg->root_line, "run", "missing required key");
    if (cfg->nmodels == 0)
        return ta__fail(c, cfg->models_line ? cfg->models_line : cfg->root_line, "models",
                        cfg->models_line ? "at least one model is required"
                                         : "missing required key");
    for (int i = 0; i < cfg->nmodels; i++) {
        ta_config_model_t *m = &cfg->models[i];
        snprintf(key, sizeof key, "models.%d.name", i);
        if (!m->name[0])
            return ta__fail(c, m->line, key, "missing required key");
        snprintf(key, sizeof key, "models.%d.path", i);
        if (!m->path[0])
            return ta__fail(c, m->line, key, "missing required key");
        for (int j = 0; j < i; j++)
            if (strcmp(cfg->models[j].name, m->name) == 0) {
                snprintf(key, sizeof key, "models.%d.name", i);
                return ta__fail(c, m->name_line, key, "duplicate model name '%s' (models.%d)",
                                m->name, j);
            }
    }
    if (strcmp(cfg->subset, "shared") == 0 && cfg->nmodels < 2)
        return ta__fail(c, cfg->subset_line, "subset",
                        "shared (the tokens all models share) needs at least two models, got %d",
                        cfg->nmodels);
    for (int i = 0; i < cfg->npairs; i++) {
        snprintf(key, sizeof key, "compare.pairs.%d", i);
        for (int j = 0; j < 2; j++) {
            int found = 0;
            for (int m = 0; m < cfg->nmodels; m++)
                found |= strcmp(cfg->models[m].name, cfg->pairs[i][j]) == 0;
            if (!found)
                return ta__fail(c, cfg->pair_line[i], key, "'%s' is not a configured model",
                                cfg->pairs[i][j][0] ? cfg->pairs[i][j] : "(missing)");
        }
        if (strcmp(cfg->pairs[i][0], cfg->pairs[i][1]) == 0)
            return ta__fail(c, cfg->pair_line[i], key, "compares model '%s' with itself",
                            cfg->pairs[i][0]);
    }
    return 0;
}

/* Writes s as a YAML double-quoted scalar. Characters YAML does not allow raw (controls, C1,
 * BOM, non-characters U+FFFE/U+FFFF) and the line breaks it would fold (NEL, LS, PS) are escaped
 * as \uXXXX; other UTF-8 is written as is (values are validated as UTF-8 when set). */
static void ta__put_quoted(FILE *fp, const char *s)
{
    fputc('"', fp);
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s);
    for (utf8proc_ssize_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, len - i, &cp);
        if (n <= 0) { /* cannot happen for validated values; keep the output valid */
            fputs("\\uFFFD", fp);
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\')
            fprintf(fp, "\\%c", (char)cp);
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                 cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
            fprintf(fp, "\\u%04X", (unsigned)cp);
        else
            fwrite(u + i, 1, (size_t)n, fp);
        i += n;
    }
    fputc('"', fp);
}

static void ta__put_optstr(FILE *fp, const char *s)
{
    if (s[0])
        ta__put_quoted(fp, s);
    else
        fputs("null", fp);
}

static int ta__render(ta_config_t *cfg)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    TA_CHECK(fp != NULL, TA_ERESOURCE, "out of memory rendering the config");
    fputs("# tokenatlas effective configuration\nrun: ", fp);
    ta__put_quoted(fp, cfg->run);
    fputs("\nresults_dir: ", fp);
    ta__put_quoted(fp, cfg->results_dir);
    fprintf(fp, "\nprotocol: %s\nsubset: ", cfg->protocol);
    ta__put_quoted(fp, cfg->subset);
    fputs("\nmodels:\n", fp);
    for (int i = 0; i < cfg->nmodels; i++) {
        const ta_config_model_t *m = &cfg->models[i];
        fputs("  - name: ", fp);
        ta__put_quoted(fp, m->name);
        fputs("\n    path: ", fp);
        ta__put_quoted(fp, m->path);
        fputs("\n    tensor: ", fp);
        ta__put_optstr(fp, m->tensor);
        fputs("\n    vocab: ", fp);
        ta__put_optstr(fp, m->vocab);
        fputs("\n", fp);
    }
    fprintf(fp, "neighbors:\n  k: %lld\n  queries: ", (long long)cfg->k);
    ta__put_quoted(fp, cfg->queries);
    if (cfg->block_rows > 0)
        fprintf(fp, "\n  block_rows: %lld", (long long)cfg->block_rows);
    else
        fputs("\n  block_rows: auto", fp);
    fprintf(fp, "\n  exclude_self: %s\n  gemm: %s\n", cfg->exclude_self ? "true" : "false",
            cfg->gemm);
    fprintf(fp, "diversity:\n  top: %lld\n", (long long)cfg->top);
    fprintf(fp,
            "probe:\n  folds: %lld\n  min_tokens: %lld\n  seed: %lld\n  balance: %s\n"
            "  enabled: %s\n",
            (long long)cfg->folds, (long long)cfg->min_tokens, (long long)cfg->seed, cfg->balance,
            cfg->probe_enabled ? "true" : "false");
    /* min_dist in its shortest form that reads back as the same double. */
    char md[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(md, sizeof md, "%.*g", prec, cfg->map_min_dist);
        if (strtod(md, NULL) == cfg->map_min_dist)
            break;
    }
    fprintf(fp, "map:\n  n_neighbors: %lld\n  min_dist: %s\n  seed: %lld\n  enabled: %s\n",
            (long long)cfg->map_neighbors, md, (long long)cfg->map_seed,
            cfg->map_enabled ? "true" : "false");
    fputs("translate:\n  dictionaries: ", fp);
    ta__put_optstr(fp, cfg->dictionaries);
    fprintf(fp, "\ncategories:\n  scheme: %s\ncompare:\n  pairs:", cfg->scheme);
    if (cfg->npairs == 0)
        fputs(" []", fp);
    for (int i = 0; i < cfg->npairs; i++) {
        fputs("\n    - [", fp);
        ta__put_quoted(fp, cfg->pairs[i][0]);
        fputs(", ", fp);
        ta__put_quoted(fp, cfg->pairs[i][1]);
        fputs("]", fp);
    }
    fputs("\n", fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return TA_ERR(TA_ERESOURCE, "out of memory rendering the config");
    }
    free(cfg->text);
    cfg->text = buf;
    return 0;
}

int ta_config_parse(const char *name, const char *text, size_t len, const char *const *overrides,
                    int noverrides, ta_config_t *cfg)
{
    ta__ctx_t c = {name ? name : "(config)", overrides, ""};
    ta__defaults(cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", c.file);
    int rc = ta__parse_yaml(&c, text, len, cfg);
    for (int i = 0; !rc && i < noverrides; i++)
        rc = ta__apply_override(&c, i, overrides[i], cfg);
    if (!rc)
        rc = ta__validate(&c, cfg);
    if (!rc)
        rc = ta__render(cfg);
    if (rc) {
        ta_config_free(cfg);
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    }
    return 0;
}

int ta_config_check_files(const ta_config_t *cfg, const char *const *overrides)
{
    ta__ctx_t c = {cfg->path, overrides, ""};
    char key[256];
    for (int i = 0; i < cfg->nmodels; i++) {
        const ta_config_model_t *m = &cfg->models[i];
        snprintf(key, sizeof key, "models.%d.path", i);
        if (!ta_file_is_regular(m->path) && !ta_file_is_dir(m->path))
            return ta__fail(&c, m->path_line, key, "%s: no such file or directory", m->path);
        snprintf(key, sizeof key, "models.%d.vocab", i);
        if (m->vocab[0] && !ta_file_is_regular(m->vocab))
            return ta__fail(&c, m->vocab_line, key, "%s: no such file", m->vocab);
    }
    if (strcmp(cfg->queries, "all") != 0 && strncmp(cfg->queries, "sample:", 7) != 0 &&
        !ta_file_is_regular(cfg->queries))
        return ta__fail(&c, cfg->queries_line, "neighbors.queries",
                        "%s: no such file (expected all, sample:FRACTION:SEED or a file)",
                        cfg->queries);
    if (strcmp(cfg->subset, "all") != 0 && strcmp(cfg->subset, "shared") != 0) {
        char *file = NULL;
        TA_CALL(ta_subset_file(cfg->subset, &file));
        int ok = ta_file_is_regular(file);
        free(file);
        if (!ok)
            return ta__fail(&c, cfg->subset_line, "subset",
                            "%s: no such file (expected all, shared, a file of token ids or an "
                            "overlap subset map)",
                            cfg->subset);
    }
    if (cfg->dictionaries[0] && !ta_file_is_dir(cfg->dictionaries))
        return ta__fail(&c, cfg->dictionaries_line, "translate.dictionaries",
                        "%s: no such directory", cfg->dictionaries);
    return 0;
}

int ta_config_load(const char *path, const char *const *overrides, int noverrides, ta_config_t *cfg)
{
    char *text = NULL;
    size_t len = 0;
    memset(cfg, 0, sizeof *cfg);
    TA_CALL(ta_file_read_all(path, &text, &len));
    int rc = ta_config_parse(path, text, len, overrides, noverrides, cfg);
    free(text);
    if (!rc) {
        rc = ta_config_check_files(cfg, overrides);
        if (rc)
            ta_config_free(cfg);
    }
    if (rc)
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    return 0;
}

int ta_config_write(const ta_config_t *cfg, const char *path)
{
    TA_CHECK(cfg->text != NULL, TA_EINTERNAL, "config: no text to write");
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    fputs(cfg->text, o.fp);
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

void ta_config_free(ta_config_t *cfg)
{
    if (!cfg)
        return;
    free(cfg->text);
    cfg->text = NULL;
}
