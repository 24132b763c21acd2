/* libFuzzer harness for the JSON and text vocabulary readers (io/ta_vocab.c, ta_vocab_json.c):
 * the format is detected from the content, as for a file without a telling name, so JSON arrays,
 * tokenizer.json (Unigram, BPE with byte-level decoding, WordPiece, added_tokens) and plain text
 * are all reached. Seeds: tests/fuzz/seeds/tokenizer_json/.
 *
 * Built and run by `./run fuzz [SECONDS]`. */
#include "fuzz_vocab_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_vocab_one("fuzz-vocab", data, size);
    return 0;
}
