/* Shared body of the vocabulary fuzz harnesses: parse, and when the input is accepted check the
 * invariants every reader promises (pieces NUL-terminated at their length, flags known, display
 * strings valid UTF-8 without NUL). A violated invariant aborts, which libFuzzer reports. */
#ifndef FUZZ_VOCAB_COMMON_H
#define FUZZ_VOCAB_COMMON_H

#include "base/ta_error.h"
#include "io/ta_vocab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A strict UTF-8 check written apart from the reader's own. */
static int fuzz_utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!k || i + k > n || c == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4)
            return 0;
        uint32_t cp = k == 1 ? c : c & (0x7Fu >> k);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3Fu);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k;
    }
    return 1;
}

static void fuzz_vocab_one(const char *name, const uint8_t *data, size_t size)
{
    ta_vocab_t v;
    if (ta_vocab_parse(name, (const char *)data, size, &v) != 0) {
        ta_err_clear();
        return;
    }
    if (v.n <= 0)
        abort();
    for (int64_t i = 0; i < v.n; i++) {
        if (v.piece[i][v.len[i]] != '\0' || (v.flags[i] & ~0x0Fu))
            abort();
        if (!(v.flags[i] & TA_PIECE_BYTES) &&
            !fuzz_utf8_ok((const unsigned char *)v.piece[i], v.len[i]) &&
            memchr(v.piece[i], 0, v.len[i]) == NULL)
            abort();
    }
    char **disp = NULL;
    if (ta_vocab_display_all(&v, &disp) == 0) {
        for (int64_t i = 0; i < v.n; i++)
            if (!fuzz_utf8_ok((const unsigned char *)disp[i], strlen(disp[i])))
                abort();
        free(disp);
    } else {
        ta_err_clear();
    }
    ta_vocab_free(&v);
}

#endif
