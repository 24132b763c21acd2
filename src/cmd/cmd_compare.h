/* `tokenatlas compare`: per-token Jaccard of two models' neighbour sets. */
#ifndef CMD_COMPARE_H
#define CMD_COMPARE_H

#include <stdint.h>

typedef struct {
    const char *a, *b;             /* --a FILE.h5, --b FILE.h5 */
    const char *vocab_a, *vocab_b; /* --vocab-a, --vocab-b PATH, NULL = /vocab/token */
    int64_t top;                   /* --top N */
    const char *categories;        /* --categories PATH (of model a), NULL = none */
    int scheme;                    /* --scheme paper|script (ta_scheme_t) */
    int protocol;                  /* --protocol tokenatlas|paper (TA_PROTOCOL_*) */
    const char *subset;            /* --subset FILE (ids of model a), NULL = every row */
    const char *out;               /* --out FILE.h5, NULL = beside file a */
} ta_compare_opts_t;

/* Collective. */
int ta_cmd_compare_run(const ta_compare_opts_t *o);

#endif
