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
#include "io/ta_catfile.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_muse.h"
#include "io/ta_nbfile.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
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
    {TA_OPT_INT_(O, top, "top", TA_OPT_ALWAYS, "50", 1, 1 << 20, "N",
                 "neighbours other than the token itself")},
    {TA_OPT_PATH_(O, categories, "categories", 0, "PATH",
                  "summaries by category (categorize TSV or model.h5)")},
    {TA_OPT_ENUM_(O, scheme, "scheme", TA_OPT_ALWAYS, "paper", ta_cmd_schemes,
                  "scheme read from a model.h5")},
    {TA_OPT_ENUM_(O, protocol, "protocol", 0, "tokenatlas", ta_cmd_protocols,
                  "tokenatlas: normalised words, the top N others, -1 without an entry; paper: "
                  "the paper's scripts (exact words, lower-cased tokens, every entry of the row "
                  "including the token, 0 without a translation)")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_OUTPUT, "FILE.h5",
                  "output (default: beside the neighbours file, STEM.translate.h5); "
                  "STEM.translate.tsv beside it")},
    {TA_OPT_END_},
};
#undef O

/* Malformed dictionary lines reported one by one before a summary line. */
#define WARN_LIMIT 20

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
    int32_t *count;     /* [hi - lo] */
    int32_t *all_count; /* rank 0 */
    char h5path[4096], base[4096];
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

static int load(tr_t *d)
{
    d->paper = d->o->protocol == TA_PROTOCOL_PAPER;
    TA_CALL(ta_nbfile_open(d->o->neighbors, &d->nb));
    TA_CALL(ta_vocab_read(d->o->vocab, &d->voc));
    TA_CALL(ta_nbfile_set_ntokens(&d->nb, d->voc.n, d->o->vocab));
    TA_CHECK(d->paper || d->o->top <= d->nb.k, TA_EINPUT,
             "%s: --top %lld is larger than the %lld neighbours per row", d->o->neighbors,
             (long long)d->o->top, (long long)d->nb.k);
    if (d->o->categories) {
        TA_CALL(ta_catfile_read(d->o->categories, ta_cmd_schemes[d->o->scheme], &d->cs));
        TA_CHECK(d->cs.n == d->voc.n, TA_EINPUT, "%s: %lld tokens but %s has %lld",
                 d->o->categories, (long long)d->cs.n, d->o->vocab, (long long)d->voc.n);
        TA_CALL(ta_prov_add_input(d->o->categories));
    }
    TA_CALL(ta_muse_read_dir_mode(d->o->dict, WARN_LIMIT,
                                  d->paper ? TA_MUSE_EXACT : TA_MUSE_NORMALIZE, &d->dict));
    d->word = ta_malloc((size_t)(d->voc.n ? d->voc.n : 1) * sizeof *d->word);
    TA_CHECK_ALLOC(d->word, (size_t)d->voc.n * sizeof *d->word);
    for (int64_t t = 0; t < d->voc.n; t++)
        TA_CALL(word_of(d, t, &d->word[t]));
    d->top = d->paper ? d->nb.k : d->o->top;
    TA_CALL(ta_prov_add_input(d->o->neighbors));
    TA_CALL(ta_prov_add_input(d->o->vocab));
    TA_CALL(ta_anaout_paths(d->o->neighbors, d->o->out, ".translate.h5", d->h5path,
                            sizeof d->h5path, d->base, sizeof d->base));
    return 0;
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

static int compute(tr_t *d)
{
    int64_t m = d->hi - d->lo;
    d->count = ta_malloc((size_t)(m ? m : 1) * sizeof *d->count);
    TA_CHECK(d->count, TA_ERESOURCE, "out of memory for %lld rows", (long long)m);
    if (d->paper)
        return ta_nbfile_each_row_full(&d->nb, d->lo, d->hi, tr_row_paper, d);
    return ta_nbfile_each_row(&d->nb, d->lo, d->hi, d->o->top, tr_row, d);
}

typedef struct {
    ta_summary_t all;
    int64_t no_entry;
    int32_t ncat;
    ta_summary_t *cat; /* [ncat] */
    int64_t *cat_no_entry;
} summ_t;

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

static int write_h5_serial(tr_t *d, summ_t *s, hid_t file)
{
    hid_t g = H5Gopen2(file, "/translate", H5P_DEFAULT);
    TA_CHECK(g >= 0, TA_EINTERNAL, "cannot open /translate");
    int rc = 0;
    if (s->ncat) {
        int64_t C = s->ncat;
        TA_CALL_GOTO(ta_h5_write_strings(g, "categories", (const char *const *)d->cs.name, C),
                     done);
        TA_CALL_GOTO(ta_anaout_write_summaries(g, "cat", s->cat, C), done);
        TA_CALL_GOTO(ta_h5_write_array(g, "cat_no_entry", TA_ELEM_I64, 1, &C, s->cat_no_entry),
                     done);
        TA_CALL_GOTO(ta_h5_attr_str(g, "categories_source", d->o->categories), done);
    }
    int64_t nf = d->dict.n_files;
    TA_CALL_GOTO(ta_h5_write_strings(g, "dict_files", (const char *const *)d->dict.file, nf), done);
    {
        const char **sha = ta_malloc((size_t)(nf ? nf : 1) * sizeof *sha);
        TA_CHECK_GOTO(sha, TA_ERESOURCE, done, "out of memory");
        for (int64_t i = 0; i < nf; i++)
            sha[i] = d->dict.sha[i];
        rc = ta_h5_write_strings(g, "dict_sha256", sha, nf);
        free(sha);
        if (rc)
            goto done;
    }
    TA_CALL_GOTO(ta_h5_attr_str(g, "protocol", ta_cmd_protocols[d->o->protocol]), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "top", d->top), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "k", d->nb.k), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_tokens", d->voc.n), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_queries", d->nb.q), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_with_entry", d->nb.q - s->no_entry), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_without_entry", s->no_entry), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "dict_pairs", d->dict.n_pairs), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "dict_words", d->dict.words.n), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "dict_english_words", d->dict.n_english), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "malformed_lines", d->dict.n_malformed), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "dict_dir", d->o->dict), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "neighbors", d->o->neighbors), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "vocab", d->o->vocab), done);
    TA_CALL_GOTO(ta_anaout_attr_summary(g, "count", &s->all), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "share_mean", s->all.mean / (double)d->top), done);
done:
    H5Gclose(g);
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

static int write_tsv(tr_t *d, summ_t *s)
{
    char path[4200];
    ta_outfile_t f;
    snprintf(path, sizeof path, "%s.tsv", d->base);
    TA_CALL(ta_outfile_open(&f, path));
    fprintf(f.fp, "category\tn\tmean\tstd\tci\tshare_mean\tno_entry\n");
    for (int32_t c = 0; c < s->ncat; c++)
        tsv_row(f.fp, d->cs.name[c], &s->cat[c], s->cat_no_entry[c], d->top);
    tsv_row(f.fp, "ALL", &s->all, s->no_entry, d->top);
    TA_CALL(ta_outfile_commit(&f));
    return 0;
}

static void print_summary(tr_t *d, summ_t *s)
{
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

static void cleanup(tr_t *d)
{
    ta_nbfile_close(&d->nb);
    ta_vocab_free(&d->voc);
    ta_catset_free(&d->cs);
    ta_muse_free(&d->dict);
    free(d->word);
    free(d->count);
    free(d->all_count);
}

int ta_cmd_translate_run(const ta_translate_opts_t *o)
{
    tr_t d;
    memset(&d, 0, sizeof d);
    d.o = o;
    d.nb.file = H5I_INVALID_HID;
    int rank = ta_mpi_rank(), size = ta_mpi_size();
    int rc = ta_opt_check(&ta_cmd_translate, o);
    if (!rc)
        rc = load(&d);
    rc = ta_mpi_agree(rc);
    if (rc)
        goto out;
    ta_mpi_block_range(d.nb.q, rank, size, &d.lo, &d.hi);
    rc = ta_mpi_agree(compute(&d));
    if (rc)
        goto out;
    int64_t n_all = 0;
    TA_CALL_GOTO(
        ta_mpi_gather_cat(d.count, d.hi - d.lo, TA_ELEM_I32, (void **)&d.all_count, &n_all), out);
    summ_t s;
    memset(&s, 0, sizeof s);
    if (rank == 0)
        rc = summarise(&d, &s);
    rc = ta_mpi_agree(rc);
    ta_h5out_t h;
    if (!rc)
        rc = ta_h5out_create(&h, d.h5path, ta_mpi_comm());
    if (!rc) {
        int64_t m = d.hi - d.lo;
        rc = ta_h5_write_rows(h.file, "/translate/query", TA_ELEM_I32, d.nb.q, 0, d.lo, m,
                              d.nb.query + d.lo);
        if (!rc)
            rc = ta_h5_write_rows(h.file, "/translate/count", TA_ELEM_I32, d.nb.q, 0, d.lo, m,
                                  d.count);
        rc = ta_mpi_agree(rc);
        if (!rc)
            rc = ta_h5out_to_serial(&h);
        if (!rc && rank == 0)
            rc = write_h5_serial(&d, &s, h.file);
        rc = ta_h5out_commit(&h, rc);
        if (!rc && rank == 0)
            rc = write_tsv(&d, &s);
        rc = ta_mpi_agree(rc);
        if (!rc && rank == 0)
            print_summary(&d, &s);
    }
    free(s.cat);
    free(s.cat_no_entry);
out:
    cleanup(&d);
    return rc;
}

static int run_any(const void *o)
{
    return ta_cmd_translate_run(o);
}

const ta_cmd_t ta_cmd_translate = {
    .name = "translate",
    .summary = "share of neighbours that are dictionary translations",
    .opts = opts,
    .opts_size = sizeof(ta_translate_opts_t),
    .run = run_any,
    .flags = TA_CMD_MPI,
};
