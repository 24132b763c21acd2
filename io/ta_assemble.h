/* Assembling a run's per-model results from its step files (used by `run`): copying HDF5 groups
 * from one complete file into another, copying the TSV tables of a step beside the assembled
 * file, and the run log. */
#ifndef TA_ASSEMBLE_H
#define TA_ASSEMBLE_H

#include <hdf5.h>

/* Local (serial HDF5 handle dst, rank 0). Copies object src_obj (a group or dataset, with its
 * attributes) of the complete HDF5 file src_path to dst_obj in dst, creating intermediate groups.
 * A missing src_obj is an error naming the file and the object. */
int ta_assemble_copy_object(hid_t dst, const char *src_path, const char *src_obj,
                            const char *dst_obj);

/* Local (serial HDF5 handle dst, rank 0). Copies every object at the root of the complete HDF5
 * file src_path into dst under dst_group ("/" for the root, else e.g. "/compare/mt5-base"); an
 * object that dst already holds is left as it is (the first copy wins). */
int ta_assemble_copy_root(hid_t dst, const char *src_path, const char *dst_group);

/* Local. Copies every regular file of dir whose name starts with prefix and ends with ".tsv" to
 * dst_dir, with prefix replaced by new_prefix, each atomically (temporary name, rename). Sets
 * *copied to the number of files copied. */
int ta_assemble_copy_tsvs(const char *dir, const char *prefix, const char *dst_dir,
                          const char *new_prefix, int *copied);

/* Local. Copies the file src to dst atomically (temporary name, rename). */
int ta_assemble_copy_file(const char *src, const char *dst);

/* Local. Appends one line "YYYY-MM-DDTHH:MM:SSZ  TEXT" to the log file at path (created when
 * missing) and flushes it. */
int ta_assemble_log(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
