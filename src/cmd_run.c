/* `tokenatlas run`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "run: not yet implemented");
}

const ta_command_t ta_command_run = {
    .name = "run",
    .summary = "the whole pipeline for the models in a config, resumable, into results/<run>/",
    .usage = "run CONFIG.yaml [--set key=value]...",
    .help =
        "  --set KEY=VALUE   override a config key (dotted: neighbors.k=50, models.0.path=DIR)\n",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
