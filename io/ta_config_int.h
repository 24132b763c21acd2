/* Internal to the config reader: io/ta_config_schema.c (the table of fields, typed values,
 * defaults, messages), io/ta_config_yaml.c (the YAML document walk), io/ta_config.c (overrides,
 * validation, the effective text, the public functions). */
#ifndef TA_CONFIG_INT_H
#define TA_CONFIG_INT_H

#include "io/ta_config.h"

#include <stddef.h>
#include <stdint.h>

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

/* One name of a compare pair (compare.pairs.I.J), set into a char[128]. */
extern const ta__field_t ta__pair_field;

/* Where a value came from: a file line (line > 0) or override number (line < 0: -(i + 1)). */
typedef struct {
    const char *file;
    const char *const *overrides;
    char where[4096 + 64];
} ta__ctx_t;

/* A scalar value: bytes, length, whether it was written plain (unquoted). */
typedef struct {
    const char *s;
    size_t len;
    int plain;
} ta__scalar_t;

/* Local. Records "WHERE: key 'KEY': MESSAGE" as a TA_EINPUT error and returns it. */
int ta__fail(ta__ctx_t *c, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Local. 1 for the YAML nulls written plain: "", ~, null, Null, NULL. */
int ta__is_null(const ta__scalar_t *v);
/* Local. The field `key` of section ("" top level, "models", "neighbors", ...), or NULL. */
const ta__field_t *ta__find_field(const char *section, const char *key);
/* Local. 1 when name is a section of scalar fields (neighbors, diversity, ...) or compare. */
int ta__is_section(const char *name);
/* Local. "k, queries, block_rows" for messages. */
const char *ta__keys_of(const char *section, char *buf, size_t cap);
/* Local. Sets field f in base (a ta_config_t or ta_config_model_t) from scalar v, typed and
 * checked; errors name line and key. */
int ta__set_field(ta__ctx_t *c, const ta__field_t *f, void *base, const ta__scalar_t *v, int line,
                  const char *key);
/* Local. The defaults of every key. */
void ta__defaults(ta_config_t *cfg);

/* Local. Parses YAML text into cfg (io/ta_config_yaml.c). */
int ta__parse_yaml(ta__ctx_t *c, const char *text, size_t len, ta_config_t *cfg);

#endif
