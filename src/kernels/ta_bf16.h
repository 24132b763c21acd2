/* bf16 operands for the screening GEMM of the neighbour search, and the bound on the screening
 * error that keeps the search exact.
 *
 * The neighbour search screens candidates with a fast GEMM score and then recomputes the kept
 * candidates canonically (ta_topk_canon_dot). The final lists equal the f32 path's as long as
 * every screening score differs from the canonical score of the same pair by at most a known
 * delta (see ta_topk_row_final and the rescoring's 2-delta cut). This module gives the operands
 * of the three screening kinds and that delta:
 *
 *   TA_GEMM_F32     the f32 rows themselves (K = d);
 *   TA_GEMM_BF16    bf16(x) (K = d): error about 2^-7, per row from the actual residual norms;
 *   TA_GEMM_BF16X3  hi = bf16(x), lo = bf16(x - hi); the GEMM sums hi.hi' + hi.lo' + lo.hi'
 *                   (K = 3d; error of order 3d 2^-23, near f32 SGEMM's).
 *
 * The proof of the bound is in ta_bf16.c. Kernels: plain arrays, no allocation, no output. */
#ifndef TA_BF16_H
#define TA_BF16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum { TA_GEMM_F32 = 0, TA_GEMM_BF16 = 1, TA_GEMM_BF16X3 = 2 } ta_gemm_kind_t;

/* Local. "f32", "bf16", "bf16x3". */
const char *ta_gemm_kind_name(ta_gemm_kind_t kind);

/* Local. f32 -> bf16, round to nearest, ties to even (as the hardware conversions VCVTNEPS2BF16
 * do); infinities stay infinite, NaN becomes a quiet NaN, values past the largest bf16 round to
 * infinity. */
static inline uint16_t ta_bf16_round(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if ((b & 0x7FFFFFFFu) > 0x7F800000u)
        return (uint16_t)((b >> 16) | 0x0040u);
    b += 0x7FFFu + ((b >> 16) & 1u);
    return (uint16_t)(b >> 16);
}

/* Local. bf16 -> f32 (exact). */
static inline float ta_bf16_float(uint16_t h)
{
    uint32_t b = (uint32_t)h << 16;
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Packed operands. Rows are packed in blocks of `blk` rows (the GEMM tile rows); a block holds
 * `planes` planes of blk x d elements (f32 for TA_GEMM_F32, bf16 otherwise), each plane dense
 * and row-major, so that every GEMM operand is a dense matrix:
 *   TA_GEMM_F32     one plane: the f32 rows (the packed array is the row-major matrix itself);
 *   TA_GEMM_BF16    one plane: bf16(x), row-major;
 *   TA_GEMM_BF16X3  two planes per block: hi, then lo.
 * The last block is allocated whole. A tile's rows must lie within one block. */
int ta_gemm_planes(ta_gemm_kind_t kind);
/* Local. Bytes of one element (4 or 2). */
size_t ta_gemm_elem_bytes(ta_gemm_kind_t kind);
/* Local. Elements of the packed array of `rows` rows (whole blocks; rows x d for one plane). */
size_t ta_gemm_packed_elems(ta_gemm_kind_t kind, int64_t d, int64_t blk, int64_t rows);
/* Local. Row r of a packed array (its first plane; the second is blk x d elements further). */
const void *ta_gemm_row(ta_gemm_kind_t kind, const void *packed, int64_t d, int64_t blk, int64_t r);
/* Local. The GEMM's inner dimension summed per score: d, or 3d for TA_GEMM_BF16X3 (hi.hi' +
 * hi.lo' + lo.hi'). */
int64_t ta_gemm_inner(ta_gemm_kind_t kind, int64_t d);

/* Local. Packs rows x d floats into out (ta_gemm_packed_elems elements), row 0 at the start of a
 * block. */
void ta_gemm_pack_rows(ta_gemm_kind_t kind, const float *x, int64_t rows, int64_t d, int64_t blk,
                       void *out);

/* Per-row error terms, upper bounds rounded up: norm >= ||x||; for TA_GEMM_BF16 e1 >= ||bf16(x)
 * - x|| (e2 = 0); for TA_GEMM_BF16X3 e1 >= ||lo|| and e2 >= ||x - hi - lo||; for TA_GEMM_F32
 * e1 = e2 = 0. */
typedef struct {
    double norm, e1, e2;
} ta_gemm_rowerr_t;

/* Local. The error terms of rows x d floats. */
void ta_gemm_row_errors(ta_gemm_kind_t kind, const float *x, int64_t rows, int64_t d,
                        ta_gemm_rowerr_t *err);
/* Local. Componentwise maximum of a and b into a (the bound is non-decreasing in every term, so
 * the maximum over all rows gives a bound per row against any other row). */
void ta_gemm_rowerr_max(ta_gemm_rowerr_t *a, const ta_gemm_rowerr_t *b);

/* Local. delta(x, y): an upper bound on |screening score - ta_topk_canon_dot(x, y)| for two rows
 * of dimension d with error terms a and b, for any f32 accumulation order of the GEMM. */
double ta_gemm_bound(ta_gemm_kind_t kind, int64_t d, const ta_gemm_rowerr_t *a,
                     const ta_gemm_rowerr_t *b);
/* Local. The same for any two unit rows (norm <= 1 + 2^-22), from the rounding unit alone:
 * at d = 512 about 0.0079 (bf16), 2.3e-4 (bf16x3), 6.1e-5 (f32). */
double ta_gemm_bound_unit(ta_gemm_kind_t kind, int64_t d);

/* Local. Reference screening score in double of two packed rows (ta_gemm_row pointers): the
 * exact value of the GEMM's sum up to double rounding, for the tests. */
double ta_gemm_dot_ref(ta_gemm_kind_t kind, int64_t d, int64_t blk, const void *a, const void *b);

#endif
