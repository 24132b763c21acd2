/* `tokenatlas ingest`: not implemented yet (see the issue that delivers it). */
#include "ta_cmd.h"
#include "ta_error.h"

static int cmd_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return TA_ERR(TA_EINPUT, "ingest: not yet implemented");
}

const ta_command_t ta_command_ingest = {
    .name = "ingest",
    .summary = "embeddings + vocabulary + categories of one model into one HDF5 file",
    .usage = "ingest --model PATH [--tensor NAME] [--vocab PATH] --out model.h5",
    .help = "",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
