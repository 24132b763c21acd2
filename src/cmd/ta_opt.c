#include "cmd/ta_opt.h"

#include "base/ta_error.h"
#include "io/ta_file.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --help wraps the option texts to this many columns. */
#define HELP_WIDTH 98
/* The help texts start in this column at most (longer option columns put the text below). */
#define HELP_COLUMN_MAX 28

/* ---- fields ----------------------------------------------------------------------------- */

static const char **str_field(const ta_opt_t *t, const void *o)
{
    return (const char **)((char *)o + t->offset);
}
static int64_t *int_field(const ta_opt_t *t, const void *o)
{
    return (int64_t *)((char *)o + t->offset);
}
static double *double_field(const ta_opt_t *t, const void *o)
{
    return (double *)((char *)o + t->offset);
}
static int *flag_field(const ta_opt_t *t, const void *o)
{
    return (int *)((char *)o + t->offset);
}
static ta_optlist_t *list_field(const ta_opt_t *t, const void *o)
{
    return (ta_optlist_t *)((char *)o + t->offset);
}

/* Whether the option is spelt by its alias alone (-k: name "k", alias 'k'). */
static int short_only(const ta_opt_t *t)
{
    return t->alias && t->name[0] == t->alias && t->name[1] == '\0';
}

/* How the option is written: --name, or -k for a short-only option; a positional's
 * placeholder. */
static const char *spell(const ta_opt_t *t, char buf[80])
{
    if (t->type == TA_OPT_POSITIONAL)
        snprintf(buf, 80, "%s", t->name);
    else
        snprintf(buf, 80, "%s%s", short_only(t) ? "-" : "--", t->name);
    return buf;
}

static int nvalues(const ta_opt_t *t)
{
    int n = 0;
    while (t->values && t->values[n])
        n++;
    return n;
}

/* "a, b or c" of an ENUM's values. */
static void values_text(const ta_opt_t *t, const char *sep, const char *last, char *out, size_t cap)
{
    size_t len = 0;
    int n = nvalues(t);
    out[0] = '\0';
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s",
                                i == 0       ? ""
                                : i == n - 1 ? last
                                             : sep,
                                t->values[i]);
}

/* ---- defaults and values ------------------------------------------------------------------ */

/* Sets the field of t from its command-line text. */
static int set_value(const ta_cmd_t *c, const ta_opt_t *t, const char *val, void *o)
{
    char sp[80];
    spell(t, sp);
    char *end = NULL;
    switch (t->type) {
    case TA_OPT_STRING:
    case TA_OPT_PATH:
    case TA_OPT_POSITIONAL:
        TA_CHECK(*val || t->type == TA_OPT_STRING, TA_EINPUT, "%s: %s: the path is empty", c->name,
                 sp);
        *str_field(t, o) = val;
        return 0;
    case TA_OPT_INT: {
        errno = 0;
        long long v = strtoll(val, &end, 10);
        TA_CHECK(*val && errno == 0 && *end == '\0', TA_EINPUT, "%s: %s: '%s' is not an integer",
                 c->name, sp, val);
        *int_field(t, o) = v;
        return 0;
    }
    case TA_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(val, &end);
        TA_CHECK(*val && errno == 0 && *end == '\0' && isfinite(v), TA_EINPUT,
                 "%s: %s: '%s' is not a number", c->name, sp, val);
        *double_field(t, o) = v;
        return 0;
    }
    case TA_OPT_ENUM:
        for (int i = 0; t->values[i]; i++)
            if ((t->flags & TA_OPT_NOCASE) ? strcasecmp(val, t->values[i]) == 0
                                           : strcmp(val, t->values[i]) == 0) {
                *flag_field(t, o) = i;
                return 0;
            }
        {
            char allowed[512];
            values_text(t, ", ", " or ", allowed, sizeof allowed);
            return TA_ERR(TA_EINPUT, "%s: %s: '%s' is not %s", c->name, sp, val, allowed);
        }
    case TA_OPT_LIST: {
        ta_optlist_t *l = list_field(t, o);
        const char **v = realloc(l->v, (size_t)(l->n + 1) * sizeof *v);
        TA_CHECK_ALLOC(v, (size_t)(l->n + 1) * sizeof *v);
        v[l->n++] = val;
        l->v = v;
        return 0;
    }
    case TA_OPT_FLAG:
        *flag_field(t, o) = 1;
        return 0;
    case TA_OPT_END:
        break;
    }
    TA_ASSERT(!"option type");
    return TA_EINTERNAL;
}

void ta_opt_defaults(const ta_cmd_t *c, void *o)
{
    memset(o, 0, c->opts_size);
    for (const ta_opt_t *t = c->opts; t->type; t++)
        if (t->def) {
            /* A default that does not parse is a mistake in the table. */
            int rc = set_value(c, t, t->def, o);
            TA_ASSERT(rc == 0);
        }
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int usage_error(const ta_cmd_t *c, const char *what, const char *arg)
{
    char *usage = NULL;
    int rc = ta_opt_usage(c, &usage);
    if (rc)
        return rc;
    rc = TA_ERR(TA_EINPUT, "%s: %s '%s'; usage: tokenatlas %s", c->name, what, arg, usage);
    free(usage);
    return rc;
}

/* The table entry of an argument starting with '-', and its attached value (--name=VALUE,
 * -kVALUE) or NULL. */
static const ta_opt_t *find_option(const ta_cmd_t *c, const char *arg, const char **val)
{
    *val = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const ta_opt_t *t = c->opts; t->type; t++)
            if (t->type != TA_OPT_POSITIONAL && strlen(t->name) == len &&
                strncmp(t->name, name, len) == 0) {
                *val = eq ? eq + 1 : NULL;
                return t;
            }
        return NULL;
    }
    for (const ta_opt_t *t = c->opts; t->type; t++)
        if (t->type != TA_OPT_POSITIONAL && t->alias && t->alias == arg[1]) {
            *val = arg[2] ? arg + 2 : NULL;
            return t;
        }
    return NULL;
}

/* Marks the entries given on the command line, for the required check. */
typedef struct {
    unsigned char seen[128];
} seen_t;

static int parse_positional(const ta_cmd_t *c, const char *arg, void *o, seen_t *s)
{
    int i = 0;
    for (const ta_opt_t *t = c->opts; t->type; t++, i++)
        if (t->type == TA_OPT_POSITIONAL && !s->seen[i]) {
            s->seen[i] = 1;
            return set_value(c, t, arg, o);
        }
    return usage_error(c, "unexpected argument", arg);
}

static int parse_args(const ta_cmd_t *c, int argc, char **argv, void *o, seen_t *s)
{
    int only_positional = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val;
        if (!only_positional && strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            TA_CALL(parse_positional(c, a, o, s));
            continue;
        }
        const ta_opt_t *t = find_option(c, a, &val);
        if (!t)
            return usage_error(c, "unknown option", a);
        char sp[80];
        spell(t, sp);
        s->seen[t - c->opts] = 1;
        if (t->type == TA_OPT_FLAG) {
            TA_CHECK(!val, TA_EINPUT, "%s: %s takes no value ('%s')", c->name, sp, a);
        } else if (!val) {
            TA_CHECK(i + 1 < argc, TA_EINPUT, "%s: %s needs a value (%s %s)", c->name, sp, sp,
                     t->metavar ? t->metavar : "VALUE");
            val = argv[++i];
        }
        TA_CALL(set_value(c, t, val, o));
    }
    return 0;
}

int ta_opt_parse(const ta_cmd_t *c, int argc, char **argv, void *o)
{
    seen_t s;
    memset(&s, 0, sizeof s);
    int n = 0;
    while (c->opts[n].type)
        n++;
    TA_ASSERT(n <= (int)sizeof s.seen);
    ta_opt_defaults(c, o);
    TA_CALL(parse_args(c, argc, argv, o, &s));
    for (int i = 0; i < n; i++) {
        const ta_opt_t *t = &c->opts[i];
        if ((t->flags & TA_OPT_REQUIRED) && !s.seen[i]) {
            char sp[80], *usage = NULL;
            TA_CALL(ta_opt_usage(c, &usage));
            int rc = TA_ERR(TA_EINPUT, "%s: %s is required; usage: tokenatlas %s", c->name,
                            spell(t, sp), usage);
            free(usage);
            return rc;
        }
    }
    return ta_opt_check(c, o);
}

/* ---- checking ----------------------------------------------------------------------------- */

/* The directory part of an output path must exist: a run of hours should not fail at its end. */
static int check_output_dir(const ta_cmd_t *c, const char *sp, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0;
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = strndup(path, len);
    TA_CHECK_ALLOC(dir, len + 1);
    int ok = ta_file_is_dir(dir);
    int rc =
        ok ? 0
           : TA_ERR(TA_EINPUT, "%s: %s %s: directory %s does not exist", c->name, sp, path, dir);
    free(dir);
    return rc;
}

/* No output option names the same file as another path option (an input would be replaced, or
 * one output by another), checked before any work. */
static int check_output_clash(const ta_cmd_t *c, const void *o)
{
    for (const ta_opt_t *t = c->opts; t->type; t++) {
        if (t->type != TA_OPT_PATH || !(t->flags & TA_OPT_OUTPUT))
            continue;
        const char *v = *str_field(t, o);
        if (!v)
            continue;
        for (const ta_opt_t *u = c->opts; u->type; u++) {
            if (u == t || (u->type != TA_OPT_PATH && u->type != TA_OPT_POSITIONAL))
                continue;
            const char *w = *str_field(u, o);
            if (!w || !ta_file_same(v, w))
                continue;
            char st[80], su[80];
            spell(t, st);
            spell(u, su);
            return TA_ERR(TA_EINPUT,
                          "%s: %s %s is the same file as %s %s; write the output to "
                          "another file",
                          c->name, st, v, su, w);
        }
    }
    return 0;
}

int ta_opt_check(const ta_cmd_t *c, const void *o)
{
    TA_CALL(check_output_clash(c, o));
    for (const ta_opt_t *t = c->opts; t->type; t++) {
        char sp[80];
        spell(t, sp);
        switch (t->type) {
        case TA_OPT_STRING:
        case TA_OPT_PATH:
        case TA_OPT_POSITIONAL: {
            const char *v = *str_field(t, o);
            TA_CHECK(v || !(t->flags & TA_OPT_REQUIRED), TA_EINPUT, "%s: %s is required", c->name,
                     sp);
            if (v && (t->flags & TA_OPT_OUTPUT))
                TA_CALL(check_output_dir(c, sp, v));
            break;
        }
        case TA_OPT_INT: {
            int64_t v = *int_field(t, o);
            TA_CHECK(v >= t->imin && v <= t->imax, TA_EINPUT,
                     "%s: %s: %lld is out of range [%lld, %lld]", c->name, sp, (long long)v,
                     (long long)t->imin, (long long)t->imax);
            break;
        }
        case TA_OPT_DOUBLE: {
            double v = *double_field(t, o);
            TA_CHECK(v >= t->dmin && v <= t->dmax, TA_EINPUT, "%s: %s: %g is out of range [%g, %g]",
                     c->name, sp, v, t->dmin, t->dmax);
            break;
        }
        case TA_OPT_ENUM: {
            int v = *flag_field(t, o);
            TA_CHECK(v >= 0 && v < nvalues(t), TA_EINPUT, "%s: %s: value %d is not one of its %d",
                     c->name, sp, v, nvalues(t));
            break;
        }
        case TA_OPT_FLAG:
        case TA_OPT_LIST:
        case TA_OPT_END:
            break;
        }
    }
    return 0;
}

void ta_opt_free(const ta_cmd_t *c, void *o)
{
    for (const ta_opt_t *t = c->opts; t->type; t++)
        if (t->type == TA_OPT_LIST) {
            ta_optlist_t *l = list_field(t, o);
            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
}

/* ---- the recorded command line -------------------------------------------------------------- */

/* The shortest decimal text that reads back as v. */
static void put_double(FILE *fp, double v)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, fp);
}

/* Whether the field of t differs between o and the defaults d. */
static int differs(const ta_opt_t *t, const void *o, const void *d)
{
    switch (t->type) {
    case TA_OPT_STRING:
    case TA_OPT_PATH:
    case TA_OPT_POSITIONAL: {
        const char *a = *str_field(t, o), *b = *str_field(t, d);
        return a != b && (!a || !b || strcmp(a, b) != 0);
    }
    case TA_OPT_INT:
        return *int_field(t, o) != *int_field(t, d);
    case TA_OPT_DOUBLE:
        return *double_field(t, o) != *double_field(t, d);
    case TA_OPT_FLAG:
    case TA_OPT_ENUM:
        return *flag_field(t, o) != *flag_field(t, d);
    case TA_OPT_LIST:
        return list_field(t, o)->n > 0;
    case TA_OPT_END:
        break;
    }
    return 0;
}

static void format_one(FILE *fp, const ta_opt_t *t, const void *o)
{
    char sp[80];
    spell(t, sp);
    switch (t->type) {
    case TA_OPT_STRING:
    case TA_OPT_PATH:
        if (*str_field(t, o))
            fprintf(fp, " %s %s", sp, *str_field(t, o));
        break;
    case TA_OPT_POSITIONAL:
        if (*str_field(t, o))
            fprintf(fp, " %s", *str_field(t, o));
        break;
    case TA_OPT_INT:
        fprintf(fp, " %s %lld", sp, (long long)*int_field(t, o));
        break;
    case TA_OPT_DOUBLE:
        fprintf(fp, " %s ", sp);
        put_double(fp, *double_field(t, o));
        break;
    case TA_OPT_FLAG:
        if (*flag_field(t, o))
            fprintf(fp, " %s", sp);
        break;
    case TA_OPT_ENUM:
        fprintf(fp, " %s %s", sp, t->values[*flag_field(t, o)]);
        break;
    case TA_OPT_LIST:
        for (int i = 0; i < list_field(t, o)->n; i++)
            fprintf(fp, " %s %s", sp, list_field(t, o)->v[i]);
        break;
    case TA_OPT_END:
        break;
    }
}

int ta_opt_format(const ta_cmd_t *c, const void *o, char **line)
{
    size_t size = 0;
    *line = NULL;
    void *d = calloc(1, c->opts_size);
    TA_CHECK_ALLOC(d, c->opts_size);
    ta_opt_defaults(c, d);
    FILE *fp = open_memstream(line, &size);
    if (!fp) {
        free(d);
        return TA_ERR(TA_ERESOURCE, "out of memory for the command line of %s", c->name);
    }
    fprintf(fp, "tokenatlas %s", c->name);
    /* Positionals first: `run CONFIG.yaml --set ...`. */
    for (const ta_opt_t *t = c->opts; t->type; t++)
        if (t->type == TA_OPT_POSITIONAL)
            format_one(fp, t, o);
    for (const ta_opt_t *t = c->opts; t->type; t++)
        if (t->type != TA_OPT_POSITIONAL &&
            ((t->flags & (TA_OPT_REQUIRED | TA_OPT_ALWAYS)) || differs(t, o, d)))
            format_one(fp, t, o);
    free(d);
    TA_CHECK(fclose(fp) == 0 && *line, TA_ERESOURCE, "out of memory for the command line of %s",
             c->name);
    return 0;
}

/* ---- usage and help ------------------------------------------------------------------------- */

/* "PATH", "paper|script", ... */
static const char *metavar(const ta_opt_t *t, char *buf, size_t cap)
{
    if (t->type == TA_OPT_ENUM) {
        values_text(t, "|", "|", buf, cap);
        return buf;
    }
    return t->metavar ? t->metavar : "";
}

int ta_opt_usage(const ta_cmd_t *c, char **usage)
{
    size_t size = 0;
    *usage = NULL;
    FILE *fp = open_memstream(usage, &size);
    TA_CHECK(fp, TA_ERESOURCE, "out of memory for the usage of %s", c->name);
    fputs(c->name, fp);
    for (const ta_opt_t *t = c->opts; t->type; t++) {
        char sp[80], buf[512];
        int req = (t->flags & TA_OPT_REQUIRED) != 0;
        const char *mv = metavar(t, buf, sizeof buf);
        spell(t, sp);
        if (t->type == TA_OPT_POSITIONAL)
            fprintf(fp, req ? " %s" : " [%s]", sp);
        else if (t->type == TA_OPT_FLAG)
            fprintf(fp, " [%s]", sp);
        else if (t->type == TA_OPT_LIST)
            fprintf(fp, " [%s %s]...", sp, mv);
        else
            fprintf(fp, req ? " %s %s" : " [%s %s]", sp, mv);
    }
    TA_CHECK(fclose(fp) == 0 && *usage, TA_ERESOURCE, "out of memory for the usage of %s", c->name);
    return 0;
}

/* The left column of an option: "  --name META" (", -o" for an alias). */
static void left_column(const ta_opt_t *t, char *out, size_t cap)
{
    char sp[80], buf[512], al[8] = "";
    const char *mv = metavar(t, buf, sizeof buf);
    spell(t, sp);
    if (t->alias && !short_only(t))
        snprintf(al, sizeof al, ", -%c", t->alias);
    snprintf(out, cap, "  %s%s%s%s", sp, al, *mv && t->type != TA_OPT_POSITIONAL ? " " : "",
             t->type == TA_OPT_POSITIONAL ? "" : mv);
}

/* A space that wrap() does not break a line at ("(default 50)" stays together). */
#define NBSP '\x1f'

/* Prints text wrapped at HELP_WIDTH, every line but the first indented to col; the first line
 * continues at column `at`. Explicit newlines in text start a new line and keep the spaces that
 * follow them. */
static void wrap(FILE *fp, const char *text, int col, int at)
{
    const char *p = text;
    int pos = at, fresh = 1; /* fresh: nothing written on this line yet, no space needed */
    while (*p) {
        if (*p == '\n') {
            size_t lead = strspn(p + 1, " ");
            fprintf(fp, "\n%*s%.*s", col, "", (int)lead, p + 1);
            pos = col + (int)lead;
            fresh = 1;
            p += 1 + lead;
            continue;
        }
        size_t w = strcspn(p, " \n");
        if (!fresh && pos + 1 + (int)w > HELP_WIDTH) {
            fprintf(fp, "\n%*s", col, "");
            pos = col;
        } else if (!fresh) {
            fputc(' ', fp);
            pos++;
        }
        for (size_t i = 0; i < w; i++)
            fputc(p[i] == NBSP ? ' ' : p[i], fp);
        pos += (int)w;
        fresh = 0;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', fp);
}

static void print_option(FILE *fp, const ta_opt_t *t, int col)
{
    char left[640], text[2048];
    left_column(t, left, sizeof left);
    fputs(left, fp);
    int at = (int)strlen(left);
    if (at + 2 > col) {
        fprintf(fp, "\n%*s", col, "");
        at = col;
    } else {
        fprintf(fp, "%*s", col - at, "");
        at = col;
    }
    snprintf(text, sizeof text, "%s%s%s%s%s", t->help ? t->help : "",
             t->type == TA_OPT_LIST ? " (repeatable)" : "", t->def ? " (default\x1f" : "",
             t->def ? t->def : "", t->def ? ")" : "");
    wrap(fp, text, col, at);
}

void ta_opt_print_help(const ta_cmd_t *c, FILE *fp)
{
    char *usage = NULL;
    if (ta_opt_usage(c, &usage) == 0)
        fprintf(fp, "usage: tokenatlas %s\n\n", usage);
    else
        ta_err_clear();
    free(usage);
    fprintf(fp, "%s\n", c->summary);
    if (c->about) {
        fputc('\n', fp);
        wrap(fp, c->about, 0, 0);
    }
    int col = 0;
    for (const ta_opt_t *t = c->opts; t->type; t++) {
        char left[640];
        left_column(t, left, sizeof left);
        int w = (int)strlen(left) + 2;
        if (w <= HELP_COLUMN_MAX && w > col)
            col = w;
    }
    if (c->opts[0].type)
        fputs("\noptions:\n", fp);
    for (const ta_opt_t *t = c->opts; t->type; t++)
        print_option(fp, t, col ? col : HELP_COLUMN_MAX);
    if (c->notes) {
        fputc('\n', fp);
        wrap(fp, c->notes, 0, 0);
    }
}

int ta_opt_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}
