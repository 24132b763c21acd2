/* `tokenatlas report RUN_DIR`: report.md and index.html with tables and figures.
 *
 * Reads the assembled per-model files RUN_DIR/<model>.h5 (what `run` writes; any complete HDF5
 * file directly in RUN_DIR is taken as one model) and says which groups are missing. Figures are
 * rendered by gnuplot from self-contained scripts (data inline) written to RUN_DIR/figures/, each
 * to SVG (for index.html) and PNG (for report.md and for viewers without SVG):
 *   neighbour_categories  distinct categories among each token's top-N neighbourhood, the models
 *                         side by side (the paper's Figure 5);
 *   probe_accuracy        one-vs-rest probe accuracy by category and model (Figure 3);
 *   heatmap_<model>       category x category: where the neighbours of a category's tokens fall;
 *   entropy               entropy of neighbour categories by category and model;
 *   translation           share of neighbours that are dictionary translations, by category.
 * The HTML is static (inline CSS, images by relative path) and opens from the file system. */
#include "cmd/cmd_report.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_report_io.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_MODELS 32
#define REPORT_MAX_CMP 32
#define REPORT_HEATMAP_MAX 24 /* categories shown in a heatmap (the largest by token count) */

/* The paper's numbers (Wen-Yi & Mimno, EMNLP 2023). */
#define PAPER_XLMR_PROBE 99.2
#define PAPER_MT5_SPAN 7.61

typedef struct {
    char name[256];
    char file[4200];
    double order;
    int64_t n_tokens, dim;
    char version[128];
    /* /diversity */
    int has_div;
    double top, k, count_mean, ent_all;
    int64_t *hist, nhist;
    char **dcat;
    int64_t ndcat;
    int64_t *dcat_n;
    double *dcat_mean, *ent_mean, *mat; /* [ndcat], [ndcat], [ndcat * ndcat] */
    /* /probe */
    int has_probe;
    char **pcat;
    int64_t npcat;
    double *pacc, *pstd, probe_avg, folds;
    int64_t *pntok;
    /* /translate */
    int has_tr;
    char **tcat;
    int64_t ntcat;
    double *tshare, tr_all;
    /* /compare/<other> */
    int ncmp;
    char cmp_other[REPORT_MAX_CMP][256];
    double cmp_mean[REPORT_MAX_CMP], cmp_shared[REPORT_MAX_CMP];
    char missing[1024];
} model_t;

typedef struct {
    char dir[4096], figdir[4200];
    model_t m[REPORT_MAX_MODELS];
    int nm;
    /* The union of categories over the models, largest first. */
    char **cat;
    double *cat_tokens;
    int ncat;
    int have_pngcairo, have_gnuplot;
    char fig_errors[2048];
    ta_outfile_t md, html;
} report_t;

/* ---- reading ---------------------------------------------------------------------------- */

/* Reads a whole 1-D or 2-D dataset converted to memtype; *n = number of elements. */
static int read_all(hid_t f, const char *path, const char *name, ta_elem_t memtype, size_t elem,
                    void **buf, int64_t *n)
{
    int nd = 0;
    int64_t dims[2] = {0, 1};
    TA_CALL(ta_h5_dims(f, path, name, &nd, dims));
    int64_t total = nd == 2 ? dims[0] * dims[1] : dims[0];
    *buf = ta_malloc((size_t)(total ? total : 1) * elem);
    TA_CHECK_ALLOC(*buf, (size_t)total * elem);
    if (total)
        TA_CALL(ta_h5_read_rows(f, path, name, memtype, 0, dims[0], *buf));
    *n = total;
    return 0;
}

static void note_missing(model_t *m, const char *what)
{
    size_t len = strlen(m->missing);
    snprintf(m->missing + len, sizeof m->missing - len, "%s%s", len ? ", " : "", what);
}

/* Reads string-named per-category values: names + one double dataset of the same length. */
static int read_named(hid_t f, const char *path, const char *names, const char *values, char ***cat,
                      int64_t *ncat, double **val)
{
    TA_CALL(ta_h5_read_strings(f, path, names, cat, ncat));
    int64_t n = 0;
    void *buf = NULL;
    TA_CALL(read_all(f, path, values, TA_ELEM_F64, sizeof(double), &buf, &n));
    *val = buf;
    TA_CHECK(n == *ncat, TA_EINPUT, "%s: %s has %lld values for %lld names in %s", path, values,
             (long long)n, (long long)*ncat, names);
    return 0;
}

/* The first of the candidate names that exists in f (NULL when none). Other engineers' groups
 * are read by their documented names; alternatives cover layouts of earlier versions. */
static const char *first_existing(hid_t f, const char *const *cand)
{
    for (; *cand; cand++)
        if (ta_h5_exists(f, *cand))
            return *cand;
    return NULL;
}

static int read_diversity(hid_t f, model_t *m)
{
    const char *p = m->file;
    if (!ta_h5_exists(f, "/diversity")) {
        note_missing(m, "/diversity");
        return 0;
    }
    m->has_div = 1;
    ta_report_attr_num(f, "/diversity", "top", &m->top);
    ta_report_attr_num(f, "/diversity", "k", &m->k);
    m->count_mean = NAN;
    m->ent_all = NAN;
    ta_report_attr_num(f, "/diversity", "count_mean", &m->count_mean);
    ta_report_attr_num(f, "/diversity", "entropy_mean", &m->ent_all);
    void *buf = NULL;
    if (ta_h5_exists(f, "/diversity/histogram")) {
        TA_CALL(
            read_all(f, p, "/diversity/histogram", TA_ELEM_I64, sizeof(int64_t), &buf, &m->nhist));
        m->hist = buf;
    } else {
        note_missing(m, "/diversity/histogram");
    }
    if (!ta_h5_exists(f, "/diversity/categories") || !ta_h5_exists(f, "/diversity/cat_mean")) {
        note_missing(m, "/diversity per-category tables");
        return 0;
    }
    TA_CALL(read_named(f, p, "/diversity/categories", "/diversity/cat_mean", &m->dcat, &m->ndcat,
                       &m->dcat_mean));
    int64_t n = 0;
    if (ta_h5_exists(f, "/diversity/cat_n")) {
        TA_CALL(read_all(f, p, "/diversity/cat_n", TA_ELEM_I64, sizeof(int64_t), &buf, &n));
        m->dcat_n = buf;
        TA_CHECK(n == m->ndcat, TA_EINPUT, "%s: /diversity/cat_n has %lld rows, expected %lld", p,
                 (long long)n, (long long)m->ndcat);
    }
    if (ta_h5_exists(f, "/diversity/entropy_cat_mean")) {
        TA_CALL(
            read_all(f, p, "/diversity/entropy_cat_mean", TA_ELEM_F64, sizeof(double), &buf, &n));
        m->ent_mean = buf;
        TA_CHECK(n == m->ndcat, TA_EINPUT, "%s: /diversity/entropy_cat_mean has %lld rows", p,
                 (long long)n);
    }
    if (ta_h5_exists(f, "/diversity/matrix_mean")) {
        TA_CALL(read_all(f, p, "/diversity/matrix_mean", TA_ELEM_F64, sizeof(double), &buf, &n));
        m->mat = buf;
        TA_CHECK(n == m->ndcat * m->ndcat, TA_EINPUT,
                 "%s: /diversity/matrix_mean has %lld cells, expected %lld^2", p, (long long)n,
                 (long long)m->ndcat);
    }
    return 0;
}

static int read_probe(hid_t f, model_t *m)
{
    if (!ta_h5_exists(f, "/probe/names") || !ta_h5_exists(f, "/probe/mean_accuracy")) {
        note_missing(m, "/probe");
        return 0;
    }
    m->has_probe = 1;
    TA_CALL(read_named(f, m->file, "/probe/names", "/probe/mean_accuracy", &m->pcat, &m->npcat,
                       &m->pacc));
    void *buf = NULL;
    int64_t n = 0;
    if (ta_h5_exists(f, "/probe/std_accuracy")) {
        TA_CALL(read_all(f, m->file, "/probe/std_accuracy", TA_ELEM_F64, sizeof(double), &buf, &n));
        m->pstd = buf;
    }
    if (ta_h5_exists(f, "/probe/n_tokens")) {
        TA_CALL(read_all(f, m->file, "/probe/n_tokens", TA_ELEM_I64, sizeof(int64_t), &buf, &n));
        m->pntok = buf;
    }
    ta_report_attr_num(f, "/probe", "folds", &m->folds);
    double s = 0;
    for (int64_t i = 0; i < m->npcat; i++)
        s += m->pacc[i];
    m->probe_avg = m->npcat ? s / (double)m->npcat : NAN;
    return 0;
}

static int read_translate(hid_t f, model_t *m)
{
    static const char *const names[] = {"/translate/categories", "/translate/names", NULL};
    /* cat_mean: mean number of translations among a token's top N neighbours, per category. */
    static const char *const shares[] = {"/translate/cat_mean", NULL};
    if (!ta_h5_exists(f, "/translate")) {
        note_missing(m, "/translate (no dictionaries configured)");
        return 0;
    }
    m->has_tr = 1;
    m->tr_all = NAN;
    static const char *const overall[] = {"share_mean", NULL};
    for (const char *const *o = overall; *o; o++)
        if (ta_report_attr_num(f, "/translate", *o, &m->tr_all))
            break;
    const char *nm = first_existing(f, names), *sh = first_existing(f, shares);
    double top = 0;
    if (nm && sh && ta_report_attr_num(f, "/translate", "top", &top) && top > 0) {
        TA_CALL(read_named(f, m->file, nm, sh, &m->tcat, &m->ntcat, &m->tshare));
        for (int64_t i = 0; i < m->ntcat; i++)
            m->tshare[i] /= top;
    } else
        note_missing(m, "/translate per-category shares");
    return 0;
}

typedef struct {
    model_t *m;
    hid_t f;
} cmp_ctx_t;

static herr_t read_one_compare(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)loc;
    (void)info;
    cmp_ctx_t *c = data;
    model_t *m = c->m;
    if (m->ncmp >= REPORT_MAX_CMP)
        return 0;
    char grp[512];
    snprintf(grp, sizeof grp, "/compare/%s", name);
    static const char *const means[] = {"jaccard_mean", NULL};
    static const char *const shared[] = {"n_shared_tokens", NULL};
    double v = NAN, s = NAN;
    for (const char *const *o = means; *o; o++)
        if (ta_report_attr_num(c->f, grp, *o, &v))
            break;
    for (const char *const *o = shared; *o; o++)
        if (ta_report_attr_num(c->f, grp, *o, &s))
            break;
    snprintf(m->cmp_other[m->ncmp], sizeof m->cmp_other[0], "%s", name);
    m->cmp_mean[m->ncmp] = v;
    m->cmp_shared[m->ncmp] = s;
    m->ncmp++;
    return 0;
}

static int read_model(const char *path, model_t *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->file, sizeof m->file, "%s", path);
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(path, &f));
    int rc = 0;
    char *s = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (H5Aexists(f, "model") > 0 && ta_h5_read_attr_str(f, "model", &s) == 0) {
        snprintf(m->name, sizeof m->name, "%s", s);
        free(s);
    } else {
        snprintf(m->name, sizeof m->name, "%.*s", (int)(strlen(base) - 3), base);
    }
    if (H5Aexists(f, "tool_version") > 0 && ta_h5_read_attr_str(f, "tool_version", &s) == 0) {
        snprintf(m->version, sizeof m->version, "%s", s);
        free(s);
    }
    ta_err_clear();
    m->order = 1e9;
    ta_report_attr_num(f, "/", "model_index", &m->order);
    int nd = 0;
    int64_t dims[2] = {0, 0};
    if (ta_h5_exists(f, "/embeddings")) {
        TA_CALL_GOTO(ta_h5_dims(f, path, "/embeddings", &nd, dims), done);
        m->n_tokens = dims[0];
        m->dim = nd == 2 ? dims[1] : 0;
    } else {
        note_missing(m, "/embeddings");
        if (ta_h5_exists(f, "/vocab/token")) {
            TA_CALL_GOTO(ta_h5_dims(f, path, "/vocab/token", &nd, dims), done);
            m->n_tokens = dims[0];
        }
    }
    if (!ta_h5_exists(f, "/neighbors"))
        note_missing(m, "/neighbors");
    TA_CALL_GOTO(read_diversity(f, m), done);
    TA_CALL_GOTO(read_probe(f, m), done);
    TA_CALL_GOTO(read_translate(f, m), done);
    if (ta_h5_exists(f, "/compare")) {
        cmp_ctx_t c = {m, f};
        hsize_t idx = 0;
        H5Literate_by_name(f, "/compare", H5_INDEX_NAME, H5_ITER_INC, &idx, read_one_compare, &c,
                           H5P_DEFAULT);
    }
done:
    H5Fclose(f);
    return rc;
}

static void free_model(model_t *m)
{
    free(m->hist);
    ta_h5_free_strings(m->dcat, m->ndcat);
    free(m->dcat_n);
    free(m->dcat_mean);
    free(m->ent_mean);
    free(m->mat);
    ta_h5_free_strings(m->pcat, m->npcat);
    free(m->pacc);
    free(m->pstd);
    free(m->pntok);
    ta_h5_free_strings(m->tcat, m->ntcat);
    free(m->tshare);
}

/* Index of name in list (-1 when absent). */
static int64_t find_name(char *const *list, int64_t n, const char *name)
{
    for (int64_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}

/* The union of the models' categories, ordered by their token count summed over the models. */
static int collect_categories(report_t *r)
{
    int64_t cap = 0;
    for (int i = 0; i < r->nm; i++) {
        model_t *m = &r->m[i];
        char **lists[3] = {m->dcat, m->pcat, m->tcat};
        int64_t ns[3] = {m->ndcat, m->npcat, m->ntcat};
        for (int l = 0; l < 3; l++)
            for (int64_t c = 0; c < ns[l]; c++) {
                int64_t at = find_name(r->cat, r->ncat, lists[l][c]);
                if (at < 0) {
                    if (r->ncat == cap) {
                        int64_t gc = cap, tc = cap;
                        TA_CALL(ta_grow(&r->cat, &gc, r->ncat + 1, sizeof *r->cat));
                        TA_CALL(ta_grow(&r->cat_tokens, &tc, r->ncat + 1, sizeof *r->cat_tokens));
                        cap = gc;
                    }
                    r->cat[r->ncat] = strdup(lists[l][c]);
                    TA_CHECK(r->cat[r->ncat], TA_ERESOURCE, "out of memory");
                    r->cat_tokens[r->ncat] = 0;
                    at = r->ncat++;
                }
                if (l == 0 && m->dcat_n)
                    r->cat_tokens[at] += (double)m->dcat_n[c];
                else if (l == 1 && m->pntok && !m->dcat_n)
                    r->cat_tokens[at] += (double)m->pntok[c];
            }
    }
    /* insertion sort: a few dozen categories */
    for (int a = 1; a < r->ncat; a++)
        for (int b = a; b > 0 && (r->cat_tokens[b] > r->cat_tokens[b - 1] ||
                                  (r->cat_tokens[b] == r->cat_tokens[b - 1] &&
                                   strcmp(r->cat[b], r->cat[b - 1]) < 0));
             b--) {
            char *t = r->cat[b];
            r->cat[b] = r->cat[b - 1];
            r->cat[b - 1] = t;
            double x = r->cat_tokens[b];
            r->cat_tokens[b] = r->cat_tokens[b - 1];
            r->cat_tokens[b - 1] = x;
        }
    return 0;
}

/* Value of model m for category name in a (names, values) table; NAN when absent. */
static double cat_value(char *const *names, int64_t n, const double *v, const char *name)
{
    int64_t i = v ? find_name(names, n, name) : -1;
    return i < 0 ? NAN : v[i];
}

/* ---- figures ---------------------------------------------------------------------------- */

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

static void gp_close_png(const report_t *r, FILE *fp, const char *name, int w, int h)
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

static int gp_begin(report_t *r, ta_outfile_t *o, const char *name, const char *what)
{
    char path[4400];
    TA_CHECK(snprintf(path, sizeof path, "%s/%s.gp", r->figdir, name) < (int)sizeof path, TA_EINPUT,
             "%s: path too long", r->figdir);
    TA_CALL(ta_outfile_open(o, path));
    fprintf(o->fp,
            "# %s\n# Written by `tokenatlas report` from the files in %s; the data are inline.\n"
            "# Redraw: cd %s && gnuplot %s.gp   (writes %s.svg and %s.png)\n",
            what, r->dir, r->figdir, name, name, name);
    return 0;
}

/* Commits the script and renders it; a failure is remembered for the report, not fatal, so
 * that the tables still come out. Returns 1 when the figure exists. */
static int gp_finish(report_t *r, ta_outfile_t *o, const char *name)
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
static int fig_bars(report_t *r, const char *name, const char *what, const char *title,
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

static int fig_neighbour_categories(report_t *r, int *made)
{
    int64_t maxc = 0;
    double top = 0;
    for (int j = 0; j < r->nm; j++) {
        model_t *m = &r->m[j];
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
            model_t *m = &r->m[j];
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
static int fig_by_category(report_t *r, int which, int *made)
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
            model_t *m = &r->m[j];
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
static int fig_heatmap(report_t *r, model_t *m, const char *name, int *made)
{
    *made = 0;
    if (!m->mat || m->ndcat == 0)
        return 0;
    /* The categories shown: those with tokens, the largest first, at most REPORT_HEATMAP_MAX. */
    int64_t sel[REPORT_HEATMAP_MAX];
    int ns = 0;
    for (int c = 0; c < r->ncat && ns < REPORT_HEATMAP_MAX; c++) {
        int64_t i = find_name(m->dcat, m->ndcat, r->cat[c]);
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

/* ---- the documents ---------------------------------------------------------------------- */

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
static void doc_p(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void doc_p(report_t *r, const char *fmt, ...)
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

static void doc_h(report_t *r, int level, const char *text)
{
    for (int i = 0; i < level; i++)
        fputc('#', r->md.fp);
    fprintf(r->md.fp, " %s\n\n", text);
    fprintf(r->html.fp, "<h%d>", level);
    html_esc(r->html.fp, text);
    fprintf(r->html.fp, "</h%d>\n", level);
}

static void doc_table_head(report_t *r, int n, const char *const *cols)
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

static void doc_table_row(report_t *r, int n, char cells[][128])
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

static void doc_table_end(report_t *r)
{
    fputc('\n', r->md.fp);
    fputs("</table>\n", r->html.fp);
}

static void doc_figure(report_t *r, const char *name, const char *caption)
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

static void write_headlines(report_t *r)
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
        model_t *m = &r->m[j];
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

static void write_model_table(report_t *r, model_t *m)
{
    char h[512];
    snprintf(h, sizeof h, "%s: by category", m->name);
    doc_h(r, 3, h);
    static const char *const cols[] = {
        "category",       "tokens",         "mean categories spanned",
        "entropy (nats)", "probe accuracy", "translations"};
    doc_table_head(r, 6, cols);
    for (int c = 0; c < r->ncat; c++) {
        int64_t di = find_name(m->dcat, m->ndcat, r->cat[c]);
        int64_t pi = find_name(m->pcat, m->npcat, r->cat[c]);
        int64_t ti = find_name(m->tcat, m->ntcat, r->cat[c]);
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

static void write_compare(report_t *r)
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

static void write_config(report_t *r)
{
    char path[4200], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/run.yaml", r->dir);
    if (!ta_file_is_regular(path) || ta_file_read_all(path, &text, &len) != 0) {
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

static int write_report(report_t *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.md", r->dir);
    TA_CALL(ta_outfile_open(&r->md, path));
    snprintf(path, sizeof path, "%s/index.html", r->dir);
    int rc = ta_outfile_open(&r->html, path);
    if (rc) {
        ta_outfile_abort(&r->md);
        return rc;
    }
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
    write_headlines(r);

    int made = 0;
    doc_h(r, 2, "Neighbourhoods across writing systems");
    TA_CALL_GOTO(fig_neighbour_categories(r, &made), fail);
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
        TA_CALL_GOTO(fig_heatmap(r, &r->m[j], name, &made), fail);
        if (made) {
            char cap[512];
            snprintf(cap, sizeof cap,
                     "%s: for the tokens of each category (row), the share of their nearest "
                     "neighbours in each category (column); rows sum to 100%%.",
                     r->m[j].name);
            doc_figure(r, name, cap);
        }
    }
    TA_CALL_GOTO(fig_by_category(r, 1, &made), fail);
    if (made)
        doc_figure(r, "entropy",
                   "Mean entropy of the categories of a token's neighbours, by the token's "
                   "category (0 = all neighbours in one category).");

    doc_h(r, 2, "Linear separability of writing systems");
    TA_CALL_GOTO(fig_by_category(r, 0, &made), fail);
    if (made)
        doc_figure(r, "probe_accuracy",
                   "One-vs-rest logistic regression per category, balanced by undersampling, "
                   "mean accuracy over the cross-validation folds (paper Figure 3).");
    else
        doc_p(r, "No probe results in the model files.");

    int any_tr = 0;
    for (int j = 0; j < r->nm; j++)
        any_tr |= r->m[j].has_tr;
    if (any_tr) {
        doc_h(r, 2, "Translations among the neighbours");
        TA_CALL_GOTO(fig_by_category(r, 2, &made), fail);
        if (made)
            doc_figure(r, "translation",
                       "Share of a token's neighbours that are its translations in the "
                       "bilingual dictionaries, by the token's category.");
        for (int j = 0; j < r->nm; j++)
            if (r->m[j].has_tr && !isnan(r->m[j].tr_all))
                doc_p(r, "%s: %.2f%% of the neighbours are translations.", r->m[j].name,
                      100.0 * r->m[j].tr_all);
    }
    write_compare(r);

    doc_h(r, 2, "Tables by category");
    doc_p(r, "%s", paper_legend);
    for (int j = 0; j < r->nm; j++)
        write_model_table(r, &r->m[j]);
    if (r->fig_errors[0]) {
        doc_p(r, "Figures that could not be drawn: %s", r->fig_errors);
    }
    write_config(r);
    fputs("</body>\n</html>\n", r->html.fp);
    TA_CALL_GOTO(ta_outfile_commit(&r->md), fail);
    return ta_outfile_commit(&r->html);
fail:
    ta_outfile_abort(&r->md);
    ta_outfile_abort(&r->html);
    return rc;
}

static int model_cmp(const void *a, const void *b)
{
    const model_t *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

int ta_cmd_report_run(const ta_report_opts_t *o)
{
    TA_CALL(ta_opt_check(&ta_cmd_report, o));
    report_t *r = calloc(1, sizeof *r);
    TA_CHECK_ALLOC(r, sizeof *r);
    int rc = 0;
    char **files = NULL, *skipped = NULL;
    int nfiles = 0;
    size_t dl = strlen(o->dir);
    while (dl > 1 && o->dir[dl - 1] == '/')
        dl--;
    TA_CHECK_GOTO(dl < sizeof r->dir, TA_EINPUT, done, "%s: path too long", o->dir);
    memcpy(r->dir, o->dir, dl);
    TA_CHECK_GOTO(ta_file_is_dir(r->dir), TA_EINPUT, done,
                  "%s: not a directory (expected a run "
                  "directory such as results/demo)",
                  r->dir);
    TA_CALL_GOTO(ta_report_list_models(r->dir, &files, &nfiles, &skipped), done);
    if (skipped && skipped[0])
        ta_log_warn("report: %s: not complete (no complete = 1), left out: %s", r->dir, skipped);
    TA_CHECK_GOTO(nfiles > 0, TA_EINPUT, done,
                  "%s: no complete model file (<model>.h5 with complete = 1); has `run` finished?",
                  r->dir);
    TA_CHECK_GOTO(nfiles <= REPORT_MAX_MODELS, TA_EINPUT, done, "%s: more than %d model files",
                  r->dir, REPORT_MAX_MODELS);
    for (int i = 0; i < nfiles; i++) {
        TA_CALL_GOTO(read_model(files[i], &r->m[i]), done);
        r->nm++;
    }
    qsort(r->m, (size_t)r->nm, sizeof r->m[0], model_cmp);
    TA_CALL_GOTO(collect_categories(r), done);
    snprintf(r->figdir, sizeof r->figdir, "%s/figures", r->dir);
    TA_CALL_GOTO(ta_file_mkdirs(r->figdir), done);
    r->have_gnuplot = ta_report_gnuplot_available();
    r->have_pngcairo = ta_report_gnuplot_has_pngcairo();
    if (!r->have_gnuplot) {
        ta_log_warn("report: gnuplot not found (apt-get install gnuplot-nox): tables only; the "
                    "figure scripts are written to %s",
                    r->figdir);
        snprintf(r->fig_errors, sizeof r->fig_errors,
                 "gnuplot is not installed; the scripts are in figures/");
    }
    TA_CALL_GOTO(write_report(r), done);
    ta_log_info("report: %s/report.md and %s/index.html (%d model(s), figures in %s)", r->dir,
                r->dir, r->nm, r->figdir);
done:
    for (int i = 0; i < r->nm; i++)
        free_model(&r->m[i]);
    if (r->cat)
        for (int c = 0; c < r->ncat; c++)
            free(r->cat[c]);
    free(r->cat);
    free(r->cat_tokens);
    ta_report_free_list(files, nfiles);
    free(skipped);
    free(r);
    return rc;
}

static int run_any(const void *o)
{
    return ta_cmd_report_run(o);
}

static const ta_opt_t opts[] = {
    {TA_OPT_POSITIONAL_(ta_report_opts_t, dir, "RUN_DIR", TA_OPT_REQUIRED,
                        "a run directory (results/<run>) holding <model>.h5 files")},
    {TA_OPT_END_},
};

const ta_cmd_t ta_cmd_report = {
    .name = "report",
    .summary = "Markdown + HTML report with plots for a run directory",
    .about = "Reads RUN_DIR/<model>.h5 (written by `run`) and writes RUN_DIR/report.md, "
             "RUN_DIR/index.html (static; open it from the file system) and the figures under "
             "RUN_DIR/figures/ (gnuplot scripts, SVG and PNG).",
    .opts = opts,
    .opts_size = sizeof(ta_report_opts_t),
    .run = run_any,
    .flags = 0,
};
