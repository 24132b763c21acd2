/* `report`, the documents: report.md and index.html, the same paragraphs, tables and figures in
 * both (Markdown with PNG figures; static HTML with inline CSS and SVG figures by relative path,
 * so that it opens from the file system). Every text from the files goes through the escaping
 * of cmd_report_esc.c. The order follows the paper: Figures 1, 2, 3, 5, 6, 9, then the tables
 * (cmd_report_tables.c); a figure whose data the run does not have is left out with a note. */
#include "base/ta_error.h"
#include "io/ta_file.h"
#include "cmd/cmd_report_int.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The paper's numbers (Wen-Yi & Mimno, EMNLP 2023). */
#define PAPER_XLMR_PROBE 99.2
#define PAPER_MT5_SPAN 7.61

/* ---- the primitives -------------------------------------------------------------------------- */

void ta__report_doc_text(ta_report_t *r, const ta__report_text_t *t)
{
    fprintf(r->md.fp, "%s\n\n", t->mdbuf);
    fprintf(r->html.fp, "<p>%s</p>\n", t->htmlbuf);
}

void ta__report_doc_p(ta_report_t *r, const char *fmt, ...)
{
    ta__report_text_t t;
    if (ta__report_text_open(&t) != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    ta__report_vtextf(&t, fmt, ap);
    va_end(ap);
    if (ta__report_text_close(&t) == 0)
        ta__report_doc_text(r, &t);
    ta__report_text_free(&t);
}

void ta__report_doc_h(ta_report_t *r, int level, const char *text)
{
    for (int i = 0; i < level; i++)
        fputc('#', r->md.fp);
    fputc(' ', r->md.fp);
    ta__report_md(r->md.fp, text);
    fputs("\n\n", r->md.fp);
    fprintf(r->html.fp, "<h%d>", level);
    ta__report_html(r->html.fp, text);
    fprintf(r->html.fp, "</h%d>\n", level);
}

void ta__report_doc_table_head(ta_report_t *r, int n, const char *const *cols)
{
    fputc('|', r->md.fp);
    for (int i = 0; i < n; i++) {
        fputc(' ', r->md.fp);
        ta__report_md(r->md.fp, cols[i]);
        fputs(" |", r->md.fp);
    }
    fputs("\n|", r->md.fp);
    for (int i = 0; i < n; i++)
        fputs(i ? "---:|" : "---|", r->md.fp);
    fputc('\n', r->md.fp);
    fputs("<table>\n<tr>", r->html.fp);
    for (int i = 0; i < n; i++) {
        fputs("<th>", r->html.fp);
        ta__report_html(r->html.fp, cols[i]);
        fputs("</th>", r->html.fp);
    }
    fputs("</tr>\n", r->html.fp);
}

void ta__report_doc_table_row(ta_report_t *r, int n, char cells[][128])
{
    fputc('|', r->md.fp);
    fputs("<tr>", r->html.fp);
    for (int i = 0; i < n; i++) {
        fputc(' ', r->md.fp);
        ta__report_md(r->md.fp, cells[i]);
        fputs(" |", r->md.fp);
        fputs(i ? "<td class=\"n\">" : "<td>", r->html.fp);
        ta__report_html(r->html.fp, cells[i]);
        fputs("</td>", r->html.fp);
    }
    fputc('\n', r->md.fp);
    fputs("</tr>\n", r->html.fp);
}

void ta__report_doc_table_end(ta_report_t *r)
{
    fputc('\n', r->md.fp);
    fputs("</table>\n", r->html.fp);
}

void ta__report_doc_figure(ta_report_t *r, const char *name, const ta__report_text_t *cap,
                           int png_only)
{
    fprintf(r->md.fp, "![%s](figures/%s.png)\n\n*%s* (", cap->mdbuf, name, cap->mdbuf);
    if (!png_only)
        fprintf(r->md.fp, "[SVG](figures/%s.svg), ", name);
    fprintf(r->md.fp, "script [figures/%s.gp](figures/%s.gp))\n\n", name, name);
    const char *ext = png_only ? "png" : "svg";
    fprintf(r->html.fp, "<figure><a href=\"figures/%s.%s\"><img src=\"figures/%s.%s\" alt=\"", name,
            ext, name, ext);
    /* The caption without its <code> elements (the only tags it holds) as the alternative text. */
    for (const char *p = cap->htmlbuf; *p;) {
        size_t skip = strncmp(p, "<code>", 6) == 0 ? 6 : strncmp(p, "</code>", 7) == 0 ? 7 : 0;
        if (skip)
            p += skip;
        else
            fputc(*p++, r->html.fp);
    }
    fputs("\"></a><figcaption>", r->html.fp);
    fputs(cap->htmlbuf, r->html.fp);
    fputs(" (", r->html.fp);
    if (!png_only)
        fprintf(r->html.fp, "<a href=\"figures/%s.png\">PNG</a>, ", name);
    fprintf(r->html.fp, "script <a href=\"figures/%s.gp\">%s.gp</a>)</figcaption></figure>\n", name,
            name);
}

void ta__report_fmt_num(char *out, size_t cap, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, fmt, v);
}

int ta__report_vcaption(ta_report_t *r, ta__report_text_t *t, report_group_t g, const char *fmt,
                        va_list ap)
{
    TA_CALL(ta__report_text_open(t));
    ta__report_vtextf(t, fmt, ap);
    ta__report_prov_caption(r, g, t);
    int rc = ta__report_text_close(t);
    if (rc)
        ta__report_text_free(t);
    return rc;
}

int ta__report_figure(ta_report_t *r, const char *name, report_group_t g, int png_only,
                      const char *fmt, ...)
{
    ta__report_text_t t;
    va_list ap;
    va_start(ap, fmt);
    int rc = ta__report_vcaption(r, &t, g, fmt, ap);
    va_end(ap);
    TA_CALL(rc);
    ta__report_doc_figure(r, name, &t, png_only);
    ta__report_text_free(&t);
    return 0;
}

/* The note for a figure that was not drawn: why (text the code wrote). */
static void not_drawn(ta_report_t *r, const char *figure_name, const char *why_no_data)
{
    ta__report_text_t t;
    if (ta__report_text_open(&t) != 0)
        return;
    ta__report_textf(&t, "No %s: ", figure_name);
    ta__report_text_lit(&t, r->have_gnuplot ? why_no_data : "gnuplot is not installed");
    ta__report_text_lit(&t, ".");
    if (ta__report_text_close(&t) == 0)
        ta__report_doc_text(r, &t);
    ta__report_text_free(&t);
}

/* ---- the sections ---------------------------------------------------------------------------- */

static const char *html_head =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>tokenatlas report</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:72rem;"
    "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}\n"
    "h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;"
    "margin-top:2.2rem}\n"
    "table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}\n"
    "th,td{border:1px solid #ccc;padding:.25rem .6rem}th{background:#f3f5f8;text-align:left}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:.9rem;color:#555}\n"
    "pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.85rem}\n"
    ".warn{color:#8a4b00}\n</style>\n</head>\n<body>\n";

/* The title and the list of models. */
static void write_title(ta_report_t *r)
{
    fputs(html_head, r->html.fp);
    /* The run's name: the directory's own name, also when it was given as "." or "../x/". */
    char *real = realpath(r->dir, NULL);
    const char *full = real ? real : r->dir;
    const char *base = strrchr(full, '/') && strrchr(full, '/')[1] ? strrchr(full, '/') + 1 : full;
    char title[512];
    snprintf(title, sizeof title, "tokenatlas report: %.400s", base);
    ta__report_doc_h(r, 1, title);
    char names[2048] = "";
    for (int j = 0; j < r->nm; j++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "", r->m[j].name);
    }
    ta__report_doc_p(r,
                     "Models: %s. Made by tokenatlas %s from the files `<model>.h5` in %s (HDF5, "
                     "complete = 1; the layout is in the README, section \"HDF5 layout\"), with "
                     "TSV tables beside them. Each caption names the protocol (the paper's "
                     "definitions or tokenatlas's) and the tokens (subset) its data were made "
                     "with.",
                     names, r->m[0].version[0] ? r->m[0].version : "", base);
    free(real);
}

static void write_headlines(ta_report_t *r)
{
    ta__report_doc_h(r, 2, "Headline numbers");
    static const char *const cols[] = {"model",
                                       "tokens",
                                       "dim",
                                       "mean categories in top-N neighbourhood",
                                       "tokens whose neighbourhood is one category",
                                       "mean probe accuracy",
                                       "categories probed",
                                       "mean entropy (nats)"};
    ta__report_doc_table_head(r, 8, cols);
    for (int j = 0; j < r->nm; j++) {
        ta_report_model_t *m = &r->m[j];
        char c[8][128];
        snprintf(c[0], 128, "%.127s", m->name);
        snprintf(c[1], 128, "%lld", (long long)m->n_tokens);
        snprintf(c[2], 128, "%lld", (long long)m->dim);
        if (m->has_div && !isnan(m->count_mean))
            snprintf(c[3], 128, "%.2f (top %g)", m->count_mean, m->top);
        else
            snprintf(c[3], 128, "-");
        double tot = 0;
        for (int64_t i = 0; i < m->nhist; i++)
            tot += (double)m->hist[i];
        ta__report_fmt_num(
            c[4], 128, m->nhist > 1 && tot > 0 ? 100.0 * (double)m->hist[1] / tot : NAN, "%.1f%%");
        ta__report_fmt_num(c[5], 128, m->has_probe ? 100.0 * m->probe_avg : NAN, "%.1f%%");
        snprintf(c[6], 128, m->has_probe ? "%lld" : "-", (long long)m->npcat);
        ta__report_fmt_num(c[7], 128, m->has_div ? m->ent_all : NAN, "%.2f");
        ta__report_doc_table_row(r, 8, c);
    }
    ta__report_doc_table_end(r);
    ta__report_doc_p(r,
                     "For comparison, the paper (Wen-Yi & Mimno, EMNLP 2023): XLM-R reaches %.1f%% "
                     "average probe accuracy (writing systems are linearly separable in its "
                     "embeddings), and mT5-XL's 50 nearest neighbours span %.2f categories on "
                     "average (its neighbourhoods cross writing systems).",
                     PAPER_XLMR_PROBE, PAPER_MT5_SPAN);
}

/* Figure 1: the maps. */
static int write_map(ta_report_t *r)
{
    int made = 0;
    ta__report_doc_h(r, 2, "Figure 1: the embeddings in two dimensions");
    TA_CALL(ta__report_fig_map(r, &made));
    const ta_report_paper_t *p = NULL;
    for (int j = 0; j < r->nm && !p; j++)
        p = r->m[j].p.nmap > 0 ? &r->m[j].p : NULL;
    if (!made) {
        not_drawn(r, "Figure 1",
                  p ? "gnuplot failed (see below)"
                    : "the model files have no /map (the run's map step is off, map.enabled: "
                      "false, or neighbors.queries is a sample)");
        return 0;
    }
    TA_CALL(ta__report_figure(
        r, "map", REPORT_G_MAP, 1,
        "Figure 1. UMAP layout (n_neighbors %g, min_dist %g, seed %g; `tokenatlas map` on the "
        "exact neighbour graph, distances sqrt(2 - 2 cos)) of each model's tokens, side by "
        "side; coloured by the paper's 13 writing systems and S and N, the other tokens grey "
        "(`/map/xy`, `/categories/paper`).",
        p->map_nn, p->map_min_dist, p->map_seed));
    return 0;
}

/* Figure 2: the vocabulary overlap, with its table. */
static int write_overlap(ta_report_t *r)
{
    int made = 0;
    const ta_report_overlap_t *ov = &r->ov;
    ta__report_doc_h(r, 2, "Figure 2: shared vocabulary");
    TA_CALL(ta__report_fig_overlap(r, &made));
    if (!made) {
        not_drawn(r, "Figure 2",
                  ov->has ? "gnuplot failed (see below)"
                          : "the run has no overlap step (overlap.h5; a run makes it with "
                            "subset: shared, or run `tokenatlas overlap`)");
        return 0;
    }
    const char *tsv = ov->tsv[0] ? strrchr(ov->tsv, '/') + 1 : "";
    ta__report_text_t t;
    TA_CALL(ta__report_text_open(&t));
    ta__report_textf(
        &t,
        "Figure 2. Tokens shared by each pair of vocabularies (the diagonal: each "
        "vocabulary's distinct tokens) and the non-LATIN proportion of what they "
        "share (`/overlap/shared`, `/overlap/latin` of %s; table %s). Protocol: any (the "
        "overlap does not depend on it); subset: the whole vocabularies (the overlap "
        "defines the shared subset).",
        strrchr(ov->file, '/') ? strrchr(ov->file, '/') + 1 : ov->file, tsv);
    int rc = ta__report_text_close(&t);
    if (!rc)
        ta__report_doc_figure(r, "overlap", &t, 0);
    ta__report_text_free(&t);
    TA_CALL(rc);
    static const char *const cols[] = {"a",
                                       "b",
                                       "tokens of a",
                                       "tokens of b",
                                       "shared",
                                       "share of the smaller",
                                       "LATIN share of the shared"};
    ta__report_doc_table_head(r, 7, cols);
    for (int64_t a = 0; a < ov->m; a++)
        for (int64_t b = a + 1; b < ov->m; b++) {
            char c[7][128];
            int64_t s = ov->shared[a * ov->m + b], na = ov->n_tokens[a], nb = ov->n_tokens[b];
            int64_t sm = na < nb ? na : nb;
            snprintf(c[0], 128, "%.127s", ov->name[a]);
            snprintf(c[1], 128, "%.127s", ov->name[b]);
            snprintf(c[2], 128, "%lld", (long long)na);
            snprintf(c[3], 128, "%lld", (long long)nb);
            snprintf(c[4], 128, "%lld", (long long)s);
            ta__report_fmt_num(c[5], 128, sm ? (double)s / (double)sm : NAN, "%.4f");
            ta__report_fmt_num(c[6], 128, s ? (double)ov->latin[a * ov->m + b] / (double)s : NAN,
                               "%.4f");
            ta__report_doc_table_row(r, 7, c);
        }
    ta__report_doc_table_end(r);
    return 0;
}

/* Figure 3: the probes. */
static int write_probes(ta_report_t *r)
{
    int made = 0;
    ta__report_doc_h(r, 2, "Figure 3: linear separability of writing systems");
    TA_CALL(ta__report_fig_by_category(r, 0, &made));
    if (!made) {
        int any = 0;
        for (int j = 0; j < r->nm; j++)
            any |= r->m[j].has_probe;
        not_drawn(r, "Figure 3",
                  any ? "no probed category to show" : "the model files have no /probe");
        return 0;
    }
    int paper = ta__report_all_paper(r, REPORT_G_PROBE);
    TA_CALL(ta__report_figure(
        r, "probe_accuracy", REPORT_G_PROBE, 0,
        "Figure 3. One-vs-rest logistic regression per category, balanced by undersampling, "
        "mean accuracy over the cross-validation folds with their standard deviation "
        "(`/probe/mean_accuracy`, `/probe/std_accuracy`; table `<model>.probe.tsv`); %s.",
        paper ? "the paper's 13 writing systems and S, in its order" : "every probed category"));
    return 0;
}

/* Figure 5: how many categories a neighbourhood spans. */
static int write_histogram(ta_report_t *r)
{
    int made = 0;
    ta__report_doc_h(r, 2, "Figure 5: categories in a neighbourhood");
    TA_CALL(ta__report_fig_neighbour_categories(r, &made));
    if (!made) {
        not_drawn(r, "Figure 5", "the model files have no /diversity/histogram");
        return 0;
    }
    if (r->m[0].hist_vocab)
        TA_CALL(ta__report_figure(
            r, "neighbour_categories", REPORT_G_DIV_VOCAB, 0,
            "Figure 5. Share of tokens whose neighbourhood (the token and its %g nearest other "
            "tokens by cosine, in the whole vocabulary, for a 1%% sample of its tokens, as the "
            "paper) spans 1, 2, 3, ... categories (`/diversity_vocab/histogram`; table "
            "`<model>.diversity_vocab.histogram.tsv`).",
            r->m[0].top));
    else
        TA_CALL(ta__report_figure(
            r, "neighbour_categories", REPORT_G_DIV, 0,
            "Figure 5. Share of tokens whose neighbourhood (the token and its %g nearest other "
            "tokens by cosine) spans 1, 2, 3, ... categories (`/diversity/histogram`; table "
            "`<model>.diversity.histogram.tsv`).",
            r->m[0].top));
    return 0;
}

/* Figure 6: the neighbour breakdown of five categories, one figure per model. */
static int write_breakdown(ta_report_t *r)
{
    ta__report_doc_h(r, 2, "Figure 6: where the neighbours of five categories fall");
    int drawn = 0;
    for (int j = 0; j < r->nm; j++) {
        ta_report_model_t *m = &r->m[j];
        char name[300];
        int made = 0;
        ta__report_file_name(name, sizeof name, "breakdown", m->name, j);
        TA_CALL(ta__report_fig_breakdown(r, m, name, &made));
        if (!made)
            continue;
        drawn++;
        int paper = strcmp(m->p.div.protocol, "paper") == 0;
        char what[512];
        if (paper)
            snprintf(what, sizeof what,
                     "the mean over the tokens with at least one such neighbour, among all %g "
                     "neighbours of the token's row, itself included (the paper's figure takes "
                     "the token and its 50 nearest)",
                     m->k);
        else
            snprintf(what, sizeof what,
                     "the mean over all tokens of the category, among their %g nearest other "
                     "tokens",
                     m->top);
        TA_CALL(ta__report_figure(
            r, name, REPORT_G_DIV, 0,
            "Figure 6 (%s). For the tokens of KATAKANA, HIRAGANA, CJK, LATIN and CYRILLIC "
            "(those the model has), the number of their neighbours in each of these "
            "categories: %s (`/diversity/matrix_mean`, `matrix_ci`; table "
            "`<model>.diversity.catmatrix.tsv`).",
            m->name, what));
    }
    if (!drawn)
        not_drawn(r, "Figure 6",
                  "no model has tokens of KATAKANA, HIRAGANA, CJK, LATIN or CYRILLIC with a "
                  "category x category matrix");
    return 0;
}

/* Figure 9: by decile of frequency, or of token id. */
static int write_deciles(ta_report_t *r)
{
    int made = 0;
    ta__report_doc_h(r, 2, "Figure 9: categories in a neighbourhood by token frequency");
    TA_CALL(ta__report_fig_deciles(r, &made));
    if (!made) {
        not_drawn(r, "Figure 9", "the model files have no /diversity deciles");
        return 0;
    }
    char freq[1024] = "", ids[1024] = "";
    for (int j = 0; j < r->nm; j++) {
        char *to = r->m[j].p.has_freq ? freq : ids;
        if (!r->m[j].p.has_freq && !r->m[j].p.has_dec)
            continue;
        size_t len = strlen(to);
        snprintf(to + len, 1024 - len, "%s%s", len ? ", " : "", r->m[j].name);
    }
    ta__report_text_t t;
    TA_CALL(ta__report_text_open(&t));
    ta__report_textf(&t,
                     "Figure 9. Mean number of categories among a token and its %g nearest "
                     "neighbours, with 95%% intervals",
                     r->m[0].top);
    if (freq[0])
        ta__report_textf(
            &t,
            ", by decile of token frequency (the counts of the frequencies file "
            "of the diversity step; 1 = least frequent; `/diversity/freq_decile_mean`, "
            "table `<model>.diversity.freqdeciles.tsv`) for %s",
            freq);
    if (ids[0])
        ta__report_textf(&t,
                         "%s by decile of token id, for %s: no frequencies were given, so the ids "
                         "0..N-1 in ten equal ranges stand in for frequency (1 = the lowest ids, "
                         "for SentencePiece vocabularies roughly the most frequent pieces; "
                         "`/diversity/decile_mean`, table `<model>.diversity.deciles.tsv`)",
                         freq[0] ? ";" : ",", ids);
    ta__report_textf(&t, ".");
    ta__report_prov_caption(r, REPORT_G_DIV, &t);
    int rc = ta__report_text_close(&t);
    if (!rc)
        ta__report_doc_figure(r, "deciles", &t, 0);
    ta__report_text_free(&t);
    return rc;
}

/* Opens RUN_DIR/NAME for one of the documents. */
static int open_doc(ta_report_t *r, ta_outfile_t *f, const char *name)
{
    char *path = NULL;
    TA_CALL(ta_cmd_sprintf(&path, "%s/%s", r->dir, name));
    int rc = ta_outfile_open(f, path);
    free(path);
    return rc;
}

/* The effective configuration, as it is, in both documents. */
static void write_config(ta_report_t *r)
{
    char *path = NULL, *text = NULL;
    size_t len = 0;
    int rc = ta_cmd_sprintf(&path, "%s/run.yaml", r->dir);
    if (!rc && ta_file_is_regular(path))
        rc = ta_file_read_all(path, &text, &len);
    free(path);
    if (rc || !text) {
        ta_err_clear();
        return;
    }
    ta__report_doc_h(r, 2, "Configuration");
    ta__report_doc_p(r, "The effective configuration of the run (run.yaml); the log of every "
                        "step is in run.log.");
    ta__report_md_pre(r->md.fp, text);
    fputc('\n', r->md.fp);
    fputs("<pre>", r->html.fp);
    ta__report_html(r->html.fp, text);
    fputs("</pre>\n", r->html.fp);
    free(text);
}

int ta__report_write(ta_report_t *r)
{
    TA_CALL(open_doc(r, &r->md, "report.md"));
    int rc = open_doc(r, &r->html, "index.html");
    if (rc) {
        ta_outfile_abort(&r->md);
        return rc;
    }
    write_title(r);
    write_headlines(r);
    TA_CALL_GOTO(write_map(r), fail);
    TA_CALL_GOTO(write_overlap(r), fail);
    TA_CALL_GOTO(write_probes(r), fail);
    TA_CALL_GOTO(write_histogram(r), fail);
    TA_CALL_GOTO(write_breakdown(r), fail);
    TA_CALL_GOTO(write_deciles(r), fail);
    TA_CALL_GOTO(ta__report_tables(r), fail);
    if (r->fig_errors[0])
        ta__report_doc_p(r, "Figures that could not be drawn: %s", r->fig_errors);
    write_config(r);
    fputs("</body>\n</html>\n", r->html.fp);
    return 0;
fail:
    ta__report_abort(r);
    return rc;
}

int ta__report_commit(ta_report_t *r)
{
    int rc = ta_outfile_commit(&r->md);
    if (rc) {
        ta_outfile_abort(&r->html);
        return rc;
    }
    return ta_outfile_commit(&r->html);
}

void ta__report_abort(ta_report_t *r)
{
    ta_outfile_abort(&r->md);
    ta_outfile_abort(&r->html);
}
