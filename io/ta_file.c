#include "io/ta_file.h"

#include "base/ta_error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ta_file_read_all(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    TA_CHECK(fp, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return TA_ERR(TA_EINPUT, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    char *buf = ta_malloc(n + 1);
    if (!buf) {
        fclose(fp);
        return TA_ERESOURCE;
    }
    size_t got = n ? fread(buf, 1, n, fp) : 0;
    int err = ferror(fp);
    fclose(fp);
    if (got != n || err) {
        free(buf);
        return TA_ERR(TA_EINPUT, "%s: read error after %zu of %zu bytes", path, got, n);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int ta_file_size(const char *path, int64_t *size)
{
    struct stat st;
    TA_CHECK(stat(path, &st) == 0, TA_EINPUT, "%s: %s", path, strerror(errno));
    *size = (int64_t)st.st_size;
    return 0;
}

int ta_file_is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ta_file_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ta_file_sha256(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY);
    TA_CHECK(fd >= 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum { BUF = 1 << 20 };
    unsigned char *buf = malloc(BUF);
    int rc = 0;
    if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = TA_ERR(TA_ERESOURCE, "%s: cannot start SHA-256", path);
        goto done;
    }
    for (;;) {
        ssize_t got = read(fd, buf, BUF);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = TA_ERR(TA_EINPUT, "%s: read error: %s", path, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)got);
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
done:
    free(buf);
    EVP_MD_CTX_free(ctx);
    close(fd);
    return rc;
}

int ta_file_mkdirs(const char *path)
{
    char buf[4096];
    TA_CHECK(strlen(path) < sizeof buf, TA_EINPUT, "%s: path too long", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return TA_ERR(TA_EINPUT, "%s: cannot create directory: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return TA_ERR(TA_EINPUT, "%s: cannot create directory: %s", buf, strerror(errno));
    TA_CHECK(ta_file_is_dir(buf), TA_EINPUT, "%s: exists and is not a directory", buf);
    return 0;
}

int ta_outfile_open(ta_outfile_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    TA_CHECK(strlen(path) < sizeof o->path, TA_EINPUT, "%s: path too long", path);
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->fp = fopen(o->tmp, "wb");
    TA_CHECK(o->fp, TA_EINPUT, "%s: cannot create: %s", o->tmp, strerror(errno));
    return 0;
}

int ta_outfile_commit(ta_outfile_t *o)
{
    int bad = fflush(o->fp) != 0 || ferror(o->fp);
    int e = errno;
    if (!bad)
        fsync(fileno(o->fp));
    bad |= fclose(o->fp) != 0;
    o->fp = NULL;
    if (bad) {
        unlink(o->tmp);
        return TA_ERR(e == ENOSPC ? TA_ERESOURCE : TA_EINPUT, "%s: write failed: %s", o->path,
                      strerror(e));
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        unlink(o->tmp);
        return TA_ERR(TA_EINPUT, "%s: cannot rename from %s: %s", o->path, o->tmp, strerror(e));
    }
    return 0;
}

void ta_outfile_abort(ta_outfile_t *o)
{
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp[0])
        unlink(o->tmp);
}

void ta_tsv_put_escaped(FILE *fp, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        const char *esc = c == '\t'   ? "\\t"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\\' ? "\\\\"
                                      : NULL;
        if (esc)
            fputs(esc, fp);
        else
            fputc(c, fp);
    }
}
