/* The checkpoint of `neighbors`: at a stop request every rank saves its top-k states (and, in
 * the rescoring, its candidates with the scores computed so far) at a position (s, t) of the
 * schedule: ring step s (s >= the number of main steps: rescoring step s - steps), work item or
 * query block t. Format (io/ta_ckpt.h): OUT.ckpt/rank-R.bin per rank, then OUT.ckpt/MANIFEST
 * holding the fingerprint (ta_nbr_opts_t.ckpt_text) and the line "position s t". A checkpoint
 * is only valid for the same rank count (the fingerprint names it): the states are per shard. */
#include "base/ta_error.h"
#include "io/ta_ckpt.h"
#include "mpi/ta_nbr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state line of position (s, t), as the manifest and the rank files hold it. */
static void position_line(char *buf, size_t cap, int s, int64_t t)
{
    snprintf(buf, cap, "position %d %lld\n", s, (long long)t);
}

static void rank_file(char *buf, size_t cap, int r)
{
    snprintf(buf, cap, "rank-%d.bin", r);
}

/* The state saved at position (s, t): the top-k states, and from the rescoring on (s >= the
 * number of ring steps) the candidates with the scores computed so far. */
static int ckpt_parts(ta__nbr_t *c, int s, ta_ckpt_part_t *parts)
{
    size_t kk = (size_t)c->own.cap, n = 0;
    ta_topk_t *ts[2] = {&c->own, &c->vt};
    /* The visiting rows' state exists only with all rows as queries on more than one rank. */
    int64_t rows[2] = {ta__nbr_nq(c), c->vt.key ? c->maxrows : 0};
    for (int q = 0; q < 2; q++) {
        size_t R = (size_t)rows[q];
        parts[n++] = (ta_ckpt_part_t){ts[q]->key, R * kk * sizeof(uint64_t)};
        parts[n++] = (ta_ckpt_part_t){ts[q]->count, R * sizeof(int32_t)};
        parts[n++] = (ta_ckpt_part_t){ts[q]->disc, R * sizeof(float)};
        parts[n++] = (ta_ckpt_part_t){ts[q]->thr, R * sizeof(float)};
    }
    if (s >= ta_nbr_sched_steps(&c->g)) {
        size_t Q = (size_t)ta__nbr_nq(c);
        parts[n++] = (ta_ckpt_part_t){c->cs, Q * (size_t)c->kk * sizeof(float)};
        parts[n++] = (ta_ckpt_part_t){c->ci, Q * (size_t)c->kk * sizeof(int32_t)};
        parts[n++] = (ta_ckpt_part_t){c->cn, Q * sizeof(int32_t)};
    }
    return (int)n;
}

int ta__nbr_ckpt_save(ta__nbr_t *c, const ta_nbr_opts_t *o, int s, int64_t t)
{
    char state[64], name[32];
    ta_ckpt_part_t parts[12];
    position_line(state, sizeof state, s, t);
    rank_file(name, sizeof name, c->r);
    int np = ckpt_parts(c, s, parts);
    /* Rank 0 invalidates the old checkpoint before any rank file changes, and validates the new
     * one after all are written. */
    TA_CALL(ta_mpi_agree(c->r == 0 ? ta_ckpt_begin(o->ckpt_dir) : 0));
    TA_CALL(ta_mpi_agree(ta_ckpt_write(o->ckpt_dir, name, o->ckpt_text, state, parts, np)));
    return ta_mpi_agree(c->r == 0 ? ta_ckpt_commit(o->ckpt_dir, o->ckpt_text, state) : 0);
}

/* Rank 0: the position of a checkpoint of this run (pos = {found, step, item}); a checkpoint
 * of another run is a user error naming the line that differs (ta_ckpt_open). */
static int manifest_position(const ta_nbr_opts_t *o, long long pos[3])
{
    char *state = NULL;
    TA_CALL(ta_ckpt_open(o->ckpt_dir, o->ckpt_text, &state));
    if (!state)
        return 0;
    int s = 0;
    long long t = 0;
    int ok = sscanf(state, "position %d %lld", &s, &t) == 2;
    free(state);
    TA_CHECK(ok, TA_EINPUT, "%s/MANIFEST: no 'position STEP ITEM' line after the fingerprint",
             o->ckpt_dir);
    pos[0] = 1;
    pos[1] = s;
    pos[2] = t;
    return 0;
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
    TA_MPI_MUST(MPI_Bcast(pos, 3, MPI_LONG_LONG, 0, ta_mpi_comm()));
    if (!pos[0])
        return 0;
    char state[64], name[32];
    ta_ckpt_part_t parts[12];
    position_line(state, sizeof state, (int)pos[1], pos[2]);
    rank_file(name, sizeof name, c->r);
    int np = ckpt_parts(c, (int)pos[1], parts);
    TA_CALL(ta_mpi_agree(ta_ckpt_read(o->ckpt_dir, name, o->ckpt_text, state, parts, np)));
    *s0 = (int)pos[1];
    *t0 = pos[2];
    *resumed = 1;
    return 0;
}
