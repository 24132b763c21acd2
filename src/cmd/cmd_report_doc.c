/* `report`, the documents: report.md and index.html, the same paragraphs, tables and figures in
 * both (Markdown with PNG figures; static HTML with inline CSS and SVG figures by relative path,
 * so that it opens from the file system). */
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

static void html_esc(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '&':
            fputs("&amp;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        default:
            fputc(*s, fp);
        }
    }
}

static void md_cell(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', fp);
        fputc(*s == '\n' ? ' ' : *s, fp);
    }
}

/* A paragraph, the same text in both documents (plain text; HTML-escaped). */
static void doc_p(ta_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void doc_p(ta_report_t *r, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(r->md.fp, "%s\n\n", buf);
    fputs("<p>", r->html.fp);
    html_esc(r->html.fp, buf);
    fputs("</p>\n", r->html.fp);
}

static void doc_h(ta_report_t *r, int level, const char *text)
{
    for (int i = 0; i < level; i++)
        fputc('#', r->md.fp);
    fprintf(r->md.fp, " %s\n\n", text);
    fprintf(r->html.fp, "<h%d>", level);
    html_esc(r->html.fp, text);
    fprintf(r->html.fp, "</h%d>\n", level);
}

static void doc_table_head(ta_report_t *r, int n, const char *const *cols)
{
    fputc('|', r->md.fp);
    for (int i = 0; i < n; i++) {
        fputc(' ', r->md.fp);
        md_cell(r->md.fp, cols[i]);
        fputs(" |", r->md.fp);
    }
    fputs("\n|", r->md.fp);
    for (int i = 0; i < n; i++)
        fputs(i ? "---:|" : "---|", r->md.fp);
    fputc('\n', r->md.fp);
    fputs("<table>\n<tr>", r->html.fp);
    for (int i = 0; i < n; i++) {
        fputs("<th>", r->html.fp);
        html_esc(r->html.fp, cols[i]);
        fputs("</th>", r->html.fp);
    }
    fputs("</tr>\n", r->html.fp);
}

static void doc_table_row(ta_report_t *r, int n, char cells[][128])
{
    fputc('|', r->md.fp);
    fputs("<tr>", r->html.fp);
    for (int i = 0; i < n; i++) {
        fputc(' ', r->md.fp);
        md_cell(r->md.fp, cells[i]);
        fputs(" |", r->md.fp);
        fputs(i ? "<td class=\"n\">" : "<td>", r->html.fp);
        html_esc(r->html.fp, cells[i]);
        fputs("</td>", r->html.fp);
    }
    fputc('\n', r->md.fp);
    fputs("</tr>\n", r->html.fp);
}

static void doc_table_end(ta_report_t *r)
{
    fputc('\n', r->md.fp);
    fputs("</table>\n", r->html.fp);
}

static void doc_figure(ta_report_t *r, const char *name, const char *caption)
{
    fprintf(r->md.fp,
            "![%s](figures/%s.png)\n\n*%s* ([SVG](figures/%s.svg), script "
            "[figures/%s.gp](figures/%s.gp))\n\n",
            caption, name, caption, name, name, name);
    fprintf(r->html.fp, "<figure><a href=\"figures/%s.svg\"><img src=\"figures/%s.svg\" alt=\"",
            name, name);
    html_esc(r->html.fp, caption);
    fputs("\"></a><figcaption>", r->html.fp);
    html_esc(r->html.fp, caption);
    fprintf(r->html.fp,
            " (<a href=\"figures/%s.png\">PNG</a>, script <a href=\"figures/%s.gp\">"
            "%s.gp</a>)</figcaption></figure>\n",
            name, name, name);
}

static void fmt_num(char *out, size_t cap, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, fmt, v);
}

static const char *paper_legend =
    "Categories (scheme `paper`): a letter counts by the first word of its Unicode name (LATIN, "
    "CYRILLIC, CJK, ...); other characters by their general category: N numbers, P "
    "punctuation, S symbols, M marks, C other, Z separators; BYTES for byte pieces that are not "
    "valid UTF-8 alone; Unknown for empty tokens.";

static void write_headlines(ta_report_t *r)
{
    doc_h(r, 2, "Headline numbers");
    static const char *const cols[] = {"model",
                                       "tokens",
                                       "dim",
                                       "mean categories in top-N neighbourhood",
                                       "tokens whose neighbourhood is one category",
                                       "mean probe accuracy",
                                       "categories probed",
                                       "mean entropy (nats)"};
    doc_table_head(r, 8, cols);
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
        fmt_num(c[4], 128, m->nhist > 1 && tot > 0 ? 100.0 * (double)m->hist[1] / tot : NAN,
                "%.1f%%");
        fmt_num(c[5], 128, m->has_probe ? 100.0 * m->probe_avg : NAN, "%.1f%%");
        snprintf(c[6], 128, m->has_probe ? "%lld" : "-", (long long)m->npcat);
        fmt_num(c[7], 128, m->has_div ? m->ent_all : NAN, "%.2f");
        doc_table_row(r, 8, c);
    }
    doc_table_end(r);
    doc_p(r,
          "For comparison, the paper (Wen-Yi & Mimno, EMNLP 2023): XLM-R reaches %.1f%% average "
          "probe accuracy (writing systems are linearly separable in its embeddings), and "
          "mT5-XL's 50 nearest neighbours span %.2f categories on average (its neighbourhoods "
          "cross writing systems).",
          PAPER_XLMR_PROBE, PAPER_MT5_SPAN);
}

static void write_model_table(ta_report_t *r, ta_report_model_t *m)
{
    char h[512];
    snprintf(h, sizeof h, "%s: by category", m->name);
    doc_h(r, 3, h);
    static const char *const cols[] = {
        "category",       "tokens",         "mean categories spanned",
        "entropy (nats)", "probe accuracy", "translations"};
    doc_table_head(r, 6, cols);
    for (int c = 0; c < r->ncat; c++) {
        int64_t di = ta_report_find(m->dcat, m->ndcat, r->cat[c]);
        int64_t pi = ta_report_find(m->pcat, m->npcat, r->cat[c]);
        int64_t ti = ta_report_find(m->tcat, m->ntcat, r->cat[c]);
        if (di < 0 && pi < 0 && ti < 0)
            continue;
        if (di >= 0 && m->dcat_n && m->dcat_n[di] == 0 && pi < 0)
            continue;
        char cell[6][128];
        snprintf(cell[0], 128, "%s", r->cat[c]);
        if (di >= 0 && m->dcat_n)
            snprintf(cell[1], 128, "%lld", (long long)m->dcat_n[di]);
        else if (pi >= 0 && m->pntok)
            snprintf(cell[1], 128, "%lld", (long long)m->pntok[pi]);
        else
            snprintf(cell[1], 128, "-");
        fmt_num(cell[2], 128, di >= 0 ? m->dcat_mean[di] : NAN, "%.2f");
        fmt_num(cell[3], 128, di >= 0 && m->ent_mean ? m->ent_mean[di] : NAN, "%.2f");
        if (pi >= 0 && m->pstd)
            snprintf(cell[4], 128, "%.1f%% ± %.1f", 100.0 * m->pacc[pi], 100.0 * m->pstd[pi]);
        else
            fmt_num(cell[4], 128, pi >= 0 ? 100.0 * m->pacc[pi] : NAN, "%.1f%%");
        fmt_num(cell[5], 128, ti >= 0 ? 100.0 * m->tshare[ti] : NAN, "%.1f%%");
        doc_table_row(r, 6, cell);
    }
    doc_table_end(r);
    if (m->missing[0])
        doc_p(r, "Not in %s: %s.", m->file, m->missing);
}

static void write_compare(ta_report_t *r)
{
    int any = 0;
    for (int j = 0; j < r->nm; j++)
        any |= r->m[j].ncmp > 0;
    if (!any)
        return;
    doc_h(r, 2, "Model comparisons");
    doc_p(r, "Per-token Jaccard similarity of the neighbour sets of the same token in two models, "
             "over their shared vocabulary (1 = the same neighbours).");
    static const char *const cols[] = {"model", "compared with", "mean Jaccard", "shared tokens"};
    doc_table_head(r, 4, cols);
    for (int j = 0; j < r->nm; j++)
        for (int i = 0; i < r->m[j].ncmp; i++) {
            char c[4][128];
            snprintf(c[0], 128, "%.127s", r->m[j].name);
            snprintf(c[1], 128, "%.127s", r->m[j].cmp_other[i]);
            fmt_num(c[2], 128, r->m[j].cmp_mean[i], "%.3f");
            fmt_num(c[3], 128, r->m[j].cmp_shared[i], "%.0f");
            doc_table_row(r, 4, c);
        }
    doc_table_end(r);
}

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
    doc_h(r, 2, "Configuration");
    doc_p(r, "The effective configuration of the run (run.yaml); the log of every step is in "
             "run.log.");
    fprintf(r->md.fp, "```yaml\n%s%s```\n\n", text, len && text[len - 1] == '\n' ? "" : "\n");
    fputs("<pre>", r->html.fp);
    html_esc(r->html.fp, text);
    fputs("</pre>\n", r->html.fp);
    free(text);
}

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
    doc_h(r, 1, title);
    char names[2048] = "";
    for (int j = 0; j < r->nm; j++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "", r->m[j].name);
    }
    doc_p(r,
          "Models: %s. Made by tokenatlas %s from the files %s/<model>.h5 (HDF5, complete = 1; "
          "the layout is in the README, section \"HDF5 layout\"), with TSV tables beside them.",
          names, r->m[0].version[0] ? r->m[0].version : "", base);
    free(real);
}

/* Neighbourhoods across writing systems: the histogram, a heatmap per model, the entropies. */
static int write_neighbourhoods(ta_report_t *r)
{
    int made = 0;
    doc_h(r, 2, "Neighbourhoods across writing systems");
    TA_CALL(ta__report_fig_neighbour_categories(r, &made));
    if (made)
        doc_figure(r, "neighbour_categories",
                   "Share of tokens whose neighbourhood (the token and its top-N nearest "
                   "neighbours by cosine) spans 1, 2, 3, ... categories (paper Figure 5).");
    else
        doc_p(r, "No neighbourhood histogram: %s.",
              r->have_gnuplot ? "no /diversity/histogram in the model files"
                              : "gnuplot is not installed");
    for (int j = 0; j < r->nm; j++) {
        char name[300];
        snprintf(name, sizeof name, "heatmap_%s", r->m[j].name);
        TA_CALL(ta__report_fig_heatmap(r, &r->m[j], name, &made));
        if (made) {
            char cap[512];
            snprintf(cap, sizeof cap,
                     "%s: for the tokens of each category (row), the share of their nearest "
                     "neighbours in each category (column); rows sum to 100%%.",
                     r->m[j].name);
            doc_figure(r, name, cap);
        }
    }
    TA_CALL(ta__report_fig_by_category(r, 1, &made));
    if (made)
        doc_figure(r, "entropy",
                   "Mean entropy of the categories of a token's neighbours, by the token's "
                   "category (0 = all neighbours in one category).");
    return 0;
}

/* Linear separability, and translations among the neighbours when a model has them. */
static int write_probes_translations(ta_report_t *r)
{
    int made = 0;
    doc_h(r, 2, "Linear separability of writing systems");
    TA_CALL(ta__report_fig_by_category(r, 0, &made));
    if (made)
        doc_figure(r, "probe_accuracy",
                   "One-vs-rest logistic regression per category, balanced by undersampling, "
                   "mean accuracy over the cross-validation folds (paper Figure 3).");
    else
        doc_p(r, "No probe results in the model files.");
    int any_tr = 0;
    for (int j = 0; j < r->nm; j++)
        any_tr |= r->m[j].has_tr;
    if (!any_tr)
        return 0;
    doc_h(r, 2, "Translations among the neighbours");
    TA_CALL(ta__report_fig_by_category(r, 2, &made));
    if (made)
        doc_figure(r, "translation",
                   "Share of a token's neighbours that are its translations in the bilingual "
                   "dictionaries, by the token's category.");
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].has_tr && !isnan(r->m[j].tr_all))
            doc_p(r, "%s: %.2f%% of the neighbours are translations.", r->m[j].name,
                  100.0 * r->m[j].tr_all);
    return 0;
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
    TA_CALL_GOTO(write_neighbourhoods(r), fail);
    TA_CALL_GOTO(write_probes_translations(r), fail);
    write_compare(r);
    doc_h(r, 2, "Tables by category");
    doc_p(r, "%s", paper_legend);
    for (int j = 0; j < r->nm; j++)
        write_model_table(r, &r->m[j]);
    if (r->fig_errors[0])
        doc_p(r, "Figures that could not be drawn: %s", r->fig_errors);
    write_config(r);
    fputs("</body>\n</html>\n", r->html.fp);
    TA_CALL_GOTO(ta_outfile_commit(&r->md), fail);
    return ta_outfile_commit(&r->html);
fail:
    ta_outfile_abort(&r->md);
    ta_outfile_abort(&r->html);
    return rc;
}
