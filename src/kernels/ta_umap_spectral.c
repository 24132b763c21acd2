/* UMAP's initial layout: umap-learn's spectral_layout / multi_component_layout (spectral.py) and
 * the scaling of simplicial_set_embedding (umap_.py), with ARPACK's implicitly restarted Lanczos
 * (dsaupd / dseupd, the routines behind scipy's eigsh) for the eigenvectors.
 *
 * ARPACK calls BLAS (OpenBLAS here), whose sums depend on its thread count; the caller runs this
 * with one BLAS thread so that the layout does not depend on how many threads or ranks a run has.
 */
#include "kernels/ta_umap.h"
#include "base/ta_rand.h"

#include <arpack.h>
#include <math.h>
#include <stdlib.h>

/* Random streams of a map (ta_xoshiro_seed purposes). */
enum { RNG_META = 1, RNG_FALLBACK = 2, RNG_NOISE = 3 };

/* umap-learn asks eigsh for k = dim + 1 = 3 eigenpairs of smallest magnitude and drops the first
 * (eigenvalue 0, eigenvector D^1/2 1, known in closed form). ARPACK's convergence test is
 * relative to the Ritz value (|residual| <= tol max(|theta|, eps^(2/3))), which an eigenvalue of
 * 0 can pass only by chance: Debian's ARPACK 3.8 then converges on eigenvalues 2-4 and reports
 * them as the three smallest (seen on a 900-vertex graph; scipy's bundled ARPACK happens to
 * accept a Ritz value of 5e-9 there). So the trivial pair is deflated instead, L' = L + 2 u u^T
 * with u = D^1/2 1 / |D^1/2 1| (it moves to 2, the top of L's spectrum), and ARPACK is asked for
 * the dim = 2 smallest eigenpairs of L', which are L's 2nd and 3rd, with eigsh's other settings:
 * tolerance 1e-4, start vector of ones, at most 5 nv restarts.
 *
 * Lanczos vectors: umap-learn takes ncv = max(2 k + 1, floor(sqrt(m))); here that is capped at 64.
 * ARPACK tests convergence only after each ncv products and keeps m ncv doubles, with O(m ncv^2)
 * work per restart: at 100,000 points (ncv 316) it took 317 products and 12.2 s of CPU and
 * 250 MB, with 64 vectors 126 products and 2.3 s for the same eigenvectors (correlation above
 * 0.99999); at 20,000 points 0.48 against 0.12 s. The cap only changes components of more than
 * 4,096 points. */
#define SPEC_K (TA_UMAP_DIM + 1)
#define SPEC_NEV TA_UMAP_DIM
#define SPEC_TOL 1e-4
#define SPEC_MAXITER_PER_VERTEX 5
#define SPEC_NCV_MAX 64

/* Lanczos vectors for a component of m vertices: max(2 k + 1, min(floor(sqrt(m)), 64)), at most
 * m. */
static int64_t spec_ncv(int64_t m)
{
    int64_t ncv = (int64_t)floor(sqrt((double)m));
    if (ncv > SPEC_NCV_MAX)
        ncv = SPEC_NCV_MAX;
    if (ncv < 2 * SPEC_K + 1)
        ncv = 2 * SPEC_K + 1;
    return ncv < m ? ncv : m;
}

int64_t ta_umap_spectral_work(int64_t nmax, int64_t nv, int64_t *ints)
{
    int64_t ncv = spec_ncv(nmax);
    /* ints: vertices by component, local numbers (and offsets), ARPACK's select. Doubles: the
     * component centres, then a component's 1/sqrt(degree), u and the two eigenvectors, then
     * ARPACK's v, workd, workl, resid, z and d. */
    *ints = 2 * nv + 1 + ncv;
    return TA_UMAP_DIM * nv + 4 * nmax + nmax * ncv + 3 * nmax + ncv * (ncv + 8) + nmax +
           SPEC_NEV * nmax + SPEC_NEV;
}

/* Uniform in [0, 1). */
static double unit01(ta_xoshiro_t *r)
{
    return (double)(ta_xoshiro_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal by Box-Muller (one value per call; the partner is discarded). */
static double normal(ta_xoshiro_t *r)
{
    double u1 = ta_xoshiro_unit(r), u2 = unit01(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* One component's Laplacian: its vertices (ascending), their local numbers, 1/sqrt(degree) and
 * the trivial eigenvector u. */
typedef struct {
    const int64_t *ptr;
    const int32_t *col;
    const float *val;
    const int32_t *vert; /* [m] global ids */
    const int32_t *loc;  /* [nv] local id of each vertex of the component */
    const double *dinv;  /* [m] */
    const double *u;     /* [m] D^1/2 1, unit length */
    int64_t m;
} lap_t;

/* y = L' x = x - D^-1/2 U D^-1/2 x + 2 u (u . x) on the component. */
static void lap_apply(const lap_t *L, const double *x, double *y)
{
    double ux = 0.0;
    for (int64_t i = 0; i < L->m; i++)
        ux += L->u[i] * x[i];
    for (int64_t i = 0; i < L->m; i++) {
        int32_t v = L->vert[i];
        double s = 0.0;
        for (int64_t e = L->ptr[v]; e < L->ptr[v + 1]; e++) {
            int32_t j = L->loc[L->col[e]];
            s += (double)L->val[e] * L->dinv[j] * x[j];
        }
        y[i] = x[i] - L->dinv[i] * s + 2.0 * ux * L->u[i];
    }
}

/* The eigenvectors of the 2nd and 3rd smallest eigenvalues of the component's Laplacian into
 * out [m x 2] (row major), in ascending order of eigenvalue. Returns 0, or 1 when ARPACK failed
 * or did not converge. */
static int lap_eigs(const lap_t *L, int64_t maxiter, double *work, a_int *select, double *out,
                    int64_t *matvecs)
{
    a_int m = (a_int)L->m, ncv = (a_int)spec_ncv(L->m), lworkl = ncv * (ncv + 8);
    double *v = work, *workd = v + (int64_t)m * ncv, *workl = workd + 3 * (int64_t)m;
    double *resid = workl + lworkl, *z = resid + m, *d = z + SPEC_NEV * (int64_t)m;
    for (a_int i = 0; i < m; i++)
        resid[i] = 1.0;
    a_int iparam[11] = {0}, ipntr[11] = {0}, ido = 0, info = 1;
    iparam[0] = 1; /* exact shifts */
    iparam[2] = (a_int)maxiter;
    iparam[3] = 1;
    iparam[6] = 1; /* mode 1: A x = lambda x */
    for (;;) {
        dsaupd_c(&ido, "I", m, "SM", SPEC_NEV, SPEC_TOL, resid, ncv, v, m, iparam, ipntr, workd,
                 workl, lworkl, &info);
        if (ido != -1 && ido != 1)
            break;
        lap_apply(L, workd + ipntr[0] - 1, workd + ipntr[1] - 1);
        (*matvecs)++;
    }
    if (info != 0)
        return 1;
    a_int ierr = 0;
    dseupd_c(1, "A", select, d, z, m, 0.0, "I", m, "SM", SPEC_NEV, SPEC_TOL, resid, ncv, v, m,
             iparam, ipntr, workd, workl, lworkl, &ierr);
    if (ierr != 0 || iparam[4] < SPEC_NEV)
        return 1;
    /* ARPACK returns the eigenvalues in ascending order; do not rely on it. */
    int lo = d[0] <= d[1] ? 0 : 1;
    for (a_int i = 0; i < m; i++) {
        out[(int64_t)i * TA_UMAP_DIM] = z[(int64_t)lo * m + i];
        out[(int64_t)i * TA_UMAP_DIM + 1] = z[(int64_t)(1 - lo) * m + i];
    }
    return 0;
}

/* Centres of the components: +-e1, +-e2 for at most 2 dim components (umap-learn's
 * multi_component_layout), else uniform in [0, 10)^2 (its layout without input rows). */
static void meta_layout(int32_t count, uint64_t seed, double *meta)
{
    if (count <= 2 * TA_UMAP_DIM) {
        int32_t k = (count + 1) / 2;
        for (int32_t c = 0; c < count; c++) {
            int32_t base = c % k;
            double sign = c < k ? 1.0 : -1.0;
            for (int d = 0; d < TA_UMAP_DIM; d++)
                meta[c * TA_UMAP_DIM + d] = d == base ? sign : 0.0;
        }
        return;
    }
    ta_xoshiro_t r;
    ta_xoshiro_seed(&r, seed, RNG_META, 0);
    for (int64_t i = 0; i < (int64_t)count * TA_UMAP_DIM; i++)
        meta[i] = 10.0 * unit01(&r);
}

/* Half the distance from centre c to the nearest other centre. */
static double meta_radius(const double *meta, int32_t count, int32_t c)
{
    double best = INFINITY;
    for (int32_t o = 0; o < count; o++) {
        double s = 0.0;
        for (int d = 0; d < TA_UMAP_DIM; d++) {
            double t = meta[o * TA_UMAP_DIM + d] - meta[c * TA_UMAP_DIM + d];
            s += t * t;
        }
        if (s > 0.0 && sqrt(s) < best)
            best = sqrt(s);
    }
    return best / 2.0;
}

int32_t ta_umap_components(const int64_t *ptr, const int32_t *col, int64_t nv, int32_t *label,
                           int32_t *queue)
{
    for (int64_t v = 0; v < nv; v++)
        label[v] = -1;
    int32_t count = 0;
    /* Breadth-first search from each vertex not yet reached, in vertex order. */
    for (int64_t s = 0; s < nv; s++) {
        if (label[s] >= 0)
            continue;
        int64_t head = 0, tail = 0;
        queue[tail++] = (int32_t)s;
        label[s] = count;
        while (head < tail) {
            int32_t v = queue[head++];
            for (int64_t e = ptr[v]; e < ptr[v + 1]; e++)
                if (label[col[e]] < 0) {
                    label[col[e]] = count;
                    queue[tail++] = col[e];
                }
        }
        count++;
    }
    return count;
}

/* Uniform in [-r, r)^2 around centre (cx, cy) for the m vertices vert[0..m), from the
 * component's own stream (so a component's points do not depend on the others). */
static void place_random(const int32_t *vert, int64_t m, double r, const double *centre,
                         uint64_t seed, int32_t c, float *xy)
{
    ta_xoshiro_t g;
    ta_xoshiro_seed(&g, seed, RNG_FALLBACK, (uint64_t)c);
    for (int64_t i = 0; i < m; i++)
        for (int d = 0; d < TA_UMAP_DIM; d++)
            xy[(int64_t)vert[i] * TA_UMAP_DIM + d] = (float)(centre[d] - r + 2.0 * r * unit01(&g));
}

/* Lays out a component by its eigenvectors, scaled to radius r around centre (r infinite: as
 * they are). Returns 1 when done, 0 when the component is too small for it (fewer than 4
 * vertices) or ARPACK failed. */
static int place_component(lap_t *L, int64_t nv, double r, const double *centre, double *work,
                           a_int *select, float *xy, ta_umap_init_info_t *info)
{
    const int32_t *vert = L->vert;
    int64_t m = L->m;
    if (m < 2 * TA_UMAP_DIM || m <= TA_UMAP_DIM + 1)
        return 0;
    /* The component's degrees (its rows hold only its own vertices). */
    double *dinv = work, *u = dinv + m, *out = u + m, *arp = out + TA_UMAP_DIM * m;
    int32_t *loc = (int32_t *)L->loc;
    double norm = 0.0;
    for (int64_t i = 0; i < m; i++) {
        double s = 0.0;
        for (int64_t e = L->ptr[vert[i]]; e < L->ptr[vert[i] + 1]; e++)
            s += (double)L->val[e];
        dinv[i] = 1.0 / sqrt(s);
        u[i] = sqrt(s);
        norm += s;
        loc[vert[i]] = (int32_t)i;
    }
    for (int64_t i = 0; i < m; i++)
        u[i] /= sqrt(norm);
    L->dinv = dinv;
    L->u = u;
    if (lap_eigs(L, SPEC_MAXITER_PER_VERTEX * nv, arp, select, out, &info->matvecs)) {
        info->arpack_failed++;
        return 0;
    }
    /* One component: the eigenvectors as they are (spectral_layout); several: scaled to the
     * radius around the centre (multi_component_layout). */
    double scale = 1.0;
    if (isfinite(r)) {
        double amax = 0.0;
        for (int64_t i = 0; i < TA_UMAP_DIM * m; i++)
            amax = fabs(out[i]) > amax ? fabs(out[i]) : amax;
        scale = amax > 0.0 ? r / amax : 1.0;
    }
    for (int64_t i = 0; i < m; i++)
        for (int d = 0; d < TA_UMAP_DIM; d++)
            xy[(int64_t)vert[i] * TA_UMAP_DIM + d] =
                (float)(out[i * TA_UMAP_DIM + d] * scale + centre[d]);
    return 1;
}

/* simplicial_set_embedding's scaling: max |x| = 10, noise of deviation 1e-4, then each column
 * onto [0, 10]. */
static void scale_layout(float *xy, int64_t nv, uint64_t seed)
{
    double amax = 0.0;
    for (int64_t i = 0; i < TA_UMAP_DIM * nv; i++)
        amax = fabs((double)xy[i]) > amax ? fabs((double)xy[i]) : amax;
    double expansion = amax > 0.0 ? 10.0 / amax : 1.0;
    ta_xoshiro_t g;
    ta_xoshiro_seed(&g, seed, RNG_NOISE, 0);
    for (int64_t i = 0; i < TA_UMAP_DIM * nv; i++)
        xy[i] = (float)(xy[i] * expansion) + (float)(1e-4 * normal(&g));
    for (int d = 0; d < TA_UMAP_DIM; d++) {
        float lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < nv; i++) {
            float x = xy[i * TA_UMAP_DIM + d];
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        float span = hi - lo;
        for (int64_t i = 0; i < nv; i++) {
            float *x = &xy[i * TA_UMAP_DIM + d];
            *x = span > 0.0f ? 10.0f * (*x - lo) / span : 0.0f;
        }
    }
}

int ta_umap_spectral(const int64_t *ptr, const int32_t *col, const float *val, int64_t nv,
                     const int32_t *label, int32_t count, uint64_t seed, double *work,
                     int32_t *iwork, float *xy, ta_umap_init_info_t *info)
{
    _Static_assert(sizeof(a_int) == sizeof(int32_t), "ARPACK with 32-bit integers");
    int32_t *vert = iwork, *loc = iwork + nv;
    a_int *select = (a_int *)(iwork + 2 * nv + 1);
    double *meta = work, *rest = work + (int64_t)TA_UMAP_DIM * count;
    *info = (ta_umap_init_info_t){.components = count};
    /* Vertices grouped by component, ascending within each: a counting sort by label (loc holds
     * the group offsets for the moment). */
    for (int32_t c = 0; c <= count; c++)
        loc[c] = 0;
    for (int64_t v = 0; v < nv; v++)
        loc[label[v] + 1]++;
    for (int32_t c = 0; c < count; c++)
        loc[c + 1] += loc[c];
    for (int64_t v = 0; v < nv; v++)
        vert[loc[label[v]]++] = (int32_t)v;
    if (count > 1)
        meta_layout(count, seed, meta);
    else
        meta[0] = meta[1] = 0.0;
    /* Component c is vert[start .. start + m): the groups follow each other in label order. */
    int64_t start = 0;
    for (int32_t c = 0; c < count; c++) {
        int64_t m = 0;
        while (start + m < nv && label[vert[start + m]] == c)
            m++;
        lap_t L = {ptr, col, val, vert + start, loc, NULL, NULL, m};
        double r = count > 1 ? meta_radius(meta, count, c) : INFINITY;
        const double *centre = meta + (int64_t)c * TA_UMAP_DIM;
        if (place_component(&L, nv, r, centre, rest, select, xy, info)) {
            info->spectral++;
        } else {
            /* spectral_layout's fallback is uniform in [-10, 10)^2; multi_component_layout's
             * uniform within the radius around the centre. */
            place_random(vert + start, m, isfinite(r) ? r : 10.0, centre, seed, c, xy);
            info->random++;
        }
        start += m;
    }
    scale_layout(xy, nv, seed);
    return 0;
}
