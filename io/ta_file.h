/* Plain files: whole-file reads with errors naming the file, sizes, SHA-256, and atomic writes
 * (write to a temporary name beside the target, then rename) so that no partial file ever looks
 * complete. */
#ifndef TA_FILE_H
#define TA_FILE_H

#include <stdint.h>
#include <stdio.h>

/* Local. Opens an existing file for reading, the one way every reader opens its input: anything
 * but a regular file (a FIFO, a device, a directory, a socket) is refused with a message naming
 * the path and what it is, and a FIFO is refused without waiting for a writer. *size (may be
 * NULL) receives the size; the caller closes *fd. */
int ta_file_open_read(const char *path, int *fd, int64_t *size);
/* Local. The same checks for a path handed to a library that opens it itself (HDF5): it must be
 * a readable regular file. */
int ta_file_check_regular(const char *path);
/* Local. "a directory", "a FIFO (named pipe)", ... for an st_mode that is not a regular file. */
const char *ta_file_kind(unsigned mode);
/* Local. Reads the whole file (NUL-terminated for convenience; *len excludes the NUL). */
int ta_file_read_all(const char *path, char **data, size_t *len);
/* Local. Size in bytes; errors name the file. */
int ta_file_size(const char *path, int64_t *size);
/* Local. 1 if a regular file / directory exists at path. */
int ta_file_is_regular(const char *path);
int ta_file_is_dir(const char *path);
/* Local. Hex SHA-256 of a file (65 bytes with NUL). */
int ta_file_sha256(const char *path, char hex[65]);
/* Local. mkdir -p. */
int ta_file_mkdirs(const char *path);

/* An output file written atomically: open gives a FILE* on PATH.tmp.PID; commit flushes, fsyncs
 * and renames it to PATH; abort removes it. */
typedef struct {
    FILE *fp;
    char path[4096];
    char tmp[4096 + 32];
} ta_outfile_t;

/* Local. Checks the path (ta_file_check_output) and creates the temporary file. */
int ta_outfile_open(ta_outfile_t *o, const char *path);
int ta_outfile_commit(ta_outfile_t *o);
void ta_outfile_abort(ta_outfile_t *o);
/* Local. Between ta_outfile_hold and ta_outfile_release, ta_outfile_commit writes, flushes and
 * closes its temporary file but leaves the rename to ta_outfile_release(1), which renames them
 * all (ta_outfile_release(0) removes them): the tables beside an HDF5 file are written before the
 * file is marked complete and appear only once it is. */
void ta_outfile_hold(void);
int ta_outfile_release(int publish);

/* Outputs never replace inputs. */
/* Local. Records an input (ta_prov_add_input does it for every input a command names): no output
 * of this process may be the same file (same device and inode, through any path or link). */
void ta_file_protect(const char *path);
void ta_file_protect_reset(void);
/* Local. 1 when a and b name the same file: the same device and inode when both exist, else the
 * same name in the same (resolved) directory. */
int ta_file_same(const char *a, const char *b);
/* Local. Checks an output path before anything is written: not an input, and when something is
 * there already, a regular file (a directory or a FIFO is refused). Every writer calls it. */
int ta_file_check_output(const char *path);
/* Local. Creates the temporary file of an output: whatever is at that name (a stale file, a
 * symbolic link) is removed first, never written through. */
int ta_file_create_tmp(const char *tmp, int *fd);

/* Local. The error code of a failed write or create with errno e: TA_ERESOURCE when the disk,
 * the quota or the file-size limit is exhausted (ENOSPC, EDQUOT, EFBIG), else TA_EINPUT. */
int ta_file_write_errc(int e);

/* Local. Writes s to fp with TSV escaping (\t, \n, \r, \\). */
void ta_tsv_put_escaped(FILE *fp, const char *s, size_t len);

#endif
