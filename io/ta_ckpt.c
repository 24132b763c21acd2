#include "io/ta_ckpt.h"

#include "base/ta_error.h"
#include "base/ta_rand.h"
#include "io/ta_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[8] = {'T', 'A', 'C', 'K', 'P', 'T', '0', '3'};

/* The checksum closing a data file: FNV-1a 64 of each part, mixed in order (a data file
 * overwritten with other bytes of the same sizes is refused, not resumed from). */
static uint64_t parts_sum(const ta_ckpt_part_t *parts, int nparts)
{
    uint64_t h = TA_FNV1A_BASIS;
    for (int p = 0; p < nparts; p++)
        h = ta_fnv1a_mix(h, ta_fnv1a(parts[p].data, parts[p].size));
    return h;
}

enum { PATH_CAP = 4200 };

static int file_path(char *buf, const char *dir, const char *name)
{
    int n = snprintf(buf, PATH_CAP, "%s/%s", dir, name);
    TA_CHECK(n > 0 && n < PATH_CAP, TA_EINPUT, "%s: checkpoint path too long", dir);
    return 0;
}

int ta_ckpt_begin(const char *dir)
{
    char path[PATH_CAP];
    TA_CALL(file_path(path, dir, "MANIFEST"));
    TA_CALL(ta_file_mkdirs(dir));
    TA_CHECK(unlink(path) == 0 || errno == ENOENT, TA_EINPUT, "%s: cannot remove: %s", path,
             strerror(errno));
    return 0;
}

int ta_ckpt_write(const char *dir, const char *name, const char *fingerprint, const char *state,
                  const ta_ckpt_part_t *parts, int nparts)
{
    char path[PATH_CAP];
    TA_CALL(file_path(path, dir, name));
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    uint64_t fl = strlen(fingerprint), sl = strlen(state), hl = fl + sl;
    int bad = fwrite(magic, 1, sizeof magic, o.fp) != sizeof magic;
    bad |= fwrite(&hl, sizeof hl, 1, o.fp) != 1;
    bad |= fwrite(fingerprint, 1, fl, o.fp) != fl || fwrite(state, 1, sl, o.fp) != sl;
    for (int p = 0; p < nparts && !bad; p++) {
        uint64_t sz = parts[p].size;
        bad |= fwrite(&sz, sizeof sz, 1, o.fp) != 1;
        bad |= sz && fwrite(parts[p].data, 1, sz, o.fp) != sz;
    }
    uint64_t sum = parts_sum(parts, nparts);
    bad |= fwrite(&sum, sizeof sum, 1, o.fp) != 1;
    if (bad) {
        int e = errno;
        ta_outfile_abort(&o);
        return TA_ERR(ta_file_write_errc(e), "%s: cannot write checkpoint: %s", path, strerror(e));
    }
    return ta_outfile_commit(&o);
}

/* The rename of the manifest reaches the disk with its directory entry. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int ta_ckpt_commit(const char *dir, const char *fingerprint, const char *state)
{
    char path[PATH_CAP];
    TA_CALL(file_path(path, dir, "MANIFEST"));
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    if (fputs(fingerprint, o.fp) < 0 || fputs(state, o.fp) < 0) {
        int e = errno;
        ta_outfile_abort(&o);
        return TA_ERR(ta_file_write_errc(e), "%s: cannot write: %s", path, strerror(e));
    }
    TA_CALL(ta_outfile_commit(&o));
    sync_dir(dir);
    return 0;
}

static size_t line_len(const char *s)
{
    const char *e = strchr(s, '\n');
    return e ? (size_t)(e - s) : strlen(s);
}

/* The manifest m must start with the fingerprint's lines; *rest = what follows them. */
static int match_fingerprint(const char *dir, const char *m, const char *fingerprint,
                             const char **rest)
{
    const char *a = m, *b = fingerprint;
    while (*b) {
        size_t la = line_len(a), lb = line_len(b);
        TA_CHECK(*a, TA_EINPUT,
                 "%s: checkpoint of another run: its fingerprint ends before this run's line "
                 "'%.*s'; remove the directory to start afresh",
                 dir, (int)lb, b);
        TA_CHECK(la == lb && memcmp(a, b, la) == 0, TA_EINPUT,
                 "%s: checkpoint of another run: its line '%.*s' differs from this run's '%.*s' "
                 "(inputs or parameters changed); remove the directory to start afresh",
                 dir, (int)la, a, (int)lb, b);
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
    *rest = a;
    return 0;
}

int ta_ckpt_open(const char *dir, const char *fingerprint, char **state)
{
    char path[PATH_CAP];
    *state = NULL;
    TA_CALL(file_path(path, dir, "MANIFEST"));
    if (!ta_file_is_regular(path))
        return 0;
    char *m = NULL;
    size_t len = 0;
    TA_CALL(ta_file_read_all(path, &m, &len));
    const char *rest = NULL;
    /* Every line the writer puts there ends in a newline: a manifest without one was cut. */
    int rc = len > 0 && m[len - 1] == '\n'
                 ? match_fingerprint(dir, m, fingerprint, &rest)
                 : TA_ERR(TA_EINPUT,
                          "%s: damaged checkpoint: its MANIFEST is cut short; remove the "
                          "directory to start afresh",
                          dir);
    if (!rc) {
        *state = ta_malloc(strlen(rest) + 1);
        if (*state)
            memcpy(*state, rest, strlen(rest) + 1);
        else
            rc = TA_ERR(TA_ERESOURCE, "out of memory reading %s", path);
    }
    free(m);
    return rc;
}

/* The data file's header: the magic, then fingerprint and state as written. */
static int read_header(FILE *fp, const char *path, const char *fingerprint, const char *state)
{
    char m[8];
    uint64_t hl = 0;
    size_t fl = strlen(fingerprint), sl = strlen(state);
    TA_CHECK(fread(m, 1, 8, fp) == 8 && memcmp(m, magic, 6) == 0, TA_EINPUT,
             "%s: not a tokenatlas checkpoint file (no checkpoint magic)", path);
    TA_CHECK(memcmp(m + 6, magic + 6, 2) == 0, TA_EINPUT,
             "%s: checkpoint format version %.2s, this tokenatlas reads version %.2s; remove the "
             "directory to start afresh",
             path, m + 6, magic + 6);
    TA_CHECK(fread(&hl, sizeof hl, 1, fp) == 1 && hl == fl + sl, TA_EINPUT,
             "%s: written for another checkpoint (its header differs from the manifest)", path);
    char *h = ta_malloc(hl + 1);
    TA_CHECK_ALLOC(h, hl + 1);
    int same = fread(h, 1, hl, fp) == hl && memcmp(h, fingerprint, fl) == 0 &&
               memcmp(h + fl, state, sl) == 0;
    free(h);
    TA_CHECK(same, TA_EINPUT,
             "%s: written for another checkpoint (its header differs from the manifest)", path);
    return 0;
}

int ta_ckpt_read(const char *dir, const char *name, const char *fingerprint, const char *state,
                 const ta_ckpt_part_t *parts, int nparts)
{
    char path[PATH_CAP];
    TA_CALL(file_path(path, dir, name));
    int fd;
    TA_CALL(ta_file_open_read(path, &fd, NULL));
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        return TA_ERR(TA_ERESOURCE, "%s: cannot open checkpoint file: %s", path, strerror(errno));
    }
    int rc = read_header(fp, path, fingerprint, state);
    for (int p = 0; p < nparts && !rc; p++) {
        uint64_t sz = 0;
        if (fread(&sz, sizeof sz, 1, fp) != 1 || sz != parts[p].size ||
            (sz && fread(parts[p].data, 1, sz, fp) != sz))
            rc =
                TA_ERR(TA_EINPUT, "%s: checkpoint part %d truncated or of the wrong size", path, p);
    }
    uint64_t sum = 0;
    if (!rc && (fread(&sum, sizeof sum, 1, fp) != 1 || sum != parts_sum(parts, nparts) ||
                fgetc(fp) != EOF))
        rc = TA_ERR(TA_EINPUT,
                    "%s: checksum mismatch: the checkpoint data is damaged; remove the directory "
                    "to start afresh",
                    path);
    fclose(fp);
    return rc;
}

void ta_ckpt_remove(const char *dir)
{
    char path[PATH_CAP];
    if (file_path(path, dir, "MANIFEST") != 0) {
        ta_err_clear();
        return;
    }
    unlink(path);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0 &&
            file_path(path, dir, ent->d_name) == 0)
            unlink(path);
    closedir(d);
    rmdir(dir);
}

int ta_ckpt_file_stamp(const char *path, char *buf, size_t cap)
{
    struct stat st;
    TA_CHECK(stat(path, &st) == 0, TA_EINPUT, "%s: %s", path, strerror(errno));
    snprintf(buf, cap, "size %lld mtime %lld.%09ld", (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    return 0;
}
