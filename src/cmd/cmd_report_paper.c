/* `report`, the paper's figures that need more than bars by category (Wen-Yi & Mimno 2023; the
 * notebooks and scripts of github.com/andreawwenyi/hyperpolyglot):
 *   map             Figure 1 (Figure1-umap.py): each model's UMAP layout side by side, points
 *                   coloured by the 13 writing systems of variables.py and S and N, the other
 *                   tokens grey underneath; transparency 0.3 as the paper's alpha. PNG only:
 *                   an SVG of a few hundred thousand points is too heavy for a browser.
 *   overlap         Figure 2 (Figure2-overlap_counts.ipynb): the shared token count of every
 *                   pair of vocabularies and the non-LATIN proportion of what they share.
 *   breakdown_<m>   Figure 6 (Figure6,9-...ipynb, its "neighbor breakdown"): for tokens of
 *                   KATAKANA, HIRAGANA, CJK, LATIN and CYRILLIC, their mean number of neighbours
 *                   in each of those five categories, from the category x category matrix.
 *   deciles         Figure 9 (the same notebook): mean number of categories in a token's
 *                   neighbourhood by decile of token frequency, or of token id when the run had
 *                   no frequencies.
 * Colours: seaborn's "Paired" palette (the paper's) in the order of variables.py; TAMIL a darker
 * yellow than Paired's (#ffff99 vanishes at alpha 0.3 on white) and DEVANAGARI, S and N, beyond
 * Paired's 12 colours, three more. */
#include "base/ta_error.h"
#include "cmd/cmd_report_int.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ta__report_paper_cats[15] = {
    "LATIN",  "CYRILLIC", "CJK",   "ARABIC",   "GREEK",      "HIRAGANA", "THAI", "HEBREW",
    "HANGUL", "KATAKANA", "TAMIL", "GEORGIAN", "DEVANAGARI", "S",        "N"};
const char *const ta__report_paper_colours[15] = {"a6cee3", "1f78b4", "b2df8a", "33a02c", "fb9a99",
                                                  "e31a1c", "fdbf6f", "ff7f00", "cab2d6", "6a3d9a",
                                                  "d4c21b", "b15928", "e7298a", "17becf", "000000"};
const char *const ta__report_breakdown_cats[5] = {"KATAKANA", "HIRAGANA", "CJK", "LATIN",
                                                  "CYRILLIC"};

#define MAP_OTHER_COLOUR "bdbdbd"
#define MAP_ALPHA "B3" /* gnuplot's transparency byte: 0.7 transparent = the paper's alpha 0.3 */

/* Index of a paper category in ta__report_paper_cats, 15 for any other. */
static int paper_slot(const ta_report_paper_t *p, int32_t code)
{
    if (code < 0 || code >= p->nmnames)
        return 15;
    for (int c = 0; c < 15; c++)
        if (strcmp(p->mnames[code], ta__report_paper_cats[c]) == 0)
            return c;
    return 15;
}

/* One model's points as data blocks: block 0 the other tokens, then one per paper category
 * present; *present[s] says whether slot s (0..14, 15 = other) has points. */
static void map_data(FILE *fp, const ta_report_paper_t *p, int j, int present[16])
{
    int *slot = malloc((size_t)(p->nmap ? p->nmap : 1) * sizeof *slot);
    memset(present, 0, 16 * sizeof *present);
    for (int64_t i = 0; slot && i < p->nmap; i++) {
        slot[i] = paper_slot(p, p->mcode[i]);
        if (!isnan(p->xy[2 * i]) && !isnan(p->xy[2 * i + 1]))
            present[slot[i]] = 1;
    }
    fprintf(fp, "$m%d << EOD\n", j);
    int blocks = 0;
    for (int s = 15; slot && s >= 0; s = s == 15 ? 0 : s + 1 < 15 ? s + 1 : -1) {
        if (!present[s])
            continue;
        if (blocks++)
            fputs("\n\n", fp);
        for (int64_t i = 0; i < p->nmap; i++)
            if (slot[i] == s && !isnan(p->xy[2 * i]) && !isnan(p->xy[2 * i + 1]))
                fprintf(fp, "%.5g %.5g\n", p->xy[2 * i], p->xy[2 * i + 1]);
    }
    fputs("EOD\n", fp);
    free(slot);
}

static void map_panel(FILE *fp, const ta_report_model_t *m, int j, const int present[16])
{
    static const int pts[] = {7, 5, 9, 13, 11};
    fputs("set title ", fp);
    ta__report_gp_str(fp, m->name);
    /* The key shows each category once with an opaque, larger mark (keyentry); the points
     * themselves are small and transparent. */
    fputs("\nunset key\nset key outside right top vertical font \",10\" samplen 1\nplot ", fp);
    int block = 0;
    for (int s = 15; s >= 0; s = s == 15 ? 0 : s + 1 < 15 ? s + 1 : -1) {
        if (!present[s])
            continue;
        const char *colour = s == 15 ? MAP_OTHER_COLOUR : ta__report_paper_colours[s];
        int pt = s == 15 ? 7 : pts[s % 5];
        fprintf(fp, "%s$m%d index %d with points pt %d ps 0.45 lc rgb \"#%s%s\" notitle",
                block ? ", \\\n  " : "", j, block, pt, MAP_ALPHA, colour);
        block++;
    }
    for (int s = 0; s < 16; s++) {
        int slot = s < 15 ? s : 15;
        if (!present[slot])
            continue;
        const char *label = slot == 15   ? "other"
                            : slot == 13 ? "S (Symbols)"
                            : slot == 14 ? "N (Numbers)"
                                         : ta__report_paper_cats[slot];
        fprintf(fp, ", \\\n  keyentry with points pt %d ps 1.4 lc rgb \"#%s\" title \"%s\"",
                slot == 15 ? 7 : pts[slot % 5],
                slot == 15 ? MAP_OTHER_COLOUR : ta__report_paper_colours[slot], label);
    }
    fputc('\n', fp);
}

int ta__report_fig_map(ta_report_t *r, int *made)
{
    *made = 0;
    int n = 0;
    for (int j = 0; j < r->nm; j++)
        n += r->m[j].p.nmap > 0;
    if (n == 0)
        return 0;
    int cols = n <= 3 ? n : (n + 1) / 2, rows = (n + cols - 1) / cols;
    int w = 820 * cols, h = 680 * rows;
    ta_outfile_t o;
    TA_CALL(ta__report_gp_begin(r, &o, "map",
                                "UMAP layout of each model, coloured by category (paper Fig. 1)"));
    FILE *fp = o.fp;
    int present[REPORT_MAX_MODELS][16];
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].p.nmap > 0)
            map_data(fp, &r->m[j].p, j, present[j]);
    ta__report_gp_png(r, fp, "map", w, h, 0);
    fprintf(fp,
            "set multiplot layout %d,%d\nunset xtics\nunset ytics\nset size ratio -1\n"
            "set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03\n",
            rows, cols);
    for (int j = 0; j < r->nm; j++)
        if (r->m[j].p.nmap > 0)
            map_panel(fp, &r->m[j], j, present[j]);
    fputs("unset multiplot\nset output\n", fp);
    *made = ta__report_gp_finish(r, &o, "map");
    return 0;
}

/* ---- Figure 2 ------------------------------------------------------------------------------ */

/* One heatmap panel of the overlap: which 0 shared tokens, 1 non-LATIN proportion. */
static void overlap_panel(FILE *fp, int which)
{
    fprintf(fp, "set title \"%s\"\nset cbrange [0:*]\nset format cb \"%s\"\n",
            which ? "non-LATIN proportion of overlap" : "Shared token count",
            which ? "%.2f" : "%.0f");
    fprintf(fp,
            "plot $ov%d matrix with image pixels notitle, \\\n"
            "  $ov%d matrix using 1:2:(sprintf(\"%s\", $3)) with labels font \",9\" tc rgb "
            "\"#222222\" notitle\n",
            which, which, which ? "%.3f" : "%.0f");
}

static void overlap_tics(FILE *fp, const ta_report_overlap_t *ov)
{
    for (int axis = 0; axis < 2; axis++) {
        fprintf(fp, "set %s (", axis ? "ytics" : "xtics");
        for (int64_t i = 0; i < ov->m; i++) {
            fputs(i ? ", " : "", fp);
            ta__report_gp_str(fp, ov->name[i]);
            fprintf(fp, " %lld", (long long)i);
        }
        fputs(")\n", fp);
    }
}

int ta__report_fig_overlap(ta_report_t *r, int *made)
{
    const ta_report_overlap_t *ov = &r->ov;
    *made = 0;
    if (!ov->has || ov->m < 1)
        return 0;
    ta_outfile_t o;
    TA_CALL(ta__report_gp_begin(r, &o, "overlap",
                                "Vocabulary overlap: shared tokens and their non-LATIN share "
                                "(paper Fig. 2)"));
    FILE *fp = o.fp;
    for (int which = 0; which < 2; which++) {
        fprintf(fp, "$ov%d << EOD\n", which);
        for (int64_t b = 0; b < ov->m; b++) {
            for (int64_t a = 0; a < ov->m; a++) {
                double s = (double)ov->shared[b * ov->m + a], l = (double)ov->latin[b * ov->m + a];
                ta__report_gp_num(fp, which ? (s > 0 ? 1.0 - l / s : NAN) : s);
            }
            fputc('\n', fp);
        }
        fputs("EOD\n", fp);
    }
    int side = 200 + 70 * (int)ov->m;
    side = side < 420 ? 420 : side;
    int w = 2 * side + 260, h = side + 60;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0)
            ta__report_gp_svg(fp, "overlap", w, h);
        else
            ta__report_gp_png(r, fp, "overlap", w, h, 0);
        fprintf(fp,
                "set multiplot layout 1,2\nset palette defined (0 \"#f7fbff\", 0.5 \"#6baed6\", "
                "1 \"#08306b\")\nset xrange [-0.5:%lld.5]\nset yrange [%lld.5:-0.5]\n"
                "set tics out nomirror\nset xtics rotate by -45 left\nset size ratio -1\n",
                (long long)ov->m - 1, (long long)ov->m - 1);
        overlap_tics(fp, ov);
        overlap_panel(fp, 0);
        overlap_panel(fp, 1);
        fputs("unset multiplot\nset output\n", fp);
    }
    *made = ta__report_gp_finish(r, &o, "overlap");
    return 0;
}

/* ---- Figure 6 ------------------------------------------------------------------------------ */

int ta__report_fig_breakdown(ta_report_t *r, ta_report_model_t *m, const char *name, int *made)
{
    *made = 0;
    if (!m->mat || m->ndcat == 0)
        return 0;
    int64_t at[5];
    char *labels[5];
    const char *titles[5];
    int n = 0;
    for (int c = 0; c < 5; c++) {
        int64_t i = ta_report_find(m->dcat, m->ndcat, ta__report_breakdown_cats[c]);
        if (i >= 0 && (!m->dcat_n || m->dcat_n[i] > 0)) {
            at[n] = i;
            labels[n] = (char *)ta__report_breakdown_cats[c];
            titles[n++] = ta__report_breakdown_cats[c];
        }
    }
    if (n == 0)
        return 0;
    double v[25], e[25];
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            int64_t cell = at[a] * m->ndcat + at[b];
            v[a * n + b] = m->mat[cell];
            e[a * n + b] = m->p.mat_ci ? m->p.mat_ci[cell] : NAN;
        }
    char what[512], title[512];
    snprintf(what, sizeof what, "%s: neighbours by category for five categories (paper Fig. 6)",
             m->name);
    snprintf(title, sizeof title, "%s: neighbours of each category's tokens, by category", m->name);
    report_bars_t b = {.name = name,
                       .what = what,
                       .title = title,
                       .xlabel = "category of the token (bars: category of the neighbours)",
                       .ylabel = "mean number of such neighbours",
                       .yrange = "[0:*]",
                       .labels = labels,
                       .nrows = n,
                       .ncols = n,
                       .titles = titles,
                       .vals = v,
                       .errs = e};
    return ta__report_fig_bars(r, &b, made);
}

/* ---- Figure 9 ------------------------------------------------------------------------------ */

int ta__report_fig_deciles(ta_report_t *r, int *made)
{
    *made = 0;
    int any = 0, nfreq = 0;
    for (int j = 0; j < r->nm; j++) {
        any |= r->m[j].p.has_dec || r->m[j].p.has_freq;
        nfreq += r->m[j].p.has_freq;
    }
    if (!any)
        return 0;
    double *v = calloc((size_t)(10 * r->nm), sizeof *v),
           *e = calloc((size_t)(10 * r->nm), sizeof *e);
    const char **titles = calloc((size_t)r->nm, sizeof *titles);
    char lab[10][4], *labels[10];
    int rc = 0;
    TA_CHECK_GOTO(v && e && titles, TA_ERESOURCE, done, "out of memory");
    for (int i = 0; i < 10; i++) {
        snprintf(lab[i], sizeof lab[i], "%d", i + 1);
        labels[i] = lab[i];
        for (int j = 0; j < r->nm; j++) {
            const ta_report_paper_t *p = &r->m[j].p;
            int f = p->has_freq;
            v[i * r->nm + j] = f ? p->freq_mean[i] : p->has_dec ? p->dec_mean[i] : NAN;
            e[i * r->nm + j] = f ? p->freq_ci[i] : p->has_dec ? p->dec_ci[i] : NAN;
        }
    }
    for (int j = 0; j < r->nm; j++)
        titles[j] = r->m[j].name;
    char yl[256];
    snprintf(yl, sizeof yl,
             "distinct categories among a token and its %g nearest (mean), bars: "
             "95%% interval",
             r->m[0].top);
    report_bars_t b = {.name = "deciles",
                       .what = "Neighbourhood categories by decile of token frequency or id "
                               "(paper Fig. 9)",
                       .title = nfreq == r->nm ? "Categories in the neighbourhood by token "
                                                 "frequency (paper Fig. 9)"
                                               : "Categories in the neighbourhood by decile "
                                                 "(paper Fig. 9)",
                       .xlabel = nfreq == r->nm ? "decile of token frequency (1 = least frequent)"
                                 : nfreq == 0   ? "decile of token id (1 = the lowest ids; no "
                                                  "frequencies were given)"
                                                : "decile: of token frequency where given, else "
                                                  "of token id (see the caption)",
                       .ylabel = yl,
                       .yrange = "[0:*]",
                       .labels = labels,
                       .nrows = 10,
                       .ncols = r->nm,
                       .titles = titles,
                       .vals = v,
                       .errs = e};
    rc = ta__report_fig_bars(r, &b, made);
done:
    free(v);
    free(e);
    free(titles);
    return rc;
}
