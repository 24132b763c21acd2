/* MUSE bilingual dictionaries for `translate`.
 *
 * A dictionary directory holds files en-xx.txt with lines "english other" (exactly two fields
 * separated by ASCII whitespace). In TA_MUSE_NORMALIZE mode (tokenatlas's protocol) words are
 * normalised like tokens: a leading U+2581 is stripped, then utf8proc case-folds and composes
 * (UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE); in TA_MUSE_EXACT mode (the paper's
 * dictionaries/clusters.py) words are kept byte for byte and looked up as given. Each English
 * headword e forms a cluster {e} u {translations of e, over all files}; a word maps to the English
 * headwords of every cluster that contains it. */
#ifndef TA_MUSE_H
#define TA_MUSE_H

#include "base/ta_strmap.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { TA_MUSE_NORMALIZE = 0, TA_MUSE_EXACT = 1 } ta_muse_mode_t;

typedef struct {
    ta_muse_mode_t mode;
    ta_strmap_t words; /* normalised word -> word id */
    int64_t *off;      /* [nwords + 1]: English headwords of word w are eng[off[w]..off[w+1]) */
    int32_t *eng;      /* word ids of English headwords, sorted per word */
    int64_t n_files, n_lines, n_pairs, n_malformed, n_english;
    char **file;     /* [n_files] paths, sorted */
    char (*sha)[65]; /* [n_files] */
} ta_muse_t;

/* Local. Reads every en-*.txt in dir. A missing directory, or one without en-*.txt files, is
 * TA_EINPUT. Malformed lines are skipped and counted; the first warn_limit of them are reported
 * (one ta_log_warn line each, "FILE:LINE: problem"), then one line with the number left out. */
int ta_muse_read_dir(const char *dir, int64_t warn_limit, ta_muse_t *m);
/* Local. The same with words normalised (TA_MUSE_NORMALIZE) or kept exact (TA_MUSE_EXACT, where
 * a word that is not valid UTF-8 makes its line malformed). */
int ta_muse_read_dir_mode(const char *dir, int64_t warn_limit, ta_muse_mode_t mode, ta_muse_t *m);
void ta_muse_free(ta_muse_t *m);

/* Local. Normalised form of s (malloc'd in *out, length *outlen); returns 0 and *out = NULL when
 * s is not valid UTF-8 or normalises to the empty string. */
int ta_muse_normalize(const char *s, size_t len, char **out, size_t *outlen);

/* Local. The word id of a token (normalised first in TA_MUSE_NORMALIZE mode, as given in
 * TA_MUSE_EXACT mode), or -1 when no dictionary holds it. */
int ta_muse_lookup(const ta_muse_t *m, const char *s, size_t len, int64_t *word);

#endif
