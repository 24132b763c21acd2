#include "mpi/ta_h5par.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "mpi/ta_mpi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The MPI-IO driver on comm when MPI is running, else the serial driver. The file is then
 * created collectively: a rank that cannot set the driver up ends the job instead of leaving
 * the others in H5Fcreate. */
static hid_t make_fapl(MPI_Comm comm)
{
    hid_t fapl = ta_h5_fapl_new();
    if (fapl >= 0 && comm != MPI_COMM_NULL && ta_mpi_active() &&
        H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        TA_ERR(TA_EINTERNAL, "H5Pset_fapl_mpio failed on rank %d", ta_mpi_rank());
        ta_mpi_abort(TA_EINTERNAL);
    }
    return fapl;
}

int ta_h5out_create(ta_h5out_t *o, const char *path, MPI_Comm comm)
{
    memset(o, 0, sizeof *o);
    o->file = H5I_INVALID_HID;
    o->comm = comm;
    TA_MPI_MUST(MPI_Comm_rank(comm, &o->rank));
    TA_MPI_MUST(MPI_Comm_size(comm, &o->size));
    TA_CHECK(strlen(path) < sizeof o->path, TA_EINPUT, "%s: path too long", path);
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path);
    /* Rank 0 checks the output and removes whatever is at the temporary name (a link to an
     * input would otherwise be truncated through); then every rank creates it. */
    int rc = 0;
    if (o->rank == 0) {
        rc = ta_file_check_output(path);
        if (!rc && unlink(o->tmp) != 0 && errno != ENOENT)
            rc = TA_ERR(TA_EINPUT, "%s: cannot replace: %s", o->tmp, strerror(errno));
    }
    TA_CALL(ta_mpi_agree(rc));
    hid_t fapl = make_fapl(comm);
    hid_t fcpl = ta_h5_fcpl_new();
    o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fapl);
    H5Pclose(fcpl);
    if (o->file < 0)
        rc = TA_ERR(TA_EINPUT, "%s: cannot create HDF5 file (directory missing or not writable?)",
                    o->tmp);
    return ta_mpi_agree(rc);
}

int ta_h5out_to_serial(ta_h5out_t *o)
{
    int rc = 0;
    if (o->file >= 0 && H5Fclose(o->file) < 0)
        rc = TA_ERR(TA_ERESOURCE, "%s: closing failed (disk full?)", o->tmp);
    o->file = H5I_INVALID_HID;
    rc = ta_mpi_agree(rc);
    if (rc)
        return rc;
    o->serial = 1;
    if (o->rank == 0) {
        hid_t fapl = make_fapl(MPI_COMM_NULL);
        o->file = H5Fopen(o->tmp, H5F_ACC_RDWR, fapl);
        H5Pclose(fapl);
        if (o->file < 0)
            rc = TA_ERR(TA_EINPUT, "%s: cannot reopen", o->tmp);
    }
    return ta_mpi_agree(rc);
}

int ta_h5out_commit(ta_h5out_t *o, int rc)
{
    rc = ta_mpi_agree(rc);
    if (!rc && !o->serial)
        rc = ta_h5out_to_serial(o);
    if (rc) {
        ta_h5out_abort(o);
        return rc;
    }
    if (o->rank == 0) {
        rc = ta_prov_write(o->file, o->size);
        /* complete = 1 is the last thing written. */
        if (!rc)
            rc = ta_h5_attr_int(o->file, "complete", 1);
        if (H5Fclose(o->file) < 0 && !rc)
            rc = TA_ERR(TA_ERESOURCE, "%s: closing failed (disk full?)", o->tmp);
        o->file = H5I_INVALID_HID;
        if (!rc && rename(o->tmp, o->path) != 0)
            rc = TA_ERR(TA_EINPUT, "%s: cannot rename from %s: %s", o->path, o->tmp,
                        strerror(errno));
        if (rc)
            unlink(o->tmp);
    }
    return ta_mpi_agree(rc);
}

void ta_h5out_abort(ta_h5out_t *o)
{
    /* The file is discarded. Open on several ranks (MPI-IO), it is left open: after a failed
     * write (a full disk) the collective close fails on the rank that flushes the metadata while
     * the others wait in it for ever; the command is ending with an error anyway, and
     * ta_h5_shutdown then leaves the library to the process exit. */
    if (o->file >= 0 && (o->serial || o->size == 1))
        H5Fclose(o->file);
    o->file = H5I_INVALID_HID;
    if (o->rank == 0 && o->tmp[0])
        unlink(o->tmp);
}

int ta_h5_write_rows(hid_t file, const char *name, ta_elem_t type, int64_t total_rows, int64_t cols,
                     int64_t row0, int64_t nrows, const void *buf)
{
    hid_t memtype = ta_h5_memtype(type);
    int ndims = cols > 0 ? 2 : 1;
    int64_t shape[2] = {total_rows, cols};
    hsize_t dims[2] = {(hsize_t)total_rows, (hsize_t)cols};
    int mpio = 0;
    if (ta_mpi_active()) {
        hid_t fapl = H5Fget_access_plist(file);
        mpio = H5Pget_driver(fapl) == H5FD_MPIO;
        H5Pclose(fapl);
    }
    /* Creating and writing are collective under MPI-IO: a full disk is found before, by every
     * rank alike, not inside HDF5 by one rank while the others wait. */
    if (mpio) {
        int64_t bytes = total_rows * (cols > 0 ? cols : 1) * (int64_t)ta_elem_size(type);
        TA_CALL(ta_mpi_agree(ta_mpi_rank() == 0 ? ta_h5_check_room(file, name, bytes) : 0));
    }
    hid_t dset;
    TA_CALL(ta_h5_create_dataset(file, name, memtype, ndims, shape, &dset));
    hid_t space = H5Screate_simple(ndims, dims, NULL);
    int rc = 0;
    hsize_t start[2] = {(hsize_t)row0, 0}, count[2] = {(hsize_t)nrows, (hsize_t)cols};
    hid_t mspace = H5Screate_simple(ndims, count, NULL);
    if (nrows > 0) {
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    } else {
        H5Sselect_none(space);
        H5Sselect_none(mspace);
    }
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (mpio)
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    if (H5Dwrite(dset, memtype, mspace, space, dxpl, buf) < 0)
        rc = TA_ERR(TA_ERESOURCE, "writing dataset %s failed (disk full?)", name);
    H5Pclose(dxpl);
    H5Sclose(mspace);
    H5Sclose(space);
    H5Dclose(dset);
    return rc;
}
