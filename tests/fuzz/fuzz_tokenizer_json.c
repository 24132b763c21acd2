/* libFuzzer harness for the JSON and text vocabulary readers (io/ta_vocab.c, ta_vocab_json.c):
 * the format is detected from the content, as for a file without a telling name, so JSON arrays,
 * tokenizer.json (Unigram, BPE with byte-level decoding, WordPiece, added_tokens) and plain text
 * are all reached. Seeds: tests/fuzz/seeds/tokenizer_json/.
 *
 * Build and run (60 s) from the repository root after a cmake build in build/ (which generates
 * the protobuf-c code in build/gen); the readers need only these sources:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -Iio -Ibuild/gen \
 *     tests/fuzz/fuzz_tokenizer_json.c io/ta_vocab.c io/ta_vocab_json.c io/ta_vocab_spm.c \
 *     build/gen/sentencepiece_model.pb-c.c src/ta_error.c -ljansson -lprotobuf-c \
 *     -o fuzz_tokenizer_json
 *   ./fuzz_tokenizer_json -max_total_time=60 -max_len=4096 tests/fuzz/seeds/tokenizer_json */
#include "fuzz_vocab_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_vocab_one("fuzz-vocab", data, size);
    return 0;
}
