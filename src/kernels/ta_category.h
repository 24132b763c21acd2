/* Writing-system categories of tokens.
 *
 * TA_SCHEME_PAPER is the rule of Wen-Yi & Mimno's scripts/vocab_categories.py: per character, a
 * letter (general category L*) gives the first word of its Unicode name (LATIN, CYRILLIC, CJK,
 * HANGUL, ...), any other character the first letter of its general category (N, P, S, M, C, Z);
 * the most frequent value wins, a tie goes to the value seen first; empty -> "Unknown".
 * TA_SCHEME_SCRIPT uses the Unicode Script property (Common/Inherited not counted when the token
 * has any other script). Pieces flagged TA_PIECE_BYTES get "BYTES". */
#ifndef TA_CATEGORY_H
#define TA_CATEGORY_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TA_SCHEME_PAPER = 0, TA_SCHEME_SCRIPT = 1 } ta_scheme_t;

/* Local. Parses "paper" / "script". */
int ta_scheme_parse(const char *s, ta_scheme_t *out);
const char *ta_scheme_name(ta_scheme_t s);

/* Local. Category of one UTF-8 string into out (NUL-terminated, cap bytes). Invalid UTF-8 is
 * TA_EINPUT naming the byte offset (callers add the file and token). Unicode 15.0 (ICU 72).
 * Per-code-point values are cached in process-global tables filled on first use without locks:
 * call from one thread at a time. */
int ta_category_of(ta_scheme_t scheme, const char *s, size_t len, char *out, size_t cap);

/* A category per token, as codes into a sorted table of names. */
typedef struct {
    int64_t n;     /* tokens */
    int32_t *code; /* per token, index into name */
    int32_t ncat;
    char **name; /* category names, sorted (strcmp) */
} ta_catset_t;

/* Local. Builds codes from per-token names (copied). */
int ta_catset_from_names(const char *const *names, int64_t n, ta_catset_t *out);
/* Local. Looks up a category by name; -1 when absent. */
int32_t ta_catset_find(const ta_catset_t *c, const char *name);
void ta_catset_free(ta_catset_t *c);

#endif
