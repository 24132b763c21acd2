/* `tokenatlas synth`: a synthetic Hugging Face-style model directory with planted structure
 * (model.safetensors, tokenizer.json, config.json, dictionaries/en-xx.txt). The model is in
 * ta_synth.h; rows are streamed to the file in blocks, split across MPI ranks, so that the bytes
 * are the same for every number of ranks and a 1,000,000 x 1,024 model is never held in memory. */
#include "cmd/cmd_synth.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_synth.h"
#include "io/ta_file.h"
#include "io/ta_stwrite.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const presets[] = {"script-clustered", "meaning-aligned", NULL};
static const char *const dtypes[] = {"bf16", "f32", NULL};

#define O ta_synth_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_ENUM_(O, preset, "preset", TA_OPT_REQUIRED, NULL, presets,
                  "script-clustered (XLM-R-like: a=1, b=0.35, sigma=0.6; tensor "
                  "embeddings.word_embeddings.weight) or meaning-aligned (mT5-like: a=0.28, b=1, "
                  "sigma=0.5; tensor shared.weight)")},
    {TA_OPT_INT_(O, tokens, "tokens", 0, "20000", 100, 100000000, "N", "vocabulary size")},
    {TA_OPT_INT_(O, dim, "dim", 0, "256", 2, 65536, "D", "embedding dimension")},
    {TA_OPT_INT_(O, seed, "seed", 0, "0", 0, INT64_MAX, "S", "random seed")},
    {TA_OPT_ENUM_(O, dtype, "dtype", TA_OPT_NOCASE, "bf16", dtypes, "the tensor's dtype")},
    {TA_OPT_INT_(O, extra_rows, "extra-rows", 0, "0", 0, 100000000, "R",
                 "padding rows past the vocabulary, as mT5 has")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED, "DIR",
                  "output directory (created; its files are replaced)")},
    {TA_OPT_END_},
};
#undef O

/* A JSON string literal (the pieces may hold quotes; control characters never occur). */
static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

static int write_tokenizer(const ta_synth_t *s, const char *path)
{
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    FILE *fp = o.fp;
    fprintf(fp, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n"
                "  \"added_tokens\": [\n");
    for (int64_t i = 0; i < s->nspecial; i++) {
        fprintf(fp, "    {\"id\": %" PRId64 ", \"content\": ", i);
        json_str(fp, ta_synth_piece(s, i));
        fprintf(fp,
                ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                "\"normalized\": false, \"special\": true}%s\n",
                i + 1 < s->nspecial ? "," : "");
    }
    fprintf(fp, "  ],\n  \"normalizer\": null,\n"
                "  \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\\u2581\", "
                "\"add_prefix_space\": true},\n"
                "  \"post_processor\": null,\n"
                "  \"decoder\": {\"type\": \"Metaspace\", \"replacement\": \"\\u2581\", "
                "\"add_prefix_space\": true},\n"
                "  \"model\": {\n    \"type\": \"Unigram\",\n    \"unk_id\": 2,\n"
                "    \"vocab\": [\n");
    /* Scores fall with the id, as in a frequency-sorted vocabulary. */
    for (int64_t i = 0; i < s->n; i++) {
        fprintf(fp, "      [");
        json_str(fp, ta_synth_piece(s, i));
        double score = i < s->nspecial ? 0.0 : -(2.0 + log(1.0 + (double)i));
        fprintf(fp, ", %.6f]%s\n", score, i + 1 < s->n ? "," : "");
    }
    fprintf(fp, "    ]\n  }\n}\n");
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

static int write_config(const ta_synth_t *s, const char *path, const ta_synth_opts_t *op)
{
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    int mt5 = s->preset == TA_SYNTH_MEANING_ALIGNED;
    fprintf(o.fp,
            "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"%s\",\n"
            "  \"vocab_size\": %" PRId64 ",\n  \"%s\": %" PRId64 ",\n"
            "  \"pad_token_id\": 0,\n  \"eos_token_id\": 1,\n  \"torch_dtype\": \"%s\",\n"
            "  \"tokenatlas_synth\": {\"preset\": \"%s\", \"tokens\": %" PRId64
            ", \"rows\": %" PRId64 ", \"dim\": %" PRId64 ", \"seed\": %" PRId64
            ", \"a\": %g, \"b\": %g, \"sigma\": %g, \"groups\": %" PRId64 "}\n}\n",
            mt5 ? "MT5ForConditionalGeneration" : "XLMRobertaForMaskedLM",
            mt5 ? "mt5" : "xlm-roberta", s->rows, mt5 ? "d_model" : "hidden_size", s->dim,
            op->dtype ? "float32" : "bfloat16", ta_synth_preset_name(s->preset), s->n, s->rows,
            s->dim, op->seed, s->a, s->b, s->sigma, s->ngroups);
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

static const char *strip_space(const char *p)
{
    return strncmp(p, "\xe2\x96\x81", 3) == 0 ? p + 3 : p;
}

/* dictionaries/en-xx.txt: one "english other" line per translation pair, in token order. */
static int write_dicts(const ta_synth_t *s, const char *dir)
{
    ta_outfile_t o[TA_SYNTH_NCLASSES];
    int opened = 0, rc = 0;
    for (int c = 2; c <= TA_SYNTH_NSCRIPTS; c++, opened++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/en-%s.txt", dir, ta_synth_class_lang(c));
        TA_CALL_GOTO(ta_outfile_open(&o[c], p), fail);
    }
    for (int64_t i = 0; i < s->n; i++) {
        int c = s->cls[i];
        if (c < 2 || c > TA_SYNTH_NSCRIPTS)
            continue;
        fprintf(o[c].fp, "%s %s\n", strip_space(ta_synth_piece(s, s->head[s->group[i]])),
                strip_space(ta_synth_piece(s, i)));
    }
    for (int c = 2; c <= TA_SYNTH_NSCRIPTS; c++) {
        int r = ta_outfile_commit(&o[c]);
        opened--;
        if (r && !rc)
            rc = r;
    }
    return rc;
fail:
    for (int c = 2; c < 2 + opened; c++)
        ta_outfile_abort(&o[c]);
    return rc;
}

/* Rank 0: the small files. */
static int write_small_files(const ta_synth_t *s, const ta_synth_opts_t *o)
{
    char p[4200];
    TA_CALL(ta_file_mkdirs(o->out));
    snprintf(p, sizeof p, "%s/dictionaries", o->out);
    TA_CALL(ta_file_mkdirs(p));
    TA_CALL(write_dicts(s, p));
    snprintf(p, sizeof p, "%s/tokenizer.json", o->out);
    TA_CALL(write_tokenizer(s, p));
    snprintf(p, sizeof p, "%s/config.json", o->out);
    TA_CALL(write_config(s, p, o));
    return 0;
}

/* Every rank: its share of the rows, in blocks of about 4 MB of f32. */
static int write_rows(const ta_synth_t *s, ta_stw_t *w, int rank, int size)
{
    int64_t r0 = s->rows * rank / size, r1 = s->rows * (rank + 1) / size;
    int64_t block = ((int64_t)4 << 20) / (4 * s->dim);
    if (block < 1)
        block = 1;
    float *buf = ta_malloc((size_t)(block * s->dim) * sizeof *buf);
    TA_CHECK_ALLOC(buf, block * s->dim * 4);
    ta_progress_t pr;
    ta_progress_start(&pr, "synth", "rows", (double)(r1 - r0), 0);
    int rc = 0;
    /* Blocks partition this rank's row range [r0, r1). */
    for (int64_t i = r0; i < r1 && !rc; i += block) {
        int64_t n = r1 - i < block ? r1 - i : block;
        ta_synth_rows(s, i, n, buf);
        rc = ta_stw_write_rows(w, i, n, buf);
        ta_progress_update(&pr, (double)(i + n - r0), 0);
    }
    free(buf);
    TA_CALL(rc);
    return 0;
}

int ta_cmd_synth_run(const ta_synth_opts_t *o)
{
    int rc = ta_mpi_agree(ta_opt_check(&ta_cmd_synth, o));
    if (rc)
        return rc;
    int rank = ta_mpi_rank(), size = ta_mpi_size();
    double t0 = ta_now();
    ta_synth_preset_t preset = (ta_synth_preset_t)o->preset;
    ta_synth_t s;
    rc = ta_mpi_agree(
        ta_synth_init(&s, preset, o->tokens, o->tokens + o->extra_rows, o->dim, (uint64_t)o->seed));
    if (rc)
        return rc;
    if (rank == 0)
        rc = write_small_files(&s, o);
    rc = ta_mpi_agree(rc);

    char model[4200];
    snprintf(model, sizeof model, "%s/model.safetensors", o->out);
    const char *tensor =
        preset == TA_SYNTH_MEANING_ALIGNED ? "shared.weight" : "embeddings.word_embeddings.weight";
    const char *dtype = o->dtype ? "F32" : "BF16";
    ta_stw_t w = {.fd = -1};
    if (!rc && rank == 0) {
        char seed[32], params[128];
        snprintf(seed, sizeof seed, "%" PRId64, o->seed);
        snprintf(params, sizeof params, "a=%g b=%g sigma=%g groups=%" PRId64, s.a, s.b, s.sigma,
                 s.ngroups);
        const char *keys[] = {"format", "generator", "preset", "seed", "params"};
        const char *vals[] = {"pt", "tokenatlas synth", ta_synth_preset_name(preset), seed, params};
        rc = ta_stw_create(&w, model, tensor, dtype, s.rows, s.dim, keys, vals, 5);
    }
    rc = ta_mpi_agree(rc);
    if (!rc && rank != 0)
        rc = ta_stw_open(&w, model, dtype, s.rows, s.dim);
    if (!rc)
        rc = write_rows(&s, &w, rank, size);
    if (!rc)
        rc = ta_stw_close(&w);
    rc = ta_mpi_agree(rc);
    if (!rc && rank == 0)
        rc = ta_stw_commit(&w);
    if (rc)
        ta_stw_abort(&w);
    rc = ta_mpi_agree(rc);
    if (!rc)
        ta_log_info("synth: wrote %s (%s, %" PRId64 " tokens x %" PRId64 ", %s, seed %" PRId64
                    ") in %.2f s",
                    o->out, ta_synth_preset_name(preset), s.n, s.dim, dtype, o->seed,
                    ta_now() - t0);
    ta_synth_free(&s);
    return rc;
}

TA_CMD_DEFINE(synth, ta_synth_opts_t,
              .summary = "a synthetic model directory with planted structure and a MUSE dictionary",
              .about =
                  "Writes DIR/model.safetensors, DIR/tokenizer.json (Unigram), DIR/config.json and "
                  "DIR/dictionaries/en-xx.txt (MUSE format) for a model with planted structure: N "
                  "tokens over 14 writing systems plus numbers, punctuation and symbols, each word "
                  "token in a translation group headed by an English token. Row i is\n"
                  "  x_i = a u_script(i) + b u_group(i) + sigma e_i\n"
                  "(see README, section synth). The same seed gives the same vocabulary for both "
                  "presets and the same bytes for any number of MPI ranks.",
              .flags = TA_CMD_MPI);
