/* Internal to the vocabulary readers (io/ta_vocab*.c): a builder that collects pieces by id into
 * one growing text block (no allocation per piece), then checks that the ids are dense 0..N-1
 * and turns the records into a ta_vocab_t. */
#ifndef TA_VOCAB_INT_H
#define TA_VOCAB_INT_H

#include "io/ta_vocab.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    uint64_t off; /* into text */
    uint32_t len;
    uint8_t flags;
    uint8_t added; /* 1: an added token, which may replace the vocabulary piece with its id */
} ta__vrec_t;

typedef struct {
    const char *name; /* input name for messages */
    char *text;
    size_t tlen;
    int64_t tcap;
    ta__vrec_t *rec;
    int64_t nrec, rcap;
} ta__vbuild_t;

/* Local. Starts an empty builder. */
void ta__vb_init(ta__vbuild_t *b, const char *name);
/* Local. Frees whatever the builder still owns. */
void ta__vb_free(ta__vbuild_t *b);
/* Local. Space for at least `bytes` more bytes of text; returns where the next piece starts
 * (NULL on out of memory, error recorded). */
char *ta__vb_reserve(ta__vbuild_t *b, size_t bytes);
/* Local. Records the piece of `len` bytes written at the pointer ta__vb_reserve returned. */
int ta__vb_commit(ta__vbuild_t *b, int64_t id, size_t len, uint8_t flags, int added);
/* Local. Copies s and records it. */
int ta__vb_add(ta__vbuild_t *b, int64_t id, const char *s, size_t len, uint8_t flags, int added);
/* Local. Places the records by id (duplicate ids and gaps are TA_EINPUT naming the id; an added
 * token replaces the vocabulary piece of the same id) and moves everything into v. */
int ta__vb_finish(ta__vbuild_t *b, ta_vocab_t *v, const char *format);

/* Local. 1 when s[0..len) is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF).
 * When not, *bad_at is the offset of the first byte that is not part of a valid sequence. */
int ta__utf8_valid(const char *s, size_t len, size_t *bad_at);
/* Local. Length of the valid UTF-8 sequence at s (1..4), or 0 when none starts there. */
size_t ta__utf8_seq(const unsigned char *s, size_t avail);
/* Local. 1 when the piece is a byte-fallback piece "<0xNN>" (two upper-case hex digits). */
int ta__is_byte_piece(const char *s, size_t len);

/* The format readers. Each parses data[0..len) (no NUL terminator needed). */
int ta__vocab_parse_tokenizer_json(const char *name, const char *data, size_t len, ta_vocab_t *v);
int ta__vocab_parse_spm(const char *name, const char *data, size_t len, ta_vocab_t *v);
/* Local. 1 when an HDF5 superblock signature is at offset 0, 512, 1024, ... */
int ta__vocab_is_hdf5(const char *data, size_t len);
/* Local. 1 when data looks like a serialized SentencePiece ModelProto. */
int ta__vocab_looks_spm(const char *data, size_t len);

#endif
