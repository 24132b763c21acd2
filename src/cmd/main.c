/* tokenatlas: entry point and subcommand dispatch. */
#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ta_cmd_t *const commands[] = {
    &ta_cmd_run,       &ta_cmd_ingest, &ta_cmd_categorize, &ta_cmd_neighbors,
    &ta_cmd_diversity, &ta_cmd_probe,  &ta_cmd_translate,  &ta_cmd_compare,
    &ta_cmd_report,    &ta_cmd_synth,  &ta_cmd_map,        &ta_cmd_overlap,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_overview(FILE *fp)
{
    fprintf(fp,
            "usage: tokenatlas COMMAND [OPTIONS]   (tokenatlas COMMAND --help for its options)\n"
            "\n"
            "Cross-lingual analysis of token embeddings (Wen-Yi & Mimno, EMNLP 2023).\n"
            "Computing commands run under mpirun / srun with any number of ranks.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(fp, "  %-11s %s\n", "help", "this overview, or `help COMMAND` for one command");
    fprintf(fp, "\n  --version   print the version and git commit\n");
}

static const ta_cmd_t *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* Parses the options, records the command line and runs the command (Collective for
 * TA_CMD_MPI commands: the options are the same on every rank, so they fail alike). */
static int run_command(const ta_cmd_t *cmd, int argc, char **argv)
{
    void *opts = calloc(1, cmd->opts_size);
    TA_CHECK_ALLOC(opts, cmd->opts_size);
    int rc = ta_opt_parse(cmd, argc, argv, opts);
    if (!rc)
        rc = ta_cmd_record(cmd, opts, NULL);
    if (!rc)
        rc = cmd->run(opts);
    ta_opt_free(cmd, opts);
    free(opts);
    return rc;
}

int main(int argc, char **argv)
{
    ta_blas_setup(argv);
    if (argc < 2) {
        print_overview(stderr);
        return TA_EINPUT;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("tokenatlas %s (commit %s)\n", ta_prov_version(), ta_prov_commit());
        printf("OpenBLAS kernel: %s%s%s\n", ta_blas_corename(), ta_blas_note()[0] ? "; " : "",
               ta_blas_note());
        return 0;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc >= 3 && strcmp(name, "help") == 0) {
            const ta_cmd_t *c = find_command(argv[2]);
            if (!c) {
                fprintf(stderr, "tokenatlas: error: unknown command '%s'; see tokenatlas help\n",
                        argv[2]);
                return TA_EINPUT;
            }
            ta_opt_print_help(c, stdout);
            return 0;
        }
        print_overview(stdout);
        return 0;
    }
    const ta_cmd_t *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr,
                "tokenatlas: error: unknown command '%s'; usage: tokenatlas COMMAND [OPTIONS] "
                "(see tokenatlas help)\n",
                name);
        return TA_EINPUT;
    }
    if (ta_opt_wants_help(argc - 2, argv + 2)) {
        ta_opt_print_help(cmd, stdout);
        return 0;
    }

    ta_h5_quiet();
    ta_signal_install();
    int rc = 0;
    if (cmd->flags & TA_CMD_MPI) {
        rc = ta_mpi_init(&argc, &argv);
        if (rc) {
            ta_err_print();
            return rc;
        }
        ta_mpi_setup_threads();
    }
    if (ta_blas_note()[0])
        ta_log_warn("%s", ta_blas_note());
    rc = run_command(cmd, argc - 2, argv + 2);
    if (rc && ta_mpi_rank() == 0) {
        ta_err_print();
        if (rc == TA_EINTERRUPTED)
            fprintf(stderr, "tokenatlas: rerun the same command to resume\n");
    }
    ta_h5_shutdown();
    ta_mpi_finalize();
    return rc;
}
