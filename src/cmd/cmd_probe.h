/* `tokenatlas probe`: one-vs-rest logistic-regression probes per category. */
#ifndef CMD_PROBE_H
#define CMD_PROBE_H

#include <stdint.h>

typedef struct {
    const char *embeddings;   /* --embeddings PATH */
    const char *categories;   /* --categories PATH */
    int64_t folds;            /* --folds K */
    int64_t min_tokens;       /* --min-tokens N */
    int64_t seed;             /* --seed S */
    const char *tensor;       /* --tensor NAME, NULL = found by its known names */
    const char *subset;       /* --subset FILE: the rows probed, in order; NULL = every token */
    int protocol;             /* --protocol tokenatlas|paper (TA_PROTOCOL_*) */
    int scheme;               /* --scheme paper|script (ta_scheme_t) */
    const char *export_folds; /* --export-folds FILE.tsv, NULL = none */
    int cold_start;           /* --cold-start */
    const char *out;          /* --out FILE.tsv or FILE.h5 */
} ta_probe_opts_t;

/* Collective: the fits are farmed out over the ranks. */
int ta_cmd_probe_run(const ta_probe_opts_t *o);

#endif
