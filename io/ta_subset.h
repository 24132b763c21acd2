/* A subset of a vocabulary's token ids, in a given order: the rows a command restricts itself to
 * (the paper's shared-vocabulary maps made by hyperpolyglot's make_maps.py, such as
 * vocab/m_x_u_xlm_map.npy).
 *
 * Two formats, told apart by the .npy magic bytes:
 *   - a .npy file holding a 1-D integer array (any of i1..i8, u1..u8, either byte order), as
 *     numpy.save writes the paper's maps;
 *   - text: one token id per line; blank lines are skipped and '#' starts a comment.
 * The order of the file is kept: it is the row order the command works in. */
#ifndef TA_SUBSET_H
#define TA_SUBSET_H

#include <stdint.h>

/* Local. Reads the subset at path for a vocabulary of n tokens into *ids (malloc'd, *count
 * entries, file order). A user error (TA_EINPUT) names the file, the place (line, or element of
 * the array) and the problem: not an integer, out of [0, n), listed twice (with the first
 * place), a .npy array that is not 1-D or not of integers, an empty subset. */
int ta_subset_read(const char *path, int64_t n, int64_t **ids, int64_t *count);

#endif
