/* libFuzzer harness for the npy reader (io/ta_npy.c): see fuzz_embed_common.h for what is
 * checked. Built and run by `./run fuzz [SECONDS]` on the seeds in tests/fuzz/seeds/npy. */
#include "fuzz_embed_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_npy_one(data, size);
    return 0;
}
