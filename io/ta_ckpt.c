#include "io/ta_ckpt.h"

#include "base/ta_error.h"
#include "io/ta_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[8] = {'T', 'A', 'C', 'K', 'P', 'T', '0', '1'};

static void rank_path(char *buf, size_t cap, const char *dir, int rank)
{
    snprintf(buf, cap, "%s/rank-%d.bin", dir, rank);
}

int ta_ckpt_write_rank(const char *dir, int rank, const char *header, const void *const *parts,
                       const size_t *sizes, int nparts)
{
    char path[4200];
    rank_path(path, sizeof path, dir, rank);
    TA_CALL(ta_file_mkdirs(dir));
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    uint64_t hl = strlen(header);
    int bad = fwrite(magic, 1, sizeof magic, o.fp) != sizeof magic;
    bad |= fwrite(&hl, sizeof hl, 1, o.fp) != 1;
    bad |= fwrite(header, 1, hl, o.fp) != hl;
    for (int p = 0; p < nparts && !bad; p++) {
        uint64_t sz = sizes[p];
        bad |= fwrite(&sz, sizeof sz, 1, o.fp) != 1;
        bad |= sz && fwrite(parts[p], 1, sz, o.fp) != sz;
    }
    if (bad) {
        int e = errno;
        ta_outfile_abort(&o);
        return TA_ERR(e == ENOSPC ? TA_ERESOURCE : TA_EINPUT, "%s: cannot write checkpoint: %s",
                      path, strerror(e));
    }
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

int ta_ckpt_read_rank(const char *dir, int rank, const char *header, void *const *parts,
                      const size_t *sizes, int nparts)
{
    char path[4200];
    rank_path(path, sizeof path, dir, rank);
    FILE *fp = fopen(path, "rb");
    TA_CHECK(fp, TA_EINPUT, "%s: cannot open checkpoint file: %s", path, strerror(errno));
    char m[8];
    uint64_t hl = 0;
    int rc = 0;
    char *h = NULL;
    if (fread(m, 1, 8, fp) != 8 || memcmp(m, magic, 8) != 0 || fread(&hl, sizeof hl, 1, fp) != 1 ||
        hl != strlen(header)) {
        rc = TA_ERR(TA_EINPUT, "%s: not a checkpoint of this run (header differs)", path);
        goto done;
    }
    h = ta_malloc(hl + 1);
    if (!h) {
        rc = TA_ERESOURCE;
        goto done;
    }
    if (fread(h, 1, hl, fp) != hl || memcmp(h, header, hl) != 0) {
        rc = TA_ERR(TA_EINPUT, "%s: not a checkpoint of this run (header differs)", path);
        goto done;
    }
    for (int p = 0; p < nparts; p++) {
        uint64_t sz = 0;
        if (fread(&sz, sizeof sz, 1, fp) != 1 || sz != sizes[p] ||
            (sz && fread(parts[p], 1, sz, fp) != sz)) {
            rc =
                TA_ERR(TA_EINPUT, "%s: checkpoint part %d truncated or of the wrong size", path, p);
            goto done;
        }
    }
done:
    free(h);
    fclose(fp);
    return rc;
}

int ta_ckpt_write_manifest(const char *dir, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    TA_CALL(ta_file_mkdirs(dir));
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    fputs(text, o.fp);
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

void ta_ckpt_remove_manifest(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    unlink(path);
}

int ta_ckpt_read_manifest(const char *dir, char **text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    *text = NULL;
    if (!ta_file_is_regular(path))
        return 0;
    size_t len;
    TA_CALL(ta_file_read_all(path, text, &len));
    return 0;
}

void ta_ckpt_remove(const char *dir, int nranks)
{
    char path[4200];
    ta_ckpt_remove_manifest(dir);
    for (int r = 0; r < nranks; r++) {
        rank_path(path, sizeof path, dir, r);
        unlink(path);
    }
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
