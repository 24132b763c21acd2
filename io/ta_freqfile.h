/* Token frequencies for `diversity --frequencies FILE` (the paper's Figure 9: neighbour-category
 * counts by decile of token frequency).
 *
 * The file is TSV. Its first line names the columns: `token<TAB>count` (tokens as text, escaped
 * as `categorize` writes them: \t, \n, \r, \\) or `id<TAB>count` (token ids 0..N-1). Every other
 * line gives one token and its count, a decimal integer >= 0; blank lines are ignored. A token
 * absent from the file counts 0. A token text that occurs several times in the vocabulary gives
 * its count to its lowest id (the others count 0). Unknown tokens, ids out of range, a token
 * listed twice, negative or malformed counts are errors naming the file and line. */
#ifndef TA_FREQFILE_H
#define TA_FREQFILE_H

#include <stdint.h>

typedef struct {
    int64_t n_listed; /* tokens listed in the file */
    int64_t total;    /* sum of the counts */
    int by_id;        /* 1: `id count`, 0: `token count` */
} ta_freqinfo_t;

/* Local. Reads path into count[0..n) (zero for absent tokens). tok/len are the n token strings
 * (needed for the `token count` form; may be NULL, then that form is refused). */
int ta_freqfile_read(const char *path, int64_t n, const char *const *tok, const uint32_t *len,
                     int64_t *count, ta_freqinfo_t *info);

#endif
