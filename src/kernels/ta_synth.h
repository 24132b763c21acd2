/* Synthetic models with planted structure (the kernel of `tokenatlas synth`; no I/O).
 *
 * A vocabulary of N tokens over 14 writing systems plus number, punctuation and symbol tokens is
 * drawn from the seed; every word token belongs to a translation group headed by one English
 * (LATIN) token. Row i of the embedding matrix is
 *
 *     x_i = a * u_class(i) + b * u_group(i) + sigma * e_i,
 *
 * with u_class a random unit vector per class, u_group ~ N(0, I/d) per translation group and
 * e_i ~ N(0, I/d) per row (so |u_group| and |e_i| are about 1).
 * Tokens without a group (specials, numbers, punctuation, symbols, padding rows) have no group
 * term. script-clustered (XLM-R-like) uses a = 1, b = 0.35, sigma = 0.6; meaning-aligned
 * (mT5-like) uses a = 0.28, b = 1, sigma = 0.5. Every row and every group vector has its own
 * random stream derived from (seed, index), so any row range can be generated alone (by any
 * rank) and the bytes do not depend on how rows are split. */
#ifndef TA_SYNTH_H
#define TA_SYNTH_H

#include <stdint.h>

typedef enum { TA_SYNTH_SCRIPT_CLUSTERED = 0, TA_SYNTH_MEANING_ALIGNED = 1 } ta_synth_preset_t;

/* Token classes: 0 special, 1..TA_SYNTH_NSCRIPTS scripts, then number, punctuation, symbol. */
enum { TA_SYNTH_NSCRIPTS = 14 };
enum {
    TA_SYNTH_SPECIAL = 0,
    TA_SYNTH_NUMBER = TA_SYNTH_NSCRIPTS + 1,
    TA_SYNTH_PUNCT,
    TA_SYNTH_SYMBOL,
    TA_SYNTH_NCLASSES
};

typedef struct {
    ta_synth_preset_t preset;
    int64_t n;    /* tokens */
    int64_t rows; /* rows of the matrix (n + padding rows) */
    int64_t dim;
    uint64_t seed;
    double a, b, sigma;
    int64_t nspecial; /* <pad>, </s>, <unk> */
    uint8_t *cls;     /* [n] class of each token */
    int32_t *group;   /* [n] translation group, -1 for none */
    int64_t ngroups;
    int64_t *head;  /* [ngroups] the English token of each group */
    char *text;     /* pieces, NUL-separated */
    int64_t *off;   /* [n] offset of each piece in text */
    float *u_class; /* [TA_SYNTH_NCLASSES x dim] */
} ta_synth_t;

/* Local. Parses "script-clustered" / "meaning-aligned". */
int ta_synth_preset_parse(const char *s, ta_synth_preset_t *p);
const char *ta_synth_preset_name(ta_synth_preset_t p);

/* Local. Draws the vocabulary and the class vectors. rows >= n (extra rows are padding). */
int ta_synth_init(ta_synth_t *s, ta_synth_preset_t preset, int64_t n, int64_t rows, int64_t dim,
                  uint64_t seed);
void ta_synth_free(ta_synth_t *s);

/* Local. Rows [row0, row0 + nrows) into out (nrows x dim). Allocates nothing. */
void ta_synth_rows(const ta_synth_t *s, int64_t row0, int64_t nrows, float *out);

/* Local. The paper category a class's words get ("LATIN", ...), and its language code ("en",
 * "ru", ...; NULL for classes without a language). */
const char *ta_synth_class_name(int c);
const char *ta_synth_class_lang(int c);

/* Local. Piece i. */
static inline const char *ta_synth_piece(const ta_synth_t *s, int64_t i)
{
    return s->text + s->off[i];
}

#endif
