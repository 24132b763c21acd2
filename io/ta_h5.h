/* HDF5 reading and serial writing. The parallel life cycle of an output file (create, write rows
 * from every rank, switch to serial, commit with complete = 1) is in mpi/ta_h5par.h; the serial
 * writers here work on the handle it gives rank 0, or on any file opened by one process. */
#ifndef TA_H5_H
#define TA_H5_H

#include "base/ta_elem.h"

#include <hdf5.h>
#include <stdint.h>

/* Local. Turns off HDF5's own error printing (errors become tokenatlas messages) and its exit
 * handler; the first HDF5 call of the program, which then calls ta_h5_shutdown before exit. */
void ta_h5_quiet(void);
/* Local. Closes the HDF5 library before MPI_Finalize, unless a file is still open: a file whose
 * close failed (a full disk) crashes HDF5 when the library closes it, so the library is then
 * left to the process exit. */
void ta_h5_shutdown(void);
/* Local. The error of a failed create (what: "cannot create dataset", name: its name) in the
 * file of loc: TA_ERESOURCE saying the disk is full when HDF5's error stack names an exhausted
 * disk, quota or file size limit, or the file system has less than 1 MiB or no inode left;
 * else TA_EINTERNAL. Call it right after the failing call (it reads HDF5's error stack). */
int ta_h5_create_failed(hid_t loc, const char *what, const char *name);
/* Local. TA_ERESOURCE naming the file of loc, name and the sizes when its file system lacks
 * room for bytes more (plus 1 MiB for metadata); 0 when there is room or it cannot be told.
 * Checked before collective writes, whose failure on one rank would leave the others waiting
 * inside HDF5. */
int ta_h5_check_room(hid_t loc, const char *name, int64_t bytes);
/* Local. The HDF5 memory type of an element type. */
hid_t ta_h5_memtype(ta_elem_t type);

/* Local. Property lists of every file tokenatlas writes: the 1.8 format (readable by every h5py
 * and h5dump), no object timestamps (same inputs, same bytes). The caller closes them. */
hid_t ta_h5_fapl_new(void);
hid_t ta_h5_fcpl_new(void);
/* Local. Creates dataset `name` (intermediate groups created, UTF-8 link names) of rank ndims
 * (1 or 2) and shape dims, chunked by whole rows of about 1 MiB; the caller closes *dset. */
int ta_h5_create_dataset(hid_t loc, const char *name, hid_t memtype, int ndims, const int64_t *dims,
                         hid_t *dset);

/* Local (serial phase, rank 0). A whole array of rank ndims (1 or 2). */
int ta_h5_write_array(hid_t loc, const char *name, ta_elem_t type, int ndims, const int64_t *dims,
                      const void *buf);
/* Local (serial phase). n NUL-terminated UTF-8 strings as a variable-length string dataset. */
int ta_h5_write_strings(hid_t loc, const char *name, const char *const *s, int64_t n);

/* Local (serial phase). Attributes on loc. */
int ta_h5_attr_str(hid_t loc, const char *name, const char *value);
int ta_h5_attr_int(hid_t loc, const char *name, int64_t value);
int ta_h5_attr_double(hid_t loc, const char *name, double value);
int ta_h5_attr_str_array(hid_t loc, const char *name, const char *const *values, int n);
int ta_h5_attr_int64_array(hid_t loc, const char *name, const int64_t *values, int n);

/* One attribute for ta_h5_write_attrs, made with the TA_H5_ATTR_* macros. */
typedef enum {
    TA_H5_ATTR_STR,
    TA_H5_ATTR_INT,
    TA_H5_ATTR_DOUBLE,
    TA_H5_ATTR_STRS,
    TA_H5_ATTR_INTS
} ta_h5_attr_kind_t;
typedef struct {
    const char *name;
    ta_h5_attr_kind_t kind;
    const char *s;     /* STR */
    int64_t i;         /* INT */
    double d;          /* DOUBLE */
    const void *array; /* STRS: const char *const [n]; INTS: const int64_t [n] */
    int n;
} ta_h5_attr_t;
#define TA_H5_ATTR_STR_(N, V)                                                                      \
    {                                                                                              \
        .name = (N), .kind = TA_H5_ATTR_STR, .s = (V)                                              \
    }
#define TA_H5_ATTR_INT_(N, V)                                                                      \
    {                                                                                              \
        .name = (N), .kind = TA_H5_ATTR_INT, .i = (int64_t)(V)                                     \
    }
#define TA_H5_ATTR_DOUBLE_(N, V)                                                                   \
    {                                                                                              \
        .name = (N), .kind = TA_H5_ATTR_DOUBLE, .d = (V)                                           \
    }
#define TA_H5_ATTR_STRS_(N, V, CNT)                                                                \
    {                                                                                              \
        .name = (N), .kind = TA_H5_ATTR_STRS, .array = (V), .n = (CNT)                             \
    }
#define TA_H5_ATTR_INTS_(N, V, CNT)                                                                \
    {                                                                                              \
        .name = (N), .kind = TA_H5_ATTR_INTS, .array = (V), .n = (CNT)                             \
    }

/* Local (serial phase). Writes the n attributes a on the group or dataset at path obj of loc ("/"
 * for the root), or on loc itself when obj is NULL. */
int ta_h5_write_attrs(hid_t loc, const char *obj, const ta_h5_attr_t *a, int n);

/* Reading. */
/* Local. 1 when path is an HDF5 file whose root has complete = 1, else 0 (never an error). */
int ta_h5_is_complete(const char *path);
/* Local. *complete as ta_h5_is_complete gives it (a missing file, one that is no HDF5 file or
 * that HDF5 cannot open, as left by an interrupted write, is 0), but a file whose complete
 * attribute is malformed (not one integer) or that links to other files is TA_EINPUT naming it:
 * for callers that would otherwise skip or replace such a file. */
int ta_h5_check_complete(const char *path, int *complete);
/* Local. Opens read-only; refuses anything but a regular file, files without complete = 1 (or
 * with a complete attribute that is not one integer) and files holding links to other files.
 * Every dataset read through the functions below is refused when its data live in other files,
 * and read as integers only when it holds integers. */
int ta_h5_open_read(const char *path, hid_t *file);
/* Local. Shape of a dataset (ndims <= 2 returned; 3-D and more is an error naming it). */
int ta_h5_dims(hid_t file, const char *path_for_msgs, const char *name, int *ndims,
               int64_t dims[2]);
/* Local. Rows [row0, row0+nrows) of a 1-D or 2-D dataset converted to type. */
int ta_h5_read_rows(hid_t file, const char *path_for_msgs, const char *name, ta_elem_t type,
                    int64_t row0, int64_t nrows, void *buf);
/* Local. A whole dataset of the given rank (1 or 2) converted to type, into *buf (malloc'd, at
 * least one element); *n = its number of elements. */
int ta_h5_read_all(hid_t file, const char *path_for_msgs, const char *name, ta_elem_t type,
                   int rank, void **buf, int64_t *n);
/* Local. A variable-length string dataset; *s is an array of n malloc'd strings
 * (free with ta_h5_free_strings); a string that is not valid UTF-8 is TA_EINPUT naming its row. */
int ta_h5_read_strings(hid_t file, const char *path_for_msgs, const char *name, char ***s,
                       int64_t *n);
void ta_h5_free_strings(char **s, int64_t n);
/* Local. Attribute `name` of the object at obj ("/" for the root), checked before use: it must
 * hold exactly one value of the kind asked for (an integer; a number, integer or float; a string,
 * malloc'd), else TA_EINPUT naming the file, object and attribute and what it holds instead.
 * Absent (the attribute or the object): *found = 0 and no error, or TA_EINPUT when found is NULL
 * (a required attribute). */
int ta_h5_get_attr_int(hid_t file, const char *path_for_msgs, const char *obj, const char *name,
                       int64_t *v, int *found);
int ta_h5_get_attr_num(hid_t file, const char *path_for_msgs, const char *obj, const char *name,
                       double *v, int *found);
int ta_h5_get_attr_str(hid_t file, const char *path_for_msgs, const char *obj, const char *name,
                       char **v, int *found);
/* Local. Whether a link exists at name (intermediate groups tested). */
int ta_h5_exists(hid_t file, const char *name);
/* Local. Whether path is an HDF5 file (complete or not; never an error). */
int ta_h5_is_hdf5(const char *path);
/* Local. *has = whether path is an HDF5 file holding the object obj; an HDF5 file without
 * complete = 1 is an error (as for ta_h5_open_read), anything else not HDF5 is *has = 0. */
int ta_h5_file_has(const char *path, const char *obj, int *has);
/* Local. A string attribute of the root of the complete file at path (malloc'd). */
int ta_h5_read_file_attr_str(const char *path, const char *name, char **value);

/* Local. Opens the group or dataset at path in file, for its attributes and children; close it
 * with ta_h5_close. */
int ta_h5_open_object(hid_t file, const char *path, hid_t *obj);
/* Local. Closes a file, group or dataset handle (negative handles are ignored). */
void ta_h5_close(hid_t id);

#endif
