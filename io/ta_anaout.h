/* Output helpers shared by the analyses (diversity, translate, compare): summary tables as HDF5
 * datasets and attributes, and TSV cells. */
#ifndef TA_ANAOUT_H
#define TA_ANAOUT_H

#include "kernels/ta_stats.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdio.h>

/* Local (serial phase, rank 0). Datasets PREFIX_n (int64), PREFIX_mean, PREFIX_std and
 * PREFIX_ci (float64), each [n], under loc. */
int ta_anaout_write_summaries(hid_t loc, const char *prefix, const ta_summary_t *s, int64_t n);
/* Local. The attributes PREFIX_n, PREFIX_mean, PREFIX_std, PREFIX_ci of one summary. */
int ta_anaout_attr_summary(hid_t loc, const char *prefix, const ta_summary_t *s);

/* Local. A number as a TSV cell: shortest round-trip form, "nan" for NaN. */
void ta_anaout_num(FILE *fp, double v);
/* Local. "\tn\tmean\tstd\tci" of one summary. */
void ta_anaout_summary_cells(FILE *fp, const ta_summary_t *s);

#endif
