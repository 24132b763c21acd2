/* `tokenatlas translate`: how many of a token's nearest neighbours are its translations.
 *
 * tokenatlas protocol: tokens and dictionary words are normalised alike (ta_muse_normalize); a
 * token maps to the English headwords of every dictionary cluster holding it. For each query with
 * at least one headword, the count is the number of its top N other neighbours that share a
 * headword with it. Queries without a dictionary entry get -1 and are left out of the means
 * (counted apart).
 *
 * paper protocol (vocab_translation.py, neighbor_meaning.py, meaning-by-category-table.py): the
 * dictionary words are kept exact, a token's key is its text lower-cased with U+2581 stripped
 * (ta_paper_translation_key), and the count runs over every entry of the row, the token included;
 * a query without translations counts 0 and stays in the means; NaN is written 0.
 *
 * Rows are split over ranks; counts are gathered to rank 0 in row order and summarised there. */
#include "cmd/cmd_translate.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_paper_stats.h"
#include "kernels/ta_stats.h"
#include "io/ta_anaout.h"
#include "io/ta_muse.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_ana.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_translate_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, neighbors, "neighbors", TA_OPT_REQUIRED, "FILE.h5",
                  "neighbours file written by `neighbors`")},
    {TA_OPT_PATH_(O, vocab, "vocab", TA_OPT_REQUIRED, "PATH",
                  "the model's vocabulary (tokenizer.json, .model, JSON list, text, model.h5)")},
    {TA_OPT_PATH_(O, dict, "dict", TA_OPT_REQUIRED, "DIR",
                  "MUSE dictionaries: DIR/en-xx.txt, lines `english other`")},
    TA_CMD_OPT_TOP(O),
    {TA_OPT_PATH_(O, categories, "categories", 0, "PATH",
                  "summaries by category (categorize TSV or model.h5)")},
    TA_CMD_OPT_SCHEME(O),
    {TA_OPT_ENUM_(O, protocol, "protocol", 0, "tokenatlas", ta_cmd_protocols,
                  "tokenatlas: normalised words, the top N others, -1 without an entry; paper: "
                  "the paper's scripts (exact words, lower-cased tokens, every entry of the row "
                  "including the token, 0 without a translation)")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE", ta_ana_subset_help)},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_OUTPUT, "FILE.h5",
                  "output (default: beside the neighbours file, STEM.translate.h5); "
                  "STEM.translate.tsv beside it")},
    {TA_OPT_END_},
};
#undef O

/* Malformed dictionary lines reported one by one before a summary line. */
#define WARN_LIMIT 20

typedef struct {
    ta_summary_t all;
    int64_t no_entry;
    int32_t ncat;
    ta_summary_t *cat; /* [ncat] */
    int64_t *cat_no_entry;
} summ_t;

typedef struct {
    const ta_translate_opts_t *o;
    ta_nbfile_t nb;
    ta_vocab_t voc;
    ta_catset_t cs; /* n = 0 when no --categories */
    ta_muse_t dict;
    int32_t *word; /* [N] dictionary word of each token, -1 = none */
    int paper;     /* --protocol paper */
    int64_t top;   /* neighbours counted: --top, or (paper) the k entries of a row */
    int64_t lo, hi;
    int32_t *count;      /* [hi - lo] */
    int32_t *all_count;  /* rank 0 */
    summ_t s;            /* rank 0: the summaries */
    char *h5path, *base; /* the output and the stem of its table */
} tr_t;

/* The dictionary word of token t, -1 when it has none. The paper's key is looked up as it is. */
static int word_of(tr_t *d, int64_t t, int32_t *word)
{
    const char *s = d->voc.piece[t];
    size_t len = d->voc.len[t];
    int64_t w = -1;
    if (!d->paper) {
        TA_CALL(ta_muse_lookup(&d->dict, s, len, &w));
        *word = (int32_t)w;
        return 0;
    }
    char *key = ta_malloc(2 * len + 4);
    uint16_t *work = ta_malloc((3 * len + 8) * sizeof *work);
    size_t kl = 0;
    int rc = 0, has = 0;
    TA_CHECK_GOTO(key && work, TA_ERESOURCE, done, "out of memory for a token of %zu bytes", len);
    has = ta_paper_translation_key(s, len, key, 2 * len + 4, &kl, work, 3 * len + 8);
    TA_CHECK_GOTO(has >= 0, TA_EINTERNAL, done, "token %lld: lower-cased key too long",
                  (long long)t);
    if (has)
        rc = ta_muse_lookup(&d->dict, key, kl, &w);
done:
    free(key);
    free(work);
    *word = (int32_t)w;
    return rc;
}

static int load(void *ctx)
{
    tr_t *d = ctx;
    const ta_translate_opts_t *o = d->o;
    d->paper = o->protocol == TA_PROTOCOL_PAPER;
    TA_CALL(ta_ana_open_neighbors(o->neighbors, &d->nb));
    TA_CALL(ta_vocab_read(o->vocab, &d->voc));
    TA_CALL(ta_prov_add_input(o->vocab));
    TA_CALL(ta_nbfile_set_ntokens(&d->nb, d->voc.n, o->vocab));
    if (o->subset)
        TA_CALL(ta_ana_select(&d->nb, o->subset));
    /* The paper counts every entry of a row: --top plays no part. */
    if (!d->paper)
        TA_CALL(ta_ana_check_top(&d->nb, o->top));
    d->top = d->paper ? d->nb.k : o->top;
    if (o->categories)
        TA_CALL(ta_ana_read_categories(o->categories, o->scheme, d->voc.n, o->vocab, &d->cs));
    TA_CALL(ta_muse_read_dir_mode(o->dict, WARN_LIMIT, d->paper ? TA_MUSE_EXACT : TA_MUSE_NORMALIZE,
                                  &d->dict));
    /* Dictionaries that give nothing to count with are an input error, not shares of 0. */
    TA_CHECK(d->dict.n_pairs > 0, TA_EINPUT,
             "%s: no usable pairs in %lld dictionary file%s (%lld lines, %lld malformed)", o->dict,
             (long long)d->dict.n_files, d->dict.n_files == 1 ? "" : "s",
             (long long)d->dict.n_lines, (long long)d->dict.n_malformed);
    d->word = ta_malloc((size_t)(d->voc.n ? d->voc.n : 1) * sizeof *d->word);
    TA_CHECK_ALLOC(d->word, (size_t)d->voc.n * sizeof *d->word);
    int64_t matched = 0;
    for (int64_t t = 0; t < d->voc.n; t++) {
        TA_CALL(word_of(d, t, &d->word[t]));
        matched += d->word[t] >= 0;
    }
    TA_CHECK(matched > 0, TA_EINPUT,
             "%s: none of the %lld tokens of %s matches a word of the %lld dictionary pairs",
             o->dict, (long long)d->voc.n, o->vocab, (long long)d->dict.n_pairs);
    return ta_ana_paths(o->neighbors, o->out, ".translate.h5", &d->h5path, &d->base);
}

static int tr_row(void *ctx, int64_t row, int32_t q, const int32_t *nbr, int64_t top)
{
    tr_t *d = ctx;
    d->count[row - d->lo] =
        d->word[q] < 0 ? -1
                       : ta_paper_translation_count(q, nbr, top, d->word, d->dict.off, d->dict.eng);
    return 0;
}

static int tr_row_paper(void *ctx, int64_t row, int32_t q, const int32_t *entries, int64_t k)
{
    tr_t *d = ctx;
    d->count[row - d->lo] =
        ta_paper_translation_count(q, entries, k, d->word, d->dict.off, d->dict.eng);
    return 0;
}

static int compute(void *ctx)
{
    tr_t *d = ctx;
    ta_mpi_block_range(d->nb.q, ta_mpi_rank(), ta_mpi_size(), &d->lo, &d->hi);
    int64_t m = d->hi - d->lo;
    d->count = ta_malloc((size_t)(m ? m : 1) * sizeof *d->count);
    TA_CHECK(d->count, TA_ERESOURCE, "out of memory for %lld rows", (long long)m);
    if (d->paper)
        return ta_nbfile_each_row_full(&d->nb, d->lo, d->hi, tr_row_paper, d);
    return ta_nbfile_each_row(&d->nb, d->lo, d->hi, d->o->top, tr_row, d);
}

static int summarise(tr_t *d, summ_t *s)
{
    int64_t Q = d->nb.q;
    s->ncat = d->cs.ncat;
    s->cat = ta_calloc((size_t)s->ncat + 1, sizeof *s->cat);
    s->cat_no_entry = ta_calloc((size_t)s->ncat + 1, sizeof *s->cat_no_entry);
    double *x = ta_malloc((size_t)(Q ? Q : 1) * sizeof *x);
    double *scratch = ta_malloc((size_t)(Q + s->ncat + 1) * sizeof *scratch);
    int32_t *grp = ta_malloc((size_t)(Q ? Q : 1) * sizeof *grp);
    int rc = 0;
    TA_CHECK_GOTO(s->cat && s->cat_no_entry && x && scratch && grp, TA_ERESOURCE, done,
                  "out of memory for summaries");
    /* Queries without an entry are left out of the means (tokenatlas) or count 0 in them
     * (paper). */
    for (int64_t i = 0; i < Q; i++) {
        int none = d->word[d->nb.query[i]] < 0;
        x[i] = d->all_count[i];
        grp[i] = none && !d->paper ? -1 : 0;
        if (none)
            s->no_entry++;
    }
    ta_stats_summary_by_group(x, grp, Q, 1, &s->all, scratch);
    if (s->ncat) {
        for (int64_t i = 0; i < Q; i++) {
            int32_t a = d->cs.code[d->nb.query[i]];
            int none = d->word[d->nb.query[i]] < 0;
            if (none)
                s->cat_no_entry[a]++;
            grp[i] = none && !d->paper ? -1 : a;
        }
        ta_stats_summary_by_group(x, grp, Q, s->ncat, s->cat, scratch);
    }
    if (d->paper) {
        ta_paper_fill0(&s->all);
        for (int32_t c = 0; c < s->ncat; c++)
            ta_paper_fill0(&s->cat[c]);
    }
done:
    free(x);
    free(scratch);
    free(grp);
    return rc;
}

/* The group's attributes. */
static int write_attrs(tr_t *d, summ_t *s, hid_t g)
{
    const ta_muse_t *m = &d->dict;
    const ta_h5_attr_t attrs[] = {
        TA_H5_ATTR_STR_("protocol", ta_cmd_protocols[d->o->protocol]),
        TA_H5_ATTR_INT_("top", d->top),
        TA_H5_ATTR_INT_("k", d->nb.k),
        TA_H5_ATTR_INT_("n_tokens", d->voc.n),
        TA_H5_ATTR_INT_("n_queries", d->nb.q),
        TA_H5_ATTR_INT_("n_with_entry", d->nb.q - s->no_entry),
        TA_H5_ATTR_INT_("n_without_entry", s->no_entry),
        TA_H5_ATTR_INT_("dict_pairs", m->n_pairs),
        TA_H5_ATTR_INT_("dict_words", m->words.n),
        TA_H5_ATTR_INT_("dict_english_words", m->n_english),
        TA_H5_ATTR_INT_("malformed_lines", m->n_malformed),
        TA_H5_ATTR_STR_("dict_dir", d->o->dict),
        TA_H5_ATTR_STR_("neighbors", d->o->neighbors),
        TA_H5_ATTR_STR_("vocab", d->o->vocab),
    };
    TA_CALL(ta_h5_write_attrs(g, NULL, attrs, sizeof attrs / sizeof attrs[0]));
    TA_CALL(ta_anaout_attr_summary(g, "count", &s->all));
    return ta_h5_attr_double(g, "share_mean", s->all.mean / (double)d->top);
}

/* The summaries by category. */
static int write_categories(tr_t *d, summ_t *s, hid_t g)
{
    int64_t C = s->ncat;
    TA_CALL(ta_h5_write_strings(g, "categories", (const char *const *)d->cs.name, C));
    TA_CALL(ta_anaout_write_summaries(g, "cat", s->cat, C));
    TA_CALL(ta_h5_write_array(g, "cat_no_entry", TA_ELEM_I64, 1, &C, s->cat_no_entry));
    return ta_h5_attr_str(g, "categories_source", d->o->categories);
}

/* Rank 0, serial phase: everything in /translate but the per-row columns. */
static int write_h5_serial(void *ctx, hid_t file)
{
    tr_t *d = ctx;
    summ_t *s = &d->s;
    int64_t nf = d->dict.n_files;
    const char **sha = ta_malloc((size_t)(nf ? nf : 1) * sizeof *sha);
    TA_CHECK_ALLOC(sha, (size_t)(nf ? nf : 1) * sizeof *sha);
    for (int64_t i = 0; i < nf; i++)
        sha[i] = d->dict.sha[i];
    hid_t g = -1;
    int rc = 0;
    TA_CALL_GOTO(ta_h5_open_object(file, "/translate", &g), done);
    if (s->ncat)
        TA_CALL_GOTO(write_categories(d, s, g), done);
    TA_CALL_GOTO(ta_h5_write_strings(g, "dict_files", (const char *const *)d->dict.file, nf), done);
    TA_CALL_GOTO(ta_h5_write_strings(g, "dict_sha256", sha, nf), done);
    TA_CALL_GOTO(write_attrs(d, s, g), done);
done:
    ta_h5_close(g);
    free(sha);
    return rc;
}

static void tsv_row(FILE *fp, const char *name, const ta_summary_t *s, int64_t no_entry,
                    int64_t top)
{
    ta_tsv_put_escaped(fp, name, strlen(name));
    ta_anaout_summary_cells(fp, s);
    fputc('\t', fp);
    ta_anaout_num(fp, s->mean / (double)top);
    fprintf(fp, "\t%lld\n", (long long)no_entry);
}

static int write_tsv(void *ctx)
{
    tr_t *d = ctx;
    summ_t *s = &d->s;
    ta_outfile_t f;
    TA_CALL(ta_ana_open_table(&f, d->base, ".tsv"));
    fprintf(f.fp, "category\tn\tmean\tstd\tci\tshare_mean\tno_entry\n");
    for (int32_t c = 0; c < s->ncat; c++)
        tsv_row(f.fp, d->cs.name[c], &s->cat[c], s->cat_no_entry[c], d->top);
    tsv_row(f.fp, "ALL", &s->all, s->no_entry, d->top);
    TA_CALL(ta_outfile_commit(&f));
    return 0;
}

static void print_summary(void *ctx)
{
    tr_t *d = ctx;
    summ_t *s = &d->s;
    if (ta_log_quiet())
        return;
    printf("translate: %lld queries, %s %lld %s; dictionaries: %lld files, %lld "
           "pairs, %lld malformed lines skipped\n",
           (long long)d->nb.q, d->paper ? "all" : "top", (long long)d->top,
           d->paper ? "entries of each row (paper protocol)" : "other neighbours",
           (long long)d->dict.n_files, (long long)d->dict.n_pairs, (long long)d->dict.n_malformed);
    printf("  queries with a dictionary entry: %lld (without: %lld)\n",
           (long long)(d->nb.q - s->no_entry), (long long)s->no_entry);
    printf("  translation neighbours per query: mean %.4f (std %.4f, 95%% CI +-%.4f), share "
           "%.4f\n",
           s->all.mean, s->all.std, s->all.ci, s->all.mean / (double)d->top);
    for (int32_t c = 0; c < s->ncat && c < 40; c++)
        if (s->cat[c].n)
            printf("    %-14s %8lld  %7.3f\n", d->cs.name[c], (long long)s->cat[c].n,
                   s->cat[c].mean);
    printf("  wrote %s and %s.tsv\n", d->h5path, d->base);
}

static void cleanup(void *ctx)
{
    tr_t *d = ctx;
    ta_nbfile_close(&d->nb);
    ta_vocab_free(&d->voc);
    ta_catset_free(&d->cs);
    ta_muse_free(&d->dict);
    free(d->word);
    free(d->count);
    free(d->all_count);
    free(d->s.cat);
    free(d->s.cat_no_entry);
    free(d->h5path);
    free(d->base);
}

static const ta_ana_ops_t ops = {write_h5_serial, write_tsv, print_summary};

/* Collective. The counts on rank 0, summarised, and the outputs. */
static int write_outputs(void *ctx)
{
    tr_t *d = ctx;
    int64_t n_all = 0;
    TA_CALL(
        ta_mpi_gather_cat(d->count, d->hi - d->lo, TA_ELEM_I32, (void **)&d->all_count, &n_all));
    TA_CALL(ta_mpi_agree(ta_mpi_rank() == 0 ? summarise(d, &d->s) : 0));
    const ta_ana_column_t cols[] = {{"/translate/query", TA_ELEM_I32, d->nb.query + d->lo},
                                    {"/translate/count", TA_ELEM_I32, d->count}};
    return ta_ana_write(d->h5path, d->nb.q, d->lo, d->hi - d->lo, cols, 2, &ops, d);
}

int ta_cmd_translate_run(const ta_translate_opts_t *o)
{
    static const ta_ana_steps_t steps = {load, compute, write_outputs, cleanup};
    tr_t d;
    memset(&d, 0, sizeof d);
    d.o = o;
    return ta_ana_run(&ta_cmd_translate, o, &steps, &d);
}

TA_CMD_DEFINE(translate, ta_translate_opts_t,
              .summary = "share of neighbours that are dictionary translations",
              .flags = TA_CMD_MPI);
