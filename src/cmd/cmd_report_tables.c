/* `report`, the tables (with the figures that belong to them), after the paper's scripts:
 *   category x category  scripts/category-category-table.py: per model, the mean number of a
 *                        category's tokens' neighbours in each category (the largest
 *                        categories; every pair is in <model>.diversity.catmatrix.tsv);
 *   entropy              scripts/category-entropy-table.py: mean entropy by category;
 *   translations         scripts/meaning-by-category-table.py: translations among a token's
 *                        neighbours by category;
 *   comparisons          scripts/compare_neighbors.py and summarize_comparisons.py: Jaccard
 *                        and overlap of the same token's neighbours in two models;
 *   hub tokens           scripts/count_similar.py: the most frequent neighbours;
 *   vocabulary           scripts/display_sorted_categories.py: tokens per category;
 * then every model's per-category summary. Every table says its protocol and subset. */
#include "base/ta_error.h"
#include "cmd/cmd_report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_TABLE_CATS 16 /* categories in a category x category table */

/* A paragraph (fmt with escaped %s) that ends with the provenance of group g. */
static void table_note(ta_report_t *r, report_group_t g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void table_note(ta_report_t *r, report_group_t g, const char *fmt, ...)
{
    ta__report_text_t t;
    va_list ap;
    va_start(ap, fmt);
    int rc = ta__report_vcaption(r, &t, g, fmt, ap);
    va_end(ap);
    if (rc) {
        ta_err_clear();
        return;
    }
    ta__report_doc_text(r, &t);
    ta__report_text_free(&t);
}

/* A table cell from a text of any length: cut at a UTF-8 character boundary. */
static void cell_str(char *cell, const char *s)
{
    size_t n = strlen(s);
    if (n > 127) {
        n = 127;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(cell, s, n);
    cell[n] = '\0';
}

static void mean_ci(char *cell, double mean, double ci, const char *fmt)
{
    if (isnan(mean))
        snprintf(cell, 128, "-");
    else if (isnan(ci))
        snprintf(cell, 128, fmt, mean);
    else {
        char m[48], c[48];
        snprintf(m, sizeof m, fmt, mean);
        snprintf(c, sizeof c, fmt, ci);
        snprintf(cell, 128, "%s ± %s", m, c);
    }
}

/* Index of category name in model m's diversity tables when it has tokens there, else -1. */
static int64_t div_index(const ta_report_model_t *m, const char *name)
{
    int64_t i = ta_report_find(m->dcat, m->ndcat, name);
    return i >= 0 && (!m->dcat_n || m->dcat_n[i] > 0) ? i : -1;
}

/* ---- category x category -------------------------------------------------------------------- */

static void catmatrix_table(ta_report_t *r, ta_report_model_t *m)
{
    int64_t sel[REPORT_TABLE_CATS];
    int ns = 0;
    for (int c = 0; c < r->ncat && ns < REPORT_TABLE_CATS; c++) {
        int64_t i = div_index(m, r->cat[c]);
        if (i >= 0)
            sel[ns++] = i;
    }
    if (ns == 0)
        return;
    const char *cols[REPORT_TABLE_CATS + 1];
    char head[300];
    snprintf(head, sizeof head, "%.200s: token \\ neighbour", m->name);
    cols[0] = head;
    for (int b = 0; b < ns; b++)
        cols[b + 1] = m->dcat[sel[b]];
    ta__report_doc_table_head(r, ns + 1, cols);
    for (int a = 0; a < ns; a++) {
        char c[REPORT_TABLE_CATS + 1][128];
        cell_str(c[0], m->dcat[sel[a]]);
        for (int b = 0; b < ns; b++)
            ta__report_fmt_num(c[b + 1], 128, m->mat[sel[a] * m->ndcat + sel[b]], "%.2f");
        ta__report_doc_table_row(r, ns + 1, c);
    }
    ta__report_doc_table_end(r);
}

static int write_catmatrix(ta_report_t *r)
{
    ta__report_doc_h(r, 2, "Category x category");
    int any = 0;
    for (int j = 0; j < r->nm; j++) {
        ta_report_model_t *m = &r->m[j];
        if (!m->mat)
            continue;
        any = 1;
        char name[300];
        int made = 0;
        ta__report_file_name(name, sizeof name, "heatmap", m->name, j);
        TA_CALL(ta__report_fig_heatmap(r, m, name, &made));
        if (made)
            TA_CALL(ta__report_figure(r, name, REPORT_G_DIV, 0,
                                      "%s: for the tokens of each category (row), the share of "
                                      "their neighbours in each category (column); rows sum to "
                                      "100%%.",
                                      m->name));
        catmatrix_table(r, m);
    }
    if (!any) {
        ta__report_doc_p(r, "No category x category table: the model files have no "
                            "`/diversity/matrix_mean`.");
        return 0;
    }
    table_note(r, REPORT_G_DIV,
               "The tables: the mean number of a token's neighbours in each category, by the "
               "token's category (`/diversity/matrix_mean`; under the paper's protocol the mean "
               "over the tokens with at least one such neighbour, as its "
               "category-category-table.py; else over all tokens of the category), for the %d "
               "largest categories; every pair with its 95%% interval is in "
               "`<model>.diversity.catmatrix.tsv`.",
               REPORT_TABLE_CATS);
    return 0;
}

/* ---- by category: entropy, translations ------------------------------------------------------ */

/* Rows = the run's categories where some model has a value; columns = the models. which = 0
 * entropy, 1 translations per token. */
static void by_category_table(ta_report_t *r, int which)
{
    const char *cols[REPORT_MAX_MODELS + 1];
    cols[0] = "category";
    for (int j = 0; j < r->nm; j++)
        cols[j + 1] = r->m[j].name;
    ta__report_doc_table_head(r, r->nm + 1, cols);
    for (int c = 0; c < r->ncat; c++) {
        char cell[REPORT_MAX_MODELS + 1][128];
        int any = 0;
        cell_str(cell[0], r->cat[c]);
        for (int j = 0; j < r->nm; j++) {
            ta_report_model_t *m = &r->m[j];
            double v = NAN, e = NAN;
            int64_t i =
                which == 0 ? div_index(m, r->cat[c]) : ta_report_find(m->tcat, m->ntcat, r->cat[c]);
            if (i >= 0 && which == 0 && m->ent_mean) {
                v = m->ent_mean[i];
                e = m->p.ent_ci ? m->p.ent_ci[i] : NAN;
            } else if (i >= 0 && which == 1 && m->p.tmean) {
                v = m->p.tmean[i];
                e = m->p.tci ? m->p.tci[i] : NAN;
            }
            mean_ci(cell[j + 1], v, e, "%.2f");
            any |= !isnan(v);
        }
        if (any)
            ta__report_doc_table_row(r, r->nm + 1, cell);
    }
    ta__report_doc_table_end(r);
}

static int write_entropy(ta_report_t *r)
{
    int made = 0, any = 0;
    ta__report_doc_h(r, 2, "Entropy of the neighbours' categories");
    for (int j = 0; j < r->nm; j++)
        any |= r->m[j].ent_mean != NULL;
    if (!any) {
        ta__report_doc_p(r, "No entropy table: the model files have no "
                            "`/diversity/entropy_cat_mean`.");
        return 0;
    }
    TA_CALL(ta__report_fig_by_category(r, 1, &made));
    if (made)
        TA_CALL(ta__report_figure(r, "entropy", REPORT_G_DIV, 0,
                                  "Mean entropy (nats) of the categories of a token's neighbours, "
                                  "by the token's category, with 95%% intervals (0 = all "
                                  "neighbours in one category)."));
    by_category_table(r, 0);
    table_note(r, REPORT_G_DIV,
               "Mean ± 95%% interval of the entropy (natural log, as scipy.stats.entropy) by "
               "category (`/diversity/entropy_cat_mean`, `entropy_cat_ci`; table "
               "`<model>.diversity.tsv`).");
    return 0;
}

static int write_translations(ta_report_t *r)
{
    int made = 0, any = 0;
    ta__report_doc_h(r, 2, "Translations among the neighbours");
    for (int j = 0; j < r->nm; j++)
        any |= r->m[j].has_tr;
    if (!any) {
        ta__report_doc_p(r, "No translation table: the run has no translate step (it runs when "
                            "translate.dictionaries names MUSE dictionaries).");
        return 0;
    }
    TA_CALL(ta__report_fig_by_category(r, 2, &made));
    if (made)
        TA_CALL(ta__report_figure(r, "translation", REPORT_G_TR, 0,
                                  "Share of a token's neighbours that are its translations in the "
                                  "bilingual dictionaries, by the token's category, with 95%% "
                                  "intervals."));
    by_category_table(r, 1);
    table_note(r, REPORT_G_TR,
               "Mean ± 95%% interval of the number of a token's neighbours that share an English "
               "translation with it, by category (`/translate/cat_mean`, `cat_ci`; table "
               "`<model>.translate.tsv`).");
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].has_tr && !isnan(r->m[j].tr_all))
            ta__report_doc_p(r, "Translations: %.2f%% of the neighbours of %s.",
                             100.0 * r->m[j].tr_all, r->m[j].name);
    return 0;
}

/* ---- comparisons ----------------------------------------------------------------------------- */

/* Whether model j's comparison c is listed: each pair once (both models' files hold it). */
static int cmp_listed(ta_report_t *r, int j, const ta_report_cmp_t *c)
{
    for (int k = 0; k < j; k++)
        if (strcmp(r->m[k].name, c->other) == 0)
            for (int i = 0; i < r->m[k].p.ncmp; i++)
                if (strcmp(r->m[k].p.cmp[i].other, r->m[j].name) == 0)
                    return 0;
    return 1;
}

static void compare_row(ta_report_t *r, int j, const ta_report_cmp_t *c)
{
    char cell[6][128];
    int paper = strcmp(c->prov.protocol, "paper") == 0;
    cell_str(cell[0], r->m[j].name);
    cell_str(cell[1], c->other);
    ta__report_fmt_num(cell[2], 128, c->shared, "%.0f");
    ta__report_fmt_num(cell[3], 128, c->queries, "%.0f");
    mean_ci(cell[4], c->jaccard, c->jaccard_ci, "%.3f");
    /* The overlap: a share under tokenatlas, the paper's percent under paper. */
    double f = paper ? 1.0 : 100.0;
    mean_ci(cell[5], f * c->overlap, f * c->overlap_ci, "%.1f");
    ta__report_doc_table_row(r, 6, cell);
}

/* Jaccard by category of model a: one column per listed pair. */
static void compare_by_category(ta_report_t *r, const ta_report_cmp_t **pairs, const int *pj,
                                int np)
{
    const char *cols[TA_REPORT_MAX_CMP + 1];
    char heads[TA_REPORT_MAX_CMP][300];
    cols[0] = "category of a";
    for (int i = 0; i < np; i++) {
        snprintf(heads[i], sizeof heads[i], "%.140s / %.140s", r->m[pj[i]].name, pairs[i]->other);
        cols[i + 1] = heads[i];
    }
    ta__report_doc_table_head(r, np + 1, cols);
    for (int c = 0; c < r->ncat; c++) {
        char cell[TA_REPORT_MAX_CMP + 1][128];
        int any = 0;
        cell_str(cell[0], r->cat[c]);
        for (int i = 0; i < np; i++) {
            const ta_report_cats_t *jc = &pairs[i]->jcat;
            int64_t k = jc->mean ? ta_report_find(jc->name, jc->n, r->cat[c]) : -1;
            int has = k >= 0 && (!jc->count || jc->count[k] > 0);
            mean_ci(cell[i + 1], has ? jc->mean[k] : NAN, has && jc->ci ? jc->ci[k] : NAN, "%.3f");
            any |= has && !isnan(jc->mean[k]);
        }
        if (any)
            ta__report_doc_table_row(r, np + 1, cell);
    }
    ta__report_doc_table_end(r);
}

static void write_compare(ta_report_t *r)
{
    const ta_report_cmp_t *pairs[TA_REPORT_MAX_CMP];
    int pj[TA_REPORT_MAX_CMP], np = 0;
    ta__report_doc_h(r, 2, "Comparisons of models");
    for (int j = 0; j < r->nm; j++)
        for (int i = 0; i < r->m[j].p.ncmp && np < TA_REPORT_MAX_CMP; i++)
            if (cmp_listed(r, j, &r->m[j].p.cmp[i])) {
                pairs[np] = &r->m[j].p.cmp[i];
                pj[np++] = j;
            }
    if (np == 0) {
        ta__report_doc_p(r, "No comparisons: the run has no compare.pairs.");
        return;
    }
    static const char *const cols[] = {"model a",
                                       "model b",
                                       "shared tokens",
                                       "tokens compared",
                                       "mean Jaccard ± 95%",
                                       "mean overlap (%) ± 95%"};
    ta__report_doc_table_head(r, 6, cols);
    for (int i = 0; i < np; i++)
        compare_row(r, pj[i], pairs[i]);
    ta__report_doc_table_end(r);
    compare_by_category(r, pairs, pj, np);
    table_note(r, REPORT_G_CMP,
               "The same token's neighbour sets in two models (tokens matched by their string): "
               "Jaccard |A ∩ B| / |A ∪ B| and overlap |A ∩ B| / |A| (`/compare/<b>`, attributes "
               "`jaccard_mean`, `overlap_mean`; by category of model a `jaccard_cat_mean`; table "
               "`<a>__<b>.compare.tsv`).");
}

/* ---- hubs and the vocabulary ----------------------------------------------------------------- */

static void write_hubs(ta_report_t *r)
{
    ta__report_doc_h(r, 2, "Hub tokens");
    int cols_at[REPORT_MAX_MODELS], nc = 0;
    int64_t rows = 0;
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].p.nhub > 0) {
            cols_at[nc++] = j;
            rows = r->m[j].p.nhub > rows ? r->m[j].p.nhub : rows;
        }
    if (nc == 0) {
        ta__report_doc_p(r, "No hub tokens: the diversity step writes them under the paper's "
                            "protocol (protocol: paper).");
        return;
    }
    const char *cols[REPORT_MAX_MODELS + 1];
    cols[0] = "rank";
    for (int i = 0; i < nc; i++)
        cols[i + 1] = r->m[cols_at[i]].name;
    ta__report_doc_table_head(r, nc + 1, cols);
    for (int64_t k = 0; k < rows; k++) {
        char cell[REPORT_MAX_MODELS + 1][128];
        snprintf(cell[0], 128, "%lld", (long long)k + 1);
        for (int i = 0; i < nc; i++) {
            const ta_report_paper_t *p = &r->m[cols_at[i]].p;
            if (k >= p->nhub) {
                snprintf(cell[i + 1], 128, "-");
                continue;
            }
            char count[40];
            snprintf(count, sizeof count, " (%lld)", (long long)p->hub_count[k]);
            cell_str(cell[i + 1], p->hub_token[k]);
            size_t at = strlen(cell[i + 1]), room = 127 - strlen(count);
            if (at > room) {
                at = room;
                while (at > 0 && ((unsigned char)cell[i + 1][at] & 0xc0) == 0x80)
                    at--;
            }
            snprintf(cell[i + 1] + at, 128 - at, "%s", count);
        }
        ta__report_doc_table_row(r, nc + 1, cell);
    }
    ta__report_doc_table_end(r);
    table_note(r, REPORT_G_DIV,
               "The tokens that are most often among the other tokens' neighbours, with how "
               "often (as the paper's count_similar.py: every entry of every neighbour row; "
               "`/diversity/hub_token`, `hub_count`; table `<model>.diversity.hubs.tsv`).");
    for (int i = 0; i < nc; i++)
        if (!isnan(r->m[cols_at[i]].p.hub_skew))
            ta__report_doc_p(r, "Skew of the neighbour counts (scipy.stats.skew) of %s: %.3f.",
                             r->m[cols_at[i]].name, r->m[cols_at[i]].p.hub_skew);
}

static void write_vocab(ta_report_t *r)
{
    ta__report_doc_h(r, 2, "Vocabulary by category");
    int cols_at[REPORT_MAX_MODELS], nc = 0;
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].p.vocab_n)
            cols_at[nc++] = j;
    if (nc == 0) {
        ta__report_doc_p(r, "No vocabulary counts: the diversity step writes them under the "
                            "paper's protocol (protocol: paper).");
        return;
    }
    const char *cols[REPORT_MAX_MODELS + 1];
    cols[0] = "category";
    for (int i = 0; i < nc; i++)
        cols[i + 1] = r->m[cols_at[i]].name;
    ta__report_doc_table_head(r, nc + 1, cols);
    for (int c = 0; c < r->ncat; c++) {
        char cell[REPORT_MAX_MODELS + 1][128];
        int any = 0;
        cell_str(cell[0], r->cat[c]);
        for (int i = 0; i < nc; i++) {
            const ta_report_model_t *m = &r->m[cols_at[i]];
            int64_t k = ta_report_find(m->dcat, m->ndcat, r->cat[c]), tot = 0;
            for (int64_t q = 0; q < m->ndcat; q++)
                tot += m->p.vocab_n[q];
            if (k < 0 || m->p.vocab_n[k] == 0) {
                snprintf(cell[i + 1], 128, "-");
                continue;
            }
            any = 1;
            snprintf(cell[i + 1], 128, "%lld (%.2f%%)", (long long)m->p.vocab_n[k],
                     tot ? 100.0 * (double)m->p.vocab_n[k] / (double)tot : 0.0);
        }
        if (any)
            ta__report_doc_table_row(r, nc + 1, cell);
    }
    ta__report_doc_table_end(r);
    table_note(r, REPORT_G_DIV,
               "Tokens of each vocabulary per category and their share, as the paper's "
               "display_sorted_categories.py (`/diversity/vocab_cat_n`; table "
               "`<model>.diversity.vocabcats.tsv`).");
}

/* ---- per model ------------------------------------------------------------------------------- */

#define PAPER_LEGEND                                                                               \
    "Categories (scheme `paper`): a letter counts by the first word of its Unicode name "          \
    "(LATIN, CYRILLIC, CJK, ...); other characters by their general category: N numbers, P "       \
    "punctuation, S symbols, M marks, C other, Z separators; BYTES for byte pieces that "          \
    "are not valid UTF-8 alone; Unknown for empty tokens."

static void write_model_table(ta_report_t *r, ta_report_model_t *m)
{
    char h[512];
    snprintf(h, sizeof h, "%s: by category", m->name);
    ta__report_doc_h(r, 3, h);
    static const char *const cols[] = {
        "category",       "tokens",         "mean categories spanned",
        "entropy (nats)", "probe accuracy", "translations"};
    ta__report_doc_table_head(r, 6, cols);
    for (int c = 0; c < r->ncat; c++) {
        int64_t di = ta_report_find(m->dcat, m->ndcat, r->cat[c]);
        int64_t pi = ta_report_find(m->pcat, m->npcat, r->cat[c]);
        int64_t ti = ta_report_find(m->tcat, m->ntcat, r->cat[c]);
        if (di < 0 && pi < 0 && ti < 0)
            continue;
        if (di >= 0 && m->dcat_n && m->dcat_n[di] == 0 && pi < 0)
            continue;
        char cell[6][128];
        cell_str(cell[0], r->cat[c]);
        if (di >= 0 && m->dcat_n)
            snprintf(cell[1], 128, "%lld", (long long)m->dcat_n[di]);
        else if (pi >= 0 && m->pntok)
            snprintf(cell[1], 128, "%lld", (long long)m->pntok[pi]);
        else
            snprintf(cell[1], 128, "-");
        ta__report_fmt_num(cell[2], 128, di >= 0 ? m->dcat_mean[di] : NAN, "%.2f");
        ta__report_fmt_num(cell[3], 128, di >= 0 && m->ent_mean ? m->ent_mean[di] : NAN, "%.2f");
        if (pi >= 0 && m->pstd)
            snprintf(cell[4], 128, "%.1f%% ± %.1f", 100.0 * m->pacc[pi], 100.0 * m->pstd[pi]);
        else
            ta__report_fmt_num(cell[4], 128, pi >= 0 ? 100.0 * m->pacc[pi] : NAN, "%.1f%%");
        ta__report_fmt_num(cell[5], 128, ti >= 0 ? 100.0 * m->tshare[ti] : NAN, "%.1f%%");
        ta__report_doc_table_row(r, 6, cell);
    }
    ta__report_doc_table_end(r);
    if (m->missing[0])
        ta__report_doc_p(r, "Not in the file %s: %s.", m->file, m->missing);
}

int ta__report_tables(ta_report_t *r)
{
    TA_CALL(write_catmatrix(r));
    TA_CALL(write_entropy(r));
    TA_CALL(write_translations(r));
    write_compare(r);
    write_hubs(r);
    write_vocab(r);
    ta__report_doc_h(r, 2, "Tables by category");
    ta__report_doc_p(r, PAPER_LEGEND);
    for (int j = 0; j < r->nm; j++)
        write_model_table(r, &r->m[j]);
    return 0;
}
