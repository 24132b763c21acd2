#include "kernels/ta_topk.h"

#include "base/ta_error.h"
#include "kernels/ta_blocking.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* (sa, ia) is worse than (sb, ib): lower score, or equal score and higher index. */
static inline int worse(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa < sb || (sa == sb && ia > ib);
}

size_t ta_topk_row_bytes(int kk)
{
    return (size_t)(TA_TOPK_CAP_FACTOR * kk) * sizeof(uint64_t) + sizeof(int32_t) +
           2 * sizeof(float);
}

void ta_topk_reset(ta_topk_t *t)
{
    for (int64_t r = 0; r < t->rows; r++) {
        t->count[r] = 0;
        t->thr[r] = -INFINITY;
        t->disc[r] = -INFINITY;
    }
}

int ta_topk_alloc(ta_topk_t *t, int64_t rows, int kk)
{
    memset(t, 0, sizeof *t);
    size_t cells, nr = (size_t)(rows > 0 ? rows : 1);
    TA_CALL(ta_mul_size(nr, (size_t)(TA_TOPK_CAP_FACTOR * kk), &cells));
    t->rows = rows;
    t->kk = kk;
    t->cap = TA_TOPK_CAP_FACTOR * kk;
    t->key = ta_malloc(cells * sizeof(uint64_t));
    t->count = ta_malloc(nr * sizeof(int32_t));
    t->thr = ta_malloc(nr * sizeof(float));
    t->disc = ta_malloc(nr * sizeof(float));
    if (!t->key || !t->count || !t->thr || !t->disc) {
        ta_topk_free(t);
        return TA_ERR(TA_ERESOURCE, "out of memory for top-k state of %lld rows x %d",
                      (long long)rows, kk);
    }
    ta_topk_reset(t);
    return 0;
}

void ta_topk_free(ta_topk_t *t)
{
    free(t->key);
    free(t->count);
    free(t->thr);
    free(t->disc);
    memset(t, 0, sizeof *t);
}

/* Sorts a[lo..hi] (inclusive) in descending order: insertion sort for the short ranges the
 * selections leave. */
static void sort_desc_short(uint64_t *a, int lo, int hi)
{
    for (int i = lo + 1; i <= hi; i++) {
        uint64_t v = a[i];
        int j = i;
        while (j > lo && a[j - 1] < v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static inline uint64_t median3(uint64_t x, uint64_t y, uint64_t z)
{
    return x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
}

/* Branch-free Lomuto partition of [lo, hi] around p (conditional moves instead of unpredictable
 * branches): afterwards [lo, store) > p >= [store, hi]; returns store. */
static inline int partition_gt(uint64_t *a, int lo, int hi, uint64_t p)
{
    int store = lo;
    for (int i = lo; i <= hi; i++) {
        uint64_t v = a[i], w = a[store];
        int b = v > p;
        a[i] = b ? w : v;
        a[store] = b ? v : w;
        store += b;
    }
    return store;
}

/* After a partition of [lo, hi] into [lo, store) > p >= [store, hi] (p itself on the right, so
 * both sides are shorter than the range): keeps the side holding the m-th boundary; 1 when the
 * boundary is the partition itself. */
static inline int narrow(int store, int m, int *lo, int *hi)
{
    if (store > m)
        *hi = store - 1;
    else if (store < m)
        *lo = store;
    return store == m;
}

/* Moves the m largest of n distinct keys to the front (unordered): quickselect with a
 * branch-free Lomuto partition (conditional moves instead of unpredictable branches) around a
 * median of three; short ranges by insertion sort. */
static void select_best_scalar(uint64_t *a, int n, int m)
{
    int lo = 0, hi = n - 1;
    while (hi - lo >= 8) {
        int store = partition_gt(a, lo, hi, median3(a[lo], a[lo + (hi - lo) / 2], a[hi]));
        if (narrow(store, m, &lo, &hi))
            return;
    }
    sort_desc_short(a, lo, hi);
}

#if defined(__x86_64__) && defined(__GNUC__)
enum { SELECT_512_MAX = TA_TOPK_SELECT512_MAX };

/* The end of a vector partition of [lo, hi] around p: keys i .. hi one by one, then the keys
 * above p (g, ng of them) and the others (l, nl) copied back over [lo, hi]; narrows the range to
 * the side holding the m-th boundary (1: the partition is the boundary). */
static inline int split_rest(uint64_t *a, int i, uint64_t p, uint64_t *g, int ng, uint64_t *l,
                             int nl, int m, int *lo, int *hi)
{
    for (; i <= *hi; i++) {
        if (a[i] > p)
            g[ng++] = a[i];
        else
            l[nl++] = a[i];
    }
    memcpy(a + *lo, g, (size_t)ng * sizeof *a);
    memcpy(a + *lo + ng, l, (size_t)nl * sizeof *a);
    return narrow(*lo + ng, m, lo, hi);
}

/* The same selection with an AVX-512 partition: 8 keys per compare, the two sides compressed
 * into scratch buffers and copied back (keys above the pivot first). The m largest keys are a
 * unique set, so the result is the same set as the scalar version's. n <= SELECT_512_MAX. */
__attribute__((target("avx512f"))) static void select_best_512(uint64_t *a, int n, int m)
{
    uint64_t g[SELECT_512_MAX + 8], l[SELECT_512_MAX + 8];
    int lo = 0, hi = n - 1;
    while (hi - lo >= 32) {
        uint64_t p = median3(a[lo], a[lo + (hi - lo) / 2], a[hi]);
        __m512i P = _mm512_set1_epi64((long long)p);
        int ng = 0, nl = 0, i = lo;
        for (; i + 8 <= hi + 1; i += 8) {
            __m512i v = _mm512_loadu_si512((const void *)(a + i));
            __mmask8 k = _mm512_cmpgt_epu64_mask(v, P);
            _mm512_storeu_si512((void *)(g + ng), _mm512_maskz_compress_epi64(k, v));
            _mm512_storeu_si512((void *)(l + nl), _mm512_maskz_compress_epi64((__mmask8)~k, v));
            int c = __builtin_popcount((unsigned)k);
            ng += c;
            nl += 8 - c;
        }
        if (split_rest(a, i, p, g, ng, l, nl, m, &lo, &hi))
            return;
    }
    sort_desc_short(a, lo, hi);
}

/* Permutations of 8 32-bit lanes that move the 64-bit lanes set in a 4-bit mask to the front,
 * in order (AVX2 has no compress instruction). */
static const int32_t compress4[16][8] = {
    {0, 0, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0}, {2, 3, 0, 0, 0, 0, 0, 0},
    {0, 1, 2, 3, 0, 0, 0, 0}, {4, 5, 0, 0, 0, 0, 0, 0}, {0, 1, 4, 5, 0, 0, 0, 0},
    {2, 3, 4, 5, 0, 0, 0, 0}, {0, 1, 2, 3, 4, 5, 0, 0}, {6, 7, 0, 0, 0, 0, 0, 0},
    {0, 1, 6, 7, 0, 0, 0, 0}, {2, 3, 6, 7, 0, 0, 0, 0}, {0, 1, 2, 3, 6, 7, 0, 0},
    {4, 5, 6, 7, 0, 0, 0, 0}, {0, 1, 4, 5, 6, 7, 0, 0}, {2, 3, 4, 5, 6, 7, 0, 0},
    {0, 1, 2, 3, 4, 5, 6, 7}};

/* The same selection with an AVX2 partition: 4 keys per compare (unsigned, by flipping the sign
 * bits for the signed compare), the two sides compressed through compress4 into scratch
 * buffers and copied back, as in select_best_512 (no store-to-load chain through a[store] as in
 * the scalar Lomuto loop). n <= SELECT_512_MAX. */
__attribute__((target("avx2"))) static void select_best_avx2(uint64_t *a, int n, int m)
{
    uint64_t g[SELECT_512_MAX + 4], l[SELECT_512_MAX + 4];
    const __m256i S = _mm256_set1_epi64x((long long)0x8000000000000000ull);
    int lo = 0, hi = n - 1;
    while (hi - lo >= 32) {
        uint64_t p = median3(a[lo], a[lo + (hi - lo) / 2], a[hi]);
        __m256i P = _mm256_xor_si256(_mm256_set1_epi64x((long long)p), S);
        int ng = 0, nl = 0, i = lo;
        for (; i + 4 <= hi + 1; i += 4) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(a + i));
            __m256i gt = _mm256_cmpgt_epi64(_mm256_xor_si256(v, S), P);
            int k = _mm256_movemask_pd(_mm256_castsi256_pd(gt));
            __m256i ig = _mm256_loadu_si256((const __m256i *)(const void *)compress4[k]);
            __m256i il = _mm256_loadu_si256((const __m256i *)(const void *)compress4[~k & 15]);
            _mm256_storeu_si256((__m256i *)(void *)(g + ng), _mm256_permutevar8x32_epi32(v, ig));
            _mm256_storeu_si256((__m256i *)(void *)(l + nl), _mm256_permutevar8x32_epi32(v, il));
            int c = __builtin_popcount((unsigned)k);
            ng += c;
            nl += 4 - c;
        }
        if (split_rest(a, i, p, g, ng, l, nl, m, &lo, &hi))
            return;
    }
    sort_desc_short(a, lo, hi);
}

/* *flag, computed by probe on the first call. Threads call this concurrently: the flag is atomic
 * (each computes the same value). */
static int cpu_flag(_Atomic int *flag, int (*probe)(void))
{
    int h = atomic_load_explicit(flag, memory_order_relaxed);
    if (h < 0) {
        __builtin_cpu_init();
        h = probe();
        atomic_store_explicit(flag, h, memory_order_relaxed);
    }
    return h;
}

static int probe_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !getenv("TA_NO_AVX2");
}

static int probe_avx512(void)
{
    return __builtin_cpu_supports("avx512f") != 0 && !getenv("TA_NO_AVX512");
}

/* 1 when the CPU has AVX2 and FMA (the selection's and the canonical dot product's variants),
 * unless TA_NO_AVX2 is set (the tests reach the generic code so). */
static int have_avx2(void)
{
    static _Atomic int have = -1;
    return cpu_flag(&have, probe_avx2);
}

/* 1 when the CPU has AVX-512F (the selection's variant), unless TA_NO_AVX512 is set. */
static int have_avx512(void)
{
    static _Atomic int have = -1;
    return cpu_flag(&have, probe_avx512);
}
#endif

static void select_best(uint64_t *a, int n, int m)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx512() && n <= SELECT_512_MAX) {
        select_best_512(a, n, m);
        return;
    }
    if (have_avx2() && n <= SELECT_512_MAX) {
        select_best_avx2(a, n, m);
        return;
    }
#endif
    select_best_scalar(a, n, m);
}

/* Keeps the kk best entries of row r; the others raise the dropped bound, and the worst kept
 * score becomes the row's threshold. */
static void compact(ta_topk_t *t, int64_t r)
{
    const int kk = t->kk;
    int n = t->count[r];
    if (n <= kk)
        return;
    uint64_t *K = t->key + r * t->cap;
    select_best(K, n, kk);
    uint64_t lo = K[0], hi = 0;
    for (int e = 1; e < kk; e++)
        lo = K[e] < lo ? K[e] : lo;
    for (int e = kk; e < n; e++)
        hi = K[e] > hi ? K[e] : hi;
    float d = ta_topk_key_score(hi);
    if (d > t->disc[r])
        t->disc[r] = d;
    t->thr[r] = ta_topk_key_score(lo);
    t->count[r] = kk;
}

void ta_topk_push(ta_topk_t *t, int64_t r, float s, int32_t j)
{
    /* Append to the row's buffer of 2 kk entries; a full buffer is cut back to the kk best
     * (amortised O(1) per candidate, no data-dependent sifting). */
    int n = t->count[r];
    if (n == t->cap) {
        compact(t, r);
        n = t->count[r];
    }
    t->key[r * t->cap + n] = ta_topk_key(s, j);
    t->count[r] = n + 1;
}

void ta_topk_finish(ta_topk_t *t)
{
    ta_topk_finish_rows(t, 0, t->rows);
}

void ta_topk_finish_rows(ta_topk_t *t, int64_t lo, int64_t hi)
{
    for (int64_t r = lo; r < hi; r++)
        compact(t, r);
}

/* The tile kernels scan C in row-major order once. A chunk of W scores is first tested with a
 * branch-free reduction (vectorisable) against the row threshold and the column thresholds; only
 * chunks holding a candidate are looked at one by one. After the first tiles almost every chunk
 * is skipped, so the cost is a compare per score. */
enum { W = TA_TOPK_SCAN_WIDTH };
_Static_assert(W == 16, "ge_mask16 tests 16 scores");

static inline void offer_one(ta_topk_t *rowt, int64_t ri, int32_t rid, ta_topk_t *colt, int64_t cj,
                             int32_t cid, float v, const uint8_t *col_ok, int64_t j,
                             int exclude_self)
{
    if (!col_ok[j] || (exclude_self && rid == cid))
        return;
    if (rowt && v >= rowt->thr[ri])
        ta_topk_push(rowt, ri, v, cid);
    if (colt && v >= colt->thr[cj])
        ta_topk_push(colt, cj, v, rid);
}

/* Bit u of the result is set when x[u] >= t[u] (u < 16), or x[u] >= ts when t == NULL. SSE on
 * x86-64 (baseline instruction set), plain C elsewhere. */
#if defined(__x86_64__) || defined(__SSE2__)
static inline unsigned ge_mask16(const float *x, float ts, const float *t)
{
    unsigned m = 0;
    for (int v = 0; v < 4; v++) {
        __m128 a = _mm_loadu_ps(x + 4 * v);
        __m128 b = t ? _mm_loadu_ps(t + 4 * v) : _mm_set1_ps(ts);
        m |= (unsigned)_mm_movemask_ps(_mm_cmpge_ps(a, b)) << (4 * v);
    }
    return m;
}
#else
static inline unsigned ge_mask16(const float *x, float ts, const float *t)
{
    unsigned m = 0;
    for (int u = 0; u < 16; u++)
        m |= (unsigned)(x[u] >= (t ? t[u] : ts)) << u;
    return m;
}
#endif

void ta_topk_offer_tile(const float *C, int64_t ldc, int64_t m, int64_t n, ta_topk_t *rowt,
                        int64_t rowt0, const int32_t *row_ids, const uint8_t *row_ok,
                        ta_topk_t *colt, int64_t colt0, const int32_t *col_ids,
                        const uint8_t *col_ok, int exclude_self)
{
    for (int64_t i = 0; i < m; i++) {
        if (!row_ok[i])
            continue;
        const float *c = C + i * ldc;
        const int64_t ri = rowt0 + i;
        const int32_t rid = row_ids[i];
        int64_t j = 0;
        for (; j + W <= n; j += W) {
            /* Only the lanes that reach a threshold are looked at, one by one. */
            unsigned rm = rowt ? ge_mask16(c + j, rowt->thr[ri], NULL) : 0;
            unsigned cm = colt ? ge_mask16(c + j, 0, colt->thr + colt0 + j) : 0;
            while (rm) {
                int u = __builtin_ctz(rm);
                rm &= rm - 1;
                float v = c[j + u];
                if (col_ok[j + u] && !(exclude_self && rid == col_ids[j + u]) && v >= rowt->thr[ri])
                    ta_topk_push(rowt, ri, v, col_ids[j + u]);
            }
            while (cm) {
                int u = __builtin_ctz(cm);
                cm &= cm - 1;
                float v = c[j + u];
                if (col_ok[j + u] && !(exclude_self && rid == col_ids[j + u]) &&
                    v >= colt->thr[colt0 + j + u])
                    ta_topk_push(colt, colt0 + j + u, v, rid);
            }
        }
        for (; j < n; j++)
            offer_one(rowt, ri, rid, colt, colt0 + j, col_ids[j], c[j], col_ok, j, exclude_self);
    }
}

/* Reference: a sorted array per row (best first), plain insertion, every pair offered. The
 * dropped bound follows the same definition as the heap's. */
static void ref_push(ta_topk_t *t, int64_t r, float s, int32_t j)
{
    const int kk = t->kk;
    uint64_t *K = t->key + r * t->cap;
    int n = t->count[r];
    int pos = n;
    while (pos > 0 && worse(ta_topk_key_score(K[pos - 1]), ta_topk_key_index(K[pos - 1]), s, j))
        pos--;
    if (pos == kk) {
        if (s > t->disc[r])
            t->disc[r] = s;
        return;
    }
    if (n == kk) {
        float w = ta_topk_key_score(K[kk - 1]);
        if (w > t->disc[r])
            t->disc[r] = w;
        n--;
    }
    memmove(K + pos + 1, K + pos, (size_t)(n - pos) * sizeof *K);
    K[pos] = ta_topk_key(s, j);
    t->count[r] = n + 1;
    t->thr[r] = t->count[r] == kk ? ta_topk_key_score(K[kk - 1]) : -INFINITY;
}

void ta_topk_offer_tile_ref(const float *C, int64_t ldc, int64_t m, int64_t n, ta_topk_t *rowt,
                            int64_t rowt0, const int32_t *row_ids, const uint8_t *row_ok,
                            ta_topk_t *colt, int64_t colt0, const int32_t *col_ids,
                            const uint8_t *col_ok, int exclude_self)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            if (!row_ok[i] || !col_ok[j] || (exclude_self && row_ids[i] == col_ids[j]))
                continue;
            ref_push(rowt, rowt0 + i, C[i * ldc + j], col_ids[j]);
            if (colt)
                ref_push(colt, colt0 + j, C[i * ldc + j], row_ids[i]);
        }
}

void ta_topk_merge_row(ta_topk_t *dst, int64_t r2, const ta_topk_t *src, int64_t r)
{
    const uint64_t *K = src->key + r * src->cap;
    if (src->disc[r] > dst->disc[r2])
        dst->disc[r2] = src->disc[r];
    for (int e = 0; e < src->count[r]; e++) {
        float v = ta_topk_key_score(K[e]);
        if (v >= dst->thr[r2])
            ta_topk_push(dst, r2, v, ta_topk_key_index(K[e]));
        else if (v > dst->disc[r2])
            dst->disc[r2] = v;
    }
}

float ta_topk_dropped_bound(const ta_topk_t *t, int64_t r)
{
    /* Everything the fast filter skipped scored below the threshold at that time, which is at
     * most the final threshold (the root only improves). */
    return t->disc[r] > t->thr[r] ? t->disc[r] : t->thr[r];
}

static int cmp_key_desc(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a < b) - (a > b);
}

/* Sifts a[r] down the min-heap a[0 .. n) (the smallest key at the root). */
static void sift_min(uint64_t *a, int r, int n)
{
    uint64_t v = a[r];
    for (int c = 2 * r + 1; c < n; r = c, c = 2 * r + 1) {
        if (c + 1 < n && a[c + 1] < a[c])
            c++;
        if (a[c] >= v)
            break;
        a[r] = a[c];
    }
    a[r] = v;
}

/* Sorts a[0 .. n) in descending order by heapsort (introsort's fallback). */
static void heapsort_desc(uint64_t *a, int n)
{
    for (int r = n / 2 - 1; r >= 0; r--)
        sift_min(a, r, n);
    for (int e = n - 1; e > 0; e--) {
        uint64_t v = a[0];
        a[0] = a[e];
        a[e] = v;
        sift_min(a, 0, e);
    }
}

/* Introsort in descending order: the selection's branch-free partition around a median of three
 * on long ranges (the shorter side first, the longer one kept by the loop), insertion sort on
 * short ones, heapsort when a range fails to shrink fast enough. Distinct keys (ta_topk_key)
 * have one sorted order, so the result is qsort's. */
void ta_topk_sort_keys(uint64_t *a, int n)
{
    int stack[2 * 64], depth[64], sp = 0, lo = 0, hi = n - 1, budget = 2;
    for (int m = n; m > 1; m /= 2)
        budget += 2;
    for (;;) {
        while (hi - lo >= 16) {
            if (budget-- <= 0) {
                heapsort_desc(a + lo, hi - lo + 1);
                break;
            }
            int store = partition_gt(a, lo, hi, median3(a[lo], a[lo + (hi - lo) / 2], a[hi]));
            /* [lo, store) > p >= [store, hi]: push the longer side, go on with the shorter. */
            if (store - lo > hi - store + 1) {
                stack[2 * sp] = lo, stack[2 * sp + 1] = store - 1, depth[sp++] = budget;
                lo = store;
            } else {
                stack[2 * sp] = store, stack[2 * sp + 1] = hi, depth[sp++] = budget;
                hi = store - 1;
            }
        }
        if (hi - lo < 16)
            sort_desc_short(a, lo, hi);
        if (sp == 0)
            return;
        sp--;
        lo = stack[2 * sp], hi = stack[2 * sp + 1], budget = depth[sp];
    }
}

void ta_topk_sort_keys_ref(uint64_t *keys, int n)
{
    qsort(keys, (size_t)n, sizeof *keys, cmp_key_desc);
}

/* Sorts the n keys in work (best first) and unpacks them into scores and indices. */
static void sort_unpack(uint64_t *work, int n, float *s, int32_t *idx)
{
    ta_topk_sort_keys(work, n);
    for (int e = 0; e < n; e++) {
        s[e] = ta_topk_key_score(work[e]);
        idx[e] = ta_topk_key_index(work[e]);
    }
}

void ta_topk_sort_pairs(float *s, int32_t *idx, int n, uint64_t *work)
{
    for (int e = 0; e < n; e++)
        work[e] = ta_topk_key(s[e], idx[e]);
    sort_unpack(work, n, s, idx);
}

int ta_topk_sorted(const ta_topk_t *t, int64_t r, float *s, int32_t *idx, uint64_t *work)
{
    int n = t->count[r];
    memcpy(work, t->key + r * t->cap, (size_t)n * sizeof *work);
    sort_unpack(work, n, s, idx);
    return n < t->kk ? n : t->kk;
}

/* The canonical dot product: lane u of 16 accumulates the products of elements i = u mod 16 (in
 * double, where a float x float product is exact), then a fixed pairwise reduction tree. Every
 * instruction-set variant below computes exactly these operations in this order, so they give
 * the same bits (FMA or not: the products are exact, so a fused multiply-add rounds once, as the
 * separate add does). */
typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* The tail (elements from i on, lane u = 0, 1, ...) and the fixed reduction tree of the 16
 * lanes l. */
static inline float canon_finish(double l[16], const float *a, const float *b, const double *bd,
                                 int64_t i, int64_t d)
{
    for (int u = 0; i < d; i++, u++)
        l[u] += (double)a[i] * (bd ? bd[i] : (double)b[i]);
    for (int w = 8; w >= 1; w /= 2)
        for (int u = 0; u < w; u++)
            l[u] += l[u + w];
    return (float)l[0];
}

static inline float canon_body(const float *a, const float *b, int64_t d)
{
    v4d acc[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    int64_t i = 0;
    for (; i + 16 <= d; i += 16)
        for (int v = 0; v < 4; v++) {
            v4f x, y;
            memcpy(&x, a + i + 4 * v, sizeof x);
            memcpy(&y, b + i + 4 * v, sizeof y);
            acc[v] += __builtin_convertvector(x, v4d) * __builtin_convertvector(y, v4d);
        }
    double l[16];
    memcpy(l, acc, sizeof l);
    return canon_finish(l, a, b, NULL, i, d);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same with AVX2 intrinsics (whole 256-bit conversions) and FMA. The four accumulators are
 * named variables, not an array: GCC keeps an array of them on the stack, which puts a store
 * and a load into every accumulation's dependency chain. */
#define CANON_LOAD(p, o) _mm256_cvtps_pd(_mm_loadu_ps((p) + (o)))
#define CANON_STORE(l, x0, x1, x2, x3)                                                             \
    do {                                                                                           \
        _mm256_storeu_pd((l), (x0));                                                               \
        _mm256_storeu_pd((l) + 4, (x1));                                                           \
        _mm256_storeu_pd((l) + 8, (x2));                                                           \
        _mm256_storeu_pd((l) + 12, (x3));                                                          \
    } while (0)

__attribute__((target("avx2,fma"))) static float canon_fma(const float *a, const float *b,
                                                           int64_t d)
{
    __m256d x0 = _mm256_setzero_pd(), x1 = x0, x2 = x0, x3 = x0;
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
        x0 = _mm256_fmadd_pd(CANON_LOAD(a, i), CANON_LOAD(b, i), x0);
        x1 = _mm256_fmadd_pd(CANON_LOAD(a, i + 4), CANON_LOAD(b, i + 4), x1);
        x2 = _mm256_fmadd_pd(CANON_LOAD(a, i + 8), CANON_LOAD(b, i + 8), x2);
        x3 = _mm256_fmadd_pd(CANON_LOAD(a, i + 12), CANON_LOAD(b, i + 12), x3);
    }
    double l[16];
    CANON_STORE(l, x0, x1, x2, x3);
    return canon_finish(l, a, b, NULL, i, d);
}

/* Rows a0 and a1 against the converted row bd, while the next two rows' cache lines are
 * prefetched (one 64-byte line per 16 floats). */
__attribute__((target("avx2,fma"))) static void canon_two_fma(const double *bd, const float *a0,
                                                              const float *a1, const float *p0,
                                                              const float *p1, int64_t d, float *s)
{
    __m256d x0 = _mm256_setzero_pd(), x1 = x0, x2 = x0, x3 = x0;
    __m256d y0 = x0, y1 = x0, y2 = x0, y3 = x0;
    int64_t i = 0;
    for (; i + 16 <= d; i += 16) {
        _mm_prefetch((const char *)(p0 + i), _MM_HINT_T0);
        _mm_prefetch((const char *)(p1 + i), _MM_HINT_T0);
        __m256d b0 = _mm256_loadu_pd(bd + i), b1 = _mm256_loadu_pd(bd + i + 4);
        __m256d b2 = _mm256_loadu_pd(bd + i + 8), b3 = _mm256_loadu_pd(bd + i + 12);
        x0 = _mm256_fmadd_pd(CANON_LOAD(a0, i), b0, x0);
        y0 = _mm256_fmadd_pd(CANON_LOAD(a1, i), b0, y0);
        x1 = _mm256_fmadd_pd(CANON_LOAD(a0, i + 4), b1, x1);
        y1 = _mm256_fmadd_pd(CANON_LOAD(a1, i + 4), b1, y1);
        x2 = _mm256_fmadd_pd(CANON_LOAD(a0, i + 8), b2, x2);
        y2 = _mm256_fmadd_pd(CANON_LOAD(a1, i + 8), b2, y2);
        x3 = _mm256_fmadd_pd(CANON_LOAD(a0, i + 12), b3, x3);
        y3 = _mm256_fmadd_pd(CANON_LOAD(a1, i + 12), b3, y3);
    }
    double l[16], m[16];
    CANON_STORE(l, x0, x1, x2, x3);
    CANON_STORE(m, y0, y1, y2, y3);
    s[0] = canon_finish(l, a0, NULL, bd, i, d);
    s[1] = canon_finish(m, a1, NULL, bd, i, d);
}

__attribute__((target("avx2,fma"))) static void
canon_rows_fma(const float *b, const float *const *a, int n, int64_t d, double *bd, float *s)
{
    int64_t i = 0;
    for (; i + 4 <= d; i += 4)
        _mm256_storeu_pd(bd + i, _mm256_cvtps_pd(_mm_loadu_ps(b + i)));
    for (; i < d; i++)
        bd[i] = b[i];
    int r = 0;
    for (; r + 2 <= n; r += 2) {
        const float *p0 = r + 2 < n ? a[r + 2] : a[r], *p1 = r + 3 < n ? a[r + 3] : p0;
        canon_two_fma(bd, a[r], a[r + 1], p0, p1, d, s + r);
    }
    if (r < n)
        s[r] = canon_fma(a[r], b, d);
}

#endif

float ta_topk_canon_dot(const float *a, const float *b, int64_t d)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx2())
        return canon_fma(a, b, d);
#endif
    return canon_body(a, b, d);
}

void ta_topk_canon_dot_rows(const float *b, const float *const *a, int n, int64_t d, double *bd,
                            float *s)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx2()) {
        canon_rows_fma(b, a, n, d, bd, s);
        return;
    }
#endif
    (void)bd;
    for (int r = 0; r < n; r++)
        s[r] = canon_body(a[r], b, d);
}

float ta_topk_canon_dot_ref(const float *a, const float *b, int64_t d)
{
    double l[16] = {0};
    for (int64_t i = 0; i < d; i++)
        l[i % 16] += (double)a[i] * (double)b[i];
    for (int w = 8; w >= 1; w /= 2)
        for (int u = 0; u < w; u++)
            l[u] += l[u + w];
    return (float)l[0];
}

float ta_topk_score_margin(int64_t d)
{
    double u = ldexp(1.0, -24);
    double g = (double)d * u / (1.0 - (double)d * u);
    /* Normalised f32 rows have norms within a few u of 1; allow for it, then double. */
    return (float)(2.0 * (g * (1.0 + 4 * u) + u));
}

int ta_topk_row_final(float *cand_s, int32_t *cand_i, int n, int k, float dropped, float margin,
                      uint64_t *work)
{
    ta_topk_sort_pairs(cand_s, cand_i, n, work);
    if (dropped == -INFINITY)
        return 1;
    if (n < k)
        return 0;
    /* Every dropped candidate has a canonical score <= dropped + margin; the k-th kept one must
     * beat that strictly, or a dropped one could tie or win after canonical rescoring. */
    return (double)cand_s[k - 1] > (double)dropped + (double)margin;
}
