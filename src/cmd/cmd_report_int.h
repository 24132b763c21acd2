/* Inside `report`: the state shared by the driver (cmd_report.c), the figures
 * (cmd_report_fig.c, cmd_report_paper.c), the documents (cmd_report_doc.c, cmd_report_tables.c)
 * and the escaping (cmd_report_esc.c). */
#ifndef CMD_REPORT_INT_H
#define CMD_REPORT_INT_H

#include "io/ta_file.h"
#include "io/ta_report_io.h"

#include <stdarg.h>
#include <stdio.h>

#define REPORT_MAX_MODELS 32

typedef struct {
    char *dir, *figdir; /* RUN_DIR (without trailing slashes), RUN_DIR/figures */
    ta_report_model_t m[REPORT_MAX_MODELS];
    int nm;
    ta_report_overlap_t ov; /* the run's vocabulary overlap, when it has one */
    /* The union of categories over the models, largest first. */
    char **cat;
    double *cat_tokens;
    int ncat;
    int have_pngcairo, have_gnuplot;
    char fig_errors[2048]; /* figures that failed, for the report */
    ta_outfile_t md, html;
    /* Rendering: the first pass writes every script and the documents, then renders the scripts
     * side by side; when one fails, a second pass writes the documents again without it. */
    int pass;
    char **pending; /* the figures of the first pass */
    int *status;    /* their gnuplot exit status (after rendering) */
    int npending;
    int64_t pending_cap;
} ta_report_t;

/* ---- escaping (cmd_report_esc.c); Local ---------------------------------------------------- */

/* A gnuplot string literal (double quotes, unsafe bytes as octal escapes). */
void ta__report_gp_str(FILE *fp, const char *s);
/* Text for a gnuplot comment line: printable ASCII, anything else as '?'. */
void ta__report_gp_comment(FILE *fp, const char *s);
/* Text for HTML (element content or a double-quoted attribute value). */
void ta__report_html(FILE *fp, const char *s);
/* Text for Markdown (paragraph, heading, table cell, link text). */
void ta__report_md(FILE *fp, const char *s);
/* A block of text for Markdown, kept as it is when shown: an HTML <pre> block. */
void ta__report_md_pre(FILE *fp, const char *s);
/* A figure's file name prefix_<model> when model is a safe file name, else prefix_<index + 1>. */
void ta__report_file_name(char *out, size_t cap, const char *prefix, const char *model, int index);

/* A paragraph or caption for both documents: literal text of the format goes to Markdown as it
 * is and to HTML escaped; %s arguments are escaped for each; numbers are formatted as printf. */
typedef struct {
    FILE *md, *html;
    char *mdbuf, *htmlbuf;
    size_t mdlen, htmllen;
    int code; /* inside a `code` span of the literal text */
} ta__report_text_t;
int ta__report_text_open(ta__report_text_t *t);
void ta__report_textf(ta__report_text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ta__report_vtextf(ta__report_text_t *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends text the code wrote (never from a file) as literal text of a format. */
void ta__report_text_lit(ta__report_text_t *t, const char *s);
/* Ends writing: the texts are then in mdbuf and htmlbuf. */
int ta__report_text_close(ta__report_text_t *t);
void ta__report_text_free(ta__report_text_t *t);

/* ---- provenance in captions (cmd_report.c); Local ------------------------------------------ */

typedef enum {
    REPORT_G_DIV,
    REPORT_G_DIV_VOCAB, /* /diversity_vocab (Figure 5 of a run with a subset, protocol paper) */
    REPORT_G_PROBE,
    REPORT_G_TR,
    REPORT_G_MAP,
    REPORT_G_CMP
} report_group_t;
/* Appends " Protocol: ...; subset: ..." for the models that have group g to t. */
void ta__report_prov_caption(ta_report_t *r, report_group_t g, ta__report_text_t *t);
/* Whether every model that has group g made it with protocol paper (and at least one has it). */
int ta__report_all_paper(ta_report_t *r, report_group_t g);

/* ---- figures; Local; *made = 1 when the figure was drawn (gnuplot present, data there) ------- */

/* A clustered bar chart: nrows groups (labels) of ncols bars (titles); vals[i * ncols + j], NaN
 * for none; errs (or NULL) the error bars. */
typedef struct {
    const char *name, *what, *title, *xlabel, *ylabel, *yrange;
    char *const *labels;
    int nrows, ncols;
    const char *const *titles;
    const double *vals, *errs;
    int rotate;
} report_bars_t;
int ta__report_fig_bars(ta_report_t *r, const report_bars_t *b, int *made);

int ta__report_fig_neighbour_categories(ta_report_t *r, int *made);
/* which: 0 probe accuracy (%), 1 entropy, 2 translation share. */
int ta__report_fig_by_category(ta_report_t *r, int which, int *made);
int ta__report_fig_heatmap(ta_report_t *r, ta_report_model_t *m, const char *name, int *made);

/* The paper's figures (cmd_report_paper.c). */
int ta__report_fig_map(ta_report_t *r, int *made);
int ta__report_fig_overlap(ta_report_t *r, int *made);
int ta__report_fig_breakdown(ta_report_t *r, ta_report_model_t *m, const char *name, int *made);
/* Figure 9: by frequency decile where /diversity has them, else by token-id decile. */
int ta__report_fig_deciles(ta_report_t *r, int *made);
/* The categories of Figure 6 (the paper's five), and of Figures 1 and 3. */
extern const char *const ta__report_breakdown_cats[5];
extern const char *const ta__report_paper_cats[15];
extern const char *const ta__report_paper_colours[15];

/* Shared by the figure files: opening a script and finishing (rendering) it. */
int ta__report_gp_begin(ta_report_t *r, ta_outfile_t *o, const char *name, const char *what);
int ta__report_gp_finish(ta_report_t *r, ta_outfile_t *o, const char *name);
void ta__report_gp_svg(FILE *fp, const char *name, int w, int h);
void ta__report_gp_png(ta_report_t *r, FILE *fp, const char *name, int w, int h, int replot);
void ta__report_gp_num(FILE *fp, double v);

/* ---- documents (cmd_report_doc.c, cmd_report_tables.c); Local ------------------------------ */

/* Writes both documents (open, not yet committed: ta__report_commit or ta__report_abort). */
int ta__report_write(ta_report_t *r);
int ta__report_commit(ta_report_t *r);
void ta__report_abort(ta_report_t *r);
void ta__report_doc_h(ta_report_t *r, int level, const char *text);
void ta__report_doc_p(ta_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A paragraph from a closed text. */
void ta__report_doc_text(ta_report_t *r, const ta__report_text_t *t);
/* A figure with its caption (a closed text); png_only: index.html shows the PNG too. */
void ta__report_doc_figure(ta_report_t *r, const char *name, const ta__report_text_t *cap,
                           int png_only);
void ta__report_doc_table_head(ta_report_t *r, int n, const char *const *cols);
void ta__report_doc_table_row(ta_report_t *r, int n, char cells[][128]);
void ta__report_doc_table_end(ta_report_t *r);
/* A caption: the text of fmt (escaped %s), then the provenance of group g; t is closed (free it
 * with ta__report_text_free). */
int ta__report_vcaption(ta_report_t *r, ta__report_text_t *t, report_group_t g, const char *fmt,
                        va_list ap) __attribute__((format(printf, 4, 0)));
/* A figure with such a caption. */
int ta__report_figure(ta_report_t *r, const char *name, report_group_t g, int png_only,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ta__report_fmt_num(char *out, size_t cap, double v, const char *fmt);
/* The paper's tables. */
int ta__report_tables(ta_report_t *r);

#endif
