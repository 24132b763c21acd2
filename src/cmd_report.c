/* `tokenatlas report`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "report: not yet implemented");
}

const ta_command_t ta_command_report = {
    .name = "report",
    .summary = "Markdown + HTML report with plots for a run directory",
    .usage = "report RUN_DIR",
    .help = "",
    .main = cmd_main,
    .flags = 0,
};
