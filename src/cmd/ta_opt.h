/* Typed commands: each command's options are declared once, in a table, and everything about them
 * comes from that table: the parser (argv -> options struct), the usage line and --help text, the
 * validation messages, the defaults a caller starts from, and the command line a step records
 * (provenance `command_line`), generated from a filled struct.
 *
 * A command is
 *     typedef struct { const char *emb; int64_t k; ... } ta_X_opts_t;       (cmd_X.h)
 *     int ta_cmd_X_run(const ta_X_opts_t *o);                                 (Collective)
 *     static const ta_opt_t opts[] = { {TA_OPT_PATH_(ta_X_opts_t, emb, "embeddings", ...)}, ...,
 *                                      {TA_OPT_END_} };
 *     TA_CMD_DEFINE(X, ta_X_opts_t, .summary = "...", .flags = TA_CMD_MPI);
 * and is listed in main.c. See DEVELOPERS.md, "Adding a command or an option". */
#ifndef TA_OPT_H
#define TA_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    TA_OPT_END = 0,    /* ends a table */
    TA_OPT_STRING,     /* const char * (NULL = not given) */
    TA_OPT_PATH,       /* const char *, a file or directory name */
    TA_OPT_INT,        /* int64_t in [imin, imax] */
    TA_OPT_DOUBLE,     /* double in [dmin, dmax] */
    TA_OPT_FLAG,       /* int: 1 when given, else 0 */
    TA_OPT_ENUM,       /* int: index into values[] */
    TA_OPT_LIST,       /* ta_optlist_t: every occurrence of a repeatable option, in order */
    TA_OPT_POSITIONAL, /* const char *: one bare argument (name is its placeholder) */
} ta_opt_type_t;

/* Flags of an option. */
enum {
    TA_OPT_REQUIRED = 1, /* must be given (or set by the caller) */
    TA_OPT_OUTPUT = 2,   /* PATH written by the command: its directory must exist beforehand */
    TA_OPT_NOCASE = 4,   /* ENUM: values match without regard to case */
    TA_OPT_ALWAYS = 8,   /* recorded in the command line even at its default */
};

/* The values of a repeatable option; the strings belong to the caller (argv, config). */
typedef struct {
    int n;
    const char **v;
} ta_optlist_t;

typedef struct {
    const char *name;   /* long name without dashes: --name */
    char alias;         /* a one-letter alias (-o for --out), or 0; an option whose name is its
                           alias (name "k", alias 'k') is spelt -k (and --k works too) */
    ta_opt_type_t type; /* TA_OPT_END ends the table */
    size_t offset;      /* of the field in the options struct */
    int flags;          /* TA_OPT_REQUIRED, TA_OPT_OUTPUT, TA_OPT_NOCASE */
    const char *def;    /* default, spelt as on the command line; NULL = none */
    int64_t imin, imax; /* INT range */
    double dmin, dmax;  /* DOUBLE range */
    const char *const *values; /* ENUM: the allowed spellings, NULL-terminated */
    const char *metavar; /* placeholder in usage and help ("PATH", "N"); ENUM: values joined by | */
    const char *help;    /* one paragraph; --help wraps it and adds the default */
} ta_opt_t;

/* One table entry per line. T is the options struct, F its field. */
#define TA_OPT__(T, F, N, TY, FL) .name = (N), .type = (TY), .offset = offsetof(T, F), .flags = (FL)
#define TA_OPT_STRING_(T, F, N, FL, DEF, META, HELP)                                               \
    TA_OPT__(T, F, N, TA_OPT_STRING, FL), .def = (DEF), .metavar = (META), .help = (HELP)
#define TA_OPT_PATH_(T, F, N, FL, META, HELP)                                                      \
    TA_OPT__(T, F, N, TA_OPT_PATH, FL), .metavar = (META), .help = (HELP)
#define TA_OPT_INT_(T, F, N, FL, DEF, MIN, MAX, META, HELP)                                        \
    TA_OPT__(T, F, N, TA_OPT_INT, FL), .def = (DEF), .imin = (MIN), .imax = (MAX),                 \
                                       .metavar = (META), .help = (HELP)
#define TA_OPT_DOUBLE_(T, F, N, FL, DEF, MIN, MAX, META, HELP)                                     \
    TA_OPT__(T, F, N, TA_OPT_DOUBLE, FL), .def = (DEF), .dmin = (MIN), .dmax = (MAX),              \
                                          .metavar = (META), .help = (HELP)
#define TA_OPT_FLAG_(T, F, N, HELP) TA_OPT__(T, F, N, TA_OPT_FLAG, 0), .help = (HELP)
#define TA_OPT_ENUM_(T, F, N, FL, DEF, VALUES, HELP)                                               \
    TA_OPT__(T, F, N, TA_OPT_ENUM, FL), .def = (DEF), .values = (VALUES), .help = (HELP)
#define TA_OPT_LIST_(T, F, N, META, HELP)                                                          \
    TA_OPT__(T, F, N, TA_OPT_LIST, 0), .metavar = (META), .help = (HELP)
#define TA_OPT_POSITIONAL_(T, F, N, FL, HELP)                                                      \
    TA_OPT__(T, F, N, TA_OPT_POSITIONAL, FL), .metavar = (N), .help = (HELP)
#define TA_OPT_END_ .type = TA_OPT_END

/* A command: its name, texts, option table and typed entry point. */
typedef struct ta_cmd {
    const char *name;
    const char *summary;          /* one line for `tokenatlas help` */
    const char *about;            /* --help: paragraphs before the options, or NULL */
    const char *notes;            /* --help: paragraphs after the options, or NULL */
    const ta_opt_t *opts;         /* the table */
    size_t opts_size;             /* sizeof the options struct */
    int (*run)(const void *opts); /* calls ta_cmd_X_run */
    int flags;                    /* TA_CMD_MPI: runs after MPI start-up, Collective */
} ta_cmd_t;

enum { TA_CMD_MPI = 1 };

/* Defines the command NAME of a driver file: the descriptor ta_cmd_NAME, whose run calls
 * ta_cmd_NAME_run with the options struct TYPE that the file's table `opts` describes. The other
 * arguments are the descriptor's remaining fields: .summary, .about, .notes, .flags. */
#define TA_CMD_DEFINE(NAME, TYPE, ...)                                                             \
    static int ta__cmd_run_##NAME(const void *o)                                                   \
    {                                                                                              \
        return ta_cmd_##NAME##_run(o);                                                             \
    }                                                                                              \
    const ta_cmd_t ta_cmd_##NAME = {.name = #NAME,                                                 \
                                    .opts = opts,                                                  \
                                    .opts_size = sizeof(TYPE),                                     \
                                    .run = ta__cmd_run_##NAME,                                     \
                                    __VA_ARGS__}

/* Local. Zeroes the struct o and sets every default of the table. */
void ta_opt_defaults(const ta_cmd_t *c, void *o);
/* Local. Parses argv[0..argc) (the arguments after the command name) into o, which it first sets
 * to the defaults; then checks it (ta_opt_check). An error is TA_EINPUT with one line naming the
 * option and the problem, e.g. "neighbors: -k: 'x' is not an integer". Release list memory with
 * ta_opt_free. */
int ta_opt_parse(const ta_cmd_t *c, int argc, char **argv, void *o);
/* Local. Whether a filled struct is acceptable: required options present, numbers in range,
 * enum values valid, directories of outputs existing. */
int ta_opt_check(const ta_cmd_t *c, const void *o);
/* Local. The command line that gives o: "tokenatlas NAME", the positionals, then in table order
 * every option whose value differs from its default (0, NULL or off when it has none), every
 * required one and every one flagged TA_OPT_ALWAYS. An option added later with a default thus
 * leaves the lines of earlier steps unchanged. Values are written as they are (no quoting).
 * *line is malloc'd. */
int ta_opt_format(const ta_cmd_t *c, const void *o, char **line);
/* Local. Frees what ta_opt_parse allocated in o (the lists). */
void ta_opt_free(const ta_cmd_t *c, void *o);

/* Local. "usage: tokenatlas NAME ...", the summary, the about text, the options with their help
 * and defaults, and the notes. */
void ta_opt_print_help(const ta_cmd_t *c, FILE *fp);
/* Local. The usage line without "tokenatlas " (malloc'd), for messages. */
int ta_opt_usage(const ta_cmd_t *c, char **usage);
/* Local. True when the arguments hold -h or --help (before a "--"). */
int ta_opt_wants_help(int argc, char **argv);

#endif
