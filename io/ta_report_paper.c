/* `report`, reading what the paper's figures and tables need from an assembled model file
 * (README "Reproducing the paper"):
 *
 *   - how each group was made: its protocol and its subset (every caption names both);
 *   - /diversity: the intervals, matrix_n, the id and frequency deciles (Figure 9), the hub
 *     tokens and the vocabulary's category counts;
 *   - /translate: translations per token by category with intervals;
 *   - /compare/<other>: Jaccard and overlap, overall and by category;
 *   - /map with the paper category of each point (Figure 1);
 *   - the run's vocabulary overlap, overlap.h5 of the overlap step (Figure 2).
 *
 * Every dataset's shape is checked before it is read; a malformed one is TA_EINPUT naming the
 * file and the object. Absent objects leave their fields empty. */
#include "io/ta_report_io.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string attribute of object obj into out (cap bytes); "" when absent or not a string. */
static void str_attr(hid_t f, const char *obj, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    char *v = NULL;
    int found = 0;
    if (ta_h5_get_attr_str(f, "(report)", obj, name, &v, &found) == 0 && found)
        snprintf(out, cap, "%s", v);
    else
        ta_err_clear();
    free(v);
}

/* The dataset name of shape [n] (ndims 1) or [n, n2] (ndims 2) into *out (malloc'd); the shape
 * is checked first. */
static int read_shaped(hid_t f, const char *path, const char *name, ta_elem_t type, int ndims,
                       int64_t n, int64_t n2, void **out)
{
    int nd = 0;
    int64_t dims[2] = {0, 0}, got = 0;
    TA_CALL(ta_h5_dims(f, path, name, &nd, dims));
    TA_CHECK(nd == ndims && dims[0] == n && (ndims == 1 || dims[1] == n2), TA_EINPUT,
             "%s: %s has shape [%lld%s%lld], expected [%lld%s%lld]", path, name, (long long)dims[0],
             nd == 2 ? ", " : "", nd == 2 ? (long long)dims[1] : 0LL, (long long)n,
             ndims == 2 ? ", " : "", ndims == 2 ? (long long)n2 : 0LL);
    void *buf = NULL;
    TA_CALL(ta_h5_read_all(f, path, name, type, ndims, &buf, &got));
    *out = buf;
    return 0;
}

/* read_shaped of a 1-D dataset when it exists (*out NULL otherwise). */
static int opt_vec(hid_t f, const char *path, const char *name, ta_elem_t type, int64_t n,
                   void **out)
{
    *out = NULL;
    if (!ta_h5_exists(f, name))
        return 0;
    return read_shaped(f, path, name, type, 1, n, 0, out);
}

/* Ten values of a decile dataset into out (which stays NaN / 0 when absent). */
static int ten(hid_t f, const char *path, const char *name, ta_elem_t type, void *out)
{
    void *buf = NULL;
    TA_CALL(opt_vec(f, path, name, type, 10, &buf));
    if (buf)
        memcpy(out, buf, 10 * (type == TA_ELEM_I64 ? sizeof(int64_t) : sizeof(double)));
    free(buf);
    return 0;
}

static void read_prov(hid_t f, const char *group, ta_report_prov_t *p)
{
    memset(p, 0, sizeof *p);
    p->has = ta_h5_exists(f, group);
    if (!p->has)
        return;
    str_attr(f, group, "protocol", p->protocol, sizeof p->protocol);
    str_attr(f, group, "subset", p->subset, sizeof p->subset);
    if (!p->subset[0])
        str_attr(f, "/neighbors", "subset", p->subset, sizeof p->subset);
    if (!p->subset[0])
        str_attr(f, "/", "subset", p->subset, sizeof p->subset);
}

/* The deciles of /diversity: by token id, and by frequency when --frequencies was given. */
static int read_deciles(hid_t f, ta_report_model_t *m)
{
    ta_report_paper_t *p = &m->p;
    const char *path = m->file;
    for (int i = 0; i < 10; i++)
        p->dec_mean[i] = p->dec_ci[i] = p->freq_mean[i] = p->freq_ci[i] = NAN;
    p->has_dec = ta_h5_exists(f, "/diversity/decile_mean");
    TA_CALL(ten(f, path, "/diversity/decile_mean", TA_ELEM_F64, p->dec_mean));
    TA_CALL(ten(f, path, "/diversity/decile_ci", TA_ELEM_F64, p->dec_ci));
    TA_CALL(ten(f, path, "/diversity/decile_n", TA_ELEM_I64, p->dec_n));
    p->has_freq = ta_h5_exists(f, "/diversity/freq_decile_mean");
    TA_CALL(ten(f, path, "/diversity/freq_decile_mean", TA_ELEM_F64, p->freq_mean));
    TA_CALL(ten(f, path, "/diversity/freq_decile_ci", TA_ELEM_F64, p->freq_ci));
    TA_CALL(ten(f, path, "/diversity/freq_decile_n", TA_ELEM_I64, p->freq_n));
    TA_CALL(ten(f, path, "/diversity/freq_decile_min_count", TA_ELEM_I64, p->freq_min));
    TA_CALL(ten(f, path, "/diversity/freq_decile_max_count", TA_ELEM_I64, p->freq_max));
    str_attr(f, "/diversity", "frequencies", p->frequencies, sizeof p->frequencies);
    return 0;
}

/* The hub tokens (--protocol paper): their text and how often they are neighbours. */
static int read_hubs(hid_t f, ta_report_model_t *m)
{
    ta_report_paper_t *p = &m->p;
    if (!ta_h5_exists(f, "/diversity/hub_token") || !ta_h5_exists(f, "/diversity/hub_count"))
        return 0;
    TA_CALL(ta_h5_read_strings(f, m->file, "/diversity/hub_token", &p->hub_token, &p->nhub));
    void *buf = NULL;
    TA_CALL(read_shaped(f, m->file, "/diversity/hub_count", TA_ELEM_I64, 1, p->nhub, 0, &buf));
    p->hub_count = buf;
    p->hub_skew = NAN;
    ta_report_attr_num(f, "/diversity", "hub_skew", &p->hub_skew);
    return 0;
}

static int read_diversity(hid_t f, ta_report_model_t *m)
{
    ta_report_paper_t *p = &m->p;
    const char *path = m->file;
    int64_t C = m->ndcat;
    void *buf = NULL;
    read_prov(f, "/diversity", &p->div);
    /* The whole vocabulary's sample has no subset of its own: not /neighbors' nor the root's. */
    read_prov(f, "/diversity_vocab", &p->divv);
    p->divv.subset[0] = '\0';
    if (p->divv.has)
        str_attr(f, "/diversity_vocab", "subset", p->divv.subset, sizeof p->divv.subset);
    if (!p->div.has)
        return 0;
    if (C > 0) {
        TA_CALL(opt_vec(f, path, "/diversity/cat_ci", TA_ELEM_F64, C, &buf));
        p->cat_ci = buf;
        TA_CALL(opt_vec(f, path, "/diversity/entropy_cat_ci", TA_ELEM_F64, C, &buf));
        p->ent_ci = buf;
        TA_CALL(opt_vec(f, path, "/diversity/vocab_cat_n", TA_ELEM_I64, C, &buf));
        p->vocab_n = buf;
        if (ta_h5_exists(f, "/diversity/matrix_ci")) {
            TA_CALL(read_shaped(f, path, "/diversity/matrix_ci", TA_ELEM_F64, 2, C, C, &buf));
            p->mat_ci = buf;
        }
        if (ta_h5_exists(f, "/diversity/matrix_n")) {
            TA_CALL(read_shaped(f, path, "/diversity/matrix_n", TA_ELEM_I64, 2, C, C, &buf));
            p->mat_n = buf;
        }
    }
    TA_CALL(read_deciles(f, m));
    return read_hubs(f, m);
}

static int read_translate(hid_t f, ta_report_model_t *m)
{
    ta_report_paper_t *p = &m->p;
    void *buf = NULL;
    read_prov(f, "/translate", &p->tr);
    p->tr_top = NAN;
    ta_report_attr_num(f, "/translate", "top", &p->tr_top);
    if (!p->tr.has || m->ntcat == 0)
        return 0;
    TA_CALL(opt_vec(f, m->file, "/translate/cat_mean", TA_ELEM_F64, m->ntcat, &buf));
    p->tmean = buf;
    TA_CALL(opt_vec(f, m->file, "/translate/cat_ci", TA_ELEM_F64, m->ntcat, &buf));
    p->tci = buf;
    return 0;
}

typedef struct {
    ta_report_model_t *m;
    hid_t f;
    int rc;
} cmp_ctx_t;

/* One /compare/<other>: the attributes and the Jaccard by category. */
static int read_one_compare(hid_t f, ta_report_model_t *m, const char *other)
{
    ta_report_cmp_t *c = &m->p.cmp[m->p.ncmp];
    memset(c, 0, sizeof *c);
    char grp[512], ds[600];
    snprintf(c->other, sizeof c->other, "%s", other);
    TA_CHECK(snprintf(grp, sizeof grp, "/compare/%s", other) < (int)sizeof grp, TA_EINPUT,
             "%s: /compare/%.40s...: name too long", m->file, other);
    read_prov(f, grp, &c->prov);
    str_attr(f, grp, "a", c->a, sizeof c->a);
    str_attr(f, grp, "b", c->b, sizeof c->b);
    static const char *const names[] = {"jaccard_mean", "jaccard_ci",      "overlap_mean",
                                        "overlap_ci",   "n_shared_tokens", "n_shared_queries"};
    double *vals[] = {&c->jaccard,    &c->jaccard_ci, &c->overlap,
                      &c->overlap_ci, &c->shared,     &c->queries};
    for (int i = 0; i < 6; i++) {
        *vals[i] = NAN;
        ta_report_attr_num(f, grp, names[i], vals[i]);
    }
    m->p.ncmp++;
    snprintf(ds, sizeof ds, "%s/categories", grp);
    if (!ta_h5_exists(f, ds))
        return 0;
    ta_report_cats_t *j = &c->jcat;
    TA_CALL(ta_h5_read_strings(f, m->file, ds, &j->name, &j->n));
    void *buf = NULL;
    snprintf(ds, sizeof ds, "%s/jaccard_cat_mean", grp);
    TA_CALL(opt_vec(f, m->file, ds, TA_ELEM_F64, j->n, &buf));
    j->mean = buf;
    snprintf(ds, sizeof ds, "%s/jaccard_cat_ci", grp);
    TA_CALL(opt_vec(f, m->file, ds, TA_ELEM_F64, j->n, &buf));
    j->ci = buf;
    snprintf(ds, sizeof ds, "%s/jaccard_cat_n", grp);
    TA_CALL(opt_vec(f, m->file, ds, TA_ELEM_I64, j->n, &buf));
    j->count = buf;
    return 0;
}

static herr_t compare_cb(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)loc;
    (void)info;
    cmp_ctx_t *c = data;
    if (c->m->p.ncmp >= TA_REPORT_MAX_CMP)
        return 0;
    c->rc = read_one_compare(c->f, c->m, name);
    return c->rc ? -1 : 0;
}

static int read_compare(hid_t f, ta_report_model_t *m)
{
    if (!ta_h5_exists(f, "/compare"))
        return 0;
    cmp_ctx_t c = {m, f, 0};
    hsize_t idx = 0;
    herr_t e = H5Literate_by_name(f, "/compare", H5_INDEX_NAME, H5_ITER_INC, &idx, compare_cb, &c,
                                  H5P_DEFAULT);
    if (c.rc)
        return c.rc;
    TA_CHECK(e >= 0, TA_EINPUT, "%s: cannot list the comparisons in /compare", m->file);
    return 0;
}

/* The paper category of every map point: /categories/paper of its token (-1 without one). */
static int map_categories(hid_t f, ta_report_model_t *m, const int32_t *query)
{
    ta_report_paper_t *p = &m->p;
    for (int64_t i = 0; i < p->nmap; i++)
        p->mcode[i] = -1;
    if (!ta_h5_exists(f, "/categories/paper") || !ta_h5_exists(f, "/categories/paper_names"))
        return 0;
    TA_CALL(ta_h5_read_strings(f, m->file, "/categories/paper_names", &p->mnames, &p->nmnames));
    int nd = 0;
    int64_t dims[2] = {0, 0}, n = 0;
    TA_CALL(ta_h5_dims(f, m->file, "/categories/paper", &nd, dims));
    TA_CHECK(nd == 1, TA_EINPUT, "%s: /categories/paper is not 1-D", m->file);
    void *buf = NULL;
    TA_CALL(ta_h5_read_all(f, m->file, "/categories/paper", TA_ELEM_I32, 1, &buf, &n));
    int32_t *code = buf;
    int rc = 0;
    for (int64_t i = 0; i < p->nmap; i++) {
        int32_t t = query[i];
        TA_CHECK_GOTO(t >= 0 && t < n, TA_EINPUT, done,
                      "%s: /map/query row %lld: token %d outside the %lld tokens of "
                      "/categories/paper",
                      m->file, (long long)i, t, (long long)n);
        TA_CHECK_GOTO(code[t] >= 0 && code[t] < p->nmnames, TA_EINPUT, done,
                      "%s: /categories/paper row %d: code %d outside the %lld names", m->file, t,
                      code[t], (long long)p->nmnames);
        p->mcode[i] = code[t];
    }
done:
    free(code);
    return rc;
}

static int read_map(hid_t f, ta_report_model_t *m)
{
    ta_report_paper_t *p = &m->p;
    read_prov(f, "/map", &p->map);
    if (!p->map.has || !ta_h5_exists(f, "/map/xy") || !ta_h5_exists(f, "/map/query"))
        return 0;
    int nd = 0;
    int64_t dims[2] = {0, 0};
    TA_CALL(ta_h5_dims(f, m->file, "/map/xy", &nd, dims));
    TA_CHECK(nd == 2 && dims[1] == 2, TA_EINPUT, "%s: /map/xy is not [Q, 2]", m->file);
    int64_t q = dims[0];
    void *xy = NULL, *query = NULL;
    TA_CALL(read_shaped(f, m->file, "/map/xy", TA_ELEM_F32, 2, q, 2, &xy));
    p->xy = xy;
    TA_CALL(read_shaped(f, m->file, "/map/query", TA_ELEM_I32, 1, q, 0, &query));
    p->nmap = q;
    p->mcode = malloc((size_t)(q ? q : 1) * sizeof *p->mcode);
    int rc = 0;
    TA_CHECK_GOTO(p->mcode, TA_ERESOURCE, done, "out of memory for %lld map points", (long long)q);
    TA_CALL_GOTO(map_categories(f, m, query), done);
    p->map_nn = p->map_min_dist = p->map_seed = NAN;
    ta_report_attr_num(f, "/map", "n_neighbors", &p->map_nn);
    ta_report_attr_num(f, "/map", "min_dist", &p->map_min_dist);
    ta_report_attr_num(f, "/map", "seed", &p->map_seed);
done:
    free(query);
    return rc;
}

int ta__report_read_paper(hid_t f, ta_report_model_t *m)
{
    read_prov(f, "/probe", &m->p.probe);
    TA_CALL(read_diversity(f, m));
    TA_CALL(read_translate(f, m));
    TA_CALL(read_compare(f, m));
    return read_map(f, m);
}

static void free_cats(ta_report_cats_t *c)
{
    ta_h5_free_strings(c->name, c->n);
    free(c->mean);
    free(c->ci);
    free(c->count);
    memset(c, 0, sizeof *c);
}

void ta__report_free_paper(ta_report_paper_t *p)
{
    free(p->cat_ci);
    free(p->ent_ci);
    free(p->mat_ci);
    free(p->mat_n);
    ta_h5_free_strings(p->hub_token, p->nhub);
    free(p->hub_count);
    free(p->vocab_n);
    free(p->tmean);
    free(p->tci);
    for (int i = 0; i < p->ncmp; i++)
        free_cats(&p->cmp[i].jcat);
    free(p->xy);
    free(p->mcode);
    ta_h5_free_strings(p->mnames, p->nmnames);
    memset(p, 0, sizeof *p);
}

/* ---- the run's vocabulary overlap -------------------------------------------------------- */

static int read_overlap_file(ta_report_overlap_t *ov)
{
    hid_t f = H5I_INVALID_HID;
    TA_CALL(ta_h5_open_read(ov->file, &f));
    int rc = 0;
    void *buf = NULL;
    TA_CHECK_GOTO(ta_h5_exists(f, "/overlap/names") && ta_h5_exists(f, "/overlap/shared"),
                  TA_EINPUT, done, "%s: no /overlap/names and /overlap/shared", ov->file);
    TA_CALL_GOTO(ta_h5_read_strings(f, ov->file, "/overlap/names", &ov->name, &ov->m), done);
    TA_CALL_GOTO(read_shaped(f, ov->file, "/overlap/n_tokens", TA_ELEM_I64, 1, ov->m, 0, &buf),
                 done);
    ov->n_tokens = buf;
    TA_CALL_GOTO(read_shaped(f, ov->file, "/overlap/shared", TA_ELEM_I64, 2, ov->m, ov->m, &buf),
                 done);
    ov->shared = buf;
    TA_CALL_GOTO(read_shaped(f, ov->file, "/overlap/latin", TA_ELEM_I64, 2, ov->m, ov->m, &buf),
                 done);
    ov->latin = buf;
    for (int64_t i = 0; i < ov->m * ov->m; i++)
        TA_CHECK_GOTO(ov->shared[i] >= 0 && ov->latin[i] >= 0 && ov->latin[i] <= ov->shared[i],
                      TA_EINPUT, done,
                      "%s: /overlap/latin [%lld, %lld] is not between 0 and /overlap/shared",
                      ov->file, (long long)(i / ov->m), (long long)(i % ov->m));
    ov->has = 1;
done:
    H5Fclose(f);
    return rc;
}

int ta_report_read_overlap(const char *dir, ta_report_overlap_t *ov)
{
    memset(ov, 0, sizeof *ov);
    static const char *const where[] = {"overlap", "steps/overlap"};
    for (int i = 0; i < 2; i++) {
        char stem[4100];
        TA_CHECK(snprintf(stem, sizeof stem, "%s/%s", dir, where[i]) < (int)sizeof stem, TA_EINPUT,
                 "%s: path too long", dir);
        snprintf(ov->file, sizeof ov->file, "%s.h5", stem);
        if (!ta_h5_is_complete(ov->file))
            continue;
        snprintf(ov->tsv, sizeof ov->tsv, "%s.tsv", stem);
        if (!ta_file_is_regular(ov->tsv))
            ov->tsv[0] = '\0';
        int rc = read_overlap_file(ov);
        if (rc)
            ta_report_free_overlap(ov);
        return rc;
    }
    ov->file[0] = '\0';
    return 0;
}

void ta_report_free_overlap(ta_report_overlap_t *ov)
{
    ta_h5_free_strings(ov->name, ov->m);
    free(ov->n_tokens);
    free(ov->shared);
    free(ov->latin);
    memset(ov, 0, sizeof *ov);
}
