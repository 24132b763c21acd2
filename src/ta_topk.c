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
    return (size_t)kk * (sizeof(float) + sizeof(int32_t)) + sizeof(int32_t) + 2 * sizeof(float);
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
    size_t cells;
    TA_CALL(ta_mul_size((size_t)(rows > 0 ? rows : 1), (size_t)kk, &cells));
    t->rows = rows;
    t->kk = kk;
    t->score = ta_malloc(cells * sizeof(float));
    t->index = ta_malloc(cells * sizeof(int32_t));
    t->count = ta_malloc((size_t)(rows > 0 ? rows : 1) * sizeof(int32_t));
    t->thr = ta_malloc((size_t)(rows > 0 ? rows : 1) * sizeof(float));
    t->disc = ta_malloc((size_t)(rows > 0 ? rows : 1) * sizeof(float));
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

void ta_topk_push(ta_topk_t *t, int64_t r, float s, int32_t j)
{
    const int kk = t->kk;
    float *S = t->score + r * kk;
    int32_t *I = t->index + r * kk;
    int n = t->count[r];
    if (n < kk) {
        /* Sift up from the new leaf. */
        int c = n;
        while (c > 0) {
            int p = (c - 1) / 2;
            if (!worse(s, j, S[p], I[p]))
                break;
            S[c] = S[p];
            I[c] = I[p];
            c = p;
        }
        S[c] = s;
        I[c] = j;
        t->count[r] = ++n;
        if (n == kk)
            t->thr[r] = S[0];
        return;
    }
    if (!worse(S[0], I[0], s, j)) {
        if (s > t->disc[r])
            t->disc[r] = s;
        return;
    }
    if (S[0] > t->disc[r])
        t->disc[r] = S[0];
    /* Replace the root and sift down. */
    int c = 0;
    for (;;) {
        int l = 2 * c + 1, w = c;
        float ws = s;
        int32_t wi = j;
        if (l < kk && worse(S[l], I[l], ws, wi)) {
            w = l;
            ws = S[l];
            wi = I[l];
        }
        if (l + 1 < kk && worse(S[l + 1], I[l + 1], ws, wi))
            w = l + 1;
        if (w == c)
            break;
        S[c] = S[w];
        I[c] = I[w];
        c = w;
    }
    S[c] = s;
    I[c] = j;
    t->thr[r] = S[0];
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
                int hit = 0;
                for (int u = 0; u < W; u++)
                    hit |= (c[j + u] >= ti) | (c[j + u] >= ct[j + u]);
                if (hit)
                    for (int u = 0; u < W; u++)
                        offer_one(rowt, ri, rid, colt, colt0 + j + u, col_ids[j + u], c[j + u],
                                  col_ok, j + u, exclude_self);
            }
        } else {
            for (; j + W <= n; j += W) {
                const float ti = rowt->thr[ri];
                int hit = 0;
                for (int u = 0; u < W; u++)
                    hit |= c[j + u] >= ti;
                if (hit)
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
    float *S = t->score + r * kk;
    int32_t *I = t->index + r * kk;
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
    const float *S = src->score + r * src->kk;
    const int32_t *I = src->index + r * src->kk;
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
    memcpy(s, t->score + r * t->kk, (size_t)n * sizeof *s);
    memcpy(idx, t->index + r * t->kk, (size_t)n * sizeof *idx);
    ta_topk_sort_pairs(s, idx, n);
    return n;
}

float ta_topk_canon_dot(const float *a, const float *b, int64_t d)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= d; i += 8)
        for (int u = 0; u < 8; u++)
            acc[u] += (double)a[i + u] * (double)b[i + u];
    for (int u = 0; i < d; i++, u++)
        acc[u] += (double)a[i] * (double)b[i];
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    return (float)s;
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
