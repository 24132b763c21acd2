#include "io/ta_assemble.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ta_assemble_copy_object(hid_t dst, const char *src_path, const char *src_obj,
                            const char *dst_obj)
{
    hid_t src = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(src_path, &src));
    int rc = 0;
    hid_t lcpl = H5I_INVALID_HID;
    TA_CHECK_GOTO(ta_h5_exists(src, src_obj), TA_EINPUT, done, "%s: object %s is missing", src_path,
                  src_obj);
    /* The destination may already hold the object when an earlier copy of the same group was
     * made (e.g. /vocab/token in a neighbours file); the first copy wins. */
    if (ta_h5_exists(dst, dst_obj))
        goto done;
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    TA_CHECK_GOTO(lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0, TA_EINTERNAL, done,
                  "H5Pcreate(link create) failed");
    TA_CHECK_GOTO(H5Ocopy(src, src_obj, dst, dst_obj, H5P_DEFAULT, lcpl) >= 0, TA_ERESOURCE, done,
                  "%s: copying %s into the assembled file failed (disk full?)", src_path, src_obj);
done:
    if (lcpl >= 0)
        H5Pclose(lcpl);
    H5Fclose(src);
    return rc;
}

typedef struct {
    char **names;
    int n;
    int64_t cap;
} name_list_t;

static herr_t collect_name(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)loc;
    (void)info;
    name_list_t *l = data;
    if (ta_grow(&l->names, &l->cap, l->n + 1, sizeof *l->names) != 0)
        return -1;
    l->names[l->n] = strdup(name);
    return l->names[l->n++] ? 0 : -1;
}

int ta_assemble_copy_root(hid_t dst, const char *src_path, const char *dst_group)
{
    hid_t src = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(src_path, &src));
    name_list_t l = {0};
    hsize_t idx = 0;
    int rc = 0;
    herr_t it = H5Literate(src, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &l);
    H5Fclose(src);
    TA_CHECK_GOTO(it >= 0, TA_ERESOURCE, done, "%s: listing the root group failed", src_path);
    for (int i = 0; i < l.n; i++) {
        char obj[1024], to[2048];
        snprintf(obj, sizeof obj, "/%s", l.names[i]);
        if (strcmp(dst_group, "/") == 0)
            snprintf(to, sizeof to, "/%s", l.names[i]);
        else
            snprintf(to, sizeof to, "%s/%s", dst_group, l.names[i]);
        TA_CALL_GOTO(ta_assemble_copy_object(dst, src_path, obj, to), done);
    }
done:
    for (int i = 0; i < l.n; i++)
        free(l.names[i]);
    free(l.names);
    return rc;
}

int ta_assemble_copy_file(const char *src, const char *dst)
{
    char *data = NULL;
    size_t len = 0;
    TA_CALL(ta_file_read_all(src, &data, &len));
    ta_outfile_t o;
    int rc = ta_outfile_open(&o, dst);
    if (rc) {
        free(data);
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    }
    if (len && fwrite(data, 1, len, o.fp) != len) {
        ta_outfile_abort(&o);
        free(data);
        return TA_ERR(TA_ERESOURCE, "%s: write failed: %s", dst, strerror(errno));
    }
    free(data);
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

int ta_assemble_copy_tsvs(const char *dir, const char *prefix, const char *dst_dir,
                          const char *new_prefix, int *copied)
{
    *copied = 0;
    DIR *d = opendir(dir);
    TA_CHECK(d != NULL, TA_EINPUT, "%s: cannot list directory: %s", dir, strerror(errno));
    size_t plen = strlen(prefix);
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= plen + 4 || strncmp(e->d_name, prefix, plen) != 0 ||
            strcmp(e->d_name + n - 4, ".tsv") != 0)
            continue;
        char src[4096], dst[4096];
        TA_CHECK_GOTO(snprintf(src, sizeof src, "%s/%s", dir, e->d_name) < (int)sizeof src &&
                          snprintf(dst, sizeof dst, "%s/%s%s", dst_dir, new_prefix,
                                   e->d_name + plen) < (int)sizeof dst,
                      TA_EINPUT, done, "%s/%s: path too long", dir, e->d_name);
        if (!ta_file_is_regular(src))
            continue;
        TA_CALL_GOTO(ta_assemble_copy_file(src, dst), done);
        (*copied)++;
    }
done:
    closedir(d);
    return rc;
}

int ta_assemble_log(const char *path, const char *fmt, ...)
{
    /* O_NONBLOCK: a FIFO put there fails to open (no reader) instead of blocking the run. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    TA_CHECK(fd >= 0, TA_EINPUT, "%s: cannot open the run log: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return TA_ERR(TA_EINPUT, "%s: the run log is not a regular file", path);
    }
    FILE *fp = fdopen(fd, "a");
    if (!fp) {
        close(fd);
        return TA_ERR(TA_ERESOURCE, "%s: cannot open the run log: %s", path, strerror(errno));
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(fp, "%s  ", stamp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    fputc('\n', fp);
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad)
        return TA_ERR(TA_ERESOURCE, "%s: writing the run log failed (disk full?)", path);
    return 0;
}
