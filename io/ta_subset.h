/* A subset of a vocabulary's token ids, in a given order: the rows a command restricts itself to
 * (the paper's shared-vocabulary maps made by hyperpolyglot's make_maps.py, such as
 * vocab/m_x_u_xlm_map.npy, or the subset map of `tokenatlas overlap`).
 *
 * A subset is named by a spec, one of
 *   - a .npy file holding a 1-D integer array (any of i1..i8, u1..u8, either byte order), as
 *     numpy.save writes the paper's maps (told apart by the .npy magic bytes);
 *   - FILE.h5:NAME, the ids of model NAME in the subset map FILE.h5 written by `overlap`
 *     (/overlap/names, /overlap/n_tokens, /overlap/models/NAME/ids: the tokens shared by every
 *     vocabulary, in the first vocabulary's id order); a bare FILE.h5 is refused with the list of
 *     its models;
 *   - text: one token id per line; blank lines are skipped and '#' starts a comment.
 * The order of the file is kept: it is the row order the command works in. */
#ifndef TA_SUBSET_H
#define TA_SUBSET_H

#include <stddef.h>
#include <stdint.h>

/* Local. Reads the subset spec for a vocabulary of n tokens into *ids (malloc'd, *count entries,
 * file order). A user error (TA_EINPUT) names the file, the place (line, or element of the array)
 * and the problem: not an integer, out of [0, n), listed twice (with the first place), a .npy
 * array that is not 1-D or not of integers, an empty subset; for a subset map, a model name it
 * does not hold (listing those it holds) or a vocabulary larger than n. */
int ta_subset_read(const char *spec, int64_t n, int64_t **ids, int64_t *count);

/* Local. The file behind spec (FILE of FILE.h5:NAME, else spec itself), malloc'd: the input to
 * register in the provenance and to stamp in checkpoints. */
int ta_subset_file(const char *spec, char **file);

/* Local. Registers the file behind spec as an input of the outputs (ta_prov_add_input). */
int ta_subset_add_input(const char *spec);

/* Local. Where the i-th id of the subset spec comes from, for messages: "PATH:LINE" for text,
 * "SPEC: element I" otherwise (text files are read again to find the line; meant for error
 * paths). */
void ta_subset_place(const char *spec, int64_t i, char *buf, size_t cap);

#endif
