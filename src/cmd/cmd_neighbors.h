/* `tokenatlas neighbors`: exact top-k cosine neighbours over the whole vocabulary. */
#ifndef CMD_NEIGHBORS_H
#define CMD_NEIGHBORS_H

#include <stdint.h>

typedef struct {
    const char *embeddings; /* --embeddings PATH */
    const char *tensor;     /* --tensor NAME, NULL = found by its known names */
    int64_t k;              /* -k K */
    const char *queries;    /* --queries all|sample:FRACTION:SEED|FILE */
    const char *subset;     /* --subset FILE: queries and candidates among these tokens only */
    int exclude_self;       /* --exclude-self */
    int64_t block_rows;     /* --block-rows N, 0 = auto */
    const char *out;        /* --out FILE.h5 */
    const char *tsv;        /* --tsv FILE, NULL = none */
    const char *vocab;      /* --vocab PATH: tokens of the TSV */
    int64_t threads;        /* --threads N, 0 = cores / ranks per node */
    int gemm;               /* --gemm: 0 auto, 1 f32, 2 bf16, 3 bf16x3 (ta_gemm_kind_t + 1) */
    int no_checkpoint;      /* --no-checkpoint */
    int quiet;              /* --quiet */
} ta_neighbors_opts_t;

/* Collective. */
int ta_cmd_neighbors_run(const ta_neighbors_opts_t *o);

#endif
