/* `tokenatlas probe`: one-vs-rest logistic-regression probes per category with k-fold
 * cross-validation, the paper's category-identification task.
 *
 * Phases (every rank runs them alike):
 *   1. read the categories and the embeddings; L2-normalise the rows (zero rows stay zero);
 *      the normalised N x d f32 matrix is held once per node (mpi/ta_shm.h), each rank of the
 *      node reading and normalising its part;
 *   2. per category with enough tokens: the balanced sample (undersampling) and the folds, from
 *      the seed and the category's name (cheap, computed on every rank identically);
 *   3. task farm 1: per category, a fit on the whole balanced sample (the "final" model, and the
 *      starting point of the fold fits);
 *   4. task farm 2: per (category, fold), a fit on the other folds started from the category's
 *      final model (warm start; --cold-start starts from zero), accuracy on the held-out fold;
 *   5. rank 0 writes the outputs. */
#include "cmd/cmd_probe.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_rand.h"
#include "kernels/ta_blocking.h"
#include "kernels/ta_paper_sample.h"
#include "kernels/ta_probe.h"
#include "io/ta_catfile.h"
#include "io/ta_ckpt.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_probe_out.h"
#include "io/ta_subset.h"
#include "io/ta_prov.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "mpi/ta_shm.h"
#include "cmd/cmd_probe_int.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FILE.h5 -> FILE.tsv (the extension replaced, or .tsv appended; malloc'd). */
static int tsv_beside(const char *path, char **out)
{
    size_t n = strlen(path);
    if (n >= 3 && strcmp(path + n - 3, ".h5") == 0)
        n -= 3;
    return ta_cmd_sprintf(out, "%.*s.tsv", (int)n, path);
}

/* Collective. FILE.h5 with group /probe, then FILE.tsv beside it (rank 0). */
static int write_probe_files(const char *path, const ta_probe_result_t *r)
{
    ta_h5out_t o;
    TA_CALL(ta_h5out_create(&o, path, ta_mpi_comm()));
    int rc = ta_h5out_to_serial(&o);
    if (rc) {
        ta_h5out_abort(&o);
        return rc;
    }
    if (o.rank == 0)
        rc = ta_probe_write_group(o.file, r);
    /* The TSV is written before the .h5 is marked complete, and appears with it. */
    if (o.rank == 0) {
        ta_outfile_hold();
        char *tsv = NULL;
        if (!rc)
            rc = tsv_beside(path, &tsv);
        if (!rc)
            rc = ta_probe_write_tsv(tsv, r);
        free(tsv);
    }
    rc = ta_h5out_commit(&o, rc);
    if (o.rank == 0) {
        int pub = ta_outfile_release(!rc);
        if (!rc && pub) {
            unlink(path);
            rc = pub;
        }
    }
    return ta_mpi_agree(rc);
}

/* Collective. Rows [0, n) of the embeddings, L2-normalised by the one row normaliser (NaN and
 * Inf are errors naming the row; zero rows stay zero, with a warning), once per node: the node's
 * ranks share the matrix, each reading and normalising its part (mpi/ta_shm.h). */
static int read_normalised(ta_embed_t *e, int64_t n, ta_shm_t *shm)
{
    ta_rownorm_zeros_t z;
    TA_CALL(ta_shm_read_normalized(e, n, TA_PROBE_READ_ROWS, shm, &z));
    TA_CHECK(z.count < n, TA_EINPUT, "%s: all %lld rows are zero (norm 0): nothing to probe",
             e->spec, (long long)n);
    ta_embed_warn_zero_rows(e, &z, "they stay zero and take part in the probes");
    return 0;
}

#define O ta_probe_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, embeddings, "embeddings", TA_OPT_REQUIRED, "PATH",
                  "embeddings: HF model directory, .safetensors, .npy, FILE.h5:/dataset or a "
                  "tokenatlas model.h5")},
    {TA_OPT_PATH_(O, categories, "categories", TA_OPT_REQUIRED, "PATH",
                  "the TSV of `categorize` or a model.h5 (/categories/<scheme>)")},
    {TA_OPT_INT_(O, folds, "folds", TA_OPT_ALWAYS, "10", 2, 1000, "K",
                 "stratified cross-validation folds")},
    {TA_OPT_INT_(O, min_tokens, "min-tokens", TA_OPT_ALWAYS, "500", 1, INT64_MAX, "N",
                 "probe only categories with at least N tokens")},
    {TA_OPT_INT_(O, seed, "seed", TA_OPT_ALWAYS, "0", 0, INT64_MAX, "S",
                 "seed of the undersampling and the folds (the paper's is 150)")},
    {TA_OPT_STRING_(O, tensor, "tensor", 0, NULL, "NAME",
                    "the embedding tensor, when it cannot be found by name")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE",
                  "probe only these tokens, in this order: a .npy array of token ids (as the "
                  "paper's vocab maps), a text file with one id per line, or FILE.h5:NAME, model "
                  "NAME's ids in a subset map of `overlap`; the counts, samples and folds are "
                  "over these rows, the outputs keep the original ids")},
    {TA_OPT_ENUM_(O, protocol, "protocol", 0, "tokenatlas", ta_cmd_protocols,
                  "tokenatlas: SplitMix64 samples, shuffled folds, warm starts; paper: exactly "
                  "RandomUnderSampler(random_state=S) and unshuffled StratifiedKFold as the "
                  "paper's script, every fit from zero with at most 100 iterations "
                  "(LogisticRegression())")},
    TA_CMD_OPT_SCHEME(O),
    {TA_OPT_PATH_(O, export_folds, "export-folds", TA_OPT_OUTPUT, "FILE.tsv",
                  "write the balanced samples and their folds as TSV (category, token_id, label, "
                  "fold)")},
    {TA_OPT_FLAG_(O, cold_start, "cold-start",
                  "start every fold's fit from zero instead of the category's fit on all its "
                  "balanced samples (implied by --protocol paper)")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED | TA_OPT_OUTPUT, "FILE",
                  "FILE.tsv (per-category table) or FILE.h5 (group /probe with per-fold "
                  "accuracies and weights, plus FILE.tsv beside it)")},
    {TA_OPT_END_},
};
#undef O

typedef struct {
    ta_catset_t cats;
    ta_embed_t emb;
    int emb_open;
    ta_shm_t X;           /* the normalised N x d matrix, once per node */
    int64_t *pool, npool; /* the rows probed: pool[i] is a token id (NULL: row i is token i) */
    ta__probe_sample_t *sample;
    int *probe_cat;
    int nprobe;
    double *final, *folds_res;
    ta__probe_ctx_t ctx;
} probe_state_t;

static void state_free(probe_state_t *s)
{
    if (s->sample)
        for (int c = 0; c < s->cats.ncat; c++) {
            free(s->sample[c].ids);
            free(s->sample[c].label);
            free(s->sample[c].fold);
        }
    free(s->sample);
    free(s->probe_cat);
    free(s->pool);
    free(s->final);
    free(s->folds_res);
    ta_shm_free(&s->X);
    free(s->ctx.rows);
    free(s->ctx.ybuf);
    free(s->ctx.work);
    if (s->emb_open)
        ta_embed_close(&s->emb);
    ta_catset_free(&s->cats);
}

/* Phase 1a (local): the categories and the embeddings' header. */
static int open_inputs(const ta_probe_opts_t *a, probe_state_t *s)
{
    TA_CALL(ta_catfile_read(a->categories, ta_cmd_schemes[a->scheme], &s->cats));
    TA_CALL(ta_embed_open(a->embeddings, a->tensor, &s->emb));
    s->emb_open = 1;
    const int64_t n = s->cats.n, d = s->emb.cols;
    TA_CHECK(s->emb.rows >= n, TA_EINPUT,
             "%s: %lld embedding rows but %s has %lld tokens: the embeddings and the categories "
             "do not belong together",
             a->embeddings, (long long)s->emb.rows, a->categories, (long long)n);
    if (s->emb.rows > n)
        ta_log_warn("%s: %lld embedding rows, %lld tokens in %s: rows past the vocabulary are "
                    "ignored",
                    a->embeddings, (long long)s->emb.rows, (long long)n, a->categories);
    TA_CHECK(n >= 2 && d >= 1, TA_EINPUT, "%s: nothing to probe (%lld tokens, %lld dimensions)",
             a->embeddings, (long long)n, (long long)d);
    return 0;
}

/* Phase 1c (local): the subset and the provenance. */
static int load_subset(const ta_probe_opts_t *a, probe_state_t *s)
{
    const int64_t n = s->cats.n;
    s->npool = n;
    if (a->subset) {
        TA_CALL(ta_subset_read(a->subset, n, &s->pool, &s->npool));
        TA_CHECK(s->npool >= 2, TA_EINPUT, "%s: nothing to probe (%lld token)", a->subset,
                 (long long)s->npool);
        TA_CALL(ta_subset_add_input(a->subset));
        ta_prov_set_str("subset", a->subset);
    }
    TA_CALL(ta_prov_add_input(a->categories));
    TA_CALL(ta_prov_add_input(s->emb.file));
    return 0;
}

/* Phase 2: samples and folds; the list of probed categories. */
static int make_samples(const ta_probe_opts_t *a, probe_state_t *s)
{
    const int64_t n = s->npool;
    const int ncat = s->cats.ncat;
    s->sample = ta_calloc((size_t)ncat + 1, sizeof *s->sample);
    s->probe_cat = ta_calloc((size_t)ncat + 1, sizeof *s->probe_cat);
    int64_t *work = ta_malloc((size_t)n * sizeof *work);
    uint8_t *y = a->protocol == TA_PROTOCOL_PAPER ? ta_malloc((size_t)n) : NULL;
    /* The categories of the rows probed, in their order. */
    int32_t *code = s->pool ? ta_malloc((size_t)n * sizeof *code) : s->cats.code;
    if (!s->sample || !s->probe_cat || !work || (a->protocol == TA_PROTOCOL_PAPER && !y) || !code) {
        free(work);
        free(y);
        if (s->pool)
            free(code);
        return TA_ERR(TA_ERESOURCE, "out of memory for the samples");
    }
    for (int64_t i = 0; s->pool && i < n; i++)
        code[i] = s->cats.code[s->pool[i]];
    for (int64_t i = 0; i < n; i++)
        s->sample[code[i]].n_tokens++;
    int rc = 0;
    for (int c = 0; c < ncat && !rc; c++) {
        ta__probe_sample_t *cs = &s->sample[c];
        int64_t small = cs->n_tokens < n - cs->n_tokens ? cs->n_tokens : n - cs->n_tokens;
        if (cs->n_tokens < a->min_tokens || small < a->folds)
            continue;
        cs->ids = ta_malloc((size_t)(2 * small) * sizeof *cs->ids);
        cs->label = ta_malloc((size_t)(2 * small));
        cs->fold = ta_malloc((size_t)(2 * small) * sizeof *cs->fold);
        if (!cs->ids || !cs->label || !cs->fold) {
            rc = TA_ERR(TA_ERESOURCE, "out of memory for the sample of category %s (%lld rows)",
                        s->cats.name[c], (long long)(2 * small));
            break;
        }
        if (a->protocol == TA_PROTOCOL_PAPER) {
            /* The paper's y for this category over the rows in token order, its
             * RandomUnderSampler(random_state=seed) sample and StratifiedKFold(folds). */
            for (int64_t i = 0; i < n; i++)
                y[i] = code[i] == c;
            cs->m = ta_paper_undersample(y, n, (uint32_t)a->seed, cs->ids, cs->label, work);
            ta_paper_skfold(cs->label, 2 * cs->m, (int)a->folds, cs->fold);
        } else {
            ta_splitmix_t r;
            ta_probe_rng_seed(&r, (uint64_t)a->seed, s->cats.name[c]);
            cs->m = ta_probe_undersample(code, n, c, &r, cs->ids, cs->label, work);
            ta_probe_folds(cs->label, 2 * cs->m, (int)a->folds, &r, cs->fold, work);
        }
        for (int64_t k = 0; s->pool && k < 2 * cs->m; k++)
            cs->ids[k] = s->pool[cs->ids[k]];
        s->probe_cat[s->nprobe++] = c;
    }
    free(work);
    free(y);
    if (s->pool)
        free(code);
    return rc;
}

static void log_skipped(const ta_probe_opts_t *a, const probe_state_t *s)
{
    char line[2048];
    size_t len = 0;
    int nskip = 0;
    for (int c = 0; c < s->cats.ncat; c++) {
        if (s->sample[c].m)
            continue;
        nskip++;
        if (len < sizeof line - 64)
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s (%lld)",
                                    nskip > 1 ? ", " : "", s->cats.name[c],
                                    (long long)s->sample[c].n_tokens);
    }
    if (nskip)
        ta_log_info("probe: skipped %d categor%s with fewer than %lld tokens (or fewer than "
                    "--folds outside the category): %s%s",
                    nskip, nskip == 1 ? "y" : "ies", (long long)a->min_tokens, line,
                    len >= sizeof line - 64 ? ", ..." : "");
}

/* Local (every rank decides alike). A --min-tokens (or --folds) that leaves no category to probe
 * is an input error naming the largest category, not an empty result. */
static int check_some_probed(const ta_probe_opts_t *a, const probe_state_t *s)
{
    if (s->nprobe > 0)
        return 0;
    int big = 0;
    for (int c = 1; c < s->cats.ncat; c++)
        if (s->sample[c].n_tokens > s->sample[big].n_tokens)
            big = c;
    return TA_ERR(TA_EINPUT,
                  "%s: --min-tokens %lld and --folds %lld leave no category to probe: the largest, "
                  "%s, has %lld of the %lld tokens",
                  a->categories, (long long)a->min_tokens, (long long)a->folds,
                  s->cats.ncat ? s->cats.name[big] : "(none)",
                  s->cats.ncat ? (long long)s->sample[big].n_tokens : 0LL, (long long)s->npool);
}

/* The results in the layout of the output files: per category in name order, probed or not. */
typedef struct {
    int64_t *nt, *ns; /* [C] tokens, sample size */
    uint8_t *probed;  /* [C] */
    double *mean, *sd, *facc, *fb, *fw, *finw,
        *finb;       /* [C], [C], [C F], [C F], [C F d], [C d], [C] */
    int32_t *it;     /* [C F] */
    int64_t nonconv; /* fits stopped at the iteration limit */
} results_t;

static void results_free(results_t *r)
{
    free(r->nt);
    free(r->ns);
    free(r->probed);
    free(r->mean);
    free(r->sd);
    free(r->facc);
    free(r->fb);
    free(r->fw);
    free(r->finw);
    free(r->finb);
    free(r->it);
}

static int results_alloc(results_t *r, int64_t C, int64_t F, int64_t d)
{
    r->nt = ta_calloc((size_t)C + 1, sizeof *r->nt);
    r->ns = ta_calloc((size_t)C + 1, sizeof *r->ns);
    r->probed = ta_calloc((size_t)C + 1, 1);
    r->mean = ta_calloc((size_t)C + 1, sizeof(double));
    r->sd = ta_calloc((size_t)C + 1, sizeof(double));
    r->facc = ta_calloc((size_t)(C * F) + 1, sizeof(double));
    r->fb = ta_calloc((size_t)(C * F) + 1, sizeof(double));
    r->fw = ta_calloc((size_t)(C * F * d) + 1, sizeof(double));
    r->finw = ta_calloc((size_t)(C * d) + 1, sizeof(double));
    r->finb = ta_calloc((size_t)C + 1, sizeof(double));
    r->it = ta_calloc((size_t)(C * F) + 1, sizeof *r->it);
    TA_CHECK(r->nt && r->ns && r->probed && r->mean && r->sd && r->facc && r->fb && r->fw &&
                 r->finw && r->finb && r->it,
             TA_ERESOURCE,
             "out of memory for the probe results (%lld categories x %lld folds x "
             "%lld dimensions)",
             (long long)C, (long long)F, (long long)d);
    return 0;
}

/* The farm's result slots, category by category, into the output layout. */
static void collect(const probe_state_t *s, int64_t F, results_t *r)
{
    const int64_t d = s->emb.cols, slot = d + SLOT_W;
    for (int c = 0; c < s->cats.ncat; c++)
        r->nt[c] = s->sample[c].n_tokens;
    for (int k = 0; k < s->nprobe; k++) {
        int c = s->probe_cat[k];
        r->probed[c] = 1;
        r->ns[c] = 2 * s->sample[c].m;
        const double *fin = s->final + k * slot;
        memcpy(r->finw + c * d, fin + SLOT_W, (size_t)d * sizeof(double));
        r->finb[c] = fin[SLOT_B];
        r->nonconv += fin[SLOT_CONV] == 0;
        for (int64_t f = 0; f < F; f++) {
            const double *x = s->folds_res + (k * F + f) * slot;
            r->facc[c * F + f] = x[SLOT_ACC];
            r->fb[c * F + f] = x[SLOT_B];
            r->it[c * F + f] = (int32_t)x[SLOT_IT];
            r->nonconv += x[SLOT_CONV] == 0;
            memcpy(r->fw + (c * F + f) * d, x + SLOT_W, (size_t)d * sizeof(double));
        }
        ta_probe_mean_std(r->facc + c * F, (int)F, &r->mean[c], &r->sd[c]);
    }
}

/* Collective. The output: FILE.h5 (and FILE.tsv beside it) or FILE.tsv. */
static int write_files(const ta_probe_opts_t *a, const ta_probe_result_t *res)
{
    size_t n = strlen(a->out);
    if (strcmp(a->out + n - 3, ".h5") == 0)
        return write_probe_files(a->out, res);
    return ta_mpi_agree(ta_mpi_rank() == 0 ? ta_probe_write_tsv(a->out, res) : 0);
}

static void log_result(const ta_probe_opts_t *a, const probe_state_t *s, const results_t *r)
{
    double sum = 0;
    for (int k = 0; k < s->nprobe; k++)
        sum += r->mean[s->probe_cat[k]];
    if (s->nprobe)
        ta_log_info("probe: %d categories probed, average accuracy %.2f%%; wrote %s", s->nprobe,
                    100 * sum / s->nprobe, a->out);
    else
        ta_log_warn("probe: no category has --min-tokens %lld tokens: nothing probed; wrote %s",
                    (long long)a->min_tokens, a->out);
}

/* Collective. */
static int write_outputs(const ta_probe_opts_t *a, probe_state_t *s)
{
    results_t r;
    memset(&r, 0, sizeof r);
    int rc = ta_mpi_agree(results_alloc(&r, s->cats.ncat, a->folds, s->emb.cols));
    if (rc) {
        results_free(&r);
        return rc;
    }
    collect(s, a->folds, &r);
    if (r.nonconv)
        ta_log_warn("probe: %lld fit(s) stopped at the iteration limit before converging",
                    (long long)r.nonconv);
    ta_probe_result_t res = {.ncat = s->cats.ncat,
                             .folds = (int)a->folds,
                             .d = s->emb.cols,
                             .names = (const char *const *)s->cats.name,
                             .n_tokens = r.nt,
                             .n_samples = r.ns,
                             .probed = r.probed,
                             .mean = r.mean,
                             .std = r.sd,
                             .fold_acc = r.facc,
                             .weights = r.fw,
                             .intercepts = r.fb,
                             .iterations = r.it,
                             .final_w = r.finw,
                             .final_b = r.finb,
                             .seed = a->seed,
                             .min_tokens = a->min_tokens,
                             .n_rows = s->npool,
                             .subset = a->subset ? a->subset : "",
                             .C = s->ctx.opt.C,
                             .gtol = s->ctx.opt.gtol,
                             .ftol = s->ctx.opt.ftol,
                             .warm_start = s->ctx.warm,
                             .max_iter = s->ctx.opt.max_iter,
                             .protocol = ta_cmd_protocols[a->protocol],
                             .embeddings = a->embeddings,
                             .categories = a->categories};
    rc = write_files(a, &res);
    if (!rc)
        log_result(a, s, &r);
    results_free(&r);
    return rc;
}

static int export_folds(const ta_probe_opts_t *a, const probe_state_t *s)
{
    ta_outfile_t o;
    TA_CALL(ta_probe_folds_open(&o, a->export_folds));
    for (int k = 0; k < s->nprobe; k++) {
        const ta__probe_sample_t *cs = &s->sample[s->probe_cat[k]];
        ta_probe_folds_add(&o, s->cats.name[s->probe_cat[k]], cs->ids, cs->label, cs->fold,
                           2 * cs->m);
    }
    return ta_outfile_commit(&o);
}

/* What identifies a run for its checkpoint: inputs, sizes, options, and hashes of the samples and
 * of a strided selection of the normalised matrix (*text malloc'd, compared line by line on
 * resume). The rank count is not part of it: the farm's results do not depend on it. */
static int ckpt_fingerprint(const ta_probe_opts_t *a, const probe_state_t *s, char **text)
{
    uint64_t h = TA_FNV1A_BASIS;
    for (int k = 0; k < s->nprobe; k++) {
        const ta__probe_sample_t *cs = &s->sample[s->probe_cat[k]];
        for (const char *p = s->cats.name[s->probe_cat[k]]; *p; p++)
            h = ta_fnv1a_mix(h, (unsigned char)*p);
        h = ta_fnv1a_mix(h, (uint64_t)cs->m);
        for (int64_t i = 0; i < 2 * cs->m; i += 101)
            h = ta_fnv1a_mix(h, (uint64_t)(cs->ids[i] * 16 + cs->fold[i]));
    }
    uint64_t hx = TA_FNV1A_BASIS;
    const float *x = s->X.base;
    const int64_t total = s->cats.n * s->emb.cols;
    for (int64_t i = 0; i < total; i += 97) {
        uint32_t bits;
        memcpy(&bits, &x[i], 4);
        hx = ta_fnv1a_mix(hx, bits);
    }
    const char *subset = a->subset ? a->subset : "(all rows)";
    size_t cap = strlen(a->embeddings) + strlen(a->categories) + strlen(s->emb.tensor) +
                 strlen(subset) + 512;
    *text = ta_malloc(cap);
    TA_CHECK_ALLOC(*text, cap);
    snprintf(*text, cap,
             "tokenatlas probe checkpoint v2\n"
             "embeddings %s tensor %s rows %lld dim %lld\n"
             "categories %s scheme %s subset %s\n"
             "protocol %s folds %lld seed %lld min_tokens %lld cold_start %d\n"
             "probed %d samples %016llx matrix %016llx\n",
             a->embeddings, s->emb.tensor, (long long)s->cats.n, (long long)s->emb.cols,
             a->categories, ta_cmd_schemes[a->scheme], subset, ta_cmd_protocols[a->protocol],
             (long long)a->folds, (long long)a->seed, (long long)a->min_tokens, a->cold_start,
             s->nprobe, (unsigned long long)h, (unsigned long long)hx);
    return 0;
}

/* The fit options and the farm's view of the samples. */
static void setup_fits(const ta_probe_opts_t *a, probe_state_t *s)
{
    ta__probe_ctx_t *c = &s->ctx;
    c->X = s->X.base;
    c->d = s->emb.cols;
    c->folds = (int)a->folds;
    /* The paper's cross_val_score fits each fold with a fresh LogisticRegression(): from zero, at
     * most max_iter = 100 L-BFGS iterations. */
    c->warm = !a->cold_start && a->protocol != TA_PROTOCOL_PAPER;
    ta_probe_opt_default(&c->opt);
    if (a->protocol == TA_PROTOCOL_PAPER)
        c->opt.max_iter = 100;
    c->ncat = s->nprobe;
    c->probe_cat = s->probe_cat;
    c->sample = s->sample;
}

/* Collective. The fits, resumed from OUT.ckpt when an interrupted run with the same inputs and
 * options left one (a checkpoint of another run is refused, exit 2); a stop request saves the
 * fits done so far there and returns TA_EINTERRUPTED. */
static int fit_with_checkpoint(const ta_probe_opts_t *a, probe_state_t *s, const char *ckpt,
                               const char *fp)
{
    const int64_t np = s->nprobe, F = a->folds, slot = s->emb.cols + SLOT_W;
    s->final = ta_malloc((size_t)((np ? np : 1) * slot) * sizeof(double));
    s->folds_res = ta_malloc((size_t)((np ? np : 1) * F * slot) * sizeof(double));
    uint8_t *done = ta_calloc((size_t)((np ? np : 1) * (F + 1)), 1);
    int rc = s->final && s->folds_res && done
                 ? 0
                 : TA_ERR(TA_ERESOURCE, "out of memory for the results of %lld fits",
                          (long long)(np * (F + 1)));
    ta_probe_ckpt_phase_t ph[2] = {{np, slot, done, s->final},
                                   {np * F, slot, done + np, s->folds_res}};
    int found = 0;
    if (!rc)
        rc = ta_probe_ckpt_read(ckpt, fp, ph, 2, &found);
    if (!rc && found) {
        int64_t ndone = 0;
        for (int64_t t = 0; t < np * (F + 1); t++)
            ndone += done[t];
        ta_log_info("probe: resuming from %s: %lld of %lld fits already done", ckpt,
                    (long long)ndone, (long long)(np * (F + 1)));
    }
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta__probe_fit_all(&s->ctx, s->final, s->folds_res, done);
    if (rc == TA_EINTERRUPTED) {
        int wrc = ta_mpi_agree(ta_mpi_rank() == 0 ? ta_probe_ckpt_write(ckpt, fp, ph, 2) : 0);
        rc = wrc ? wrc : rc;
    }
    free(done);
    return rc;
}

/* Local. The table written beside an .h5 --out is an output too: before any work it must be
 * neither an input nor the --export-folds file. */
static int check_table_path(const ta_probe_opts_t *a)
{
    size_t n = strlen(a->out);
    if (n < 3 || strcmp(a->out + n - 3, ".h5") != 0)
        return 0;
    char *tsv = NULL;
    TA_CALL(tsv_beside(a->out, &tsv));
    int rc = ta_file_check_output(tsv);
    if (!rc && a->export_folds && ta_file_same(tsv, a->export_folds))
        rc = TA_ERR(TA_EINPUT,
                    "probe: --export-folds %s is the table %s written beside --out %s; write the "
                    "folds to another file",
                    a->export_folds, tsv, a->out);
    free(tsv);
    return rc;
}

static int run_probe(const ta_probe_opts_t *a, probe_state_t *s)
{
    TA_CALL(ta_mpi_agree(open_inputs(a, s)));
    TA_CALL(ta_mpi_agree(check_table_path(a)));
    /* Phase 1b (collective): the normalised matrix, once per node. */
    TA_CALL(read_normalised(&s->emb, s->cats.n, &s->X));
    TA_CALL(ta_mpi_agree(load_subset(a, s)));
    TA_CALL(ta_mpi_agree(make_samples(a, s)));
    log_skipped(a, s);
    TA_CALL(check_some_probed(a, s));
    if (a->export_folds)
        TA_CALL(ta_mpi_agree(ta_mpi_rank() == 0 ? export_folds(a, s) : 0));
    setup_fits(a, s);
    char *ckpt = NULL, *fp = NULL;
    int rc = ta_cmd_sprintf(&ckpt, "%s.ckpt", a->out);
    if (!rc)
        rc = ckpt_fingerprint(a, s, &fp);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = fit_with_checkpoint(a, s, ckpt, fp);
    if (!rc)
        rc = write_outputs(a, s);
    if (!rc && ta_mpi_rank() == 0)
        ta_ckpt_remove(ckpt);
    free(ckpt);
    free(fp);
    return rc;
}

/* What the table cannot say: the output's name gives its format, and the paper protocol's seed
 * is numpy's RandomState seed. */
static int check_options(const ta_probe_opts_t *o)
{
    size_t n = strlen(o->out);
    TA_CHECK((n > 4 && strcmp(o->out + n - 4, ".tsv") == 0) ||
                 (n > 3 && strcmp(o->out + n - 3, ".h5") == 0),
             TA_EINPUT, "probe: --out %s: the name must end in .tsv or .h5", o->out);
    TA_CHECK(o->protocol != TA_PROTOCOL_PAPER || o->seed <= (int64_t)UINT32_MAX, TA_EINPUT,
             "probe: --seed %lld: the paper protocol's seed is numpy's RandomState seed, at most "
             "2^32 - 1",
             (long long)o->seed);
    return 0;
}

int ta_cmd_probe_run(const ta_probe_opts_t *o)
{
    int rc = ta_opt_check(&ta_cmd_probe, o);
    if (!rc)
        rc = check_options(o);
    TA_CALL(ta_mpi_agree(rc));
    probe_state_t s;
    memset(&s, 0, sizeof s);
    rc = run_probe(o, &s);
    state_free(&s);
    return rc;
}

TA_CMD_DEFINE(
    probe, ta_probe_opts_t,
    .summary = "one-vs-rest logistic-regression probes per category, k-fold cross-validation",
    .flags = TA_CMD_MPI);
