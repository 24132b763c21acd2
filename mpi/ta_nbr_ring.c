/* Pass 1 of `neighbors`: the ring. Shards travel around the ring (to r-1, from r+1) with
 * MPI_Isend/Irecv posted before the step's GEMMs, so the transfer overlaps the tiles; each rank
 * does the work items the schedule (ta_nbr_sched.h) gives it at each step. With all rows as
 * queries the column-side candidates (for the visiting shard's rows) are collected in a separate
 * top-k state and sent back to their owner at the end of the step (non-blocking exchange with
 * ranks r+s and r-s), which merges them. Ranks agree on stop requests after every work item. */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "base/ta_signal.h"
#include "mpi/ta_nbr_int.h"

float *ta__nbr_visiting(ta__nbr_t *c, int s)
{
    return s == 0 ? c->x : c->buf[(s - 1) % 2];
}

void ta__nbr_visiting_packed(ta__nbr_t *c, int s)
{
    if (s == 0 || c->kind == TA_GEMM_F32) {
        c->pvs = s == 0 ? c->px : ta__nbr_visiting(c, s);
        return;
    }
    int v = ta_nbr_sched_visitor(&c->g, c->r, s);
    ta__nbr_pack(c, ta__nbr_visiting(c, s), ta_nbr_sched_shard_rows(&c->g, v), c->pv);
    c->pvs = c->pv;
}

void ta__nbr_mark_visiting(ta__nbr_t *c, int v, const float *vx)
{
    int64_t rows = ta_nbr_sched_shard_rows(&c->g, v);
    for (int64_t j = 0; j < rows; j++) {
        const float *row = vx + j * c->d;
        uint8_t nz = 0;
        for (int64_t t = 0; t < c->d && !nz; t++)
            nz = row[t] != 0.0f;
        c->vok[j] = nz;
        c->vids[j] = (int32_t)(c->lo[v] + j);
    }
}

void ta__nbr_ring_start(ta__nbr_t *c, int s)
{
    int P = c->P, r = c->r;
    int vs = (r + s) % P, vn = (r + s + 1) % P;
    MPI_Comm comm = ta_mpi_comm();
    TA_MPI_MUST(MPI_Irecv(ta__nbr_visiting(c, s + 1), (int)ta_nbr_sched_shard_rows(&c->g, vn),
                          c->row_t, (r + 1) % P, s, comm, &c->req[0]));
    TA_MPI_MUST(MPI_Isend(ta__nbr_visiting(c, s), (int)ta_nbr_sched_shard_rows(&c->g, vs), c->row_t,
                          (r - 1 + P) % P, s, comm, &c->req[1]));
    c->ring_active = 1;
}

void ta__nbr_ring_wait(ta__nbr_t *c)
{
    if (!c->ring_active)
        return;
    double t0 = ta_now();
    ta_mpi_wait_all(2, c->req);
    c->ring_active = 0;
    c->t_comm += ta_now() - t0;
}

/* Work item a of step s on this rank: row tile a of the own queries against the column tiles
 * the schedule gives, on the visiting shard's rows. */
static void do_item(ta__nbr_t *c, int s, int64_t a)
{
    const int64_t B = c->B, d = c->d;
    const int v = ta_nbr_sched_visitor(&c->g, c->r, s);
    const int64_t vrows = ta_nbr_sched_shard_rows(&c->g, v), i0 = a * B;
    const int64_t qrows = ta__nbr_nq(c), m = qrows - i0 < B ? qrows - i0 : B;
    const int kind = c->kind;
    /* Column side: the own state at step 0 (both rows are this rank's), else the visiting
     * rows' state that goes back to their owner after the step. */
    ta_topk_t *colt = s == 0 ? &c->own : &c->vt;
    for (int64_t b = ta_nbr_sched_next_col(&c->g, c->r, s, a, 0); b >= 0;
         b = ta_nbr_sched_next_col(&c->g, c->r, s, a, b + 1)) {
        int64_t j0 = b * B, n = vrows - j0 < B ? vrows - j0 : B;
        int side = ta_nbr_sched_col_side(&c->g, s, a, b);
        ta__nbr_tile(c, ta_gemm_row(kind, c->pq, d, B, i0), m, ta_gemm_row(kind, c->pvs, d, B, j0),
                     n, &c->own, i0, c->qid + i0, c->qok + i0, side ? colt : NULL, j0, c->vids + j0,
                     c->vok + j0);
    }
}

static void merge_rows(void *p, long long lo, long long hi, int t)
{
    ta__nbr_t *c = p;
    for (int64_t i = lo; i < hi; i++)
        ta_topk_merge_row(&c->own, i, &c->rt, i);
}

/* Symmetric steps s >= 1: the candidates found for the visiting rows go to their owner, and this
 * rank receives and merges those found for its rows by rank r - s (the message sizes were
 * checked in the set-up). A failed transfer ends the job: the partner would wait forever. */
static void exchange_partials(ta__nbr_t *c, int s)
{
    int P = c->P, r = c->r, to = (r + s) % P, from = (r - s + P) % P;
    int64_t nto = ta_nbr_sched_shard_rows(&c->g, to), nfrom = c->rows, kk = c->vt.cap;
    MPI_Comm comm = ta_mpi_comm();
    double t0 = ta_now();
    MPI_Request rq[8];
    TA_MPI_MUST(MPI_Irecv(c->rt.key, (int)(nfrom * kk), MPI_UINT64_T, from, 100, comm, &rq[0]));
    TA_MPI_MUST(MPI_Irecv(c->rt.count, (int)nfrom, MPI_INT32_T, from, 101, comm, &rq[1]));
    TA_MPI_MUST(MPI_Irecv(c->rt.disc, (int)nfrom, MPI_FLOAT, from, 102, comm, &rq[2]));
    TA_MPI_MUST(MPI_Irecv(c->rt.thr, (int)nfrom, MPI_FLOAT, from, 103, comm, &rq[3]));
    TA_MPI_MUST(MPI_Isend(c->vt.key, (int)(nto * kk), MPI_UINT64_T, to, 100, comm, &rq[4]));
    TA_MPI_MUST(MPI_Isend(c->vt.count, (int)nto, MPI_INT32_T, to, 101, comm, &rq[5]));
    TA_MPI_MUST(MPI_Isend(c->vt.disc, (int)nto, MPI_FLOAT, to, 102, comm, &rq[6]));
    TA_MPI_MUST(MPI_Isend(c->vt.thr, (int)nto, MPI_FLOAT, to, 103, comm, &rq[7]));
    ta_mpi_wait_all(8, rq);
    double t1 = ta_now();
    ta_team_for(c->team, nfrom, merge_rows, c);
    c->t_comm += t1 - t0;
    c->t_topk += ta_now() - t1;
}

int ta__nbr_reread_visiting(ta__nbr_t *c, ta_embed_t *e, int s)
{
    int v = ta_nbr_sched_visitor(&c->g, c->r, s);
    return ta_mpi_agree(ta__nbr_read_rows(e, c->lo[v], ta_nbr_sched_shard_rows(&c->g, v),
                                          ta__nbr_visiting(c, s), c->vok));
}

int ta__nbr_interrupted(ta__nbr_t *c, const ta_nbr_opts_t *o, int s, int64_t t, const char *unit,
                        double done, double total)
{
    ta__nbr_ring_wait(c);
    if (!o->ckpt_dir)
        return TA_ERR(TA_EINTERRUPTED, "interrupted by signal %d (no checkpoint)",
                      ta_signal_number());
    TA_CALL(ta__nbr_ckpt_save(c, o, s, t));
    return TA_ERR(TA_EINTERRUPTED,
                  "interrupted by signal %d at %s %.0f of %.0f; checkpoint saved in %s",
                  ta_signal_number(), unit, done, total, o->ckpt_dir);
}

/* Rank 0's progress over all steps (the largest item count of each), from (s0, t0). */
static void progress_start(ta__nbr_t *c, ta_progress_t *prog, int s0, int64_t t0)
{
    const int S = ta_nbr_sched_steps(&c->g);
    const double M = (double)ta_nbr_sched_max_items(&c->g), total = M * S;
    double done = M * (s0 < S ? s0 : S);
    if (s0 < S)
        done += (double)t0;
    ta_progress_start(prog, "neighbors", "tiles", total, done);
    prog->flops_per_unit = c->sym ? (double)c->n * (double)c->n * (double)c->d / total
                                  : 2.0 * (double)c->nq * (double)c->n * (double)c->d / total;
}

int ta__nbr_main_phase(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int s0, int64_t t0,
                       int resumed)
{
    const int S = ta_nbr_sched_steps(&c->g);
    ta_progress_t prog;
    progress_start(c, &prog, s0, t0);
    double done = prog.done_at_start;
    for (int s = s0; s < S; s++) {
        int v = ta_nbr_sched_visitor(&c->g, c->r, s);
        if (s > 0 && s == s0 && resumed)
            TA_CALL(ta__nbr_reread_visiting(c, e, s));
        ta__nbr_mark_visiting(c, v, ta__nbr_visiting(c, s));
        ta__nbr_visiting_packed(c, s);
        if (c->sym && s > 0 && !(s == s0 && resumed))
            ta_topk_reset(&c->vt);
        if (s + 1 < S)
            ta__nbr_ring_start(c, s);
        int64_t M = ta_nbr_sched_max_items(&c->g), mine = ta_nbr_sched_items(&c->g, c->r);
        for (int64_t t = (s == s0 ? t0 : 0); t < M; t++) {
            if (t < mine)
                do_item(c, s, t);
            done += 1;
            if (ta_mpi_stop_requested())
                return ta__nbr_interrupted(c, o, s, t + 1, "tile", done, prog.total);
            ta_progress_update(&prog, done, 0);
        }
        /* Checkpointing only happens inside the item loop (with a resume position there), so
         * a step whose items were all done before an interruption still ends here. */
        ta__nbr_ring_wait(c);
        if (c->sym && s > 0)
            exchange_partials(c, s);
    }
    ta_progress_update(&prog, done, 1);
    return 0;
}
