/* Internal to `diversity`: the state that cmd_diversity.c (categories spanned, entropy, the
 * category x category matrix, norms) shares with cmd_diversity_extra.c (the paper protocol's hub
 * counts and vocabulary category counts, and the frequency deciles of --frequencies). */
#ifndef CMD_DIVERSITY_INT_H
#define CMD_DIVERSITY_INT_H

#include "kernels/ta_category.h"
#include "kernels/ta_stats.h"
#include "io/ta_freqfile.h"
#include "io/ta_h5.h"
#include "io/ta_nbfile.h"
#include "io/ta_tokens.h"
#include "cmd/cmd_diversity.h"

#include <stdint.h>

/* Hub tokens listed (count_similar.py prints most_common(30)). */
#define TA__DIV_HUBS 30

/* What rank 0 derives for the extras. */
typedef struct {
    int64_t nhub;
    int32_t hub[TA__DIV_HUBS];  /* keys, most frequent first */
    double skew;                /* of the hub counts of the query tokens' keys */
    int64_t skew_n;             /* keys in that population */
    int64_t *vocab_n;           /* [C] tokens of the vocabulary per category */
    int32_t *fdec;              /* [Q] frequency decile 1..10 of each query, NULL without */
    ta_summary_t fsum[10];      /* category count by frequency decile */
    int64_t fmin[10], fmax[10]; /* count range of each decile over the vocabulary, -1 if empty */
} ta__div_extra_t;

/* Everything rank 0 derives from the gathered per-token values. */
typedef struct {
    ta_summary_t all, ent_all;
    ta_summary_t *cat, *ent, *dec, *mat, *norm; /* [C], [C], [10], [C*C], [C] */
    int64_t *histogram;                         /* [top + 2], index = count */
    ta__div_extra_t x;                          /* hubs, vocabulary categories, frequencies */
} ta__div_summ_t;

typedef struct {
    const ta_diversity_opts_t *o;
    int paper; /* --protocol paper */
    ta_nbfile_t nb;
    ta_catset_t cs;
    ta_tokens_t tok;   /* n = 0 when the inputs hold no token strings and none are needed */
    uint8_t *excluded; /* [ncat] */
    int64_t lo, hi;    /* this rank's rows */
    int32_t *count;    /* [hi - lo] distinct categories */
    double *entropy;   /* [hi - lo] */
    /* [3 C C + C], exact sums reduced over ranks: per cell (query category a, neighbour category
     * b) the sum and the sum of squares of the per-token neighbour counts, then (paper) the
     * tokens with a nonzero count; then the query tokens per category. */
    int64_t *mat;
    int64_t *cat_queries; /* mat + 3 C C */
    /* Hub counts (paper): tokens keyed by their text without trailing whitespace. */
    int64_t nkeys;
    int32_t *hkey;            /* [N] key of each token, -1 when the text is all whitespace */
    int32_t *hid;             /* [nkeys] lowest token id of each key */
    int64_t *hcount, *hfirst; /* [nkeys] entries holding the key; first position row * k + col */
    /* Frequencies (--frequencies): count of every token. */
    int64_t *freq; /* [N] or NULL */
    ta_freqinfo_t finfo;
    /* Rank 0, after the gather. */
    int32_t *all_count;
    double *all_entropy;
    double *norms;       /* [N] or NULL */
    const char *normsrc; /* the file they came from */
    char *h5path, *base; /* the output and the stem of its tables */
    ta__div_summ_t s;    /* rank 0: the summaries */
} ta__div_t;

/* Local. Token strings (paper: required; with --frequencies: when the inputs have them), the hub
 * keys (paper) and the frequencies. */
int ta__div_extra_load(ta__div_t *d);
/* Local. The hub counts of one whole row (paper). */
void ta__div_hub_row(ta__div_t *d, int64_t row, const int32_t *entries, int64_t k);
/* Collective. Sums the hub counts and takes the first positions over ranks. */
int ta__div_hub_reduce(ta__div_t *d);
/* Local (rank 0). */
int ta__div_extra_summarise(ta__div_t *d, ta__div_extra_t *x);
/* Local (rank 0, serial phase): datasets and attributes under the /diversity group g. */
int ta__div_extra_write_h5(ta__div_t *d, const ta__div_extra_t *x, hid_t g);
/* Local (rank 0): STEM.diversity.{hubs,vocabcats,freqdeciles}.tsv. */
int ta__div_extra_write_tsvs(ta__div_t *d, const ta__div_extra_t *x);
/* Local (rank 0): the extras' lines of the printed summary. */
void ta__div_extra_print(ta__div_t *d, const ta__div_extra_t *x);
void ta__div_extra_free(ta__div_extra_t *x);
/* Local. Frees what ta__div_extra_load allocated. */
void ta__div_extra_cleanup(ta__div_t *d);

#endif
