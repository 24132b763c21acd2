/* Element types of the arrays that cross a library boundary (HDF5 datasets, MPI gathers), so that
 * callers above io/ and mpi/ name a type without including HDF5 or MPI: io/ta_h5.h maps them to
 * HDF5 memory types, mpi/ta_gather.h to MPI datatypes. */
#ifndef TA_ELEM_H
#define TA_ELEM_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TA_ELEM_F32, /* float */
    TA_ELEM_F64, /* double */
    TA_ELEM_I32, /* int32_t */
    TA_ELEM_I64, /* int64_t */
    TA_ELEM_U8,  /* uint8_t */
} ta_elem_t;

/* Local. Bytes of one element. */
static inline size_t ta_elem_size(ta_elem_t t)
{
    switch (t) {
    case TA_ELEM_F32:
    case TA_ELEM_I32:
        return 4;
    case TA_ELEM_F64:
    case TA_ELEM_I64:
        return 8;
    case TA_ELEM_U8:
        return 1;
    }
    return 0;
}

#endif
