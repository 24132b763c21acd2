/* `tokenatlas report RUN_DIR`: report.md and index.html with tables and figures.
 *
 * Reads the assembled per-model files RUN_DIR/<model>.h5 (what `run` writes; any complete HDF5
 * file directly in RUN_DIR is taken as one model; io/ta_report_io.c) and says which groups are
 * missing; collects the union of their categories; draws the figures (cmd_report_fig.c) and
 * writes the documents (cmd_report_doc.c). */
#include "cmd/cmd_report.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_file.h"
#include "io/ta_report_io.h"
#include "cmd/cmd_report_int.h"
#include "cmd/ta_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const ta_opt_t opts[] = {
    {TA_OPT_POSITIONAL_(ta_report_opts_t, dir, "RUN_DIR", TA_OPT_REQUIRED,
                        "a run directory (results/<run>) holding <model>.h5 files")},
    {TA_OPT_END_},
};

/* The union of the models' categories, ordered by their token count summed over the models. */
static int collect_categories(ta_report_t *r)
{
    int64_t cap = 0;
    for (int i = 0; i < r->nm; i++) {
        ta_report_model_t *m = &r->m[i];
        char **lists[3] = {m->dcat, m->pcat, m->tcat};
        int64_t ns[3] = {m->ndcat, m->npcat, m->ntcat};
        for (int l = 0; l < 3; l++)
            for (int64_t c = 0; c < ns[l]; c++) {
                int64_t at = ta_report_find(r->cat, r->ncat, lists[l][c]);
                if (at < 0) {
                    if (r->ncat == cap) {
                        int64_t gc = cap, tc = cap;
                        TA_CALL(ta_grow(&r->cat, &gc, r->ncat + 1, sizeof *r->cat));
                        TA_CALL(ta_grow(&r->cat_tokens, &tc, r->ncat + 1, sizeof *r->cat_tokens));
                        cap = gc;
                    }
                    r->cat[r->ncat] = strdup(lists[l][c]);
                    TA_CHECK(r->cat[r->ncat], TA_ERESOURCE, "out of memory");
                    r->cat_tokens[r->ncat] = 0;
                    at = r->ncat++;
                }
                if (l == 0 && m->dcat_n)
                    r->cat_tokens[at] += (double)m->dcat_n[c];
                else if (l == 1 && m->pntok && !m->dcat_n)
                    r->cat_tokens[at] += (double)m->pntok[c];
            }
    }
    /* insertion sort: a few dozen categories */
    for (int a = 1; a < r->ncat; a++)
        for (int b = a; b > 0 && (r->cat_tokens[b] > r->cat_tokens[b - 1] ||
                                  (r->cat_tokens[b] == r->cat_tokens[b - 1] &&
                                   strcmp(r->cat[b], r->cat[b - 1]) < 0));
             b--) {
            char *t = r->cat[b];
            r->cat[b] = r->cat[b - 1];
            r->cat[b - 1] = t;
            double x = r->cat_tokens[b];
            r->cat_tokens[b] = r->cat_tokens[b - 1];
            r->cat_tokens[b - 1] = x;
        }
    return 0;
}

/* The provenance of model m's group g (NULL when m has no such group); for comparisons, the
 * first one. */
static const ta_report_prov_t *group_prov(const ta_report_model_t *m, report_group_t g)
{
    switch (g) {
    case REPORT_G_DIV:
        return m->has_div ? &m->p.div : NULL;
    case REPORT_G_DIV_VOCAB:
        return m->p.divv.has ? &m->p.divv : NULL;
    case REPORT_G_PROBE:
        return m->has_probe ? &m->p.probe : NULL;
    case REPORT_G_TR:
        return m->has_tr ? &m->p.tr : NULL;
    case REPORT_G_MAP:
        return m->p.nmap > 0 ? &m->p.map : NULL;
    case REPORT_G_CMP:
        return m->p.ncmp > 0 ? &m->p.cmp[0].prov : NULL;
    }
    return NULL;
}

int ta__report_all_paper(ta_report_t *r, report_group_t g)
{
    int n = 0;
    for (int j = 0; j < r->nm; j++) {
        const ta_report_prov_t *p = group_prov(&r->m[j], g);
        if (p && strcmp(p->protocol, "paper") != 0)
            return 0;
        n += p != NULL;
    }
    return n > 0;
}

/* A subset as the captions show it: "" is every token; a path loses its directories. */
static const char *subset_shown(const char *s)
{
    if (!s[0])
        return "all tokens";
    const char *colon = strrchr(s, ':'), *slash = NULL;
    for (const char *p = s; *p && (!colon || p < colon); p++)
        if (*p == '/')
            slash = p;
    return slash ? slash + 1 : s;
}

/* Whether every subset is FILE:<its model's name> with one FILE: the models' shared tokens (an
 * overlap's subset map read by model name). */
static int shared_subset(ta_report_t *r, report_group_t g, char *file, size_t cap)
{
    file[0] = '\0';
    int n = 0;
    for (int j = 0; j < r->nm; j++) {
        const ta_report_prov_t *p = group_prov(&r->m[j], g);
        if (!p)
            continue;
        size_t ls = strlen(p->subset), ln = strlen(r->m[j].name);
        if (ls <= ln + 1 || p->subset[ls - ln - 1] != ':' ||
            strcmp(p->subset + ls - ln, r->m[j].name) != 0)
            return 0;
        char f[512];
        snprintf(f, sizeof f, "%.*s", (int)(ls - ln - 1), p->subset);
        if (n++ && strcmp(f, file) != 0)
            return 0;
        snprintf(file, cap, "%s", f);
    }
    return n > 0;
}

/* The protocol (subset = 0) or the subset of a group as the captions show it. */
static const char *prov_value(const ta_report_prov_t *p, int subset)
{
    if (subset)
        return subset_shown(p->subset);
    return p->protocol[0] ? p->protocol : "not recorded";
}

/* The value of each model with group g: just the value when all agree, else "name value, ...". */
static void per_model(ta_report_t *r, report_group_t g, int subset, char *out, size_t cap)
{
    const char *first = NULL;
    int same = 1;
    out[0] = '\0';
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < r->nm; j++) {
            const ta_report_prov_t *p = group_prov(&r->m[j], g);
            if (!p)
                continue;
            const char *v = prov_value(p, subset);
            if (pass == 0) {
                first = first ? first : v;
                same &= strcmp(first, v) == 0;
            } else if (same) {
                snprintf(out, cap, "%s", v);
                return;
            } else {
                size_t len = strlen(out);
                snprintf(out + len, cap - len, "%s%s %s", len ? ", " : "", r->m[j].name, v);
            }
        }
}

void ta__report_prov_caption(ta_report_t *r, report_group_t g, ta__report_text_t *t)
{
    char prot[1024], sub[2048], file[512];
    per_model(r, g, 0, prot, sizeof prot);
    if (shared_subset(r, g, file, sizeof file)) {
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        snprintf(sub, sizeof sub, "the tokens all models share (%s)", base);
    } else {
        per_model(r, g, 1, sub, sizeof sub);
    }
    if (g == REPORT_G_MAP)
        ta__report_textf(t, " Protocol: any (the layout does not depend on it); subset: %s.", sub);
    else
        ta__report_textf(t, " Protocol: %s; subset: %s.", prot, sub);
}

static int model_cmp(const void *a, const void *b)
{
    const ta_report_model_t *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The model files of the run directory, read and put in config order. */
static int read_models(ta_report_t *r)
{
    char **files = NULL, *skipped = NULL;
    int nfiles = 0, rc = 0;
    TA_CALL(ta_report_list_models(r->dir, &files, &nfiles, &skipped));
    if (skipped && skipped[0])
        ta_log_warn("report: %s: not complete (no complete = 1), left out: %s", r->dir, skipped);
    TA_CHECK_GOTO(nfiles > 0, TA_EINPUT, done,
                  "%s: no complete model file (<model>.h5 with complete = 1); has `run` finished?",
                  r->dir);
    TA_CHECK_GOTO(nfiles <= REPORT_MAX_MODELS, TA_EINPUT, done, "%s: more than %d model files",
                  r->dir, REPORT_MAX_MODELS);
    for (int i = 0; i < nfiles; i++) {
        TA_CALL_GOTO(ta_report_read_model(files[i], &r->m[i]), done);
        r->nm++;
    }
    qsort(r->m, (size_t)r->nm, sizeof r->m[0], model_cmp);
done:
    ta_report_free_list(files, nfiles);
    free(skipped);
    return rc;
}

/* The figures' directory and whether gnuplot can draw them. */
static int setup_figures(ta_report_t *r)
{
    TA_CALL(ta_cmd_sprintf(&r->figdir, "%s/figures", r->dir));
    TA_CALL(ta_file_mkdirs(r->figdir));
    r->have_gnuplot = ta_report_gnuplot_available();
    r->have_pngcairo = ta_report_gnuplot_has_pngcairo();
    if (!r->have_gnuplot) {
        ta_log_warn("report: gnuplot not found (apt-get install gnuplot-nox): tables only; the "
                    "figure scripts are written to %s",
                    r->figdir);
        snprintf(r->fig_errors, sizeof r->fig_errors,
                 "gnuplot is not installed; the scripts are in figures/");
    }
    return 0;
}

/* Renders the scripts of the first pass side by side (one gnuplot per core, at most 8); a
 * failure is remembered for the report, not fatal, so that the tables still come out. Returns
 * the number of failures. */
static int render(ta_report_t *r)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores, failed = 0;
    ta_report_gnuplot_run_all(r->figdir, r->pending, r->npending, jobs, r->status);
    for (int i = 0; i < r->npending; i++) {
        if (ta_report_gnuplot_outcome(r->figdir, r->pending[i], r->status[i]) == 0)
            continue;
        r->status[i] = r->status[i] ? r->status[i] : -1;
        size_t len = strlen(r->fig_errors);
        snprintf(r->fig_errors + len, sizeof r->fig_errors - len, "%s%s", len ? "; " : "",
                 ta_err_message());
        ta_log_warn("report: %s", ta_err_message());
        ta_err_clear();
        failed++;
    }
    return failed;
}

/* The documents and the figures: first every script and both documents, then the rendering;
 * when a figure failed, the documents are written again without it. */
static int write_and_render(ta_report_t *r)
{
    r->pass = 1;
    TA_CALL(ta__report_write(r));
    if (render(r) > 0) {
        ta__report_abort(r);
        r->pass = 2;
        TA_CALL(ta__report_write(r));
    }
    return ta__report_commit(r);
}

static void report_free(ta_report_t *r)
{
    for (int i = 0; i < r->nm; i++)
        ta_report_free_model(&r->m[i]);
    if (r->cat)
        for (int c = 0; c < r->ncat; c++)
            free(r->cat[c]);
    free(r->cat);
    free(r->cat_tokens);
    ta_report_free_overlap(&r->ov);
    for (int i = 0; i < r->npending; i++)
        free(r->pending[i]);
    free(r->pending);
    free(r->status);
    free(r->dir);
    free(r->figdir);
    free(r);
}

int ta_cmd_report_run(const ta_report_opts_t *o)
{
    TA_CALL(ta_opt_check(&ta_cmd_report, o));
    ta_report_t *r = calloc(1, sizeof *r);
    TA_CHECK_ALLOC(r, sizeof *r);
    int rc = 0;
    size_t dl = strlen(o->dir);
    while (dl > 1 && o->dir[dl - 1] == '/')
        dl--;
    r->dir = strndup(o->dir, dl);
    TA_CHECK_GOTO(r->dir, TA_ERESOURCE, done, "out of memory");
    TA_CHECK_GOTO(ta_file_is_dir(r->dir), TA_EINPUT, done,
                  "%s: not a directory (expected a run directory such as results/demo)", r->dir);
    TA_CALL_GOTO(read_models(r), done);
    TA_CALL_GOTO(collect_categories(r), done);
    TA_CALL_GOTO(ta_report_read_overlap(r->dir, &r->ov), done);
    TA_CALL_GOTO(setup_figures(r), done);
    TA_CALL_GOTO(write_and_render(r), done);
    ta_log_info("report: %s/report.md and %s/index.html (%d model(s), figures in %s)", r->dir,
                r->dir, r->nm, r->figdir);
done:
    report_free(r);
    return rc;
}

TA_CMD_DEFINE(report, ta_report_opts_t,
              .summary = "Markdown + HTML report with plots for a run directory",
              .about = "Reads RUN_DIR/<model>.h5 (written by `run`) and writes RUN_DIR/report.md, "
                       "RUN_DIR/index.html (static; open it from the file system) and the figures "
                       "under RUN_DIR/figures/ (gnuplot scripts, SVG and PNG).");
