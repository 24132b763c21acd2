/* Reading a vocabulary from a path: a tokenatlas model.h5 (its /vocab) through HDF5, any other
 * file through ta_vocab_parse. */
#include "io/ta_vocab.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_vocab_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- model.h5 --------------------------------------------------------------------------- */

/* A byte of a BYTES piece that is not valid UTF-8 is stored as <0xNN> (NN >= 80, since ASCII is
 * always valid); those are turned back into the byte. */
static size_t unescape_bytes(const char *s, size_t len, char *dst)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (i + 6 <= len && ta__is_byte_piece(s + i, 6) && s[i + 3] >= '8') {
            dst[o++] = (char)((strchr(hex, s[i + 3]) - hex) * 16 + (strchr(hex, s[i + 4]) - hex));
            i += 6;
        } else
            dst[o++] = s[i++];
    }
    return o;
}

static int read_h5(const char *path, ta_vocab_t *v)
{
    int rc = 0;
    hid_t f = H5I_INVALID_HID;
    char **tok = NULL;
    int64_t n = 0;
    uint8_t *flags = NULL;
    ta__vbuild_t b;
    ta__vb_init(&b, path);
    TA_CALL_GOTO(ta_h5_open_read(path, &f), out);
    TA_CHECK_GOTO(ta_h5_exists(f, "/vocab/token") > 0, TA_EINPUT, out,
                  "%s: no /vocab/token dataset (not a tokenatlas model file with a vocabulary)",
                  path);
    TA_CALL_GOTO(ta_h5_read_strings(f, path, "/vocab/token", &tok, &n), out);
    flags = calloc((size_t)(n ? n : 1), 1);
    TA_CHECK_GOTO(flags, TA_ERESOURCE, out, "out of memory");
    if (ta_h5_exists(f, "/vocab/flags") > 0) {
        int nd;
        int64_t dims[2];
        TA_CALL_GOTO(ta_h5_dims(f, path, "/vocab/flags", &nd, dims), out);
        TA_CHECK_GOTO(nd == 1 && dims[0] == n, TA_EINPUT, out,
                      "%s: /vocab/flags has %lld rows, /vocab/token %lld", path, (long long)dims[0],
                      (long long)n);
        if (n)
            TA_CALL_GOTO(ta_h5_read_rows(f, path, "/vocab/flags", TA_ELEM_U8, 0, n, flags), out);
    }
    for (int64_t i = 0; i < n; i++) {
        size_t l = strlen(tok[i]);
        char *dst = ta__vb_reserve(&b, l);
        TA_CHECK_GOTO(dst, TA_ERESOURCE, out, "out of memory");
        size_t bad;
        if (flags[i] & TA_PIECE_BYTES)
            l = unescape_bytes(tok[i], l, dst);
        else {
            TA_CHECK_GOTO(ta__utf8_valid(tok[i], l, &bad), TA_EINPUT, out,
                          "%s: /vocab/token[%lld]: invalid UTF-8 at byte %zu", path, (long long)i,
                          bad);
            memcpy(dst, tok[i], l);
        }
        TA_CALL_GOTO(ta__vb_commit(&b, i, l, flags[i], 0), out);
    }
    rc = ta__vb_finish(&b, v, "model.h5");
out:
    ta__vb_free(&b);
    if (tok)
        ta_h5_free_strings(tok, n);
    free(flags);
    if (f >= 0)
        H5Fclose(f);
    return rc;
}

int ta_vocab_read(const char *path, ta_vocab_t *v)
{
    memset(v, 0, sizeof *v);
    char head[8 + 1];
    int fd;
    TA_CALL(ta_file_open_read(path, &fd, NULL));
    ssize_t got = read(fd, head, 8);
    close(fd);
    if (got == 8 && ta__vocab_is_hdf5(head, 8))
        return read_h5(path, v);
    /* An HDF5 user block puts the signature at 512, 1024, ...: ta_vocab_parse sees those. */
    char *data = NULL;
    size_t len = 0;
    TA_CALL(ta_file_read_all(path, &data, &len));
    if (ta__vocab_is_hdf5(data, len)) {
        free(data);
        return read_h5(path, v);
    }
    int rc = ta_vocab_parse(path, data, len, v);
    free(data);
    return rc;
}
