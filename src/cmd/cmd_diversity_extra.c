/* `diversity`, the quantities that only the paper has (README "Reproducing the paper"):
 *
 *   - hub counts (--protocol paper; the paper's scripts/count_similar.py): how often each token
 *     appears in the neighbour lists, every entry of every row counted (the query itself
 *     included), tokens keyed by their text without trailing whitespace as the script reads
 *     them back from its TSV (all-whitespace tokens are skipped as the script skips their
 *     lines); the 30 most frequent in Counter.most_common order (count, then first appearance in
 *     row order) and scipy.stats.skew of the counts of the query tokens' keys;
 *   - the vocabulary's category counts (--protocol paper; display_sorted_categories.py);
 *   - frequency deciles (--frequencies, either protocol; the Figure 9 notebook): every token of
 *     the vocabulary ranked by its count (absent: 0; ties by id), decile ceil(10 (rank + 1) / N),
 *     and the category count of each query summarised by its decile.
 *
 * The hub counts are exact integer sums over ranks and the first positions a minimum, so they
 * are the same for any number of ranks. */
#include "cmd/cmd_diversity_int.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_strmap.h"
#include "kernels/ta_paper_stats.h"
#include "io/ta_anaout.h"
#include "io/ta_file.h"
#include "io/ta_prov.h"
#include "mpi/ta_gather.h"
#include "cmd/ta_ana.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Token strings: --vocab, else /vocab/token of the neighbours file, else the categories file when
 * it is a model.h5. */
static int load_tokens(ta__div_t *d, int required)
{
    const char *vpath = d->o->vocab;
    if (!vpath && !ta_nbfile_has_tokens(&d->nb) && ta_h5_is_hdf5(d->o->categories))
        vpath = d->o->categories;
    if (!vpath && !ta_nbfile_has_tokens(&d->nb)) {
        TA_CHECK(!required, TA_EINPUT,
                 "%s: no /vocab/token in this neighbours file and %s is not a model.h5; "
                 "--protocol paper keys hub counts by token text: give the vocabulary with --vocab",
                 d->o->neighbors, d->o->categories);
        return 0;
    }
    TA_CALL(ta_tokens_load(&d->nb, vpath, "--vocab", &d->tok));
    TA_CHECK(d->tok.n == d->cs.n, TA_EINPUT, "%s: %lld tokens but %s has %lld",
             vpath ? vpath : d->o->neighbors, (long long)d->tok.n, d->o->categories,
             (long long)d->cs.n);
    return 0;
}

/* Hub keys: the distinct texts without trailing whitespace. */
static int hub_keys(ta__div_t *d)
{
    int64_t N = d->cs.n;
    ta_strmap_t sm;
    TA_CALL(ta_strmap_init(&sm));
    int rc = 0;
    d->hkey = ta_malloc((size_t)(N ? N : 1) * sizeof *d->hkey);
    d->hid = ta_malloc((size_t)(N ? N : 1) * sizeof *d->hid);
    TA_CHECK_GOTO(d->hkey && d->hid, TA_ERESOURCE, done, "out of memory for %lld hub keys",
                  (long long)N);
    for (int64_t t = 0; t < N; t++) {
        size_t l = ta_paper_rstrip_len(d->tok.s[t], d->tok.len[t]);
        d->hkey[t] = -1;
        if (l == 0)
            continue;
        int64_t id;
        int added;
        TA_CALL_GOTO(ta_strmap_intern(&sm, d->tok.s[t], l, &id, &added), done);
        d->hkey[t] = (int32_t)id;
        if (added)
            d->hid[id] = (int32_t)t;
    }
    d->nkeys = sm.n;
    d->hcount = ta_calloc((size_t)(d->nkeys ? d->nkeys : 1), sizeof *d->hcount);
    d->hfirst = ta_malloc((size_t)(d->nkeys ? d->nkeys : 1) * sizeof *d->hfirst);
    TA_CHECK_GOTO(d->hcount && d->hfirst, TA_ERESOURCE, done, "out of memory for %lld hub keys",
                  (long long)d->nkeys);
    for (int64_t i = 0; i < d->nkeys; i++)
        d->hfirst[i] = INT64_MAX;
done:
    ta_strmap_free(&sm);
    return rc;
}

int ta__div_extra_load(ta__div_t *d)
{
    if (d->paper || d->o->frequencies)
        TA_CALL(load_tokens(d, d->paper));
    if (d->paper)
        TA_CALL(hub_keys(d));
    if (d->o->frequencies) {
        int64_t N = d->cs.n;
        d->freq = ta_malloc((size_t)(N ? N : 1) * sizeof *d->freq);
        TA_CHECK_ALLOC(d->freq, (size_t)N * sizeof *d->freq);
        TA_CALL(ta_freqfile_read(d->o->frequencies, N,
                                 d->tok.n ? (const char *const *)d->tok.s : NULL, d->tok.len,
                                 d->freq, &d->finfo));
        TA_CALL(ta_prov_add_input(d->o->frequencies));
    }
    return 0;
}

void ta__div_hub_row(ta__div_t *d, int64_t row, const int32_t *entries, int64_t k)
{
    for (int64_t c = 0; c < k; c++) {
        if (entries[c] < 0)
            continue;
        int32_t key = d->hkey[entries[c]];
        if (key < 0)
            continue;
        d->hcount[key]++;
        int64_t pos = row * k + c;
        if (pos < d->hfirst[key])
            d->hfirst[key] = pos;
    }
}

int ta__div_hub_reduce(ta__div_t *d)
{
    TA_CALL(ta_mpi_sum_i64(d->hcount, d->nkeys));
    TA_CALL(ta_mpi_min_i64(d->hfirst, d->nkeys));
    return 0;
}

/* The hubs and the skew of the query tokens' keys' counts. */
static int summarise_hubs(ta__div_t *d, ta__div_extra_t *x)
{
    ta_paper_top_hubs(d->hcount, d->hfirst, d->nkeys, TA__DIV_HUBS, x->hub, &x->nhub);
    uint8_t *seen = ta_calloc((size_t)(d->nkeys ? d->nkeys : 1), 1);
    int64_t *pop = ta_malloc((size_t)(d->nb.q ? d->nb.q : 1) * sizeof *pop);
    int rc = 0;
    TA_CHECK_GOTO(seen && pop, TA_ERESOURCE, done, "out of memory for the hub counts");
    x->skew_n = 0;
    for (int64_t i = 0; i < d->nb.q; i++) {
        int32_t key = d->hkey[d->nb.query[i]];
        if (key < 0 || seen[key])
            continue;
        seen[key] = 1;
        pop[x->skew_n++] = d->hcount[key];
    }
    x->skew = ta_paper_skew(pop, x->skew_n);
done:
    free(seen);
    free(pop);
    return rc;
}

/* Frequency decile of every query, the category counts summarised by decile, the count range of
 * each decile over the vocabulary. */
static int summarise_freq(ta__div_t *d, ta__div_extra_t *x)
{
    int64_t N = d->cs.n, Q = d->nb.q;
    int32_t *order = ta_malloc((size_t)(N ? N : 1) * sizeof *order);
    int32_t *work = ta_malloc((size_t)(N ? N : 1) * sizeof *work);
    int32_t *dec = ta_malloc((size_t)(N ? N : 1) * sizeof *dec);
    int32_t *grp = ta_malloc((size_t)(Q ? Q : 1) * sizeof *grp);
    double *v = ta_malloc((size_t)(Q ? Q : 1) * sizeof *v), scratch[10];
    x->fdec = ta_malloc((size_t)(Q ? Q : 1) * sizeof *x->fdec);
    int rc = 0;
    TA_CHECK_GOTO(order && work && dec && grp && v && x->fdec, TA_ERESOURCE, done,
                  "out of memory for the frequency deciles of %lld tokens", (long long)N);
    ta_paper_freq_deciles(d->freq, N, order, work, dec);
    for (int i = 0; i < 10; i++)
        x->fmin[i] = x->fmax[i] = -1;
    for (int64_t r = 0; r < N; r++) {
        int b = dec[order[r]] - 1;
        int64_t c = d->freq[order[r]];
        if (x->fmin[b] < 0)
            x->fmin[b] = c; /* ranks ascend by count */
        x->fmax[b] = c;
    }
    for (int64_t i = 0; i < Q; i++) {
        x->fdec[i] = dec[d->nb.query[i]];
        grp[i] = x->fdec[i] - 1;
        v[i] = d->all_count[i];
    }
    ta_stats_summary_by_group(v, grp, Q, 10, x->fsum, scratch);
    if (d->paper)
        for (int i = 0; i < 10; i++)
            ta_paper_fill0(&x->fsum[i]);
done:
    free(order);
    free(work);
    free(dec);
    free(grp);
    free(v);
    return rc;
}

int ta__div_extra_summarise(ta__div_t *d, ta__div_extra_t *x)
{
    if (d->paper) {
        TA_CALL(summarise_hubs(d, x));
        x->vocab_n = ta_calloc((size_t)d->cs.ncat + 1, sizeof *x->vocab_n);
        TA_CHECK_ALLOC(x->vocab_n, (size_t)d->cs.ncat * sizeof *x->vocab_n);
        for (int64_t t = 0; t < d->cs.n; t++)
            x->vocab_n[d->cs.code[t]]++;
    }
    if (d->freq)
        TA_CALL(summarise_freq(d, x));
    return 0;
}

/* The text of hub i (a key: its lowest token's text without trailing whitespace), malloc'd. */
static char *hub_text(const ta__div_t *d, int32_t key)
{
    int32_t t = d->hid[key];
    size_t l = ta_paper_rstrip_len(d->tok.s[t], d->tok.len[t]);
    char *s = ta_malloc(l + 1);
    if (s) {
        memcpy(s, d->tok.s[t], l);
        s[l] = '\0';
    }
    return s;
}

static int write_hubs_h5(ta__div_t *d, const ta__div_extra_t *x, hid_t g)
{
    int64_t n = x->nhub;
    char *text[TA__DIV_HUBS] = {0};
    int32_t id[TA__DIV_HUBS];
    int64_t cnt[TA__DIV_HUBS];
    int rc = 0;
    for (int64_t i = 0; i < n; i++) {
        text[i] = hub_text(d, x->hub[i]);
        TA_CHECK_GOTO(text[i], TA_ERESOURCE, done, "out of memory for the hub tokens");
        id[i] = d->hid[x->hub[i]];
        cnt[i] = d->hcount[x->hub[i]];
    }
    TA_CALL_GOTO(ta_h5_write_strings(g, "hub_token", (const char *const *)text, n), done);
    TA_CALL_GOTO(ta_h5_write_array(g, "hub_id", TA_ELEM_I32, 1, &n, id), done);
    TA_CALL_GOTO(ta_h5_write_array(g, "hub_count", TA_ELEM_I64, 1, &n, cnt), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "hub_skew", x->skew), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "hub_skew_n", x->skew_n), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "hub_keys", d->nkeys), done);
done:
    for (int64_t i = 0; i < n; i++)
        free(text[i]);
    return rc;
}

int ta__div_extra_write_h5(ta__div_t *d, const ta__div_extra_t *x, hid_t g)
{
    int64_t C = d->cs.ncat, Q = d->nb.q, ten = 10;
    if (d->paper) {
        TA_CALL(write_hubs_h5(d, x, g));
        TA_CALL(ta_h5_write_array(g, "vocab_cat_n", TA_ELEM_I64, 1, &C, x->vocab_n));
    }
    if (x->fdec) {
        TA_CALL(ta_h5_write_array(g, "freq_decile", TA_ELEM_I32, 1, &Q, x->fdec));
        TA_CALL(ta_anaout_write_summaries(g, "freq_decile", x->fsum, 10));
        TA_CALL(ta_h5_write_array(g, "freq_decile_min_count", TA_ELEM_I64, 1, &ten, x->fmin));
        TA_CALL(ta_h5_write_array(g, "freq_decile_max_count", TA_ELEM_I64, 1, &ten, x->fmax));
        TA_CALL(ta_h5_attr_str(g, "frequencies", d->o->frequencies));
        TA_CALL(ta_h5_attr_int(g, "freq_listed", d->finfo.n_listed));
        TA_CALL(ta_h5_attr_int(g, "freq_total", d->finfo.total));
    }
    return 0;
}

/* Opens STEM.diversity.SUFFIX and writes its header line. */
static int open_tsv(const ta__div_t *d, const char *suffix, const char *header, ta_outfile_t *f)
{
    TA_CALL(ta_ana_open_table(f, d->base, suffix));
    fprintf(f->fp, "%s\n", header);
    return 0;
}

static int write_hubs_tsv(ta__div_t *d, const ta__div_extra_t *x)
{
    ta_outfile_t f;
    TA_CALL(open_tsv(d, ".hubs.tsv", "rank\tcount\tid\ttoken", &f));
    for (int64_t i = 0; i < x->nhub; i++) {
        int32_t key = x->hub[i], t = d->hid[key];
        fprintf(f.fp, "%lld\t%lld\t%d\t", (long long)i + 1, (long long)d->hcount[key], t);
        ta_tsv_put_escaped(f.fp, d->tok.s[t], ta_paper_rstrip_len(d->tok.s[t], d->tok.len[t]));
        fputc('\n', f.fp);
    }
    return ta_outfile_commit(&f);
}

/* Categories by their token count, largest first (ties in name order), with their share. */
static int write_vocabcats_tsv(ta__div_t *d, const ta__div_extra_t *x)
{
    int32_t C = d->cs.ncat;
    int32_t *order = ta_malloc((size_t)(C ? C : 1) * sizeof *order);
    TA_CHECK_ALLOC(order, (size_t)C * sizeof *order);
    for (int32_t c = 0; c < C; c++)
        order[c] = c;
    for (int32_t i = 1; i < C; i++)
        for (int32_t j = i; j > 0 && x->vocab_n[order[j]] > x->vocab_n[order[j - 1]]; j--) {
            int32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    ta_outfile_t f;
    int rc = open_tsv(d, ".vocabcats.tsv", "category\ttokens\tshare", &f);
    if (!rc) {
        for (int32_t i = 0; i < C; i++) {
            int32_t c = order[i];
            ta_tsv_put_escaped(f.fp, d->cs.name[c], strlen(d->cs.name[c]));
            fprintf(f.fp, "\t%lld\t", (long long)x->vocab_n[c]);
            ta_anaout_num(f.fp, (double)x->vocab_n[c] / (double)d->cs.n);
            fputc('\n', f.fp);
        }
        rc = ta_outfile_commit(&f);
    }
    free(order);
    return rc;
}

static int write_freq_tsv(ta__div_t *d, const ta__div_extra_t *x)
{
    ta_outfile_t f;
    TA_CALL(open_tsv(d, ".freqdeciles.tsv", "decile\tmin_count\tmax_count\tn\tmean\tstd\tci", &f));
    for (int i = 0; i < 10; i++) {
        fprintf(f.fp, "%d\t%lld\t%lld", i + 1, (long long)x->fmin[i], (long long)x->fmax[i]);
        ta_anaout_summary_cells(f.fp, &x->fsum[i]);
        fputc('\n', f.fp);
    }
    return ta_outfile_commit(&f);
}

int ta__div_extra_write_tsvs(ta__div_t *d, const ta__div_extra_t *x)
{
    if (d->paper) {
        TA_CALL(write_hubs_tsv(d, x));
        TA_CALL(write_vocabcats_tsv(d, x));
    }
    if (x->fdec)
        TA_CALL(write_freq_tsv(d, x));
    return 0;
}

void ta__div_extra_print(ta__div_t *d, const ta__div_extra_t *x)
{
    if (d->paper && x->nhub) {
        printf("  hub tokens (entries holding them, skew %.3f):", x->skew);
        for (int64_t i = 0; i < x->nhub && i < 5; i++)
            printf(" %s %lld%s", d->tok.s[d->hid[x->hub[i]]], (long long)d->hcount[x->hub[i]],
                   i + 1 < x->nhub && i < 4 ? "," : "");
        printf("\n");
    }
    if (x->fdec) {
        printf("  by frequency decile (1 = least frequent):");
        for (int i = 0; i < 10; i++)
            printf(" %.2f", x->fsum[i].mean);
        printf("\n");
    }
}

void ta__div_extra_free(ta__div_extra_t *x)
{
    free(x->vocab_n);
    free(x->fdec);
    memset(x, 0, sizeof *x);
}

void ta__div_extra_cleanup(ta__div_t *d)
{
    ta_tokens_free(&d->tok);
    free(d->hkey);
    free(d->hid);
    free(d->hcount);
    free(d->hfirst);
    free(d->freq);
}
