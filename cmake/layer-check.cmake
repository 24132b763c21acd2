# Post-build check of a layer library: none of its objects may call into a library that belongs to
# a higher layer. FORBID is a regular expression over symbol prefixes: MPI (MPI_, PMPI_ and Open
# MPI's ompi_ handles) or H5 (every HDF5 function and global). Run by `cmake -P` after each build.
execute_process(COMMAND nm -u ${LIB} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "layer check: nm -u ${LIB} failed")
endif()
string(REPLACE "MPI" "P?MPI_|ompi_" re "${FORBID}")
string(REPLACE "H5" "H5[A-Z]" re "${re}")
string(REGEX MATCHALL "U (${re})[A-Za-z0-9_]*" bad "${syms}")
if(bad)
  list(REMOVE_DUPLICATES bad)
  string(REPLACE "U " "" bad "${bad}")
  message(FATAL_ERROR "layer check: ${LAYER} calls into a higher layer: ${bad}")
endif()
