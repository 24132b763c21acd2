/* Replays the vocabulary fuzz seeds (tests/fuzz/seeds/tokenizer_json and .../spm_model) through
 * the harness bodies of fuzz_tokenizer_json.c and fuzz_spm_model.c (see seed_replay.h). */
#include "fuzz/fuzz_vocab_common.h"

#include "seed_replay.h"

static void tokenizer_json_one(const uint8_t *data, size_t len)
{
    fuzz_vocab_one("fuzz-vocab", data, len);
}

static void spm_model_one(const uint8_t *data, size_t len)
{
    fuzz_vocab_one("fuzz.model", data, len);
}

int main(void)
{
    T_CHECK(ta_seed_replay("tokenizer_json", tokenizer_json_one) >= 3);
    T_CHECK(ta_seed_replay("spm_model", spm_model_one) >= 2);
    return ta_test_finish("vocab_unit_seeds");
}
