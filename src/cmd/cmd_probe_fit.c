/* `probe`, the fits: each rank lists a task's rows of the normalised matrix and fits them in place
 * (ta_probe_fit_rows, kernels/ta_probe.h); the tasks are farmed out over the ranks
 * (mpi/ta_farm.h), largest first. A task's result depends only on its inputs, so the outputs are
 * the same for any number of ranks and threads. */
#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_team.h"
#include "mpi/ta_farm.h"
#include "mpi/ta_mpi.h"
#include "cmd/cmd_probe_int.h"

#include <stdlib.h>
#include <string.h>

static int grow(ta__probe_ctx_t *c, int64_t rows)
{
    size_t need = ta_probe_fit_work_bytes(rows, c->d, &c->opt);
    if (need > c->work_bytes) {
        free(c->work);
        c->work = ta_malloc(need);
        TA_CHECK_ALLOC(c->work, need);
        c->work_bytes = need;
    }
    if ((size_t)rows <= c->buf_rows)
        return 0;
    free(c->rows);
    free(c->ybuf);
    size_t bytes = (size_t)rows * sizeof *c->rows;
    c->rows = ta_malloc(bytes);
    c->ybuf = ta_malloc((size_t)rows);
    TA_CHECK_ALLOC(c->rows, bytes);
    TA_CHECK_ALLOC(c->ybuf, (size_t)rows);
    c->buf_rows = (size_t)rows;
    return 0;
}

/* Lists the samples of s whose fold is (held_out ? == f : != f) in rows[] (their rows of X) and
 * ybuf from position r0; f < 0 takes every sample. Returns the number of rows listed. The fits
 * read the rows from X through the list (ta_probe_fit_rows): no copy of the sample per rank. */
static int64_t gather(const ta__probe_ctx_t *c, const ta__probe_sample_t *s, int f, int held_out,
                      int64_t r0)
{
    int64_t r = r0;
    for (int64_t i = 0; i < 2 * s->m; i++) {
        if (f >= 0 && (s->fold[i] == f) != held_out)
            continue;
        c->rows[r] = s->ids[i];
        c->ybuf[r] = s->label[i];
        r++;
    }
    return r - r0;
}

static void put_fit(double *out, int64_t d, double acc, const double *w, double b,
                    const ta_probe_fit_t *info)
{
    out[SLOT_ACC] = acc;
    out[SLOT_B] = b;
    out[SLOT_IT] = info->iterations;
    out[SLOT_CONV] = info->converged;
    memcpy(out + SLOT_W, w, (size_t)d * sizeof *w);
}

/* Phase 1: category task = fit on the whole balanced sample. */
static int final_task(int64_t t, double *out, void *vctx)
{
    ta__probe_ctx_t *c = vctx;
    const ta__probe_sample_t *s = &c->sample[c->probe_cat[t]];
    TA_CALL(grow(c, 2 * s->m));
    /* Fold 0 (a stratified tenth of the sample) first: a fit on it alone costs a tenth per
     * iteration and starts the fit on the whole sample close to its solution. */
    int64_t n0 = gather(c, s, 0, 1, 0);
    int64_t n = n0 + gather(c, s, 0, 0, n0);
    double *w = out + SLOT_W, b = 0;
    ta_probe_fit_t info;
    if (c->warm) {
        TA_CALL(
            ta_probe_fit_rows(c->X, c->rows, c->ybuf, n0, c->d, &c->opt, c->work, w, &b, &info));
    }
    TA_CALL(ta_probe_fit_rows(c->X, c->rows, c->ybuf, n, c->d, &c->opt, c->work, w, &b, &info));
    put_fit(out, c->d, ta_probe_accuracy_rows(c->X, c->rows, c->ybuf, n, c->d, w, b), w, b, &info);
    return 0;
}

/* Phase 2: (category, fold) task = fit on the other folds, accuracy on this one. */
static int fold_task(int64_t t, double *out, void *vctx)
{
    ta__probe_ctx_t *c = vctx;
    int64_t k = t / c->folds;
    int f = (int)(t % c->folds);
    const ta__probe_sample_t *s = &c->sample[c->probe_cat[k]];
    TA_CALL(grow(c, 2 * s->m));
    int64_t ntrain = gather(c, s, f, 0, 0);
    int64_t ntest = gather(c, s, f, 1, ntrain);
    double *w = out + SLOT_W, b = 0;
    if (c->warm) {
        const double *fin = c->final + k * (c->d + SLOT_W);
        memcpy(w, fin + SLOT_W, (size_t)c->d * sizeof *w);
        b = fin[SLOT_B];
    }
    ta_probe_fit_t info;
    TA_CALL(
        ta_probe_fit_rows(c->X, c->rows, c->ybuf, ntrain, c->d, &c->opt, c->work, w, &b, &info));
    double acc =
        ta_probe_accuracy_rows(c->X, c->rows + ntrain, c->ybuf + ntrain, ntest, c->d, w, b);
    put_fit(out, c->d, acc, w, b, &info);
    return 0;
}

/* Task order for the farm: largest (most training rows) first, ties by task number. */
typedef struct {
    int64_t cost, task;
} task_cost_t;

static int cmp_cost(const void *a, const void *b)
{
    const task_cost_t *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return (x->task > y->task) - (x->task < y->task);
}

static int largest_first(int64_t ntasks, const int64_t *cost, int64_t *order)
{
    task_cost_t *tc = ta_malloc((size_t)(ntasks ? ntasks : 1) * sizeof *tc);
    TA_CHECK_ALLOC(tc, (size_t)ntasks * sizeof *tc);
    for (int64_t t = 0; t < ntasks; t++)
        tc[t] = (task_cost_t){cost[t], t};
    qsort(tc, (size_t)ntasks, sizeof *tc, cmp_cost);
    for (int64_t t = 0; t < ntasks; t++)
        order[t] = tc[t].task;
    free(tc);
    return 0;
}

static int run_farm(ta__probe_ctx_t *c, int64_t ntasks, const int64_t *cost, ta_farm_fn fn,
                    const char *what, double *results, uint8_t *done)
{
    int64_t *order = ta_malloc((size_t)(ntasks ? ntasks : 1) * sizeof *order);
    TA_CHECK_ALLOC(order, (size_t)ntasks * sizeof *order);
    int rc = largest_first(ntasks, cost, order);
    ta_progress_t p;
    ta_progress_start(&p, what, "tasks", (double)ntasks, 0);
    if (!rc)
        rc = ta_farm_run(ta_mpi_comm(), ntasks, order, c->d + SLOT_W, fn, c, results, done, &p);
    if (!rc)
        ta_progress_update(&p, (double)ntasks, 1);
    free(order);
    return rc;
}

int ta__probe_fit_all(ta__probe_ctx_t *c, double *final, double *folds, uint8_t *done)
{
    int64_t np = c->ncat, F = c->folds;
    int64_t *cost = ta_malloc((size_t)((np ? np : 1) * F) * sizeof *cost);
    TA_CALL(ta_mpi_agree(
        cost ? 0
             : TA_ERR(TA_ERESOURCE, "out of memory for %lld probe tasks", (long long)(np * F))));
    /* The rank's threads (OPENBLAS_NUM_THREADS, SLURM_CPUS_PER_TASK or cores / ranks, see
     * ta_mpi_setup_threads) form the team that shares a fit's chunks, and OpenBLAS runs one thread
     * per call: the sums then have a fixed order and a task's result does not depend on the thread
     * count. */
    int threads = ta_blas_threads();
    ta_blas_set_threads(1);
    int rc = ta_mpi_agree(ta_team_create(threads, &c->opt.team));
    for (int64_t k = 0; k < np; k++)
        cost[k] = 2 * c->sample[c->probe_cat[k]].m;
    if (!rc)
        rc = run_farm(c, np, cost, final_task, "probe: full fits", final, done);
    if (!rc) {
        for (int64_t t = 0; t < np * F; t++)
            cost[t] = 2 * c->sample[c->probe_cat[t / F]].m;
        c->final = final;
        rc = run_farm(c, np * F, cost, fold_task, "probe: folds", folds, done + np);
    }
    ta_team_free(c->opt.team);
    c->opt.team = NULL;
    ta_blas_set_threads(threads);
    free(cost);
    return rc;
}
