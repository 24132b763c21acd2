#include "io/ta_h5.h"

#include "base/ta_error.h"
#include "kernels/ta_utf8.h"
#include "io/ta_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define TA_H5_CHECK(expr, ...) TA_CHECK((expr) >= 0, TA_EINTERNAL, __VA_ARGS__)

/* H5Ewalk2 callback: found when an error of the stack names an exhausted disk or limit. */
static herr_t names_no_space(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    static const char *const words[] = {"No space left", "Disk quota",  "File too large",
                                        "errno = 28",    "errno = 122", "errno = 27"};
    for (size_t i = 0; e->desc && i < sizeof words / sizeof *words; i++)
        if (strstr(e->desc, words[i]))
            *(int *)data = 1;
    return 0;
}

/* The file of loc and the free bytes of its file system (ULLONG_MAX when unknown); 1 when
 * the file system counts as full (less than 1 MiB or no inode left). */
static int free_space(hid_t loc, char *file, size_t cap, unsigned long long *left)
{
    char dir[4096] = ".";
    *left = ULLONG_MAX;
    if (H5Fget_name(loc, file, cap) <= 0)
        snprintf(file, cap, "(HDF5 file)");
    const char *slash = strrchr(file, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash > file ? slash - file : 1), file);
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0)
        return 0;
    *left = (unsigned long long)fs.f_bavail * fs.f_frsize;
    return *left < (1ull << 20) || (fs.f_files > 0 && fs.f_favail == 0);
}

int ta_h5_check_room(hid_t loc, const char *name, int64_t bytes)
{
    char file[4096];
    unsigned long long left;
    int full = free_space(loc, file, sizeof file, &left);
    if (left == ULLONG_MAX)
        return 0;
    TA_CHECK(!full && (unsigned long long)bytes <= left - (1ull << 20), TA_ERESOURCE,
             "%s: %lld bytes to write for %s, %llu free: the disk is full", file, (long long)bytes,
             name, left);
    return 0;
}

int ta_h5_create_failed(hid_t loc, const char *what, const char *name)
{
    /* The stack first: the calls below clear it. */
    int nospace = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, names_no_space, &nospace);
    /* MPI-IO reports ENOSPC as a generic I/O error: a file system with less than a MiB (or no
     * inode) left is taken as full too. */
    char file[4096];
    unsigned long long left;
    nospace |= free_space(loc, file, sizeof file, &left);
    if (nospace)
        return TA_ERR(TA_ERESOURCE, "%s: %s %s: the disk is full (%llu bytes free)", file, what,
                      name, left);
    return TA_ERR(TA_EINTERNAL, "%s: %s %s", file, what, name);
}

void ta_h5_quiet(void)
{
    /* No exit handler: ta_h5_shutdown decides whether the library can be closed. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void ta_h5_shutdown(void)
{
    /* Every file is closed by now unless a close failed (a full disk): HDF5 then holds a file
     * it can neither flush nor free, and closing the library crashes in it. The process is
     * about to exit, which frees it all; the file was a temporary one and is removed. */
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE) == 0)
        H5close();
}

hid_t ta_h5_fapl_new(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* The 1.8 format keeps files readable by every h5py and h5dump users may have. */
    if (fapl >= 0)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
    return fapl;
}

hid_t ta_h5_fcpl_new(void)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0)
        H5Pset_obj_track_times(fcpl, 0);
    return fcpl;
}

static hid_t make_lcpl(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    return lcpl;
}

static hid_t make_dcpl(int ndims, const hsize_t *dims, size_t elem)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    if (dims[0] == 0)
        return dcpl;
    /* Chunks of about 1 MiB, whole rows. */
    hsize_t chunk[2] = {dims[0], ndims == 2 ? dims[1] : 1};
    size_t row_bytes = elem * (ndims == 2 ? (size_t)(dims[1] ? dims[1] : 1) : 1);
    hsize_t rows = (hsize_t)((1u << 20) / row_bytes);
    if (rows < 1)
        rows = 1;
    if (rows < chunk[0])
        chunk[0] = rows;
    if (ndims == 2 && dims[1] == 0)
        return dcpl;
    H5Pset_chunk(dcpl, ndims, chunk);
    return dcpl;
}

int ta_h5_create_dataset(hid_t loc, const char *name, hid_t memtype, int ndims, const int64_t *dims,
                         hid_t *dset)
{
    TA_CHECK(ndims >= 1 && ndims <= 2, TA_EINTERNAL, "bad rank %d for %s", ndims, name);
    hsize_t hd[2] = {(hsize_t)dims[0], ndims == 2 ? (hsize_t)dims[1] : 1};
    hid_t space = H5Screate_simple(ndims, hd, NULL);
    hid_t lcpl = make_lcpl();
    hid_t dcpl = make_dcpl(ndims, hd, H5Tget_size(memtype));
    *dset = H5Dcreate2(loc, name, memtype, space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (*dset < 0)
        return ta_h5_create_failed(loc, "cannot create dataset", name);
    return 0;
}

hid_t ta_h5_memtype(ta_elem_t type)
{
    switch (type) {
    case TA_ELEM_F32:
        return H5T_NATIVE_FLOAT;
    case TA_ELEM_F64:
        return H5T_NATIVE_DOUBLE;
    case TA_ELEM_I32:
        return H5T_NATIVE_INT32;
    case TA_ELEM_I64:
        return H5T_NATIVE_INT64;
    case TA_ELEM_U8:
        return H5T_NATIVE_UINT8;
    }
    TA_ASSERT(!"element type");
    return H5I_INVALID_HID;
}

int ta_h5_write_array(hid_t loc, const char *name, ta_elem_t type, int ndims, const int64_t *dims,
                      const void *buf)
{
    hid_t memtype = ta_h5_memtype(type);
    TA_CHECK(ndims >= 1 && ndims <= 2, TA_EINTERNAL, "bad rank %d for %s", ndims, name);
    hsize_t hd[2] = {(hsize_t)dims[0], ndims == 2 ? (hsize_t)dims[1] : 1};
    hid_t space = H5Screate_simple(ndims, hd, NULL);
    hid_t lcpl = make_lcpl();
    hid_t dcpl = make_dcpl(ndims, hd, H5Tget_size(memtype));
    hid_t dset = H5Dcreate2(loc, name, memtype, space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    int rc = 0;
    if (dset < 0)
        rc = ta_h5_create_failed(loc, "cannot create dataset", name);
    else if (hd[0] * hd[1] > 0 && H5Dwrite(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        rc = TA_ERR(TA_ERESOURCE, "writing dataset %s failed (disk full?)", name);
    if (dset >= 0)
        H5Dclose(dset);
    H5Sclose(space);
    return rc;
}

static hid_t utf8_vlen_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

int ta_h5_write_strings(hid_t loc, const char *name, const char *const *s, int64_t n)
{
    hsize_t dims[1] = {(hsize_t)n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t type = utf8_vlen_type();
    hid_t lcpl = make_lcpl();
    hid_t dcpl = make_dcpl(1, dims, 16);
    hid_t dset = H5Dcreate2(loc, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    int rc = 0;
    if (dset < 0)
        rc = ta_h5_create_failed(loc, "cannot create dataset", name);
    else if (n > 0 && H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0)
        rc = TA_ERR(TA_ERESOURCE, "writing dataset %s failed (disk full?)", name);
    if (dset >= 0)
        H5Dclose(dset);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Tclose(type);
    H5Sclose(space);
    return rc;
}

static int write_attr(hid_t loc, const char *name, hid_t type, hid_t space, const void *buf)
{
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return ta_h5_create_failed(loc, "cannot create attribute", name);
    herr_t e = H5Awrite(a, type, buf);
    H5Aclose(a);
    TA_CHECK(e >= 0, TA_ERESOURCE, "cannot write attribute %s", name);
    return 0;
}

int ta_h5_attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t type = utf8_vlen_type();
    hid_t space = H5Screate(H5S_SCALAR);
    int rc = write_attr(loc, name, type, space, &value);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

int ta_h5_attr_int(hid_t loc, const char *name, int64_t value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    int rc = write_attr(loc, name, H5T_NATIVE_INT64, space, &value);
    H5Sclose(space);
    return rc;
}

int ta_h5_attr_double(hid_t loc, const char *name, double value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    int rc = write_attr(loc, name, H5T_NATIVE_DOUBLE, space, &value);
    H5Sclose(space);
    return rc;
}

int ta_h5_attr_str_array(hid_t loc, const char *name, const char *const *values, int n)
{
    hsize_t dims[1] = {(hsize_t)n};
    hid_t type = utf8_vlen_type();
    hid_t space = n > 0 ? H5Screate_simple(1, dims, NULL) : H5Screate(H5S_NULL);
    int rc = write_attr(loc, name, type, space, values);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

int ta_h5_attr_int64_array(hid_t loc, const char *name, const int64_t *values, int n)
{
    hsize_t dims[1] = {(hsize_t)n};
    hid_t space = n > 0 ? H5Screate_simple(1, dims, NULL) : H5Screate(H5S_NULL);
    int rc = write_attr(loc, name, H5T_NATIVE_INT64, space, values);
    H5Sclose(space);
    return rc;
}

/* What an attribute or dataset holds, for messages: "one 64-bit float", "an array of 2 x 4
 * 8-bit integers", "a string". */
static void describe(hid_t type, hid_t space, char *buf, size_t cap)
{
    H5T_class_t c = H5Tget_class(type);
    char what[64];
    if (c == H5T_INTEGER || c == H5T_FLOAT)
        snprintf(what, sizeof what, "%zu-bit %s", 8 * H5Tget_size(type),
                 c == H5T_INTEGER ? "integer" : "float");
    else
        snprintf(what, sizeof what, "%s",
                 c == H5T_STRING     ? "string"
                 : c == H5T_COMPOUND ? "compound value"
                 : c == H5T_ENUM     ? "enum value"
                                     : "value of another HDF5 class");
    int nd = H5Sget_simple_extent_ndims(space);
    if (H5Sget_simple_extent_type(space) == H5S_NULL) {
        snprintf(buf, cap, "an empty attribute of %ss", what);
    } else if (nd <= 0) {
        snprintf(buf, cap, "one %s", what);
    } else {
        hsize_t d[8] = {0};
        H5Sget_simple_extent_dims(space, d, NULL);
        size_t len = (size_t)snprintf(buf, cap, "an array of ");
        for (int i = 0; i < nd && i < 8 && len < cap; i++)
            len += (size_t)snprintf(buf + len, cap - len, "%s%llu", i ? " x " : "",
                                    (unsigned long long)d[i]);
        if (len < cap)
            snprintf(buf + len, cap - len, " %ss", what);
    }
}

/* Opens attribute name of obj for reading one value of class want (H5T_FLOAT: integer or float);
 * *a < 0 and no error when obj or the attribute is absent. */
static int attr_open(hid_t file, const char *path, const char *obj, const char *name,
                     H5T_class_t want, const char *expected, hid_t *a)
{
    *a = H5I_INVALID_HID;
    if (strcmp(obj, "/") != 0 && !ta_h5_exists(file, obj))
        return 0;
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return 0;
    *a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    TA_CHECK(*a >= 0, TA_EINPUT, "%s: attribute %s of %s cannot be opened", path, name, obj);
    hid_t t = H5Aget_type(*a), sp = H5Aget_space(*a);
    H5T_class_t c = H5Tget_class(t);
    int ok = (c == want || (want == H5T_FLOAT && c == H5T_INTEGER)) &&
             H5Sget_simple_extent_type(sp) != H5S_NULL && H5Sget_simple_extent_npoints(sp) == 1;
    char what[128];
    if (!ok)
        describe(t, sp, what, sizeof what);
    H5Tclose(t);
    H5Sclose(sp);
    if (!ok) {
        H5Aclose(*a);
        *a = H5I_INVALID_HID;
        return TA_ERR(TA_EINPUT, "%s: attribute %s of %s: expected %s, found %s", path, name, obj,
                      expected, what);
    }
    return 0;
}

/* One integer or float attribute read as memtype into v (see ta_h5_get_attr_int). */
static int attr_get_scalar(hid_t file, const char *path, const char *obj, const char *name,
                           H5T_class_t want, const char *expected, hid_t memtype, void *v,
                           int *found)
{
    hid_t a;
    if (found)
        *found = 0;
    TA_CALL(attr_open(file, path, obj, name, want, expected, &a));
    TA_CHECK(a >= 0 || found, TA_EINPUT, "%s: attribute %s of %s is missing", path, name, obj);
    if (a < 0)
        return 0;
    herr_t e = H5Aread(a, memtype, v);
    H5Aclose(a);
    TA_CHECK(e >= 0, TA_EINPUT, "%s: attribute %s of %s cannot be read", path, name, obj);
    if (found)
        *found = 1;
    return 0;
}

int ta_h5_get_attr_int(hid_t file, const char *path, const char *obj, const char *name, int64_t *v,
                       int *found)
{
    return attr_get_scalar(file, path, obj, name, H5T_INTEGER, "one integer", H5T_NATIVE_INT64, v,
                           found);
}

int ta_h5_get_attr_num(hid_t file, const char *path, const char *obj, const char *name, double *v,
                       int *found)
{
    return attr_get_scalar(file, path, obj, name, H5T_FLOAT, "one number", H5T_NATIVE_DOUBLE, v,
                           found);
}

int ta_h5_get_attr_str(hid_t file, const char *path, const char *obj, const char *name, char **v,
                       int *found)
{
    hid_t a;
    *v = NULL;
    if (found)
        *found = 0;
    TA_CALL(attr_open(file, path, obj, name, H5T_STRING, "one string", &a));
    TA_CHECK(a >= 0 || found, TA_EINPUT, "%s: attribute %s of %s is missing", path, name, obj);
    if (a < 0)
        return 0;
    hid_t ft = H5Aget_type(a);
    int vlen = H5Tis_variable_str(ft) > 0;
    size_t fixed = vlen ? 0 : H5Tget_size(ft);
    H5Tclose(ft);
    hid_t mt = H5Tcopy(H5T_C_S1);
    herr_t e;
    char *s = NULL;
    if (vlen) {
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        char *hv = NULL;
        e = H5Aread(a, mt, &hv);
        if (e >= 0)
            s = strdup(hv ? hv : "");
        H5free_memory(hv);
    } else {
        H5Tset_size(mt, fixed + 1);
        s = ta_calloc(fixed + 2, 1);
        e = s ? H5Aread(a, mt, s) : -1;
    }
    H5Tclose(mt);
    H5Aclose(a);
    if (e < 0 || !s) {
        free(s);
        return TA_ERR(e < 0 ? TA_EINPUT : TA_ERESOURCE, "%s: attribute %s of %s cannot be read",
                      path, name, obj);
    }
    *v = s;
    if (found)
        *found = 1;
    return 0;
}

/* Links to other files: a file that points elsewhere (an external link, a user-defined link) is
 * refused, since following it would open files the user did not name (a FIFO among them). */
static herr_t link_is_local(hid_t g, const char *name, const H5L_info_t *info, void *bad)
{
    (void)g;
    if (info->type == H5L_TYPE_HARD || info->type == H5L_TYPE_SOFT)
        return 0;
    snprintf(bad, 1024, "/%s", name);
    return 1;
}

/* Opens a complete tokenatlas file; *complete = 0 (and *f closed) when it has no complete = 1.
 * A complete attribute that is not one integer is an error. */
/* Opens path and reads its complete attribute (a malformed one is an error); with open_ok, a
 * file HDF5 cannot open is *complete = 0 instead of an error (an interrupted write). */
static int open_checked_ex(const char *path, hid_t *f, int *complete, int open_ok)
{
    *f = H5I_INVALID_HID;
    *complete = 0;
    TA_CALL(ta_file_check_regular(path));
    TA_CHECK(H5Fis_hdf5(path) > 0, TA_EINPUT, "%s: not an HDF5 file", path);
    hid_t fapl = ta_h5_fapl_new();
    *f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (*f < 0 && open_ok)
        return 0;
    TA_CHECK(*f >= 0, TA_EINPUT, "%s: cannot open HDF5 file (corrupt or truncated?)", path);
    int64_t v = 0;
    int found = 0, rc = ta_h5_get_attr_int(*f, path, "/", "complete", &v, &found);
    *complete = !rc && found && v == 1;
    char bad[1024] = "";
    if (!rc && *complete && H5Lvisit(*f, H5_INDEX_NAME, H5_ITER_NATIVE, link_is_local, bad) != 0)
        rc = TA_ERR(TA_EINPUT, "%s: %s is a link to another file (refused)", path,
                    bad[0] ? bad : "an object");
    if (rc || !*complete) {
        H5Fclose(*f);
        *f = H5I_INVALID_HID;
    }
    return rc;
}

static int open_checked(const char *path, hid_t *f, int *complete)
{
    return open_checked_ex(path, f, complete, 0);
}

int ta_h5_check_complete(const char *path, int *complete)
{
    *complete = 0;
    if (!ta_file_is_regular(path) || H5Fis_hdf5(path) <= 0)
        return 0;
    hid_t f;
    TA_CALL(open_checked_ex(path, &f, complete, 1));
    if (f >= 0)
        H5Fclose(f);
    return 0;
}

int ta_h5_is_complete(const char *path)
{
    if (!ta_file_is_regular(path) || H5Fis_hdf5(path) <= 0)
        return 0;
    hid_t f;
    int complete = 0;
    if (open_checked(path, &f, &complete) != 0) {
        ta_err_clear();
        return 0;
    }
    if (f >= 0)
        H5Fclose(f);
    return complete;
}

int ta_h5_open_read(const char *path, hid_t *file)
{
    int complete = 0;
    TA_CALL(open_checked(path, file, &complete));
    TA_CHECK(complete, TA_EINPUT,
             "%s: file is incomplete (no complete = 1 attribute): a run was interrupted or failed",
             path);
    return 0;
}

int ta_h5_exists(hid_t file, const char *name)
{
    /* H5Lexists needs each intermediate component to exist; walk them. */
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", name);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (H5Lexists(file, buf, H5P_DEFAULT) <= 0)
            return 0;
        *p = '/';
    }
    return H5Lexists(file, buf, H5P_DEFAULT) > 0;
}

/* Opens dataset name, refusing one whose data live outside the file (external raw files, a
 * virtual dataset mapping other files): reading those would open files nobody named. */
static int dataset_open(hid_t file, const char *path, const char *name, hid_t *d)
{
    *d = H5I_INVALID_HID;
    TA_CHECK(ta_h5_exists(file, name), TA_EINPUT, "%s: no dataset %s", path, name);
    H5O_info_t oi;
    TA_CHECK(H5Oget_info_by_name2(file, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
                 oi.type == H5O_TYPE_DATASET,
             TA_EINPUT, "%s: %s is not a dataset", path, name);
    *d = H5Dopen2(file, name, H5P_DEFAULT);
    TA_CHECK(*d >= 0, TA_EINPUT, "%s: %s cannot be opened", path, name);
    hid_t dcpl = H5Dget_create_plist(*d);
    int outside = H5Pget_external_count(dcpl) > 0 || H5Pget_layout(dcpl) == H5D_VIRTUAL;
    H5Pclose(dcpl);
    if (outside) {
        H5Dclose(*d);
        *d = H5I_INVALID_HID;
        return TA_ERR(TA_EINPUT, "%s: %s keeps its data in other files (refused)", path, name);
    }
    return 0;
}

int ta_h5_dims(hid_t file, const char *path_for_msgs, const char *name, int *ndims, int64_t dims[2])
{
    hid_t d;
    TA_CALL(dataset_open(file, path_for_msgs, name, &d));
    hid_t s = H5Dget_space(d);
    int nd = H5Sget_simple_extent_ndims(s);
    hsize_t hd[8] = {0};
    if (nd > 0 && nd <= 8)
        H5Sget_simple_extent_dims(s, hd, NULL);
    H5Sclose(s);
    H5Dclose(d);
    TA_CHECK(nd >= 1 && nd <= 2, TA_EINPUT, "%s: dataset %s has %d dimensions, expected 1 or 2",
             path_for_msgs, name, nd);
    *ndims = nd;
    dims[0] = (int64_t)hd[0];
    dims[1] = nd == 2 ? (int64_t)hd[1] : 0;
    return 0;
}

int ta_h5_read_rows(hid_t file, const char *path_for_msgs, const char *name, ta_elem_t type,
                    int64_t row0, int64_t nrows, void *buf)
{
    hid_t memtype = ta_h5_memtype(type);
    int nd;
    int64_t dims[2];
    TA_CALL(ta_h5_dims(file, path_for_msgs, name, &nd, dims));
    TA_CHECK(row0 >= 0 && nrows >= 0 && row0 + nrows <= dims[0], TA_EINPUT,
             "%s: %s: rows %lld..%lld outside its %lld rows", path_for_msgs, name, (long long)row0,
             (long long)(row0 + nrows), (long long)dims[0]);
    hid_t d;
    TA_CALL(dataset_open(file, path_for_msgs, name, &d));
    /* Integers are read only from integers (a float64 index would be truncated); floats from
     * floats or integers. */
    hid_t ft = H5Dget_type(d);
    H5T_class_t c = H5Tget_class(ft);
    int is_int = type == TA_ELEM_I32 || type == TA_ELEM_I64 || type == TA_ELEM_U8;
    if (c != H5T_INTEGER && (is_int || c != H5T_FLOAT)) {
        char what[128];
        hid_t sp = H5Dget_space(d);
        describe(ft, sp, what, sizeof what);
        H5Sclose(sp);
        H5Tclose(ft);
        H5Dclose(d);
        return TA_ERR(TA_EINPUT, "%s: dataset %s: expected %s, found %s", path_for_msgs, name,
                      is_int ? "integers" : "numbers", what);
    }
    H5Tclose(ft);
    if (nrows == 0) {
        H5Dclose(d);
        return 0;
    }
    hid_t s = H5Dget_space(d);
    hsize_t start[2] = {(hsize_t)row0, 0}, count[2] = {(hsize_t)nrows, (hsize_t)dims[1]};
    H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(nd, count, NULL);
    herr_t e = H5Dread(d, memtype, ms, s, H5P_DEFAULT, buf);
    H5Sclose(ms);
    H5Sclose(s);
    H5Dclose(d);
    TA_CHECK(e >= 0, TA_EINPUT, "%s: reading %s failed (corrupt file or wrong type)", path_for_msgs,
             name);
    return 0;
}

int ta_h5_read_strings(hid_t file, const char *path_for_msgs, const char *name, char ***out,
                       int64_t *n)
{
    *out = NULL;
    *n = 0;
    int nd;
    int64_t dims[2];
    TA_CALL(ta_h5_dims(file, path_for_msgs, name, &nd, dims));
    TA_CHECK(nd == 1, TA_EINPUT, "%s: %s: expected a 1-D string dataset", path_for_msgs, name);
    hid_t d;
    TA_CALL(dataset_open(file, path_for_msgs, name, &d));
    hid_t ft = H5Dget_type(d);
    int is_vstr = H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0;
    H5Tclose(ft);
    if (!is_vstr) {
        H5Dclose(d);
        return TA_ERR(TA_EINPUT, "%s: %s: expected variable-length strings", path_for_msgs, name);
    }
    char **s = ta_calloc((size_t)(dims[0] ? dims[0] : 1), sizeof *s);
    if (!s) {
        H5Dclose(d);
        return TA_ERESOURCE;
    }
    hid_t type = utf8_vlen_type();
    herr_t e = dims[0] ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) : 0;
    H5Tclose(type);
    H5Dclose(d);
    if (e < 0) {
        free(s);
        return TA_ERR(TA_EINPUT, "%s: reading %s failed", path_for_msgs, name);
    }
    /* Copy out of HDF5's allocator so callers can use free(); every string must be UTF-8 (the
     * tokenatlas writers escape other bytes as <0xNN>), or it could not be written back. */
    int rc = 0;
    for (int64_t i = 0; i < dims[0]; i++) {
        const char *src = s[i] ? s[i] : "";
        int64_t bad = rc ? -1 : ta_utf8_invalid_at(src, strlen(src));
        if (bad >= 0)
            rc = TA_ERR(TA_EINPUT, "%s: %s row %lld: not valid UTF-8 (byte 0x%02X at offset %lld)",
                        path_for_msgs, name, (long long)i, (unsigned)(unsigned char)src[bad],
                        (long long)bad);
        char *c = strdup(src);
        H5free_memory(s[i]);
        s[i] = c;
        if (!c && !rc)
            rc = TA_ERR(TA_ERESOURCE, "%s: out of memory reading %s", path_for_msgs, name);
    }
    if (rc) {
        ta_h5_free_strings(s, dims[0]);
        return rc;
    }
    *out = s;
    *n = dims[0];
    return 0;
}

void ta_h5_free_strings(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

int ta_h5_is_hdf5(const char *path)
{
    return ta_file_is_regular(path) && H5Fis_hdf5(path) > 0;
}

int ta_h5_read_file_attr_str(const char *path, const char *name, char **value)
{
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(path, &f));
    int rc = ta_h5_get_attr_str(f, path, "/", name, value, NULL);
    H5Fclose(f);
    return rc;
}

int ta_h5_open_object(hid_t file, const char *path, hid_t *obj)
{
    int there = strcmp(path, "/") == 0 || ta_h5_exists(file, path);
    *obj = there ? H5Oopen(file, path, H5P_DEFAULT) : H5I_INVALID_HID;
    TA_CHECK(*obj >= 0, TA_EINTERNAL, "cannot open %s in the HDF5 file", path);
    return 0;
}

void ta_h5_close(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_FILE:
        H5Fclose(id);
        break;
    case H5I_GROUP:
    case H5I_DATASET:
    case H5I_DATATYPE:
        H5Oclose(id);
        break;
    default:
        H5Idec_ref(id);
    }
}

static int write_one_attr(hid_t loc, const ta_h5_attr_t *a)
{
    switch (a->kind) {
    case TA_H5_ATTR_STR:
        return ta_h5_attr_str(loc, a->name, a->s);
    case TA_H5_ATTR_INT:
        return ta_h5_attr_int(loc, a->name, a->i);
    case TA_H5_ATTR_DOUBLE:
        return ta_h5_attr_double(loc, a->name, a->d);
    case TA_H5_ATTR_STRS:
        return ta_h5_attr_str_array(loc, a->name, (const char *const *)a->array, a->n);
    case TA_H5_ATTR_INTS:
        return ta_h5_attr_int64_array(loc, a->name, (const int64_t *)a->array, a->n);
    }
    TA_ASSERT(!"attribute kind");
    return TA_EINTERNAL;
}

int ta_h5_write_attrs(hid_t loc, const char *obj, const ta_h5_attr_t *a, int n)
{
    hid_t o = loc;
    if (obj)
        TA_CALL(ta_h5_open_object(loc, obj, &o));
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = write_one_attr(o, &a[i]);
    if (obj)
        ta_h5_close(o);
    return rc;
}

int ta_h5_read_all(hid_t file, const char *path_for_msgs, const char *name, ta_elem_t type,
                   int rank, void **buf, int64_t *n)
{
    int nd = 0;
    int64_t dims[2] = {0, 1};
    *buf = NULL;
    *n = 0;
    TA_CALL(ta_h5_dims(file, path_for_msgs, name, &nd, dims));
    TA_CHECK(nd == rank, TA_EINPUT, "%s: dataset %s has %d dimension%s, expected %d", path_for_msgs,
             name, nd, nd == 1 ? "" : "s", rank);
    int64_t total = nd == 2 ? dims[0] * dims[1] : dims[0];
    size_t elem = ta_elem_size(type);
    void *b = ta_malloc((size_t)(total ? total : 1) * elem);
    TA_CHECK_ALLOC(b, (size_t)total * elem);
    int rc = total ? ta_h5_read_rows(file, path_for_msgs, name, type, 0, dims[0], b) : 0;
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *n = total;
    return 0;
}

int ta_h5_file_has(const char *path, const char *obj, int *has)
{
    *has = 0;
    if (!ta_h5_is_hdf5(path))
        return 0;
    hid_t f;
    TA_CALL(ta_h5_open_read(path, &f));
    *has = ta_h5_exists(f, obj);
    H5Fclose(f);
    return 0;
}
