/* `tokenatlas compare`: do two models give the same tokens the same neighbours?
 *
 * Tokens of models a and b are matched by their exact string (the paper's intersection map; a
 * string occurring several times in a vocabulary is matched through its first, lowest id). For
 * each token that is a query in both files, with A = its top N other neighbours in a and B = its
 * top N other neighbours in b (as sets), the intersection I counts the neighbours of A whose
 * string is also among B (neighbours outside the shared vocabulary never match); the Jaccard
 * index is I / (|A| + |B| - I) (= I / (2N - I) for rows without repeats) and the overlap share
 * I / N. Rows of a are split over ranks; every rank scans b for the rows it needs; per-token
 * values are gathered to rank 0 in row order and summarised there. */
#include "cmd/cmd_compare.h"
#include "cmd/cmd_compare_int.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_strmap.h"
#include "kernels/ta_paper_stats.h"
#include "kernels/ta_stats.h"
#include "io/ta_anaout.h"
#include "io/ta_prov.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_ana.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_compare_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, a, "a", TA_OPT_REQUIRED, "FILE.h5", "neighbours file of model a")},
    {TA_OPT_PATH_(O, b, "b", TA_OPT_REQUIRED, "FILE.h5", "neighbours file of model b")},
    {TA_OPT_PATH_(O, vocab_a, "vocab-a", 0, "PATH",
                  "vocabulary of model a (default: /vocab/token in its file)")},
    {TA_OPT_PATH_(O, vocab_b, "vocab-b", 0, "PATH",
                  "vocabulary of model b (default: /vocab/token in its file)")},
    TA_CMD_OPT_TOP(O),
    {TA_OPT_PATH_(O, categories, "categories", 0, "PATH", "summaries by category of model a")},
    TA_CMD_OPT_SCHEME(O),
    {TA_OPT_ENUM_(O, protocol, "protocol", 0, "tokenatlas", ta_cmd_protocols,
                  "tokenatlas: the top N others matched through the shared vocabulary; paper: "
                  "compare_neighbors.py (tokens keyed by text, every entry of a row including "
                  "the token, overlap in percent, NaN written as 0)")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE",
                  "only the queries of model a that are tokens of this subset (ids of model a: a "
                  "text file, a .npy array, or FILE.h5:NAME of an `overlap` subset map); the "
                  "neighbour lists are taken as the files hold them")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_OUTPUT, "FILE.h5",
                  "output (default: beside file a, STEM.compare.h5); STEM.compare.tsv and "
                  "STEM.compare.map.tsv beside it")},
    {TA_OPT_END_},
};
#undef O

/* The intersection map: string -> first id in b, then each a id to it (first a id only). */
static int build_maps(ta__cmp_t *d)
{
    int64_t na = d->ta.n, nb = d->tb.n;
    ta_strmap_t sm;
    TA_CALL(ta_strmap_init(&sm));
    int rc = 0;
    d->map_ab = ta_malloc((size_t)(na ? na : 1) * sizeof *d->map_ab);
    d->map_ba = ta_malloc((size_t)(nb ? nb : 1) * sizeof *d->map_ba);
    int32_t *first_b = ta_malloc((size_t)(nb ? nb : 1) * sizeof *first_b);
    TA_CHECK_GOTO(d->map_ab && d->map_ba && first_b, TA_ERESOURCE, done,
                  "out of memory for the vocabulary maps");
    for (int64_t i = 0; i < nb; i++) {
        int64_t id;
        int added;
        TA_CALL_GOTO(ta_strmap_intern(&sm, d->tb.s[i], d->tb.len[i], &id, &added), done);
        if (added)
            first_b[id] = (int32_t)i;
        d->map_ba[i] = -1;
    }
    for (int64_t i = 0; i < na; i++) {
        int64_t id = ta_strmap_find(&sm, d->ta.s[i], d->ta.len[i]);
        int32_t b = id >= 0 ? first_b[id] : -1;
        if (b >= 0 && d->map_ba[b] >= 0)
            b = -1; /* a repeated string in a: only its first id is matched */
        d->map_ab[i] = b;
        if (b >= 0) {
            d->map_ba[b] = (int32_t)i;
            d->n_shared++;
        }
    }
    d->brow = ta_malloc((size_t)(nb ? nb : 1) * sizeof *d->brow);
    TA_CHECK_GOTO(d->brow, TA_ERESOURCE, done, "out of memory");
    for (int64_t i = 0; i < nb; i++)
        d->brow[i] = -1;
    for (int64_t r = d->b.q - 1; r >= 0; r--)
        d->brow[d->b.query[r]] = (int32_t)r;
done:
    free(first_b);
    ta_strmap_free(&sm);
    return rc;
}

static int load(void *ctx)
{
    ta__cmp_t *d = ctx;
    const ta_compare_opts_t *o = d->o;
    TA_CALL(ta_ana_open_neighbors(o->a, &d->a));
    TA_CALL(ta_ana_open_neighbors(o->b, &d->b));
    TA_CALL(ta_tokens_load(&d->a, o->vocab_a, "--vocab-a", &d->ta));
    TA_CALL(ta_tokens_load(&d->b, o->vocab_b, "--vocab-b", &d->tb));
    if (o->subset)
        TA_CALL(ta_ana_select(&d->a, o->subset));
    d->paper = o->protocol == TA_PROTOCOL_PAPER;
    if (!d->paper) { /* the paper compares every entry of a row: --top plays no part */
        TA_CALL(ta_ana_check_top(&d->a, o->top));
        TA_CALL(ta_ana_check_top(&d->b, o->top));
    }
    if (o->categories) {
        char *what = NULL;
        TA_CALL(ta_cmd_sprintf(&what, "model a (%s)", o->a));
        int rc = ta_ana_read_categories(o->categories, o->scheme, d->ta.n, what, &d->cs);
        free(what);
        TA_CALL(rc);
    }
    TA_CALL(build_maps(d));
    return ta_ana_paths(o->a, o->out, ".compare.h5", &d->h5path, &d->base);
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

int64_t ta__cmp_sort_unique(int32_t *v, int64_t n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i32);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (m == 0 || v[m - 1] != v[i])
            v[m++] = v[i];
    return m;
}

/* Rows of b: keep the ones this rank needs, mapped into a's ids. Entries outside the shared
 * vocabulary get distinct negative values so that they count in |B| but never match. */
static int b_row(void *ctx, int64_t row, int32_t q, const int32_t *nbr, int64_t top)
{
    ta__cmp_t *d = ctx;
    int32_t s = d->slot[row];
    if (s < 0)
        return 0;
    int32_t *out = d->bneigh + (int64_t)s * top;
    for (int64_t j = 0; j < top; j++)
        out[j] = d->map_ba[nbr[j]] >= 0 ? d->map_ba[nbr[j]] : -1 - nbr[j];
    d->bcnt[s] = (int32_t)ta__cmp_sort_unique(out, top);
    return 0;
}

typedef struct {
    ta__cmp_t *d;
    int64_t i;    /* next slot */
    int32_t *buf; /* [top] */
} a_ctx_t;

static int a_row(void *ctx, int64_t row, int32_t q, const int32_t *nbr, int64_t top)
{
    a_ctx_t *x = ctx;
    ta__cmp_t *d = x->d;
    int32_t b = d->map_ab[q];
    if (b < 0 || d->brow[b] < 0)
        return 0;
    int64_t i = x->i++;
    memcpy(x->buf, nbr, (size_t)top * sizeof *nbr);
    int64_t na = ta__cmp_sort_unique(x->buf, top);
    /* The b row, through its slot (a token queried twice in a shares one). */
    int32_t sb = d->slot[d->brow[b]];
    const int32_t *bn = d->bneigh + (int64_t)sb * top;
    int64_t nb = d->bcnt[sb];
    int64_t inter = ta_stats_sorted_common(x->buf, na, bn, nb);
    d->qa[i] = q;
    d->qb[i] = b;
    d->inter[i] = (int32_t)inter;
    d->jac[i] = (double)inter / (double)(na + nb - inter);
    return 0;
}

static int compute(void *ctx)
{
    ta__cmp_t *d = ctx;
    ta_mpi_block_range(d->a.q, ta_mpi_rank(), ta_mpi_size(), &d->lo, &d->hi);
    if (d->paper)
        return ta__cmp_paper_compute(d);
    int64_t top = d->o->top;
    /* This rank's shared queries and the rows of b they need. */
    d->m = 0;
    for (int64_t r = d->lo; r < d->hi; r++) {
        int32_t b = d->map_ab[d->a.query[r]];
        if (b >= 0 && d->brow[b] >= 0)
            d->m++;
    }
    int64_t m1 = d->m ? d->m : 1;
    d->qa = ta_malloc((size_t)m1 * sizeof *d->qa);
    d->qb = ta_malloc((size_t)m1 * sizeof *d->qb);
    d->inter = ta_malloc((size_t)m1 * sizeof *d->inter);
    d->jac = ta_malloc((size_t)m1 * sizeof *d->jac);
    d->bneigh = ta_malloc((size_t)(m1 * top) * sizeof *d->bneigh);
    d->bcnt = ta_malloc((size_t)m1 * sizeof *d->bcnt);
    d->slot = ta_malloc((size_t)(d->b.q ? d->b.q : 1) * sizeof *d->slot);
    a_ctx_t x = {d, 0, ta_malloc((size_t)top * sizeof(int32_t))};
    int rc = 0;
    TA_CHECK_GOTO(d->qa && d->qb && d->inter && d->jac && d->bneigh && d->bcnt && d->slot && x.buf,
                  TA_ERESOURCE, done, "out of memory for %lld shared queries", (long long)d->m);
    for (int64_t r = 0; r < d->b.q; r++)
        d->slot[r] = -1;
    int64_t i = 0;
    for (int64_t r = d->lo; r < d->hi; r++) {
        int32_t b = d->map_ab[d->a.query[r]];
        if (b >= 0 && d->brow[b] >= 0 && d->slot[d->brow[b]] < 0)
            d->slot[d->brow[b]] = (int32_t)i++;
    }
    TA_CALL_GOTO(ta_nbfile_each_row(&d->b, 0, d->b.q, top, b_row, d), done);
    TA_CALL_GOTO(ta_nbfile_each_row(&d->a, d->lo, d->hi, top, a_row, &x), done);
    TA_ASSERT(x.i == d->m);
done:
    free(x.buf);
    return rc;
}

static int summarise(ta__cmp_t *d, ta__cmp_summ_t *s)
{
    int64_t M = d->m_all, top = d->o->top;
    s->ncat = d->cs.ncat;
    double *x = ta_malloc((size_t)(M ? M : 1) * sizeof *x);
    double *scratch = ta_malloc((size_t)(s->ncat + 1) * sizeof *scratch);
    int32_t *grp = ta_malloc((size_t)(M ? M : 1) * sizeof *grp);
    s->cjac = ta_calloc((size_t)s->ncat + 1, sizeof *s->cjac);
    s->cov = ta_calloc((size_t)s->ncat + 1, sizeof *s->cov);
    int rc = 0;
    TA_CHECK_GOTO(x && scratch && grp && s->cjac && s->cov, TA_ERESOURCE, done,
                  "out of memory for summaries");
    /* The overlap: |A & B| / N (tokenatlas), or the paper's percent of |A|. */
    for (int64_t i = 0; i < M; i++) {
        x[i] = d->paper ? d->all_ov[i] : (double)d->all_inter[i] / (double)top;
        grp[i] = s->ncat ? d->cs.code[d->all_qa[i]] : 0;
    }
    ta_stats_summary(d->all_jac, M, &s->jac);
    ta_stats_summary(x, M, &s->ov);
    if (s->ncat) {
        ta_stats_summary_by_group(d->all_jac, grp, M, s->ncat, s->cjac, scratch);
        ta_stats_summary_by_group(x, grp, M, s->ncat, s->cov, scratch);
    }
    if (d->paper) {
        ta_paper_fill0(&s->jac);
        ta_paper_fill0(&s->ov);
        for (int32_t c = 0; c < s->ncat; c++) {
            ta_paper_fill0(&s->cjac[c]);
            ta_paper_fill0(&s->cov[c]);
        }
    }
done:
    free(x);
    free(scratch);
    free(grp);
    return rc;
}

/* Rank 0, serial phase: everything in /compare but the per-query columns. */
static int write_h5_serial(void *ctx, hid_t file)
{
    ta__cmp_t *d = ctx;
    ta__cmp_summ_t *s = &d->s;
    hid_t g;
    TA_CALL(ta_h5_open_object(file, "/compare", &g));
    int64_t na = d->ta.n, C = s->ncat;
    const ta_h5_attr_t attrs[] = {
        TA_H5_ATTR_STR_("protocol", ta_cmd_protocols[d->o->protocol]),
        TA_H5_ATTR_INT_("top", d->paper ? d->a.k : d->o->top),
        TA_H5_ATTR_INT_("n_tokens_a", d->ta.n),
        TA_H5_ATTR_INT_("n_tokens_b", d->tb.n),
        TA_H5_ATTR_INT_("n_shared_tokens", d->n_shared),
        TA_H5_ATTR_INT_("n_shared_queries", d->m_all),
        TA_H5_ATTR_STR_("a", d->o->a),
        TA_H5_ATTR_STR_("b", d->o->b),
    };
    int rc = 0;
    TA_CALL_GOTO(ta_h5_write_array(g, "map_a_to_b", TA_ELEM_I32, 1, &na, d->map_ab), done);
    if (C) {
        TA_CALL_GOTO(ta_h5_write_strings(g, "categories", (const char *const *)d->cs.name, C),
                     done);
        TA_CALL_GOTO(ta_anaout_write_summaries(g, "jaccard_cat", s->cjac, C), done);
        TA_CALL_GOTO(ta_anaout_write_summaries(g, "overlap_cat", s->cov, C), done);
        TA_CALL_GOTO(ta_h5_attr_str(g, "categories_source", d->o->categories), done);
    }
    TA_CALL_GOTO(ta_h5_write_attrs(g, NULL, attrs, sizeof attrs / sizeof attrs[0]), done);
    TA_CALL_GOTO(ta_anaout_attr_summary(g, "jaccard", &s->jac), done);
    TA_CALL_GOTO(ta_anaout_attr_summary(g, "overlap", &s->ov), done);
done:
    ta_h5_close(g);
    return rc;
}

static int write_tsvs(void *ctx)
{
    ta__cmp_t *d = ctx;
    ta__cmp_summ_t *s = &d->s;
    ta_outfile_t f;
    TA_CALL(ta_ana_open_table(&f, d->base, ".tsv"));
    fprintf(f.fp, "category\tn\tjaccard_mean\tjaccard_std\tjaccard_ci\toverlap_n\toverlap_mean\t"
                  "overlap_std\toverlap_ci\n");
    for (int32_t c = 0; c < s->ncat; c++) {
        ta_tsv_put_escaped(f.fp, d->cs.name[c], strlen(d->cs.name[c]));
        ta_anaout_summary_cells(f.fp, &s->cjac[c]);
        ta_anaout_summary_cells(f.fp, &s->cov[c]);
        fputc('\n', f.fp);
    }
    fputs("ALL", f.fp);
    ta_anaout_summary_cells(f.fp, &s->jac);
    ta_anaout_summary_cells(f.fp, &s->ov);
    fputc('\n', f.fp);
    TA_CALL(ta_outfile_commit(&f));
    /* The intersection map: every shared token, a id, b id, string. */
    TA_CALL(ta_ana_open_table(&f, d->base, ".map.tsv"));
    fprintf(f.fp, "a_id\tb_id\ttoken\n");
    for (int64_t i = 0; i < d->ta.n; i++)
        if (d->map_ab[i] >= 0) {
            fprintf(f.fp, "%lld\t%d\t", (long long)i, d->map_ab[i]);
            ta_tsv_put_escaped(f.fp, d->ta.s[i], d->ta.len[i]);
            fputc('\n', f.fp);
        }
    TA_CALL(ta_outfile_commit(&f));
    return 0;
}

static void print_summary(void *ctx)
{
    ta__cmp_t *d = ctx;
    ta__cmp_summ_t *s = &d->s;
    if (ta_log_quiet())
        return;
    if (d->paper)
        printf("compare: %lld tokens in a, %lld in b, %lld shared; %lld shared query texts, "
               "every entry of a row (paper protocol)\n",
               (long long)d->ta.n, (long long)d->tb.n, (long long)d->n_shared, (long long)d->m_all);
    else
        printf("compare: %lld tokens in a, %lld in b, %lld shared; %lld shared queries, top %lld\n",
               (long long)d->ta.n, (long long)d->tb.n, (long long)d->n_shared, (long long)d->m_all,
               (long long)d->o->top);
    printf("  Jaccard of neighbour sets: mean %.4f (std %.4f, 95%% CI +-%.4f)\n", s->jac.mean,
           s->jac.std, s->jac.ci);
    printf(d->paper ? "  overlap |A n B| / |A|: mean %.4f%%\n"
                    : "  overlap share |A n B| / N: mean %.4f\n",
           s->ov.mean);
    for (int32_t c = 0; c < s->ncat && c < 40; c++)
        if (s->cjac[c].n)
            printf("    %-14s %8lld  %7.4f\n", d->cs.name[c], (long long)s->cjac[c].n,
                   s->cjac[c].mean);
    printf("  wrote %s and %s.{tsv,map.tsv}\n", d->h5path, d->base);
}

static void cleanup(void *ctx)
{
    ta__cmp_t *d = ctx;
    ta_nbfile_close(&d->a);
    ta_nbfile_close(&d->b);
    ta_tokens_free(&d->ta);
    ta_tokens_free(&d->tb);
    ta_catset_free(&d->cs);
    free(d->map_ab);
    free(d->map_ba);
    free(d->brow);
    free(d->qa);
    free(d->qb);
    free(d->inter);
    free(d->jac);
    free(d->ov);
    free(d->all_ov);
    free(d->bneigh);
    free(d->slot);
    free(d->bcnt);
    free(d->all_qa);
    free(d->all_inter);
    free(d->all_jac);
    free(d->s.cjac);
    free(d->s.cov);
    free(d->h5path);
    free(d->base);
}

static const ta_ana_ops_t ops = {write_h5_serial, write_tsvs, print_summary};

/* Collective. The shared queries of every rank on rank 0, summarised, and the outputs: each
 * rank's shared queries follow those of the ranks before it. */
static int write_outputs(void *ctx)
{
    ta__cmp_t *d = ctx;
    int64_t before = 0, n1 = 0;
    TA_CALL(ta_mpi_offset_i64(d->m, &before, &d->m_all));
    /* Nothing to compare is an input error (the same on every rank), not an empty result. */
    TA_CHECK(d->m_all > 0, TA_EINPUT,
             "%s and %s: no shared query: none of the %lld queries of a is a query of b (%lld "
             "tokens shared by the vocabularies)",
             d->o->a, d->o->b, (long long)d->a.q, (long long)d->n_shared);
    TA_CALL(ta_mpi_gather_cat(d->qa, d->m, TA_ELEM_I32, (void **)&d->all_qa, &n1));
    TA_CALL(ta_mpi_gather_cat(d->inter, d->m, TA_ELEM_I32, (void **)&d->all_inter, &n1));
    TA_CALL(ta_mpi_gather_cat(d->jac, d->m, TA_ELEM_F64, (void **)&d->all_jac, &n1));
    if (d->paper)
        TA_CALL(ta_mpi_gather_cat(d->ov, d->m, TA_ELEM_F64, (void **)&d->all_ov, &n1));
    TA_CALL(ta_mpi_agree(ta_mpi_rank() == 0 ? summarise(d, &d->s) : 0));
    const ta_ana_column_t cols[] = {{"/compare/query_a", TA_ELEM_I32, d->qa},
                                    {"/compare/query_b", TA_ELEM_I32, d->qb},
                                    {"/compare/intersection", TA_ELEM_I32, d->inter},
                                    {"/compare/jaccard", TA_ELEM_F64, d->jac},
                                    {"/compare/overlap", TA_ELEM_F64, d->ov}};
    /* The per-key overlap in percent is the paper's own column. */
    return ta_ana_write(d->h5path, d->m_all, before, d->m, cols, d->paper ? 5 : 4, &ops, d);
}

int ta_cmd_compare_run(const ta_compare_opts_t *o)
{
    static const ta_ana_steps_t steps = {load, compute, write_outputs, cleanup};
    ta__cmp_t d;
    memset(&d, 0, sizeof d);
    d.o = o;
    return ta_ana_run(&ta_cmd_compare, o, &steps, &d);
}

TA_CMD_DEFINE(
    compare, ta_compare_opts_t,
    .summary = "per-token Jaccard of neighbour sets of two models on the shared vocabulary",
    .flags = TA_CMD_MPI);
