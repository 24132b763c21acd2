/* libFuzzer harness: a neighbours file (io/ta_nbfile.c), built from an HDF5 recipe. See
 * fuzz_readers_common.h for what is checked. Built and run by `./run fuzz [SECONDS]` on
 * tests/fuzz/seeds/nbfile. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_nbfile_one(data, size);
    return 0;
}
