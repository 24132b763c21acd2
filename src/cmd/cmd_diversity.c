/* `tokenatlas diversity`: how many categories each token's neighbourhood spans.
 *
 * For every query row of a neighbours file: the number of distinct categories among the token
 * and its top N other neighbours (the paper's Fig. 5 and its "7.61 writing systems" for mT5), the
 * per-token category counts of the neighbours (the category x category table) and their entropy.
 * Rows are split over ranks in contiguous blocks; per-token values are gathered to rank 0 in row
 * order and summarised there, integer sums are reduced exactly, so that every statistic is
 * bit-identical for any number of ranks. */
#include "cmd/cmd_diversity.h"
#include "cmd/cmd_diversity_int.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_paper_stats.h"
#include "kernels/ta_stats.h"
#include "io/ta_anaout.h"
#include "io/ta_embed.h"
#include "io/ta_prov.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_ana.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_diversity_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, neighbors, "neighbors", TA_OPT_REQUIRED, "FILE.h5",
                  "neighbours file written by `neighbors`")},
    {TA_OPT_PATH_(O, categories, "categories", TA_OPT_REQUIRED, "PATH",
                  "categorize TSV or model.h5 (/categories/<scheme>)")},
    TA_CMD_OPT_TOP(O),
    {TA_OPT_STRING_(O, exclude, "exclude-categories", 0, NULL, "A,B,...",
                    "leave these categories out of the distinct count")},
    {TA_OPT_PATH_(O, embeddings, "embeddings", 0, "PATH",
                  "norms by category: /norms of a model.h5, or computed from any embeddings "
                  "input (HF directory, .safetensors, .npy, FILE.h5:/dataset); default: the "
                  "categories file when it is a model.h5 with /norms")},
    TA_CMD_OPT_SCHEME(O),
    {TA_OPT_ENUM_(O, protocol, "protocol", 0, "tokenatlas", ta_cmd_protocols,
                  "tokenatlas: the tool's definitions; paper: the paper's scripts (entropy and "
                  "category x category table over every entry of a row, the token included; "
                  "hub counts and the vocabulary's category counts; NaN written as 0)")},
    {TA_OPT_PATH_(O, frequencies, "frequencies", 0, "FILE",
                  "token counts, TSV with the header `token<TAB>count` or `id<TAB>count`: "
                  "categories spanned by frequency decile (the paper's Figure 9)")},
    {TA_OPT_PATH_(O, vocab, "vocab", 0, "PATH",
                  "token strings for --protocol paper and a `token count` frequency file "
                  "(default: /vocab/token of the neighbours file, or the categories file when it "
                  "is a model.h5)")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE", ta_ana_subset_help)},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_OUTPUT, "FILE.h5",
                  "output (default: beside the neighbours file, STEM.diversity.h5); TSV tables "
                  "beside it")},
    {TA_OPT_END_},
};
#undef O

/* Marks the categories named in the comma-separated list; names absent from the categories file
 * only warn, so that one list serves several models. */
static int parse_exclusions(ta__div_t *d)
{
    d->excluded = ta_calloc((size_t)d->cs.ncat + 1, 1);
    TA_CHECK_ALLOC(d->excluded, (size_t)d->cs.ncat + 1);
    if (!d->o->exclude)
        return 0;
    char *list = strdup(d->o->exclude), *save = NULL;
    TA_CHECK_ALLOC(list, strlen(d->o->exclude));
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int32_t c = ta_catset_find(&d->cs, t);
        if (c < 0)
            ta_log_warn("--exclude-categories: %s has no category '%s'", d->o->categories, t);
        else
            d->excluded[c] = 1;
    }
    free(list);
    return 0;
}

/* Local phase: inputs opened and checked on every rank. */
static int load(void *ctx)
{
    ta__div_t *d = ctx;
    const ta_diversity_opts_t *o = d->o;
    d->paper = o->protocol == TA_PROTOCOL_PAPER;
    TA_CALL(ta_ana_open_neighbors(o->neighbors, &d->nb));
    TA_CALL(ta_ana_read_categories(o->categories, o->scheme, -1, NULL, &d->cs));
    TA_CALL(ta_nbfile_set_ntokens(&d->nb, d->cs.n, o->categories));
    if (o->subset)
        TA_CALL(ta_ana_select(&d->nb, o->subset));
    TA_CALL(ta_ana_check_top(&d->nb, o->top));
    TA_CALL(parse_exclusions(d));
    TA_CALL(ta__div_extra_load(d));
    return ta_ana_paths(o->neighbors, o->out, ".diversity.h5", &d->h5path, &d->base);
}

/* Scratch of the per-row callbacks. */
typedef struct {
    ta__div_t *d;
    int32_t *cat;   /* [top] categories of the top others */
    int32_t *nbr;   /* [top] the top others (paper) */
    int32_t *ecat;  /* [k] categories of every entry (paper) */
    uint8_t *mark;  /* [C] */
    int64_t *hist;  /* [C] */
    int64_t *vhist; /* [k + 1] (paper) */
} row_ctx_t;

/* One row, with x->cat holding the categories of the token's top others: the categories spanned
 * by the token and those, and the entropy and the matrix counts of the categories ecat[0..n)
 * (tokenatlas: the top others, entropy of their categories; paper: every entry of the row, the
 * token included, and category-entropy-table.py's entropy, ta_paper_entropy). */
static void row_stats(row_ctx_t *x, int64_t row, int32_t q, const int32_t *ecat, int64_t n)
{
    ta__div_t *d = x->d;
    int64_t C = d->cs.ncat;
    int32_t a = d->cs.code[q];
    d->count[row - d->lo] = ta_stats_distinct(a, x->cat, d->o->top, d->excluded, x->mark);
    if (d->paper) {
        d->entropy[row - d->lo] = ta_paper_entropy(ecat, n, x->hist, x->vhist);
    } else {
        d->entropy[row - d->lo] = ta_stats_entropy(ecat, n, (int32_t)C, x->hist);
        ta_stats_clear_hist(ecat, n, x->hist);
    }
    ta_paper_matrix_add(a, ecat, n, (int32_t)C, x->hist, d->mat + 2 * C * C, d->mat,
                        d->mat + C * C);
    d->cat_queries[a]++;
}

static int div_row(void *ctx, int64_t row, int32_t q, const int32_t *nbr, int64_t top)
{
    row_ctx_t *x = ctx;
    for (int64_t j = 0; j < top; j++)
        x->cat[j] = x->d->cs.code[nbr[j]];
    row_stats(x, row, q, x->cat, top);
    return 0;
}

static int div_row_paper(void *ctx, int64_t row, int32_t q, const int32_t *entries, int64_t k)
{
    row_ctx_t *x = ctx;
    ta__div_t *d = x->d;
    TA_CALL(ta_nbfile_top_others(&d->nb, row, q, entries, k, d->o->top, x->nbr));
    for (int64_t j = 0; j < d->o->top; j++)
        x->cat[j] = d->cs.code[x->nbr[j]];
    int64_t n = 0;
    for (int64_t c = 0; c < k; c++)
        if (entries[c] >= 0)
            x->ecat[n++] = d->cs.code[entries[c]];
    ta__div_hub_row(d, row, entries, k);
    row_stats(x, row, q, x->ecat, n);
    return 0;
}

/* Per-token values for this rank's rows, and the exact matrix sums. */
static int compute(void *ctx)
{
    ta__div_t *d = ctx;
    ta_mpi_block_range(d->nb.q, ta_mpi_rank(), ta_mpi_size(), &d->lo, &d->hi);
    int64_t C = d->cs.ncat, m = d->hi - d->lo, top = d->o->top, k = d->nb.k ? d->nb.k : 1;
    d->count = ta_malloc((size_t)(m ? m : 1) * sizeof *d->count);
    d->entropy = ta_malloc((size_t)(m ? m : 1) * sizeof *d->entropy);
    d->mat = ta_calloc((size_t)(3 * C * C + C), sizeof *d->mat);
    row_ctx_t x = {d,
                   ta_malloc((size_t)top * sizeof(int32_t)),
                   ta_malloc((size_t)top * sizeof(int32_t)),
                   ta_malloc((size_t)k * sizeof(int32_t)),
                   ta_calloc((size_t)C, 1),
                   ta_calloc((size_t)C, sizeof(int64_t)),
                   ta_calloc((size_t)k + 1, sizeof(int64_t))};
    int rc = 0;
    TA_CHECK_GOTO(d->count && d->entropy && d->mat && x.cat && x.nbr && x.ecat && x.mark &&
                      x.hist && x.vhist,
                  TA_ERESOURCE, done, "out of memory for %lld rows", (long long)m);
    d->cat_queries = d->mat + 3 * C * C;
    if (d->paper)
        rc = ta_nbfile_each_row_full(&d->nb, d->lo, d->hi, div_row_paper, &x);
    else
        rc = ta_nbfile_each_row(&d->nb, d->lo, d->hi, top, div_row, &x);
done:
    free(x.cat);
    free(x.nbr);
    free(x.ecat);
    free(x.mark);
    free(x.hist);
    free(x.vhist);
    return rc;
}

/* Rows of the embedding matrix read at a time when computing norms. */
#define NORM_BLOCK_ROWS 2048

/* Collective. Norms computed from an embedding matrix (--embeddings without /norms): each rank
 * reads its block of token rows through ta_embed, the per-token norms (the one row normaliser's,
 * kernels/ta_rownorm.h: the same on every rank count; NaN and Inf are errors naming the row) are
 * gathered to rank 0. */
static int compute_norms(ta__div_t *d)
{
    int64_t N = d->cs.n, lo, hi;
    ta_mpi_block_range(N, ta_mpi_rank(), ta_mpi_size(), &lo, &hi);
    ta_embed_t e;
    memset(&e, 0, sizeof e);
    double *mine = NULL;
    float *rows = NULL;
    ta_rownorm_zeros_t z = {0, -1};
    int rc = ta_embed_open_ex(d->o->embeddings, NULL, N, &e);
    if (rc)
        return rc;
    TA_CHECK_GOTO(e.rows >= N, TA_EINPUT, done,
                  "%s: the embedding matrix has %lld rows, fewer than the %lld tokens of %s",
                  d->o->embeddings, (long long)e.rows, (long long)N, d->o->categories);
    mine = ta_malloc((size_t)(hi - lo + 1) * sizeof *mine);
    rows = ta_malloc((size_t)NORM_BLOCK_ROWS * (size_t)e.cols * sizeof *rows);
    TA_CHECK_GOTO(mine && rows, TA_ERESOURCE, done, "out of memory for embedding rows");
    /* Blocks of NORM_BLOCK_ROWS token rows of this rank's range [lo, hi). */
    for (int64_t r0 = lo; r0 < hi; r0 += NORM_BLOCK_ROWS) {
        int64_t nr = hi - r0 < NORM_BLOCK_ROWS ? hi - r0 : NORM_BLOCK_ROWS;
        TA_CALL_GOTO(ta_embed_read_norms(&e, r0, nr, rows, mine + (r0 - lo), &z), done);
    }
done:
    free(rows);
    rc = ta_mpi_agree(rc);
    if (!rc) /* the count over all ranks (the first zero row is known on its rank only) */
        rc = ta_mpi_sum_i64(&z.count, 1);
    z.first = -1;
    if (!rc)
        ta_embed_warn_zero_rows(&e, &z, "their norm 0 counts in the norm statistics");
    ta_embed_close(&e);
    if (!rc) {
        int64_t n_all;
        rc = ta_mpi_gather_cat(mine, hi - lo, TA_ELEM_F64, (void **)&d->norms, &n_all);
    }
    free(mine);
    d->normsrc = d->o->embeddings;
    if (!rc)
        rc = ta_prov_add_input(d->o->embeddings);
    return rc;
}

/* Rank 0: the norms of every token from /norms of --embeddings or, when not given, of the
 * categories file if it is a model.h5 holding /norms. */
static int load_norms(ta__div_t *d)
{
    if (d->norms)
        return 0; /* computed from the embedding matrix */
    const char *src = d->o->embeddings ? d->o->embeddings : d->o->categories;
    int has = 0;
    TA_CALL(ta_h5_file_has(src, "/norms", &has));
    if (!has)
        return 0;
    hid_t f;
    TA_CALL(ta_h5_open_read(src, &f));
    int64_t n = 0;
    int rc = ta_h5_read_all(f, src, "/norms", TA_ELEM_F64, 1, (void **)&d->norms, &n);
    ta_h5_close(f);
    TA_CALL(rc);
    TA_CHECK(n == d->cs.n, TA_EINPUT, "%s: /norms has %lld entries but %s has %lld tokens", src,
             (long long)n, d->o->categories, (long long)d->cs.n);
    /* A norm is what ingest wrote: finite and >= 0. */
    for (int64_t i = 0; i < n; i++)
        TA_CHECK(isfinite(d->norms[i]) && d->norms[i] >= 0, TA_EINPUT,
                 "%s: /norms row %lld holds %g: a norm is a finite number >= 0", src, (long long)i,
                 d->norms[i]);
    d->normsrc = src;
    return src != d->o->categories ? ta_prov_add_input(src) : 0;
}

static void summ_free(ta__div_summ_t *s)
{
    free(s->cat);
    free(s->ent);
    free(s->dec);
    free(s->mat);
    free(s->norm);
    free(s->histogram);
    ta__div_extra_free(&s->x);
}

/* The paper's tables write every NaN of a summary as 0 (pandas' fillna(0)). */
static void fill0_all(const ta__div_t *d, ta__div_summ_t *s)
{
    int64_t C = d->cs.ncat;
    ta_paper_fill0(&s->all);
    ta_paper_fill0(&s->ent_all);
    for (int64_t c = 0; c < C; c++) {
        ta_paper_fill0(&s->cat[c]);
        ta_paper_fill0(&s->ent[c]);
        ta_paper_fill0(&s->norm[c]);
    }
    for (int i = 0; i < 10; i++)
        ta_paper_fill0(&s->dec[i]);
    for (int64_t i = 0; i < C * C; i++)
        ta_paper_fill0(&s->mat[i]);
}

static int summarise(ta__div_t *d, ta__div_summ_t *s)
{
    int64_t C = d->cs.ncat, Q = d->nb.q, N = d->cs.n;
    int64_t gmax = C > 10 ? C : 10;
    if (N > gmax)
        gmax = N;
    if (Q > gmax)
        gmax = Q;
    s->cat = ta_calloc((size_t)C + 1, sizeof *s->cat);
    s->ent = ta_calloc((size_t)C + 1, sizeof *s->ent);
    s->dec = ta_calloc(10, sizeof *s->dec);
    s->mat = ta_calloc((size_t)(C * C) + 1, sizeof *s->mat);
    s->norm = ta_calloc((size_t)C + 1, sizeof *s->norm);
    s->histogram = ta_calloc((size_t)d->o->top + 2, sizeof *s->histogram);
    double *x = ta_malloc((size_t)gmax * sizeof *x), *scratch = ta_malloc((size_t)gmax * 8);
    int32_t *grp = ta_malloc((size_t)gmax * sizeof *grp);
    int rc = 0;
    TA_CHECK_GOTO(s->cat && s->ent && s->dec && s->mat && s->norm && s->histogram && x && scratch &&
                      grp,
                  TA_ERESOURCE, done, "out of memory for summaries");
    for (int64_t i = 0; i < Q; i++) {
        x[i] = d->all_count[i];
        s->histogram[d->all_count[i]]++;
        grp[i] = d->cs.code[d->nb.query[i]];
    }
    ta_stats_summary(x, Q, &s->all);
    ta_stats_summary_by_group(x, grp, Q, (int32_t)C, s->cat, scratch);
    for (int64_t i = 0; i < Q; i++)
        grp[i] = ta_stats_decile(d->nb.query[i], N);
    ta_stats_summary_by_group(x, grp, Q, 10, s->dec, scratch);
    ta_stats_summary(d->all_entropy, Q, &s->ent_all);
    for (int64_t i = 0; i < Q; i++)
        grp[i] = d->cs.code[d->nb.query[i]];
    ta_stats_summary_by_group(d->all_entropy, grp, Q, (int32_t)C, s->ent, scratch);
    /* A cell's mean is over the category's query tokens (tokenatlas), or over those with at
     * least one such neighbour (paper: groupby(...).size() has no rows for zero counts). */
    for (int64_t a = 0; a < C; a++)
        for (int64_t b = 0; b < C; b++)
            ta_stats_summary_int(d->paper ? d->mat[2 * C * C + a * C + b] : d->cat_queries[a],
                                 d->mat[a * C + b], d->mat[C * C + a * C + b], &s->mat[a * C + b]);
    if (d->norms) {
        ta_stats_summary_by_group(d->norms, d->cs.code, N, (int32_t)C, s->norm, scratch);
    }
    if (d->paper)
        fill0_all(d, s);
    rc = ta__div_extra_summarise(d, &s->x);
done:
    free(x);
    free(scratch);
    free(grp);
    return rc;
}

/* The category x category matrix: mean, ci and std datasets [C, C]; under paper also matrix_n,
 * the tokens with at least one such neighbour (each cell has its own n there). */
static int write_matrix(hid_t g, const ta_summary_t *mat, int64_t C, int paper)
{
    double *mm = ta_malloc((size_t)(C * C + 1) * sizeof *mm);
    TA_CHECK_ALLOC(mm, (size_t)(C * C + 1) * sizeof *mm);
    static const char *const names[] = {"matrix_mean", "matrix_ci", "matrix_std"};
    int64_t md[2] = {C, C};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        for (int64_t i = 0; i < C * C; i++)
            mm[i] = k == 0 ? mat[i].mean : k == 1 ? mat[i].ci : mat[i].std;
        rc = ta_h5_write_array(g, names[k], TA_ELEM_F64, 2, md, mm);
    }
    if (!rc && paper) {
        int64_t *mn = (int64_t *)mm; /* same size */
        for (int64_t i = 0; i < C * C; i++)
            mn[i] = mat[i].n;
        rc = ta_h5_write_array(g, "matrix_n", TA_ELEM_I64, 2, md, mn);
    }
    free(mm);
    return rc;
}

/* The group's attributes. */
static int write_attrs(ta__div_t *d, ta__div_summ_t *s, hid_t g)
{
    int64_t C = d->cs.ncat, nex = 0;
    const char **ex = ta_malloc((size_t)(C + 1) * sizeof *ex);
    TA_CHECK_ALLOC(ex, (size_t)(C + 1) * sizeof *ex);
    for (int64_t c = 0; c < C; c++)
        if (d->excluded[c])
            ex[nex++] = d->cs.name[c];
    const ta_h5_attr_t attrs[] = {
        TA_H5_ATTR_STR_("protocol", ta_cmd_protocols[d->o->protocol]),
        TA_H5_ATTR_INT_("top", d->o->top),
        TA_H5_ATTR_INT_("k", d->nb.k),
        TA_H5_ATTR_INT_("n_tokens", d->cs.n),
        TA_H5_ATTR_STR_("neighbors", d->o->neighbors),
        TA_H5_ATTR_STR_("categories_source", d->o->categories),
        TA_H5_ATTR_STRS_("excluded_categories", ex, (int)nex),
    };
    int rc = ta_h5_write_attrs(g, NULL, attrs, sizeof attrs / sizeof attrs[0]);
    free(ex);
    TA_CALL(rc);
    TA_CALL(ta_anaout_attr_summary(g, "count", &s->all));
    return ta_anaout_attr_summary(g, "entropy", &s->ent_all);
}

/* Rank 0, serial phase: everything in /diversity but the per-row columns. */
static int write_h5_serial(void *ctx, hid_t file)
{
    ta__div_t *d = ctx;
    ta__div_summ_t *s = &d->s;
    int64_t C = d->cs.ncat, hn = d->o->top + 2;
    hid_t g;
    TA_CALL(ta_h5_open_object(file, "/diversity", &g));
    int rc = 0;
    TA_CALL_GOTO(ta_h5_write_strings(g, "categories", (const char *const *)d->cs.name, C), done);
    TA_CALL_GOTO(ta_h5_write_array(g, "histogram", TA_ELEM_I64, 1, &hn, s->histogram), done);
    TA_CALL_GOTO(ta_anaout_write_summaries(g, "cat", s->cat, C), done);
    TA_CALL_GOTO(ta_anaout_write_summaries(g, "entropy_cat", s->ent, C), done);
    TA_CALL_GOTO(ta_anaout_write_summaries(g, "decile", s->dec, 10), done);
    TA_CALL_GOTO(write_matrix(g, s->mat, C, d->paper), done);
    TA_CALL_GOTO(ta__div_extra_write_h5(d, &s->x, g), done);
    if (d->norms) {
        TA_CALL_GOTO(ta_anaout_write_summaries(g, "norm_cat", s->norm, C), done);
        TA_CALL_GOTO(ta_h5_attr_str(g, "norms_source", d->normsrc), done);
    }
    TA_CALL_GOTO(write_attrs(d, s, g), done);
done:
    ta_h5_close(g);
    return rc;
}

/* Per category: the count, entropy and norm summaries; last row ALL. */
static int write_category_table(ta__div_t *d, ta__div_summ_t *s)
{
    ta_outfile_t f;
    TA_CALL(ta_ana_open_table(&f, d->base, ".tsv"));
    fprintf(f.fp,
            "category\tn\tcount_mean\tcount_std\tcount_ci\tentropy_n\tentropy_mean\tentropy_std\t"
            "entropy_ci\tn_norm\tnorm_mean\tnorm_std\tnorm_ci\n");
    for (int64_t c = 0; c < d->cs.ncat; c++) {
        ta_tsv_put_escaped(f.fp, d->cs.name[c], strlen(d->cs.name[c]));
        ta_anaout_summary_cells(f.fp, &s->cat[c]);
        ta_anaout_summary_cells(f.fp, &s->ent[c]);
        ta_summary_t none = {0, NAN, NAN, NAN};
        ta_anaout_summary_cells(f.fp, d->norms ? &s->norm[c] : &none);
        fputc('\n', f.fp);
    }
    fputs("ALL", f.fp);
    ta_anaout_summary_cells(f.fp, &s->all);
    ta_anaout_summary_cells(f.fp, &s->ent_all);
    fputs("\t0\tnan\tnan\tnan\n", f.fp);
    return ta_outfile_commit(&f);
}

/* The histogram, and the counts by token-id decile. */
static int write_count_tables(ta__div_t *d, ta__div_summ_t *s)
{
    ta_outfile_t f;
    TA_CALL(ta_ana_open_table(&f, d->base, ".histogram.tsv"));
    fprintf(f.fp, "count\ttokens\n");
    for (int64_t i = 0; i < d->o->top + 2; i++)
        fprintf(f.fp, "%lld\t%lld\n", (long long)i, (long long)s->histogram[i]);
    TA_CALL(ta_outfile_commit(&f));
    TA_CALL(ta_ana_open_table(&f, d->base, ".deciles.tsv"));
    fprintf(f.fp, "decile\tfirst_id\tn\tmean\tstd\tci\n");
    for (int i = 0; i < 10; i++) {
        /* The first id t with floor(10 t / N) = i. */
        int64_t first = (i * d->cs.n + 9) / 10;
        fprintf(f.fp, "%d\t%lld", i, (long long)first);
        ta_anaout_summary_cells(f.fp, &s->dec[i]);
        fputc('\n', f.fp);
    }
    TA_CALL(ta_outfile_commit(&f));
    return ta__div_extra_write_tsvs(d, &s->x);
}

static int write_tsvs(void *ctx)
{
    ta__div_t *d = ctx;
    ta__div_summ_t *s = &d->s;
    int64_t C = d->cs.ncat;
    TA_CALL(write_category_table(d, s));
    /* Category x category, long form: row category a, neighbour category b. */
    ta_outfile_t f;
    TA_CALL(ta_ana_open_table(&f, d->base, ".catmatrix.tsv"));
    fprintf(f.fp, "category\tneighbor_category\tn\tmean\tstd\tci\n");
    for (int64_t a = 0; a < C; a++)
        for (int64_t b = 0; b < C; b++) {
            ta_tsv_put_escaped(f.fp, d->cs.name[a], strlen(d->cs.name[a]));
            fputc('\t', f.fp);
            ta_tsv_put_escaped(f.fp, d->cs.name[b], strlen(d->cs.name[b]));
            ta_anaout_summary_cells(f.fp, &s->mat[a * C + b]);
            fputc('\n', f.fp);
        }
    TA_CALL(ta_outfile_commit(&f));
    return write_count_tables(d, s);
}

static void print_summary(void *ctx)
{
    ta__div_t *d = ctx;
    ta__div_summ_t *s = &d->s;
    if (ta_log_quiet())
        return;
    int64_t C = d->cs.ncat;
    printf("diversity: %lld queries, %lld tokens, %d categories, top %lld other neighbours%s\n",
           (long long)d->nb.q, (long long)d->cs.n, (int)C, (long long)d->o->top,
           d->paper ? " (paper protocol)" : "");
    printf("  distinct categories per neighbourhood: mean %.4f (std %.4f, 95%% CI +-%.4f)\n",
           s->all.mean, s->all.std, s->all.ci);
    printf("  entropy of neighbour categories (nats): mean %.4f (std %.4f)\n", s->ent_all.mean,
           s->ent_all.std);
    printf("  by query category (n, mean count +- 95%% CI, mean entropy):\n");
    /* The largest categories first, at most 12 lines. */
    int32_t *order = malloc((size_t)(C ? C : 1) * sizeof *order);
    if (!order)
        return;
    for (int32_t c = 0; c < C; c++)
        order[c] = c;
    for (int32_t i = 1; i < C; i++)
        for (int32_t j = i; j > 0 && s->cat[order[j]].n > s->cat[order[j - 1]].n; j--) {
            int32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int32_t i = 0; i < C && i < 12; i++) {
        int32_t c = order[i];
        if (s->cat[c].n == 0)
            break;
        printf("    %-14s %8lld  %7.3f +- %-7.3f %6.3f\n", d->cs.name[c], (long long)s->cat[c].n,
               s->cat[c].mean, isnan(s->cat[c].ci) ? 0.0 : s->cat[c].ci, s->ent[c].mean);
    }
    free(order);
    printf("  by token-id decile:");
    for (int i = 0; i < 10; i++)
        printf(" %.2f", s->dec[i].mean);
    printf("\n");
    ta__div_extra_print(d, &s->x);
    printf("  wrote %s and %s.{tsv,catmatrix.tsv,histogram.tsv,deciles.tsv}\n", d->h5path, d->base);
}

static void cleanup(void *ctx)
{
    ta__div_t *d = ctx;
    ta_nbfile_close(&d->nb);
    ta_catset_free(&d->cs);
    free(d->excluded);
    free(d->count);
    free(d->entropy);
    free(d->mat);
    free(d->all_count);
    free(d->all_entropy);
    free(d->norms);
    free(d->h5path);
    free(d->base);
    summ_free(&d->s);
    ta__div_extra_cleanup(d);
}

/* Collective. The per-row values of every rank on rank 0, the exact matrix sums on every rank,
 * and the norms when they must be computed from an embedding matrix. */
static int gather(ta__div_t *d)
{
    int64_t C = d->cs.ncat, n_all = 0, m = d->hi - d->lo;
    TA_CALL(ta_mpi_sum_i64(d->mat, 3 * C * C + C));
    if (d->paper)
        TA_CALL(ta__div_hub_reduce(d));
    TA_CALL(ta_mpi_gather_cat(d->count, m, TA_ELEM_I32, (void **)&d->all_count, &n_all));
    TA_CALL(ta_mpi_gather_cat(d->entropy, m, TA_ELEM_F64, (void **)&d->all_entropy, &n_all));
    if (!d->o->embeddings)
        return 0;
    int has = 0;
    TA_CALL(ta_mpi_agree(ta_h5_file_has(d->o->embeddings, "/norms", &has)));
    return has ? 0 : compute_norms(d);
}

static const ta_ana_ops_t ops = {write_h5_serial, write_tsvs, print_summary};

/* Collective. The values gathered and summarised, then the output file and tables. */
static int write_outputs(void *ctx)
{
    ta__div_t *d = ctx;
    TA_CALL(gather(d));
    int rc = 0;
    if (ta_mpi_rank() == 0) {
        rc = load_norms(d);
        if (!rc)
            rc = summarise(d, &d->s);
    }
    rc = ta_mpi_agree(rc);
    const ta_ana_column_t cols[] = {{"/diversity/query", TA_ELEM_I32, d->nb.query + d->lo},
                                    {"/diversity/count", TA_ELEM_I32, d->count},
                                    {"/diversity/entropy", TA_ELEM_F64, d->entropy}};
    return rc ? rc : ta_ana_write(d->h5path, d->nb.q, d->lo, d->hi - d->lo, cols, 3, &ops, d);
}

int ta_cmd_diversity_run(const ta_diversity_opts_t *o)
{
    static const ta_ana_steps_t steps = {load, compute, write_outputs, cleanup};
    ta__div_t d;
    memset(&d, 0, sizeof d);
    d.o = o;
    return ta_ana_run(&ta_cmd_diversity, o, &steps, &d);
}

TA_CMD_DEFINE(
    diversity, ta_diversity_opts_t,
    .summary =
        "categories spanned by each token's neighbourhood, histogram, category matrix, entropy",
    .flags = TA_CMD_MPI);
