#include "io/ta_probe_out.h"

#include "base/ta_error.h"
#include "io/ta_ckpt.h"
#include "io/ta_h5.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ta_probe_write_tsv(const char *path, const ta_probe_result_t *r)
{
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    fputs("category\tn_tokens\tn_samples\tmean_accuracy\tstd_accuracy\n", o.fp);
    for (int c = 0; c < r->ncat; c++) {
        ta_tsv_put_escaped(o.fp, r->names[c], strlen(r->names[c]));
        if (r->probed[c])
            fprintf(o.fp, "\t%lld\t%lld\t%.6f\t%.6f\n", (long long)r->n_tokens[c],
                    (long long)r->n_samples[c], r->mean[c], r->std[c]);
        else
            fprintf(o.fp, "\t%lld\t0\tnan\tnan\n", (long long)r->n_tokens[c]);
    }
    return ta_outfile_commit(&o);
}

/* A dense array of rank 1 to 3 (ta_h5_write_array stops at 2). */
static int write_nd(hid_t loc, const char *name, ta_elem_t elem, int nd, const int64_t *dims,
                    const void *buf)
{
    if (nd <= 2)
        return ta_h5_write_array(loc, name, elem, nd, dims, buf);
    hid_t type = ta_h5_memtype(elem);
    hsize_t hd[3] = {(hsize_t)dims[0], (hsize_t)dims[1], (hsize_t)dims[2]};
    hid_t space = H5Screate_simple(3, hd, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = 0;
    if (dset < 0)
        rc = ta_h5_create_failed(loc, "cannot create dataset", name);
    else if (hd[0] * hd[1] * hd[2] > 0 &&
             H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        rc = TA_ERR(TA_ERESOURCE, "writing dataset %s failed (disk full?)", name);
    if (dset >= 0)
        H5Dclose(dset);
    H5Pclose(dcpl);
    H5Sclose(space);
    return rc;
}

/* Copies the rows (of `width` elements of `size` bytes) of the probed categories together. */
static void *pack(const ta_probe_result_t *r, const void *src, size_t size, int64_t width,
                  void *dst)
{
    int64_t k = 0;
    for (int c = 0; c < r->ncat; c++) {
        if (!r->probed[c])
            continue;
        memcpy((char *)dst + (size_t)(k * width) * size,
               (const char *)src + (size_t)(c * width) * size, (size_t)width * size);
        k++;
    }
    return dst;
}

/* The arrays of the probed categories: one row per probed category, packed through buf. */
static int write_arrays(hid_t g, const ta_probe_result_t *r, int64_t np, void *buf)
{
    const int64_t F = r->folds, d = r->d;
    /* rank 1: [np]; rank 2: [np, width]; rank 3: [np, F, d] (width F * d). */
    const struct {
        const char *name;
        ta_elem_t elem;
        int rank;
        const void *src;
        size_t size;
        int64_t width;
    } a[] = {
        {"n_tokens", TA_ELEM_I64, 1, r->n_tokens, sizeof(int64_t), 1},
        {"n_samples", TA_ELEM_I64, 1, r->n_samples, sizeof(int64_t), 1},
        {"mean_accuracy", TA_ELEM_F64, 1, r->mean, sizeof(double), 1},
        {"std_accuracy", TA_ELEM_F64, 1, r->std, sizeof(double), 1},
        {"fold_accuracy", TA_ELEM_F64, 2, r->fold_acc, sizeof(double), F},
        {"intercepts", TA_ELEM_F64, 2, r->intercepts, sizeof(double), F},
        {"iterations", TA_ELEM_I32, 2, r->iterations, sizeof(int32_t), F},
        {"weights", TA_ELEM_F64, 3, r->weights, sizeof(double), F * d},
        {"final_weights", TA_ELEM_F64, 2, r->final_w, sizeof(double), d},
        {"final_intercepts", TA_ELEM_F64, 1, r->final_b, sizeof(double), 1},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        int64_t dims[3] = {np, a[i].rank == 3 ? F : a[i].width, d};
        TA_CALL(write_nd(g, a[i].name, a[i].elem, a[i].rank, dims,
                         pack(r, a[i].src, a[i].size, a[i].width, buf)));
    }
    return 0;
}

/* The options and inputs of the run, as attributes of /probe. */
static int write_attrs(hid_t g, const ta_probe_result_t *r)
{
    const ta_h5_attr_t a[] = {
        TA_H5_ATTR_INT_("folds", r->folds),
        TA_H5_ATTR_INT_("min_tokens", r->min_tokens),
        TA_H5_ATTR_INT_("seed", r->seed),
        TA_H5_ATTR_INT_("n_tokens_total", r->n_rows),
        TA_H5_ATTR_INT_("dim", r->d),
        TA_H5_ATTR_DOUBLE_("C", r->C),
        TA_H5_ATTR_DOUBLE_("gtol", r->gtol),
        TA_H5_ATTR_DOUBLE_("ftol", r->ftol),
        TA_H5_ATTR_INT_("warm_start", r->warm_start),
        TA_H5_ATTR_INT_("max_iter", r->max_iter),
        TA_H5_ATTR_STR_("protocol", r->protocol),
        TA_H5_ATTR_STR_("subset", r->subset),
        TA_H5_ATTR_STR_("balance", "undersample"),
        TA_H5_ATTR_STR_("embeddings", r->embeddings),
        TA_H5_ATTR_STR_("categories", r->categories),
    };
    TA_CALL(ta_h5_write_attrs(g, NULL, a, (int)(sizeof a / sizeof a[0])));
    return 0;
}

int ta_probe_write_group(hid_t file, const ta_probe_result_t *r)
{
    int np = 0, ns = 0;
    for (int c = 0; c < r->ncat; c++)
        np += r->probed[c] != 0;
    ns = r->ncat - np;
    const int64_t F = r->folds, d = r->d;
    size_t big = (size_t)((np ? np : 1) * F * (d > 0 ? d : 1)) * sizeof(double) + 64;
    void *buf = ta_malloc(big);
    const char **pn = ta_calloc((size_t)r->ncat + 1, sizeof *pn);
    const char **sn = ta_calloc((size_t)r->ncat + 1, sizeof *sn);
    int64_t *sk = ta_calloc((size_t)r->ncat + 1, sizeof *sk);
    int rc = 0;
    hid_t g = H5I_INVALID_HID;
    if (!buf || !pn || !sn || !sk) {
        rc = TA_ERESOURCE;
        goto done;
    }
    for (int c = 0, a = 0, b = 0; c < r->ncat; c++) {
        if (r->probed[c]) {
            pn[a++] = r->names[c];
        } else {
            sk[b] = r->n_tokens[c];
            sn[b++] = r->names[c];
        }
    }
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    g = H5Gcreate2(file, "probe", lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (g < 0) {
        rc = ta_h5_create_failed(file, "cannot create group", "/probe");
        goto done;
    }
    TA_CALL_GOTO(ta_h5_write_strings(g, "names", pn, np), done);
    TA_CALL_GOTO(write_arrays(g, r, np, buf), done);
    int64_t ds[1] = {ns};
    TA_CALL_GOTO(ta_h5_write_strings(g, "skipped_names", sn, ns), done);
    TA_CALL_GOTO(write_nd(g, "skipped_n_tokens", TA_ELEM_I64, 1, ds, sk), done);
    TA_CALL_GOTO(write_attrs(g, r), done);
done:
    if (g >= 0)
        H5Gclose(g);
    free(buf);
    free(pn);
    free(sn);
    free(sk);
    return rc;
}

int ta_probe_folds_open(ta_outfile_t *o, const char *path)
{
    TA_CALL(ta_outfile_open(o, path));
    fputs("category\ttoken_id\tlabel\tfold\n", o->fp);
    return 0;
}

int ta_probe_folds_add(ta_outfile_t *o, const char *category, const int64_t *ids,
                       const uint8_t *label, const int32_t *fold, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        ta_tsv_put_escaped(o->fp, category, strlen(category));
        fprintf(o->fp, "\t%lld\t%d\t%d\n", (long long)ids[i], label[i], fold[i]);
    }
    return 0;
}

enum { MAX_PHASES = 4 };

/* The checkpoint's data parts: each phase's done flags, then its result rows. */
static int ckpt_parts(const ta_probe_ckpt_phase_t *ph, int nphase, ta_ckpt_part_t *parts)
{
    TA_ASSERT(nphase <= MAX_PHASES);
    for (int p = 0; p < nphase; p++) {
        parts[2 * p] = (ta_ckpt_part_t){ph[p].done, (size_t)ph[p].ntasks};
        parts[2 * p + 1] =
            (ta_ckpt_part_t){ph[p].results, (size_t)(ph[p].ntasks * ph[p].slot) * sizeof(double)};
    }
    return 2 * nphase;
}

static void state_line(const ta_probe_ckpt_phase_t *ph, int nphase, char *buf, size_t cap)
{
    int64_t done = 0, all = 0;
    for (int p = 0; p < nphase; p++) {
        all += ph[p].ntasks;
        for (int64_t t = 0; t < ph[p].ntasks; t++)
            done += ph[p].done[t] != 0;
    }
    snprintf(buf, cap, "tasks done %lld of %lld\n", (long long)done, (long long)all);
}

int ta_probe_ckpt_write(const char *dir, const char *fingerprint, const ta_probe_ckpt_phase_t *ph,
                        int nphase)
{
    ta_ckpt_part_t parts[2 * MAX_PHASES];
    int np = ckpt_parts(ph, nphase, parts);
    char state[96];
    state_line(ph, nphase, state, sizeof state);
    TA_CALL(ta_ckpt_begin(dir));
    TA_CALL(ta_ckpt_write(dir, "tasks.bin", fingerprint, state, parts, np));
    return ta_ckpt_commit(dir, fingerprint, state);
}

int ta_probe_ckpt_read(const char *dir, const char *fingerprint, ta_probe_ckpt_phase_t *ph,
                       int nphase, int *found)
{
    *found = 0;
    char *state = NULL;
    TA_CALL(ta_ckpt_open(dir, fingerprint, &state));
    if (!state)
        return 0;
    ta_ckpt_part_t parts[2 * MAX_PHASES];
    int np = ckpt_parts(ph, nphase, parts);
    int rc = ta_ckpt_read(dir, "tasks.bin", fingerprint, state, parts, np);
    free(state);
    *found = rc == 0;
    return rc;
}
