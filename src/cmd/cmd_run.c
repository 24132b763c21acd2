/* `tokenatlas run CONFIG.yaml [--set key=value]...`: the whole pipeline, resumable.
 *
 * With subset: shared, first every model's ingest and the overlap of their vocabularies (the
 * subset map steps/overlap.h5), whose ids restrict each model's neighbours and probes. For each
 * model: ingest -> neighbors -> diversity -> map (unless map.enabled is false or the queries are a
 * sample) -> probe -> translate (when dictionaries are configured); then compare for the
 * configured pairs; then each model's results are assembled into results/<run>/<model>.h5 with
 * TSV tables beside it, and the report is written.
 *
 * Every step is the command itself: its options struct is filled from the config and its typed
 * entry point called in-process, so the run works under mpirun / srun with any number of ranks
 * (the steps are Collective and agree on errors). Each step writes one file under
 * results/<run>/steps/ that records the command line its options give; a step whose output
 * already has complete = 1 is skipped when that line is this step's, so rerunning the same
 * command resumes. A step that was interrupted (exit 4) stops the run with exit 4; the next run
 * calls it again with the same options and it resumes from its own checkpoint. Stop requests
 * (SIGUSR1, SIGTERM, TA_STOP_AFTER) are also honoured between steps. */
#include "cmd/cmd_run.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_assemble.h"
#include "io/ta_config.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/cmd_compare.h"
#include "cmd/cmd_diversity.h"
#include "cmd/cmd_ingest.h"
#include "cmd/cmd_map.h"
#include "cmd/cmd_neighbors.h"
#include "cmd/cmd_overlap.h"
#include "cmd/cmd_probe.h"
#include "cmd/cmd_report.h"
#include "cmd/cmd_translate.h"
#include "cmd/ta_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_run_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_POSITIONAL_(O, config, "CONFIG.yaml", TA_OPT_REQUIRED,
                        "the run configuration (README, section \"Config reference\")")},
    {TA_OPT_LIST_(O, set, "set", "KEY=VALUE",
                  "override a config key (dotted: neighbors.k=50, models.0.path=DIR)")},
    {TA_OPT_END_},
};
#undef O

typedef struct {
    const ta_config_t *cfg;
    char *dir;     /* results/<run> */
    char *steps;   /* results/<run>/steps */
    char *log;     /* results/<run>/run.log */
    char *command; /* the run's own command line (provenance of the assembled files) */
    int rank;
    int nskipped, nrun;
} run_t;

static void run_log(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_log(run_t *r, const char *fmt, ...)
{
    char *buf = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    ta_log_info("%s", buf);
    /* The run log is a convenience: a full disk shows up in the step outputs anyway. The error
     * being reported (a failed step is logged) stays the one reported. */
    int code = ta_err_code();
    char *msg = code ? strdup(ta_err_message()) : NULL;
    if (r->rank == 0 && ta_assemble_log(r->log, "%s", buf)) {
        ta_err_clear();
        if (code)
            ta_err_adopt(code, msg ? msg : "out of memory");
    }
    free(msg);
    free(buf);
}

/* Local. results/<run>/steps/<stem>.<what>.h5. */
static int step_path(const run_t *r, const char *stem, const char *what, char **out)
{
    return ta_cmd_sprintf(out, "%s/%s.%s.h5", r->steps, stem, what);
}

/* Whether a complete step output was made by this very step command. A file made with other
 * options (the config changed between runs) must not be taken as this step's result. */
static int check_made_by(const char *out, const char *want)
{
    char *have = NULL;
    TA_CALL(ta_h5_read_file_attr_str(out, "command_line", &have));
    int rc = strcmp(have, want) == 0
                 ? 0
                 : TA_ERR(TA_EINPUT,
                          "%s: complete, but made by `%s`, while this run's step is `%s` (the "
                          "config changed?): choose another run name, or delete the file to redo "
                          "the step",
                          out, have, want);
    free(have);
    return rc;
}

/* Collective. The step's outcome: logged, and a failure named with the model and step. */
static int step_outcome(run_t *r, const char *model, const ta_cmd_t *cmd, const char *out, int rc,
                        double t0)
{
    if (rc == TA_EINTERRUPTED) {
        run_log(r, "%s %s: interrupted after %.1f s (exit 4); rerun to resume", model, cmd->name,
                ta_now() - t0);
        return rc;
    }
    if (rc) {
        char *msg = NULL;
        if (ta_cmd_sprintf(&msg, "run: model %s, step %s: %s", model, cmd->name,
                           ta_err_message()) == 0)
            ta_err_adopt(rc, msg);
        run_log(r, "%s %s: failed (exit %d): %s", model, cmd->name, rc, ta_err_message());
        free(msg);
        return rc;
    }
    rc = ta_h5_is_complete(out) ? 0
                                : TA_ERR(TA_EINTERNAL,
                                         "run: step %s of %s returned success but %s has no "
                                         "complete = 1",
                                         cmd->name, model, out);
    TA_CALL(ta_mpi_agree(rc));
    run_log(r, "%s %s: done in %.1f s", model, cmd->name, ta_now() - t0);
    r->nrun++;
    return 0;
}

/* Collective. Runs one step (command cmd with options o, writing out) unless its output is
 * complete. */
static int run_step(run_t *r, const char *model, const ta_cmd_t *cmd, const void *o,
                    const char *out)
{
    if (ta_mpi_stop_requested()) {
        run_log(r, "%s %s: stop requested before the step; rerun to resume", model, cmd->name);
        return TA_ERR(TA_EINTERRUPTED, "run: stopped before step %s of %s", cmd->name, model);
    }
    char *want = NULL;
    TA_CALL(ta_opt_format(cmd, o, &want));
    int complete = 0;
    int rc = ta_mpi_agree(ta_h5_check_complete(out, &complete));
    if (rc) {
        free(want);
        return rc;
    }
    if (complete) {
        rc = ta_mpi_agree(r->rank == 0 ? check_made_by(out, want) : 0);
        if (!rc) {
            run_log(r, "%s %s: skip (complete: %s)", model, cmd->name, out);
            r->nskipped++;
        }
        free(want);
        return rc;
    }
    run_log(r, "%s %s: start: %s", model, cmd->name, want);
    /* The step's file records its own command line, so that a later run can tell whether a
     * complete file is this step's result (check_made_by). */
    ta_prov_reset_inputs();
    ta_prov_set_command_line(want);
    ta_prov_set_str("run", r->cfg->run);
    ta_prov_set_str("model", model);
    free(want);
    double t0 = ta_now();
    rc = ta_mpi_agree(cmd->run(o));
    return step_outcome(r, model, cmd, out, rc, t0);
}

/* The enum value of a config string among an option's values (-1, refused by the step's check,
 * when it is none of them; the config loader has checked it already). */
static int value_of(const char *const *values, const char *s)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return -1;
}

static int scheme_of(const ta_config_t *c)
{
    return value_of(ta_cmd_schemes, c->scheme);
}

/* The step files of one model: results/<run>/steps/<model>.<step>.h5. */
enum {
    STEP_MODEL,
    STEP_NEIGHBORS,
    STEP_DIVERSITY,
    STEP_MAP,
    STEP_PROBE,
    STEP_TRANSLATE,
    NSTEPS_ROOT, /* the steps above are copied whole into the assembled file */
    STEP_NB_VOCAB = NSTEPS_ROOT,
    STEP_DIV_VOCAB,
    NSTEPS
};
static const char *const step_names[NSTEPS] = {
    "model", "neighbors", "diversity",       "map",
    "probe", "translate", "neighbors_vocab", "diversity_vocab"};
/* Collective. ingest: embeddings, vocabulary and both category schemes in one file. */
static int step_ingest(run_t *r, const ta_config_model_t *m, char *const *f)
{
    ta_ingest_opts_t o;
    ta_opt_defaults(&ta_cmd_ingest, &o);
    o.model = m->path;
    o.tensor = m->tensor[0] ? m->tensor : NULL;
    o.vocab = m->vocab[0] ? m->vocab : NULL;
    o.out = f[STEP_MODEL];
    return run_step(r, m->name, &ta_cmd_ingest, &o, o.out);
}

/* Collective. subset: shared: every model ingested, then the overlap of their vocabularies
 * (steps/overlap.h5, the subset map, and steps/overlap.tsv), before the models' analyses. */
static int step_overlap(run_t *r)
{
    const ta_config_t *c = r->cfg;
    char **model_h5 = ta_calloc((size_t)c->nmodels, sizeof *model_h5);
    char *names = NULL, *prefix = NULL, *out = NULL;
    TA_CHECK_ALLOC(model_h5, (size_t)c->nmodels * sizeof *model_h5);
    int rc = 0;
    for (int i = 0; i < c->nmodels && !rc; i++) {
        char *f[NSTEPS] = {NULL};
        rc = step_path(r, c->models[i].name, step_names[STEP_MODEL], &f[STEP_MODEL]);
        model_h5[i] = f[STEP_MODEL];
        if (!rc)
            rc = step_ingest(r, &c->models[i], f);
        char *more = NULL;
        if (!rc)
            rc = ta_cmd_sprintf(&more, "%s%s%s", i ? names : "", i ? "," : "", c->models[i].name);
        free(names);
        names = more;
    }
    if (!rc)
        rc = ta_cmd_sprintf(&prefix, "%s/overlap", r->steps);
    if (!rc)
        rc = ta_cmd_sprintf(&out, "%s.h5", prefix);
    if (!rc) {
        ta_overlap_opts_t o;
        ta_opt_defaults(&ta_cmd_overlap, &o);
        o.vocab = (ta_optlist_t){.n = c->nmodels, .v = (const char **)model_h5};
        o.names = names;
        o.out = prefix;
        rc = run_step(r, "all", &ta_cmd_overlap, &o, out);
    }
    for (int i = 0; i < c->nmodels; i++)
        free(model_h5[i]);
    free(model_h5);
    free(names);
    free(prefix);
    free(out);
    return rc;
}

/* Local. The --subset of model m's steps (*spec NULL for all tokens): subset: shared gives
 * steps/overlap.h5:<m>; a subset map of `overlap` named without a model gives its ids of m; a
 * file of ids (or FILE.h5:NAME) serves every model as it is. */
static int model_subset(const run_t *r, const ta_config_model_t *m, char **spec)
{
    const char *s = r->cfg->subset;
    *spec = NULL;
    if (strcmp(s, "all") == 0)
        return 0;
    if (strcmp(s, "shared") == 0)
        return ta_cmd_sprintf(spec, "%s/overlap.h5:%s", r->steps, m->name);
    if (ta_h5_is_hdf5(s))
        return ta_cmd_sprintf(spec, "%s:%s", s, m->name);
    return ta_cmd_sprintf(spec, "%s", s);
}

/* Local. The options of a neighbors step as the config gives them (every token's neighbours,
 * into the step's file); the vocabulary sample of Figure 5 changes a few. */
static void neighbors_opts(const ta_config_t *c, char *const *f, ta_neighbors_opts_t *o)
{
    ta_opt_defaults(&ta_cmd_neighbors, o);
    o->embeddings = f[STEP_MODEL];
    o->k = c->k;
    o->queries = c->queries;
    o->exclude_self = c->exclude_self;
    o->block_rows = c->block_rows;
    o->gemm = value_of(ta_cmd_gemms, c->gemm);
    o->out = f[STEP_NEIGHBORS];
}

/* Local. The options of a diversity step over the neighbors step's file, as the config gives
 * them. */
static void diversity_opts(const ta_config_t *c, const ta_config_model_t *m, char *const *f,
                           ta_diversity_opts_t *o)
{
    ta_opt_defaults(&ta_cmd_diversity, o);
    o->neighbors = f[STEP_NEIGHBORS];
    o->categories = f[STEP_MODEL];
    o->top = c->top;
    o->scheme = scheme_of(c);
    o->protocol = value_of(ta_cmd_protocols, c->protocol);
    o->frequencies = m->frequencies[0] ? m->frequencies : NULL;
    o->out = f[STEP_DIVERSITY];
}

/* Collective. neighbors: exact top-k cosine neighbours; checkpoints itself when interrupted. */
static int step_neighbors(run_t *r, const ta_config_model_t *m, char *const *f, const char *subset)
{
    ta_neighbors_opts_t o;
    neighbors_opts(r->cfg, f, &o);
    o.subset = subset;
    return run_step(r, m->name, &ta_cmd_neighbors, &o, o.out);
}

/* Collective. diversity: categories spanned by each neighbourhood, histogram, matrix, entropy. */
static int step_diversity(run_t *r, const ta_config_model_t *m, char *const *f)
{
    ta_diversity_opts_t o;
    diversity_opts(r->cfg, m, f, &o);
    return run_step(r, m->name, &ta_cmd_diversity, &o, o.out);
}

/* Local. Whether the map step runs: map.enabled, and the queries are not a sample. */
static int map_runs(const ta_config_t *c)
{
    return c->map_enabled && strncmp(c->queries, "sample:", 7) != 0;
}

/* Collective. protocol: paper with a subset: the paper's Figure 5 counts the categories among the
 * token and its `top` nearest others in the WHOLE vocabulary, for a 1% sample of the tokens
 * (Figure5-Histogram of NumNeighborCats.ipynb), while every other table uses the subset's
 * neighbours. So such a run also makes those neighbours (queries sample:0.01:<probe.seed>, k = top
 * + 1 including the token itself, no subset) and their diversity, assembled as /diversity_vocab. */
static int steps_vocab_sample(run_t *r, const ta_config_model_t *m, char *const *f)
{
    const ta_config_t *c = r->cfg;
    char *queries = NULL;
    TA_CALL(ta_cmd_sprintf(&queries, "sample:0.01:%lld", (long long)c->seed));
    ta_neighbors_opts_t n;
    neighbors_opts(c, f, &n);
    n.k = c->top + 1;
    n.queries = queries;
    n.exclude_self = 0;
    n.out = f[STEP_NB_VOCAB];
    int rc = run_step(r, m->name, &ta_cmd_neighbors, &n, n.out);
    free(queries);
    TA_CALL(rc);
    ta_diversity_opts_t d;
    diversity_opts(c, m, f, &d);
    d.neighbors = f[STEP_NB_VOCAB];
    d.frequencies = NULL;
    d.out = f[STEP_DIV_VOCAB];
    return run_step(r, m->name, &ta_cmd_diversity, &d, d.out);
}

/* Collective. map: the 2-D UMAP layout of the neighbour graph (the paper's Figure 1). */
static int step_map(run_t *r, const ta_config_model_t *m, char *const *f)
{
    const ta_config_t *c = r->cfg;
    ta_map_opts_t o;
    ta_opt_defaults(&ta_cmd_map, &o);
    o.neighbors = f[STEP_NEIGHBORS];
    o.n_neighbors = c->map_neighbors;
    o.min_dist = c->map_min_dist;
    o.seed = c->map_seed;
    o.out = f[STEP_MAP];
    return run_step(r, m->name, &ta_cmd_map, &o, o.out);
}

/* Collective. probe: one-vs-rest linear probes per category. */
static int step_probe(run_t *r, const ta_config_model_t *m, char *const *f, const char *subset)
{
    const ta_config_t *c = r->cfg;
    ta_probe_opts_t o;
    ta_opt_defaults(&ta_cmd_probe, &o);
    o.embeddings = o.categories = f[STEP_MODEL];
    o.folds = c->folds;
    o.min_tokens = c->min_tokens;
    o.seed = c->seed;
    o.subset = subset;
    o.protocol = value_of(ta_cmd_protocols, c->protocol);
    o.scheme = scheme_of(c);
    o.out = f[STEP_PROBE];
    return run_step(r, m->name, &ta_cmd_probe, &o, o.out);
}

/* Collective. translate: share of neighbours that are dictionary translations. */
static int step_translate(run_t *r, const ta_config_model_t *m, char *const *f)
{
    ta_translate_opts_t o;
    ta_opt_defaults(&ta_cmd_translate, &o);
    o.neighbors = f[STEP_NEIGHBORS];
    o.vocab = o.categories = f[STEP_MODEL];
    o.dict = r->cfg->dictionaries;
    o.top = r->cfg->top;
    o.scheme = scheme_of(r->cfg);
    o.protocol = value_of(ta_cmd_protocols, r->cfg->protocol);
    o.out = f[STEP_TRANSLATE];
    return run_step(r, m->name, &ta_cmd_translate, &o, o.out);
}

/* Collective. The analysis steps of one model. */
static int run_model(run_t *r, const ta_config_model_t *m)
{
    const ta_config_t *c = r->cfg;
    char *f[NSTEPS] = {NULL}, *subset = NULL;
    int rc = 0;
    for (int i = 0; i < NSTEPS; i++)
        TA_CALL_GOTO(step_path(r, m->name, step_names[i], &f[i]), done);
    TA_CALL_GOTO(model_subset(r, m, &subset), done);
    TA_CALL_GOTO(step_ingest(r, m, f), done);
    /* With a subset the neighbours are those of its tokens among its tokens; diversity, map,
     * translate and compare read them as they are. */
    TA_CALL_GOTO(step_neighbors(r, m, f, subset), done);
    TA_CALL_GOTO(step_diversity(r, m, f), done);
    if (subset && strcmp(c->protocol, "paper") == 0)
        TA_CALL_GOTO(steps_vocab_sample(r, m, f), done);
    /* A map places each query by its neighbours among the queries: with a sample of queries
     * (neighbors.queries: sample:...) few of those are queries, so most points would have no
     * edge; the map is made from every token's neighbours or a query file's. */
    if (map_runs(c))
        TA_CALL_GOTO(step_map(r, m, f), done);
    else if (c->map_enabled)
        run_log(r, "%s map: skipped (neighbors.queries is a sample)", m->name);
    if (c->probe_enabled)
        TA_CALL_GOTO(step_probe(r, m, f, subset), done);
    if (c->dictionaries[0])
        TA_CALL_GOTO(step_translate(r, m, f), done);
done:
    for (int i = 0; i < NSTEPS; i++)
        free(f[i]);
    free(subset);
    return rc;
}

/* Collective. compare of pair p: the neighbours of both models, by category of model a. */
static int step_compare(run_t *r, int p)
{
    const ta_config_t *c = r->cfg;
    const char *a = c->pairs[p][0], *b = c->pairs[p][1];
    char *stem = NULL, *out = NULL, *na = NULL, *nb = NULL, *ma = NULL;
    int rc = 0;
    TA_CALL_GOTO(ta_cmd_sprintf(&stem, "%s__%s", a, b), done);
    TA_CALL_GOTO(step_path(r, stem, "compare", &out), done);
    TA_CALL_GOTO(step_path(r, a, "neighbors", &na), done);
    TA_CALL_GOTO(step_path(r, b, "neighbors", &nb), done);
    TA_CALL_GOTO(step_path(r, a, "model", &ma), done);
    ta_compare_opts_t o;
    ta_opt_defaults(&ta_cmd_compare, &o);
    o.a = na;
    o.b = nb;
    o.top = c->top;
    o.categories = ma;
    o.scheme = scheme_of(c);
    o.protocol = value_of(ta_cmd_protocols, c->protocol);
    o.out = out;
    rc = run_step(r, stem, &ta_cmd_compare, &o, out);
done:
    free(stem);
    free(out);
    free(na);
    free(nb);
    free(ma);
    return rc;
}

/* Local (rank 0, serial handle). Copies the comparisons of model m into dst under
 * /compare/<other model>. */
static int assemble_pairs(run_t *r, const ta_config_model_t *m, hid_t dst)
{
    const ta_config_t *c = r->cfg;
    int rc = 0;
    for (int p = 0; p < c->npairs && !rc; p++) {
        const char *a = c->pairs[p][0], *b = c->pairs[p][1];
        if (strcmp(a, m->name) != 0 && strcmp(b, m->name) != 0)
            continue;
        char *stem = NULL, *path = NULL, *grp = NULL;
        rc = ta_cmd_sprintf(&stem, "%s__%s", a, b);
        if (!rc)
            rc = step_path(r, stem, "compare", &path);
        if (!rc)
            rc = ta_cmd_sprintf(&grp, "/compare/%s", strcmp(a, m->name) == 0 ? b : a);
        if (!rc)
            rc = ta_prov_add_input(path);
        if (!rc)
            rc = ta_assemble_copy_object(dst, path, "/compare", grp);
        free(stem);
        free(path);
        free(grp);
    }
    return rc;
}

/* Local (rank 0, serial handle). subset: shared: the overlap of the models' vocabularies (/overlap,
 * with the subset map) in each model's file, and overlap.tsv beside them. */
static int assemble_overlap(run_t *r, hid_t dst)
{
    char *path = NULL, *tsv = NULL, *copy = NULL;
    TA_CALL(ta_cmd_sprintf(&path, "%s/overlap.h5", r->steps));
    int rc = ta_prov_add_input(path);
    if (!rc)
        rc = ta_assemble_copy_object(dst, path, "/overlap", "/overlap");
    if (!rc)
        rc = ta_cmd_sprintf(&tsv, "%s/overlap.tsv", r->steps);
    if (!rc)
        rc = ta_cmd_sprintf(&copy, "%s/overlap.tsv", r->dir);
    if (!rc)
        rc = ta_assemble_copy_file(tsv, copy);
    free(path);
    free(tsv);
    free(copy);
    return rc;
}

/* Local (rank 0, serial handle). Copies the step files of one model into the assembled file. */
static int assemble_groups(run_t *r, const ta_config_model_t *m, hid_t dst)
{
    int rc = 0;
    for (int i = 0; i < NSTEPS && !rc; i++) {
        char *path = NULL;
        rc = step_path(r, m->name, step_names[i], &path);
        /* A missing file is a step the config turned off; of the whole-vocabulary sample (Figure
         * 5) only its diversity is kept, as /diversity_vocab. */
        if (!rc && i != STEP_NB_VOCAB && ta_file_is_regular(path)) {
            rc = ta_prov_add_input(path);
            if (!rc && i < NSTEPS_ROOT)
                rc = ta_assemble_copy_root(dst, path, "/");
            else if (!rc)
                rc = ta_assemble_copy_object(dst, path, "/diversity", "/diversity_vocab");
        }
        free(path);
    }
    if (!rc && strcmp(r->cfg->subset, "shared") == 0)
        rc = assemble_overlap(r, dst);
    return rc ? rc : assemble_pairs(r, m, dst);
}

/* Local (rank 0). The TSV tables of model m's steps and of the pairs it heads, beside the
 * assembled file. */
static int assemble_tsvs(run_t *r, const ta_config_model_t *m, int *ntsv)
{
    char *prefix = NULL;
    TA_CALL(ta_cmd_sprintf(&prefix, "%s.", m->name));
    int rc = ta_assemble_copy_tsvs(r->steps, prefix, r->dir, prefix, ntsv);
    free(prefix);
    for (int p = 0; p < r->cfg->npairs && !rc; p++) {
        const char *a = r->cfg->pairs[p][0], *b = r->cfg->pairs[p][1];
        if (strcmp(a, m->name) != 0)
            continue;
        int n = 0;
        rc = ta_cmd_sprintf(&prefix, "%s__%s.", a, b);
        if (!rc)
            rc = ta_assemble_copy_tsvs(r->steps, prefix, r->dir, prefix, &n);
        free(prefix);
        *ntsv += n;
    }
    return rc;
}

/* Collective. results/<run>/<model>.h5 and the TSV tables beside it. */
static int run_assemble(run_t *r, int index)
{
    const ta_config_model_t *m = &r->cfg->models[index];
    char *out = NULL;
    TA_CALL(ta_cmd_sprintf(&out, "%s/%s.h5", r->dir, m->name));
    int complete = 0;
    int rc = ta_mpi_agree(ta_h5_check_complete(out, &complete));
    if (rc || complete) {
        if (!rc)
            run_log(r, "%s assemble: skip (complete: %s)", m->name, out);
        free(out);
        return rc;
    }
    ta_prov_reset_inputs();
    ta_prov_set_command_line(r->command); /* the run's own command line, not the last step's */
    ta_prov_set_str("run", r->cfg->run);
    ta_prov_set_str("model", m->name);
    ta_prov_set_num("model_index", index); /* the report lists the models in config order */
    ta_h5out_t h;
    rc = ta_h5out_create(&h, out, ta_mpi_comm());
    if (!rc)
        rc = ta_h5out_to_serial(&h);
    int ntsv = 0;
    if (!rc) {
        int mine = r->rank == 0 ? assemble_groups(r, m, h.file) : 0;
        if (!mine && r->rank == 0)
            mine = assemble_tsvs(r, m, &ntsv);
        rc = ta_h5out_commit(&h, mine);
    }
    if (!rc)
        run_log(r, "%s assemble: %s (+ %d TSV tables)", m->name, out, ntsv);
    free(out);
    return rc;
}

/* Collective. The report reads the assembled files; it is cheap and always rewritten. */
static int run_report(run_t *r)
{
    ta_report_opts_t o = {.dir = r->dir};
    int rc = ta_mpi_agree(r->rank == 0 ? ta_cmd_report_run(&o) : 0);
    if (rc) {
        char *msg = NULL;
        if (ta_cmd_sprintf(&msg, "run: report: %s", ta_err_message()) == 0)
            ta_err_adopt(rc, msg);
        free(msg);
        run_log(r, "report: failed (exit %d): %s", rc, ta_err_message());
        return rc;
    }
    run_log(r, "report: %s/report.md and %s/index.html", r->dir, r->dir);
    return 0;
}

static int run_all(run_t *r)
{
    const ta_config_t *c = r->cfg;
    if (strcmp(c->subset, "shared") == 0)
        TA_CALL(step_overlap(r));
    for (int i = 0; i < c->nmodels; i++)
        TA_CALL(run_model(r, &c->models[i]));
    for (int p = 0; p < c->npairs; p++)
        TA_CALL(step_compare(r, p));
    for (int i = 0; i < c->nmodels; i++) {
        if (ta_mpi_stop_requested()) {
            run_log(r, "stop requested before assembling; rerun to resume");
            return TA_ERR(TA_EINTERRUPTED, "run: stopped before assembling %s", c->models[i].name);
        }
        TA_CALL(run_assemble(r, i));
    }
    return run_report(r);
}

/* Local. The --set values have the form KEY=VALUE. */
static int check_overrides(const ta_run_opts_t *o)
{
    for (int i = 0; i < o->set.n; i++)
        TA_CHECK(strchr(o->set.v[i], '=') != NULL, TA_EINPUT,
                 "run: --set %s: expected KEY=VALUE (e.g. neighbors.k=50)", o->set.v[i]);
    return 0;
}

/* Local. 1 when path (existing) lies in the directory dir (existing), through any links. */
static int inside_dir(const char *path, const char *dir)
{
    char *p = realpath(path, NULL), *d = realpath(dir, NULL);
    size_t n = d ? strlen(d) : 0;
    int in = p && d && strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0');
    free(p);
    free(d);
    return in;
}

/* Local. 1 when path is (or lies in) one of the run's outputs: RUN_DIR/steps/ and
 * RUN_DIR/figures/, RUN_DIR/<model>.h5 of every model, run.log, run.yaml, report.md, index.html. */
static int is_run_output(const char *path, const ta_config_t *cfg, const char *dir)
{
    static const char *const sub[] = {"steps", "figures"};
    static const char *const files[] = {"run.log", "run.yaml", "report.md", "index.html"};
    char buf[4096 + 160];
    for (size_t i = 0; i < sizeof sub / sizeof *sub; i++) {
        snprintf(buf, sizeof buf, "%s/%s", dir, sub[i]);
        if (inside_dir(path, buf))
            return 1;
    }
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(buf, sizeof buf, "%s/%s", dir, files[i]);
        if (ta_file_same(path, buf))
            return 1;
    }
    for (int i = 0; i < cfg->nmodels; i++) {
        snprintf(buf, sizeof buf, "%s/%s.h5", dir, cfg->models[i].name);
        if (ta_file_same(path, buf))
            return 1;
    }
    return 0;
}

/* Local. No model input may be an output of the run: the run would replace it, or take it for
 * a result. */
static int check_inputs_not_outputs(const char *config, const ta_config_t *cfg, const char *dir)
{
    for (int i = 0; i < cfg->nmodels; i++) {
        const ta_config_model_t *m = &cfg->models[i];
        const char *key[3] = {"path", "vocab", "frequencies"};
        const char *val[3] = {m->path, m->vocab, m->frequencies};
        for (int j = 0; j < 3; j++)
            TA_CHECK(!val[j][0] || !is_run_output(val[j], cfg, dir), TA_EINPUT,
                     "%s: models.%d.%s %s is the same file as an output of the run in %s (it "
                     "would be replaced); use the input from another place",
                     config, i, key[j], val[j], dir);
    }
    return 0;
}

/* Local. The run directory's paths; rank 0 makes the directory and writes its run.yaml. */
static int run_setup(run_t *r, const ta_run_opts_t *o, const ta_config_t *cfg)
{
    r->cfg = cfg;
    r->rank = ta_mpi_rank();
    TA_CALL(ta_opt_format(&ta_cmd_run, o, &r->command));
    TA_CALL(ta_cmd_sprintf(&r->dir, "%s/%s", cfg->results_dir[0] ? cfg->results_dir : "results",
                           cfg->run));
    TA_CALL(ta_cmd_sprintf(&r->steps, "%s/steps", r->dir));
    TA_CALL(ta_cmd_sprintf(&r->log, "%s/run.log", r->dir));
    /* The neighbourhoods of diversity, translate and compare are the top N neighbours other
     * than the token itself, so the neighbours step must find that many. */
    TA_CHECK(cfg->k >= cfg->top + (cfg->exclude_self ? 0 : 1), TA_EINPUT,
             "%s: neighbors.k = %lld is too small for diversity.top = %lld: k must be at least "
             "top + 1 (the token itself is its own first neighbour) unless "
             "neighbors.exclude_self is true",
             o->config, (long long)cfg->k, (long long)cfg->top);
    /* The map places each token by itself and its map.n_neighbors - 1 nearest other tokens: the
     * neighbours step must find them all, decided here rather than after hours of work. */
    const int self = cfg->exclude_self ? 0 : 1;
    TA_CHECK(!map_runs(cfg) || cfg->k >= cfg->map_neighbors - 1 + self, TA_EINPUT,
             "%s: neighbors.k = %lld is too small for map.n_neighbors = %lld: k must be at least "
             "%lld (n_neighbors - 1 other tokens%s); raise neighbors.k, lower map.n_neighbors or "
             "set map.enabled: false",
             o->config, (long long)cfg->k, (long long)cfg->map_neighbors,
             (long long)(cfg->map_neighbors - 1 + self), self ? ", plus the token itself" : "");
    TA_CALL(check_inputs_not_outputs(o->config, cfg, r->dir));
    ta_prov_set_config(cfg->text);
    int rc = 0;
    if (r->rank == 0) {
        char *yaml = NULL;
        rc = ta_file_mkdirs(r->steps);
        if (!rc) /* the log is appended to: something else at its name is refused up front */
            rc = ta_file_check_output(r->log);
        if (!rc)
            rc = ta_cmd_sprintf(&yaml, "%s/run.yaml", r->dir);
        if (!rc)
            rc = ta_config_write(cfg, yaml);
        free(yaml);
    }
    return rc;
}

int ta_cmd_run_run(const ta_run_opts_t *o)
{
    int rc = ta_opt_check(&ta_cmd_run, o);
    if (!rc)
        rc = check_overrides(o);
    TA_CALL(ta_mpi_agree(rc));
    ta_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    run_t r;
    memset(&r, 0, sizeof r);
    rc = ta_mpi_agree(ta_config_load(o->config, o->set.v, o->set.n, &cfg));
    if (!rc)
        rc = ta_mpi_agree(run_setup(&r, o, &cfg));
    if (rc)
        goto out;
    run_log(&r, "run %s: %d model(s), %d pair(s), %d rank(s), config %s", cfg.run, cfg.nmodels,
            cfg.npairs, ta_mpi_size(), o->config);
    double t0 = ta_now();
    rc = run_all(&r);
    if (!rc)
        run_log(&r,
                "run %s: complete in %.1f s (%d step(s) run, %d skipped); report: %s/index.html",
                cfg.run, ta_now() - t0, r.nrun, r.nskipped, r.dir);
    else if (rc == TA_EINTERRUPTED)
        run_log(&r, "run %s: interrupted (exit 4); rerun the same command to resume", cfg.run);
out:
    free(r.dir);
    free(r.steps);
    free(r.log);
    free(r.command);
    ta_config_free(&cfg);
    return rc;
}

TA_CMD_DEFINE(
    run, ta_run_opts_t,
    .summary = "the whole pipeline for the models in a config, resumable, into results/<run>/",
    .notes = "Steps (each writes results/<run>/steps/<model>.<step>.h5, skipped when complete): "
             "with subset: shared first every model's ingest and the overlap of their "
             "vocabularies (steps/overlap.h5, .tsv); then per model "
             "ingest, neighbors, diversity, map (unless map.enabled is false or neighbors.queries "
             "is a sample), probe, translate (with translate.dictionaries), compare "
             "(compare.pairs); then results/<run>/<model>.h5 + TSV tables, and the report "
             "(results/<run>/report.md, index.html). Rerun the same command to resume after an "
             "interruption (exit 4). Log: results/<run>/run.log.",
    .flags = TA_CMD_MPI);
