/* `tokenatlas synth`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "synth: not yet implemented");
}

const ta_command_t ta_command_synth = {
    .name = "synth",
    .summary = "a synthetic model directory with planted structure and a MUSE dictionary",
    .usage =
        "synth --preset script-clustered|meaning-aligned --tokens N --dim D --seed S --out DIR",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
