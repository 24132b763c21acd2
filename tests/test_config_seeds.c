/* Runs the config fuzz harness (tests/fuzz/fuzz_config.c) once over each seed in
 * tests/fuzz/seeds/config. */
#include "fuzz/fuzz_config.c"

#include "seed_replay.h"

static void one(const uint8_t *data, size_t len)
{
    LLVMFuzzerTestOneInput(data, len);
}

int main(void)
{
    T_CHECK(ta_seed_replay("config", one) >= 5);
    return ta_test_finish("config_unit_seeds");
}
