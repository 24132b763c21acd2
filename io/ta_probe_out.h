/* Output files of `tokenatlas probe`: the per-category TSV, the HDF5 group /probe (with the TSV
 * beside it), and the exported samples and folds (so that an oracle can reuse the same splits). */
#ifndef TA_PROBE_OUT_H
#define TA_PROBE_OUT_H

#include "io/ta_file.h"

#include <hdf5.h>
#include <stdint.h>

typedef struct {
    int ncat; /* categories of the input, in name order (probed and skipped) */
    int folds;
    int64_t d;
    const char *const *names;
    const int64_t *n_tokens;   /* [ncat] */
    const int64_t *n_samples;  /* [ncat] balanced sample size 2m; 0 for a skipped category */
    const uint8_t *probed;     /* [ncat] 1 probed, 0 skipped */
    const double *mean, *std;  /* [ncat] (probed ones) */
    const double *fold_acc;    /* [ncat * folds] */
    const double *weights;     /* [ncat * folds * d] per-fold fits */
    const double *intercepts;  /* [ncat * folds] */
    const int32_t *iterations; /* [ncat * folds] */
    const double *final_w;     /* [ncat * d] fit on the whole balanced sample */
    const double *final_b;     /* [ncat] */
    int64_t seed, min_tokens, n_rows;
    double C, gtol, ftol;
    int warm_start;
    int max_iter;         /* L-BFGS iteration limit of every fit */
    const char *protocol; /* "tokenatlas" or "paper" */
    const char *subset;   /* the --subset file, "" for every token */
    const char *embeddings, *categories;
} ta_probe_result_t;

/* Local. The TSV: header category, n_tokens, n_samples, mean_accuracy, std_accuracy; one row per
 * category in name order; a skipped category has n_samples 0 and nan accuracies. Atomic. */
int ta_probe_write_tsv(const char *path, const ta_probe_result_t *r);

/* Local (serial phase, rank 0). The group /probe of a probe output file (see the README). */
int ta_probe_write_group(hid_t file, const ta_probe_result_t *r);

/* Local. The exported folds TSV: open (atomic, ta_outfile_open) writes the header
 * "category\ttoken_id\tlabel\tfold"; add appends one row per balanced sample of a category;
 * commit with ta_outfile_commit. */
int ta_probe_folds_open(ta_outfile_t *o, const char *path);
int ta_probe_folds_add(ta_outfile_t *o, const char *category, const int64_t *ids,
                       const uint8_t *label, const int32_t *fold, int64_t n);

/* The probe's checkpoint, in the one checkpoint format (io/ta_ckpt.h): the directory OUT.ckpt/
 * with tasks.bin (for each phase its task count's done flags and result rows of `slot` doubles)
 * and the MANIFEST: the run's fingerprint (inputs, options, hashes of the samples and of the
 * matrix), then the state line "tasks done N of M". Written by rank 0 when a run is stopped (the
 * task farm leaves the same results on every rank); the rank count may change on resume. */
typedef struct {
    int64_t ntasks, slot;
    uint8_t *done;
    double *results;
} ta_probe_ckpt_phase_t;

/* Local. */
int ta_probe_ckpt_write(const char *dir, const char *fingerprint, const ta_probe_ckpt_phase_t *ph,
                        int nphase);
/* Local. Fills ph[] from the checkpoint in dir when there is one (*found = 1); a checkpoint of
 * another run (its fingerprint differs) is refused: TA_EINPUT naming dir and the line. */
int ta_probe_ckpt_read(const char *dir, const char *fingerprint, ta_probe_ckpt_phase_t *ph,
                       int nphase, int *found);

#endif
