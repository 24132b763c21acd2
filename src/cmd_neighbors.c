/* `tokenatlas neighbors`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "neighbors: not yet implemented");
}

const ta_command_t ta_command_neighbors = {
    .name = "neighbors",
    .summary = "exact top-k cosine neighbours over the whole vocabulary",
    .usage = "neighbors --embeddings PATH -k K [--queries all|sample:FRACTION:SEED|FILE] [--exclude-self] --out FILE.h5",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
