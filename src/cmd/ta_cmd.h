/* The commands. Each lives in src/cmd/cmd_<name>.c with its options struct and typed entry point
 * in cmd_<name>.h, and defines one ta_cmd_t (ta_opt.h) that main.c lists. A command's run
 * function returns 0 or a TA_E* code (the exit code); commands flagged TA_CMD_MPI are Collective:
 * their ranks agree (ta_mpi_agree) before returning, so every rank returns the same code. */
#ifndef TA_CMD_H
#define TA_CMD_H

#include "cmd/ta_opt.h"

extern const ta_cmd_t ta_cmd_run, ta_cmd_ingest, ta_cmd_categorize, ta_cmd_neighbors,
    ta_cmd_diversity, ta_cmd_probe, ta_cmd_translate, ta_cmd_compare, ta_cmd_report, ta_cmd_synth,
    ta_cmd_map, ta_cmd_overlap;

/* The values of every --scheme option, in ta_scheme_t order. */
extern const char *const ta_cmd_schemes[];
/* The values of every --protocol option: the tool's definitions or the paper's scripts'. */
extern const char *const ta_cmd_protocols[];
/* The values of neighbors --gemm (and the config's neighbors.gemm): index - 1 is the
 * ta_gemm_kind_t, auto = -1. */
extern const char *const ta_cmd_gemms[];
enum { TA_PROTOCOL_TOKENATLAS = 0, TA_PROTOCOL_PAPER = 1 };

/* Table entries of options several commands share, for options struct T with the fields
 * `int scheme` and `int64_t top`. */
#define TA_CMD_OPT_SCHEME(T)                                                                       \
    {                                                                                              \
        TA_OPT_ENUM_(T, scheme, "scheme", TA_OPT_ALWAYS, "paper", ta_cmd_schemes,                  \
                     "scheme read from a model.h5")                                                \
    }
#define TA_CMD_OPT_TOP(T)                                                                          \
    {                                                                                              \
        TA_OPT_INT_(T, top, "top", TA_OPT_ALWAYS, "50", 1, 1 << 20, "N",                           \
                    "neighbours other than the token itself")                                      \
    }

/* Local. Sets the provenance command line (every output file's `command_line`) to the line that
 * gives o (ta_opt_format); *line, when not NULL, receives a malloc'd copy. */
int ta_cmd_record(const ta_cmd_t *c, const void *o, char **line);

/* Local. A malloc'd formatted string (paths: no fixed buffers, nothing truncated). */
int ta_cmd_sprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
