/* Inside `report`: the state shared by the driver (cmd_report.c), the figures
 * (cmd_report_fig.c) and the documents (cmd_report_doc.c). */
#ifndef CMD_REPORT_INT_H
#define CMD_REPORT_INT_H

#include "io/ta_file.h"
#include "io/ta_report_io.h"

#define REPORT_MAX_MODELS 32

typedef struct {
    char *dir, *figdir; /* RUN_DIR (without trailing slashes), RUN_DIR/figures */
    ta_report_model_t m[REPORT_MAX_MODELS];
    int nm;
    /* The union of categories over the models, largest first. */
    char **cat;
    double *cat_tokens;
    int ncat;
    int have_pngcairo, have_gnuplot;
    char fig_errors[2048]; /* figures that failed, for the report */
    ta_outfile_t md, html;
} ta_report_t;

/* Local. The figures; *made = 1 when the figure was drawn (gnuplot present, data there). */
int ta__report_fig_neighbour_categories(ta_report_t *r, int *made);
/* which: 0 probe accuracy (%), 1 entropy, 2 translation share. */
int ta__report_fig_by_category(ta_report_t *r, int which, int *made);
int ta__report_fig_heatmap(ta_report_t *r, ta_report_model_t *m, const char *name, int *made);

/* Local. report.md and index.html, with their figures. */
int ta__report_write(ta_report_t *r);

#endif
