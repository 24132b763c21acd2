/* `tokenatlas compare`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "compare: not yet implemented");
}

const ta_command_t ta_command_compare = {
    .name = "compare",
    .summary = "per-token Jaccard of neighbour sets of two models on the shared vocabulary",
    .usage = "compare --a FILE.h5 --b FILE.h5",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
