/* `tokenatlas categorize`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "categorize: not yet implemented");
}

const ta_command_t ta_command_categorize = {
    .name = "categorize",
    .summary = "a writing-system category per token, as TSV",
    .usage = "categorize --vocab PATH [--scheme paper|script] [--out FILE]",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
