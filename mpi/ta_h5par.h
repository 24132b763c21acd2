/* Parallel HDF5 output: the life cycle of every output file.
 *
 * An output file goes through three phases:
 *   1. ta_h5out_create(): Collective. PATH.tmp is created with the MPI-IO driver;
 *      bulk arrays are written with ta_h5_write_rows(), each rank its own rows.
 *   2. ta_h5out_to_serial(): Collective. The parallel handle is closed and rank 0 reopens the
 *      file alone, because HDF5 1.10 cannot write variable-length strings in parallel; rank 0
 *      then writes strings, small tables and attributes (o->file is valid on rank 0 only) with
 *      the serial writers of io/ta_h5.h.
 *   3. ta_h5out_commit(): Collective. Rank 0 writes the provenance attributes and complete = 1
 *      last, closes, and renames PATH.tmp to PATH; the ranks agree on the outcome.
 * ta_h5out_abort() removes the temporary file. A file without complete = 1 is never a result.
 * Object timestamps are off so that the same inputs give the same bytes. */
#ifndef TA_H5PAR_H
#define TA_H5PAR_H

#include "base/ta_elem.h"

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
 * [total_rows] (cols == 0) or [total_rows, cols] with element type `type`, chunked by rows, and
 * writes rows [row0, row0 + nrows) from buf on each rank. */
int ta_h5_write_rows(hid_t file, const char *name, ta_elem_t type, int64_t total_rows, int64_t cols,
                     int64_t row0, int64_t nrows, const void *buf);

#endif
