/* libFuzzer harness: the queries (text subset) reader (io/ta_subset.c). See fuzz_readers_common.h
 * for what is checked. Built and run by `./run fuzz [SECONDS]` on tests/fuzz/seeds/queries. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_queries_one(data, size);
    return 0;
}
