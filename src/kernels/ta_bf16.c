#include "kernels/ta_bf16.h"

#include "base/ta_error.h"

#include <math.h>

/* THE BOUND. Notation: x, y are two f32 rows of dimension d (normalised, but nothing below
 * assumes it), s = x.y their exact dot product, c = ta_topk_canon_dot(x, y) the canonical score,
 * s^ the screening score. nu_x >= ||x||. u = 2^-24 (f32 unit roundoff), b = 2^-8 (bf16 unit
 * roundoff: 8 significant bits), ua = 2^-23.
 *
 * The GEMM multiplies packed operands p (from x) and q (from y) of length K and returns an f32
 * evaluation s^ of Pi = sum_k p_k q_k:
 *   F32:    p = x, q = y, K = d, Pi = s.
 *   BF16:   p = h, q = h', K = d, h = bf16(x), h' = bf16(y) (round to nearest even).
 *   BF16X3: p = [h, h, l], q = [h', l', h'], K = 3d, l = bf16(x - h): Pi = h.h' + h.l' + l.h'
 *           (three GEMMs of K = d summed into the same f32 tile, or one of K = 3d: the same
 *           arithmetic for the argument below).
 *
 * (1) Accumulation. oneDNN's bf16 matmul multiplies bf16 inputs and accumulates in f32 (its
 * documented accumulation type for bf16 sources; AMX TDPBF16PS and AVX512-BF16 VDPBF16PS add
 * products into f32 with round-to-nearest-even, inputs and outputs flushed when denormal). Its
 * blocking, the order of the K loop and any split of K are unknown and may change between
 * versions, shapes and machines, so assume only this: every product is rounded at most once
 * (a bf16 x bf16 product has at most 16 significant bits and is exact in f32; an f32 product
 * may be rounded or fused), and the K terms are added in some tree whose every node rounds at
 * most once (a node adding several terms with one rounding, as the pairwise dot instructions
 * may, only removes roundings). Then each term reaches s^ through at most K roundings, each
 * multiplying by (1 + theta), |theta| <= u, and the standard argument (Higham, Accuracy and
 * Stability of Numerical Algorithms, 2nd ed., Lemma 3.1 and the summation error (3.4)-(3.5))
 * gives
 *     |s^ - Pi| <= gamma_K sum_k |p_k q_k| + eta,      gamma_K = K ua / (1 - K ua),
 * where we take ua = 2u (room for an accumulator that truncates instead of rounding, whose
 * |theta| < 2u; the f32 margin of ta_topk_score_margin doubles likewise), and eta covers
 * underflow: with gradual underflow or flush-to-zero of results and inputs, each of the K
 * products, the K - 1 additions and the 2K input flushes adds an absolute error of at most
 * 2^-126 max(1, |p_k|, |q_k|), carried by at most K roundings: eta = 8 K 2^-126 (1 + ||p||)
 * (1 + ||q||) is far above that and still below 1e-30 for any K that fits in memory.
 * By Cauchy-Schwarz, sum_k |p_k q_k| <= A with
 *     F32: A = nu_x nu_y;  BF16: A = ||h|| ||h'||;  BF16X3: A = ||h|| ||h'|| + ||h|| ||l'|| +
 *     ||l|| ||h'||,
 * and ||h|| <= nu_x + ||h - x|| (BF16), ||h|| <= nu_x + ||l|| + ||t|| (BF16X3, t below).
 *
 * (2) Operands. BF16: with r = h - x and r' = h' - y, h.h' - x.y = r.y + x.r' + r.r', so by
 * Cauchy-Schwarz
 *     |Pi - s| <= ||r|| nu_y + nu_x ||r'|| + ||r|| ||r'||.
 * Rounding to 8 significant bits gives |r_k| <= b |x_k| for |x_k| >= 2^-126 and |r_k| <= 2^-134
 * below, so for unit rows ||r|| <= b nu_x + sqrt(d) 2^-134 and |Pi - s| <= 2b + b^2 = 0.0078278
 * (worst case, reached when every element rounds the same way with a maximal error). The
 * actual ||r|| of a row is typically 0.5-0.6 b, which the per-row bound uses.
 * BF16X3: x - h is exact in f32 (h is a multiple of the f32 spacing of x and |x - h| <= b |x|,
 * so x - h has at most 16 significant bits), l = bf16(x - h) and t = x - h - l, so x = h + l + t
 * exactly with |l_k| <= b (1 + b) |x_k| and |t_k| <= b |x_k - h_k| <= b^2 |x_k| (normal range).
 * Expanding x.y = (h + l + t).(h' + l' + t'):
 *     x.y - Pi = l.l' + (h + l).t' + t.(h' + l') + t.t',  with ||h + l|| = ||x - t|| <= nu_x +
 *     ||t||,
 *     |Pi - s| <= ||l|| ||l'|| + (nu_x + ||t||) ||t'|| + ||t|| (nu_y + ||t'||) + ||t|| ||t'||,
 * about 3 b^2 = 4.6e-5 for unit rows in the worst case, ||l|| ||l'|| (about 1e-5) typically.
 *
 * (3) Canonical score. c is the double sum sigma of the exact products, rounded to f32:
 * |sigma - s| <= gamma53_d nu_x nu_y (d - 1 double additions, unit 2^-53) and |c - sigma| <= u
 * |sigma|, so |c - s| <= (u + d 2^-52) nu_x nu_y for d < 2^30.
 *
 * Together:
 *     |s^ - c| <= delta(x, y) = |Pi - s| bound (2) + gamma_K A + eta + (u + d 2^-52) nu_x nu_y.
 * Every term is non-decreasing in the error terms of each row, so delta(x, y_max), with y_max
 * the componentwise maximum of the error terms of all rows, bounds row x against every row.
 *
 * Rounding of the bound itself: the norms are sums of squares of exactly computed differences
 * in double (d - 1 additions: relative error below (d + 1) 2^-53 <= 2^-31 for d <= 2^22) and a
 * correctly rounded square root, so each is multiplied by 1 + 2^-29 to be an upper bound; the
 * few double operations that combine them are covered by a final factor 1 + 2^-30. */

enum { MAX_DIM = 1 << 22 };

static const double U = 0x1p-24, BU = 0x1p-8, UA = 0x1p-23, UP = 1.0 + 0x1p-29;

const char *ta_gemm_kind_name(ta_gemm_kind_t kind)
{
    return kind == TA_GEMM_BF16 ? "bf16" : kind == TA_GEMM_BF16X3 ? "bf16x3" : "f32";
}

int ta_gemm_planes(ta_gemm_kind_t kind)
{
    return kind == TA_GEMM_BF16X3 ? 2 : 1;
}

size_t ta_gemm_elem_bytes(ta_gemm_kind_t kind)
{
    return kind == TA_GEMM_F32 ? 4 : 2;
}

size_t ta_gemm_packed_elems(ta_gemm_kind_t kind, int64_t d, int64_t blk, int64_t rows)
{
    if (ta_gemm_planes(kind) == 1)
        return (size_t)rows * (size_t)d;
    return (size_t)((rows + blk - 1) / blk) * 2 * (size_t)blk * (size_t)d;
}

const void *ta_gemm_row(ta_gemm_kind_t kind, const void *packed, int64_t d, int64_t blk, int64_t r)
{
    const int P = ta_gemm_planes(kind);
    const size_t e =
        (size_t)(r / blk) * (size_t)P * (size_t)blk * (size_t)d + (size_t)(r % blk) * (size_t)d;
    return (const char *)packed + e * ta_gemm_elem_bytes(kind);
}

int64_t ta_gemm_inner(ta_gemm_kind_t kind, int64_t d)
{
    return kind == TA_GEMM_BF16X3 ? 3 * d : d;
}

void ta_gemm_pack_rows(ta_gemm_kind_t kind, const float *x, int64_t rows, int64_t d, int64_t blk,
                       void *out)
{
    if (kind == TA_GEMM_F32) {
        memcpy(out, x, (size_t)rows * (size_t)d * sizeof(float));
        return;
    }
    for (int64_t i = 0; i < rows; i++) {
        const float *v = x + i * d;
        uint16_t *h = (uint16_t *)(uintptr_t)ta_gemm_row(kind, out, d, blk, i);
        if (kind == TA_GEMM_BF16) {
            for (int64_t k = 0; k < d; k++)
                h[k] = ta_bf16_round(v[k]);
            continue;
        }
        uint16_t *l = h + blk * d;
        for (int64_t k = 0; k < d; k++) {
            h[k] = ta_bf16_round(v[k]);
            l[k] = ta_bf16_round(v[k] - ta_bf16_float(h[k])); /* x - hi is exact */
        }
    }
}

void ta_gemm_row_errors(ta_gemm_kind_t kind, const float *x, int64_t rows, int64_t d,
                        ta_gemm_rowerr_t *err)
{
    TA_ASSERT(d <= MAX_DIM);
    for (int64_t i = 0; i < rows; i++) {
        const float *v = x + i * d;
        double nn = 0, s1 = 0, s2 = 0;
        for (int64_t k = 0; k < d; k++) {
            double xk = v[k];
            nn += xk * xk;
            if (kind == TA_GEMM_F32)
                continue;
            double h = ta_bf16_float(ta_bf16_round(v[k]));
            if (kind == TA_GEMM_BF16) {
                s1 += (h - xk) * (h - xk); /* h - xk is exact in double */
                continue;
            }
            double l = ta_bf16_float(ta_bf16_round(v[k] - (float)h));
            double t = (xk - h) - l; /* both differences exact: operands within 2^16 ulps */
            s1 += l * l;
            s2 += t * t;
        }
        err[i].norm = sqrt(nn) * UP;
        err[i].e1 = sqrt(s1) * UP;
        err[i].e2 = sqrt(s2) * UP;
    }
}

void ta_gemm_rowerr_max(ta_gemm_rowerr_t *a, const ta_gemm_rowerr_t *b)
{
    a->norm = fmax(a->norm, b->norm);
    a->e1 = fmax(a->e1, b->e1);
    a->e2 = fmax(a->e2, b->e2);
}

double ta_gemm_bound(ta_gemm_kind_t kind, int64_t d, const ta_gemm_rowerr_t *a,
                     const ta_gemm_rowerr_t *b)
{
    TA_ASSERT(d <= MAX_DIM);
    const double K = (double)ta_gemm_inner(kind, d);
    const double gamma = K * UA / (1.0 - K * UA);
    const double nx = a->norm, ny = b->norm;
    double op, acc, pn, qn;
    if (kind == TA_GEMM_F32) {
        op = 0;
        pn = nx;
        qn = ny;
        acc = nx * ny;
    } else if (kind == TA_GEMM_BF16) {
        op = a->e1 * ny + nx * b->e1 + a->e1 * b->e1;
        pn = nx + a->e1;
        qn = ny + b->e1;
        acc = pn * qn;
    } else {
        const double lx = a->e1, ly = b->e1, tx = a->e2, ty = b->e2;
        op = lx * ly + (nx + tx) * ty + tx * (ny + ty) + tx * ty;
        const double hx = nx + lx + tx, hy = ny + ly + ty;
        acc = hx * hy + hx * ly + lx * hy;
        pn = hx + lx; /* ||[h, h, l]|| <= 2 ||h|| + ||l||, generous enough for eta */
        qn = hy + ly;
        pn += hx;
        qn += hy;
    }
    const double eta = 8.0 * K * 0x1p-126 * (1.0 + pn) * (1.0 + qn);
    const double canon = (U + (double)d * 0x1p-52) * nx * ny;
    return (op + gamma * acc + eta + canon) * (1.0 + 0x1p-30);
}

double ta_gemm_bound_unit(ta_gemm_kind_t kind, int64_t d)
{
    const double nu = 1.0 + 0x1p-22, sub = sqrt((double)d) * 0x1p-134;
    ta_gemm_rowerr_t e = {nu, 0, 0};
    if (kind == TA_GEMM_BF16)
        e.e1 = BU * nu + sub;
    else if (kind == TA_GEMM_BF16X3) {
        e.e1 = BU * (1.0 + BU) * nu + sub;
        e.e2 = BU * BU * nu + sub;
    }
    return ta_gemm_bound(kind, d, &e, &e);
}

double ta_gemm_dot_ref(ta_gemm_kind_t kind, int64_t d, int64_t blk, const void *a, const void *b)
{
    double s = 0;
    if (kind == TA_GEMM_F32) {
        const float *x = a, *y = b;
        for (int64_t k = 0; k < d; k++)
            s += (double)x[k] * (double)y[k];
        return s;
    }
    const uint16_t *x = a, *y = b;
    for (int64_t k = 0; k < d; k++) {
        double hx = ta_bf16_float(x[k]), hy = ta_bf16_float(y[k]);
        s += hx * hy;
        if (kind == TA_GEMM_BF16X3)
            s += hx * ta_bf16_float(y[blk * d + k]) + ta_bf16_float(x[blk * d + k]) * hy;
    }
    return s;
}
