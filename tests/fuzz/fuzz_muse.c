/* libFuzzer harness: the MUSE dictionary reader (io/ta_muse.c), two files per input. See
 * fuzz_readers_common.h for what is checked. Built and run by `./run fuzz [SECONDS]` on
 * tests/fuzz/seeds/muse. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_muse_one(data, size);
    return 0;
}
