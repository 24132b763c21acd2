/* Checkpoints of long runs (`neighbors`, `probe`): one format, one writer.
 *
 * A checkpoint is a directory (OUT.ckpt/) holding binary data files (one per rank for
 * `neighbors`, one for `probe`) and a text file MANIFEST written last. The manifest holds the
 * run's fingerprint, text lines naming the inputs (path, size, mtime or content hash) and every
 * parameter that shapes the computation, followed by state lines saying where the run stopped
 * (e.g. "position 2 17"). Each data file starts with a magic, then the same text, then its
 * binary parts, each with its size, and a checksum of the parts (FNV-1a 64): a data file from
 * another position or run, or one whose data was damaged, is never used.
 *
 * Every file is written to a temporary name, flushed, fsync'd and renamed (ta_outfile_t). A
 * writer removes the manifest before writing new data files and writes it after all of them
 * (then fsyncs the directory), so a checkpoint is either complete or ignored: a directory
 * without manifest (a run killed while saving) counts as no checkpoint.
 *
 * On resume the stored fingerprint is compared line by line with the run's own; a checkpoint of
 * other inputs or parameters is refused (TA_EINPUT, exit 2) with a message naming the directory
 * and the first line that differs, both versions. */
#ifndef TA_CKPT_H
#define TA_CKPT_H

#include <stddef.h>

/* One binary part of a data file: size bytes at data (read: exactly size bytes into data). */
typedef struct {
    void *data;
    size_t size;
} ta_ckpt_part_t;

/* Local. Starts saving a checkpoint in dir (created if needed): removes its manifest, so that
 * the directory is no checkpoint until ta_ckpt_commit. */
int ta_ckpt_begin(const char *dir);
/* Local. Writes dir/name atomically: the magic, fingerprint and state, then the parts. */
int ta_ckpt_write(const char *dir, const char *name, const char *fingerprint, const char *state,
                  const ta_ckpt_part_t *parts, int nparts);
/* Local. Writes dir/MANIFEST (fingerprint, then state: lines, each ending in a newline) and
 * fsyncs the directory: the checkpoint is complete. */
int ta_ckpt_commit(const char *dir, const char *fingerprint, const char *state);

/* Local. Looks for a complete checkpoint in dir: *state = NULL when there is none (no directory
 * or no manifest); else the manifest's fingerprint must equal `fingerprint` (TA_EINPUT naming
 * dir and the first line that differs otherwise; a manifest not ending in a newline was cut
 * short: TA_EINPUT too) and *state = its state lines (malloc'd). */
int ta_ckpt_open(const char *dir, const char *fingerprint, char **state);
/* Local. Reads dir/name into the parts: its fingerprint and state must be the given ones and
 * every part exactly the given size (TA_EINPUT naming the file otherwise). */
int ta_ckpt_read(const char *dir, const char *name, const char *fingerprint, const char *state,
                 const ta_ckpt_part_t *parts, int nparts);

/* Local. Removes the manifest first, then every other file of dir, then dir (after the run's
 * outputs are complete). */
void ta_ckpt_remove(const char *dir);

/* Local. "size BYTES mtime SEC.NSEC" of a file (what a fingerprint records of an input without
 * hashing it), into buf. */
int ta_ckpt_file_stamp(const char *path, char *buf, size_t cap);

#endif
