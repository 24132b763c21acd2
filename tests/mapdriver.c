/* Test driver for tests/py/test_map_steps.py: runs each step of the UMAP kernels on a kNN graph
 * read from a file and writes every intermediate result, so that the test can compare each one
 * with umap-learn's own function for that step.
 *
 * Input (little-endian): int64 nv, n, n_neighbors, n_epochs; uint64 seed; double min_dist; then
 * int32 nbr[nv n] and float dist[nv n] (the kernels' row layout: self first, -1 at the end).
 * Output, in order: float sigma[nv], rho[nv]; int64 ne; int64 ptr[nv + 1], int32 col[ne], float
 * val[ne] (the fuzzy union); int32 count, label[nv] (components); int64 ne2, ptr2[nv + 1], int32
 * col2[ne2], float val2[ne2], double eps[ne2] (pruned); double a, b; float init[nv 2]; int32
 * spectral, random; float xy[nv 2] (optimised). */
#include "base/ta_error.h"
#include "kernels/ta_umap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rd(FILE *f, void *p, size_t size, size_t n)
{
    if (n && fread(p, size, n, f) != n) {
        fprintf(stderr, "mapdriver: short input\n");
        exit(1);
    }
}

static void wr(FILE *f, const void *p, size_t size, size_t n)
{
    if (n && fwrite(p, size, n, f) != n) {
        fprintf(stderr, "mapdriver: write failed\n");
        exit(1);
    }
}

static void *mem(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "mapdriver: out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mapdriver IN OUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    if (!in || !out) {
        fprintf(stderr, "mapdriver: cannot open files\n");
        return 1;
    }
    int64_t hdr[4];
    uint64_t seed;
    double min_dist;
    rd(in, hdr, sizeof hdr[0], 4);
    rd(in, &seed, sizeof seed, 1);
    rd(in, &min_dist, sizeof min_dist, 1);
    int64_t nv = hdr[0], n = hdr[1], nn = hdr[2], n_epochs = hdr[3];
    int32_t *nbr = mem((size_t)(nv * n), sizeof *nbr);
    float *dist = mem((size_t)(nv * n), sizeof *dist);
    rd(in, nbr, sizeof *nbr, (size_t)(nv * n));
    rd(in, dist, sizeof *dist, (size_t)(nv * n));
    fclose(in);

    double sum = 0.0;
    int64_t cnt = 0;
    for (int64_t e = 0; e < nv * n; e++)
        if (nbr[e] >= 0) {
            sum += dist[e];
            cnt++;
        }
    float *sigma = mem((size_t)nv, sizeof(float)), *rho = mem((size_t)nv, sizeof(float));
    ta_umap_smooth_knn(nbr, dist, nv, n, nn, sum / (double)cnt, sigma, rho);
    wr(out, sigma, sizeof(float), (size_t)nv);
    wr(out, rho, sizeof(float), (size_t)nv);

    float *w = mem((size_t)(nv * n), sizeof(float));
    ta_umap_membership(nbr, dist, sigma, rho, nv, n, w);
    size_t cap = (size_t)(2 * nv * n);
    int64_t *ptr = mem((size_t)nv + 1, sizeof(int64_t)), *tptr = mem((size_t)nv + 1, 8);
    int32_t *col = mem(cap, 4), *tsrc = mem((size_t)(nv * n), 4), *rowcol = mem((size_t)n, 4);
    float *val = mem(cap, 4), *tval = mem((size_t)(nv * n), 4), *rowval = mem((size_t)n, 4);
    int64_t ne = ta_umap_union(nbr, w, nv, n, ptr, col, val, tptr, tsrc, tval, rowcol, rowval);
    wr(out, &ne, 8, 1);
    wr(out, ptr, 8, (size_t)nv + 1);
    wr(out, col, 4, (size_t)ne);
    wr(out, val, 4, (size_t)ne);

    double *eps = mem((size_t)ne, sizeof(double));
    int64_t ne2 = ta_umap_prune(nv, n_epochs, ptr, col, val, eps);
    int32_t *label = mem((size_t)nv, 4), *queue = mem((size_t)nv, 4);
    int32_t count = ta_umap_components(ptr, col, nv, label, queue);
    wr(out, &count, 4, 1);
    wr(out, label, 4, (size_t)nv);
    wr(out, &ne2, 8, 1);
    wr(out, ptr, 8, (size_t)nv + 1);
    wr(out, col, 4, (size_t)ne2);
    wr(out, val, 4, (size_t)ne2);
    wr(out, eps, 8, (size_t)ne2);

    double a = 0, b = 0;
    if (ta_umap_find_ab(TA_UMAP_SPREAD, min_dist, &a, &b)) {
        fprintf(stderr, "mapdriver: find_ab did not converge\n");
        return 1;
    }
    wr(out, &a, 8, 1);
    wr(out, &b, 8, 1);

    int64_t nmax = 0, ints = 0;
    {
        int64_t *size = mem((size_t)count, sizeof(int64_t));
        for (int64_t v = 0; v < nv; v++)
            size[label[v]]++;
        for (int32_t c = 0; c < count; c++)
            nmax = size[c] > nmax ? size[c] : nmax;
        free(size);
    }
    int64_t nd = ta_umap_spectral_work(nmax, nv, &ints);
    double *work = mem((size_t)nd, sizeof(double));
    int32_t *iwork = mem((size_t)ints, 4);
    float *xy = mem((size_t)(2 * nv), sizeof(float));
    ta_umap_init_info_t info;
    ta_umap_spectral(ptr, col, val, nv, label, count, seed, work, iwork, xy, &info);
    wr(out, xy, 4, (size_t)(2 * nv));
    wr(out, &info.spectral, 4, 1);
    wr(out, &info.random, 4, 1);

    double *sgd = mem((size_t)(3 * ne2), sizeof(double));
    ta_umap_optimize(xy, nv, ptr, col, eps, n_epochs, a, b, seed, sgd, NULL, NULL);
    wr(out, xy, 4, (size_t)(2 * nv));
    fclose(out);
    free(nbr), free(dist), free(sigma), free(rho), free(w), free(ptr), free(tptr), free(col);
    free(tsrc), free(rowcol), free(val), free(tval), free(rowval), free(eps), free(label);
    free(queue), free(work), free(iwork), free(xy), free(sgd);
    return 0;
}
