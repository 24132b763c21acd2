/* `report`, the figures: self-contained gnuplot scripts (data inline, numbers only: every text
 * is a string literal made by ta__report_gp_str) in RUN_DIR/figures/, each rendered to SVG (for
 * index.html) and PNG (for report.md and viewers without SVG):
 *   neighbour_categories  distinct categories among each token's top-N neighbourhood, the models
 *                         side by side (the paper's Figure 5);
 *   probe_accuracy        one-vs-rest probe accuracy by category and model (Figure 3);
 *   heatmap_<model>       category x category: where the neighbours of a category's tokens fall;
 *   entropy               entropy of neighbour categories by category and model;
 *   translation           share of neighbours that are dictionary translations, by category.
 * The paper's other figures (1, 2, 6, 9) are in cmd_report_paper.c. */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_file.h"
#include "io/ta_report_io.h"
#include "cmd/cmd_report_int.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_HEATMAP_MAX 24 /* categories shown in a heatmap (the largest by token count) */

/* Value of model m for category name in a (names, values) table; NAN when absent. */
static double cat_value(char *const *names, int64_t n, const double *v, const char *name)
{
    int64_t i = v ? ta_report_find(names, n, name) : -1;
    return i < 0 ? NAN : v[i];
}

void ta__report_gp_num(FILE *fp, double v)
{
    if (isnan(v) || isinf(v))
        fputs(" NaN", fp);
    else
        fprintf(fp, " %.6g", v);
}

void ta__report_gp_svg(FILE *fp, const char *name, int w, int h)
{
    fprintf(fp,
            "set terminal svg size %d,%d dynamic noenhanced font \"sans,13\" background "
            "rgb \"white\"\nset output \"%s.svg\"\nset datafile missing \"NaN\"\n",
            w, h, name);
}

void ta__report_gp_png(ta_report_t *r, FILE *fp, const char *name, int w, int h, int replot)
{
    fprintf(fp,
            "set terminal %s size %d,%d noenhanced font \"sans,11\" background rgb \"white\"\n"
            "set output \"%s.png\"\nset datafile missing \"NaN\"\n",
            r->have_pngcairo ? "pngcairo" : "png", w, h, name);
    if (replot)
        fputs("replot\nset output\n", fp);
}

int ta__report_gp_begin(ta_report_t *r, ta_outfile_t *o, const char *name, const char *what)
{
    char *path = NULL;
    TA_CALL(ta_cmd_sprintf(&path, "%s/%s.gp", r->figdir, name));
    int rc = ta_outfile_open(o, path);
    free(path);
    TA_CALL(rc);
    fputs("# ", o->fp);
    ta__report_gp_comment(o->fp, what);
    fputs("\n# Written by `tokenatlas report` from the files in ", o->fp);
    ta__report_gp_comment(o->fp, r->dir);
    fprintf(o->fp,
            "; the data are inline.\n# Redraw: cd figures && gnuplot %s.gp   (writes %s.svg "
            "and %s.png)\nreset session\n",
            name, name, name);
    return 0;
}

/* Commits the script. The first pass queues it for rendering (cmd_report.c renders the queue
 * after the documents) and counts it as drawn; the second pass knows how rendering went.
 * Returns 1 when the figure exists (or will). */
int ta__report_gp_finish(ta_report_t *r, ta_outfile_t *o, const char *name)
{
    TA_CALL(ta_outfile_commit(o));
    if (!r->have_gnuplot)
        return 0;
    int64_t i = ta_report_find(r->pending, r->npending, name);
    if (r->pass == 2)
        return i >= 0 && r->status[i] == 0;
    if (i < 0) {
        int64_t cap = r->pending_cap;
        TA_CALL(ta_grow(&r->pending, &r->pending_cap, r->npending + 1, sizeof *r->pending));
        TA_CALL(ta_grow(&r->status, &cap, r->npending + 1, sizeof *r->status));
        r->pending[r->npending] = strdup(name);
        TA_CHECK(r->pending[r->npending], TA_ERESOURCE, "out of memory");
        r->status[r->npending++] = -1;
    }
    return 1;
}

/* The data block of a bar chart: one line per group, per bar its value (and error). */
static void bars_data(FILE *fp, const report_bars_t *b)
{
    fputs("$data << EOD\n", fp);
    for (int i = 0; i < b->nrows; i++) {
        for (int j = 0; j < b->ncols; j++) {
            size_t at = (size_t)i * (size_t)b->ncols + (size_t)j;
            ta__report_gp_num(fp, b->vals[at]);
            if (b->errs)
                ta__report_gp_num(fp, isnan(b->vals[at]) ? NAN : b->errs[at]);
        }
        fputc('\n', fp);
    }
    fputs("EOD\n", fp);
}

static void gp_set_str(FILE *fp, const char *what, const char *s)
{
    fprintf(fp, "set %s ", what);
    ta__report_gp_str(fp, s);
    fputc('\n', fp);
}

int ta__report_fig_bars(ta_report_t *r, const report_bars_t *b, int *made)
{
    ta_outfile_t o;
    TA_CALL(ta__report_gp_begin(r, &o, b->name, b->what));
    FILE *fp = o.fp;
    bars_data(fp, b);
    int w = 140 + b->nrows * (b->ncols * 16 + 14);
    w = w < 800 ? 800 : w > 1600 ? 1600 : w;
    int h = (b->rotate ? 560 : 500) + (w > 1000 ? 80 : 0);
    ta__report_gp_svg(fp, b->name, w, h);
    fprintf(fp,
            "set style data histograms\nset style histogram %s gap 1\n"
            "set style fill solid 0.85 border rgb \"black\"\nset boxwidth 0.9\n"
            "set grid ytics\nset tics out nomirror\n",
            b->errs ? "errorbars lw 1" : "clustered");
    gp_set_str(fp, "title", b->title);
    gp_set_str(fp, "xlabel", b->xlabel);
    gp_set_str(fp, "ylabel", b->ylabel);
    fprintf(fp, "set yrange %s\nset xrange [-0.6:%d.6]\nset xtics (", b->yrange, b->nrows - 1);
    for (int i = 0; i < b->nrows; i++) {
        fputs(i ? ", " : "", fp);
        ta__report_gp_str(fp, b->labels[i]);
        fprintf(fp, " %d", i);
    }
    fprintf(fp, ")%s\n", b->rotate ? " rotate by -45 left" : "");
    fputs("set key outside right top vertical noautotitle\nset offsets 0, 0, graph 0.06, 0\nplot ",
          fp);
    /* Bars without any value (a model without this step) are left out of the plot. */
    int first = 1;
    for (int j = 0; j < b->ncols; j++) {
        int any = 0;
        for (int i = 0; i < b->nrows; i++)
            any |= !isnan(b->vals[(size_t)i * (size_t)b->ncols + (size_t)j]);
        if (!any)
            continue;
        if (b->errs)
            fprintf(fp, "%s$data using %d:%d title ", first ? "" : ", ", 2 * j + 1, 2 * j + 2);
        else
            fprintf(fp, "%s$data using %d title ", first ? "" : ", ", j + 1);
        ta__report_gp_str(fp, b->titles[j]);
        first = 0;
    }
    fputc('\n', fp);
    ta__report_gp_png(r, fp, b->name, w, h, 1);
    *made = ta__report_gp_finish(r, &o, b->name);
    return 0;
}

/* The model names as bar titles. */
static const char **model_titles(ta_report_t *r)
{
    const char **t = calloc((size_t)r->nm + 1, sizeof *t);
    for (int j = 0; t && j < r->nm; j++)
        t[j] = r->m[j].name;
    return t;
}

int ta__report_fig_neighbour_categories(ta_report_t *r, int *made)
{
    int64_t maxc = 0;
    double top = 0;
    for (int j = 0; j < r->nm; j++) {
        ta_report_model_t *m = &r->m[j];
        for (int64_t c = 0; c < m->nhist; c++)
            if (m->hist[c] > 0 && c > maxc)
                maxc = c;
        if (m->top > top)
            top = m->top;
    }
    *made = 0;
    if (maxc == 0)
        return 0;
    int rows = (int)maxc;
    char **labels = calloc((size_t)rows, sizeof *labels);
    double *v = calloc((size_t)rows * (size_t)r->nm, sizeof *v);
    const char **titles = model_titles(r);
    int rc = 0;
    TA_CHECK_GOTO(labels && v && titles, TA_ERESOURCE, done, "out of memory");
    for (int i = 0; i < rows; i++) {
        char b[32];
        snprintf(b, sizeof b, "%d", i + 1);
        labels[i] = strdup(b);
        TA_CHECK_GOTO(labels[i], TA_ERESOURCE, done, "out of memory");
        for (int j = 0; j < r->nm; j++) {
            ta_report_model_t *m = &r->m[j];
            double tot = 0;
            for (int64_t c = 0; c < m->nhist; c++)
                tot += (double)m->hist[c];
            v[(size_t)i * (size_t)r->nm + (size_t)j] =
                (i + 1 < m->nhist && tot > 0) ? 100.0 * (double)m->hist[i + 1] / tot : NAN;
        }
    }
    char xl[256];
    snprintf(xl, sizeof xl, "distinct categories among a token and its %g nearest neighbours", top);
    report_bars_t b = {.name = "neighbour_categories",
                       .what = "Distinct categories in each token's neighbourhood (paper Fig. 5)",
                       .title =
                           "How many writing systems does a neighbourhood span? (paper Fig. 5)",
                       .xlabel = xl,
                       .ylabel = "tokens (%)",
                       .yrange = "[0:*]",
                       .labels = labels,
                       .nrows = rows,
                       .ncols = r->nm,
                       .titles = titles,
                       .vals = v};
    rc = ta__report_fig_bars(r, &b, made);
done:
    if (labels)
        for (int i = 0; i < rows; i++)
            free(labels[i]);
    free(labels);
    free(v);
    free(titles);
    return rc;
}

/* The rows of a per-category figure: the paper's Figure 3 categories (its 13 writing systems and
 * S, in its order) when every probe followed the paper, else every category of the run. */
static int category_rows(ta_report_t *r, int which, const char ***rows, int *nrows)
{
    int paper = which == 0 && ta__report_all_paper(r, REPORT_G_PROBE);
    int cap = paper ? 14 : r->ncat;
    *rows = calloc((size_t)(cap ? cap : 1), sizeof **rows);
    TA_CHECK(*rows, TA_ERESOURCE, "out of memory");
    *nrows = 0;
    for (int c = 0; c < cap; c++)
        (*rows)[(*nrows)++] = paper ? ta__report_paper_cats[c] : r->cat[c];
    return 0;
}

/* One value (and its error) of model m for category name: which = 0 probe accuracy (%),
 * 1 entropy, 2 translation share (%). */
static void by_category_value(ta_report_model_t *m, int which, const char *name, double *v,
                              double *e)
{
    if (which == 0) {
        *v = 100.0 * cat_value(m->pcat, m->npcat, m->pacc, name);
        *e = 100.0 * cat_value(m->pcat, m->npcat, m->pstd, name);
    } else if (which == 1) {
        *v = cat_value(m->dcat, m->ndcat, m->ent_mean, name);
        *e = cat_value(m->dcat, m->ndcat, m->p.ent_ci, name);
    } else {
        *v = 100.0 * cat_value(m->tcat, m->ntcat, m->tshare, name);
        double top = m->p.tr_top > 0 ? m->p.tr_top : NAN;
        *e = 100.0 * cat_value(m->tcat, m->ntcat, m->p.tci, name) / top;
    }
}

/* The y range of the probe figure: the paper's [85:101], lowered to show every bar. */
static void probe_yrange(const double *v, int n, char *out, size_t cap)
{
    double lo = 85;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]) && v[i] - 5 < lo)
            lo = v[i] - 5;
    lo = lo < 0 ? 0 : 5 * floor(lo / 5);
    snprintf(out, cap, "[%g:101]", lo);
}

int ta__report_fig_by_category(ta_report_t *r, int which, int *made)
{
    static const char *const names[] = {"probe_accuracy", "entropy", "translation"};
    *made = 0;
    const char **cats = NULL;
    int ncats = 0;
    TA_CALL(category_rows(r, which, &cats, &ncats));
    size_t cells = (size_t)(ncats ? ncats : 1) * (size_t)r->nm;
    double *v = calloc(cells, sizeof *v), *e = calloc(cells, sizeof *e);
    const char **titles = model_titles(r);
    char **labels = calloc((size_t)(ncats ? ncats : 1), sizeof *labels);
    int rc = 0, rows = 0;
    TA_CHECK_GOTO(v && e && titles && labels, TA_ERESOURCE, done, "out of memory");
    for (int c = 0; c < ncats; c++) {
        int row_any = 0;
        for (int j = 0; j < r->nm; j++) {
            size_t at = (size_t)rows * (size_t)r->nm + (size_t)j;
            by_category_value(&r->m[j], which, cats[c], &v[at], &e[at]);
            row_any |= !isnan(v[at]);
        }
        if (row_any)
            labels[rows++] = (char *)cats[c];
    }
    if (rows == 0)
        goto done;
    char yr[64];
    probe_yrange(v, rows * r->nm, yr, sizeof yr);
    report_bars_t b = {.name = names[which],
                       .labels = labels,
                       .nrows = rows,
                       .ncols = r->nm,
                       .titles = titles,
                       .vals = v,
                       .errs = e,
                       .rotate = 1};
    if (which == 0) {
        b.what = "Probe accuracy by category and model (paper Fig. 3)";
        b.title = "Linear separability: one-vs-rest probe accuracy (paper Fig. 3)";
        b.xlabel = "category";
        b.ylabel = "mean accuracy over the folds (%)";
        b.yrange = yr;
    } else if (which == 1) {
        b.what = "Entropy of neighbour categories by category and model";
        b.title = "How mixed are the neighbourhoods? Entropy of neighbour categories";
        b.xlabel = "category of the token";
        b.ylabel = "mean entropy (nats)";
        b.yrange = "[0:*]";
    } else {
        b.what = "Share of neighbours that are translations, by category";
        b.title = "How often are neighbours dictionary translations?";
        b.xlabel = "category of the token";
        b.ylabel = "neighbours that are translations (%)";
        b.yrange = "[0:*]";
    }
    rc = ta__report_fig_bars(r, &b, made);
done:
    free(cats);
    free(labels);
    free(v);
    free(e);
    free(titles);
    return rc;
}

/* The categories shown in model m's heatmap: those with tokens, the largest first. */
static int heatmap_rows(ta_report_t *r, ta_report_model_t *m, int64_t *sel)
{
    int ns = 0;
    for (int c = 0; c < r->ncat && ns < REPORT_HEATMAP_MAX; c++) {
        int64_t i = ta_report_find(m->dcat, m->ndcat, r->cat[c]);
        if (i >= 0 && (!m->dcat_n || m->dcat_n[i] > 0))
            sel[ns++] = i;
    }
    return ns;
}

static void heatmap_tics(FILE *fp, const char *axis, ta_report_model_t *m, const int64_t *sel,
                         int ns)
{
    fprintf(fp, "set %s (", axis);
    for (int a = 0; a < ns; a++) {
        fputs(a ? ", " : "", fp);
        ta__report_gp_str(fp, m->dcat[sel[a]]);
        fprintf(fp, " %d", a);
    }
    fputs(")\n", fp);
}

/* Category x category heatmap of one model: row = category of the token, column = category of
 * its neighbours, cell = share of the neighbours (%), rows summing to 100. */
int ta__report_fig_heatmap(ta_report_t *r, ta_report_model_t *m, const char *name, int *made)
{
    *made = 0;
    if (!m->mat || m->ndcat == 0)
        return 0;
    int64_t sel[REPORT_HEATMAP_MAX];
    int ns = heatmap_rows(r, m, sel);
    if (ns == 0)
        return 0;
    ta_outfile_t o;
    char what[512];
    snprintf(what, sizeof what, "%s: category x category neighbour shares", m->name);
    TA_CALL(ta__report_gp_begin(r, &o, name, what));
    FILE *fp = o.fp;
    /* The row's neighbours in each category: the mean times the tokens it is over (under the
     * paper's protocol the tokens with at least one such neighbour, matrix_n; else all tokens of
     * the row's category, the same for every cell). */
    fputs("$map << EOD\n", fp);
    for (int a = 0; a < ns; a++) {
        const double *row = m->mat + sel[a] * m->ndcat;
        const int64_t *rn = m->p.mat_n ? m->p.mat_n + sel[a] * m->ndcat : NULL;
        double tot = 0;
        for (int64_t b = 0; b < m->ndcat; b++)
            tot += isnan(row[b]) ? 0 : row[b] * (rn ? (double)rn[b] : 1.0);
        for (int b = 0; b < ns; b++)
            ta__report_gp_num(
                fp, tot > 0 ? 100.0 * row[sel[b]] * (rn ? (double)rn[sel[b]] : 1.0) / tot : NAN);
        fputc('\n', fp);
    }
    fputs("EOD\n", fp);
    int side = 220 + 34 * ns;
    side = side < 640 ? 640 : side;
    int w = side + 120, h = side;
    ta__report_gp_svg(fp, name, w, h);
    char title[512];
    snprintf(title, sizeof title, "%s: where the neighbours of each category's tokens fall",
             m->name);
    gp_set_str(fp, "title", title);
    fputs("set xlabel \"category of the neighbours\"\nset ylabel \"category of the token\"\n", fp);
    fprintf(fp, "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n", ns - 1, ns - 1);
    fputs("set cbrange [0:100]\nset cblabel \"share of the row's neighbours (%)\"\n"
          "set palette defined (0 \"white\", 10 \"#c6dbef\", 50 \"#4292c6\", 100 \"#08306b\")\n"
          "set tics out nomirror\nset size ratio -1\n",
          fp);
    heatmap_tics(fp, "xtics", m, sel, ns);
    fputs("set xtics rotate by -45 left\n", fp);
    heatmap_tics(fp, "ytics", m, sel, ns);
    if (ns <= 16)
        fputs("plot $map matrix with image pixels notitle, \\\n"
              "  $map matrix using 1:2:($3 >= 0.5 && $3 < 50 ? sprintf(\"%.0f\", $3) : \"\") "
              "with labels font \",9\" tc rgb \"#333333\" notitle, \\\n"
              "  $map matrix using 1:2:($3 >= 50 ? sprintf(\"%.0f\", $3) : \"\") "
              "with labels font \",9\" tc rgb \"white\" notitle\n",
              fp);
    else
        fputs("plot $map matrix with image pixels notitle\n", fp);
    ta__report_gp_png(r, fp, name, w, h, 1);
    *made = ta__report_gp_finish(r, &o, name);
    return 0;
}
