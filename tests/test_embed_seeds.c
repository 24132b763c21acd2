/* Replays the embedding fuzz seeds (tests/fuzz/seeds/safetensors and .../npy) through the fuzz
 * harness bodies (see seed_replay.h). */
#include "fuzz/fuzz_embed_common.h"

#include "seed_replay.h"

int main(void)
{
    T_CHECK(ta_seed_replay("safetensors", fuzz_safetensors_one) >= 5);
    T_CHECK(ta_seed_replay("npy", fuzz_npy_one) >= 5);
    return ta_test_finish("embed_unit_seeds");
}
