/* The blocking parameters of tokenatlas's loops, in one table (after BLIS's cache blocking
 * parameters MC/KC/NC/MR/NR: one place that says how each loop nest is partitioned, by how much,
 * and why). The loop nests that use them say which parameter partitions them; the kernels below
 * them see only plain arrays and sizes.
 *
 *  parameter                 value              partitions                      why
 *  ------------------------  -----------------  ------------------------------  -----------------
 *  ta_nbr_tile_rows(d)       1024 (d <= 2048),  neighbors: query rows and       GEMM tile of B x B
 *                            else 512           visiting rows into B x B tiles  scores, see below
 *                                               (--block-rows overrides)
 *  ta_nbr_slack(k, bf16)     16; 2 k + 16 with  -                               candidates kept per
 *                            the bf16 screen                                    row beyond k
 *  TA_TOPK_CAP_FACTOR        2                  a top-k row's buffer            cut back to kk
 *                                               (cap = 2 kk keys)               when full
 *  TA_TOPK_SCAN_WIDTH        16                 a score row into chunks         one SIMD compare
 *                                               tested against the threshold    per chunk
 *  TA_NBR_GEMM_COL_ALIGN     16                 a tile's columns over the       whole scan chunks
 *                                               rank's threads                  per thread
 *  TA_TOPK_SELECT512_MAX     1024               -                               AVX-512 (or AVX2)
 *                                                                               selection for
 *                                                                               buffers up to
 *                                                                               this many keys
 *  ta_nbr_rescore_block(B)   4 B                neighbors rescoring: queries    query rows stay in
 *                                               into blocks (stop points)       cache
 *  ta_probe_block_rows(d)    256 KiB of rows,   probe fit: a chunk's rows into  block stays in L2
 *                            32 .. 4096         blocks (two sgemv each)         between the sgemvs
 *  TA_PROBE_MAX_CHUNKS       64                 probe fit: the rows into at     fixed summation
 *                                               most 64 chunks of whole blocks  order, any threads
 *  TA_PROBE_READ_ROWS        16384              probe: the embedding rows read  bounded read calls
 *                                               per call
 *
 * Results do not depend on ta_nbr_tile_rows, ta_nbr_slack, the top-k parameters or
 * ta_nbr_rescore_block (the canonical rescoring makes neighbours bit-identical for every tile
 * size and rank count; the tests shrink the tiles to reach every edge case). They do depend on
 * ta_probe_block_rows and TA_PROBE_MAX_CHUNKS (the order of the probe's float sums): changing
 * either changes the probe's last bits. */
#ifndef TA_BLOCKING_H
#define TA_BLOCKING_H

#include <stdint.h>

enum {
    TA_NBR_SLACK = 16,
    TA_TOPK_CAP_FACTOR = 2,
    TA_TOPK_SCAN_WIDTH = 16,
    TA_NBR_GEMM_COL_ALIGN = TA_TOPK_SCAN_WIDTH,
    TA_TOPK_SELECT512_MAX = 1024,
    TA_PROBE_MAX_CHUNKS = 64,
    TA_PROBE_READ_ROWS = 16384,
};

/* Local. Tile rows B of `neighbors` for dimension d: two panels of B rows (2 B d 4 bytes) plus
 * the B x B score tile stay within a few MB of cache-friendly working set for the GEMM, and
 * B >= 512 keeps OpenBLAS near its peak. */
static inline int64_t ta_nbr_tile_rows(int64_t d)
{
    return d <= 2048 ? 1024 : 512;
}

/* Local. Candidates kept per row beyond k (kk = k + slack). The f32 screen errs by about d u, so
 * 16 more than k almost always hold the canonical top k. The bf16 screen's error band (about
 * 0.003-0.004 per row at d = 512) holds 1.7-2.8 k candidates on average within 2 delta of the
 * k-th at k = 100 (tests/tools/bench_gemm): 2 k more. */
static inline int64_t ta_nbr_slack(int64_t k, int bf16_screen)
{
    return bf16_screen ? 2 * k + TA_NBR_SLACK : TA_NBR_SLACK;
}

/* Local. Queries per block of the rescoring (its stop points): 4 B queries, 16 B d bytes of
 * query rows (8 MB at B = 1024, d = 512), stay in the cache while the visiting shard's
 * candidate rows are read once each. */
static inline int64_t ta_nbr_rescore_block(int64_t B)
{
    return 4 * B;
}

/* Local. Rows per block of the probe's fused loss/gradient pass (block_rows > 0 overrides):
 * about 256 KiB of f32 rows, so that a block read by the first sgemv is still in the L2 cache
 * for the second; at least 32 and at most 4096 rows. */
static inline int64_t ta_probe_block_rows(int64_t d, int64_t block_rows)
{
    if (block_rows > 0)
        return block_rows;
    int64_t rows = (int64_t)(262144 / (4 * (d > 0 ? d : 1)));
    if (rows < 32)
        rows = 32;
    if (rows > 4096)
        rows = 4096;
    return rows;
}

#endif
