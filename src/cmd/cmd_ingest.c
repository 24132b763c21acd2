/* `tokenatlas ingest`: embeddings + vocabulary + categories of one model into one HDF5 file.
 *
 * Phases (ranks agree at each boundary):
 *   1. every rank reads the vocabulary (small) and opens the embedding tensor (headers only);
 *   2. each rank reads its own rows [N*r/P, N*(r+1)/P), checks them for NaN/Inf and computes
 *      their norms; nothing is created before every rank's rows are known to be good;
 *   3. the embeddings and norms are written with parallel HDF5, each rank its rows;
 *   4. rank 0 alone writes the strings, categories, zero-row list and attributes, then the file
 *      is committed (complete = 1 last, renamed from its temporary name).
 * Peak memory per rank is its share of the f32 rows plus a 4 MB read buffer. */
#include "cmd/cmd_ingest.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_category.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "io/ta_vocab_cat.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define O ta_ingest_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, model, "model", TA_OPT_REQUIRED, "PATH",
                  "a Hugging Face model directory (model.safetensors or "
                  "model.safetensors.index.json + shards), a .safetensors file, a 2-D .npy file, "
                  "FILE.h5:/dataset, or a tokenatlas model.h5; dtypes F32, F16, BF16, F64 "
                  "(converted to f32)")},
    {TA_OPT_STRING_(O, tensor, "tensor", 0, NULL, "NAME",
                    "the embedding tensor (default: a known name such as "
                    "embeddings.word_embeddings.weight or shared.weight, else the one 2-D tensor "
                    "with enough rows)")},
    {TA_OPT_PATH_(O, vocab, "vocab", 0, "PATH",
                  "tokenizer.json, a SentencePiece .model, a JSON list or a text file (default: "
                  "tokenizer.json, sentencepiece.bpe.model, spiece.model or tokenizer.model beside "
                  "the model)")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED | TA_OPT_OUTPUT, "model.h5",
                  "the model file to write (replaced atomically)")},
    {TA_OPT_END_},
};
#undef O

/* The directory a vocabulary is looked for in: the model directory, or the directory of the model
 * file (of FILE.h5 for FILE.h5:/dataset), malloc'd; *own_vocab when the model is a tokenatlas
 * model.h5, which carries its own. */
static int model_dir(const char *model, char **dir, int *own_vocab)
{
    *own_vocab = 0;
    char *d = strdup(model);
    TA_CHECK_ALLOC(d, strlen(model) + 1);
    *dir = d;
    if (ta_file_is_dir(d))
        return 0;
    char *colon = strstr(d, ":/");
    if (colon && !ta_file_is_regular(d))
        *colon = '\0';
    size_t n = strlen(d);
    if (n > 3 && strcmp(d + n - 3, ".h5") == 0 && !colon) {
        /* A malformed `complete` is reported as such, not as a model without vocabulary. */
        int complete = 0, rc = ta_h5_check_complete(d, &complete);
        /* An incomplete one is reported as such, not as a model without vocabulary. */
        if (!rc && !complete && ta_h5_is_hdf5(d))
            rc = TA_ERR(TA_EINPUT,
                        "%s: not a complete tokenatlas model file (no complete = 1: a run was "
                        "interrupted or failed); another HDF5 file needs its dataset named, as "
                        "%s:/DATASET",
                        d, d);
        if (rc) {
            free(d);
            *dir = NULL;
            return rc;
        }
        if (complete) {
            *own_vocab = 1;
            return 0;
        }
    }
    char *slash = strrchr(d, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(d, ".");
    return 0;
}

/* The vocabulary beside the model (malloc'd): the first of the usual names in its directory, or
 * a tokenatlas model.h5 itself. */
static int find_vocab(const char *model, char **out)
{
    static const char *const names[] = {"tokenizer.json", "sentencepiece.bpe.model", "spiece.model",
                                        "tokenizer.model"};
    char *dir = NULL;
    int own = 0;
    TA_CALL(model_dir(model, &dir, &own));
    if (own) {
        *out = dir;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int rc = ta_cmd_sprintf(out, "%s/%s", dir, names[i]);
        if (rc || ta_file_is_regular(*out)) {
            free(dir);
            return rc;
        }
        free(*out);
        *out = NULL;
    }
    int rc = TA_ERR(TA_EINPUT,
                    "%s: no vocabulary found beside the model (looked for tokenizer.json, "
                    "sentencepiece.bpe.model, spiece.model, tokenizer.model in %s); give --vocab",
                    model, dir);
    free(dir);
    return rc;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Phase 2: rows [r0, r1) into x with their norms (the one row normaliser: NaN and Inf are errors
 * naming the row). */
static int read_rows(ta_embed_t *e, int64_t r0, int64_t r1, float *x, float *norms)
{
    const int64_t d = e->cols;
    int64_t block = ((int64_t)16 << 20) / (4 * d);
    if (block < 1)
        block = 1;
    if (block > r1 - r0)
        block = r1 - r0 > 0 ? r1 - r0 : 1;
    double *nb = ta_malloc((size_t)block * sizeof *nb);
    TA_CHECK_ALLOC(nb, (size_t)block * sizeof *nb);
    int rc = 0;
    ta_progress_t pr;
    ta_progress_start(&pr, "ingest", "rows", (double)(r1 - r0), 0);
    /* Blocks partition this rank's rows, so that progress shows on long reads. */
    for (int64_t i = r0; i < r1; i += block) {
        int64_t n = r1 - i < block ? r1 - i : block;
        TA_CALL_GOTO(ta_embed_read_norms(e, i, n, x + (i - r0) * d, nb, NULL), done);
        for (int64_t r = 0; r < n; r++)
            norms[i + r - r0] = (float)nb[r];
        ta_progress_update(&pr, (double)(i + n - r0), 0);
    }
done:
    free(nb);
    return rc;
}

static int write_categories(hid_t file, const ta_vocab_t *v)
{
    for (int s = 0; s < 2; s++) {
        ta_scheme_t scheme = s == 0 ? TA_SCHEME_PAPER : TA_SCHEME_SCRIPT;
        ta_catset_t cs;
        TA_CALL(ta_vocab_categorize(v, scheme, &cs));
        char path[64], pnames[64];
        snprintf(path, sizeof path, "/categories/%s", ta_scheme_name(scheme));
        snprintf(pnames, sizeof pnames, "/categories/%s_names", ta_scheme_name(scheme));
        int64_t dims[1] = {v->n};
        int rc = ta_h5_write_array(file, path, TA_ELEM_I32, 1, dims, cs.code);
        if (!rc)
            rc = ta_h5_write_strings(file, pnames, (const char *const *)cs.name, cs.ncat);
        ta_catset_free(&cs);
        TA_CALL(rc);
    }
    return 0;
}

/* Phase 4 on rank 0: strings, categories, zero rows (from the norms just written) and the
 * attributes of /embeddings. */
static int write_serial(hid_t file, const ta_vocab_t *v, const ta_embed_t *e, int64_t n,
                        int64_t dropped)
{
    char **disp = NULL;
    TA_CALL(ta_vocab_display_all(v, &disp));
    int rc = ta_h5_write_strings(file, "/vocab/token", (const char *const *)disp, v->n);
    free(disp);
    TA_CALL(rc);
    int64_t dims[1] = {v->n};
    TA_CALL(ta_h5_write_array(file, "/vocab/flags", TA_ELEM_U8, 1, dims, v->flags));
    TA_CALL(write_categories(file, v));

    float *norms = ta_malloc((size_t)n * sizeof *norms);
    int64_t *zero = ta_malloc((size_t)n * sizeof *zero);
    int64_t nz = 0;
    TA_CHECK_GOTO(norms && zero, TA_ERESOURCE, done, "out of memory");
    TA_CALL_GOTO(ta_h5_read_rows(file, e->file, "/norms", TA_ELEM_F32, 0, n, norms), done);
    for (int64_t i = 0; i < n; i++)
        if (norms[i] == 0.0f)
            zero[nz++] = i;
    dims[0] = nz;
    TA_CALL_GOTO(ta_h5_write_array(file, "/zero_rows", TA_ELEM_I64, 1, dims, zero), done);
    ta_embed_warn_zero_rows(e, &(ta_rownorm_zeros_t){nz, nz ? zero[0] : -1},
                            "flagged in /zero_rows and left out of neighbour searches");
    int64_t shape[2] = {e->rows, e->cols};
    const ta_h5_attr_t attrs[] = {
        TA_H5_ATTR_STR_("tensor", e->tensor),       TA_H5_ATTR_STR_("source_dtype", e->dtype),
        TA_H5_ATTR_INTS_("source_shape", shape, 2), TA_H5_ATTR_INT_("rows_dropped", dropped),
        TA_H5_ATTR_STR_("source", e->spec),
    };
    rc = ta_h5_write_attrs(file, "/embeddings", attrs, sizeof attrs / sizeof attrs[0]);
done:
    free(norms);
    free(zero);
    return rc;
}

/* One ingest, from the inputs to the file. */
typedef struct {
    const ta_ingest_opts_t *o;
    char *vpath;
    ta_vocab_t v;
    ta_embed_t e;
    int64_t n, d, dropped; /* tokens, dimension, rows past the vocabulary */
    int64_t r0, r1;        /* this rank's rows */
    float *x, *norms;      /* [r1 - r0] rows and their norms */
    double t0, t_vocab, t_read, c_read;
} ingest_t;

/* Collective. Phase 1: vocabulary and tensor headers, on every rank. */
static int open_inputs(ingest_t *g)
{
    const ta_ingest_opts_t *o = g->o;
    int rc = 0;
    if (o->vocab) {
        g->vpath = strdup(o->vocab);
        if (!g->vpath)
            rc = TA_ERR(TA_ERESOURCE, "out of memory");
    } else {
        rc = find_vocab(o->model, &g->vpath);
    }
    if (!rc)
        rc = ta_vocab_read(g->vpath, &g->v);
    if (!rc)
        rc = ta_embed_open_ex(o->model, o->tensor, g->v.n, &g->e);
    if (!rc && g->e.rows < g->v.n)
        rc = TA_ERR(TA_EINPUT,
                    "%s: tensor %s has %lld rows but the vocabulary %s has %lld tokens (wrong "
                    "vocabulary or tensor?)",
                    g->e.file, g->e.tensor, (long long)g->e.rows, g->vpath, (long long)g->v.n);
    TA_CALL(ta_mpi_agree(rc));
    g->n = g->v.n;
    g->d = g->e.cols;
    g->dropped = g->e.rows - g->n;
    if (g->dropped > 0)
        ta_log_warn("%s: tensor %s has %lld rows, the vocabulary %lld tokens: the last %lld "
                    "row%s (padding) dropped",
                    g->e.file, g->e.tensor, (long long)g->e.rows, (long long)g->n,
                    (long long)g->dropped, g->dropped == 1 ? "" : "s");
    return 0;
}

/* Collective. Phase 2: this rank's rows, checked, with their norms. */
static int read_mine(ingest_t *g)
{
    int rank = ta_mpi_rank(), size = ta_mpi_size(), rc = 0;
    double t1 = ta_now(), c1 = cpu_seconds();
    g->r0 = g->n * rank / size;
    g->r1 = g->n * (rank + 1) / size;
    int64_t rows = g->r1 - g->r0;
    size_t bytes;
    if (ta_mul_size((size_t)rows, (size_t)g->d * sizeof(float), &bytes))
        rc = TA_ERR(TA_ERESOURCE, "%s: %lld x %lld rows do not fit in memory", g->e.file,
                    (long long)rows, (long long)g->d);
    if (!rc) {
        g->x = ta_malloc(bytes ? bytes : 1);
        g->norms = ta_malloc((size_t)(rows + 1) * sizeof *g->norms);
        if (!g->x || !g->norms)
            rc = TA_ERR(TA_ERESOURCE, "out of memory for %lld rows x %lld (%zu bytes)",
                        (long long)rows, (long long)g->d, bytes);
    }
    if (!rc)
        rc = read_rows(&g->e, g->r0, g->r1, g->x, g->norms);
    g->t_read = ta_now() - t1;
    g->c_read = cpu_seconds() - c1;
    return ta_mpi_agree(rc);
}

/* The inputs (the tensor's file, a sharded checkpoint's index, the vocabulary) and what the file
 * records of its source. */
static int record_provenance(ingest_t *g)
{
    const ta_embed_t *e = &g->e;
    TA_CALL(ta_prov_add_input(e->file));
    if (ta_file_is_dir(g->o->model)) {
        char *idx = NULL;
        TA_CALL(ta_cmd_sprintf(&idx, "%s/model.safetensors.index.json", g->o->model));
        int rc = ta_file_is_regular(idx) ? ta_prov_add_input(idx) : 0;
        free(idx);
        TA_CALL(rc);
    }
    TA_CALL(ta_prov_add_input(g->vpath));
    ta_prov_set_str("tensor", e->tensor);
    ta_prov_set_str("source_dtype", e->dtype);
    char shape[64];
    snprintf(shape, sizeof shape, "%lld x %lld", (long long)e->rows, (long long)e->cols);
    ta_prov_set_str("source_shape", shape);
    ta_prov_set_num("rows_dropped", (double)g->dropped);
    ta_prov_set_str("vocab_format", g->v.format);
    return 0;
}

/* Collective. Phase 3: the rows in parallel, then rank 0 the rest. */
static int write_file(ingest_t *g)
{
    ta_h5out_t out;
    TA_CALL(ta_h5out_create(&out, g->o->out, ta_mpi_comm()));
    int64_t rows = g->r1 - g->r0;
    int rc = ta_h5_write_rows(out.file, "/embeddings", TA_ELEM_F32, g->n, g->d, g->r0, rows, g->x);
    if (!rc)
        rc = ta_h5_write_rows(out.file, "/norms", TA_ELEM_F32, g->n, 0, g->r0, rows, g->norms);
    free(g->x);
    g->x = NULL;
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta_h5out_to_serial(&out);
    if (!rc && ta_mpi_rank() == 0)
        rc = write_serial(out.file, &g->v, &g->e, g->n, g->dropped);
    return ta_h5out_commit(&out, rc);
}

static void log_done(const ingest_t *g)
{
    const ta_embed_t *e = &g->e;
    double bytes = strcmp(e->dtype, "F64") == 0 ? 8 : strcmp(e->dtype, "F32") == 0 ? 4 : 2;
    double mb = (double)e->rows * (double)g->d * bytes / 1e6;
    ta_log_info("ingest: %s -> %s: %lld tokens x %lld (%s %s); vocabulary %.2f s, read %.1f MB in "
                "%.2f s (%.0f MB/s; %.2f s of CPU), total %.2f s",
                g->o->model, g->o->out, (long long)g->n, (long long)g->d, e->tensor, e->dtype,
                g->t_vocab, mb, g->t_read, mb / (g->t_read > 0 ? g->t_read : 1e-9), g->c_read,
                ta_now() - g->t0);
}

int ta_cmd_ingest_run(const ta_ingest_opts_t *o)
{
    TA_CALL(ta_mpi_agree(ta_opt_check(&ta_cmd_ingest, o)));
    ingest_t g;
    memset(&g, 0, sizeof g);
    g.o = o;
    g.t0 = ta_now();
    int rc = open_inputs(&g);
    g.t_vocab = ta_now() - g.t0;
    if (!rc)
        rc = read_mine(&g);
    if (!rc)
        rc = ta_mpi_agree(record_provenance(&g));
    if (!rc)
        rc = write_file(&g);
    if (!rc)
        log_done(&g);
    free(g.x);
    free(g.norms);
    free(g.vpath);
    ta_embed_close(&g.e);
    ta_vocab_free(&g.v);
    return rc;
}

TA_CMD_DEFINE(
    ingest, ta_ingest_opts_t,
    .summary = "embeddings + vocabulary + categories of one model into one HDF5 file",
    .about = "Reads the input embedding matrix and the vocabulary of a checkpoint and writes one "
             "HDF5 model file: /embeddings (f32), /norms, /zero_rows, /vocab/token, /vocab/flags, "
             "/categories/{paper,script} and their _names, with provenance attributes.",
    .notes = "Rows past the vocabulary are dropped with a warning; fewer rows than tokens, NaN or "
             "Inf values are errors (exit 2). Under mpirun each rank reads its own rows.",
    .flags = TA_CMD_MPI);
