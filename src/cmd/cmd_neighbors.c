/* `tokenatlas neighbors`: exact top-k cosine neighbours of every token (or a sample) over the
 * whole vocabulary, distributed over the MPI ranks (mpi/ta_neighbors.c), written as HDF5 (and
 * optionally TSV in the paper's layout). */
#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_rand.h"
#include "io/ta_ckpt.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "mpi/ta_neighbors.h"
#include "cmd/ta_args.h"
#include "cmd/ta_cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                                      \
    "neighbors --embeddings PATH -k K [--queries all|sample:FRACTION:SEED|FILE] [--exclude-self] " \
    "--out FILE.h5"

typedef struct {
    const char *emb, *tensor, *queries, *out, *tsv, *vocab;
    int k, exclude_self, quiet, threads, checkpoint;
    int64_t block_rows;
} opts_t;

static int parse(int argc, char **argv, opts_t *o)
{
    static const struct option lo[] = {{"embeddings", required_argument, 0, 'e'},
                                       {"tensor", required_argument, 0, 'T'},
                                       {"k", required_argument, 0, 'k'},
                                       {"queries", required_argument, 0, 'q'},
                                       {"exclude-self", no_argument, 0, 'x'},
                                       {"out", required_argument, 0, 'o'},
                                       {"tsv", required_argument, 0, 't'},
                                       {"vocab", required_argument, 0, 'v'},
                                       {"block-rows", required_argument, 0, 'b'},
                                       {"threads", required_argument, 0, 'j'},
                                       {"quiet", no_argument, 0, 'Q'},
                                       {"no-checkpoint", no_argument, 0, 'N'},
                                       {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->queries = "all";
    o->k = -1;
    o->checkpoint = 1;
    optind = 1;
    opterr = 0;
    int ch;
    int64_t v;
    while ((ch = getopt_long(argc, argv, ":k:", lo, NULL)) != -1) {
        switch (ch) {
        case 'e':
            o->emb = optarg;
            break;
        case 'T':
            o->tensor = optarg;
            break;
        case 'k':
            TA_CALL(ta_args_int64("-k", optarg, 0, INT32_MAX, &v));
            o->k = (int)v;
            break;
        case 'q':
            o->queries = optarg;
            break;
        case 'x':
            o->exclude_self = 1;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 't':
            o->tsv = optarg;
            break;
        case 'v':
            o->vocab = optarg;
            break;
        case 'b':
            TA_CALL(ta_args_int64("--block-rows", optarg, 0, 1 << 16, &o->block_rows));
            break;
        case 'j':
            TA_CALL(ta_args_int64("--threads", optarg, 1, 4096, &v));
            o->threads = (int)v;
            break;
        case 'Q':
            o->quiet = 1;
            break;
        case 'N':
            o->checkpoint = 0;
            break;
        default:
            return ta_args_bad_option("neighbors", USAGE, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return ta_args_bad_option("neighbors", USAGE, argv[optind]);
    if (!o->emb)
        return ta_args_missing("neighbors", USAGE, "--embeddings");
    if (o->k < 0)
        return ta_args_missing("neighbors", USAGE, "-k");
    if (!o->out)
        return ta_args_missing("neighbors", USAGE, "--out");
    TA_CHECK(o->k >= 1, TA_EINPUT, "neighbors: -k 0: k must be at least 1");
    return 0;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The query ids (sorted, unique), or *ids = NULL for all rows. sample:FRACTION:SEED takes
 * round(FRACTION x N) ids (at least 1) by a partial Fisher-Yates shuffle driven by SplitMix64
 * seeded with SEED; FILE holds one id per line ('#' starts a comment). */
static int parse_queries(const char *spec, int64_t n, int32_t **ids, int64_t *nq)
{
    *ids = NULL;
    *nq = n;
    if (strcmp(spec, "all") == 0)
        return 0;
    if (strncmp(spec, "sample:", 7) == 0) {
        char *end;
        double frac = strtod(spec + 7, &end);
        TA_CHECK(end != spec + 7 && *end == ':' && frac > 0 && frac <= 1, TA_EINPUT,
                 "--queries %s: expected sample:FRACTION:SEED with 0 < FRACTION <= 1", spec);
        char *end2;
        unsigned long long seed = strtoull(end + 1, &end2, 10);
        TA_CHECK(end2 != end + 1 && *end2 == '\0', TA_EINPUT,
                 "--queries %s: the seed must be a non-negative integer", spec);
        int64_t m = llround(frac * (double)n);
        if (m < 1)
            m = 1;
        int32_t *perm = ta_malloc((size_t)n * sizeof(int32_t));
        TA_CHECK_ALLOC(perm, n * 4);
        for (int64_t i = 0; i < n; i++)
            perm[i] = (int32_t)i;
        ta_splitmix_t st = {seed};
        for (int64_t i = 0; i < m; i++) {
            int64_t j = i + (int64_t)(ta_splitmix_next(&st) % (uint64_t)(n - i));
            int32_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        qsort(perm, (size_t)m, sizeof *perm, cmp_i32);
        *ids = perm;
        *nq = m;
        return 0;
    }
    char *text;
    size_t len;
    TA_CALL(ta_file_read_all(spec, &text, &len));
    int64_t cap = 0, cnt = 0, line = 1;
    int32_t *v = NULL;
    int rc = 0;
    for (char *p = text; *p;) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        char *hash = strchr(p, '#');
        if (hash)
            *hash = '\0';
        char *s = p + strspn(p, " \t\r");
        if (*s) {
            char *end;
            long long x = strtoll(s, &end, 10);
            end += strspn(end, " \t\r");
            TA_CHECK_GOTO(*end == '\0' && end != s, TA_EINPUT, out,
                          "%s:%lld: '%s' is not a token id", spec, (long long)line, s);
            TA_CHECK_GOTO(x >= 0 && x < n, TA_EINPUT, out,
                          "%s:%lld: token id %lld out of range [0, %lld)", spec, (long long)line, x,
                          (long long)n);
            TA_CALL_GOTO(ta_grow(&v, &cap, cnt + 1, sizeof *v), out);
            v[cnt++] = (int32_t)x;
        }
        line++;
        if (!eol)
            break;
        p = eol + 1;
    }
    TA_CHECK_GOTO(cnt > 0, TA_EINPUT, out, "%s: no token ids", spec);
    qsort(v, (size_t)cnt, sizeof *v, cmp_i32);
    for (int64_t i = 1; i < cnt; i++)
        TA_CHECK_GOTO(v[i] != v[i - 1], TA_EINPUT, out, "%s: token id %d listed twice", spec,
                      (int)v[i]);
    *ids = v;
    *nq = cnt;
    v = NULL;
out:
    free(v);
    free(text);
    return rc;
}

/* The fingerprint a checkpoint must match: inputs (size and mtime) and every parameter that
 * shapes the computation or its resume position. */
static int fingerprint(const opts_t *o, const ta_embed_t *e, int64_t block_rows, char **text)
{
    char st[128], qst[128] = "";
    TA_CALL(ta_ckpt_file_stamp(e->file, st, sizeof st));
    if (strcmp(o->queries, "all") != 0 && strncmp(o->queries, "sample:", 7) != 0)
        TA_CALL(ta_ckpt_file_stamp(o->queries, qst, sizeof qst));
    size_t cap = strlen(e->file) + strlen(e->tensor) + strlen(o->queries) + 1024;
    *text = ta_malloc(cap);
    TA_CHECK_ALLOC(*text, cap);
    snprintf(*text, cap,
             "tokenatlas neighbors checkpoint v2\n"
             "embeddings %s %s tensor %s shape %lldx%lld dtype %s\n"
             "queries %s %s\n"
             "k %d exclude_self %d block_rows %lld ranks %d\n",
             e->file, st, e->tensor, (long long)e->rows, (long long)e->cols, e->dtype, o->queries,
             qst, o->k, o->exclude_self, (long long)block_rows, ta_mpi_size());
    return 0;
}

/* Rank 0: the TSV in the paper's layout, one line per (query, neighbour). */
static int write_tsv(const char *path, const ta_vocab_t *v, int64_t nq, int k, const int32_t *qid,
                     const int32_t *index, const float *score)
{
    ta_outfile_t f;
    TA_CALL(ta_outfile_open(&f, path));
    fputs("score\tquery_id\tquery_token\tneighbor_id\tneighbor_token\n", f.fp);
    for (int64_t q = 0; q < nq; q++)
        for (int e = 0; e < k; e++) {
            int32_t j = index[q * k + e];
            if (j < 0)
                continue;
            fprintf(f.fp, "%.6f\t%d\t", (double)score[q * k + e], (int)qid[q]);
            if (v && qid[q] < v->n)
                ta_tsv_put_escaped(f.fp, v->piece[qid[q]], v->len[qid[q]]);
            fprintf(f.fp, "\t%d\t", (int)j);
            if (v && j < v->n)
                ta_tsv_put_escaped(f.fp, v->piece[j], v->len[j]);
            fputc('\n', f.fp);
        }
    TA_CALL(ta_outfile_commit(&f));
    return 0;
}

static int is_model_h5(const ta_embed_t *e)
{
    size_t n = strlen(e->file);
    int h5 = (n > 3 && strcmp(e->file + n - 3, ".h5") == 0) ||
             (n > 5 && strcmp(e->file + n - 5, ".hdf5") == 0);
    return h5 && (strcmp(e->tensor, "/embeddings") == 0 || strcmp(e->tensor, "embeddings") == 0);
}

static int cmd_main(int argc, char **argv)
{
    opts_t o;
    int rc = ta_mpi_agree(parse(argc, argv, &o));
    if (rc)
        return rc;
    if (o.quiet)
        ta_log_set_quiet(1);
    if (o.threads)
        ta_blas_set_threads(o.threads);
    ta_embed_t e;
    memset(&e, 0, sizeof e);
    int32_t *queries = NULL, *gq = NULL, *gi = NULL;
    float *gs = NULL;
    int64_t nq = 0;
    char *fp = NULL, ckdir[4200];
    ta_vocab_t voc;
    int have_vocab = 0;
    ta_nbr_result_t res;
    memset(&res, 0, sizeof res);
    memset(&voc, 0, sizeof voc);
    snprintf(ckdir, sizeof ckdir, "%s.ckpt", o.out);

    rc = ta_embed_open(o.emb, o.tensor, &e);
    if (!rc) {
        int64_t avail = e.rows - (o.exclude_self ? 1 : 0);
        if (o.k > avail)
            rc = TA_ERR(TA_EINPUT, "%s: -k %d exceeds the %lld rows available as neighbours%s",
                        o.emb, o.k, (long long)avail, o.exclude_self ? " (--exclude-self)" : "");
    }
    if (!rc)
        rc = parse_queries(o.queries, e.rows, &queries, &nq);
    int64_t B = o.block_rows > 0 ? o.block_rows : ta_nbr_auto_block_rows(e.cols);
    if (!rc && o.checkpoint)
        rc = fingerprint(&o, &e, B, &fp);
    if (!rc && (o.vocab || (o.tsv && is_model_h5(&e)) || is_model_h5(&e))) {
        /* Tokens for the TSV, and /vocab/token copied when the input is a model.h5. */
        const char *vp = o.vocab ? o.vocab : e.file;
        if (ta_mpi_rank() == 0) {
            rc = ta_vocab_read(vp, &voc);
            if (rc && !o.vocab) {
                ta_err_clear(); /* an .h5 without /vocab: no tokens */
                rc = 0;
            } else if (!rc) {
                have_vocab = 1;
            }
        }
    }
    rc = ta_mpi_agree(rc);
    if (rc)
        goto out;
    ta_prov_add_input(e.file);
    if (strcmp(o.queries, "all") != 0 && strncmp(o.queries, "sample:", 7) != 0)
        ta_prov_add_input(o.queries);
    if (o.vocab)
        ta_prov_add_input(o.vocab);
    ta_log_info("neighbors: %lld x %lld (%s), k = %d, %lld queries, %d ranks x %d threads, "
                "tiles of %lld rows, OpenBLAS %s",
                (long long)e.rows, (long long)e.cols, e.dtype, o.k, (long long)nq, ta_mpi_size(),
                ta_blas_threads(), (long long)B, ta_blas_corename());

    ta_nbr_opts_t no = {.k = o.k,
                        .exclude_self = o.exclude_self,
                        .block_rows = B,
                        .ckpt_dir = o.checkpoint ? ckdir : NULL,
                        .ckpt_text = fp};
    rc = ta_nbr_run(&e, queries, nq, &no, &res);
    if (rc)
        goto out;
    ta_embed_warn_zero_rows(&e, &(ta_rownorm_zeros_t){res.zero_rows, -1},
                            "they are neither queries nor neighbours (index -1, score NaN)");
    double gflops = res.gemm_flops / (res.seconds > 0 ? res.seconds : 1) * 1e-9;
    ta_log_info("neighbors: %.2f s, %.1f GFLOP/s (SGEMM %.2f s, top-k %.2f s, communication %.2f "
                "s, rescoring %.2f s on the slowest rank; %lld rows recomputed exactly)",
                res.seconds, gflops, res.t_gemm, res.t_topk, res.t_comm, res.t_rescore,
                (long long)res.recomputed);
    if (res.recomputed)
        ta_log_info("neighbors: %lld rows had near-ties at the k-th place and were recomputed "
                    "exactly",
                    (long long)res.recomputed);

    ta_prov_set_str("blas_core", ta_blas_corename());
    ta_prov_set_num("blas_threads", ta_blas_threads());
    if (ta_blas_reexec()[0])
        ta_prov_set_str("blas_reexec", ta_blas_reexec());
    ta_prov_set_num("gflops", gflops);
    ta_prov_set_num("seconds", res.seconds);
    ta_prov_set_num("seconds_gemm", res.t_gemm);
    ta_prov_set_num("seconds_topk", res.t_topk);
    ta_prov_set_num("seconds_comm", res.t_comm);
    ta_prov_set_num("seconds_rescore", res.t_rescore);

    ta_h5out_t h;
    rc = ta_h5out_create(&h, o.out, ta_mpi_comm());
    if (rc)
        goto out;
    rc = ta_h5_write_rows(h.file, "/neighbors/index", H5T_NATIVE_INT32, nq, o.k, res.q0, res.qn,
                          res.index);
    if (!rc)
        rc = ta_h5_write_rows(h.file, "/neighbors/score", H5T_NATIVE_FLOAT, nq, o.k, res.q0, res.qn,
                              res.score);
    if (!rc)
        rc = ta_h5_write_rows(h.file, "/neighbors/query", H5T_NATIVE_INT32, nq, 0, res.q0, res.qn,
                              res.qid);
    rc = ta_mpi_agree(rc);
    if (rc) {
        ta_h5out_abort(&h);
        goto out;
    }
    rc = ta_h5out_to_serial(&h);
    if (rc)
        goto out;
    if (ta_mpi_rank() == 0) {
        hid_t g = H5Gopen2(h.file, "/neighbors", H5P_DEFAULT);
        if (g < 0)
            rc = TA_ERR(TA_EINTERNAL, "%s: cannot open /neighbors", h.tmp);
        if (!rc)
            rc = ta_h5_attr_int(g, "k", o.k);
        if (!rc)
            rc = ta_h5_attr_int(g, "exclude_self", o.exclude_self);
        if (!rc)
            rc = ta_h5_attr_int(g, "n_tokens", e.rows);
        if (!rc)
            rc = ta_h5_attr_str(g, "queries", o.queries);
        if (!rc)
            rc = ta_h5_attr_str(g, "embeddings", o.emb);
        if (!rc)
            rc = ta_h5_attr_int(g, "block_rows", B);
        if (!rc)
            rc = ta_h5_attr_int(g, "zero_rows", res.zero_rows);
        if (g >= 0)
            H5Gclose(g);
        if (!rc && have_vocab && is_model_h5(&e) && voc.n == e.rows)
            rc = ta_h5_write_strings(h.file, "/vocab/token", (const char *const *)voc.piece, voc.n);
    }
    rc = ta_h5out_commit(&h, rc);
    if (rc)
        goto out;
    if (o.tsv) {
        rc = ta_nbr_gather(&res, o.k, &gq, &gi, &gs);
        if (!rc && ta_mpi_rank() == 0)
            rc = write_tsv(o.tsv, have_vocab ? &voc : NULL, nq, o.k, gq, gi, gs);
        rc = ta_mpi_agree(rc);
    }
    if (!rc && o.checkpoint && ta_mpi_rank() == 0)
        ta_ckpt_remove(ckdir, ta_mpi_size());
out:
    rc = ta_mpi_agree(rc);
    ta_nbr_result_free(&res);
    if (have_vocab)
        ta_vocab_free(&voc);
    if (e.impl)
        ta_embed_close(&e);
    free(queries);
    free(fp);
    free(gq);
    free(gi);
    free(gs);
    return rc;
}

const ta_command_t ta_command_neighbors = {
    .name = "neighbors",
    .summary = "exact top-k cosine neighbours over the whole vocabulary",
    .usage = USAGE,
    .help =
        "  --embeddings PATH   model.h5, HF model directory, .safetensors, .npy or "
        "FILE.h5:/dataset\n"
        "  --tensor NAME       the embedding tensor (default: found by its known names)\n"
        "  -k K                neighbours per query (self included unless --exclude-self)\n"
        "  --queries SPEC      all (default), sample:FRACTION:SEED, or a file of token ids\n"
        "  --exclude-self      drop the query token itself from its list\n"
        "  --out FILE.h5       /neighbors/index, /neighbors/score, /neighbors/query\n"
        "  --tsv FILE          also a TSV: score query_id query_token neighbor_id neighbor_token\n"
        "  --vocab PATH        tokens for the TSV (default: /vocab/token of a model.h5)\n"
        "  --block-rows N      tile rows (0 = auto: 1024 for d <= 2048, else 512)\n"
        "  --threads N         threads per rank (default: cores / ranks per node)\n"
        "  --no-checkpoint     do not save a checkpoint on SIGTERM/SIGUSR1 (OUT.ckpt/)\n"
        "  --quiet             no progress messages\n",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
