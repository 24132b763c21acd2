/* libFuzzer harness: the categorize TSV reader (io/ta_catfile.c). See fuzz_readers_common.h
 * for what is checked. Built and run by `./run fuzz [SECONDS]` on tests/fuzz/seeds/catfile_tsv. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_catfile_tsv_one(data, size);
    return 0;
}
