/* Structure-aware fuzzing of the readers of tokenatlas's own HDF5 files (issue 14).
 *
 * Mutating the bytes of an HDF5 file mostly exercises libhdf5's own parser (a system library,
 * not instrumented here). What tokenatlas must survive is a well-formed HDF5 file whose objects
 * are not what it expects: an attribute that is an array instead of a scalar, a float64 index, a
 * string where a number belongs, a dataset of 10^9 rows, ids out of range, names that are not
 * UTF-8. So the fuzz input is a recipe: for each object a reader may look at (a schema: path,
 * expected class, rank, shape and value range), the next bytes of the input decide whether it is
 * absent, as expected, or of another class, rank or shape, and supply its values. The file is
 * built with the HDF5 core driver in memory, its image written to a memfd and opened by the
 * reader through /proc/self/fd/N, exactly as a file on disk.
 *
 * Every harness also checks that the reader closed every HDF5 object it opened (a leaked file
 * handle keeps the next open of the same inode alive in HDF5's cache). */
#ifndef FUZZ_H5_RECIPE_H
#define FUZZ_H5_RECIPE_H

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The input, consumed from the front; reads past the end give zeros. */
typedef struct {
    const uint8_t *p;
    size_t n;
} fz_in_t;

static inline unsigned fz_u8(fz_in_t *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint32_t fz_u32(fz_in_t *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | fz_u8(in);
    return v;
}

enum { FZ_INT, FZ_FLOAT, FZ_STR };

/* One object a reader may read. An attribute is named "OBJECT@NAME" ("@complete" on the root). */
typedef struct {
    const char *path;
    int cls;            /* FZ_INT, FZ_FLOAT or FZ_STR: what the reader expects */
    int rank;           /* 0 (scalar), 1 or 2 */
    int64_t dim0, dim1; /* expected shape; dim0 < 0: any length (taken from the input) */
    int64_t lo, hi;     /* expected value range of integers (floats: [lo, hi] too) */
} fz_spec_t;

/* Strings worth trying in names: markup and script metacharacters, UTF-8 edge cases. */
static const char *const fz_words[] = {
    "LATIN",
    "CJK",
    "S",
    "N",
    "P",
    "Unknown",
    "EOD",
    "x\nEOD\n!id",
    "\"; system(\"id\"); \"",
    "<script>",
    "a|b",
    "**x**",
    "[l](u)",
    "\xff\xfe",
    "\xc3",
    "\xe2\x96\x81",
    "",
    "a\tb",
    "\\",
    "../x",
    "%s%n",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
};
#define FZ_NWORDS (sizeof fz_words / sizeof fz_words[0])

static inline int fz_strval(fz_in_t *in, char *buf, size_t cap)
{
    unsigned m = fz_u8(in);
    if (m < 128) {
        snprintf(buf, cap, "%s", fz_words[m % FZ_NWORDS]);
        if (m >= 64) { /* a word and a number: distinct names */
            size_t l = strlen(buf);
            snprintf(buf + l, cap - l, "%u", fz_u8(in));
        }
        return 0;
    }
    size_t len = fz_u8(in) % 24;
    if (len >= cap)
        len = cap - 1;
    for (size_t i = 0; i < len; i++) {
        unsigned c = fz_u8(in);
        buf[i] = (char)(c ? c : '?'); /* HDF5 strings end at NUL */
    }
    buf[len] = '\0';
    return 0;
}

/* One integer: in range most of the time, else an edge value or raw bits. */
static inline int64_t fz_intval(fz_in_t *in, int64_t lo, int64_t hi)
{
    unsigned m = fz_u8(in);
    uint64_t span = (uint64_t)(hi - lo) + 1;
    if (m < 200)
        return lo + (int64_t)(span ? (uint64_t)(m * 257u + fz_u8(in)) % span : 0);
    static const int64_t edge[] = {-1,        0,        INT32_MAX, INT32_MIN, (int64_t)1 << 33,
                                   INT64_MAX, INT64_MIN};
    if (m < 240)
        return edge[m % 7];
    return (int64_t)((uint64_t)fz_u32(in) << 32 | fz_u32(in));
}

static inline double fz_floatval(fz_in_t *in, int64_t lo, int64_t hi)
{
    unsigned m = fz_u8(in);
    if (m < 200)
        return (double)lo + (double)(hi - lo) * (double)fz_u8(in) / 255.0;
    static const double edge[] = {NAN, INFINITY, -INFINITY, -1.0, 1e300, 0.5, -0.0};
    return edge[m % 7];
}

/* A file type of class cls chosen by the input: various integer widths and signs, f32/f64,
 * variable or fixed strings. The caller closes it. */
static inline hid_t fz_ftype(fz_in_t *in, int cls)
{
    unsigned m = fz_u8(in);
    if (cls == FZ_INT) {
        switch (m % 8) {
        case 1:
            return H5Tcopy(H5T_STD_I64LE);
        case 2:
            return H5Tcopy(H5T_STD_U8LE);
        case 3:
            return H5Tcopy(H5T_STD_I16BE);
        case 4:
            return H5Tcopy(H5T_STD_U64LE);
        case 5:
            return H5Tcopy(H5T_STD_I8LE);
        default:
            return H5Tcopy(H5T_STD_I32LE);
        }
    }
    if (cls == FZ_FLOAT)
        return H5Tcopy(m % 3 == 0 ? H5T_IEEE_F32LE : m % 3 == 1 ? H5T_IEEE_F64LE : H5T_IEEE_F64BE);
    hid_t t = H5Tcopy(H5T_C_S1);
    if (m % 4 == 3) {
        H5Tset_size(t, 8); /* fixed-length ASCII */
    } else {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

/* Writes all of buf (memory type mt) to obj, an attribute when attr, else a dataset. */
static inline void fz_h5write(hid_t obj, int attr, hid_t mt, const void *buf)
{
    if (attr)
        H5Awrite(obj, mt, buf);
    else
        H5Dwrite(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}

/* Creates the object described by s, as the input decides, in file f. */
static inline void fz_object(hid_t f, fz_in_t *in, const fz_spec_t *s)
{
    unsigned mode = fz_u8(in) % 10;
    if (mode == 0)
        return; /* absent */
    int cls = s->cls, rank = s->rank;
    int64_t d0 = s->dim0, d1 = s->dim1;
    if (d0 < 0)
        d0 = fz_u8(in) % 12;
    if (mode == 7)
        cls = (cls + 1 + (int)(fz_u8(in) % 2)) % 3; /* another class */
    if (mode == 8)
        rank = (rank + 1 + (int)(fz_u8(in) % 2)) % 3; /* another rank */
    if (mode == 9) {                                  /* another shape, sometimes huge */
        unsigned m = fz_u8(in);
        d0 = m < 240 ? (int64_t)(m % 14) : (int64_t)1000000000;
        d1 = fz_u8(in) % 6;
    }
    if (mode == 9 && rank == 0)
        rank = 1; /* a scalar becomes an array */
    if (rank > 0 && s->rank == 0 && d0 <= 0)
        d0 = 2 + fz_u8(in) % 3;
    if (rank == 2 && d1 <= 0)
        d1 = 1 + fz_u8(in) % 4;
    hsize_t dims[2] = {(hsize_t)d0, (hsize_t)d1};
    hsize_t npts = rank == 0 ? 1 : rank == 1 ? dims[0] : dims[0] * dims[1];
    hid_t ft = fz_ftype(in, cls);
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    const char *at = strchr(s->path, '@');
    hid_t obj = -1;
    int huge = npts > 4096;
    if (at) {
        char objpath[256];
        snprintf(objpath, sizeof objpath, "%.*s", (int)(at - s->path), s->path);
        if (huge || (objpath[0] && H5Lexists(f, objpath, H5P_DEFAULT) <= 0)) {
            H5Sclose(space);
            H5Tclose(ft);
            return;
        }
        hid_t loc = objpath[0] ? H5Oopen(f, objpath, H5P_DEFAULT) : H5Oopen(f, "/", H5P_DEFAULT);
        if (loc >= 0) {
            obj = H5Acreate2(loc, at + 1, ft, space, H5P_DEFAULT, H5P_DEFAULT);
            H5Oclose(loc);
        }
    } else {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (huge && rank > 0) { /* never written: a small file with a huge shape */
            hsize_t chunk[2] = {1024, dims[1] ? dims[1] : 1};
            H5Pset_chunk(dcpl, rank, chunk);
        }
        obj = H5Dcreate2(f, s->path, ft, space, lcpl, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Pclose(lcpl);
    }
    if (obj >= 0 && !huge && npts > 0) {
        if (cls == FZ_STR) {
            size_t fixed = H5Tis_variable_str(ft) > 0 ? 0 : H5Tget_size(ft);
            char *blk = calloc(npts, 32);
            char **ptr = calloc(npts, sizeof *ptr);
            for (hsize_t i = 0; blk && ptr && i < npts; i++) {
                char *b = blk + 32 * i;
                /* lo = 1 marks a name table: as expected, its names are sorted and unique */
                int sorted = s->lo == 1 && s->cls == FZ_STR && mode < 7;
                if (sorted)
                    b[0] = (char)('A' + i % 26);
                fz_strval(in, b + sorted, 32 - (size_t)sorted);
                ptr[i] = b;
            }
            if (blk && ptr) {
                hid_t mt = H5Tcopy(H5T_C_S1);
                if (fixed) {
                    char *fx = calloc(npts, fixed);
                    for (hsize_t i = 0; fx && i < npts; i++)
                        strncpy(fx + fixed * i, ptr[i], fixed);
                    H5Tset_size(mt, fixed);
                    if (fx)
                        fz_h5write(obj, at != NULL, mt, fx);
                    free(fx);
                } else {
                    H5Tset_size(mt, H5T_VARIABLE);
                    H5Tset_cset(mt, H5T_CSET_UTF8);
                    fz_h5write(obj, at != NULL, mt, ptr);
                }
                H5Tclose(mt);
            }
            free(blk);
            free(ptr);
        } else { /* FZ_INT or FZ_FLOAT: 8-byte values either way */
            union {
                int64_t i;
                double d;
            } *v = malloc(npts * sizeof *v);
            for (hsize_t i = 0; v && i < npts; i++) {
                if (cls == FZ_INT)
                    v[i].i = fz_intval(in, s->lo, s->hi);
                else
                    v[i].d = fz_floatval(in, s->lo, s->hi);
            }
            if (v)
                fz_h5write(obj, at != NULL, cls == FZ_INT ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE,
                           v);
            free(v);
        }
    }
    if (obj >= 0)
        at ? H5Aclose(obj) : H5Dclose(obj);
    H5Sclose(space);
    H5Tclose(ft);
}

/* Builds the file of the recipe in memory and exposes it as a path (/proc/self/fd/N of a memfd
 * reused by every input); returns NULL when HDF5 could not build it. */
static inline const char *fz_build(const fz_spec_t *spec, int nspec, const uint8_t *data,
                                   size_t size)
{
    static int fd = -1;
    static char path[64];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (fd < 0) {
        fd = memfd_create("fuzz-h5", 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    fz_in_t in = {data, size};
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 1 << 16, 0);
    hid_t f = H5Fcreate("fuzz-recipe.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return NULL;
    for (int i = 0; i < nspec; i++)
        fz_object(f, &in, &spec[i]);
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    ssize_t n = H5Fget_file_image(f, NULL, 0);
    void *img = n > 0 ? malloc((size_t)n) : NULL;
    if (img && H5Fget_file_image(f, img, (size_t)n) != n) {
        free(img);
        img = NULL;
    }
    H5Fclose(f);
    if (!img)
        return NULL;
    int ok = ftruncate(fd, 0) == 0 && pwrite(fd, img, (size_t)n, 0) == n;
    const char *dump = getenv("FZ_DUMP"); /* to look at a recipe's file: FZ_DUMP=x.h5 */
    if (dump) {
        FILE *fp = fopen(dump, "wb");
        if (fp) {
            fwrite(img, 1, (size_t)n, fp);
            fclose(fp);
        }
    }
    free(img);
    return ok ? path : NULL;
}

/* Aborts when the reader left HDF5 objects open. */
static inline void fz_check_closed(void)
{
    if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) {
        fprintf(stderr, "fuzz: the reader left %ld HDF5 objects open\n",
                (long)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
        abort();
    }
}

#endif
