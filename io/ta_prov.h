/* Provenance carried by every output file: tool version and commit, command line, config text,
 * input files with sizes and SHA-256, rank and thread counts, BLAS kernel, and free-form extra
 * attributes a command adds (tensor name, GFLOP/s, ...). Kept in process-wide state so that
 * ta_h5out_commit() writes it to every HDF5 file without each command repeating itself. */
#ifndef TA_PROV_H
#define TA_PROV_H

#include <hdf5.h>
#include <stdint.h>

/* Local. The command line (set by main from the parsed options, by `run` for each step). */
void ta_prov_set_command_line(const char *line);
/* Local. The config text of a `run` (YAML). */
void ta_prov_set_config(const char *text);
/* Local. Registers an input file; size and SHA-256 are computed once, when first written.
 * Directories are not hashed (their files are registered one by one). */
int ta_prov_add_input(const char *path);
/* Local. Extra string / number attributes written on the root of every file from now on. */
void ta_prov_set_str(const char *key, const char *value);
void ta_prov_set_num(const char *key, double value);
/* Local. Forgets inputs and extras (used between pipeline steps). */
void ta_prov_reset_inputs(void);

/* Local. Writes all provenance attributes on loc (serial HDF5 handle); nranks is the number of
 * MPI ranks that made the file. */
int ta_prov_write(hid_t loc, int nranks);

/* Local. Version strings. */
const char *ta_prov_version(void);
const char *ta_prov_commit(void);

#endif
