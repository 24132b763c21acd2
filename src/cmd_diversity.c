/* `tokenatlas diversity`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "diversity: not yet implemented");
}

const ta_command_t ta_command_diversity = {
    .name = "diversity",
    .summary =
        "categories spanned by each token's neighbourhood, histogram, category matrix, entropy",
    .usage = "diversity --neighbors FILE.h5 --categories PATH [--top N]",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
