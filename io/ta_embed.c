/* Embedding readers: opening a source (a model directory, a single file recognised by its magic,
 * FILE.h5:/dataset), HDF5 datasets, and reading rows. Headers are validated when opening; rows
 * are read with pread() through a small bounce buffer, so that reading a tensor never needs more
 * memory than its f32 rows, and converted to f32 on the way (F16 exactly, including subnormals,
 * Inf and NaN; BF16 by widening; F64 rounded to nearest). The formats: io/ta_safetensors.c,
 * io/ta_npy.c; choosing the tensor: io/ta_embed_find.c. */
#include "io/ta_embed_int.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * Element conversion */

typedef union {
    uint32_t u;
    float f;
} ta__fu_t;

/* IEEE half -> single, exact (F. Giesen's branch-light method): the exponent is rebiased; Inf
 * and NaN keep an all-ones exponent; subnormals are renormalised by one float subtraction. */
static inline float half_to_float(uint16_t h)
{
    const ta__fu_t magic = {.u = 113u << 23};
    const uint32_t shifted_exp = 0x7c00u << 13;
    ta__fu_t o;
    o.u = (uint32_t)(h & 0x7fffu) << 13;
    uint32_t exp = shifted_exp & o.u;
    o.u += (uint32_t)(127 - 15) << 23;
    if (exp == shifted_exp)
        o.u += (uint32_t)(128 - 16) << 23;
    else if (exp == 0) {
        o.u += 1u << 23;
        o.f -= magic.f;
    }
    o.u |= (uint32_t)(h & 0x8000u) << 16;
    return o.f;
}

/* n stored elements of type dt (byte-swapped when swap) at src into f32 at dst. */
static void convert(int dt, int swap, const unsigned char *src, float *dst, size_t n)
{
    switch (dt) {
    case TA__DT_F32:
        for (size_t i = 0; i < n; i++) {
            uint32_t u;
            memcpy(&u, src + 4 * i, 4);
            u = swap ? __builtin_bswap32(u) : u;
            memcpy(dst + i, &u, 4);
        }
        break;
    case TA__DT_F16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            dst[i] = half_to_float(swap ? __builtin_bswap16(h) : h);
        }
        break;
    case TA__DT_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            ta__fu_t o = {.u = (uint32_t)h << 16};
            dst[i] = o.f;
        }
        break;
    case TA__DT_F64:
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            memcpy(&u, src + 8 * i, 8);
            u = swap ? __builtin_bswap64(u) : u;
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
        }
        break;
    default:
        TA_ASSERT(0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Files */

int ta__pread_full(int fd, const char *path, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        TA_CHECK(r >= 0, TA_EINPUT, "%s: byte %lld: read error: %s", path,
                 (long long)(off + (int64_t)got), strerror(errno));
        TA_CHECK(r > 0, TA_EINPUT, "%s: byte %lld: unexpected end of file (truncated)", path,
                 (long long)(off + (int64_t)got));
        got += (size_t)r;
    }
    return 0;
}

int ta__ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * HDF5 datasets */

/* Opens path for reading dset, or (dset NULL) a complete tokenatlas model file's /embeddings. */
static int h5_open_file(const char *path, const char **dset, ta__embed_impl_t *m)
{
    TA_CHECK(access(path, R_OK) == 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    TA_CHECK(H5Fis_hdf5(path) > 0, TA_EINPUT, "%s: not an HDF5 file", path);
    if (*dset) {
        m->h5 = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        TA_CHECK(m->h5 >= 0, TA_EINPUT, "%s: cannot open HDF5 file", path);
        return 0;
    }
    /* A tokenatlas model file: only complete ones are results. Other HDF5 files need the
     * dataset named. */
    if (!ta_h5_is_complete(path)) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        int has = f >= 0 && ta_h5_exists(f, "/embeddings");
        if (f >= 0)
            H5Fclose(f);
        TA_CHECK(has, TA_EINPUT,
                 "%s: HDF5 file without /embeddings: name the dataset as %s:/DATASET", path, path);
    }
    TA_CALL(ta_h5_open_read(path, &m->h5));
    *dset = "/embeddings";
    return 0;
}

static int h5_open(const char *path, const char *dset, ta_embed_t *e)
{
    ta__embed_impl_t *m = e->impl;
    ta_h5_quiet();
    TA_CALL(h5_open_file(path, &dset, m));
    m->kind = TA__K_H5;
    snprintf(m->dset, sizeof m->dset, "%s", dset);
    TA_CHECK(ta_h5_exists(m->h5, dset), TA_EINPUT, "%s: no dataset %s", path, dset);
    hid_t d = H5Dopen2(m->h5, dset, H5P_DEFAULT);
    TA_CHECK(d >= 0, TA_EINPUT, "%s: %s is not a dataset", path, dset);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    H5T_class_t cls = H5Tget_class(t);
    size_t tsz = H5Tget_size(t);
    int nd = H5Sget_simple_extent_ndims(s);
    hsize_t dims[8] = {0};
    if (nd >= 1 && nd <= 8)
        H5Sget_simple_extent_dims(s, dims, NULL);
    H5Tclose(t);
    H5Sclose(s);
    H5Dclose(d);
    TA_CHECK(nd == 2, TA_EINPUT, "%s: dataset %s has %d dimension%s, expected 2 (tokens x dim)",
             path, dset, nd, nd == 1 ? "" : "s");
    TA_CHECK(cls == H5T_FLOAT && (tsz == 2 || tsz == 4 || tsz == 8), TA_EINPUT,
             "%s: dataset %s: %s type of %zu bytes is not supported (need a 16/32/64-bit float)",
             path, dset, cls == H5T_INTEGER ? "integer" : "non-float", tsz);
    snprintf(e->dtype, sizeof e->dtype, "%s", tsz == 2 ? "F16" : tsz == 4 ? "F32" : "F64");
    e->rows = (int64_t)dims[0];
    e->cols = (int64_t)dims[1];
    snprintf(e->tensor, sizeof e->tensor, "%s", dset);
    snprintf(e->file, sizeof e->file, "%s", path);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Public entry points */

/* Magic-based detection of a single file. */
static int open_file(const char *path, const char *want, int64_t min_rows, ta_embed_t *e)
{
    unsigned char head[8] = {0};
    int fd;
    TA_CALL(ta_file_open_read(path, &fd, NULL));
    ssize_t got = pread(fd, head, sizeof head, 0);
    close(fd);
    if (got >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
        return ta__npy_open(path, e);
    if (got >= 8 && memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0)
        return h5_open(path, want, e);
    if (ta__ends_with(path, ".npy"))
        return ta__npy_open(path, e); /* reports the bad magic */
    if (ta__ends_with(path, ".h5") || ta__ends_with(path, ".hdf5"))
        return h5_open(path, want, e);
    return ta__st_open(path, want, min_rows, e);
}

/* FILE.h5:/dataset (the last ":/" whose left side is a file). */
static int open_dataset_spec(const char *spec, const char *tensor, ta_embed_t *e)
{
    const char *colon = NULL;
    for (const char *p = strstr(spec, ":/"); p; p = strstr(p + 1, ":/"))
        colon = p;
    char file[4096];
    if (!colon || (size_t)(colon - spec) >= sizeof file)
        return ta_file_check_regular(spec); /* says what is there instead, or that nothing is */
    memcpy(file, spec, (size_t)(colon - spec));
    file[colon - spec] = '\0';
    TA_CALL(ta_file_check_regular(file));
    return h5_open(file, tensor ? tensor : colon + 1, e);
}

int ta_embed_open_ex(const char *spec, const char *tensor, int64_t min_rows, ta_embed_t *e)
{
    memset(e, 0, sizeof *e);
    TA_CHECK(spec && *spec, TA_EINPUT, "embeddings: empty path");
    snprintf(e->spec, sizeof e->spec, "%s", spec);
    e->impl = ta_calloc(1, sizeof *e->impl);
    TA_CHECK_ALLOC(e->impl, sizeof *e->impl);
    e->impl->fd = -1;
    e->impl->h5 = H5I_INVALID_HID;
    int rc;
    if (ta_file_is_dir(spec))
        rc = ta__embed_open_dir(spec, tensor, min_rows, e);
    else if (ta_file_is_regular(spec))
        rc = open_file(spec, tensor, min_rows, e);
    else
        rc = open_dataset_spec(spec, tensor, e);
    if (rc) {
        ta_embed_close(e);
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    }
    if (e->rows <= 0 || e->cols <= 0) {
        rc = TA_ERR(TA_EINPUT, "%s: tensor %s has shape [%lld, %lld]: empty", e->file, e->tensor,
                    (long long)e->rows, (long long)e->cols);
        ta_embed_close(e);
    }
    e->stored_rows = e->rows;
    return rc;
}

int ta_embed_open(const char *spec, const char *tensor, ta_embed_t *e)
{
    TA_CALL(ta_embed_open_ex(spec, tensor, 0, e));
    return 0;
}

/* Stored rows [row0, row0+nrows). */
static int read_stored(ta_embed_t *e, int64_t row0, int64_t nrows, float *out)
{
    ta__embed_impl_t *m = e->impl;
    TA_CHECK(m && row0 >= 0 && nrows >= 0 && row0 + nrows <= e->stored_rows, TA_EINTERNAL,
             "%s: rows %lld..%lld outside the tensor's %lld rows", e->file, (long long)row0,
             (long long)(row0 + nrows), (long long)e->stored_rows);
    if (nrows == 0)
        return 0;
    if (m->kind == TA__K_H5) {
        TA_CALL(ta_h5_read_rows(m->h5, e->file, m->dset, TA_ELEM_F32, row0, nrows, out));
        return 0;
    }
    size_t total = (size_t)nrows * (size_t)e->cols;
    int64_t off = m->data_off + row0 * e->cols * m->esize;
    if (m->dt == TA__DT_F32 && !m->swap) {
        TA_CALL(ta__pread_full(m->fd, e->file, out, total * 4, off));
        return 0;
    }
    /* Other dtypes through a bounce buffer of about 4 MB: rows are partitioned into chunks of
     * whole elements, read, and converted into out. */
    size_t chunk = ((size_t)4 << 20) / (size_t)m->esize;
    unsigned char *buf = ta_malloc((total < chunk ? total : chunk) * (size_t)m->esize);
    TA_CHECK_ALLOC(buf, chunk * m->esize);
    int rc = 0;
    for (size_t done = 0; done < total;) {
        size_t n = total - done < chunk ? total - done : chunk;
        rc = ta__pread_full(m->fd, e->file, buf, n * (size_t)m->esize,
                            off + (int64_t)(done * (size_t)m->esize));
        if (rc)
            break;
        convert(m->dt, m->swap, buf, out + done, n);
        done += n;
    }
    free(buf);
    TA_CALL(rc);
    return 0;
}

int ta_embed_read_rows(ta_embed_t *e, int64_t row0, int64_t nrows, float *out)
{
    if (!e->sel)
        return read_stored(e, row0, nrows, out);
    TA_CHECK(row0 >= 0 && nrows >= 0 && row0 + nrows <= e->rows, TA_EINTERNAL,
             "%s: rows %lld..%lld outside the %lld selected rows", e->file, (long long)row0,
             (long long)(row0 + nrows), (long long)e->rows);
    /* Runs of consecutive stored rows, one read each. */
    for (int64_t i = row0; i < row0 + nrows;) {
        int64_t j = i + 1;
        while (j < row0 + nrows && e->sel[j] == e->sel[j - 1] + 1)
            j++;
        TA_CALL(read_stored(e, e->sel[i], j - i, out + (i - row0) * e->cols));
        i = j;
    }
    return 0;
}

int ta_embed_select(ta_embed_t *e, const int64_t *ids, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        TA_CHECK(ids[i] >= 0 && ids[i] < e->stored_rows, TA_EINTERNAL,
                 "%s: selected row %lld outside the tensor's %lld rows", e->file, (long long)ids[i],
                 (long long)e->stored_rows);
    int64_t *sel = ta_malloc((size_t)(n > 0 ? n : 1) * sizeof *sel);
    TA_CHECK_ALLOC(sel, (size_t)n * sizeof *sel);
    memcpy(sel, ids, (size_t)n * sizeof *sel);
    free(e->sel);
    e->sel = sel;
    e->rows = n;
    return 0;
}

void ta_embed_close(ta_embed_t *e)
{
    if (!e)
        return;
    free(e->sel);
    e->sel = NULL;
    if (!e->impl)
        return;
    if (e->impl->fd >= 0)
        close(e->impl->fd);
    if (e->impl->h5 >= 0)
        H5Fclose(e->impl->h5);
    free(e->impl);
    e->impl = NULL;
}
