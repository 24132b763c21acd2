#include "ta_topk.h"

#include "ta_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* (sa, ia) is worse than (sb, ib): lower score, or equal score and higher index. */
static inline int worse(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa < sb || (sa == sb && ia > ib);
}

size_t ta_topk_row_bytes(int kk)
{
    return (size_t)(2 * kk) * (sizeof(float) + sizeof(int32_t)) + sizeof(int32_t) +
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
    TA_CALL(ta_mul_size(nr, (size_t)(2 * kk), &cells));
    t->rows = rows;
    t->kk = kk;
    t->cap = 2 * kk;
    t->score = ta_malloc(cells * sizeof(float));
    t->index = ta_malloc(cells * sizeof(int32_t));
    t->count = ta_malloc(nr * sizeof(int32_t));
    t->thr = ta_malloc(nr * sizeof(float));
    t->disc = ta_malloc(nr * sizeof(float));
    if (!t->score || !t->index || !t->count || !t->thr || !t->disc) {
        ta_topk_free(t);
        return TA_ERR(TA_ERESOURCE, "out of memory for top-k state of %lld rows x %d",
                      (long long)rows, kk);
    }
    ta_topk_reset(t);
    return 0;
}

void ta_topk_free(ta_topk_t *t)
{
    free(t->score);
    free(t->index);
    free(t->count);
    free(t->thr);
    free(t->disc);
    memset(t, 0, sizeof *t);
}

/* Moves the m best of the n entries to the front (unordered): quickselect with Hoare
 * partitioning on the (score, -index) order; the keys of one row are distinct. */
static void select_best(float *S, int32_t *I, int n, int m)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        float ps = S[mid];
        int32_t pi = I[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (worse(ps, pi, S[i], I[i]))
                i++;
            while (worse(S[j], I[j], ps, pi))
                j--;
            if (i <= j) {
                float ts = S[i];
                int32_t ti = I[i];
                S[i] = S[j];
                I[i] = I[j];
                S[j] = ts;
                I[j] = ti;
                i++;
                j--;
            }
        }
        if (m - 1 <= j)
            hi = j;
        else if (m - 1 >= i)
            lo = i;
        else
            break;
    }
}

/* Keeps the kk best entries of row r; the others raise the dropped bound, and the worst kept
 * score becomes the row's threshold. */
static void compact(ta_topk_t *t, int64_t r)
{
    const int kk = t->kk;
    int n = t->count[r];
    if (n <= kk)
        return;
    float *S = t->score + r * t->cap;
    int32_t *I = t->index + r * t->cap;
    select_best(S, I, n, kk);
    float d = t->disc[r], th = S[0];
    for (int e = kk; e < n; e++)
        if (S[e] > d)
            d = S[e];
    for (int e = 1; e < kk; e++)
        if (S[e] < th)
            th = S[e];
    t->disc[r] = d;
    t->thr[r] = th;
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
    t->score[r * t->cap + n] = s;
    t->index[r * t->cap + n] = j;
    t->count[r] = n + 1;
}

void ta_topk_finish(ta_topk_t *t)
{
    for (int64_t r = 0; r < t->rows; r++)
        compact(t, r);
}

/* The tile kernels scan C in row-major order once. A chunk of W scores is first tested with a
 * branch-free reduction (vectorisable) against the row threshold and the column thresholds; only
 * chunks holding a candidate are looked at one by one. After the first tiles almost every chunk
 * is skipped, so the cost is a compare per score. */
enum { W = 16 };

static inline void offer_one(ta_topk_t *rowt, int64_t ri, int32_t rid, ta_topk_t *colt, int64_t cj,
                             int32_t cid, float v, const uint8_t *col_ok, int64_t j,
                             int exclude_self)
{
    if (!col_ok[j] || (exclude_self && rid == cid))
        return;
    if (v >= rowt->thr[ri])
        ta_topk_push(rowt, ri, v, cid);
    if (colt && v >= colt->thr[cj])
        ta_topk_push(colt, cj, v, rid);
}

/* 8-lane float vectors (GCC/Clang vector extensions; SSE pairs on the x86-64 baseline, one
 * AVX register with -march). */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static inline int any_lane(v8i m)
{
    uint64_t w[4];
    memcpy(w, &m, sizeof w);
    return (w[0] | w[1] | w[2] | w[3]) != 0;
}

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
        if (colt) {
            const float *ct = colt->thr + colt0;
            for (; j + W <= n; j += W) {
                const float ti = rowt->thr[ri];
                v8f a0, a1, t0, t1;
                memcpy(&a0, c + j, sizeof a0);
                memcpy(&a1, c + j + 8, sizeof a1);
                memcpy(&t0, ct + j, sizeof t0);
                memcpy(&t1, ct + j + 8, sizeof t1);
                v8i hit = (a0 >= ti) | (a1 >= ti) | (a0 >= t0) | (a1 >= t1);
                if (any_lane(hit))
                    for (int u = 0; u < W; u++)
                        offer_one(rowt, ri, rid, colt, colt0 + j + u, col_ids[j + u], c[j + u],
                                  col_ok, j + u, exclude_self);
            }
        } else {
            for (; j + W <= n; j += W) {
                const float ti = rowt->thr[ri];
                v8f a0, a1;
                memcpy(&a0, c + j, sizeof a0);
                memcpy(&a1, c + j + 8, sizeof a1);
                v8i hit = (a0 >= ti) | (a1 >= ti);
                if (any_lane(hit))
                    for (int u = 0; u < W; u++)
                        offer_one(rowt, ri, rid, NULL, 0, col_ids[j + u], c[j + u], col_ok, j + u,
                                  exclude_self);
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
    float *S = t->score + r * t->cap;
    int32_t *I = t->index + r * t->cap;
    int n = t->count[r];
    int pos = n;
    while (pos > 0 && worse(S[pos - 1], I[pos - 1], s, j))
        pos--;
    if (pos == kk) {
        if (s > t->disc[r])
            t->disc[r] = s;
        return;
    }
    if (n == kk) {
        if (S[kk - 1] > t->disc[r])
            t->disc[r] = S[kk - 1];
        n--;
    }
    memmove(S + pos + 1, S + pos, (size_t)(n - pos) * sizeof *S);
    memmove(I + pos + 1, I + pos, (size_t)(n - pos) * sizeof *I);
    S[pos] = s;
    I[pos] = j;
    t->count[r] = n + 1;
    t->thr[r] = t->count[r] == kk ? S[kk - 1] : -INFINITY;
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
    const float *S = src->score + r * src->cap;
    const int32_t *I = src->index + r * src->cap;
    if (src->disc[r] > dst->disc[r2])
        dst->disc[r2] = src->disc[r];
    for (int e = 0; e < src->count[r]; e++)
        if (S[e] >= dst->thr[r2])
            ta_topk_push(dst, r2, S[e], I[e]);
        else if (S[e] > dst->disc[r2])
            dst->disc[r2] = S[e];
}

float ta_topk_dropped_bound(const ta_topk_t *t, int64_t r)
{
    /* Everything the fast filter skipped scored below the threshold at that time, which is at
     * most the final threshold (the root only improves). */
    return t->disc[r] > t->thr[r] ? t->disc[r] : t->thr[r];
}

void ta_topk_sort_pairs(float *s, int32_t *idx, int n)
{
    /* Insertion sort: n is k + slack, at most a few hundred. */
    for (int a = 1; a < n; a++) {
        float vs = s[a];
        int32_t vi = idx[a];
        int b = a;
        while (b > 0 && worse(s[b - 1], idx[b - 1], vs, vi)) {
            s[b] = s[b - 1];
            idx[b] = idx[b - 1];
            b--;
        }
        s[b] = vs;
        idx[b] = vi;
    }
}

int ta_topk_sorted(const ta_topk_t *t, int64_t r, float *s, int32_t *idx)
{
    int n = t->count[r];
    memcpy(s, t->score + r * t->cap, (size_t)n * sizeof *s);
    memcpy(idx, t->index + r * t->cap, (size_t)n * sizeof *idx);
    ta_topk_sort_pairs(s, idx, n);
    return n < t->kk ? n : t->kk;
}

/* The canonical dot product: lane u of 16 accumulates the products of elements i = u mod 16 (in
 * double, where a float x float product is exact), then a fixed pairwise reduction tree. Every
 * instruction-set variant below computes exactly these operations in this order, so they give
 * the same bits (FMA or not: the products are exact). */
typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

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
    for (int u = 0; i < d; i++, u++)
        l[u] += (double)a[i] * (double)b[i];
    for (int w = 8; w >= 1; w /= 2)
        for (int u = 0; u < w; u++)
            l[u] += l[u + w];
    return (float)l[0];
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static float canon_avx2(const float *a, const float *b, int64_t d)
{
    return canon_body(a, b, d);
}
#endif

float ta_topk_canon_dot(const float *a, const float *b, int64_t d)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int have_avx2 = -1;
    if (have_avx2 < 0) {
        __builtin_cpu_init();
        have_avx2 = __builtin_cpu_supports("avx2") != 0;
    }
    if (have_avx2)
        return canon_avx2(a, b, d);
#endif
    return canon_body(a, b, d);
}

float ta_topk_score_margin(int64_t d)
{
    double u = ldexp(1.0, -24);
    double g = (double)d * u / (1.0 - (double)d * u);
    /* Normalised f32 rows have norms within a few u of 1; allow for it, then double. */
    return (float)(2.0 * (g * (1.0 + 4 * u) + u));
}

int ta_topk_row_final(float *cand_s, int32_t *cand_i, int n, int k, float dropped, float margin)
{
    ta_topk_sort_pairs(cand_s, cand_i, n);
    if (dropped == -INFINITY)
        return 1;
    if (n < k)
        return 0;
    /* Every dropped candidate has a canonical score <= dropped + margin; the k-th kept one must
     * beat that strictly, or a dropped one could tie or win after canonical rescoring. */
    return (double)cand_s[k - 1] > (double)dropped + (double)margin;
}

int64_t ta_topk_normalize_rows(float *x, int64_t rows, int64_t d, uint8_t *ok)
{
    for (int64_t i = 0; i < rows; i++) {
        float *v = x + i * d;
        double ss = 0;
        for (int64_t c = 0; c < d; c++)
            ss += (double)v[c] * (double)v[c];
        if (!isfinite(ss))
            return i;
        ok[i] = ss > 0;
        if (ss > 0) {
            float inv = (float)(1.0 / sqrt(ss));
            for (int64_t c = 0; c < d; c++)
                v[c] *= inv;
        }
    }
    return -1;
}
