/* Internal to `compare`: the state that cmd_compare.c shares with cmd_compare_paper.c (the
 * paper protocol's comparison, compare_neighbors.py). */
#ifndef CMD_COMPARE_INT_H
#define CMD_COMPARE_INT_H

#include "kernels/ta_category.h"
#include "kernels/ta_stats.h"
#include "io/ta_nbfile.h"
#include "io/ta_tokens.h"
#include "cmd/cmd_compare.h"

#include <stdint.h>

typedef struct {
    ta_summary_t jac, ov;
    int32_t ncat;
    ta_summary_t *cjac, *cov; /* [ncat] */
} ta__cmp_summ_t;

typedef struct {
    const ta_compare_opts_t *o;
    int paper; /* --protocol paper */
    ta_nbfile_t a, b;
    ta_tokens_t ta, tb;
    ta_catset_t cs;           /* of model a; n = 0 without --categories */
    int32_t *map_ab, *map_ba; /* [Na], [Nb]: matched id or -1 */
    int64_t n_shared;
    int32_t *brow; /* [Nb] first row of b whose query is the token, or -1 */
    int64_t lo, hi;
    /* This rank's shared queries, in row order of a (paper: the shared keys, in the order of
     * their first row in a, with the query ids of their first rows in a and b). */
    int64_t m;
    int32_t *qa, *qb, *inter;
    double *jac;
    double *ov;      /* [m] overlap |A & B| / |A| in percent (paper) */
    int32_t *bneigh; /* [m * top] b's neighbours mapped to a ids (-1 = not shared), sorted */
    int32_t *bcnt;   /* [m] distinct entries of each bneigh row */
    int32_t *slot;   /* [Qb] index into bneigh of the b row this rank needs, or -1 */
    /* Rank 0. */
    int64_t m_all;
    int32_t *all_qa, *all_inter;
    double *all_jac, *all_ov;
    ta__cmp_summ_t s;    /* the summaries */
    char *h5path, *base; /* the output and the stem of its tables */
} ta__cmp_t;

/* Local. Sorts v[0..n) and drops repeats; returns the new length. */
int64_t ta__cmp_sort_unique(int32_t *v, int64_t n);
/* Local. The paper protocol's comparison of this rank's keys (cmd_compare_paper.c): fills m, qa,
 * qb, inter, jac and ov. */
int ta__cmp_paper_compute(ta__cmp_t *d);

#endif
