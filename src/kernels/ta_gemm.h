/* The screening GEMM engine of the neighbour search: C = A B^T for tiles of packed rows
 * (kernels/ta_bf16.h), f32 output.
 *
 * f32: OpenBLAS cblas_sgemm on the f32 rows (engine "f32-openblas").
 *
 * bf16 and bf16x3: oneDNN matmul with bf16 inputs, f32 accumulation and output; bf16x3 runs
 * three products hi.hi' + hi.lo' + lo.hi' into one tile, the last two with oneDNN's sum post-op.
 * The engine is named after its kind and the implementation oneDNN chose for a full tile:
 * "bf16-amx" (brg:avx512_core_amx_bf16), "bf16-avx512" (brg:avx512_core_bf16), otherwise "bf16-"
 * and oneDNN's name (e.g. "bf16-gemm:jit", its bf16 GEMM emulated on AVX-512); "bf16x3-amx" etc.
 * for bf16x3. oneDNN 2.6 has no bf16 matmul at all on CPUs without AVX-512 (it answers
 * "unimplemented"). There, and for any tile shape for which oneDNN cannot create a primitive, the
 * engine converts the bf16 operands back to f32 (exactly) in panels of the inner dimension and
 * multiplies them with cblas_sgemm (engine "bf16-sgemm", "bf16x3-sgemm"): the same arithmetic
 * (exact bf16 products, f32 sums), so the same bound holds, at f32 speed or below. It keeps the
 * bf16 path correct and tested on every machine.
 *
 * The engine object owns the oneDNN engine, one stream per slot, and per slot a few primitives
 * (one per tile shape, created on first use with their scratchpad) and the conversion panels.
 * Slot s may be used by one thread at a time; different slots run concurrently (the threads of a
 * ta_team use their thread number). Each call runs on the calling thread alone: OpenBLAS as the
 * caller set it (ta_blas_set_threads), oneDNN with one OpenMP thread (the engine sets the
 * calling thread's OpenMP thread count to 1 before it creates or runs a primitive). */
#ifndef TA_GEMM_H
#define TA_GEMM_H

#include "kernels/ta_bf16.h"

#include <stdint.h>

typedef struct ta_gemm ta_gemm_t;

/* Local. Creates an engine for rows of dimension d, tiles of at most max_rows x max_rows, and
 * `slots` concurrent callers. For the bf16 kinds it creates a oneDNN primitive for a full tile
 * to learn which implementation oneDNN takes. TA_ERESOURCE on allocation failure. */
int ta_gemm_create(ta_gemm_kind_t kind, int64_t d, int64_t max_rows, int slots, ta_gemm_t **out);
/* Local. */
void ta_gemm_free(ta_gemm_t *g);

/* Local. The engine's name ("f32-openblas", "bf16-amx", "bf16x3-amx", "bf16-avx512",
 * "bf16-sgemm", ...). */
const char *ta_gemm_name(const ta_gemm_t *g);
/* Local. oneDNN's implementation string for a full tile ("" for f32 and for the bf16-sgemm
 * fallback). */
const char *ta_gemm_impl(const ta_gemm_t *g);
ta_gemm_kind_t ta_gemm_kind(const ta_gemm_t *g);
/* Local. 1 when the bf16 engine runs on oneDNN (not the bf16-sgemm fallback). */
int ta_gemm_onednn(const ta_gemm_t *g);
/* Local. Number of calls that fell back to the conversion + SGEMM path because oneDNN could not
 * create a primitive for their shape (0 on an engine that has oneDNN for full tiles). Sum over
 * slots; read it when no call is running. */
int64_t ta_gemm_fallbacks(const ta_gemm_t *g);

/* Local; slot-safe. C[i][j] (row-major, leading dimension ldc >= n) = screening score of packed
 * row i of A (m rows) and packed row j of B (n rows), 1 <= m, n <= max_rows. A and B are rows of
 * arrays packed with blk = max_rows (ta_gemm_row; for f32 the normalised rows), each range
 * within one block. oneDNN's fast (brgemm) kernels need a dense tile: pass ldc = n. */
void ta_gemm_tile(ta_gemm_t *g, int slot, const void *A, int64_t m, const void *B, int64_t n,
                  float *C, int64_t ldc);

#endif
