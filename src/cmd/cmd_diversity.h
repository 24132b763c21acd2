/* `tokenatlas diversity`: categories spanned by each token's neighbourhood. */
#ifndef CMD_DIVERSITY_H
#define CMD_DIVERSITY_H

#include <stdint.h>

typedef struct {
    const char *neighbors;   /* --neighbors FILE.h5 */
    const char *categories;  /* --categories PATH */
    int64_t top;             /* --top N */
    const char *exclude;     /* --exclude-categories A,B,..., NULL = none */
    const char *embeddings;  /* --embeddings PATH: norms by category */
    int scheme;              /* --scheme paper|script (ta_scheme_t) */
    int protocol;            /* --protocol tokenatlas|paper (TA_PROTOCOL_*) */
    const char *frequencies; /* --frequencies FILE: token counts, NULL = none */
    const char *vocab;       /* --vocab PATH: token strings, NULL = from the inputs */
    const char *subset;      /* --subset FILE: only these queries, NULL = every row */
    const char *out;         /* --out FILE.h5, NULL = beside the neighbours file */
} ta_diversity_opts_t;

/* Collective. */
int ta_cmd_diversity_run(const ta_diversity_opts_t *o);

#endif
