#include "io/ta_h5.h"

#include "base/ta_error.h"
#include "io/ta_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TA_H5_CHECK(expr, ...) TA_CHECK((expr) >= 0, TA_EINTERNAL, __VA_ARGS__)

void ta_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
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
    TA_CHECK(*dset >= 0, TA_EINTERNAL, "cannot create dataset %s", name);
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
        rc = TA_ERR(TA_EINTERNAL, "cannot create dataset %s", name);
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
        rc = TA_ERR(TA_EINTERNAL, "cannot create dataset %s", name);
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
    TA_CHECK(a >= 0, TA_EINTERNAL, "cannot create attribute %s", name);
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

int ta_h5_is_complete(const char *path)
{
    if (access(path, R_OK) != 0 || H5Fis_hdf5(path) <= 0)
        return 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return 0;
    int64_t v = 0;
    int ok = 0;
    if (H5Aexists(f, "complete") > 0) {
        hid_t a = H5Aopen(f, "complete", H5P_DEFAULT);
        ok = a >= 0 && H5Aread(a, H5T_NATIVE_INT64, &v) >= 0 && v == 1;
        if (a >= 0)
            H5Aclose(a);
    }
    H5Fclose(f);
    return ok;
}

int ta_h5_open_read(const char *path, hid_t *file)
{
    *file = H5I_INVALID_HID;
    TA_CHECK(access(path, R_OK) == 0, TA_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    TA_CHECK(H5Fis_hdf5(path) > 0, TA_EINPUT, "%s: not an HDF5 file", path);
    TA_CHECK(ta_h5_is_complete(path), TA_EINPUT,
             "%s: file is incomplete (no complete = 1 attribute): a run was interrupted or failed",
             path);
    hid_t fapl = ta_h5_fapl_new();
    *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    TA_CHECK(*file >= 0, TA_EINPUT, "%s: cannot open HDF5 file", path);
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

int ta_h5_dims(hid_t file, const char *path_for_msgs, const char *name, int *ndims, int64_t dims[2])
{
    TA_CHECK(ta_h5_exists(file, name), TA_EINPUT, "%s: no dataset %s", path_for_msgs, name);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    TA_CHECK(d >= 0, TA_EINPUT, "%s: %s is not a dataset", path_for_msgs, name);
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
    if (nrows == 0)
        return 0;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
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
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
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
    /* Copy out of HDF5's allocator so callers can use free(). */
    for (int64_t i = 0; i < dims[0]; i++) {
        char *c = strdup(s[i] ? s[i] : "");
        H5free_memory(s[i]);
        s[i] = c;
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

int ta_h5_read_attr_str(hid_t loc, const char *name, char **value)
{
    *value = NULL;
    TA_CHECK(H5Aexists(loc, name) > 0, TA_EINPUT, "attribute %s missing", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t type = utf8_vlen_type();
    char *v = NULL;
    herr_t e = H5Aread(a, type, &v);
    H5Tclose(type);
    H5Aclose(a);
    TA_CHECK(e >= 0, TA_EINPUT, "attribute %s is not a string", name);
    *value = strdup(v ? v : "");
    H5free_memory(v);
    return 0;
}

int ta_h5_is_hdf5(const char *path)
{
    return ta_file_is_regular(path) && H5Fis_hdf5(path) > 0;
}

int ta_h5_read_file_attr_str(const char *path, const char *name, char **value)
{
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(path, &f));
    int rc = ta_h5_read_attr_str(f, name, value);
    H5Fclose(f);
    if (rc) {
        /* The reader's message names the attribute; add the file. */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: %s", path, ta_err_message());
        ta_err_adopt(rc, msg);
    }
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
                   void **buf, int64_t *n)
{
    int nd = 0;
    int64_t dims[2] = {0, 1};
    *buf = NULL;
    *n = 0;
    TA_CALL(ta_h5_dims(file, path_for_msgs, name, &nd, dims));
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
