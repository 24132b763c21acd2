/* umap-learn's find_ab_params: the low-dimensional similarity 1 / (1 + a x^(2b)) fitted to the
 * target curve of min_dist (1 up to min_dist, then exp(-(x - min_dist) / spread)) on 300 points
 * of [0, 3 spread]. umap-learn calls scipy's curve_fit (MINPACK's Levenberg-Marquardt with a
 * finite-difference Jacobian, from a = b = 1); this is Levenberg-Marquardt too, from the same
 * start, with the analytic Jacobian, stopped when a step changes a and b by less than 1e-12
 * relative. Both reach the least-squares minimum; the unit test compares with scipy's values. */
#include "kernels/ta_umap.h"

#include <math.h>

#define FIT_POINTS 300
#define FIT_MAX_STEPS 2000

/* Sum of squared residuals at (a, b). */
static double fit_cost(const double *x, const double *y, double a, double b)
{
    double s = 0.0;
    for (int i = 0; i < FIT_POINTS; i++) {
        double p = x[i] > 0.0 ? pow(x[i], 2.0 * b) : 0.0;
        double r = 1.0 / (1.0 + a * p) - y[i];
        s += r * r;
    }
    return s;
}

/* The normal equations J^T J (g11, g12, g22) and the gradient J^T r (r1, r2) at (a, b). */
static void fit_normal(const double *x, const double *y, double a, double b, double *g, double *r)
{
    g[0] = g[1] = g[2] = r[0] = r[1] = 0.0;
    for (int i = 0; i < FIT_POINTS; i++) {
        if (x[i] <= 0.0) {
            /* f = 1 there whatever a and b: no gradient. */
            continue;
        }
        double p = pow(x[i], 2.0 * b), q = 1.0 + a * p;
        double f = 1.0 / q, res = f - y[i];
        double ja = -p / (q * q), jb = -a * p * 2.0 * log(x[i]) / (q * q);
        g[0] += ja * ja;
        g[1] += ja * jb;
        g[2] += jb * jb;
        r[0] += ja * res;
        r[1] += jb * res;
    }
}

int ta_umap_find_ab(double spread, double min_dist, double *a, double *b)
{
    double x[FIT_POINTS], y[FIT_POINTS];
    for (int i = 0; i < FIT_POINTS; i++) {
        /* numpy.linspace(0, 3 spread, 300): start + i step, the last point exactly the end. */
        x[i] = i == FIT_POINTS - 1 ? 3.0 * spread : i * (3.0 * spread / (FIT_POINTS - 1));
        y[i] = x[i] < min_dist ? 1.0 : exp(-(x[i] - min_dist) / spread);
    }
    double pa = 1.0, pb = 1.0, lambda = 1e-3, cost = fit_cost(x, y, pa, pb);
    for (int step = 0; step < FIT_MAX_STEPS; step++) {
        double g[3], r[2];
        fit_normal(x, y, pa, pb, g, r);
        /* Damped step: (J^T J + lambda diag(J^T J)) d = -J^T r, retried with more damping
         * until the cost falls. */
        for (;;) {
            double m11 = g[0] * (1.0 + lambda), m22 = g[2] * (1.0 + lambda), m12 = g[1];
            double det = m11 * m22 - m12 * m12;
            if (!(det > 0.0) || lambda > 1e30)
                return -1;
            double da = -(m22 * r[0] - m12 * r[1]) / det;
            double db = -(m11 * r[1] - m12 * r[0]) / det;
            if (fabs(da) <= 1e-12 * fabs(pa) && fabs(db) <= 1e-12 * fabs(pb)) {
                /* At the minimum to rounding: no step can lower the cost any more. */
                *a = pa;
                *b = pb;
                return 0;
            }
            double na = pa + da, nb = pb + db;
            double nc = na > 0.0 && nb > 0.0 ? fit_cost(x, y, na, nb) : INFINITY;
            if (nc <= cost) {
                pa = na;
                pb = nb;
                cost = nc;
                lambda = lambda / 10.0 > 1e-12 ? lambda / 10.0 : 1e-12;
                break;
            }
            lambda *= 10.0;
        }
    }
    *a = pa;
    *b = pb;
    return -1;
}
