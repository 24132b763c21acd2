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

#define TA_REPORT_MAX_CMP 32

/* How one group of a model file was made: its `protocol` attribute ("" when the group has none,
 * e.g. /map) and its subset: the group's own `subset` attribute, else that of /neighbors (the
 * analyses read the neighbours as they are), else the file's root `subset`; "" = all tokens. */
typedef struct {
    int has;
    char protocol[32];
    char subset[512];
} ta_report_prov_t;

/* Per (token category, neighbour category) or per category, with 95% intervals. */
typedef struct {
    int64_t n;
    char **name;
    double *mean, *ci;
    int64_t *count; /* [n] tokens (cat_n), or NULL */
} ta_report_cats_t;

/* One comparison /compare/<other>. */
typedef struct {
    char other[256], a[256], b[256];
    ta_report_prov_t prov;
    double jaccard, jaccard_ci, overlap, overlap_ci, shared, queries;
    ta_report_cats_t jcat; /* Jaccard by category of model a (mean, ci) */
} ta_report_cmp_t;

/* The paper's quantities of one model file; absent parts are empty (n = 0, NULL). */
typedef struct {
    ta_report_prov_t div, probe, tr, map;
    ta_report_prov_t divv; /* /diversity_vocab: the whole vocabulary's sample (Figure 5) */
    /* /diversity */
    double *cat_ci, *ent_ci, *mat_ci; /* [ndcat], [ndcat], [ndcat^2] */
    int64_t *mat_n;                   /* [ndcat^2] tokens with such a neighbour (paper), or NULL */
    int has_dec, has_freq;
    int64_t dec_n[10], freq_n[10], freq_min[10], freq_max[10];
    double dec_mean[10], dec_ci[10], freq_mean[10], freq_ci[10];
    char frequencies[512]; /* the frequencies file named by /diversity */
    int64_t nhub;
    char **hub_token;
    int64_t *hub_count;
    double hub_skew;
    int64_t *vocab_n; /* [ndcat] tokens of the vocabulary per category, or NULL */
    /* /translate */
    double *tmean, *tci; /* [ntcat] translations among the neighbours per token, mean and ci */
    double tr_top;       /* /translate's top: the neighbours counted per token */
    /* /compare */
    int ncmp;
    ta_report_cmp_t cmp[TA_REPORT_MAX_CMP];
    /* /map and the paper categories of its points */
    int64_t nmap;
    float *xy;      /* [nmap * 2] */
    int32_t *mcode; /* [nmap] index into mnames, -1 when the model has no paper categories */
    char **mnames;
    int64_t nmnames;
    double map_nn, map_min_dist, map_seed;
} ta_report_paper_t;

/* The vocabulary overlap of the run (the overlap step; the paper's Figure 2). */
typedef struct {
    int has;
    char file[4200], tsv[4200];
    int64_t m;
    char **name;
    int64_t *n_tokens, *shared, *latin; /* [m], [m * m], [m * m] (diagonal: each vocabulary) */
} ta_report_overlap_t;

/* What the report shows of one assembled model file (RUN_DIR/<model>.h5). Groups that are absent
 * leave their fields empty and are named in `missing`. */
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
    int hist_vocab; /* hist is /diversity_vocab's: the whole vocabulary's 1% sample (Figure 5) */
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
    char missing[1024];
    ta_report_paper_t p; /* what the paper's figures and tables need (io/ta_report_paper.c) */
} ta_report_model_t;

/* Local. Reads the model file at path (complete = 1 required). Every attribute and dataset read
 * is checked for type, shape and range first (e.g. the histogram has top + 2 bins, each
 * per-category table one row per category name); a malformed one is TA_EINPUT naming file and
 * object. */
int ta_report_read_model(const char *path, ta_report_model_t *m);
void ta_report_free_model(ta_report_model_t *m);
/* Local. Index of name in list (-1 when absent). */
int64_t ta_report_find(char *const *list, int64_t n, const char *name);

/* Local. The vocabulary overlap of the run directory dir: dir/overlap.h5, else
 * dir/steps/overlap.h5 (complete = 1, with /overlap); ov->has = 0 when there is none. The TSV
 * beside it is named in ov->tsv when present. */
int ta_report_read_overlap(const char *dir, ta_report_overlap_t *ov);
void ta_report_free_overlap(ta_report_overlap_t *ov);

/* Inside io/: the paper's part of a model file (io/ta_report_paper.c). Local. */
int ta__report_read_paper(hid_t f, ta_report_model_t *m);
void ta__report_free_paper(ta_report_paper_t *p);

/* Local. A numeric attribute (any integer or float type) of object obj ("/" for the file) as a
 * double; returns 1 when found, 0 when absent (never an error). */
int ta_report_attr_num(hid_t file, const char *obj, const char *name, double *value);

/* Local. Whether a gnuplot is on PATH, and whether it has the pngcairo terminal (else the plain
 * png terminal is used). Probed once. */
int ta_report_gnuplot_available(void);
int ta_report_gnuplot_has_pngcairo(void);

/* Local. Runs the n scripts NAME.gp in directory dir (so the scripts' relative output names land
 * there) with gnuplot, up to jobs processes at a time, several scripts per process (each script
 * must start with `reset session`); messages into dir/gnuplot-K.log, and for a script that
 * failed into NAME.log. status[i] is each script's exit status (-1: could not start, killed). */
void ta_report_gnuplot_run_all(const char *dir, char *const *names, int n, int jobs, int *status);
/* Local. 0 for exit status 0 (an empty NAME.log is removed), else the error naming the script
 * and the last line of its log. */
int ta_report_gnuplot_outcome(const char *dir, const char *name, int status);

#endif
