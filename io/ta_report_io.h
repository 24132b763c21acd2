/* File-side helpers of `report`: finding a run's assembled model files, reading numeric
 * attributes, and rendering gnuplot scripts (SVG + PNG) with their exit status checked. */
#ifndef TA_REPORT_IO_H
#define TA_REPORT_IO_H

#include <hdf5.h>
#include <stdint.h>

/* Local. The complete HDF5 files directly in dir (not in subdirectories), sorted by name;
 * *paths is an array of n malloc'd strings (free with ta_report_free_list). Files without
 * complete = 1 are skipped and named in *skipped (malloc'd, "" when none). */
int ta_report_list_models(const char *dir, char ***paths, int *n, char **skipped);
void ta_report_free_list(char **list, int n);

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
