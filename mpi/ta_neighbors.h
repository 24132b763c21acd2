/* Distributed exact top-k cosine neighbours (the driver behind `tokenatlas neighbors`).
 *
 * Rows are sharded contiguously over the ranks of ta_mpi_comm(); database shards travel around
 * a ring with non-blocking MPI while each rank multiplies its rows with the visiting shard tile
 * by tile (cblas_sgemm) and feeds the per-row top-k kernels (src/ta_topk.h). With all rows as
 * queries each pair of shards (and of tiles) is computed once and offered to both sides. The
 * selection keeps k + slack candidates by SGEMM score; their scores are then recomputed
 * canonically (ta_topk_canon_dot) so that the output is bit-identical for every rank count and
 * tile size. Within a rank, a team of threads splits each tile (SGEMM and selection) and the
 * rescoring. See README, section neighbors, for the schedule and its picture. */
#ifndef TA_NEIGHBORS_H
#define TA_NEIGHBORS_H

#include "io/ta_embed.h"
#include "kernels/ta_bf16.h"

#include <stdint.h>

typedef struct {
    int k;
    int exclude_self;
    int slack;                /* extra candidates kept per row (0 = default: 16, and 2k + 16 for the
                                 bf16 screen, whose wider error band holds more candidates) */
    ta_gemm_kind_t gemm;      /* the screening GEMM (ta_nbr_gemm_choose resolves auto) */
    int64_t block_rows;       /* tile rows (0 = auto: ta_nbr_auto_block_rows) */
    int threads;              /* threads per rank (0 = the OpenBLAS thread count); OpenBLAS runs
                                 one thread per call inside them */
    const char *ckpt_dir;     /* checkpoint directory, NULL for none */
    const char *ckpt_text;    /* fingerprint of inputs and parameters (compared on resume) */
    const char *queries_name; /* names the queries in messages (NULL: all rows are queries) */
} ta_nbr_opts_t;

typedef struct {
    int64_t n, d;           /* vocabulary rows and dimension */
    int64_t nq;             /* queries in total */
    int64_t q0, qn;         /* this rank's queries: positions [q0, q0+qn) of the query list */
    int32_t *qid;           /* qn query ids */
    int32_t *index;         /* qn x k, -1 where there is no neighbour */
    float *score;           /* qn x k, NaN where there is no neighbour */
    int64_t block_rows;     /* tile rows used */
    int kk;                 /* candidates kept per row (k + slack, capped) */
    int64_t zero_rows;      /* rows with norm 0 (excluded), all ranks */
    int64_t recomputed;     /* rows recomputed exactly after near-ties, all ranks */
    int resumed;            /* 1 when a checkpoint was used */
    double seconds;         /* wall time of the whole computation */
    double gemm_flops;      /* screening flops performed (2 per score and dimension), all ranks */
    char gemm[64];          /* the GEMM engine (rank 0's): "f32-openblas", "bf16x3-amx", ... */
    char gemm_impl[64];     /* oneDNN's implementation ("" without oneDNN) */
    int64_t gemm_fallbacks; /* bf16 tiles oneDNN could not take (SGEMM on converted operands) */
    double t_gemm, t_topk, t_comm, t_rescore; /* seconds, the slowest rank */
} ta_nbr_result_t;

/* Local. The automatic tile rows for dimension d (README documents the rule). */
int64_t ta_nbr_auto_block_rows(int64_t d);

/* Collective. The screening GEMM for --gemm auto (want < 0) or a given kind: auto takes bf16x3
 * when oneDNN runs bf16 on AMX on every rank (three bf16 products at 6-7x the f32 rate), else
 * f32: on AVX512-BF16 (about 2x f32) three products are slower than one f32 product, and the
 * plain bf16 screen keeps 2-3x more candidates per row. */
int ta_nbr_gemm_choose(int want, int64_t d, int64_t block_rows, ta_gemm_kind_t *kind);

/* Collective on ta_mpi_comm(). Computes the neighbours of the queries (ids sorted ascending,
 * queries == NULL for all rows, which uses the symmetry of X X^T). Returns TA_EINTERRUPTED
 * after saving a checkpoint when a stop was requested; every rank returns the same code. */
int ta_nbr_run(ta_embed_t *e, const int32_t *queries, int64_t nq, const ta_nbr_opts_t *o,
               ta_nbr_result_t *res);
/* Collective. Gathers every rank's results on rank 0 (*qid [nq], *index and *score [nq x k],
 * malloc'd on rank 0, NULL elsewhere); for the TSV output of small runs. */
int ta_nbr_gather(const ta_nbr_result_t *res, int k, int32_t **qid, int32_t **index, float **score);
/* Local. */
void ta_nbr_result_free(ta_nbr_result_t *res);

#endif
