/* `tokenatlas categorize`: a writing-system category per token, as TSV. */
#ifndef CMD_CATEGORIZE_H
#define CMD_CATEGORIZE_H

typedef struct {
    const char *vocab; /* --vocab PATH */
    int scheme;        /* --scheme paper|script (ta_scheme_t) */
    const char *out;   /* --out FILE, NULL = standard output */
} ta_categorize_opts_t;

/* Collective (rank 0 works, the others agree on the outcome). */
int ta_cmd_categorize_run(const ta_categorize_opts_t *o);

#endif
