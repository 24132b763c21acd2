/* Inside `probe`: the samples and the fits (cmd_probe_fit.c), shared with the driver
 * (cmd_probe.c). */
#ifndef CMD_PROBE_INT_H
#define CMD_PROBE_INT_H

#include "kernels/ta_probe.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t n_tokens, m; /* m = size of each class after undersampling */
    int64_t *ids;        /* [2m] token ids, in the sample's order: ascending rows (tokenatlas), the
                            resampled order (paper); rows are token ids, or subset positions */
    uint8_t *label;      /* [2m] */
    int32_t *fold;       /* [2m] */
} ta__probe_sample_t;

typedef struct {
    const float *X; /* N x d, normalised */
    int64_t d;
    int folds;
    int warm;
    ta_probe_opt_t opt;
    int ncat;
    const int *probe_cat;             /* probed categories' indices into samples */
    const ta__probe_sample_t *sample; /* per category */
    const double *final;              /* phase-1 results (for warm starts) */
    /* per-rank scratch, grown as needed */
    int64_t *rows; /* the rows of X a fit takes, and their labels */
    uint8_t *ybuf;
    void *work;
    size_t buf_rows, work_bytes;
} ta__probe_ctx_t;

/* Result slot layout: [accuracy, intercept, iterations, converged, w[0..d)]. */
enum { SLOT_ACC = 0, SLOT_B = 1, SLOT_IT = 2, SLOT_CONV = 3, SLOT_W = 4 };

/* Collective. Both task farms over the ranks: per category the fit on its whole balanced sample
 * (into final[np][d + SLOT_W]), then per (category, fold) the fit on the other folds and its
 * held-out accuracy (into folds[np * folds][d + SLOT_W]), largest tasks first. done[np * (folds +
 * 1)] marks the tasks done (a resumed run's are skipped). Returns TA_EINTERRUPTED after a stop
 * request, with the results so far. */
int ta__probe_fit_all(ta__probe_ctx_t *c, double *final, double *folds, uint8_t *done);

#endif
