/* SentencePiece .model files: a serialized ModelProto whose repeated field 1 holds the pieces
 * (piece, score, type) in id order. The C code comes from io/sentencepiece_model.proto through
 * protoc-c (cmake/module-protobuf.cmake). */
#include "sentencepiece_model.pb-c.h"
#include "base/ta_error.h"
#include "io/ta_vocab_int.h"

#include <string.h>

/* Reads a protobuf varint at data[*pos]; 0 when it runs past len or over 10 bytes. */
static int varint(const unsigned char *d, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        unsigned char c = d[(*pos)++];
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

int ta__vocab_looks_spm(const char *data, size_t len)
{
    /* Field 1 (pieces), length-delimited, whose message starts with field 1 (piece) too, and
     * binary bytes (the score's fixed32 tag 0x15, the float itself) that a text file lacks. */
    const unsigned char *d = (const unsigned char *)data;
    size_t pos = 1;
    uint64_t l;
    if (len < 4 || d[0] != 0x0A || !varint(d, len, &pos, &l) || pos >= len || d[pos] != 0x0A ||
        l > len - pos)
        return 0;
    for (size_t i = pos; i < pos + l; i++)
        if (d[i] < 0x09 || (d[i] > 0x0D && d[i] < 0x20))
            return 1;
    return 0;
}

/* Walks the protobuf wire format of d[pos..end) (the pieces of the top-level message one level
 * deep) and returns the offset of the first field that is malformed or runs past its end, or
 * (size_t)-1 when the framing is sound. protobuf-c only says that unpacking failed; this finds
 * the place for the message. */
static size_t first_bad_field(const unsigned char *d, size_t pos, size_t end, int depth)
{
    while (pos < end) {
        size_t at = pos;
        uint64_t tag, x;
        if (!varint(d, end, &pos, &tag) || (tag >> 3) == 0)
            return at;
        switch (tag & 7) {
        case 0:
            if (!varint(d, end, &pos, &x))
                return at;
            break;
        case 1:
        case 5: {
            size_t w = (tag & 7) == 1 ? 8 : 4;
            if (end - pos < w)
                return at;
            pos += w;
            break;
        }
        case 2:
            if (!varint(d, end, &pos, &x) || x > end - pos)
                return at;
            if (depth == 0 && (tag >> 3) == 1) {
                size_t bad = first_bad_field(d, pos, pos + (size_t)x, 1);
                if (bad != (size_t)-1)
                    return bad;
            }
            pos += (size_t)x;
            break;
        default: /* groups (deprecated) and invalid wire types */
            return at;
        }
    }
    return (size_t)-1;
}

int ta__vocab_parse_spm(const char *name, const char *data, size_t len, ta_vocab_t *v)
{
    Sentencepiece__ModelProto *m =
        sentencepiece__model_proto__unpack(NULL, len, (const uint8_t *)data);
    if (!m) {
        size_t bad = first_bad_field((const unsigned char *)data, 0, len, 0);
        if (bad != (size_t)-1)
            return TA_ERR(TA_EINPUT,
                          "%s: byte offset %zu: not a valid SentencePiece model: the protobuf "
                          "data (%zu bytes) is corrupt or truncated",
                          name, bad, len);
        return TA_ERR(TA_EINPUT,
                      "%s: not a valid SentencePiece model: the protobuf data (%zu bytes) does "
                      "not decode as a ModelProto",
                      name, len);
    }
    ta__vbuild_t b;
    ta__vb_init(&b, name);
    int rc = 0;
    TA_CHECK_GOTO(m->n_pieces > 0, TA_EINPUT, fail, "%s: SentencePiece model without pieces", name);
    for (size_t i = 0; i < m->n_pieces; i++) {
        const Sentencepiece__ModelProto__SentencePiece *p = m->pieces[i];
        TA_CHECK_GOTO(p->piece, TA_EINPUT, fail, "%s: piece %zu has no text", name, i);
        size_t l = strlen(p->piece), bad;
        TA_CHECK_GOTO(ta__utf8_valid(p->piece, l, &bad), TA_EINPUT, fail,
                      "%s: piece %zu is not valid UTF-8 (byte %zu of the piece)", name, i, bad);
        uint8_t flags = 0;
        switch (p->type) {
        case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__CONTROL:
        case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNKNOWN:
            flags = TA_PIECE_SPECIAL;
            break;
        case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__BYTE:
            flags = TA_PIECE_BYTEFALLBACK;
            break;
        case SENTENCEPIECE__MODEL_PROTO__SENTENCE_PIECE__TYPE__UNUSED:
            flags = TA_PIECE_UNUSED;
            break;
        default:
            break;
        }
        TA_CALL_GOTO(ta__vb_add(&b, (int64_t)i, p->piece, l, flags, 0), fail);
    }
    sentencepiece__model_proto__free_unpacked(m, NULL);
    return ta__vb_finish(&b, v, "sentencepiece");
fail:
    ta__vb_free(&b);
    sentencepiece__model_proto__free_unpacked(m, NULL);
    return rc;
}
