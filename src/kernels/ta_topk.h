/* Per-row top-k selection for exact cosine neighbours.
 *
 * A ta_topk_t holds, for `rows` query rows, a fixed-size buffer of cap = 2 kk candidates each
 * (kk = k + slack). Candidates are ordered by (score, -index): a higher score is better, and
 * between equal scores the lower index is better. A candidate is appended; a full buffer is cut
 * back to its kk best by quickselect (amortised O(1) per candidate, without the mispredicted
 * branches of heap sifting). The buffer is fed with approximate scores (SGEMM of normalised
 * rows); `thr` is the worst kept score after the last cut (-inf before) so that the tile kernels
 * compare most scores with one float and skip them. `disc` records the best approximate score
 * ever dropped from the row (at a cut or a merge), so that the driver can prove afterwards that the
 * kk kept candidates hold the exact top k once their scores are recomputed canonically
 * (ta_topk_canon_dot), see ta_topk_row_final().
 *
 * Kernels take plain arrays and sizes, allocate nothing and print nothing (ta_topk_alloc is the
 * only allocating function, used by the drivers). */
#ifndef TA_TOPK_H
#define TA_TOPK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    int64_t rows;
    int kk, cap;
    uint64_t *key;  /* rows x cap, unordered (ta_topk_key) */
    int32_t *count; /* rows: entries in use */
    float *thr;     /* rows: worst kept score after the last cut, -inf before */
    float *disc;    /* rows: best approximate score dropped, -inf when none */
} ta_topk_t;

/* Local. A candidate as one 64-bit key whose unsigned order is the (score, -index) order: the
 * float's bits made monotonic in the high half, 2^31 - 1 - index in the low half (index >= 0).
 * Selection moves and compares single integers. */
static inline uint64_t ta_topk_key(float s, int32_t j)
{
    uint32_t b;
    s += 0.0f; /* -0 and +0 are the same score */
    memcpy(&b, &s, sizeof b);
    b = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    return ((uint64_t)b << 32) | (uint32_t)(INT32_MAX - j);
}
static inline float ta_topk_key_score(uint64_t k)
{
    uint32_t b = (uint32_t)(k >> 32);
    b = (b & 0x80000000u) ? (b & 0x7FFFFFFFu) : ~b;
    float s;
    memcpy(&s, &b, sizeof s);
    return s;
}
static inline int32_t ta_topk_key_index(uint64_t k)
{
    return INT32_MAX - (int32_t)(uint32_t)(k & 0xFFFFFFFFu);
}

/* Local. Allocates (TA_ERESOURCE on failure) and resets state for rows x kk. */
int ta_topk_alloc(ta_topk_t *t, int64_t rows, int kk);
/* Local. */
void ta_topk_free(ta_topk_t *t);
/* Local. Empties every row. */
void ta_topk_reset(ta_topk_t *t);
/* Local. Bytes per row of state (for memory estimates and checkpoint files). */
size_t ta_topk_row_bytes(int kk);

/* Local. Offers candidate (s, j) to row r (kept until a cut proves it is not among the kk
 * best). */
void ta_topk_push(ta_topk_t *t, int64_t r, float s, int32_t j);
/* Local. Cuts every row back to its kk best (call before ta_topk_dropped_bound and before
 * reading rows for the final selection). */
void ta_topk_finish(ta_topk_t *t);
/* Local. The same for rows [lo, hi) only. */
void ta_topk_finish_rows(ta_topk_t *t, int64_t lo, int64_t hi);

/* Local. Offers the scores of one tile C (m x n, leading dimension ldc, row-major; C[i][j] is
 * the score between row i with id row_ids[i] and column j with id col_ids[j]):
 *  - when rowt != NULL, row i (state row rowt0 + i of rowt) receives (C[i][j], col_ids[j]) for
 *    every j;
 *  - when colt != NULL, row j (state row colt0 + j of colt) receives (C[i][j], row_ids[i]).
 * A pair is offered only when row_ok[i] and col_ok[j] are non-zero (zero-norm rows are neither
 * queries nor candidates), and with exclude_self not when the ids are equal. Only scores
 * reaching a row's current threshold go through the heap. The two sides can be offered by
 * separate calls (threads): rows by slices of rows with colt = NULL, columns by slices of
 * columns with rowt = NULL. */
void ta_topk_offer_tile(const float *C, int64_t ldc, int64_t m, int64_t n, ta_topk_t *rowt,
                        int64_t rowt0, const int32_t *row_ids, const uint8_t *row_ok,
                        ta_topk_t *colt, int64_t colt0, const int32_t *col_ids,
                        const uint8_t *col_ok, int exclude_self);

/* Local. Reference kernel with the same contract: every pair goes through a plain sorted
 * insertion (no threshold, no heap). Kept for the tests. */
void ta_topk_offer_tile_ref(const float *C, int64_t ldc, int64_t m, int64_t n, ta_topk_t *rowt,
                            int64_t rowt0, const int32_t *row_ids, const uint8_t *row_ok,
                            ta_topk_t *colt, int64_t colt0, const int32_t *col_ids,
                            const uint8_t *col_ok, int exclude_self);

/* Local. Merges row r of src into row r2 of dst (candidates and the dropped-score bound). */
void ta_topk_merge_row(ta_topk_t *dst, int64_t r2, const ta_topk_t *src, int64_t r);

/* Local. Copies row r best first into s[], idx[] (room for cap entries; work: cap keys of
 * scratch); returns how many of them are kept (at most kk). */
int ta_topk_sorted(const ta_topk_t *t, int64_t r, float *s, int32_t *idx, uint64_t *work);

/* Local. The best approximate score known to have been dropped from row r (a bound on every
 * candidate not kept), -inf when nothing was dropped. */
float ta_topk_dropped_bound(const ta_topk_t *t, int64_t r);

/* Local. The canonical cosine score of two normalised rows: products summed in double in a
 * fixed order (16 interleaved partial sums, then a fixed reduction tree), rounded to float. The
 * same two rows give the same float whatever tile, rank or transposition produced the pair. */
float ta_topk_canon_dot(const float *a, const float *b, int64_t d);
/* Local. The same scores of one row b against n rows a[0 .. n): s[r] = ta_topk_canon_dot(a[r], b,
 * d), bit for bit. b is converted once (bd: d doubles of scratch) and the rows go two at a time
 * while the next two are prefetched: the rescoring's kernel, fed with the queries holding one
 * candidate row. */
void ta_topk_canon_dot_rows(const float *b, const float *const *a, int n, int64_t d, double *bd,
                            float *s);
/* Local. Reference of the same definition in plain scalar C (lane i mod 16, then the tree); the
 * fast version must give the same bits. Kept for the tests. */
float ta_topk_canon_dot_ref(const float *a, const float *b, int64_t d);

/* Local. Bound on |SGEMM score - canonical score| for normalised rows of dimension d: any
 * summation order errs by at most gamma_d = d u / (1 - d u) (u = 2^-24) times sum |a_i b_i| <= 1,
 * plus one rounding of the canonical score; doubled for safety. */
float ta_topk_score_margin(int64_t d);

/* Local. Final selection for one row. cand_s (canonical scores) and cand_i (ids) hold n
 * candidates; they are sorted in place best first by (score, -index). Returns 1 when the first
 * min(k, n) are provably the exact top k over all candidates ever offered (the k-th canonical
 * score exceeds dropped + margin, or nothing was dropped), 0 when the row must be recomputed
 * exactly (near-ties at the boundary, e.g. many identical rows). */
int ta_topk_row_final(float *cand_s, int32_t *cand_i, int n, int k, float dropped, float margin,
                      uint64_t *work);

/* Local. Sorts n (score, index) pairs best first by (score, -index) (work: n keys of scratch);
 * ta_topk_sort_keys sorts keys best first. */
void ta_topk_sort_pairs(float *s, int32_t *idx, int n, uint64_t *work);
void ta_topk_sort_keys(uint64_t *keys, int n);
/* Local. Reference of ta_topk_sort_keys (the C library's qsort). Kept for the tests. */
void ta_topk_sort_keys_ref(uint64_t *keys, int n);

#endif
