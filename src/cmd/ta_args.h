/* Command-line helpers shared by the subcommands: number parsing with range checks and the
 * usage/--help conventions. Subcommands parse with getopt_long; these helpers turn a bad value
 * into a TA_EINPUT error naming the option. */
#ifndef TA_ARGS_H
#define TA_ARGS_H

#include <stdint.h>

/* Local. Parses an integer option value in [min, max]. */
int ta_args_int64(const char *opt, const char *val, int64_t min, int64_t max, int64_t *out);
/* Local. Parses a finite double option value in [min, max]. */
int ta_args_double(const char *opt, const char *val, double min, double max, double *out);
/* Local. Error for an option getopt rejected; `usage` is the one-line usage of the command. */
int ta_args_bad_option(const char *cmd, const char *usage, const char *arg);
/* Local. Error for a missing required option. */
int ta_args_missing(const char *cmd, const char *usage, const char *opt);

/* Local. True when argv holds -h or --help (checked before anything else is parsed). */
int ta_args_wants_help(int argc, char **argv);

#endif
