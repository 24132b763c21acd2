/* `tokenatlas neighbors`: exact top-k cosine neighbours of every token (or a sample) over the
 * whole vocabulary, distributed over the MPI ranks (mpi/ta_neighbors.c), written as HDF5 (and
 * optionally TSV in the paper's layout). */
#include "cmd/cmd_neighbors.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_rand.h"
#include "io/ta_ckpt.h"
#include "io/ta_embed.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"
#include "io/ta_subset.h"
#include "io/ta_vocab.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "mpi/ta_neighbors.h"
#include "cmd/ta_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_neighbors_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, embeddings, "embeddings", TA_OPT_REQUIRED, "PATH",
                  "model.h5, HF model directory, .safetensors, .npy or FILE.h5:/dataset")},
    {TA_OPT_STRING_(O, tensor, "tensor", 0, NULL, "NAME",
                    "the embedding tensor (default: found by its known names)")},
    {TA_OPT_INT_(O, k, "k", TA_OPT_REQUIRED, NULL, 1, INT32_MAX, "K",
                 "neighbours per query (self included unless --exclude-self)"),
     .alias = 'k'},
    {TA_OPT_STRING_(O, queries, "queries", TA_OPT_ALWAYS, "all", "all|sample:FRACTION:SEED|FILE",
                    "all tokens, a sample (round(FRACTION x N) ids, seeded), or a file of token "
                    "ids (one per line, # comments, or a .npy array of ids)")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE",
                  "restrict queries and candidate neighbours alike to these tokens (a text file "
                  "of ids, a .npy array, or FILE.h5:NAME, model NAME's ids in a subset map of "
                  "`overlap`): the neighbours are found among the subset's rows only, the output "
                  "keeps the original token ids; --queries then picks among the subset (a sample "
                  "draws round(FRACTION x subset size), a file's ids must lie in the subset)")},
    {TA_OPT_FLAG_(O, exclude_self, "exclude-self", "drop the query token itself from its list")},
    {TA_OPT_INT_(O, block_rows, "block-rows", 0, NULL, 0, 1 << 16, "N",
                 "tile rows (0 or absent = auto: 1024 for d <= 2048, else 512)")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED | TA_OPT_OUTPUT, "FILE.h5",
                  "/neighbors/index, /neighbors/score, /neighbors/query")},
    {TA_OPT_PATH_(O, tsv, "tsv", TA_OPT_OUTPUT, "FILE",
                  "also a TSV: score query_id query_token neighbor_id neighbor_token")},
    {TA_OPT_PATH_(O, vocab, "vocab", 0, "PATH",
                  "tokens for the TSV (default: /vocab/token of a model.h5)")},
    {TA_OPT_INT_(O, threads, "threads", 0, NULL, 0, 4096, "N",
                 "threads per rank (0 or absent: OPENBLAS_NUM_THREADS, SLURM_CPUS_PER_TASK or "
                 "cores / ranks per node)")},
    {TA_OPT_ENUM_(O, gemm, "gemm", 0, "auto", ta_cmd_gemms,
                  "the screening GEMM: f32 (OpenBLAS SGEMM), bf16 (oneDNN, bf16 rows; more "
                  "candidates per row), bf16x3 (oneDNN, x = hi + lo in bf16, three products); "
                  "auto = bf16x3 where oneDNN runs bf16 on AMX, else f32. The lists are the same "
                  "for every choice")},
    {TA_OPT_FLAG_(O, no_checkpoint, "no-checkpoint",
                  "do not save a checkpoint on SIGTERM/SIGUSR1 (OUT.ckpt/)")},
    {TA_OPT_FLAG_(O, quiet, "quiet", "no progress messages")},
    {TA_OPT_END_},
};
#undef O

/* The state of one run, from the inputs to the outputs. */
typedef struct {
    const ta_neighbors_opts_t *o;
    ta_embed_t e;
    int32_t *queries; /* sorted rows, NULL for all rows */
    int64_t nq;
    int64_t *sub, nsub; /* --subset: the token ids, ascending (NULL without) */
    int64_t block_rows;
    ta_gemm_kind_t gemm;       /* the screening GEMM (--gemm resolved) */
    char *fingerprint, *ckdir; /* checkpoint identity and directory (NULL without) */
    ta_vocab_t voc;
    int have_vocab;
    ta_nbr_result_t res;
} nb_t;

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* --subset: the tokens, ascending (ties by lower row are then ties by lower token id), selected
 * in the embeddings, so that the search runs on the sub-matrix as on any matrix; the results are
 * mapped back to token ids at the end (map_back). */
static int select_subset(nb_t *nb)
{
    TA_CALL(ta_subset_read(nb->o->subset, nb->e.rows, &nb->sub, &nb->nsub));
    qsort(nb->sub, (size_t)nb->nsub, sizeof *nb->sub, cmp_i64);
    return ta_embed_select(&nb->e, nb->sub, nb->nsub);
}

/* The row of token id among the subset's, -1 when it is not in it. */
static int64_t subset_row(const nb_t *nb, int64_t id)
{
    const int64_t *p = bsearch(&id, nb->sub, (size_t)nb->nsub, sizeof id, cmp_i64);
    return p ? p - nb->sub : -1;
}

/* sample:FRACTION:SEED: round(FRACTION x N) ids (at least 1) by a partial Fisher-Yates shuffle
 * driven by SplitMix64 seeded with SEED, sorted. */
static int sample_queries(const char *spec, int64_t n, int32_t **ids, int64_t *nq)
{
    char *end;
    double frac = strtod(spec + 7, &end);
    TA_CHECK(end != spec + 7 && *end == ':' && frac > 0 && frac <= 1, TA_EINPUT,
             "--queries %s: expected sample:FRACTION:SEED with 0 < FRACTION <= 1", spec);
    char *end2;
    errno = 0;
    unsigned long long seed = strtoull(end + 1, &end2, 10);
    /* strtoull takes "-1" as 2^64 - 1: the seed starts with a digit. */
    TA_CHECK(end[1] >= '0' && end[1] <= '9' && *end2 == '\0' && errno == 0, TA_EINPUT,
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

/* FILE: the ids it lists (a subset spec, io/ta_subset.h: text, .npy or FILE.h5:NAME; each at
 * most once) as rows, sorted; with --subset each must be one of the subset's tokens. */
static int read_queries(const nb_t *nb, const char *spec, int32_t **ids, int64_t *nq)
{
    int64_t *v, cnt;
    TA_CALL(ta_subset_read(spec, nb->e.stored_rows, &v, &cnt));
    int32_t *q = ta_malloc((size_t)cnt * sizeof *q);
    if (!q) {
        free(v);
        return TA_ERR(TA_ERESOURCE, "out of memory for the queries of %s", spec);
    }
    for (int64_t i = 0; i < cnt; i++) {
        int64_t row = nb->sub ? subset_row(nb, v[i]) : v[i];
        if (row < 0) {
            char where[4400];
            ta_subset_place(spec, i, where, sizeof where);
            int rc = TA_ERR(TA_EINPUT,
                            "%s: token id %lld is not in the subset %s (--queries must lie in "
                            "--subset)",
                            where, (long long)v[i], nb->o->subset);
            free(v);
            free(q);
            return rc;
        }
        q[i] = (int32_t)row;
    }
    free(v);
    qsort(q, (size_t)cnt, sizeof *q, cmp_i32);
    *ids = q;
    *nq = cnt;
    return 0;
}

static int queries_from_file(const char *spec)
{
    return strcmp(spec, "all") != 0 && strncmp(spec, "sample:", 7) != 0;
}

/* The query rows (sorted, unique), or *ids = NULL for all rows (of the subset, if any). */
static int parse_queries(const nb_t *nb, const char *spec, int32_t **ids, int64_t *nq)
{
    const int64_t n = nb->e.rows;
    *ids = NULL;
    *nq = n;
    if (strcmp(spec, "all") == 0)
        return 0;
    if (strncmp(spec, "sample:", 7) == 0)
        return sample_queries(spec, n, ids, nq);
    return read_queries(nb, spec, ids, nq);
}

/* The size and modification time of the file behind a subset spec, for the fingerprint. */
static int spec_stamp(const char *spec, char *st, size_t cap)
{
    char *file = NULL;
    TA_CALL(ta_subset_file(spec, &file));
    int rc = ta_ckpt_file_stamp(file, st, cap);
    free(file);
    return rc;
}

/* The fingerprint a checkpoint must match: inputs (size and mtime) and every parameter that
 * shapes the computation or its resume position. */
static int fingerprint(nb_t *nb)
{
    const ta_neighbors_opts_t *o = nb->o;
    const ta_embed_t *e = &nb->e;
    char st[128], qst[128] = "", sst[128] = "", *sub = NULL;
    TA_CALL(ta_ckpt_file_stamp(e->file, st, sizeof st));
    if (queries_from_file(o->queries))
        TA_CALL(spec_stamp(o->queries, qst, sizeof qst));
    /* Without --subset the text is the same as before the option existed. */
    if (o->subset) {
        TA_CALL(spec_stamp(o->subset, sst, sizeof sst));
        TA_CALL(ta_cmd_sprintf(&sub, "subset %s %s %lld\n", o->subset, sst, (long long)nb->nsub));
    }
    int rc = ta_cmd_sprintf(&nb->fingerprint,
                            "tokenatlas neighbors checkpoint v3\n"
                            "embeddings %s %s tensor %s shape %lldx%lld dtype %s\n"
                            "queries %s %s\n%s"
                            "k %d exclude_self %d block_rows %lld ranks %d\n"
                            "gemm %s\n",
                            e->file, st, e->tensor, (long long)e->rows, (long long)e->cols,
                            e->dtype, o->queries, qst, sub ? sub : "", (int)o->k, o->exclude_self,
                            (long long)nb->block_rows, ta_mpi_size(), ta_gemm_kind_name(nb->gemm));
    free(sub);
    TA_CALL(rc);
    return ta_cmd_sprintf(&nb->ckdir, "%s.ckpt", o->out);
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

/* Rank 0: tokens for the TSV, and /vocab/token copied when the input is a model.h5 (one without
 * /vocab simply has no tokens). */
static int read_vocab(nb_t *nb)
{
    const ta_neighbors_opts_t *o = nb->o;
    if (ta_mpi_rank() != 0 || !(o->vocab || is_model_h5(&nb->e)))
        return 0;
    int rc = ta_vocab_read(o->vocab ? o->vocab : nb->e.file, &nb->voc);
    if (rc && !o->vocab) {
        ta_err_clear();
        return 0;
    }
    nb->have_vocab = rc == 0;
    /* A token per row: a shorter vocabulary would leave rows unnamed in the TSV, a longer one
     * belongs to another model (ingest drops padding rows past the vocabulary). */
    TA_CHECK(rc || nb->voc.n == nb->e.stored_rows, TA_EINPUT,
             "%s: %lld tokens for the %lld rows of %s: the vocabulary must name every row",
             o->vocab ? o->vocab : nb->e.file, (long long)nb->voc.n, (long long)nb->e.stored_rows,
             nb->e.spec);
    return rc;
}

/* Collective. The inputs: embeddings, queries, checkpoint identity, tokens. */
static int prepare(nb_t *nb)
{
    const ta_neighbors_opts_t *o = nb->o;
    int rc = ta_embed_open(o->embeddings, o->tensor, &nb->e);
    if (!rc && o->subset)
        rc = select_subset(nb);
    if (!rc) {
        int64_t avail = nb->e.rows - (o->exclude_self ? 1 : 0);
        if (o->k > avail)
            rc =
                TA_ERR(TA_EINPUT, "%s: -k %lld exceeds the %lld rows available as neighbours%s%s%s",
                       o->embeddings, (long long)o->k, (long long)avail,
                       o->subset ? " in the subset " : "", o->subset ? o->subset : "",
                       o->exclude_self ? " (--exclude-self)" : "");
    }
    if (!rc)
        rc = parse_queries(nb, o->queries, &nb->queries, &nb->nq);
    nb->block_rows = o->block_rows > 0 ? o->block_rows : ta_nbr_auto_block_rows(nb->e.cols);
    TA_CALL(ta_mpi_agree(rc));
    TA_CALL(ta_nbr_gemm_choose(o->gemm - 1, nb->e.cols, nb->block_rows, &nb->gemm));
    if (!rc && !o->no_checkpoint)
        rc = fingerprint(nb);
    if (!rc)
        rc = read_vocab(nb);
    TA_CALL(ta_mpi_agree(rc));
    ta_prov_add_input(nb->e.file);
    if (queries_from_file(o->queries))
        ta_subset_add_input(o->queries);
    if (o->subset) {
        ta_subset_add_input(o->subset);
        ta_prov_set_str("subset", o->subset);
    }
    if (o->vocab)
        ta_prov_add_input(o->vocab);
    return 0;
}

/* Logs the timings and records them in the provenance. */
static void report_run(const nb_t *nb)
{
    const ta_nbr_result_t *res = &nb->res;
    ta_embed_warn_zero_rows(&nb->e, &(ta_rownorm_zeros_t){res->zero_rows, -1},
                            "they are neither queries nor neighbours (index -1, score NaN)");
    double gflops = res->gemm_flops / (res->seconds > 0 ? res->seconds : 1) * 1e-9;
    ta_log_info("neighbors: %.2f s, %.1f GFLOP/s (GEMM %s %.2f s, top-k %.2f s, communication "
                "%.2f s, rescoring %.2f s on the slowest rank; %lld rows recomputed exactly)",
                res->seconds, gflops, res->gemm, res->t_gemm, res->t_topk, res->t_comm,
                res->t_rescore, (long long)res->recomputed);
    if (res->recomputed)
        ta_log_info("neighbors: %lld rows had near-ties at the k-th place and were recomputed "
                    "exactly",
                    (long long)res->recomputed);
    if (res->gemm_fallbacks)
        ta_log_warn("neighbors: oneDNN could not take %lld bf16 tiles; they ran on SGEMM",
                    (long long)res->gemm_fallbacks);
    ta_prov_set_str("gemm", res->gemm);
    if (res->gemm_impl[0])
        ta_prov_set_str("gemm_impl", res->gemm_impl);
    ta_prov_set_num("gemm_gflops", res->gemm_flops / (res->t_gemm > 0 ? res->t_gemm : 1) * 1e-9);
    ta_prov_set_str("blas_core", ta_blas_corename());
    ta_prov_set_num("blas_threads", ta_blas_threads());
    if (ta_blas_reexec()[0])
        ta_prov_set_str("blas_reexec", ta_blas_reexec());
    ta_prov_set_num("gflops", gflops);
    ta_prov_set_num("seconds", res->seconds);
    ta_prov_set_num("seconds_gemm", res->t_gemm);
    ta_prov_set_num("seconds_topk", res->t_topk);
    ta_prov_set_num("seconds_comm", res->t_comm);
    ta_prov_set_num("seconds_rescore", res->t_rescore);
}

/* Rank 0, serial phase: the attributes of /neighbors and the tokens of a model.h5. */
static int write_serial(const nb_t *nb, ta_h5out_t *h)
{
    const ta_neighbors_opts_t *o = nb->o;
    const ta_h5_attr_t attrs[] = {
        TA_H5_ATTR_INT_("k", o->k),
        TA_H5_ATTR_INT_("exclude_self", o->exclude_self),
        TA_H5_ATTR_INT_("n_tokens", nb->e.stored_rows),
        TA_H5_ATTR_STR_("queries", o->queries),
        TA_H5_ATTR_STR_("embeddings", o->embeddings),
        TA_H5_ATTR_INT_("block_rows", nb->block_rows),
        TA_H5_ATTR_INT_("zero_rows", nb->res.zero_rows),
    };
    TA_CALL(ta_h5_write_attrs(h->file, "/neighbors", attrs, sizeof attrs / sizeof attrs[0]));
    if (o->subset) {
        const ta_h5_attr_t sub[] = {
            TA_H5_ATTR_STR_("subset", o->subset),
            TA_H5_ATTR_INT_("n_subset", nb->nsub),
        };
        TA_CALL(ta_h5_write_attrs(h->file, "/neighbors", sub, 2));
    }
    if (nb->have_vocab && is_model_h5(&nb->e) && nb->voc.n == nb->e.stored_rows)
        TA_CALL(ta_h5_write_strings(h->file, "/vocab/token", (const char *const *)nb->voc.piece,
                                    nb->voc.n));
    return 0;
}

/* Local. The results in token ids: the rows of the selected sub-matrix (--subset) mapped back to
 * the tokens they stand for, queries and neighbours alike. */
static void map_back(nb_t *nb)
{
    ta_nbr_result_t *r = &nb->res;
    if (!nb->e.sel)
        return;
    for (int64_t q = 0; q < r->qn; q++)
        r->qid[q] = (int32_t)ta_embed_row_id(&nb->e, r->qid[q]);
    for (int64_t i = 0; i < r->qn * nb->o->k; i++)
        if (r->index[i] >= 0)
            r->index[i] = (int32_t)ta_embed_row_id(&nb->e, r->index[i]);
}

/* Collective. OUT.h5: every rank its rows, then rank 0 the attributes. */
static int write_h5(const nb_t *nb)
{
    const ta_nbr_result_t *res = &nb->res;
    int64_t k = nb->o->k, nq = nb->nq;
    ta_h5out_t h;
    TA_CALL(ta_h5out_create(&h, nb->o->out, ta_mpi_comm()));
    int rc = ta_h5_write_rows(h.file, "/neighbors/index", TA_ELEM_I32, nq, k, res->q0, res->qn,
                              res->index);
    if (!rc)
        rc = ta_h5_write_rows(h.file, "/neighbors/score", TA_ELEM_F32, nq, k, res->q0, res->qn,
                              res->score);
    if (!rc)
        rc = ta_h5_write_rows(h.file, "/neighbors/query", TA_ELEM_I32, nq, 0, res->q0, res->qn,
                              res->qid);
    rc = ta_mpi_agree(rc);
    if (rc) {
        ta_h5out_abort(&h);
        return rc;
    }
    TA_CALL(ta_h5out_to_serial(&h));
    rc = ta_mpi_rank() == 0 ? write_serial(nb, &h) : 0;
    return ta_h5out_commit(&h, rc);
}

/* Collective. The TSV, from the results gathered on rank 0. */
static int write_tsv_all(const nb_t *nb)
{
    int32_t *gq = NULL, *gi = NULL;
    float *gs = NULL;
    int rc = ta_nbr_gather(&nb->res, (int)nb->o->k, &gq, &gi, &gs);
    if (!rc && ta_mpi_rank() == 0)
        rc = write_tsv(nb->o->tsv, nb->have_vocab ? &nb->voc : NULL, nb->nq, (int)nb->o->k, gq, gi,
                       gs);
    free(gq);
    free(gi);
    free(gs);
    return ta_mpi_agree(rc);
}

static void nb_free(nb_t *nb)
{
    ta_nbr_result_free(&nb->res);
    if (nb->have_vocab)
        ta_vocab_free(&nb->voc);
    if (nb->e.impl)
        ta_embed_close(&nb->e);
    free(nb->queries);
    free(nb->sub);
    free(nb->fingerprint);
    free(nb->ckdir);
}

int ta_cmd_neighbors_run(const ta_neighbors_opts_t *o)
{
    TA_CALL(ta_mpi_agree(ta_opt_check(&ta_cmd_neighbors, o)));
    if (o->quiet)
        ta_log_set_quiet(1);
    if (o->threads)
        ta_blas_set_threads((int)o->threads);
    nb_t nb;
    memset(&nb, 0, sizeof nb);
    nb.o = o;
    int rc = prepare(&nb);
    if (rc)
        goto out;
    ta_log_info("neighbors: %lld x %lld (%s)%s%s, k = %lld, %lld queries, %d ranks x %d threads, "
                "tiles of %lld rows, OpenBLAS %s",
                (long long)nb.e.rows, (long long)nb.e.cols, nb.e.dtype,
                o->subset ? ", the rows of the subset " : "", o->subset ? o->subset : "",
                (long long)o->k, (long long)nb.nq, ta_mpi_size(), ta_blas_threads(),
                (long long)nb.block_rows, ta_blas_corename());
    ta_nbr_opts_t no = {.k = (int)o->k,
                        .exclude_self = o->exclude_self,
                        .block_rows = nb.block_rows,
                        .gemm = nb.gemm,
                        .ckpt_dir = nb.ckdir,
                        .ckpt_text = nb.fingerprint,
                        .queries_name = o->queries};
    TA_CALL_GOTO(ta_nbr_run(&nb.e, nb.queries, nb.nq, &no, &nb.res), out);
    map_back(&nb);
    report_run(&nb);
    TA_CALL_GOTO(write_h5(&nb), out);
    if (o->tsv)
        TA_CALL_GOTO(write_tsv_all(&nb), out);
    if (nb.ckdir && ta_mpi_rank() == 0)
        ta_ckpt_remove(nb.ckdir);
out:
    rc = ta_mpi_agree(rc);
    nb_free(&nb);
    return rc;
}

TA_CMD_DEFINE(neighbors, ta_neighbors_opts_t,
              .summary = "exact top-k cosine neighbours over the whole vocabulary",
              .flags = TA_CMD_MPI);
