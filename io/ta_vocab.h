/* Vocabularies: the token strings of a model, by id 0..N-1.
 *
 * Readers (format detected from the content/name): Hugging Face tokenizer.json (Unigram,
 * BPE, WordPiece; added_tokens merged by id; byte-level BPE decoded through the GPT-2 byte
 * alphabet to UTF-8 with spaces shown as U+2581), SentencePiece .model (protobuf), a JSON array
 * of strings, a text file with one token per line, and the /vocab of a tokenatlas model.h5. */
#ifndef TA_VOCAB_H
#define TA_VOCAB_H

#include <stddef.h>
#include <stdint.h>

enum {
    TA_PIECE_BYTES = 1u << 0,   /* byte-level piece that is not valid UTF-8 by itself */
    TA_PIECE_SPECIAL = 1u << 1, /* control / added special token (<s>, <pad>, [CLS], ...) */
    TA_PIECE_BYTEFALLBACK = 1u << 2, /* SentencePiece byte piece <0x41> */
    TA_PIECE_UNUSED = 1u << 3,  /* SentencePiece UNUSED type */
};

typedef struct {
    int64_t n;
    char **piece;    /* text of each token, NUL-terminated UTF-8 (BYTES pieces: raw bytes) */
    uint32_t *len;   /* byte length of each piece (pieces may contain NUL) */
    uint8_t *flags;  /* TA_PIECE_* */
    char format[32]; /* "tokenizer.json:Unigram", "sentencepiece", "json-list", "text", ... */
    char path[4096];
} ta_vocab_t;

/* Local. Reads any supported format; malformed input is TA_EINPUT naming file and place. */
int ta_vocab_read(const char *path, ta_vocab_t *v);
/* Local. */
void ta_vocab_free(ta_vocab_t *v);

#endif
