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

/* The vocabulary beside the model: in the model directory, or in the directory of the model
 * file; a tokenatlas model.h5 carries its own. */
static int find_vocab(const char *model, char *out, size_t cap)
{
    static const char *const names[] = {"tokenizer.json", "sentencepiece.bpe.model", "spiece.model",
                                        "tokenizer.model"};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", model);
    if (!ta_file_is_dir(dir)) {
        /* FILE.h5:/dataset -> FILE.h5 */
        char *colon = strstr(dir, ":/");
        if (colon && !ta_file_is_regular(dir))
            *colon = '\0';
        size_t n = strlen(dir);
        if (n > 3 && strcmp(dir + n - 3, ".h5") == 0 && ta_h5_is_complete(dir) && !colon) {
            snprintf(out, cap, "%s", dir);
            return 0;
        }
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(out, cap, "%s/%s", dir, names[i]);
        if (ta_file_is_regular(out))
            return 0;
    }
    return TA_ERR(TA_EINPUT,
                  "%s: no vocabulary found beside the model (looked for tokenizer.json, "
                  "sentencepiece.bpe.model, spiece.model, tokenizer.model in %s); give --vocab",
                  model, dir);
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

int ta_cmd_ingest_run(const ta_ingest_opts_t *o)
{
    int rc = ta_mpi_agree(ta_opt_check(&ta_cmd_ingest, o));
    if (rc)
        return rc;
    int rank = ta_mpi_rank(), size = ta_mpi_size();
    double t0 = ta_now();

    /* Phase 1: vocabulary and tensor headers, on every rank. */
    char vpath[4200];
    ta_vocab_t v;
    memset(&v, 0, sizeof v);
    ta_embed_t e;
    memset(&e, 0, sizeof e);
    float *x = NULL, *norms = NULL;
    if (o->vocab)
        snprintf(vpath, sizeof vpath, "%s", o->vocab);
    else
        rc = find_vocab(o->model, vpath, sizeof vpath);
    if (!rc)
        rc = ta_vocab_read(vpath, &v);
    if (!rc)
        rc = ta_embed_open_ex(o->model, o->tensor, v.n, &e);
    if (!rc && e.rows < v.n)
        rc = TA_ERR(TA_EINPUT,
                    "%s: tensor %s has %lld rows but the vocabulary %s has %lld tokens (wrong "
                    "vocabulary or tensor?)",
                    e.file, e.tensor, (long long)e.rows, vpath, (long long)v.n);
    rc = ta_mpi_agree(rc);
    if (rc)
        goto done;
    const int64_t n = v.n, d = e.cols, dropped = e.rows - n;
    if (dropped > 0)
        ta_log_warn("%s: tensor %s has %lld rows, the vocabulary %lld tokens: the last %lld "
                    "row%s (padding) dropped",
                    e.file, e.tensor, (long long)e.rows, (long long)n, (long long)dropped,
                    dropped == 1 ? "" : "s");

    /* Phase 2: this rank's rows. */
    double t_vocab = ta_now() - t0, t1 = ta_now(), c1 = cpu_seconds();
    int64_t r0 = n * rank / size, r1 = n * (rank + 1) / size;
    size_t bytes;
    if (ta_mul_size((size_t)(r1 - r0), (size_t)d * sizeof(float), &bytes))
        rc = TA_ERR(TA_ERESOURCE, "%s: %lld x %lld rows do not fit in memory", e.file,
                    (long long)(r1 - r0), (long long)d);
    if (!rc) {
        x = ta_malloc(bytes ? bytes : 1);
        norms = ta_malloc((size_t)(r1 - r0 + 1) * sizeof *norms);
        if (!x || !norms)
            rc = TA_ERR(TA_ERESOURCE, "out of memory for %lld rows x %lld (%zu bytes)",
                        (long long)(r1 - r0), (long long)d, bytes);
    }
    if (!rc)
        rc = read_rows(&e, r0, r1, x, norms);
    rc = ta_mpi_agree(rc);
    if (rc)
        goto done;
    double t_read = ta_now() - t1, c_read = cpu_seconds() - c1;

    /* Phase 3: parallel write. */
    ta_prov_add_input(e.file);
    if (ta_file_is_dir(o->model)) {
        char idx[4200];
        snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", o->model);
        if (ta_file_is_regular(idx))
            ta_prov_add_input(idx);
    }
    ta_prov_add_input(vpath);
    ta_prov_set_str("tensor", e.tensor);
    ta_prov_set_str("source_dtype", e.dtype);
    char shape[64];
    snprintf(shape, sizeof shape, "%lld x %lld", (long long)e.rows, (long long)e.cols);
    ta_prov_set_str("source_shape", shape);
    ta_prov_set_num("rows_dropped", (double)dropped);
    ta_prov_set_str("vocab_format", v.format);
    ta_h5out_t out;
    TA_CALL_GOTO(ta_h5out_create(&out, o->out, ta_mpi_comm()), done);
    rc = ta_h5_write_rows(out.file, "/embeddings", TA_ELEM_F32, n, d, r0, r1 - r0, x);
    if (!rc)
        rc = ta_h5_write_rows(out.file, "/norms", TA_ELEM_F32, n, 0, r0, r1 - r0, norms);
    free(x);
    x = NULL;
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta_h5out_to_serial(&out);
    if (!rc && rank == 0)
        rc = write_serial(out.file, &v, &e, n, dropped);
    rc = ta_h5out_commit(&out, rc);
    if (!rc) {
        double mb = (double)e.rows * (double)d *
                    (strcmp(e.dtype, "F64") == 0   ? 8
                     : strcmp(e.dtype, "F32") == 0 ? 4
                                                   : 2) /
                    1e6;
        ta_log_info("ingest: %s -> %s: %lld tokens x %lld (%s %s); vocabulary %.2f s, read %.1f MB "
                    "in %.2f s (%.0f MB/s; %.2f s of CPU), total %.2f s",
                    o->model, o->out, (long long)n, (long long)d, e.tensor, e.dtype, t_vocab, mb,
                    t_read, mb / (t_read > 0 ? t_read : 1e-9), c_read, ta_now() - t0);
    }
done:
    free(x);
    free(norms);
    ta_embed_close(&e);
    ta_vocab_free(&v);
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
