/* `tokenatlas run CONFIG.yaml [--set key=value]...`: the whole pipeline, resumable.
 *
 * For each model: ingest -> neighbors -> diversity -> probe -> translate (when dictionaries are
 * configured); then compare for the configured pairs; then each model's results are assembled
 * into results/<run>/<model>.h5 with TSV tables beside it, and the report is written.
 *
 * Every step is the subcommand itself, called in-process through its command table entry with an
 * argv built here, so the run works under mpirun / srun with any number of ranks (the steps are
 * Collective and agree on errors). Each step writes one file under results/<run>/steps/; a step
 * whose output already has complete = 1 is skipped, so rerunning the same command resumes. A
 * step that was interrupted (exit 4) stops the run with exit 4; the next run calls it again with
 * the same arguments and it resumes from its own checkpoint. Stop requests (SIGUSR1, SIGTERM,
 * TA_STOP_AFTER) are also honoured between steps. */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_assemble.h"
#include "io/ta_config.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_args.h"
#include "cmd/ta_cmd.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_MAX_ARGS 32
#define RUN_MAX_OVERRIDES 256

typedef struct {
    const ta_config_t *cfg;
    char dir[4096];   /* results/<run> */
    char steps[4200]; /* results/<run>/steps */
    char log[4200];   /* results/<run>/run.log */
    int rank;
    int nskipped, nrun;
    int argc;    /* the run's command line, "tokenatlas run ..." */
    char **argv; /* (provenance of the assembled files) */
} run_t;

/* An argv under construction; the strings are copies owned by the list. */
typedef struct {
    int argc;
    char *argv[RUN_MAX_ARGS + 1];
} argl_t;

static int argl_add(argl_t *a, const char *s)
{
    TA_CHECK(a->argc < RUN_MAX_ARGS, TA_EINTERNAL, "run: too many step arguments");
    a->argv[a->argc] = strdup(s);
    TA_CHECK_ALLOC(a->argv[a->argc], strlen(s) + 1);
    a->argv[++a->argc] = NULL;
    return 0;
}

static int argl_addf(argl_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int argl_addf(argl_t *a, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    TA_CHECK(n >= 0 && n < (int)sizeof buf, TA_EINPUT, "run: argument too long: %.60s...", buf);
    return argl_add(a, buf);
}

static void argl_free(argl_t *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    a->argc = 0;
    a->argv[0] = NULL;
}

/* The command line a step file records (and that a skipped step must match). */
static void argl_join(const argl_t *a, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "tokenatlas");
    for (int i = 0; i < a->argc && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, " %s", a->argv[i]);
}

static void run_log(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_log(run_t *r, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ta_log_info("%s", buf);
    /* The run log is a convenience: a full disk shows up in the step outputs anyway. */
    if (r->rank == 0 && ta_assemble_log(r->log, "%s", buf))
        ta_err_clear();
}

/* Whether a complete step output was made by this very step command. A file made with other
 * arguments (the config changed between runs) must not be taken as this step's result. */
static int check_made_by(const char *out, const char *want)
{
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(out, &f));
    char *have = NULL;
    int rc = ta_h5_read_attr_str(f, "command_line", &have);
    H5Fclose(f);
    if (rc)
        return rc;
    int same = strcmp(have, want) == 0;
    if (!same)
        rc = TA_ERR(TA_EINPUT,
                    "%s: complete, but made by `%s`, while this run's step is `%s` (the config "
                    "changed?): choose another run name, or delete the file to redo the step",
                    out, have, want);
    free(have);
    return rc;
}

/* Collective. Runs one step unless its output is complete. */
static int run_step(run_t *r, const char *model, const ta_command_t *cmd, const char *out,
                    argl_t *a)
{
    char want[16384];
    argl_join(a, want, sizeof want);
    if (ta_mpi_stop_requested()) {
        run_log(r, "%s %s: stop requested before the step; rerun to resume", model, cmd->name);
        return TA_ERR(TA_EINTERRUPTED, "run: stopped before step %s of %s", cmd->name, model);
    }
    if (ta_h5_is_complete(out)) {
        int rc = r->rank == 0 ? check_made_by(out, want) : 0;
        TA_CALL(ta_mpi_agree(rc));
        run_log(r, "%s %s: skip (complete: %s)", model, cmd->name, out);
        r->nskipped++;
        return 0;
    }
    run_log(r, "%s %s: start: %s", model, cmd->name, want);
    /* The step's file records its own command line, so that a later run can tell whether a
     * complete file is this step's result (check_made_by). */
    char *pv[RUN_MAX_ARGS + 2];
    pv[0] = "tokenatlas";
    for (int i = 0; i <= a->argc; i++)
        pv[i + 1] = a->argv[i];
    ta_prov_reset_inputs();
    ta_prov_set_command(a->argc + 1, pv);
    ta_prov_set_str("run", r->cfg->run);
    ta_prov_set_str("model", model);
    optind = 0; /* each step parses its own options with getopt_long */
    double t0 = ta_now();
    int rc = ta_mpi_agree(cmd->main(a->argc, a->argv));
    if (rc == TA_EINTERRUPTED) {
        run_log(r, "%s %s: interrupted after %.1f s (exit 4); rerun to resume", model, cmd->name,
                ta_now() - t0);
        return rc;
    }
    if (rc) {
        char msg[4096];
        snprintf(msg, sizeof msg, "run: model %s, step %s: %s", model, cmd->name, ta_err_message());
        ta_err_adopt(rc, msg);
        run_log(r, "%s %s: failed (exit %d): %s", model, cmd->name, rc, msg);
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

/* Local. results/<run>/steps/<model>.<what>.h5 (paths were checked to fit in run_main). */
static void step_path(const run_t *r, char *out, size_t cap, const char *model, const char *what)
{
    if (snprintf(out, cap, "%s/%s.%s.h5", r->steps, model, what) >= (int)cap)
        out[0] = '\0';
}

/* Collective. The analysis steps of one model. */
static int run_model(run_t *r, const ta_config_model_t *m)
{
    const ta_config_t *c = r->cfg;
    char model_h5[4400], nb_h5[4400], out[4400];
    argl_t a = {0};
    int rc = 0;
    step_path(r, model_h5, sizeof model_h5, m->name, "model");
    step_path(r, nb_h5, sizeof nb_h5, m->name, "neighbors");

    /* ingest: embeddings, vocabulary and both category schemes in one file */
    TA_CALL_GOTO(argl_add(&a, "ingest"), done);
    TA_CALL_GOTO(argl_add(&a, "--model"), done);
    TA_CALL_GOTO(argl_add(&a, m->path), done);
    if (m->tensor[0]) {
        TA_CALL_GOTO(argl_add(&a, "--tensor"), done);
        TA_CALL_GOTO(argl_add(&a, m->tensor), done);
    }
    if (m->vocab[0]) {
        TA_CALL_GOTO(argl_add(&a, "--vocab"), done);
        TA_CALL_GOTO(argl_add(&a, m->vocab), done);
    }
    TA_CALL_GOTO(argl_add(&a, "--out"), done);
    TA_CALL_GOTO(argl_add(&a, model_h5), done);
    TA_CALL_GOTO(run_step(r, m->name, &ta_command_ingest, model_h5, &a), done);
    argl_free(&a);

    /* neighbors: exact top-k cosine neighbours; checkpoints itself when interrupted */
    TA_CALL_GOTO(argl_add(&a, "neighbors"), done);
    TA_CALL_GOTO(argl_add(&a, "--embeddings"), done);
    TA_CALL_GOTO(argl_add(&a, model_h5), done);
    TA_CALL_GOTO(argl_add(&a, "-k"), done);
    TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->k), done);
    TA_CALL_GOTO(argl_add(&a, "--queries"), done);
    TA_CALL_GOTO(argl_add(&a, c->queries), done);
    if (c->exclude_self)
        TA_CALL_GOTO(argl_add(&a, "--exclude-self"), done);
    if (c->block_rows > 0) {
        TA_CALL_GOTO(argl_add(&a, "--block-rows"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->block_rows), done);
    }
    TA_CALL_GOTO(argl_add(&a, "--out"), done);
    TA_CALL_GOTO(argl_add(&a, nb_h5), done);
    TA_CALL_GOTO(run_step(r, m->name, &ta_command_neighbors, nb_h5, &a), done);
    argl_free(&a);

    /* diversity: categories spanned by each neighbourhood, histogram, matrix, entropy */
    step_path(r, out, sizeof out, m->name, "diversity");
    TA_CALL_GOTO(argl_add(&a, "diversity"), done);
    TA_CALL_GOTO(argl_add(&a, "--neighbors"), done);
    TA_CALL_GOTO(argl_add(&a, nb_h5), done);
    TA_CALL_GOTO(argl_add(&a, "--categories"), done);
    TA_CALL_GOTO(argl_add(&a, model_h5), done);
    TA_CALL_GOTO(argl_add(&a, "--top"), done);
    TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->top), done);
    TA_CALL_GOTO(argl_add(&a, "--scheme"), done);
    TA_CALL_GOTO(argl_add(&a, c->scheme), done);
    TA_CALL_GOTO(argl_add(&a, "--out"), done);
    TA_CALL_GOTO(argl_add(&a, out), done);
    TA_CALL_GOTO(run_step(r, m->name, &ta_command_diversity, out, &a), done);
    argl_free(&a);

    /* probe: one-vs-rest linear probes per category */
    if (c->probe_enabled) {
        step_path(r, out, sizeof out, m->name, "probe");
        TA_CALL_GOTO(argl_add(&a, "probe"), done);
        TA_CALL_GOTO(argl_add(&a, "--embeddings"), done);
        TA_CALL_GOTO(argl_add(&a, model_h5), done);
        TA_CALL_GOTO(argl_add(&a, "--categories"), done);
        TA_CALL_GOTO(argl_add(&a, model_h5), done);
        TA_CALL_GOTO(argl_add(&a, "--folds"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->folds), done);
        TA_CALL_GOTO(argl_add(&a, "--min-tokens"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->min_tokens), done);
        TA_CALL_GOTO(argl_add(&a, "--seed"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->seed), done);
        /* Only a paper run names its protocol, so that the probe steps of earlier runs (made
         * before the option existed) still match their command lines. */
        if (strcmp(c->protocol, "paper") == 0) {
            TA_CALL_GOTO(argl_add(&a, "--protocol"), done);
            TA_CALL_GOTO(argl_add(&a, "paper"), done);
        }
        TA_CALL_GOTO(argl_add(&a, "--scheme"), done);
        TA_CALL_GOTO(argl_add(&a, c->scheme), done);
        TA_CALL_GOTO(argl_add(&a, "--out"), done);
        TA_CALL_GOTO(argl_add(&a, out), done);
        TA_CALL_GOTO(run_step(r, m->name, &ta_command_probe, out, &a), done);
        argl_free(&a);
    }

    /* translate: share of neighbours that are dictionary translations */
    if (c->dictionaries[0]) {
        step_path(r, out, sizeof out, m->name, "translate");
        TA_CALL_GOTO(argl_add(&a, "translate"), done);
        TA_CALL_GOTO(argl_add(&a, "--neighbors"), done);
        TA_CALL_GOTO(argl_add(&a, nb_h5), done);
        TA_CALL_GOTO(argl_add(&a, "--vocab"), done);
        TA_CALL_GOTO(argl_add(&a, model_h5), done);
        TA_CALL_GOTO(argl_add(&a, "--dict"), done);
        TA_CALL_GOTO(argl_add(&a, c->dictionaries), done);
        TA_CALL_GOTO(argl_add(&a, "--top"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->top), done);
        TA_CALL_GOTO(argl_add(&a, "--categories"), done);
        TA_CALL_GOTO(argl_add(&a, model_h5), done);
        TA_CALL_GOTO(argl_add(&a, "--scheme"), done);
        TA_CALL_GOTO(argl_add(&a, c->scheme), done);
        TA_CALL_GOTO(argl_add(&a, "--out"), done);
        TA_CALL_GOTO(argl_add(&a, out), done);
        TA_CALL_GOTO(run_step(r, m->name, &ta_command_translate, out, &a), done);
    }
done:
    argl_free(&a);
    return rc;
}

static void pair_stem(char *out, size_t cap, const char *a, const char *b)
{
    if (snprintf(out, cap, "%s__%s", a, b) >= (int)cap)
        out[0] = '\0';
}

/* Collective. The configured model comparisons. */
static int run_pairs(run_t *r)
{
    const ta_config_t *c = r->cfg;
    int rc = 0;
    argl_t a = {0};
    for (int p = 0; p < c->npairs && !rc; p++) {
        char stem[300], out[4400], na[4400], nb[4400], ma[4400];
        pair_stem(stem, sizeof stem, c->pairs[p][0], c->pairs[p][1]);
        step_path(r, out, sizeof out, stem, "compare");
        step_path(r, na, sizeof na, c->pairs[p][0], "neighbors");
        step_path(r, nb, sizeof nb, c->pairs[p][1], "neighbors");
        step_path(r, ma, sizeof ma, c->pairs[p][0], "model");
        TA_CALL_GOTO(argl_add(&a, "compare"), done);
        TA_CALL_GOTO(argl_add(&a, "--a"), done);
        TA_CALL_GOTO(argl_add(&a, na), done);
        TA_CALL_GOTO(argl_add(&a, "--b"), done);
        TA_CALL_GOTO(argl_add(&a, nb), done);
        TA_CALL_GOTO(argl_add(&a, "--top"), done);
        TA_CALL_GOTO(argl_addf(&a, "%lld", (long long)c->top), done);
        TA_CALL_GOTO(argl_add(&a, "--categories"), done); /* per category of model a */
        TA_CALL_GOTO(argl_add(&a, ma), done);
        TA_CALL_GOTO(argl_add(&a, "--scheme"), done);
        TA_CALL_GOTO(argl_add(&a, c->scheme), done);
        TA_CALL_GOTO(argl_add(&a, "--out"), done);
        TA_CALL_GOTO(argl_add(&a, out), done);
        TA_CALL_GOTO(run_step(r, stem, &ta_command_compare, out, &a), done);
        argl_free(&a);
    }
done:
    argl_free(&a);
    return rc;
}

/* Local (rank 0, serial handle). Copies the step files of one model into the assembled file. */
static int assemble_groups(run_t *r, const ta_config_model_t *m, hid_t dst)
{
    static const char *const steps[] = {"model", "neighbors", "diversity", "probe", "translate"};
    const ta_config_t *c = r->cfg;
    char path[4400];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        step_path(r, path, sizeof path, m->name, steps[i]);
        if (!ta_file_is_regular(path))
            continue; /* a step the config turned off */
        TA_CALL(ta_prov_add_input(path));
        TA_CALL(ta_assemble_copy_root(dst, path, "/"));
    }
    /* Each comparison goes into both models' files, under /compare/<other model>. */
    for (int p = 0; p < c->npairs; p++) {
        const char *a = c->pairs[p][0], *b = c->pairs[p][1];
        if (strcmp(a, m->name) != 0 && strcmp(b, m->name) != 0)
            continue;
        char stem[300], grp[300];
        pair_stem(stem, sizeof stem, a, b);
        step_path(r, path, sizeof path, stem, "compare");
        snprintf(grp, sizeof grp, "/compare/%s", strcmp(a, m->name) == 0 ? b : a);
        TA_CALL(ta_prov_add_input(path));
        TA_CALL(ta_assemble_copy_object(dst, path, "/compare", grp));
    }
    return 0;
}

/* Collective. results/<run>/<model>.h5 and the TSV tables beside it. */
static int run_assemble(run_t *r, int index)
{
    const ta_config_model_t *m = &r->cfg->models[index];
    char out[4400];
    snprintf(out, sizeof out, "%s/%s.h5", r->dir, m->name);
    if (ta_h5_is_complete(out)) {
        run_log(r, "%s assemble: skip (complete: %s)", m->name, out);
        return 0;
    }
    ta_prov_reset_inputs();
    ta_prov_set_command(r->argc, r->argv); /* the run's own command line, not the last step's */
    ta_prov_set_str("run", r->cfg->run);
    ta_prov_set_str("model", m->name);
    ta_prov_set_num("model_index", index); /* the report lists the models in config order */
    ta_h5out_t o;
    TA_CALL(ta_h5out_create(&o, out, ta_mpi_comm()));
    int rc = ta_h5out_to_serial(&o);
    if (rc)
        return rc;
    int ntsv = 0;
    if (r->rank == 0) {
        rc = assemble_groups(r, m, o.file);
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s.", m->name);
        if (!rc)
            rc = ta_assemble_copy_tsvs(r->steps, prefix, r->dir, prefix, &ntsv);
        for (int p = 0; p < r->cfg->npairs && !rc; p++) {
            const char *a = r->cfg->pairs[p][0], *b = r->cfg->pairs[p][1];
            if (strcmp(a, m->name) != 0)
                continue;
            int n = 0;
            pair_stem(prefix, sizeof prefix, a, b);
            strcat(prefix, ".");
            rc = ta_assemble_copy_tsvs(r->steps, prefix, r->dir, prefix, &n);
            ntsv += n;
        }
    }
    TA_CALL(ta_h5out_commit(&o, rc));
    run_log(r, "%s assemble: %s (+ %d TSV tables)", m->name, out, ntsv);
    return 0;
}

/* Options may come before or after the config file, so a plain loop rather than getopt. */
static int parse_args(int argc, char **argv, const char **config, const char **overrides,
                      int *noverrides)
{
    const char *usage = ta_command_run.usage;
    *config = NULL;
    *noverrides = 0;
    for (int i = 1; i < argc; i++) {
        const char *kv = NULL;
        if (strcmp(argv[i], "--set") == 0) {
            TA_CHECK(i + 1 < argc, TA_EINPUT, "run: --set needs KEY=VALUE; usage: tokenatlas %s",
                     usage);
            kv = argv[++i];
        } else if (strncmp(argv[i], "--set=", 6) == 0) {
            kv = argv[i] + 6;
        } else if (argv[i][0] == '-') {
            return ta_args_bad_option("run", usage, argv[i]);
        } else {
            TA_CHECK(!*config, TA_EINPUT,
                     "run: more than one config file ('%s' and '%s'); usage: tokenatlas %s",
                     *config, argv[i], usage);
            *config = argv[i];
            continue;
        }
        TA_CHECK(strchr(kv, '=') != NULL, TA_EINPUT,
                 "run: --set %s: expected KEY=VALUE (e.g. neighbors.k=50)", kv);
        TA_CHECK(*noverrides < RUN_MAX_OVERRIDES, TA_EINPUT, "run: more than %d --set options",
                 RUN_MAX_OVERRIDES);
        overrides[(*noverrides)++] = kv;
    }
    if (!*config)
        return ta_args_missing("run", usage, "CONFIG.yaml");
    return 0;
}

static int run_all(run_t *r)
{
    const ta_config_t *c = r->cfg;
    for (int i = 0; i < c->nmodels; i++)
        TA_CALL(run_model(r, &c->models[i]));
    TA_CALL(run_pairs(r));
    for (int i = 0; i < c->nmodels; i++) {
        if (ta_mpi_stop_requested()) {
            run_log(r, "stop requested before assembling; rerun to resume");
            return TA_ERR(TA_EINTERRUPTED, "run: stopped before assembling %s", c->models[i].name);
        }
        TA_CALL(run_assemble(r, i));
    }
    /* The report reads the assembled files; it is cheap and always rewritten. */
    int rc = 0;
    if (r->rank == 0) {
        char *av[] = {"report", r->dir, NULL};
        optind = 0;
        rc = ta_command_report.main(2, av);
    }
    rc = ta_mpi_agree(rc);
    if (rc) {
        char msg[4096];
        snprintf(msg, sizeof msg, "run: report: %s", ta_err_message());
        ta_err_adopt(rc, msg);
        run_log(r, "report: failed (exit %d): %s", rc, msg);
        return rc;
    }
    run_log(r, "report: %s/report.md and %s/index.html", r->dir, r->dir);
    return 0;
}

static int cmd_main(int argc, char **argv)
{
    const char *config = NULL;
    const char *overrides[RUN_MAX_OVERRIDES];
    int noverrides = 0;
    TA_CALL(ta_mpi_agree(parse_args(argc, argv, &config, overrides, &noverrides)));

    ta_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = ta_mpi_agree(ta_config_load(config, overrides, noverrides, &cfg));
    if (rc) {
        ta_config_free(&cfg);
        return rc;
    }
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = &cfg;
    r.rank = ta_mpi_rank();
    char *full[RUN_MAX_OVERRIDES * 2 + 8];
    r.argc = 0;
    full[r.argc++] = "tokenatlas";
    for (int i = 0; i < argc && r.argc < (int)(sizeof full / sizeof full[0]) - 1; i++)
        full[r.argc++] = argv[i];
    full[r.argc] = NULL;
    r.argv = full;
    int n = snprintf(r.dir, sizeof r.dir, "%s/%s", cfg.results_dir[0] ? cfg.results_dir : "results",
                     cfg.run);
    TA_CHECK_GOTO(n > 0 && n < (int)sizeof r.dir - 64, TA_EINPUT, out,
                  "%s: results directory path too long", config);
    snprintf(r.steps, sizeof r.steps, "%s/steps", r.dir);
    snprintf(r.log, sizeof r.log, "%s/run.log", r.dir);

    /* The neighbourhoods of diversity, translate and compare are the top N neighbours other
     * than the token itself, so the neighbours step must find that many. */
    TA_CHECK_GOTO(cfg.k >= cfg.top + (cfg.exclude_self ? 0 : 1), TA_EINPUT, out,
                  "%s: neighbors.k = %lld is too small for diversity.top = %lld: k must be at "
                  "least top + 1 (the token itself is its own first neighbour) unless "
                  "neighbors.exclude_self is true",
                  config, (long long)cfg.k, (long long)cfg.top);
    ta_prov_set_config(cfg.text);
    if (r.rank == 0) {
        rc = ta_file_mkdirs(r.steps);
        if (!rc) {
            char yaml[4300];
            snprintf(yaml, sizeof yaml, "%s/run.yaml", r.dir);
            rc = ta_config_write(&cfg, yaml);
        }
    }
    TA_CALL_GOTO(ta_mpi_agree(rc), out);
    run_log(&r, "run %s: %d model(s), %d pair(s), %d rank(s), config %s", cfg.run, cfg.nmodels,
            cfg.npairs, ta_mpi_size(), config);
    double t0 = ta_now();
    rc = run_all(&r);
    if (!rc)
        run_log(&r,
                "run %s: complete in %.1f s (%d step(s) run, %d skipped); report: %s/index.html",
                cfg.run, ta_now() - t0, r.nrun, r.nskipped, r.dir);
    else if (rc == TA_EINTERRUPTED)
        run_log(&r, "run %s: interrupted (exit 4); rerun the same command to resume", cfg.run);
out:
    ta_config_free(&cfg);
    return rc;
}

const ta_command_t ta_command_run = {
    .name = "run",
    .summary = "the whole pipeline for the models in a config, resumable, into results/<run>/",
    .usage = "run CONFIG.yaml [--set key=value]...",
    .help =
        "  --set KEY=VALUE   override a config key (dotted: neighbors.k=50, models.0.path=DIR)\n"
        "\n"
        "Steps (each writes results/<run>/steps/<model>.<step>.h5, skipped when complete):\n"
        "ingest, neighbors, diversity, probe, translate (with translate.dictionaries),\n"
        "compare (compare.pairs); then results/<run>/<model>.h5 + TSV tables, and the\n"
        "report (results/<run>/report.md, index.html). Rerun the same command to resume\n"
        "after an interruption (exit 4). Log: results/<run>/run.log.\n",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
