/* File-side helpers of `report`: finding a run's assembled model files, reading what the report
 * shows from each, and rendering gnuplot scripts (SVG + PNG) with their exit status checked. */
#ifndef TA_REPORT_IO_H
#define TA_REPORT_IO_H

#include <hdf5.h>
#include <stdint.h>

/* Local. The complete HDF5 files directly in dir (not in subdirectories), sorted by name;
 * *paths is an array of n malloc'd strings (free with ta_report_free_list). Files without
 * complete = 1 are skipped and named in *skipped (malloc'd, "" when none). */
int ta_report_list_models(const char *dir, char ***paths, int *n, char **skipped);
void ta_report_free_list(char **list, int n);

/* What the report shows of one assembled model file (RUN_DIR/<model>.h5). Groups that are absent
 * leave their fields empty and are named in `missing`. */
#define TA_REPORT_MAX_CMP 32
typedef struct {
    char name[256];
    char file[4200];
    double order; /* model_index: the position in the config */
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
    char cmp_other[TA_REPORT_MAX_CMP][256];
    double cmp_mean[TA_REPORT_MAX_CMP], cmp_shared[TA_REPORT_MAX_CMP];
    char missing[1024];
} ta_report_model_t;

/* Local. Reads the model file at path (complete = 1 required). */
int ta_report_read_model(const char *path, ta_report_model_t *m);
void ta_report_free_model(ta_report_model_t *m);
/* Local. Index of name in list (-1 when absent). */
int64_t ta_report_find(char *const *list, int64_t n, const char *name);

/* Local. A numeric attribute (any integer or float type) of object obj ("/" for the file) as a
 * double; returns 1 when found, 0 when absent (never an error). */
int ta_report_attr_num(hid_t file, const char *obj, const char *name, double *value);

/* Local. Whether a gnuplot is on PATH, and whether it has the pngcairo terminal (else the plain
 * png terminal is used). Probed once. */
int ta_report_gnuplot_available(void);
int ta_report_gnuplot_has_pngcairo(void);

/* Local. Runs `gnuplot NAME.gp` in directory dir (so the script's relative output names land
 * there), its messages into NAME.log; an exit status other than 0 is an error naming the script
 * and the log's last line. */
int ta_report_gnuplot_run(const char *dir, const char *name);

#endif
