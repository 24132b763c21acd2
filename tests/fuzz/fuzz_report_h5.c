/* libFuzzer harness: a run's model file through `report` (tables, figure scripts, HTML). See
 * fuzz_readers_common.h for what is checked. Built and run by `./run fuzz [SECONDS]` on
 * tests/fuzz/seeds/report_h5. */
#include "fuzz_readers_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_report_h5_one(data, size);
    return 0;
}
