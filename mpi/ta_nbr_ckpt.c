/* The checkpoint of `neighbors`: at a stop request every rank saves its top-k states (and, in
 * the rescoring, its candidates with the scores computed so far) at a position (s, t) of the
 * schedule: ring step s (s >= the number of main steps: rescoring step s - steps), work item or
 * query block t. The files and the fingerprint check are io/ta_ckpt.h's. */
#include "base/ta_error.h"
#include "io/ta_ckpt.h"
#include "mpi/ta_nbr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *ckpt_header(const ta_nbr_opts_t *o, int s, int64_t t)
{
    size_t len = strlen(o->ckpt_text) + 64;
    char *h = ta_malloc(len);
    if (h)
        snprintf(h, len, "%sposition %d %lld\n", o->ckpt_text, s, (long long)t);
    return h;
}

/* The state saved at position (s, t): the top-k states, and from the rescoring on (s >= the
 * number of ring steps) the candidates with the scores computed so far. */
static int ckpt_parts(ta__nbr_t *c, int s, void **parts, size_t *sizes)
{
    size_t kk = (size_t)c->own.cap, n = 0;
    ta_topk_t *ts[2] = {&c->own, &c->vt};
    /* The visiting rows' state exists only with all rows as queries on more than one rank. */
    int64_t rows[2] = {ta__nbr_nq(c), c->vt.key ? c->maxrows : 0};
    for (int q = 0; q < 2; q++) {
        size_t R = (size_t)rows[q];
        parts[n] = ts[q]->key;
        sizes[n++] = R * kk * sizeof(uint64_t);
        parts[n] = ts[q]->count;
        sizes[n++] = R * sizeof(int32_t);
        parts[n] = ts[q]->disc;
        sizes[n++] = R * sizeof(float);
        parts[n] = ts[q]->thr;
        sizes[n++] = R * sizeof(float);
    }
    if (s >= ta_nbr_sched_steps(&c->g)) {
        size_t Q = (size_t)ta__nbr_nq(c);
        parts[n] = c->cs;
        sizes[n++] = Q * (size_t)c->kk * sizeof(float);
        parts[n] = c->ci;
        sizes[n++] = Q * (size_t)c->kk * sizeof(int32_t);
        parts[n] = c->cn;
        sizes[n++] = Q * sizeof(int32_t);
    }
    return (int)n;
}

int ta__nbr_ckpt_save(ta__nbr_t *c, const ta_nbr_opts_t *o, int s, int64_t t)
{
    int rc = 0;
    if (c->r == 0)
        ta_ckpt_remove_manifest(o->ckpt_dir);
    TA_CALL(ta_mpi_agree(0));
    char *h = ckpt_header(o, s, t);
    void *parts[12];
    size_t sizes[12];
    int np = ckpt_parts(c, s, parts, sizes);
    if (!h)
        rc = TA_ERESOURCE;
    else
        rc = ta_ckpt_write_rank(o->ckpt_dir, c->r, h, (const void *const *)parts, sizes, np);
    rc = ta_mpi_agree(rc);
    if (!rc && c->r == 0)
        rc = ta_ckpt_write_manifest(o->ckpt_dir, h);
    free(h);
    TA_CALL(ta_mpi_agree(rc));
    return 0;
}

/* Rank 0: the manifest's position when it matches this run's fingerprint (pos = {found, step,
 * item}); a manifest of another run is a user error naming the first line that differs. */
static int manifest_position(const ta_nbr_opts_t *o, long long pos[3])
{
    char *m = NULL;
    TA_CALL(ta_ckpt_read_manifest(o->ckpt_dir, &m));
    if (!m)
        return 0;
    int rc = 0;
    size_t fl = strlen(o->ckpt_text);
    int sstep = 0;
    long long titem = 0;
    const char *p = strstr(m, "position ");
    if (strncmp(m, o->ckpt_text, fl) != 0 || p != m + fl ||
        sscanf(p, "position %d %lld", &sstep, &titem) != 2) {
        /* Name the first line that differs. */
        const char *a = m, *b = o->ckpt_text;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        while (a > m && a[-1] != '\n')
            a--;
        const char *e = strchr(a, '\n');
        int len = e ? (int)(e - a) : (int)strlen(a);
        rc = TA_ERR(TA_EINPUT,
                    "%s: checkpoint of a different run (its line '%.*s' does not match "
                    "this command's inputs or parameters); remove it to start afresh",
                    o->ckpt_dir, len, a);
    } else {
        pos[0] = 1;
        pos[1] = sstep;
        pos[2] = titem;
    }
    free(m);
    return rc;
}

int ta__nbr_ckpt_load(ta__nbr_t *c, const ta_nbr_opts_t *o, int *s0, int64_t *t0, int *resumed)
{
    *s0 = 0;
    *t0 = 0;
    *resumed = 0;
    if (!o->ckpt_dir)
        return 0;
    long long pos[3] = {0, 0, 0}; /* found, step, item */
    TA_CALL(ta_mpi_agree(c->r == 0 ? manifest_position(o, pos) : 0));
    TA_MPI_CALL(MPI_Bcast(pos, 3, MPI_LONG_LONG, 0, ta_mpi_comm()));
    if (!pos[0])
        return 0;
    char *h = ckpt_header(o, (int)pos[1], pos[2]);
    void *parts[12];
    size_t sizes[12];
    int np = ckpt_parts(c, (int)pos[1], parts, sizes);
    int rc =
        h ? ta_ckpt_read_rank(o->ckpt_dir, c->r, h, (void *const *)parts, sizes, np) : TA_ERESOURCE;
    free(h);
    TA_CALL(ta_mpi_agree(rc));
    *s0 = (int)pos[1];
    *t0 = pos[2];
    *resumed = 1;
    return 0;
}
