/* `tokenatlas map`: a 2-D UMAP layout (McInnes, Healy & Melville 2018; the paper's Figure 1) of
 * the queries of a neighbours file, computed from its exact k-NN graph with the kernels of
 * src/kernels/ta_umap.h.
 *
 * The points: the queries of the file in its row order, or with --subset the subset's tokens in
 * the subset file's order (each must be a query of the file). Point i's kNN row is the token
 * itself and its first n_neighbors - 1 neighbours (in the file's order, best first) that are
 * points too, at distance sqrt(2 - 2 cos). Edges only join points: a neighbour that is not a
 * point (a sampled or subset queries file lists neighbours from the whole vocabulary), a missing
 * neighbour (-1) and the token itself where it appears are skipped, and the row takes the next
 * one. A row left with fewer neighbours uses what it has (a warning counts such rows).
 *
 * Ranks: every rank reads and converts a contiguous block of rows; the rows are gathered to
 * rank 0, which computes the whole layout alone (the optimisation is the sequential SGD of
 * umap-learn's seeded path, whose every step depends on the previous one, so it cannot be split
 * without changing its result) with one BLAS thread (ARPACK's sums would otherwise depend on
 * the thread count), and writes it. The output is therefore bit-identical for any rank count,
 * and for a given seed. */
#include "cmd/cmd_map.h"

#include "base/ta_blas.h"
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"
#include "kernels/ta_umap.h"
#include "io/ta_h5.h"
#include "io/ta_nbfile.h"
#include "io/ta_prov.h"
#include "io/ta_subset.h"
#include "mpi/ta_gather.h"
#include "mpi/ta_h5par.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O ta_map_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, neighbors, "neighbors", TA_OPT_REQUIRED, "FILE.h5",
                  "neighbours file written by `neighbors` (k at least n-neighbors - 1)")},
    {TA_OPT_INT_(O, n_neighbors, "n-neighbors", TA_OPT_ALWAYS, "15", 2, 100000, "N",
                 "the token and its N - 1 nearest other queries make its neighbourhood "
                 "(umap-learn's n_neighbors)")},
    {TA_OPT_DOUBLE_(O, min_dist, "min-dist", TA_OPT_ALWAYS, "0.2", 0.0, 1.0, "D",
                    "how tightly points may pack in the layout (umap-learn's min_dist)")},
    {TA_OPT_INT_(O, seed, "seed", TA_OPT_ALWAYS, "150", 0, INT64_MAX, "S",
                 "random seed of the initial noise and the optimisation")},
    {TA_OPT_PATH_(O, subset, "subset", 0, "FILE",
                  "map only these tokens (ids, one per line, or a .npy array, e.g. an `overlap` "
                  "subset map), in the file's order; each must be a query of the neighbours file")},
    {TA_OPT_FLAG_(O, quiet, "quiet", "no progress messages")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_REQUIRED | TA_OPT_OUTPUT, "MAP.h5",
                  "output: /map/xy f32 [Q, 2] and /map/query int32 [Q]")},
    {TA_OPT_END_},
};
#undef O

/* Rows of the neighbours file read at a time. */
#define MAP_BLOCK_ROWS 8192

typedef struct {
    const ta_map_opts_t *o;
    ta_nbfile_t nb;
    int64_t n;          /* columns of a kNN row: n_neighbors */
    int64_t nv;         /* points */
    int32_t *vertex;    /* [n_tokens] point of each token id, -1 when not a point */
    int32_t *token;     /* [nv] token id of each point */
    int32_t *row_point; /* [q] point of each row of the file, -1 when not a point */
    int64_t lo, hi;     /* this rank's rows of the file */
    int64_t mine;       /* of which points */
    int32_t *pts;       /* [mine] their points */
    int32_t *nbr;       /* [mine n] kNN rows (point ids), then on rank 0 [nv n] by point */
    float *dist;        /* same shape */
    int64_t short_rows; /* rows with fewer than n - 1 neighbours among the queries (all ranks) */
    /* Rank 0. */
    float *xy;    /* [nv 2] */
    uint8_t *iso; /* [nv] 1 for a point without any edge */
    double a, b;  /* the curve's parameters */
    int64_t n_epochs, n_edges, isolated;
    ta_umap_init_info_t init;
    double t_graph, t_init, t_sgd;
} map_t;

/* Local. The points and the maps token -> point and file row -> point. A token that is a query
 * twice, or a subset token that is not a query, is an error. */
static int make_points(map_t *m)
{
    ta_nbfile_t *nb = &m->nb;
    int64_t ntok = nb->n_tokens;
    if (ntok < 0)
        for (int64_t i = 0; i < nb->q; i++)
            ntok = nb->query[i] + 1 > ntok ? nb->query[i] + 1 : ntok;
    nb->n_tokens = ntok;
    int32_t *row_of = ta_malloc((size_t)ntok * sizeof *row_of);
    m->vertex = ta_malloc((size_t)ntok * sizeof *m->vertex);
    m->row_point = ta_malloc((size_t)nb->q * sizeof *m->row_point);
    int64_t *ids = NULL, count = 0;
    int rc = 0;
    TA_CHECK_GOTO(row_of && m->vertex && m->row_point, TA_ERESOURCE, done,
                  "out of memory for %lld token ids", (long long)ntok);
    for (int64_t t = 0; t < ntok; t++)
        row_of[t] = m->vertex[t] = -1;
    for (int64_t i = 0; i < nb->q; i++) {
        int32_t t = nb->query[i];
        TA_CHECK_GOTO(row_of[t] < 0, TA_EINPUT, done,
                      "%s: /neighbors/query rows %d and %lld both hold token %d", nb->path,
                      row_of[t], (long long)i, t);
        row_of[t] = (int32_t)i;
        m->row_point[i] = -1;
    }
    if (m->o->subset) {
        TA_CALL_GOTO(ta_subset_read(m->o->subset, ntok, &ids, &count), done);
    } else {
        count = nb->q;
    }
    m->nv = count;
    m->token = ta_malloc((size_t)(count ? count : 1) * sizeof *m->token);
    TA_CHECK_GOTO(m->token, TA_ERESOURCE, done, "out of memory for %lld points", (long long)count);
    for (int64_t v = 0; v < count; v++) {
        int32_t t = ids ? (int32_t)ids[v] : nb->query[v];
        TA_CHECK_GOTO(row_of[t] >= 0, TA_EINPUT, done,
                      "%s: entry %lld: token %d is not a query of %s (it has no neighbours there)",
                      m->o->subset, (long long)v + 1, t, nb->path);
        m->token[v] = t;
        m->vertex[t] = (int32_t)v;
        m->row_point[row_of[t]] = (int32_t)v;
    }
done:
    free(row_of);
    free(ids);
    return rc;
}

/* Local. The kNN row of point v (file row r) from the file row idx/score [k]: itself, then the
 * first n - 1 neighbours that are other points; *found counts those. */
static int convert_row(map_t *m, int64_t r, int32_t v, const int32_t *idx, const float *score,
                       int32_t *nbr, float *dist, int64_t *found)
{
    const ta_nbfile_t *nb = &m->nb;
    int64_t n = m->n, c = 1;
    nbr[0] = v;
    dist[0] = 0.0f;
    for (int64_t j = 0; j < nb->k && c < n; j++) {
        int32_t t = idx[j];
        if (t < 0 || t == nb->query[r] || t >= nb->n_tokens || m->vertex[t] < 0)
            continue;
        TA_CHECK(isfinite(score[j]) && fabsf(score[j]) <= 1.0f + 1e-5f, TA_EINPUT,
                 "%s: /neighbors/score row %lld column %lld: %g is not a cosine similarity",
                 nb->path, (long long)r, (long long)j, (double)score[j]);
        double d2 = 2.0 - 2.0 * (double)score[j];
        nbr[c] = m->vertex[t];
        dist[c] = (float)sqrt(d2 > 0.0 ? d2 : 0.0);
        c++;
    }
    *found = c - 1;
    for (; c < n; c++) {
        nbr[c] = -1;
        dist[c] = 0.0f;
    }
    return 0;
}

/* Local. The kNN rows of the points among this rank's file rows [lo, hi), read in blocks of
 * MAP_BLOCK_ROWS. */
static int read_rows(map_t *m)
{
    ta_nbfile_t *nb = &m->nb;
    int64_t rows = m->hi - m->lo, k = nb->k, n = m->n;
    int64_t b = rows < MAP_BLOCK_ROWS ? rows : MAP_BLOCK_ROWS;
    for (int64_t r = m->lo; r < m->hi; r++)
        m->mine += m->row_point[r] >= 0;
    m->pts = ta_malloc((size_t)(m->mine + 1) * sizeof *m->pts);
    m->nbr = ta_malloc((size_t)(m->mine * n + 1) * sizeof *m->nbr);
    m->dist = ta_malloc((size_t)(m->mine * n + 1) * sizeof *m->dist);
    int32_t *idx = ta_malloc((size_t)(b * k + 1) * sizeof *idx);
    float *score = ta_malloc((size_t)(b * k + 1) * sizeof *score);
    int rc = 0;
    TA_CHECK_GOTO(m->pts && m->nbr && m->dist && idx && score, TA_ERESOURCE, done,
                  "out of memory for %lld rows of %lld neighbours", (long long)rows, (long long)k);
    int64_t at = 0;
    /* Blocks of b rows of [lo, hi). */
    for (int64_t r0 = m->lo; r0 < m->hi; r0 += b) {
        int64_t nr = m->hi - r0 < b ? m->hi - r0 : b;
        TA_CALL_GOTO(ta_nbfile_read_index(nb, r0, nr, idx), done);
        TA_CALL_GOTO(ta_nbfile_read_score(nb, r0, nr, score), done);
        for (int64_t i = 0; i < nr; i++) {
            int32_t v = m->row_point[r0 + i];
            if (v < 0)
                continue;
            int64_t found = 0;
            m->pts[at] = v;
            TA_CALL_GOTO(convert_row(m, r0 + i, v, idx + i * k, score + i * k, m->nbr + at * n,
                                     m->dist + at * n, &found),
                         done);
            m->short_rows += found < n - 1;
            at++;
        }
    }
done:
    free(idx);
    free(score);
    return rc;
}

/* Collective. The kNN rows to rank 0, placed by point. */
static int gather_rows(map_t *m)
{
    int64_t n = m->n, total = 0;
    int32_t *pts = NULL, *nbr = NULL;
    float *dist = NULL;
    int rc = ta_mpi_gather_cat(m->pts, m->mine, TA_ELEM_I32, (void **)&pts, &total);
    if (!rc)
        rc = ta_mpi_gather_cat(m->nbr, m->mine * n, TA_ELEM_I32, (void **)&nbr, &total);
    if (!rc)
        rc = ta_mpi_gather_cat(m->dist, m->mine * n, TA_ELEM_F32, (void **)&dist, &total);
    free(m->nbr), free(m->dist);
    m->nbr = NULL;
    m->dist = NULL;
    if (!rc)
        rc = ta_mpi_sum_i64(&m->short_rows, 1);
    if (!rc && ta_mpi_rank() == 0) {
        /* Rows arrive in file order; the kernels want them in point order. */
        m->nbr = ta_malloc((size_t)(m->nv * n) * sizeof *m->nbr);
        m->dist = ta_malloc((size_t)(m->nv * n) * sizeof *m->dist);
        if (!m->nbr || !m->dist) {
            rc = TA_ERR(TA_ERESOURCE, "out of memory for %lld rows", (long long)m->nv);
        } else {
            for (int64_t i = 0; i < m->nv; i++) {
                memcpy(m->nbr + (int64_t)pts[i] * n, nbr + i * n, (size_t)n * sizeof *nbr);
                memcpy(m->dist + (int64_t)pts[i] * n, dist + i * n, (size_t)n * sizeof *dist);
            }
        }
    }
    free(pts), free(nbr), free(dist);
    return rc;
}

/* Local. Opens and checks the inputs on every rank. */
static int load(map_t *m)
{
    const ta_map_opts_t *o = m->o;
    TA_CALL(ta_nbfile_open(o->neighbors, &m->nb));
    m->n = o->n_neighbors;
    TA_CHECK(m->nb.k >= m->n - 1, TA_EINPUT,
             "%s: %lld neighbours per row, fewer than the %lld other tokens that --n-neighbors "
             "%lld needs",
             o->neighbors, (long long)m->nb.k, (long long)(m->n - 1), (long long)m->n);
    TA_CALL(make_points(m));
    TA_CHECK(m->nv >= 2, TA_EINPUT, "%s: %lld point(s): a map needs at least 2",
             o->subset ? o->subset : o->neighbors, (long long)m->nv);
    TA_CALL(ta_prov_add_input(o->neighbors));
    if (o->subset)
        TA_CALL(ta_subset_add_input(o->subset));
    return 0;
}

/* The progress and stop poll of the optimisation, after every epoch (rank 0). */
typedef struct {
    ta_progress_t p;
} epoch_ctx_t;

static int on_epoch(void *ctx, int64_t epoch, int64_t n_epochs)
{
    epoch_ctx_t *e = ctx;
    ta_progress_update(&e->p, (double)epoch, epoch == n_epochs);
    /* Only rank 0 works here, so it polls its own flag; the stop reaches the other ranks through
     * the agreement that follows. The map keeps no checkpoint: it takes seconds to minutes, and a
     * rerun computes the same layout again. */
    if (ta_signal_stop_requested())
        return TA_ERR(TA_EINTERRUPTED,
                      "map: stopped at epoch %lld of %lld; no checkpoint is kept (rerun the same "
                      "command to compute the map again)",
                      (long long)epoch, (long long)n_epochs);
    return 0;
}

/* Rank 0. The fuzzy graph: smooth_knn, membership, union; frees the kNN rows. Leaves the CSR
 * matrix (ptr, col, val) and the isolated count. */
static int build_graph(map_t *m, int64_t **ptr, int32_t **col, float **val)
{
    int64_t q = m->nv, n = m->n;
    double sum = 0.0;
    int64_t cnt = 0;
    for (int64_t e = 0; e < q * n; e++)
        if (m->nbr[e] >= 0) {
            sum += m->dist[e];
            cnt++;
        }
    float *sigma = ta_malloc((size_t)q * sizeof *sigma), *rho = ta_malloc((size_t)q * sizeof *rho);
    float *w = ta_malloc((size_t)(q * n) * sizeof *w), *tval = ta_malloc((size_t)(q * n) * 4);
    int32_t *tsrc = ta_malloc((size_t)(q * n) * 4), *rowcol = ta_malloc((size_t)n * 4);
    float *rowval = ta_malloc((size_t)n * 4);
    int64_t *tptr = ta_malloc((size_t)(q + 1) * 8);
    m->iso = ta_calloc((size_t)q, 1);
    *ptr = ta_malloc((size_t)(q + 1) * sizeof **ptr);
    *col = ta_malloc((size_t)(2 * q * n) * sizeof **col);
    *val = ta_malloc((size_t)(2 * q * n) * sizeof **val);
    int rc = 0;
    TA_CHECK_GOTO(sigma && rho && w && tval && tsrc && rowcol && rowval && tptr && m->iso && *ptr &&
                      *col && *val,
                  TA_ERESOURCE, done, "out of memory for the graph of %lld queries x %lld",
                  (long long)q, (long long)n);
    ta_umap_smooth_knn(m->nbr, m->dist, q, n, n, sum / (double)(cnt ? cnt : 1), sigma, rho);
    ta_umap_membership(m->nbr, m->dist, sigma, rho, q, n, w);
    m->n_edges = ta_umap_union(m->nbr, w, q, n, *ptr, *col, *val, tptr, tsrc, tval, rowcol, rowval);
    for (int64_t i = 0; i < q; i++)
        if ((*ptr)[i + 1] == (*ptr)[i]) {
            m->iso[i] = 1;
            m->isolated++;
        }
done:
    free(sigma), free(rho), free(w), free(tval), free(tsrc), free(rowcol), free(rowval);
    free(tptr);
    free(m->nbr), free(m->dist);
    m->nbr = NULL;
    m->dist = NULL;
    return rc;
}

/* Rank 0. The initial layout (with one BLAS thread, see the top of the file). */
static int initial_layout(map_t *m, const int64_t *ptr, const int32_t *col, const float *val)
{
    int64_t q = m->nv;
    int32_t *label = ta_malloc((size_t)q * 4), *iwork = NULL;
    int64_t *size = NULL;
    double *work = NULL;
    int rc = 0;
    TA_CHECK_GOTO(label, TA_ERESOURCE, done, "out of memory for %lld labels", (long long)q);
    iwork = ta_malloc((size_t)q * 4); /* the search queue for now */
    TA_CHECK_GOTO(iwork, TA_ERESOURCE, done, "out of memory for %lld labels", (long long)q);
    int32_t count = ta_umap_components(ptr, col, q, label, iwork);
    free(iwork);
    iwork = NULL;
    size = ta_calloc((size_t)count, sizeof *size);
    TA_CHECK_GOTO(size, TA_ERESOURCE, done, "out of memory for %d components", (int)count);
    int64_t nmax = 0, ints = 0;
    for (int64_t v = 0; v < q; v++)
        size[label[v]]++;
    for (int32_t c = 0; c < count; c++)
        nmax = size[c] > nmax ? size[c] : nmax;
    int64_t nd = ta_umap_spectral_work(nmax, q, &ints);
    work = ta_malloc((size_t)nd * sizeof *work);
    iwork = ta_malloc((size_t)ints * sizeof *iwork);
    TA_CHECK_GOTO(work && iwork, TA_ERESOURCE, done,
                  "out of memory for the spectral layout (%.0f MB for a component of %lld "
                  "vertices)",
                  (double)nd * 8 / 1e6, (long long)nmax);
    int threads = ta_blas_threads();
    ta_blas_set_threads(1);
    rc = ta_umap_spectral(ptr, col, val, q, label, count, (uint64_t)m->o->seed, work, iwork, m->xy,
                          &m->init);
    ta_blas_set_threads(threads);
done:
    free(label), free(iwork), free(size), free(work);
    return rc;
}

/* Rank 0. Everything from the kNN rows to the layout in m->xy. */
static int compute(map_t *m)
{
    int64_t q = m->nv, *ptr = NULL;
    int32_t *col = NULL;
    float *val = NULL;
    double *eps = NULL, *sgd = NULL;
    int rc = 0;
    double t0 = ta_now();
    m->xy = ta_malloc((size_t)(2 * q) * sizeof *m->xy);
    TA_CHECK_ALLOC(m->xy, (size_t)(2 * q) * sizeof *m->xy);
    TA_CALL_GOTO(build_graph(m, &ptr, &col, &val), done);
    m->n_epochs = ta_umap_default_epochs(q);
    eps = ta_malloc((size_t)(m->n_edges + 1) * sizeof *eps);
    TA_CHECK_GOTO(eps, TA_ERESOURCE, done, "out of memory for %lld edges", (long long)m->n_edges);
    int64_t ne = ta_umap_prune(q, m->n_epochs, ptr, col, val, eps);
    TA_CHECK_GOTO(ta_umap_find_ab(TA_UMAP_SPREAD, m->o->min_dist, &m->a, &m->b) == 0, TA_EINTERNAL,
                  done, "map: the curve fit for --min-dist %g did not converge", m->o->min_dist);
    double t1 = ta_now();
    m->t_graph = t1 - t0;
    TA_CALL_GOTO(initial_layout(m, ptr, col, val), done);
    double t2 = ta_now();
    m->t_init = t2 - t1;
    sgd = ta_malloc((size_t)(3 * ne + 1) * sizeof *sgd);
    TA_CHECK_GOTO(sgd, TA_ERESOURCE, done, "out of memory for %lld edges", (long long)ne);
    epoch_ctx_t ec;
    ta_progress_start(&ec.p, "map", "epochs", (double)m->n_epochs, 0.0);
    TA_CALL_GOTO(ta_umap_optimize(m->xy, q, ptr, col, eps, m->n_epochs, m->a, m->b,
                                  (uint64_t)m->o->seed, sgd, on_epoch, &ec),
                 done);
    m->t_sgd = ta_now() - t2;
    m->n_edges = ne;
    /* umap-learn leaves the points without any edge in the fuzzy union at NaN: they have no
     * neighbour among the queries, and nothing lists them. */
    for (int64_t i = 0; i < q; i++)
        if (m->iso[i])
            m->xy[2 * i] = m->xy[2 * i + 1] = NAN;
done:
    free(ptr), free(col), free(val), free(eps), free(sgd);
    return rc;
}

/* Rank 0, serial phase: the parameters and what the run found, as attributes of /map. */
static int write_attrs(map_t *m, hid_t file)
{
    hid_t g = -1;
    TA_CALL(ta_h5_open_object(file, "/map", &g));
    int rc = 0;
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_neighbors", m->n), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "min_dist", m->o->min_dist), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "seed", m->o->seed), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "spread", TA_UMAP_SPREAD), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "a", m->a), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "b", m->b), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_epochs", m->n_epochs), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "negative_sample_rate", TA_UMAP_NEG_RATE), done);
    TA_CALL_GOTO(ta_h5_attr_double(g, "learning_rate", 1.0), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "init", "spectral"), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_edges", m->n_edges), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "components", m->init.components), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "components_spectral", m->init.spectral), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "components_random", m->init.random), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "arpack_failed", m->init.arpack_failed), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "isolated", m->isolated), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "short_rows", m->short_rows), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "k", m->nb.k), done);
    TA_CALL_GOTO(ta_h5_attr_int(g, "n_tokens", m->nb.n_tokens), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "neighbors", m->o->neighbors), done);
    TA_CALL_GOTO(ta_h5_attr_str(g, "subset", m->o->subset ? m->o->subset : ""), done);
    ta_h5_close(g);
    g = -1;
    TA_CALL_GOTO(ta_h5_attr_double(file, "seconds_graph", m->t_graph), done);
    TA_CALL_GOTO(ta_h5_attr_double(file, "seconds_init", m->t_init), done);
    TA_CALL_GOTO(ta_h5_attr_double(file, "seconds_sgd", m->t_sgd), done);
done:
    ta_h5_close(g);
    return rc;
}

/* Collective. /map/xy and /map/query (rank 0 holds the rows), then the attributes. */
static int write_out(map_t *m)
{
    int rank = ta_mpi_rank();
    int64_t q = m->nv, mine = rank == 0 ? q : 0;
    ta_h5out_t h;
    TA_CALL(ta_h5out_create(&h, m->o->out, ta_mpi_comm()));
    int rc = ta_h5_write_rows(h.file, "/map/xy", TA_ELEM_F32, q, 2, 0, mine, m->xy);
    if (!rc)
        rc = ta_h5_write_rows(h.file, "/map/query", TA_ELEM_I32, q, 0, 0, mine, m->token);
    rc = ta_mpi_agree(rc);
    if (!rc)
        rc = ta_h5out_to_serial(&h);
    if (!rc && rank == 0)
        rc = write_attrs(m, h.file);
    return ta_h5out_commit(&h, rc);
}

static void cleanup(map_t *m)
{
    ta_nbfile_close(&m->nb);
    free(m->vertex), free(m->token), free(m->row_point), free(m->pts), free(m->nbr);
    free(m->dist), free(m->xy), free(m->iso);
}

int ta_cmd_map_run(const ta_map_opts_t *o)
{
    map_t m;
    memset(&m, 0, sizeof m);
    m.o = o;
    m.nb.file = H5I_INVALID_HID;
    int rank = ta_mpi_rank();
    double t0 = ta_now();
    if (o->quiet)
        ta_log_set_quiet(1);
    int rc = ta_opt_check(&ta_cmd_map, o);
    if (!rc)
        rc = load(&m);
    rc = ta_mpi_agree(rc);
    if (rc)
        goto out;
    ta_mpi_block_range(m.nb.q, rank, ta_mpi_size(), &m.lo, &m.hi);
    rc = ta_mpi_agree(read_rows(&m));
    if (!rc)
        rc = ta_mpi_agree(gather_rows(&m));
    if (rc)
        goto out;
    if (m.short_rows)
        ta_log_warn("%s: %lld of %lld points have fewer than %lld neighbours among the points; "
                    "their neighbourhoods are smaller",
                    o->neighbors, (long long)m.short_rows, (long long)m.nv, (long long)(m.n - 1));
    if (rank == 0)
        rc = compute(&m);
    /* The other ranks sleep meanwhile (they may share cores with rank 0). */
    ta_mpi_barrier_sleeping();
    rc = ta_mpi_agree(rc);
    if (rc)
        goto out;
    if (m.isolated)
        ta_log_warn("%s: %lld points have no neighbour among the points and none lists them: "
                    "their /map/xy rows are NaN",
                    o->neighbors, (long long)m.isolated);
    rc = write_out(&m);
    if (!rc)
        ta_log_info("map: %lld points, %lld edges, %d component(s), %lld epochs, a %.4f b %.4f: "
                    "graph %.2f s, initial layout %.2f s, optimisation %.2f s, total %.2f s -> %s",
                    (long long)m.nv, (long long)m.n_edges, (int)m.init.components,
                    (long long)m.n_epochs, m.a, m.b, m.t_graph, m.t_init, m.t_sgd, ta_now() - t0,
                    o->out);
out:
    cleanup(&m);
    return rc;
}

TA_CMD_DEFINE(
    map, ta_map_opts_t,
    .summary = "a 2-D UMAP layout of the queries from the exact neighbour graph (Figure 1)",
    .about = "UMAP (McInnes, Healy & Melville 2018) as umap-learn 0.5 computes it, from the "
             "neighbours file's exact k-NN graph (distance sqrt(2 - 2 cos)) instead of an "
             "approximate one: fuzzy graph, spectral initial layout, 200 epochs of SGD (500 up "
             "to 10,000 points). The same seed gives the same map for any rank count.",
    .flags = TA_CMD_MPI);
