/* Internal to the embedding readers: io/ta_embed.c (opening, reading, element conversion, HDF5
 * datasets), io/ta_embed_find.c (model directories, sharded indexes, choosing the tensor),
 * io/ta_safetensors.c and io/ta_npy.c (the file formats). */
#ifndef TA_EMBED_INT_H
#define TA_EMBED_INT_H

#include "io/ta_embed.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

enum { TA__K_ST = 1, TA__K_NPY = 2, TA__K_H5 = 3 };           /* kind of source */
enum { TA__DT_F32 = 1, TA__DT_F16, TA__DT_BF16, TA__DT_F64 }; /* stored element type */

struct ta__embed_impl {
    int kind;
    int fd;
    int dt;           /* TA__DT_* */
    int esize;        /* bytes per stored element */
    int swap;         /* big-endian .npy data */
    int64_t data_off; /* absolute byte offset of element [0, 0] */
    hid_t h5;
    char dset[1024];
};

/* Local. Reads exactly n bytes at off; a short read is a truncated file (TA_EINPUT). */
int ta__pread_full(int fd, const char *path, void *buf, size_t n, int64_t off);
/* Local. 1 when s ends with suffix. */
int ta__ends_with(const char *s, const char *suffix);

/* A safetensors dtype: its name, bytes per element, and whether it is a float type we read. */
typedef struct {
    const char *name;
    int size;
    int is_float;
} ta__st_dtype_t;

/* Local. The dtype of that name, or NULL. */
const ta__st_dtype_t *ta__st_dtype(const char *name);
/* Local. Opens a safetensors file and validates its header (*fd stays open on success). */
int ta__st_read_header(const char *path, int *fd, ta_st_header_t *h);
/* Local. Opens the safetensors file path and sets e to the tensor `want`, or (want NULL) to the
 * one found by the known names (io/ta_embed_find.c). */
int ta__st_open(const char *path, const char *want, int64_t min_rows, ta_embed_t *e);
/* Local. Opens a Hugging Face model directory (io/ta_embed_find.c). */
int ta__embed_open_dir(const char *dir, const char *want, int64_t min_rows, ta_embed_t *e);
/* Local. Opens a 2-D .npy file (io/ta_npy.c). */
int ta__npy_open(const char *path, ta_embed_t *e);

#endif
