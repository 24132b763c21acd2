/* libFuzzer harness for the safetensors reader (io/ta_safetensors.c): see fuzz_embed_common.h for
 * what is checked. Built and run by `./run fuzz [SECONDS]` on the seeds in
 * tests/fuzz/seeds/safetensors. */
#include "fuzz_embed_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_safetensors_one(data, size);
    return 0;
}
