/* `tokenatlas synth`: a synthetic Hugging Face-style model directory with planted structure
 * (model.safetensors, tokenizer.json, config.json, dictionaries/en-xx.txt). The model is in
 * ta_synth.h; rows are streamed to the file in blocks, split across MPI ranks, so that the bytes
 * are the same for every number of ranks and a 1,000,000 x 1,024 model is never held in memory. */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "kernels/ta_synth.h"
#include "io/ta_file.h"
#include "io/ta_stwrite.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_args.h"
#include "cmd/ta_cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "synth --preset script-clustered|meaning-aligned [--tokens N] [--dim D] "
    "[--seed S] [--dtype bf16|f32] [--extra-rows R] --out DIR";

typedef struct {
    ta_synth_preset_t preset;
    int have_preset;
    int64_t tokens, dim, seed, extra;
    int f32;
    const char *out;
} opts_t;

static int parse(int argc, char **argv, opts_t *o)
{
    static const struct option lo[] = {
        {"preset", required_argument, 0, 'p'},     {"tokens", required_argument, 0, 'n'},
        {"dim", required_argument, 0, 'd'},        {"seed", required_argument, 0, 's'},
        {"out", required_argument, 0, 'o'},        {"dtype", required_argument, 0, 't'},
        {"extra-rows", required_argument, 0, 'x'}, {0, 0, 0, 0},
    };
    *o = (opts_t){.tokens = 20000, .dim = 256, .seed = 0};
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
        switch (c) {
        case 'p':
            TA_CALL(ta_synth_preset_parse(optarg, &o->preset));
            o->have_preset = 1;
            break;
        case 'n':
            TA_CALL(ta_args_int64("--tokens", optarg, 100, 100000000, &o->tokens));
            break;
        case 'd':
            TA_CALL(ta_args_int64("--dim", optarg, 2, 65536, &o->dim));
            break;
        case 's':
            TA_CALL(ta_args_int64("--seed", optarg, 0, INT64_MAX, &o->seed));
            break;
        case 'x':
            TA_CALL(ta_args_int64("--extra-rows", optarg, 0, 100000000, &o->extra));
            break;
        case 't':
            if (strcmp(optarg, "bf16") == 0 || strcmp(optarg, "BF16") == 0)
                o->f32 = 0;
            else if (strcmp(optarg, "f32") == 0 || strcmp(optarg, "F32") == 0)
                o->f32 = 1;
            else
                return TA_ERR(TA_EINPUT, "synth: --dtype: '%s' is not bf16 or f32", optarg);
            break;
        case 'o':
            o->out = optarg;
            break;
        default:
            return ta_args_bad_option("synth", usage, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return ta_args_bad_option("synth", usage, argv[optind]);
    if (!o->have_preset)
        return ta_args_missing("synth", usage, "--preset");
    if (!o->out)
        return ta_args_missing("synth", usage, "--out");
    return 0;
}

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

static int write_config(const ta_synth_t *s, const char *path, const opts_t *op)
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
            op->f32 ? "float32" : "bfloat16", ta_synth_preset_name(s->preset), s->n, s->rows,
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
static int write_small_files(const ta_synth_t *s, const opts_t *o)
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

static int cmd_main(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o);
    rc = ta_mpi_agree(rc);
    if (rc)
        return rc;
    int rank = ta_mpi_rank(), size = ta_mpi_size();
    double t0 = ta_now();
    ta_synth_t s;
    rc = ta_mpi_agree(
        ta_synth_init(&s, o.preset, o.tokens, o.tokens + o.extra, o.dim, (uint64_t)o.seed));
    if (rc)
        return rc;
    if (rank == 0)
        rc = write_small_files(&s, &o);
    rc = ta_mpi_agree(rc);

    char model[4200];
    snprintf(model, sizeof model, "%s/model.safetensors", o.out);
    const char *tensor = o.preset == TA_SYNTH_MEANING_ALIGNED ? "shared.weight"
                                                              : "embeddings.word_embeddings.weight";
    const char *dtype = o.f32 ? "F32" : "BF16";
    ta_stw_t w = {.fd = -1};
    if (!rc && rank == 0) {
        char seed[32], params[128];
        snprintf(seed, sizeof seed, "%" PRId64, o.seed);
        snprintf(params, sizeof params, "a=%g b=%g sigma=%g groups=%" PRId64, s.a, s.b, s.sigma,
                 s.ngroups);
        const char *keys[] = {"format", "generator", "preset", "seed", "params"};
        const char *vals[] = {"pt", "tokenatlas synth", ta_synth_preset_name(o.preset), seed,
                              params};
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
                    o.out, ta_synth_preset_name(o.preset), s.n, s.dim, dtype, o.seed,
                    ta_now() - t0);
    ta_synth_free(&s);
    return rc;
}

const ta_command_t ta_command_synth = {
    .name = "synth",
    .summary = "a synthetic model directory with planted structure and a MUSE dictionary",
    .usage =
        "synth --preset script-clustered|meaning-aligned --tokens N --dim D --seed S --out DIR",
    .help =
        "Writes DIR/model.safetensors, DIR/tokenizer.json (Unigram), DIR/config.json and\n"
        "DIR/dictionaries/en-xx.txt (MUSE format) for a model with planted structure: N tokens\n"
        "over 14 writing systems plus numbers, punctuation and symbols, each word token in a\n"
        "translation group headed by an English token. Row i is\n"
        "  x_i = a u_script(i) + b u_group(i) + sigma e_i\n"
        "(see README, section synth). The same seed gives the same vocabulary for both presets\n"
        "and the same bytes for any number of MPI ranks.\n"
        "\n"
        "options:\n"
        "  --preset P       script-clustered (XLM-R-like: a=1, b=0.35, sigma=0.6; tensor\n"
        "                   embeddings.word_embeddings.weight) or meaning-aligned (mT5-like:\n"
        "                   a=0.28, b=1, sigma=0.5; tensor shared.weight)\n"
        "  --tokens N       vocabulary size (default 20000, at least 100)\n"
        "  --dim D          embedding dimension (default 256)\n"
        "  --seed S         random seed (default 0)\n"
        "  --dtype T        bf16 (default) or f32\n"
        "  --extra-rows R   R padding rows past the vocabulary, as mT5 has (default 0)\n"
        "  --out DIR        output directory (created; its files are replaced)\n",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
