/* The fuzzy simplicial set of UMAP from kNN rows: umap-learn's smooth_knn_dist,
 * compute_membership_strengths and fuzzy union, then simplicial_set_embedding's pruning and
 * sampling rates. Arithmetic follows umap-learn's types: the bisection and the weights in float
 * (numba locals float32), the sampling rates in double. */
#include "kernels/ta_umap.h"

#include <math.h>
#include <stdlib.h>

/* umap-learn's constants (umap_.py). */
#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3
#define SMOOTH_K_STEPS 64

int64_t ta_umap_default_epochs(int64_t nv)
{
    return nv <= 10000 ? 500 : 200;
}

/* Valid entries of a row: they come first, so the count is the position of the first -1. */
static int64_t row_valid(const int32_t *nbr, int64_t n)
{
    int64_t m = 0;
    while (m < n && nbr[m] >= 0)
        m++;
    return m;
}

/* One row of smooth_knn_dist with local connectivity 1: rho is the first nonzero distance (0 when
 * every distance is 0), sigma the bisection's result, floored. Column 0 (the vertex itself) takes
 * no part in the sum. */
static void smooth_row(const float *d, int64_t m, float target, double mean_all, float *sigma,
                       float *rho)
{
    float r = 0.0f;
    for (int64_t j = 0; j < m; j++)
        if (d[j] > 0.0f) {
            r = d[j];
            break;
        }
    float lo = 0.0f, hi = INFINITY, mid = 1.0f;
    for (int step = 0; step < SMOOTH_K_STEPS; step++) {
        float psum = 0.0f;
        for (int64_t j = 1; j < m; j++) {
            float x = d[j] - r;
            psum += x > 0.0f ? expf(-(x / mid)) : 1.0f;
        }
        if (fabsf(psum - target) < SMOOTH_K_TOLERANCE)
            break;
        if (psum > target) {
            hi = mid;
            mid = (lo + hi) / 2.0f;
        } else {
            lo = mid;
            mid = isinf(hi) ? mid * 2.0f : (lo + hi) / 2.0f;
        }
    }
    /* The floor: a fraction of the row's mean distance, or of the global mean for a row of
     * identical points (rho = 0). */
    if (r > 0.0f) {
        double s = 0.0;
        for (int64_t j = 0; j < m; j++)
            s += d[j];
        float floor_ = (float)(MIN_K_DIST_SCALE * (s / (double)m));
        if (mid < floor_)
            mid = floor_;
    } else if (mid < (float)(MIN_K_DIST_SCALE * mean_all)) {
        mid = (float)(MIN_K_DIST_SCALE * mean_all);
    }
    *sigma = mid;
    *rho = r;
}

void ta_umap_smooth_knn(const int32_t *nbr, const float *dist, int64_t nrows, int64_t n,
                        int64_t n_neighbors, double mean_all, float *sigma, float *rho)
{
    float target = (float)log2((double)n_neighbors);
    for (int64_t r = 0; r < nrows; r++) {
        int64_t m = row_valid(nbr + r * n, n);
        smooth_row(dist + r * n, m, target, mean_all, sigma + r, rho + r);
    }
}

void ta_umap_membership(const int32_t *nbr, const float *dist, const float *sigma, const float *rho,
                        int64_t nrows, int64_t n, float *w)
{
    for (int64_t r = 0; r < nrows; r++)
        for (int64_t j = 0; j < n; j++) {
            int64_t e = r * n + j;
            int32_t v = nbr[e];
            if (v < 0 || v == r)
                w[e] = 0.0f;
            else if (dist[e] - rho[r] <= 0.0f || sigma[r] == 0.0f)
                w[e] = 1.0f;
            else
                w[e] = expf(-((dist[e] - rho[r]) / sigma[r]));
        }
}

/* Insertion sort of a row's (column, weight) pairs by column: rows hold n_neighbors entries,
 * a few dozen at most in practice, and are nearly sorted by nothing in particular. */
static void sort_row(int32_t *c, float *w, int64_t m)
{
    for (int64_t i = 1; i < m; i++) {
        int32_t ci = c[i];
        float wi = w[i];
        int64_t j = i;
        while (j > 0 && c[j - 1] > ci) {
            c[j] = c[j - 1];
            w[j] = w[j - 1];
            j--;
        }
        c[j] = ci;
        w[j] = wi;
    }
}

int64_t ta_umap_union(const int32_t *nbr, const float *w, int64_t nv, int64_t n, int64_t *ptr,
                      int32_t *col, float *val, int64_t *tptr, int32_t *tsrc, float *tval,
                      int32_t *rowcol, float *rowval)
{
    /* W^T by counting sort over the source rows in ascending order, so each of its rows is
     * sorted by column. */
    for (int64_t v = 0; v <= nv; v++)
        tptr[v] = 0;
    for (int64_t e = 0; e < nv * n; e++)
        if (w[e] > 0.0f)
            tptr[nbr[e] + 1]++;
    for (int64_t v = 0; v < nv; v++)
        tptr[v + 1] += tptr[v];
    for (int64_t r = 0; r < nv; r++)
        for (int64_t j = 0; j < n; j++) {
            int64_t e = r * n + j;
            if (w[e] > 0.0f) {
                int64_t at = tptr[nbr[e]]++;
                tsrc[at] = (int32_t)r;
                tval[at] = w[e];
            }
        }
    /* tptr[v] now ends row v; shift back so that row v is [tptr[v], tptr[v + 1]). */
    for (int64_t v = nv; v > 0; v--)
        tptr[v] = tptr[v - 1];
    tptr[0] = 0;

    /* Row i of U: merge of W's row i (sorted here) and W^T's row i. */
    int64_t ne = 0;
    ptr[0] = 0;
    for (int64_t i = 0; i < nv; i++) {
        int64_t m = 0;
        for (int64_t j = 0; j < n; j++)
            if (w[i * n + j] > 0.0f) {
                rowcol[m] = nbr[i * n + j];
                rowval[m] = w[i * n + j];
                m++;
            }
        sort_row(rowcol, rowval, m);
        int64_t p = 0, q = tptr[i], qe = tptr[i + 1];
        while (p < m || q < qe) {
            int32_t c;
            float u;
            if (q >= qe || (p < m && rowcol[p] < tsrc[q])) {
                c = rowcol[p];
                u = rowval[p++];
            } else if (p >= m || tsrc[q] < rowcol[p]) {
                c = tsrc[q];
                u = tval[q++];
            } else {
                float a = rowval[p++], b = tval[q++];
                float s = a + b, ab = a * b;
                c = tsrc[q - 1];
                u = s - ab;
            }
            if (u != 0.0f) {
                col[ne] = c;
                val[ne] = u;
                ne++;
            }
        }
        ptr[i + 1] = ne;
    }
    return ne;
}

int64_t ta_umap_prune(int64_t nv, int64_t n_epochs, int64_t *ptr, int32_t *col, float *val,
                      double *eps)
{
    float vmax = 0.0f;
    for (int64_t e = 0; e < ptr[nv]; e++)
        if (val[e] > vmax)
            vmax = val[e];
    double cut = (double)vmax / (double)n_epochs;
    int64_t ne = 0, start = 0;
    for (int64_t i = 0; i < nv; i++) {
        int64_t end = ptr[i + 1];
        for (int64_t e = start; e < end; e++)
            if (!((double)val[e] < cut)) {
                col[ne] = col[e];
                val[ne] = val[e];
                ne++;
            }
        start = end;
        ptr[i + 1] = ne;
    }
    for (int64_t e = 0; e < ne; e++)
        eps[e] = (double)n_epochs / ((double)n_epochs * ((double)val[e] / (double)vmax));
    return ne;
}
