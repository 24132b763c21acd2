/* `tokenatlas probe`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "probe: not yet implemented");
}

const ta_command_t ta_command_probe = {
    .name = "probe",
    .summary = "one-vs-rest logistic-regression probes per category, k-fold cross-validation",
    .usage = "probe --embeddings PATH --categories PATH [--folds 10] [--min-tokens 500] [--seed S] --out FILE",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
