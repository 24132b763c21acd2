/* What the analyses of a neighbours file (diversity, translate, compare) share: opening their
 * inputs, the names of their outputs, and writing them. Each splits the query rows over the ranks
 * in contiguous blocks, computes per-row values, gathers them to rank 0 in row order and
 * summarises them there (so every statistic is the same for any number of ranks); then
 * ta_ana_write() writes the per-row columns in parallel and rank 0 the rest. */
#ifndef TA_ANA_H
#define TA_ANA_H

#include "base/ta_elem.h"
#include "io/ta_catfile.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_nbfile.h"
#include "cmd/ta_opt.h"

#include <stdint.h>

/* Local. Opens the neighbours file at path (every rank opens it on its own) and registers it as an
 * input of the output. */
int ta_ana_open_neighbors(const char *path, ta_nbfile_t *nb);
/* Local. --subset: only the rows whose query is a token of the subset spec (ta_nbfile_select;
 * their neighbour lists as the file holds them); the file is registered as an input and named in
 * the output's root attribute `subset`. */
int ta_ana_select(ta_nbfile_t *nb, const char *spec);
/* The help text of the analyses' --subset. */
extern const char ta_ana_subset_help[];
/* Local. --top must not exceed the neighbours per row. */
int ta_ana_check_top(const ta_nbfile_t *nb, int64_t top);

/* Local. Reads the categories (a categorize TSV or a model.h5's /categories/<scheme>) of a
 * vocabulary of n tokens, named `what` in messages (n < 0: any count), and registers the file. */
int ta_ana_read_categories(const char *path, int scheme, int64_t n, const char *what,
                           ta_catset_t *cs);

/* Local. The output file (out, or the neighbours file nbpath without ".h5" plus suffix, e.g.
 * ".diversity.h5") and the stem of the TSV tables beside it (the output without ".h5"), both
 * malloc'd. */
int ta_ana_paths(const char *nbpath, const char *out, const char *suffix, char **h5, char **stem);

/* Local. Opens the TSV table STEM SUFFIX (e.g. "STEM" ".catmatrix.tsv") for writing
 * (ta_outfile_commit makes it appear). */
int ta_ana_open_table(ta_outfile_t *f, const char *stem, const char *suffix);

/* One per-row column of the output: this rank's rows of dataset `name`. */
typedef struct {
    const char *name;
    ta_elem_t type;
    const void *rows;
} ta_ana_column_t;

/* What rank 0 adds to the columns; ctx is the analysis' state. */
typedef struct {
    int (*serial)(void *ctx, hid_t file); /* serial phase: tables, strings, attributes */
    int (*tables)(void *ctx);             /* after the commit: the TSV tables */
    void (*summary)(void *ctx);           /* at the end: the summary on standard output */
} ta_ana_ops_t;

/* Collective. The output file h5path: the per-row columns, total rows in all, this rank's rows
 * [row0, row0 + nrows) from every rank, then rank 0's serial part, committed (complete = 1);
 * then rank 0's TSV tables and summary. The ranks agree at each step. */
int ta_ana_write(const char *h5path, int64_t total, int64_t row0, int64_t nrows,
                 const ta_ana_column_t *cols, int ncols, const ta_ana_ops_t *ops, void *ctx);

/* The steps of an analysis on its state d. */
typedef struct {
    int (*load)(void *d);    /* Local: inputs opened and checked on every rank */
    int (*compute)(void *d); /* Local: this rank's block of rows (ta_mpi_block_range) */
    int (*write)(void *d);   /* Collective: gather, summarise on rank 0, ta_ana_write */
    void (*cleanup)(void *d);
} ta_ana_steps_t;

/* Collective. Checks the options o of command c, then runs the steps; the ranks agree after load
 * and after compute. */
int ta_ana_run(const ta_cmd_t *c, const void *o, const ta_ana_steps_t *steps, void *d);

#endif
