/* `tokenatlas overlap`: the vocabulary overlap of several models (the paper's Figure 2) and the
 * subset map of the tokens they all share. */
#ifndef CMD_OVERLAP_H
#define CMD_OVERLAP_H

#include "cmd/ta_opt.h"

typedef struct {
    ta_optlist_t vocab; /* --vocab PATH, repeated: at least two */
    const char *names;  /* --names a,b,...: one per vocabulary; NULL = from the file names */
    const char *out;    /* --out PREFIX: PREFIX.tsv and PREFIX.h5 */
} ta_overlap_opts_t;

/* Collective (rank 0 computes and writes the TSV, the ranks write PREFIX.h5 together). */
int ta_cmd_overlap_run(const ta_overlap_opts_t *o);

#endif
