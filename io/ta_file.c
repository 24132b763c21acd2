#include "io/ta_file.h"

#include "base/ta_error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ta_file_kind(unsigned mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

/* Why a file could not be opened, for messages. */
static const char *open_error(int e)
{
    return e == ENOENT   ? "no such file or directory"
           : e == EACCES ? "cannot open: permission denied"
                         : strerror(e);
}

int ta_file_check_regular(const char *path)
{
    struct stat st;
    TA_CHECK(stat(path, &st) == 0, TA_EINPUT, "%s: %s", path, open_error(errno));
    TA_CHECK(S_ISREG(st.st_mode), TA_EINPUT, "%s: is %s, not a regular file", path,
             ta_file_kind(st.st_mode));
    TA_CHECK(access(path, R_OK) == 0, TA_EINPUT, "%s: %s", path, open_error(errno));
    return 0;
}

int ta_file_open_read(const char *path, int *fd, int64_t *size)
{
    /* O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one
     * (a signal would not end that wait: the handlers restart system calls). */
    *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    TA_CHECK(*fd >= 0, TA_EINPUT, "%s: %s", path, open_error(errno));
    struct stat st;
    int ok = fstat(*fd, &st) == 0;
    if (!ok || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(*fd);
        *fd = -1;
        if (!ok)
            return TA_ERR(TA_EINPUT, "%s: cannot open: %s", path, strerror(e));
        return TA_ERR(TA_EINPUT, "%s: is %s, not a regular file", path, ta_file_kind(st.st_mode));
    }
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    if (size)
        *size = (int64_t)st.st_size;
    return 0;
}

int ta_file_read_all(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd;
    int64_t size;
    TA_CALL(ta_file_open_read(path, &fd, &size));
    size_t n = (size_t)size, got = 0;
    char *buf = ta_malloc(n + 1);
    if (!buf) {
        close(fd);
        return TA_ERR(TA_ERESOURCE, "%s: out of memory for its %zu bytes", path, n);
    }
    int e = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = r < 0 ? errno : 0;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        free(buf);
        return TA_ERR(TA_EINPUT, "%s: read error after %zu of %zu bytes%s%s", path, got, n,
                      e ? ": " : " (file shrank while read)", e ? strerror(e) : "");
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
    int fd;
    TA_CALL(ta_file_open_read(path, &fd, NULL));
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

/* The inputs of this process (device and inode), which no output may replace. */
typedef struct {
    dev_t dev;
    ino_t ino;
    char *path;
} protected_t;
static protected_t *prot;
static int64_t nprot, capprot;

void ta_file_protect(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return; /* the input's reader reports it; directories are never outputs */
    for (int64_t i = 0; i < nprot; i++)
        if (prot[i].dev == st.st_dev && prot[i].ino == st.st_ino)
            return;
    char *p = strdup(path);
    if (!p || ta_grow(&prot, &capprot, nprot + 1, sizeof *prot) != 0) {
        free(p);
        ta_err_clear(); /* out of memory: the guard is skipped, nothing else changes */
        return;
    }
    prot[nprot++] = (protected_t){st.st_dev, st.st_ino, p};
}

void ta_file_protect_reset(void)
{
    for (int64_t i = 0; i < nprot; i++)
        free(prot[i].path);
    nprot = 0;
}

int ta_file_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    /* One does not exist yet: the same name in the same directory. */
    char *ca = NULL, *cb = NULL;
    for (int i = 0; i < 2; i++) {
        const char *p = i ? b : a;
        const char *slash = strrchr(p, '/');
        char *dir = slash ? strndup(p, slash == p ? 1 : (size_t)(slash - p)) : strdup(".");
        char *real = dir ? realpath(dir, NULL) : NULL;
        char *c = NULL;
        if (real && asprintf(&c, "%s/%s", real, slash ? slash + 1 : p) < 0)
            c = NULL;
        free(dir);
        free(real);
        *(i ? &cb : &ca) = c;
    }
    int same = ca && cb && strcmp(ca, cb) == 0;
    free(ca);
    free(cb);
    return same;
}

int ta_file_check_output(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* a new file (a missing directory is reported when it is created) */
    TA_CHECK(S_ISREG(st.st_mode), TA_EINPUT, "%s: is %s; the output must be a regular file", path,
             ta_file_kind(st.st_mode));
    for (int64_t i = 0; i < nprot; i++)
        TA_CHECK(prot[i].dev != st.st_dev || prot[i].ino != st.st_ino, TA_EINPUT,
                 "%s: is the input %s; write the output to another file", path, prot[i].path);
    return 0;
}

int ta_file_create_tmp(const char *tmp, int *fd)
{
    /* A stale temporary file, or a link someone left under its name, is removed, never written
     * through. */
    if (unlink(tmp) != 0 && errno != ENOENT)
        return TA_ERR(TA_EINPUT, "%s: cannot replace: %s", tmp, strerror(errno));
    *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    TA_CHECK(*fd >= 0, ta_file_write_errc(errno), "%s: cannot create: %s", tmp, strerror(errno));
    return 0;
}

int ta_file_write_errc(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG ? TA_ERESOURCE : TA_EINPUT;
}

int ta_outfile_open(ta_outfile_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    TA_CHECK(strlen(path) < sizeof o->path, TA_EINPUT, "%s: path too long", path);
    TA_CALL(ta_file_check_output(path));
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd;
    TA_CALL(ta_file_create_tmp(o->tmp, &fd));
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp);
        return TA_ERR(TA_ERESOURCE, "%s: cannot create: %s", o->tmp, strerror(errno));
    }
    return 0;
}

/* Files whose rename waits for ta_outfile_release (ta_outfile_hold). */
static int holding;
static char (*held)[2][4096 + 32];
static int64_t nheld, capheld;

void ta_outfile_hold(void)
{
    holding = 1;
}

/* Local. Renames a finished temporary file to its output path; on failure the temporary file is
 * removed. */
static int rename_tmp(const char *tmp, const char *path)
{
    if (rename(tmp, path) == 0)
        return 0;
    int e = errno;
    unlink(tmp);
    return TA_ERR(TA_EINPUT, "%s: cannot rename from %s: %s", path, tmp, strerror(e));
}

int ta_outfile_release(int publish)
{
    int rc = 0;
    for (int64_t i = 0; i < nheld; i++) {
        if (publish && !rc)
            rc = rename_tmp(held[i][0], held[i][1]);
        else
            unlink(held[i][0]);
    }
    nheld = 0;
    holding = 0;
    return rc;
}

int ta_outfile_commit(ta_outfile_t *o)
{
    int bad = fflush(o->fp) != 0 || ferror(o->fp);
    int e = errno;
    if (!bad && fsync(fileno(o->fp)) != 0) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->fp = NULL;
    if (bad) {
        unlink(o->tmp);
        return TA_ERR(ta_file_write_errc(e), "%s: write failed: %s", o->path, strerror(e));
    }
    if (holding) {
        if (ta_grow(&held, &capheld, nheld + 1, sizeof *held) != 0) {
            unlink(o->tmp);
            return TA_ERESOURCE;
        }
        snprintf(held[nheld][0], sizeof held[0][0], "%s", o->tmp);
        snprintf(held[nheld][1], sizeof held[0][1], "%s", o->path);
        nheld++;
        return 0;
    }
    return rename_tmp(o->tmp, o->path);
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
