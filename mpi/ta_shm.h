/* Read-only matrices held once per node: an MPI-3 shared-memory window over the ranks of a node
 * (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED), MPI_Win_allocate_shared), filled collectively, each
 * node-local rank writing its part of the rows.
 *
 * With one rank on the node (or without MPI) the matrix is a private allocation. When MPI cannot
 * allocate a shared window (e.g. no shared-memory one-sided component: OMPI_MCA_osc=^sm), or the
 * file system that would back it (Open MPI's osc_sm_backing_directory, default /dev/shm) has not
 * room enough, every rank of that node holds a private copy instead, said in one warning; the
 * results are the same either way. */
#ifndef TA_SHM_H
#define TA_SHM_H

#include "io/ta_embed.h"

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    void *base;   /* the whole matrix, the same bytes on every rank of the node */
    size_t bytes; /* its size */
    int shared;   /* 1: a window of the node's ranks (win, node); 0: a private allocation */
    MPI_Win win;
    MPI_Comm node;
    int node_rank, node_size; /* 0 and 1 for a private allocation: this rank fills it all */
} ta_shm_t;

/* Collective on the tool's communicator. bytes of memory shared by the ranks of each node (at
 * least 1 byte is allocated), contents undefined. Returns 0, or TA_ERESOURCE (agreed) when even
 * the private copy cannot be allocated. */
int ta_shm_alloc(size_t bytes, ta_shm_t *s);

/* Local. The rows [lo, hi) of n that this rank fills: the node's ranks take equal blocks in
 * rank order (all n rows for a private allocation). */
void ta_shm_part(const ta_shm_t *s, int64_t n, int64_t *lo, int64_t *hi);

/* Collective on the node. After every rank of the node has written its part: every part is
 * visible to every rank of the node. */
void ta_shm_filled(ta_shm_t *s);

/* Collective on the tool's communicator. Frees the matrix (nothing for a zeroed struct). */
void ta_shm_free(ta_shm_t *s);

/* Collective on the tool's communicator. Rows [0, n) of the embeddings, L2-normalised by the one
 * row normaliser (ta_embed_read_normalized), into a matrix shared by the ranks of each node
 * (n x e->cols floats at s->base); each rank of a node reads and normalises its part in steps of
 * `step` rows. *z receives the zero rows of all n rows, as one rank reading them in order would
 * (their count, and the first). A bad row (NaN, Inf) or a failed read is agreed on (the message
 * of the lowest failing rank, whose part holds the earliest bad row of its node) and the matrix
 * is freed. */
int ta_shm_read_normalized(ta_embed_t *e, int64_t n, int64_t step, ta_shm_t *s,
                           ta_rownorm_zeros_t *z);

#endif
