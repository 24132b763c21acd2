#include "cmd/ta_ana.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "base/ta_log.h"
#include "io/ta_prov.h"
#include "io/ta_subset.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ta_ana_open_neighbors(const char *path, ta_nbfile_t *nb)
{
    TA_CALL(ta_nbfile_open(path, nb));
    return ta_prov_add_input(path);
}

const char ta_ana_subset_help[] =
    "only the queries that are tokens of this subset (a text file of ids, a .npy array, or "
    "FILE.h5:NAME of an `overlap` subset map); their neighbour lists are taken as the file holds "
    "them (a neighbours file made with neighbors --subset has no neighbour outside the subset)";

int ta_ana_select(ta_nbfile_t *nb, const char *spec)
{
    int64_t q = nb->q;
    TA_CALL(ta_nbfile_select(nb, spec));
    ta_log_info("%s: %lld of its %lld query rows are tokens of the subset %s", nb->path,
                (long long)nb->q, (long long)q, spec);
    ta_prov_set_str("subset", spec);
    return ta_subset_add_input(spec);
}

int ta_ana_check_top(const ta_nbfile_t *nb, int64_t top)
{
    TA_CHECK(top <= nb->k, TA_EINPUT, "%s: --top %lld is larger than the %lld neighbours per row",
             nb->path, (long long)top, (long long)nb->k);
    return 0;
}

int ta_ana_read_categories(const char *path, int scheme, int64_t n, const char *what,
                           ta_catset_t *cs)
{
    TA_CALL(ta_catfile_read(path, ta_cmd_schemes[scheme], cs));
    TA_CHECK(n < 0 || cs->n == n, TA_EINPUT, "%s: %lld tokens but %s has %lld", path,
             (long long)cs->n, what, (long long)n);
    return ta_prov_add_input(path);
}

/* path without a final ".h5" (malloc'd). */
static int without_h5(const char *path, char **out)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".h5") == 0)
        n -= 3;
    *out = strndup(path, n);
    TA_CHECK_ALLOC(*out, n + 1);
    return 0;
}

int ta_ana_paths(const char *nbpath, const char *out, const char *suffix, char **h5, char **stem)
{
    *h5 = *stem = NULL;
    if (out) {
        *h5 = strdup(out);
        TA_CHECK_ALLOC(*h5, strlen(out) + 1);
    } else {
        char *base = NULL;
        TA_CALL(without_h5(nbpath, &base));
        int rc = ta_cmd_sprintf(h5, "%s%s", base, suffix);
        free(base);
        TA_CALL(rc);
    }
    return without_h5(*h5, stem);
}

int ta_ana_open_table(ta_outfile_t *f, const char *stem, const char *suffix)
{
    char *path = NULL;
    TA_CALL(ta_cmd_sprintf(&path, "%s%s", stem, suffix));
    int rc = ta_outfile_open(f, path);
    free(path);
    return rc;
}

int ta_ana_write(const char *h5path, int64_t total, int64_t row0, int64_t nrows,
                 const ta_ana_column_t *cols, int ncols, const ta_ana_ops_t *ops, void *ctx)
{
    int rank = ta_mpi_rank();
    ta_h5out_t h;
    TA_CALL(ta_h5out_create(&h, h5path, ta_mpi_comm()));
    int rc = 0;
    for (int i = 0; i < ncols && !rc; i++)
        rc = ta_h5_write_rows(h.file, cols[i].name, cols[i].type, total, 0, row0, nrows,
                              cols[i].rows);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta_h5out_to_serial(&h);
    if (!rc && rank == 0)
        rc = ops->serial(ctx, h.file);
    /* The tables are written before the .h5 is marked complete, and appear with it: a table that
     * cannot be written leaves no complete-looking .h5 behind. */
    if (rank == 0)
        ta_outfile_hold();
    if (!rc && rank == 0)
        rc = ops->tables(ctx);
    rc = ta_h5out_commit(&h, rc);
    if (rank == 0) {
        int pub = ta_outfile_release(!rc);
        if (!rc && pub) {
            unlink(h5path);
            rc = pub;
        }
    }
    rc = ta_mpi_agree(rc);
    if (!rc && rank == 0)
        ops->summary(ctx);
    return rc;
}

int ta_ana_run(const ta_cmd_t *c, const void *o, const ta_ana_steps_t *steps, void *d)
{
    int rc = ta_opt_check(c, o);
    if (!rc)
        rc = steps->load(d);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta_mpi_agree(steps->compute(d));
    if (!rc)
        rc = steps->write(d);
    steps->cleanup(d);
    return rc;
}
