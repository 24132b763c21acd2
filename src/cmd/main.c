/* tokenatlas: entry point and subcommand dispatch. */
#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_args.h"
#include "cmd/ta_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ta_command_t *const commands[] = {
    &ta_command_run,       &ta_command_ingest, &ta_command_categorize, &ta_command_neighbors,
    &ta_command_diversity, &ta_command_probe,  &ta_command_translate,  &ta_command_compare,
    &ta_command_report,    &ta_command_synth,
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

void ta_cmd_print_help(const ta_command_t *c)
{
    printf("usage: tokenatlas %s\n\n%s\n", c->usage, c->summary);
    if (c->help && *c->help)
        printf("\n%s", c->help);
}

static const ta_command_t *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
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
            const ta_command_t *c = find_command(argv[2]);
            if (!c) {
                fprintf(stderr, "tokenatlas: error: unknown command '%s'; see tokenatlas help\n",
                        argv[2]);
                return TA_EINPUT;
            }
            ta_cmd_print_help(c);
            return 0;
        }
        print_overview(stdout);
        return 0;
    }
    const ta_command_t *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr,
                "tokenatlas: error: unknown command '%s'; usage: tokenatlas COMMAND [OPTIONS] "
                "(see tokenatlas help)\n",
                name);
        return TA_EINPUT;
    }
    if (ta_args_wants_help(argc - 1, argv + 1)) {
        ta_cmd_print_help(cmd);
        return 0;
    }

    ta_h5_quiet();
    ta_prov_set_command(argc, argv);
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
    rc = cmd->main(argc - 1, argv + 1);
    if (rc && ta_mpi_rank() == 0) {
        ta_err_print();
        if (rc == TA_EINTERRUPTED)
            fprintf(stderr, "tokenatlas: rerun the same command to resume\n");
    }
    ta_mpi_finalize();
    return rc;
}
