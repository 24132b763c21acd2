/* `tokenatlas translate`: how many of a token's nearest neighbours are its translations. */
#ifndef CMD_TRANSLATE_H
#define CMD_TRANSLATE_H

#include <stdint.h>

typedef struct {
    const char *neighbors;  /* --neighbors FILE.h5 */
    const char *vocab;      /* --vocab PATH */
    const char *dict;       /* --dict DIR */
    int64_t top;            /* --top N */
    const char *categories; /* --categories PATH, NULL = no summaries by category */
    int scheme;             /* --scheme paper|script (ta_scheme_t) */
    int protocol;           /* --protocol tokenatlas|paper (TA_PROTOCOL_*) */
    const char *subset;     /* --subset FILE: only these queries, NULL = every row */
    const char *out;        /* --out FILE.h5, NULL = beside the neighbours file */
} ta_translate_opts_t;

/* Collective. */
int ta_cmd_translate_run(const ta_translate_opts_t *o);

#endif
