/* libFuzzer harness for the SentencePiece .model reader (io/ta_vocab_spm.c through
 * ta_vocab_parse; the ".model" name forces the protobuf reader). Seeds:
 * tests/fuzz/seeds/spm_model/ (two tiny spm_train models and a hand-written ModelProto).
 * Build as fuzz_tokenizer_json.c (see there) with this file instead. */
#include "fuzz_vocab_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_vocab_one("fuzz.model", data, size);
    return 0;
}
