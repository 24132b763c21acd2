/* libFuzzer harness: a model.h5 through the categories, vocabulary and embeddings readers. See
 * fuzz_readers_common.h for what is checked. Built and run by `./run fuzz [SECONDS]` on
 * tests/fuzz/seeds/model_h5. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_model_h5_one(data, size);
    return 0;
}
