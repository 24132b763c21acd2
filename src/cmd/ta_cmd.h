/* Subcommands. Each lives in src/cmd_<name>.c and defines one ta_command_t; main.c dispatches.
 * A command's main receives argv with argv[0] = the subcommand name and returns 0 or a TA_E*
 * code (the exit code). Commands flagged TA_CMD_MPI run after MPI_Init and must have their ranks
 * agree (ta_mpi_agree) before returning, so that every rank returns the same code. */
#ifndef TA_CMD_H
#define TA_CMD_H

enum { TA_CMD_MPI = 1 };

typedef struct {
    const char *name;
    const char *summary; /* one line for `tokenatlas help` */
    const char *usage;   /* the usage line without "tokenatlas " */
    const char *help;    /* the option list printed by --help */
    int (*main)(int argc, char **argv);
    int flags;
} ta_command_t;

extern const ta_command_t ta_command_run, ta_command_ingest, ta_command_categorize,
    ta_command_neighbors, ta_command_diversity, ta_command_probe, ta_command_translate,
    ta_command_compare, ta_command_report, ta_command_synth;

/* Local. Prints "usage: tokenatlas USAGE" and the help text to stdout. */
void ta_cmd_print_help(const ta_command_t *c);

#endif
