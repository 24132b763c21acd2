/* Internals of `neighbors`, shared by its files (not for other modules):
 *   ta_nbr_sched.c    the ring schedule (pure: which tile pairs, which step);
 *   ta_nbr_ring.c     the main phase: shards around the ring, work items, partial exchanges;
 *   ta_nbr_tile.c     one tile on the rank's thread team (the GEMM, the selection, the exact
 *                     pass's canonical scores);
 *   ta_nbr_rescore.c  pass 2 (canonical rescoring of the kept candidates) and pass 3 (the exact
 *                     recomputation of rows with near-ties at the k-th place);
 *   ta_nbr_ckpt.c     the checkpoint (state, save, resume);
 *   ta_neighbors.c    set-up, the three passes in order, result assembly and gathering. */
#ifndef TA_NBR_INT_H
#define TA_NBR_INT_H

#include "base/ta_team.h"
#include "io/ta_embed.h"
#include "kernels/ta_gemm.h"
#include "kernels/ta_topk.h"
#include "mpi/ta_mpi.h"
#include "mpi/ta_nbr_sched.h"
#include "mpi/ta_neighbors.h"

#include <stdint.h>

typedef struct {
    int P, r, sym;
    int64_t n, d, B;
    int k, kk, excl;
    ta_nbr_sched_t g; /* the ring schedule (points at lo, qlo) */
    int64_t *lo;      /* P+1 database shard boundaries */
    int64_t *qlo;     /* P+1 query list boundaries */
    int64_t rows, maxrows, qn, nq;
    ta_gemm_kind_t kind; /* the screening GEMM's operands (kernels/ta_bf16.h) */
    ta_gemm_t *gemm;     /* its engine: one slot per thread, tiles of B rows */
    float *qdelta;       /* per query: bound on |screening score - canonical score| against any row
                            (ta__nbr_cut) */
    float *x;            /* own shard, normalised */
    uint8_t *ok;         /* own shard: norm > 0 */
    int32_t *ids;        /* own shard ids */
    float *qx;           /* own queries (sym: == x) */
    uint8_t *qok;        /* own queries valid */
    int32_t *qid;        /* own query ids */
    float *buf[2];       /* visiting shards */
    void *px;            /* own shard packed for the GEMM, blocks of B rows (f32: == x) */
    void *pq;            /* own queries packed (sym: == px; f32: == qx) */
    void *pv;            /* the visiting shard packed (bf16 kinds; f32 uses the rows themselves) */
    const void *pvs;     /* the current step's visiting rows, packed (ta__nbr_visiting_packed) */
    uint8_t *vok;        /* visiting shard mask */
    int32_t *vids;       /* visiting shard ids */
    float *C;      /* B x B scores: thread t's column slice [c0, c1) is the dense m x (c1 - c0)
                      block at C + m c0 */
    ta_topk_t own; /* queries' state */
    ta_topk_t vt;  /* visiting rows' state (sym) */
    ta_topk_t rt;  /* received partial state (sym) */
    MPI_Datatype row_t;
    MPI_Request req[2];
    int ring_active;
    ta_team_t *team; /* this rank's threads (NULL: one) */
    uint64_t *work;  /* per thread: cap + k keys of sorting space */
    float *cs;       /* rescoring: Q x kk canonical scores of the candidates */
    int32_t *ci;     /* Q x kk candidate ids */
    int32_t *cn;     /* Q candidates per query */
    double flops, t_gemm, t_topk, t_comm, t_rescore;
} ta__nbr_t;

/* This rank's queries: its shard with all rows as queries, else its slice of the query list. */
static inline int64_t ta__nbr_nq(const ta__nbr_t *c)
{
    return c->sym ? c->rows : c->qn;
}

/* The candidate bound of the exactness argument: a row whose screening score is more than
 * 2 delta below query q's k-th screening score cannot be in its canonical top k (k others beat it
 * canonically by more than the screening error). Every cut of passes 2 and 3 comes from here. */
static inline float ta__nbr_cut(const ta__nbr_t *c, int64_t q, float kth)
{
    return kth - 2 * c->qdelta[q];
}

/* ta_nbr_tile.c. Local (uses the rank's team). One score tile of rows A (m) x Bm (n), both
 * packed rows at the start of a tile block (ta_gemm_row of c->kind), offered to the row side
 * (rowt from state row rowt0) and, when colt != NULL, to the column side. */
void ta__nbr_tile(ta__nbr_t *c, const void *A, int64_t m, const void *Bm, int64_t n,
                  ta_topk_t *rowt, int64_t rowt0, const int32_t *rids, const uint8_t *rok,
                  ta_topk_t *colt, int64_t colt0, const int32_t *cids, const uint8_t *cok);
/* Local. Pass 3's tile: ambiguous rows A (m, from ambiguous row i0; PA packed) x visiting shard
 * rows Bm (n, from shard row j0; PB packed): canonical scores of every pair whose screening
 * score reaches cut[row], pushed into ex. aid: the ambiguous rows' ids. */
void ta__nbr_tile_exact(ta__nbr_t *c, const float *A, const void *PA, int64_t m, const float *Bm,
                        const void *PB, int64_t n, int64_t i0, int64_t j0, const int32_t *aid,
                        const float *cut, ta_topk_t *ex);
/* Local. Packs rows x (rows of them, dimension c->d) into out for the GEMM, by the team (blocks
 * of B rows). */
void ta__nbr_pack(ta__nbr_t *c, const float *x, int64_t rows, void *out);

/* ta_nbr_ring.c. The rows of the visiting shard of step s (the own shard at s = 0). */
float *ta__nbr_visiting(ta__nbr_t *c, int s);
/* Local. The visiting shard of step s packed for the GEMM into c->pvs (packed into c->pv for
 * the bf16 kinds at s > 0; call once per step, after the rows are in place). */
void ta__nbr_visiting_packed(ta__nbr_t *c, int s);
/* Local. Marks the visiting shard v's valid rows and ids. */
void ta__nbr_mark_visiting(ta__nbr_t *c, int v, const float *vx);
/* Collective (ring neighbours). Starts moving the shard of step s to rank r-1 and the shard of
 * step s+1 from rank r+1; ta__nbr_ring_wait completes it. A failure ends the job (the ring's
 * neighbours would wait forever). */
void ta__nbr_ring_start(ta__nbr_t *c, int s);
void ta__nbr_ring_wait(ta__nbr_t *c);
/* Collective. On resuming inside ring step s > 0: reads the visiting shard again from the file
 * (the ring brought it before the interruption). */
int ta__nbr_reread_visiting(ta__nbr_t *c, ta_embed_t *e, int s);
/* Collective, after a stop agreement: saves the checkpoint of position (s, t) and returns
 * TA_EINTERRUPTED. */
int ta__nbr_interrupted(ta__nbr_t *c, const ta_nbr_opts_t *o, int s, int64_t t, const char *unit,
                        double done, double total);
/* Collective. Pass 1, all steps of the schedule from position (s0, t0). */
int ta__nbr_main_phase(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int s0, int64_t t0,
                       int resumed);

/* ta_nbr_rescore.c. Collective. Pass 2: canonical scores of the kept candidates and the final
 * selection; amb[q] = 1 for rows that need pass 3. */
int ta__nbr_rescore(ta__nbr_t *c, ta_embed_t *e, const ta_nbr_opts_t *o, int64_t nvalid,
                    uint8_t *amb, int s0, int64_t t0, int resumed);
/* Collective. Pass 3: the exact canonical top k of the namb ambiguous rows into ex (namb rows x
 * k); map[i] = the query position of ambiguous row i. */
int ta__nbr_exact_rows(ta__nbr_t *c, const uint8_t *amb, int64_t namb, ta_topk_t *ex, int64_t *map);

/* ta_nbr_ckpt.c. Collective. Writes the checkpoint of position (s, t). */
int ta__nbr_ckpt_save(ta__nbr_t *c, const ta_nbr_opts_t *o, int s, int64_t t);
/* Collective. Looks for a checkpoint; on success *s0, *t0 give the position to resume from. */
int ta__nbr_ckpt_load(ta__nbr_t *c, const ta_nbr_opts_t *o, int *s0, int64_t *t0, int *resumed);

/* ta_neighbors.c. Local. Reads and normalises rows [row0, row0+rows) into x; ok[i] = norm > 0;
 * a non-finite value is a user error naming the row. */
int ta__nbr_read_rows(ta_embed_t *e, int64_t row0, int64_t rows, float *x, uint8_t *ok);

#endif
