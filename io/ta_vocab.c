/* Vocabulary parsing from a buffer: format detection, the piece builder, plain text, and the
 * display form of pieces. The JSON formats live in ta_vocab_json.c, SentencePiece in
 * ta_vocab_spm.c, reading from a path (and model.h5) in ta_vocab_file.c. This file and those two
 * need nothing but jansson, protobuf-c and ta_error.c, so fuzzers link them alone. */
#include "io/ta_vocab.h"

#include "base/ta_error.h"
#include "io/ta_vocab_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- builder ---------------------------------------------------------------------------- */

void ta__vb_init(ta__vbuild_t *b, const char *name)
{
    memset(b, 0, sizeof *b);
    b->name = name;
}

void ta__vb_free(ta__vbuild_t *b)
{
    free(b->text);
    free(b->rec);
    b->text = NULL;
    b->rec = NULL;
}

char *ta__vb_reserve(ta__vbuild_t *b, size_t bytes)
{
    /* One NUL after every piece. */
    if (bytes >= (size_t)INT64_MAX - b->tlen ||
        ta_grow(&b->text, &b->tcap, (int64_t)(b->tlen + bytes + 1), 1) != 0) {
        TA_ERR(TA_ERESOURCE, "%s: no memory for %zu more bytes of vocabulary text", b->name, bytes);
        return NULL;
    }
    return b->text + b->tlen;
}

int ta__vb_commit(ta__vbuild_t *b, int64_t id, size_t len, uint8_t flags, int added)
{
    TA_CHECK(id >= 0 && id <= INT32_MAX, TA_EINPUT, "%s: token id %lld is out of range 0..%d",
             b->name, (long long)id, INT32_MAX);
    TA_CHECK(len <= UINT32_MAX, TA_EINPUT, "%s: token %lld is longer than 4 GiB", b->name,
             (long long)id);
    TA_CALL(ta_grow(&b->rec, &b->rcap, b->nrec + 1, sizeof *b->rec));
    b->text[b->tlen + len] = '\0';
    b->rec[b->nrec++] = (ta__vrec_t){.id = id,
                                     .off = b->tlen,
                                     .len = (uint32_t)len,
                                     .flags = flags,
                                     .added = (uint8_t)(added != 0)};
    b->tlen += len + 1;
    return 0;
}

int ta__vb_add(ta__vbuild_t *b, int64_t id, const char *s, size_t len, uint8_t flags, int added)
{
    char *dst = ta__vb_reserve(b, len);
    if (!dst)
        return ta_err_code();
    if (len)
        memcpy(dst, s, len);
    TA_CALL(ta__vb_commit(b, id, len, flags, added));
    return 0;
}

/* A short quotable form of a record's text for messages. */
static const char *rec_text(const ta__vbuild_t *b, const ta__vrec_t *r, char *buf, size_t cap)
{
    size_t len = r->len > 40 ? 40 : r->len;
    ta_utf8_display(b->text + r->off, len, buf, cap);
    return buf;
}

int ta__vb_finish(ta__vbuild_t *b, ta_vocab_t *v, const char *format)
{
    int rc = 0;
    int64_t *slot = NULL;
    TA_CHECK(b->nrec > 0, TA_EINPUT, "%s: no tokens", b->name);
    int64_t maxid = 0;
    for (int64_t i = 0; i < b->nrec; i++)
        if (b->rec[i].id > maxid)
            maxid = b->rec[i].id;
    /* Ids past nrec cannot all be placed densely: then the first missing id lies in 0..nrec, so
     * slots for 0..nrec are enough to name it and a huge id never makes a huge allocation. */
    int64_t nslot = maxid + 1 < b->nrec + 1 ? maxid + 1 : b->nrec + 1;
    slot = malloc((size_t)nslot * sizeof *slot);
    TA_CHECK_ALLOC(slot, (size_t)nslot * sizeof *slot);
    for (int64_t i = 0; i < nslot; i++)
        slot[i] = -1;
    char t1[256], t2[256];
    for (int64_t i = 0; i < b->nrec; i++) {
        const ta__vrec_t *r = &b->rec[i];
        if (r->id >= nslot)
            continue;
        int64_t prev = slot[r->id];
        if (prev >= 0) {
            const ta__vrec_t *p = &b->rec[prev];
            /* An added token confirms or replaces the vocabulary piece with its id. */
            if (r->added && !p->added) {
                ta__vrec_t *w = &b->rec[i];
                if (w->len == p->len && memcmp(b->text + w->off, b->text + p->off, w->len) == 0)
                    w->flags |= p->flags;
                slot[r->id] = i;
                continue;
            }
            TA_CHECK_GOTO(0, TA_EINPUT, out, "%s: token id %lld is given twice (\"%s\" and \"%s\")",
                          b->name, (long long)r->id, rec_text(b, p, t1, sizeof t1),
                          rec_text(b, r, t2, sizeof t2));
        }
        slot[r->id] = i;
    }
    for (int64_t id = 0; id < nslot; id++)
        TA_CHECK_GOTO(slot[id] >= 0, TA_EINPUT, out,
                      "%s: token ids are not dense: id %lld is missing (%lld tokens, largest id "
                      "%lld)",
                      b->name, (long long)id, (long long)b->nrec, (long long)maxid);
    int64_t n = nslot;
    memset(v, 0, sizeof *v);
    v->piece = malloc((size_t)n * sizeof *v->piece);
    v->len = malloc((size_t)n * sizeof *v->len);
    v->flags = malloc((size_t)n);
    if (!v->piece || !v->len || !v->flags) {
        ta_vocab_free(v);
        TA_CHECK_GOTO(0, TA_ERESOURCE, out, "out of memory for %lld tokens", (long long)n);
    }
    for (int64_t id = 0; id < n; id++) {
        const ta__vrec_t *r = &b->rec[slot[id]];
        v->piece[id] = b->text + r->off;
        v->len[id] = r->len;
        v->flags[id] = r->flags;
    }
    v->n = n;
    v->ta__text = b->text;
    b->text = NULL;
    snprintf(v->format, sizeof v->format, "%s", format);
    snprintf(v->path, sizeof v->path, "%s", b->name);
out:
    free(slot);
    ta__vb_free(b);
    return rc;
}

void ta_vocab_free(ta_vocab_t *v)
{
    if (!v)
        return;
    free(v->piece);
    free(v->len);
    free(v->flags);
    free(v->ta__text);
    v->piece = NULL;
    v->len = NULL;
    v->flags = NULL;
    v->ta__text = NULL;
    v->n = 0;
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

size_t ta__utf8_seq(const unsigned char *s, size_t avail)
{
    /* utf8proc's decoder is strict: no overlongs, surrogates or values past U+10FFFF. */
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = avail ? utf8proc_iterate(s, (utf8proc_ssize_t)avail, &cp) : 0;
    return n > 0 ? (size_t)n : 0;
}

int ta__utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = ta__utf8_seq(u + i, len - i);
        if (!n) {
            if (bad_at)
                *bad_at = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

int ta__is_byte_piece(const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    return len == 6 && memcmp(s, "<0x", 3) == 0 && s[5] == '>' && s[3] && s[4] &&
           strchr(hex, s[3]) && strchr(hex, s[4]);
}

size_t ta_utf8_display(const char *s, size_t len, char *buf, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t out = 0, i = 0;
    int full = cap == 0;
    while (i < len) {
        size_t n = u[i] ? ta__utf8_seq(u + i, len - i) : 0;
        char esc[8];
        const char *src;
        size_t m;
        if (n) {
            src = s + i;
            m = n;
            i += n;
        } else {
            snprintf(esc, sizeof esc, "<0x%02X>", u[i]);
            src = esc;
            m = 6;
            i++;
        }
        if (!full && out + m < cap)
            memcpy(buf + out, src, m);
        else if (!full) {
            buf[out] = '\0';
            full = 1;
        }
        out += m;
    }
    if (!full)
        buf[out] = '\0';
    return out;
}

size_t ta_vocab_display(const ta_vocab_t *v, int64_t id, char *buf, size_t cap)
{
    TA_ASSERT(id >= 0 && id < v->n);
    return ta_utf8_display(v->piece[id], v->len[id], buf, cap);
}

int ta_vocab_display_all(const ta_vocab_t *v, char ***out)
{
    *out = NULL;
    size_t total = 0;
    for (int64_t i = 0; i < v->n; i++)
        total += ta_utf8_display(v->piece[i], v->len[i], NULL, 0) + 1;
    size_t head = (size_t)v->n * sizeof(char *);
    char **s = malloc(head + total);
    TA_CHECK_ALLOC(s, head + total);
    char *p = (char *)s + head;
    for (int64_t i = 0; i < v->n; i++) {
        s[i] = p;
        p += ta_utf8_display(v->piece[i], v->len[i], p, total - (size_t)(p - ((char *)s + head))) +
             1;
    }
    *out = s;
    return 0;
}

/* ---- plain text ------------------------------------------------------------------------- */

/* One token per line, exactly as written: the line ending (\n or \r\n) is removed, an empty line
 * is an empty token, and the newline that ends the last line does not start another token. */
static int parse_text(const char *name, const char *data, size_t len, ta_vocab_t *v)
{
    ta__vbuild_t b;
    ta__vb_init(&b, name);
    int rc = 0;
    size_t pos = 0;
    int64_t line = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t next = nl ? end + 1 : len;
        if (end > pos && data[end - 1] == '\r' && nl)
            end--;
        size_t bad;
        TA_CHECK_GOTO(ta__utf8_valid(data + pos, end - pos, &bad), TA_EINPUT, fail,
                      "%s:%lld:%zu: invalid UTF-8 (byte 0x%02X at byte offset %zu)", name,
                      (long long)line + 1, bad + 1, (unsigned char)data[pos + bad], pos + bad);
        TA_CALL_GOTO(ta__vb_add(&b, line, data + pos, end - pos, 0, 0), fail);
        line++;
        pos = next;
    }
    return ta__vb_finish(&b, v, "text");
fail:
    ta__vb_free(&b);
    return rc;
}

/* ---- detection -------------------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

int ta__vocab_is_hdf5(const char *data, size_t len)
{
    /* The superblock signature sits at offset 0, 512, 1024, 2048, ... */
    static const char sig[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    for (size_t off = 0; off + 8 <= len; off = off ? 2 * off : 512)
        if (memcmp(data + off, sig, 8) == 0)
            return 1;
    return 0;
}

/* JSON when the text starts with '{' or '[' followed by a string or the closing bracket: a text
 * vocabulary may well start with a token such as "[PAD]", which is not JSON. */
static int looks_json(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    if (i >= len || (data[i] != '{' && data[i] != '['))
        return 0;
    char close = data[i] == '{' ? '}' : ']';
    for (i++; i < len && data[i] && strchr(" \t\r\n", data[i]); i++)
        ;
    return i < len && (data[i] == '"' || data[i] == close);
}

int ta_vocab_parse(const char *name, const char *data, size_t len, ta_vocab_t *v)
{
    memset(v, 0, sizeof *v);
    TA_CHECK(len > 0, TA_EINPUT, "%s: empty file", name);
    if (ta__vocab_is_hdf5(data, len))
        return TA_ERR(TA_EINPUT,
                      "%s: an HDF5 file can only be read as a vocabulary from a path (model.h5)",
                      name);
    if (has_suffix(name, ".json") || looks_json(data, len))
        return ta__vocab_parse_tokenizer_json(name, data, len, v);
    if (has_suffix(name, ".model") || ta__vocab_looks_spm(data, len))
        return ta__vocab_parse_spm(name, data, len, v);
    return parse_text(name, data, len, v);
}
