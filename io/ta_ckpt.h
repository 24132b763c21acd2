/* Checkpoint files of long distributed loops: a directory holding one binary file per rank and a
 * text manifest written last. Every file is written to a temporary name, fsync'd and renamed, so
 * a checkpoint is either complete (the manifest exists and names the same header as every rank
 * file) or absent. The header text identifies the inputs, parameters and position; readers
 * compare it before using the data. */
#ifndef TA_CKPT_H
#define TA_CKPT_H

#include <stddef.h>

/* Local. Writes DIR/rank-R.bin: the header text, then nparts binary parts. */
int ta_ckpt_write_rank(const char *dir, int rank, const char *header, const void *const *parts,
                       const size_t *sizes, int nparts);
/* Local. Reads DIR/rank-R.bin into parts of exactly the given sizes; the stored header must
 * equal `header` (TA_EINPUT naming the file otherwise). */
int ta_ckpt_read_rank(const char *dir, int rank, const char *header, void *const *parts,
                      const size_t *sizes, int nparts);
/* Local. Writes / removes DIR/MANIFEST. */
int ta_ckpt_write_manifest(const char *dir, const char *text);
void ta_ckpt_remove_manifest(const char *dir);
/* Local. *text = the manifest (malloc'd), or NULL when there is none. */
int ta_ckpt_read_manifest(const char *dir, char **text);
/* Local. Removes the manifest, the rank files of ranks 0..nranks-1 and the directory. */
void ta_ckpt_remove(const char *dir, int nranks);

/* Local. "size BYTES mtime SEC.NSEC" of a file (what a checkpoint fingerprint records of an
 * input without hashing it), into buf. */
int ta_ckpt_file_stamp(const char *path, char *buf, size_t cap);

#endif
