/* JSON vocabularies: a plain JSON array of strings, and Hugging Face tokenizer.json (Unigram,
 * BPE, WordPiece, WordLevel models; added_tokens merged by id; byte-level BPE decoded through
 * the GPT-2 byte alphabet). */
#include "base/ta_error.h"
#include "io/ta_vocab_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* GPT-2's bytes_to_unicode: the printable bytes 33-126, 161-172 and 174-255 stand for
 * themselves, the other 68 bytes for U+0100, U+0101, ... in byte order. byte_of[cp] inverts it
 * (-1: the code point is not in the alphabet). */
enum { BL_NCP = 256 + 68 };
static int16_t byte_of[BL_NCP];
static int byte_of_ready;

static void bytelevel_init(void)
{
    if (byte_of_ready)
        return;
    int next = 256;
    for (int cp = 0; cp < BL_NCP; cp++)
        byte_of[cp] = -1;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        byte_of[printable ? b : next++] = (int16_t)b;
    }
    byte_of_ready = 1;
}

/* Decodes a byte-level piece (valid UTF-8 from jansson) into dst, which has room for 3 * len
 * bytes. Returns the decoded length, or (size_t)-1 when a character is not in the byte alphabet
 * (then the piece is not byte-level encoded and is kept as written). Spaces become U+2581. */
static size_t bytelevel_decode(const char *s, size_t len, char *dst, int *valid)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, nsp = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        if (u[i] < 0x80)
            cp = u[i++];
        else if ((u[i] & 0xE0) == 0xC0 && i + 1 < len) {
            cp = ((u[i] & 0x1Fu) << 6) | (u[i + 1] & 0x3Fu);
            i += 2;
        } else
            return (size_t)-1; /* every character of the alphabet is below U+0800 */
        if (cp >= BL_NCP || byte_of[cp] < 0)
            return (size_t)-1;
        dst[o] = (char)byte_of[cp];
        nsp += dst[o] == ' ';
        o++;
    }
    *valid = ta__utf8_valid(dst, o, NULL);
    if (!nsp)
        return o;
    /* Widen each space to the three bytes of U+2581, from the back. */
    size_t w = o + 2 * nsp;
    for (size_t r = o; r-- > 0;) {
        if (dst[r] == ' ') {
            dst[--w] = '\x81';
            dst[--w] = '\x96';
            dst[--w] = '\xE2';
        } else
            dst[--w] = dst[r];
    }
    return o + 2 * nsp;
}

/* 1 when a pre_tokenizer or decoder is ByteLevel, possibly inside a Sequence. */
static int has_bytelevel(const json_t *node)
{
    if (!json_is_object(node))
        return 0;
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type)
        return 0;
    if (strcmp(type, "ByteLevel") == 0)
        return 1;
    if (strcmp(type, "Sequence") != 0)
        return 0;
    const char *lists[] = {"pretokenizers", "decoders", "processors"};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        const json_t *arr = json_object_get(node, lists[k]);
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            if (has_bytelevel(e))
                return 1;
        }
    }
    return 0;
}

typedef struct {
    ta__vbuild_t *b;
    int bytelevel;
} piece_ctx_t;

/* Adds one vocabulary piece, decoding it when the model is byte-level. */
static int add_piece(piece_ctx_t *c, int64_t id, const char *s, size_t len)
{
    if (c->bytelevel) {
        char *dst = ta__vb_reserve(c->b, 3 * len);
        if (!dst)
            return ta_err_code();
        int valid = 1;
        size_t n = bytelevel_decode(s, len, dst, &valid);
        if (n != (size_t)-1)
            return ta__vb_commit(c->b, id, n, valid ? 0 : TA_PIECE_BYTES, 0);
        return ta__vb_add(c->b, id, s, len, 0, 0);
    }
    return ta__vb_add(c->b, id, s, len, ta__is_byte_piece(s, len) ? TA_PIECE_BYTEFALLBACK : 0, 0);
}

static int json_id(const char *name, const char *where, const char *piece, const json_t *j,
                   int64_t *id)
{
    TA_CHECK(json_is_integer(j), TA_EINPUT, "%s: %s: id of \"%.40s\" is not an integer", name,
             where, piece);
    json_int_t x = json_integer_value(j);
    TA_CHECK(x >= 0 && x <= INT32_MAX, TA_EINPUT, "%s: %s: id %lld of \"%.40s\" is out of range",
             name, where, (long long)x, piece);
    *id = (int64_t)x;
    return 0;
}

static int read_unigram(const char *name, const json_t *vocab, piece_ctx_t *c)
{
    TA_CHECK(json_is_array(vocab), TA_EINPUT,
             "%s: model.vocab: a Unigram vocabulary must be a list of [piece, score]", name);
    size_t i;
    json_t *e;
    json_array_foreach(vocab, i, e)
    {
        const json_t *p = json_array_get(e, 0);
        TA_CHECK(json_is_array(e) && json_is_string(p) && json_is_number(json_array_get(e, 1)),
                 TA_EINPUT, "%s: model.vocab[%zu]: expected [piece, score]", name, i);
        TA_CALL(add_piece(c, (int64_t)i, json_string_value(p), json_string_length(p)));
    }
    return 0;
}

static int read_dict(const char *name, const json_t *vocab, piece_ctx_t *c)
{
    TA_CHECK(json_is_object(vocab), TA_EINPUT,
             "%s: model.vocab: expected an object mapping piece -> id", name);
    const char *key;
    size_t klen;
    json_t *val;
    json_object_keylen_foreach((json_t *)vocab, key, klen, val)
    {
        int64_t id = 0;
        TA_CALL(json_id(name, "model.vocab", key, val, &id));
        TA_CALL(add_piece(c, id, key, klen));
    }
    return 0;
}

static int read_added(const char *name, const json_t *added, ta__vbuild_t *b)
{
    if (!added || json_is_null(added))
        return 0;
    TA_CHECK(json_is_array(added), TA_EINPUT, "%s: added_tokens: expected a list", name);
    size_t i;
    json_t *e;
    json_array_foreach(added, i, e)
    {
        const json_t *content = json_object_get(e, "content");
        TA_CHECK(json_is_string(content), TA_EINPUT, "%s: added_tokens[%zu]: no \"content\" string",
                 name, i);
        char where[64];
        snprintf(where, sizeof where, "added_tokens[%zu]", i);
        int64_t id = 0;
        TA_CALL(json_id(name, where, json_string_value(content), json_object_get(e, "id"), &id));
        uint8_t flags = json_is_true(json_object_get(e, "special")) ? TA_PIECE_SPECIAL : 0;
        TA_CALL(
            ta__vb_add(b, id, json_string_value(content), json_string_length(content), flags, 1));
    }
    return 0;
}

static int read_tokenizer(const char *name, const json_t *root, ta_vocab_t *v)
{
    const json_t *model = json_object_get(root, "model");
    TA_CHECK(json_is_object(model), TA_EINPUT,
             "%s: no \"model\" object at the top level (not a tokenizer.json)", name);
    const json_t *vocab = json_object_get(model, "vocab");
    TA_CHECK(vocab, TA_EINPUT, "%s: model has no \"vocab\"", name);
    const char *type = json_string_value(json_object_get(model, "type"));
    if (!type) /* Older files leave the type out; the shape of the model tells it. */
        type = json_is_array(vocab)                                 ? "Unigram"
               : json_object_get(model, "merges")                   ? "BPE"
               : json_object_get(model, "max_input_chars_per_word") ? "WordPiece"
                                                                    : "WordLevel";
    ta__vbuild_t b;
    ta__vb_init(&b, name);
    piece_ctx_t c = {.b = &b,
                     .bytelevel = has_bytelevel(json_object_get(root, "pre_tokenizer")) ||
                                  has_bytelevel(json_object_get(root, "decoder"))};
    int rc = 0;
    if (strcmp(type, "Unigram") == 0)
        TA_CALL_GOTO(read_unigram(name, vocab, &c), fail);
    else if (strcmp(type, "BPE") == 0 || strcmp(type, "WordPiece") == 0 ||
             strcmp(type, "WordLevel") == 0)
        TA_CALL_GOTO(read_dict(name, vocab, &c), fail);
    else
        TA_CHECK_GOTO(0, TA_EINPUT, fail, "%s: model.type \"%.40s\" is not supported", name, type);
    TA_CALL_GOTO(read_added(name, json_object_get(root, "added_tokens"), &b), fail);
    char format[32];
    snprintf(format, sizeof format, "tokenizer.json:%.9s%s", type, c.bytelevel ? "/bytes" : "");
    return ta__vb_finish(&b, v, format);
fail:
    ta__vb_free(&b);
    return rc;
}

static int read_list(const char *name, const json_t *root, ta_vocab_t *v)
{
    ta__vbuild_t b;
    ta__vb_init(&b, name);
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        TA_CHECK_GOTO(json_is_string(e), TA_EINPUT, fail,
                      "%s: element %zu of the JSON array is not a string", name, i);
        TA_CALL_GOTO(ta__vb_add(&b, (int64_t)i, json_string_value(e), json_string_length(e), 0, 0),
                     fail);
    }
    return ta__vb_finish(&b, v, "json-list");
fail:
    ta__vb_free(&b);
    return rc;
}

/* The BPE merges are most of a tokenizer.json (514,906 of them in Gemma 3) and the vocabulary
 * does not need them; building them as JSON values takes longer than everything else. Finds the
 * array value of a "merges" key after the "model" key: [*lo, *hi) is its content. */
static int find_merges(const char *d, size_t len, size_t *lo, size_t *hi)
{
    const char *p = memmem(d, len, "\"model\"", 7);
    while (p) {
        p = memmem(p, len - (size_t)(p - d), "\"merges\"", 8);
        if (!p)
            return 0;
        const char *q = p + 8, *end = d + len;
        int key = p[-1] != '\\';
        p += 8;
        while (q < end && strchr(" \t\r\n", *q) && *q)
            q++;
        if (!key || q == end || *q != ':')
            continue;
        for (q++; q < end && strchr(" \t\r\n", *q) && *q; q++)
            ;
        if (q == end || *q != '[')
            continue;
        int depth = 0, in_str = 0;
        for (size_t i = (size_t)(q - d); i < len; i++) {
            char c = d[i];
            if (in_str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    in_str = 0;
            } else if (c == '"')
                in_str = 1;
            else if (c == '[')
                depth++;
            else if (c == ']' && --depth == 0) {
                *lo = (size_t)(q - d) + 1;
                *hi = i;
                return 1;
            }
        }
        return 0;
    }
    return 0;
}

int ta__vocab_parse_tokenizer_json(const char *name, const char *data, size_t len, ta_vocab_t *v)
{
    bytelevel_init();
    json_error_t e;
    /* A UTF-8 byte order mark (some editors write one) is not JSON: skip it. */
    size_t skip = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    data += skip;
    len -= skip;
    /* Parse a copy whose merges are blanked to spaces (newlines kept, so that line and column
     * numbers in messages stay those of the file). */
    size_t lo, hi;
    char *copy = NULL;
    if (find_merges(data, len, &lo, &hi) && (copy = malloc(len)) != NULL) {
        memcpy(copy, data, len);
        for (size_t i = lo; i < hi; i++)
            if (copy[i] != '\n')
                copy[i] = ' ';
        data = copy;
    }
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
    free(copy);
    TA_CHECK(root, TA_EINPUT, "%s:%d:%d: invalid JSON: %s (byte offset %zu)", name, e.line,
             e.column, e.text, (size_t)e.position + skip);
    int rc;
    if (json_is_array(root))
        rc = read_list(name, root, v);
    else if (json_is_object(root))
        rc = read_tokenizer(name, root, v);
    else
        rc = TA_ERR(TA_EINPUT,
                    "%s: JSON vocabulary must be an object (tokenizer.json) or an array "
                    "of strings",
                    name);
    json_decref(root);
    return rc;
}
