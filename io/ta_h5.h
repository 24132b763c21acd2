/* HDF5 output and input helpers.
 *
 * An output file goes through three phases:
 *   1. ta_h5out_create(): Collective. PATH.tmp is created with the MPI-IO driver;
 *      bulk arrays are written with ta_h5_write_rows(), each rank its own rows.
 *   2. ta_h5out_to_serial(): Collective. The parallel handle is closed and rank 0 reopens the
 *      file alone, because HDF5 1.10 cannot write variable-length strings in parallel; rank 0
 *      then writes strings, small tables and attributes (o->file is valid on rank 0 only).
 *   3. ta_h5out_commit(): Collective. Rank 0 writes the provenance attributes and complete = 1
 *      last, closes, and renames PATH.tmp to PATH; the ranks agree on the outcome.
 * ta_h5out_abort() removes the temporary file. A file without complete = 1 is never a result.
 * Object timestamps are off so that the same inputs give the same bytes. */
#ifndef TA_H5_H
#define TA_H5_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

typedef struct {
    hid_t file;
    MPI_Comm comm;
    int rank, size;
    int serial; /* after ta_h5out_to_serial */
    char path[4096];
    char tmp[4128];
} ta_h5out_t;

/* Local. Turns off HDF5's own error printing (errors become tokenatlas messages). */
void ta_h5_quiet(void);

/* Collective on comm. */
int ta_h5out_create(ta_h5out_t *o, const char *path, MPI_Comm comm);
/* Collective. */
int ta_h5out_to_serial(ta_h5out_t *o);
/* Collective. rc is this rank's status so far; returns the agreed status. On failure the
 * temporary file is removed. */
int ta_h5out_commit(ta_h5out_t *o, int rc);
/* Collective. */
void ta_h5out_abort(ta_h5out_t *o);

/* Collective (parallel phase). Creates dataset `name` (intermediate groups created) of shape
 * [total_rows] (cols == 0) or [total_rows, cols] with element type memtype (H5T_NATIVE_FLOAT,
 * H5T_NATIVE_INT32, H5T_NATIVE_INT64, H5T_NATIVE_DOUBLE, H5T_NATIVE_UINT8), chunked by rows, and
 * writes rows [row0, row0 + nrows) from buf on each rank. */
int ta_h5_write_rows(hid_t file, const char *name, hid_t memtype, int64_t total_rows, int64_t cols,
                     int64_t row0, int64_t nrows, const void *buf);

/* Local (serial phase, rank 0). A whole array of rank ndims (1 or 2). */
int ta_h5_write_array(hid_t loc, const char *name, hid_t memtype, int ndims, const int64_t *dims,
                      const void *buf);
/* Local (serial phase). n NUL-terminated UTF-8 strings as a variable-length string dataset. */
int ta_h5_write_strings(hid_t loc, const char *name, const char *const *s, int64_t n);

/* Local (serial phase). Attributes on loc. */
int ta_h5_attr_str(hid_t loc, const char *name, const char *value);
int ta_h5_attr_int(hid_t loc, const char *name, int64_t value);
int ta_h5_attr_double(hid_t loc, const char *name, double value);
int ta_h5_attr_str_array(hid_t loc, const char *name, const char *const *values, int n);
int ta_h5_attr_int64_array(hid_t loc, const char *name, const int64_t *values, int n);

/* Reading. */
/* Local. 1 when path is an HDF5 file whose root has complete = 1, else 0 (never an error). */
int ta_h5_is_complete(const char *path);
/* Local or Collective: opens read-only; with comm != MPI_COMM_NULL and MPI active, with the
 * MPI-IO driver (collective on comm). Refuses files without complete = 1. */
int ta_h5_open_read(const char *path, MPI_Comm comm, hid_t *file);
/* Local. Shape of a dataset (ndims <= 2 returned; 3-D and more is an error naming it). */
int ta_h5_dims(hid_t file, const char *path_for_msgs, const char *name, int *ndims,
               int64_t dims[2]);
/* Local. Rows [row0, row0+nrows) of a 1-D or 2-D dataset converted to memtype. */
int ta_h5_read_rows(hid_t file, const char *path_for_msgs, const char *name, hid_t memtype,
                    int64_t row0, int64_t nrows, void *buf);
/* Local. A variable-length string dataset; *s is an array of n malloc'd strings
 * (free with ta_h5_free_strings). */
int ta_h5_read_strings(hid_t file, const char *path_for_msgs, const char *name, char ***s,
                       int64_t *n);
void ta_h5_free_strings(char **s, int64_t n);
/* Local. A string attribute (malloc'd). */
int ta_h5_read_attr_str(hid_t loc, const char *name, char **value);
/* Local. Whether a link exists at name (intermediate groups tested). */
int ta_h5_exists(hid_t file, const char *name);

#endif
