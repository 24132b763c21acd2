/* Unit tests of the UMAP kernels (src/kernels/ta_umap*.c) on hand-worked cases and on values
 * computed with umap-learn 0.5.3 / scipy 1.10 (find_ab_params); also run under ASan + UBSan.
 * tests/py/test_map_steps.py compares every step with umap-learn on larger graphs. */
#include "kernels/ta_umap.h"
#include "ta_test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* umap.umap_.find_ab_params(1.0, min_dist) (scipy curve_fit) for several min_dist. */
static void test_find_ab(void)
{
    static const double ref[][3] = {
        {0.0, 1.9328083978536088, 0.7904949734413567},
        {0.001, 1.9290733968410037, 0.7915045333956955},
        {0.05, 1.7502249629563487, 0.8420553924762786},
        {0.1, 1.5769434604035877, 0.8950608780665811},
        {0.2, 1.2620581227650813, 1.0030054000844588},
        {0.5, 0.5830300205483709, 1.334166992455648},
        {0.8, 0.23206272688815374, 1.6812316033514587},
        {0.99, 0.11930529967121939, 1.9163904180016966},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double a = 0, b = 0;
        T_EQ_INT(ta_umap_find_ab(1.0, ref[i][0], &a, &b), 0);
        T_NEAR(a, ref[i][1], 1e-5 * ref[i][1]);
        T_NEAR(b, ref[i][2], 1e-5 * ref[i][2]);
    }
}

/* smooth_knn_dist by hand. Row 0: distances 0, 1, 2 with n_neighbors 3: rho = 1 and sigma
 * solves 1 + exp(-1 / sigma) = log2(3), sigma = -1 / ln(log2(3) - 1). Row 1: 0, 1, 1, 1 with
 * n_neighbors 4: every d - rho is 0, the sum stays 3 > log2(4) and the bisection shrinks sigma to
 * nothing, so the floor 1e-3 x mean(0, 1, 1, 1) applies. Row 2: only itself: the sum is 0, sigma
 * doubles at each of the 64 steps. */
static void test_smooth_knn(void)
{
    int32_t nbr[3 * 4] = {0, 1, 2, -1, 1, 0, 2, 3, 2, -1, -1, -1};
    float dist[3 * 4] = {0, 1, 2, 0, 0, 1, 1, 1, 0, 0, 0, 0}, sigma[3], rho[3];
    ta_umap_smooth_knn(nbr, dist, 1, 4, 3, 0.5, sigma, rho);
    T_NEAR(rho[0], 1.0, 0);
    T_NEAR(sigma[0], -1.0 / log(log2(3.0) - 1.0), 1e-4);
    ta_umap_smooth_knn(nbr + 4, dist + 4, 1, 4, 4, 0.5, sigma + 1, rho + 1);
    T_NEAR(rho[1], 1.0, 0);
    T_NEAR(sigma[1], 0.75e-3, 1e-9);
    ta_umap_smooth_knn(nbr + 8, dist + 8, 1, 4, 4, 0.5, sigma + 2, rho + 2);
    T_NEAR(rho[2], 0.0, 0);
    T_NEAR(sigma[2], ldexp(1.0, 64), 0); /* nothing to sum: 64 doublings, as umap-learn */
}

/* Membership and fuzzy union on 3 vertices, n = 3 columns (self first):
 *   0 -> 1 (w 1, at rho), 0 -> 2 (exp(-1));   1 -> 0 (w 1), 1 -> 2 (missing);   2 -> 1 (w 1).
 * U(0,1) = 1 + 1 - 1 = 1, U(0,2) = U(2,0) = exp(-1), U(1,2) = U(2,1) = 1. */
static void test_union(void)
{
    int32_t nbr[9] = {0, 1, 2, 1, 0, -1, 2, 1, -1};
    float dist[9] = {0, 1, 2, 0, 0.5f, 0, 0, 3, 0};
    float sigma[3] = {1, 1, 1}, rho[3] = {1, 0.5f, 3}, w[9];
    ta_umap_membership(nbr, dist, sigma, rho, 3, 3, w);
    T_NEAR(w[0], 0, 0);
    T_NEAR(w[1], 1, 0);
    T_NEAR(w[2], expf(-1.0f), 0);
    T_NEAR(w[5], 0, 0);
    int64_t ptr[4], tptr[4];
    int32_t col[18], tsrc[9], rowcol[3];
    float val[18], tval[9], rowval[3];
    int64_t ne = ta_umap_union(nbr, w, 3, 3, ptr, col, val, tptr, tsrc, tval, rowcol, rowval);
    T_EQ_INT(ne, 6);
    int64_t eptr[4] = {0, 2, 4, 6};
    int32_t ecol[6] = {1, 2, 0, 2, 0, 1};
    float eval[6] = {1, expf(-1.0f), 1, 1, expf(-1.0f), 1};
    for (int i = 0; i < 4; i++)
        T_EQ_INT(ptr[i], eptr[i]);
    for (int e = 0; e < 6; e++) {
        T_EQ_INT(col[e], ecol[e]);
        T_NEAR(val[e], eval[e], 1e-7);
    }
    /* Pruning with 2 epochs: max 1, nothing below 0.5 except exp(-1) = 0.37, which goes. */
    double eps[6];
    int64_t ne2 = ta_umap_prune(3, 2, ptr, col, val, eps);
    T_EQ_INT(ne2, 4);
    T_EQ_INT(ptr[1], 1);
    T_EQ_INT(ptr[2], 3);
    T_EQ_INT(ptr[3], 4);
    T_EQ_INT(col[0], 1);
    T_EQ_INT(col[3], 1);
    for (int e = 0; e < 4; e++)
        T_NEAR(eps[e], 1.0, 0);
    /* Components: 0-1-2 connected; then drop 1 -- 2 and 0's row to get {0}, {1, 2}. */
    int32_t label[3], queue[3];
    T_EQ_INT(ta_umap_components(ptr, col, 3, label, queue), 1);
    int64_t p2[4] = {0, 0, 1, 2};
    int32_t c2[2] = {2, 1};
    T_EQ_INT(ta_umap_components(p2, c2, 3, label, queue), 2);
    T_EQ_INT(label[0], 0);
    T_EQ_INT(label[1], 1);
    T_EQ_INT(label[2], 1);
}

/* A ring of 40 vertices, each joined to its 2 neighbours on each side (weights 1 and 0.5): one
 * component; its normalised Laplacian has eigenvalues 1 - (2 cos t + cos 2t) / 3, t = 2 pi k / 40,
 * each twice (k and -k). A single-vector Lanczos sees one vector per eigenspace, so the initial
 * layout's columns are eigenvectors of k = 1 and k = 2 (as scipy's eigsh gives them). Then the
 * SGD, twice with the same seed (identical) and once with another (different). */
static void test_ring(void)
{
    enum { NV = 40, DEG = 4 };
    int64_t ptr[NV + 1];
    int32_t col[NV * DEG];
    float val[NV * DEG];
    for (int i = 0; i <= NV; i++)
        ptr[i] = (int64_t)i * DEG;
    for (int i = 0; i < NV; i++) {
        int32_t nb[DEG] = {(i + NV - 2) % NV, (i + NV - 1) % NV, (i + 1) % NV, (i + 2) % NV};
        /* columns ascending within the row */
        for (int a = 1; a < DEG; a++)
            for (int b = a; b > 0 && nb[b - 1] > nb[b]; b--) {
                int32_t t = nb[b];
                nb[b] = nb[b - 1];
                nb[b - 1] = t;
            }
        for (int j = 0; j < DEG; j++) {
            col[i * DEG + j] = nb[j];
            int d = abs(nb[j] - i);
            val[i * DEG + j] = (d == 1 || d == NV - 1) ? 1.0f : 0.5f;
        }
    }
    int32_t label[NV], queue[NV];
    int32_t count = ta_umap_components(ptr, col, NV, label, queue);
    T_EQ_INT(count, 1);
    int64_t ints = 0, nd = ta_umap_spectral_work(NV, NV, &ints);
    double *work = calloc((size_t)nd, sizeof(double));
    int32_t *iwork = calloc((size_t)ints, sizeof(int32_t));
    float xy[3][NV * 2];
    ta_umap_init_info_t info;
    T_CHECK(work && iwork);
    if (!work || !iwork)
        return;
    T_EQ_INT(ta_umap_spectral(ptr, col, val, NV, label, count, 1, work, iwork, xy[0], &info), 0);
    T_EQ_INT(info.spectral, 1);
    T_EQ_INT(info.random, 0);
    /* Each column, centred (the trivial eigenvector is constant here) and normalised, must be an
     * eigenvector: L x = x - A x / 3 with A the weights. */
    for (int c = 0; c < 2; c++) {
        double x[NV], lx[NV], mean = 0, norm = 0, lam = 0, res = 0;
        for (int i = 0; i < NV; i++)
            mean += xy[0][2 * i + c] / NV;
        for (int i = 0; i < NV; i++)
            norm += (xy[0][2 * i + c] - mean) * (xy[0][2 * i + c] - mean);
        for (int i = 0; i < NV; i++)
            x[i] = (xy[0][2 * i + c] - mean) / sqrt(norm);
        for (int i = 0; i < NV; i++) {
            double s = 0;
            for (int64_t e = ptr[i]; e < ptr[i + 1]; e++)
                s += val[e] * x[col[e]];
            lx[i] = x[i] - s / 3.0;
            lam += x[i] * lx[i];
        }
        for (int i = 0; i < NV; i++)
            res += (lx[i] - lam * x[i]) * (lx[i] - lam * x[i]);
        double t = 2 * M_PI * (c + 1) / NV;
        T_NEAR(lam, 1 - (2 * cos(t) + cos(2 * t)) / 3, 1e-4);
        T_CHECK(sqrt(res) < 1e-3);
    }
    double eps[NV * DEG], sgd[3 * NV * DEG];
    int64_t ne = ta_umap_prune(NV, 50, ptr, col, val, eps);
    T_EQ_INT(ne, NV * DEG);
    memcpy(xy[1], xy[0], sizeof xy[0]);
    memcpy(xy[2], xy[0], sizeof xy[0]);
    T_EQ_INT(ta_umap_optimize(xy[0], NV, ptr, col, eps, 50, 1.26, 1.0, 7, sgd, NULL, NULL), 0);
    T_EQ_INT(ta_umap_optimize(xy[1], NV, ptr, col, eps, 50, 1.26, 1.0, 7, sgd, NULL, NULL), 0);
    T_EQ_INT(ta_umap_optimize(xy[2], NV, ptr, col, eps, 50, 1.26, 1.0, 8, sgd, NULL, NULL), 0);
    T_CHECK(memcmp(xy[0], xy[1], sizeof xy[0]) == 0);
    T_CHECK(memcmp(xy[0], xy[2], sizeof xy[0]) != 0);
    for (int i = 0; i < 2 * NV; i++)
        T_CHECK(isfinite(xy[0][i]));
    /* Ring neighbours stay closer than the ring's far side. */
    double near = 0, far = 0;
    for (int i = 0; i < NV; i++) {
        near += hypot(xy[0][2 * i] - xy[0][2 * ((i + 1) % NV)],
                      xy[0][2 * i + 1] - xy[0][2 * ((i + 1) % NV) + 1]);
        far += hypot(xy[0][2 * i] - xy[0][2 * ((i + NV / 2) % NV)],
                     xy[0][2 * i + 1] - xy[0][2 * ((i + NV / 2) % NV) + 1]);
    }
    T_CHECK(near < far / 3);
    free(work);
    free(iwork);
}

/* ta_umap_pow against pow() in double, over x from 1e-6 to 1e6 and the b of several min_dist. */
static void test_pow(void)
{
    static const double bs[] = {0.7904949734413567, 1.0030054000844588, 1.334166992455648,
                                1.9163904180016966};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        ta_umap_pow_t t;
        ta_umap_pow_init(&t, bs[i]);
        double worst = 0;
        for (int k = 0; k <= 200000; k++) {
            float x = (float)exp(-13.8 + 27.6 * k / 200000.0);
            double r = pow((double)x, bs[i]), e = fabs(ta_umap_pow(&t, x) - r) / r;
            worst = e > worst ? e : worst;
        }
        T_CHECK(worst < 3e-7);
    }
}

int main(void)
{
    test_pow();
    test_find_ab();
    test_smooth_knn();
    test_union();
    test_ring();
    return ta_test_finish("map_unit_kernels");
}
