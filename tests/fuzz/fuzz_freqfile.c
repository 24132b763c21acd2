/* libFuzzer harness: the frequency file reader (io/ta_freqfile.c). See fuzz_readers_common.h
 * for what is checked. Built and run by `./run fuzz [SECONDS]` on tests/fuzz/seeds/freqfile. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_freqfile_one(data, size);
    return 0;
}
