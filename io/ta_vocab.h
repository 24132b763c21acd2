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
    TA_PIECE_BYTES = 1u << 0,        /* byte-level piece that is not valid UTF-8 by itself */
    TA_PIECE_SPECIAL = 1u << 1,      /* control / added special token (<s>, <pad>, [CLS], ...) */
    TA_PIECE_BYTEFALLBACK = 1u << 2, /* SentencePiece byte piece <0x41> */
    TA_PIECE_UNUSED = 1u << 3,       /* SentencePiece UNUSED type */
};

typedef struct {
    int64_t n;
    char **piece;    /* text of each token, NUL-terminated UTF-8 (BYTES pieces: raw bytes) */
    uint32_t *len;   /* byte length of each piece (pieces may contain NUL) */
    uint8_t *flags;  /* TA_PIECE_* */
    char format[32]; /* "tokenizer.json:Unigram", "sentencepiece", "json-list", "text", ... */
    char path[4096];
    char *ta__text; /* internal: one block holding every piece's text */
} ta_vocab_t;

/* Local. Reads any supported format; malformed input is TA_EINPUT naming file and place.
 * The format is detected from the content (HDF5 signature, JSON, protobuf), with the file name
 * (.json, .model) deciding only between a format and plain text. */
int ta_vocab_read(const char *path, ta_vocab_t *v);
/* Local. The same from a buffer (for fuzzers and tests); name_for_msgs names the input in
 * messages and, by its suffix (.json, .model), forces that format. An HDF5 image is refused
 * (model.h5 files are read from a path only). */
int ta_vocab_parse(const char *name_for_msgs, const char *data, size_t len, ta_vocab_t *v);
/* Local. */
void ta_vocab_free(ta_vocab_t *v);

/* Local. Writes piece `id` as valid UTF-8 into buf (NUL-terminated, truncated to cap - 1 bytes
 * at a character boundary): bytes that are not part of valid UTF-8, and NUL, become "<0xNN>".
 * Returns the full length (without NUL) the display text needs; at most 6 * len + 1 bytes of
 * buf are ever needed. */
size_t ta_vocab_display(const ta_vocab_t *v, int64_t id, char *buf, size_t cap);
/* Local. The same for any byte string. */
size_t ta_utf8_display(const char *s, size_t len, char *buf, size_t cap);
/* Local. Display strings of all pieces: *out is an array of v->n NUL-terminated strings held
 * in the same allocation (one free(*out) releases everything). */
int ta_vocab_display_all(const ta_vocab_t *v, char ***out);

#endif
