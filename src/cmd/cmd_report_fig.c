/* `report`, the figures: self-contained gnuplot scripts (data inline) in RUN_DIR/figures/, each
 * rendered to SVG (for index.html) and PNG (for report.md and viewers without SVG):
 *   neighbour_categories  distinct categories among each token's top-N neighbourhood, the models
 *                         side by side (the paper's Figure 5);
 *   probe_accuracy        one-vs-rest probe accuracy by category and model (Figure 3);
 *   heatmap_<model>       category x category: where the neighbours of a category's tokens fall;
 *   entropy               entropy of neighbour categories by category and model;
 *   translation           share of neighbours that are dictionary translations, by category. */
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

/* gnuplot string literal: double quotes with \ and " escaped. */
static void gp_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void gp_num(FILE *fp, double v)
{
    if (isnan(v))
        fputs(" NaN", fp);
    else
        fprintf(fp, " %.6g", v);
}

/* The lines after the data block: SVG first, then PNG by replot. */
static void gp_open_svg(FILE *fp, const char *name, int w, int h)
{
    fprintf(fp,
            "set terminal svg size %d,%d dynamic noenhanced font \"sans,13\" background "
            "rgb \"white\"\nset output \"%s.svg\"\nset datafile missing \"NaN\"\n",
            w, h, name);
}

static void gp_close_png(const ta_report_t *r, FILE *fp, const char *name, int w, int h)
{
    if (r->have_pngcairo)
        fprintf(fp,
                "set terminal pngcairo size %d,%d noenhanced font \"sans,11\" background "
                "rgb \"white\"\n",
                w, h);
    else
        fprintf(fp,
                "set terminal png size %d,%d noenhanced font \"sans,11\" background "
                "rgb \"white\"\n",
                w, h);
    fprintf(fp, "set output \"%s.png\"\nreplot\nset output\n", name);
}

static int gp_begin(ta_report_t *r, ta_outfile_t *o, const char *name, const char *what)
{
    char *path = NULL;
    TA_CALL(ta_cmd_sprintf(&path, "%s/%s.gp", r->figdir, name));
    int rc = ta_outfile_open(o, path);
    free(path);
    TA_CALL(rc);
    fprintf(o->fp,
            "# %s\n# Written by `tokenatlas report` from the files in %s; the data are inline.\n"
            "# Redraw: cd %s && gnuplot %s.gp   (writes %s.svg and %s.png)\n",
            what, r->dir, r->figdir, name, name, name);
    return 0;
}

/* Commits the script and renders it; a failure is remembered for the report, not fatal, so
 * that the tables still come out. Returns 1 when the figure exists. */
static int gp_finish(ta_report_t *r, ta_outfile_t *o, const char *name)
{
    TA_CALL(ta_outfile_commit(o));
    if (!r->have_gnuplot)
        return 0;
    if (ta_report_gnuplot_run(r->figdir, name) == 0)
        return 1;
    size_t len = strlen(r->fig_errors);
    snprintf(r->fig_errors + len, sizeof r->fig_errors - len, "%s%s", len ? "; " : "",
             ta_err_message());
    ta_log_warn("report: %s", ta_err_message());
    ta_err_clear();
    return 0;
}

/* Clustered bars: one row per label, one column per model. vals[i * nm + j]. */
static int fig_bars(ta_report_t *r, const char *name, const char *what, const char *title,
                    const char *xlabel, const char *ylabel, const char *yrange, char *const *labels,
                    int nrows, const double *vals, int rotate, int *made)
{
    ta_outfile_t o;
    TA_CALL(gp_begin(r, &o, name, what));
    FILE *fp = o.fp;
    fputs("$data << EOD\n", fp);
    for (int i = 0; i < nrows; i++) {
        gp_str(fp, labels[i]);
        for (int j = 0; j < r->nm; j++)
            gp_num(fp, vals[(size_t)i * (size_t)r->nm + (size_t)j]);
        fputc('\n', fp);
    }
    fputs("EOD\n", fp);
    int w = 140 + nrows * (r->nm * 16 + 14);
    w = w < 800 ? 800 : w > 1600 ? 1600 : w;
    int h = (rotate ? 560 : 500) + (w > 1000 ? 80 : 0);
    gp_open_svg(fp, name, w, h);
    fputs("set style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.85 border rgb \"black\"\nset boxwidth 0.9\n"
          "set grid ytics\nset tics out nomirror\n",
          fp);
    fputs("set title ", fp);
    gp_str(fp, title);
    fputs("\nset xlabel ", fp);
    gp_str(fp, xlabel);
    fputs("\nset ylabel ", fp);
    gp_str(fp, ylabel);
    fprintf(fp, "\nset yrange %s\n", yrange);
    if (rotate)
        fputs("set xtics rotate by -45 left\n", fp);
    fputs("set key outside right top vertical noautotitle\nset offsets 0, 0, graph 0.06, 0\nplot ",
          fp);
    /* Models without any value here (a step they did not run) are left out of the plot. */
    int first = 1;
    for (int j = 0; j < r->nm; j++) {
        int any = 0;
        for (int i = 0; i < nrows; i++)
            any |= !isnan(vals[(size_t)i * (size_t)r->nm + (size_t)j]);
        if (!any)
            continue;
        fprintf(fp, "%s$data using %d%s title ", first ? "" : ", ", j + 2, first ? ":xtic(1)" : "");
        gp_str(fp, r->m[j].name);
        first = 0;
    }
    fputc('\n', fp);
    gp_close_png(r, fp, name, w, h);
    *made = gp_finish(r, &o, name);
    return 0;
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
    int rc = 0;
    TA_CHECK_GOTO(labels && v, TA_ERESOURCE, done, "out of memory");
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
    rc = fig_bars(r, "neighbour_categories",
                  "Distinct categories in each token's neighbourhood, by model (paper Fig. 5)",
                  "How many writing systems does a neighbourhood span? (paper Fig. 5)", xl,
                  "tokens (%)", "[0:*]", labels, rows, v, 0, made);
done:
    if (labels)
        for (int i = 0; i < rows; i++)
            free(labels[i]);
    free(labels);
    free(v);
    return rc;
}

/* Per-category bars of one quantity: which = 0 probe accuracy (%), 1 entropy, 2 translation. */
int ta__report_fig_by_category(ta_report_t *r, int which, int *made)
{
    static const char *const names[] = {"probe_accuracy", "entropy", "translation"};
    *made = 0;
    double *v = calloc((size_t)(r->ncat ? r->ncat : 1) * (size_t)r->nm, sizeof *v);
    TA_CHECK(v, TA_ERESOURCE, "out of memory");
    int any = 0, rows = 0;
    char **labels = calloc((size_t)(r->ncat ? r->ncat : 1), sizeof *labels);
    int rc = 0;
    TA_CHECK_GOTO(labels, TA_ERESOURCE, done, "out of memory");
    for (int c = 0; c < r->ncat; c++) {
        int row_any = 0;
        for (int j = 0; j < r->nm; j++) {
            ta_report_model_t *m = &r->m[j];
            double x = which == 0   ? 100.0 * cat_value(m->pcat, m->npcat, m->pacc, r->cat[c])
                       : which == 1 ? cat_value(m->dcat, m->ndcat, m->ent_mean, r->cat[c])
                                    : 100.0 * cat_value(m->tcat, m->ntcat, m->tshare, r->cat[c]);
            v[(size_t)rows * (size_t)r->nm + (size_t)j] = x;
            row_any |= !isnan(x);
        }
        if (row_any)
            labels[rows++] = r->cat[c];
        any |= row_any;
    }
    if (!any)
        goto done;
    if (which == 0)
        rc = fig_bars(r, names[0], "Probe accuracy by category and model (paper Fig. 3)",
                      "Linear separability: one-vs-rest probe accuracy (paper Fig. 3)", "category",
                      "mean accuracy over folds (%)", "[0:105]", labels, rows, v, 1, made);
    else if (which == 1)
        rc = fig_bars(r, names[1], "Entropy of neighbour categories by category and model",
                      "How mixed are the neighbourhoods? Entropy of neighbour categories",
                      "category of the token", "mean entropy (nats)", "[0:*]", labels, rows, v, 1,
                      made);
    else
        rc = fig_bars(r, names[2], "Share of neighbours that are translations, by category",
                      "How often are neighbours dictionary translations?", "category of the token",
                      "neighbours that are translations (%)", "[0:*]", labels, rows, v, 1, made);
done:
    free(labels);
    free(v);
    return rc;
}

/* Category x category heatmap of one model: row = category of the token, column = category of
 * its neighbours, cell = share of the neighbours (%), rows summing to 100. */
int ta__report_fig_heatmap(ta_report_t *r, ta_report_model_t *m, const char *name, int *made)
{
    *made = 0;
    if (!m->mat || m->ndcat == 0)
        return 0;
    /* The categories shown: those with tokens, the largest first, at most REPORT_HEATMAP_MAX. */
    int64_t sel[REPORT_HEATMAP_MAX];
    int ns = 0;
    for (int c = 0; c < r->ncat && ns < REPORT_HEATMAP_MAX; c++) {
        int64_t i = ta_report_find(m->dcat, m->ndcat, r->cat[c]);
        if (i >= 0 && (!m->dcat_n || m->dcat_n[i] > 0))
            sel[ns++] = i;
    }
    if (ns == 0)
        return 0;
    ta_outfile_t o;
    char what[512];
    snprintf(what, sizeof what, "%s: category x category neighbour shares", m->name);
    TA_CALL(gp_begin(r, &o, name, what));
    FILE *fp = o.fp;
    fputs("$map << EOD\n", fp);
    for (int a = 0; a < ns; a++) {
        const double *row = m->mat + sel[a] * m->ndcat;
        double tot = 0;
        for (int64_t b = 0; b < m->ndcat; b++)
            tot += row[b];
        for (int b = 0; b < ns; b++)
            gp_num(fp, tot > 0 ? 100.0 * row[sel[b]] / tot : NAN);
        fputc('\n', fp);
    }
    fputs("EOD\n", fp);
    int side = 220 + 34 * ns;
    side = side < 640 ? 640 : side;
    int w = side + 120, h = side;
    gp_open_svg(fp, name, w, h);
    fputs("set title ", fp);
    char title[512];
    snprintf(title, sizeof title, "%s: where the neighbours of each category's tokens fall",
             m->name);
    gp_str(fp, title);
    fputs("\nset xlabel \"category of the neighbours\"\nset ylabel \"category of the token\"\n",
          fp);
    fprintf(fp, "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n", ns - 1, ns - 1);
    fputs("set cbrange [0:100]\nset cblabel \"share of the row's neighbours (%)\"\n"
          "set palette defined (0 \"white\", 10 \"#c6dbef\", 50 \"#4292c6\", 100 \"#08306b\")\n"
          "set tics out nomirror\nset xtics rotate by -45 left\nset size ratio -1\n",
          fp);
    fputs("set xtics (", fp);
    for (int a = 0; a < ns; a++) {
        fputs(a ? ", " : "", fp);
        gp_str(fp, m->dcat[sel[a]]);
        fprintf(fp, " %d", a);
    }
    fputs(")\nset ytics (", fp);
    for (int a = 0; a < ns; a++) {
        fputs(a ? ", " : "", fp);
        gp_str(fp, m->dcat[sel[a]]);
        fprintf(fp, " %d", a);
    }
    fputs(")\n", fp);
    if (ns <= 16)
        fputs("plot $map matrix with image pixels notitle, \\\n"
              "  $map matrix using 1:2:($3 >= 0.5 && $3 < 50 ? sprintf(\"%.0f\", $3) : \"\") "
              "with labels font \",9\" tc rgb \"#333333\" notitle, \\\n"
              "  $map matrix using 1:2:($3 >= 50 ? sprintf(\"%.0f\", $3) : \"\") "
              "with labels font \",9\" tc rgb \"white\" notitle\n",
              fp);
    else
        fputs("plot $map matrix with image pixels notitle\n", fp);
    gp_close_png(r, fp, name, w, h);
    *made = gp_finish(r, &o, name);
    return 0;
}
