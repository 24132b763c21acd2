/* `tokenatlas translate`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "translate: not yet implemented");
}

const ta_command_t ta_command_translate = {
    .name = "translate",
    .summary = "share of neighbours that are dictionary translations",
    .usage = "translate --neighbors FILE.h5 --vocab PATH --dict DIR",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
