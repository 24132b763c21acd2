/* The ring schedule (see ta_nbr_sched.h for the picture). No MPI here: the driver asks these
 * functions what to compute, the unit test asks them what is covered. */
#include "mpi/ta_nbr_sched.h"

int64_t ta_nbr_sched_ntiles(int64_t rows, int64_t B)
{
    return (rows + B - 1) / B;
}

int64_t ta_nbr_sched_shard_rows(const ta_nbr_sched_t *g, int q)
{
    return g->lo[q + 1] - g->lo[q];
}

int ta_nbr_sched_steps(const ta_nbr_sched_t *g)
{
    return g->sym ? g->P / 2 + 1 : g->P;
}

int ta_nbr_sched_visitor(const ta_nbr_sched_t *g, int r, int s)
{
    return (r + s) % g->P;
}

int64_t ta_nbr_sched_items(const ta_nbr_sched_t *g, int r)
{
    if (!g->sym)
        return ta_nbr_sched_ntiles(g->qlo[r + 1] - g->qlo[r], g->B);
    return ta_nbr_sched_ntiles(ta_nbr_sched_shard_rows(g, r), g->B);
}

int64_t ta_nbr_sched_max_items(const ta_nbr_sched_t *g)
{
    int64_t m = 0;
    for (int q = 0; q < g->P; q++)
        if (ta_nbr_sched_items(g, q) > m)
            m = ta_nbr_sched_items(g, q);
    return m;
}

int64_t ta_nbr_sched_next_col(const ta_nbr_sched_t *g, int r, int s, int64_t a, int64_t from)
{
    const int v = ta_nbr_sched_visitor(g, r, s);
    const int64_t ncols = ta_nbr_sched_ntiles(ta_nbr_sched_shard_rows(g, v), g->B);
    int64_t b = from;
    /* Step 0 with all rows as queries: the upper triangle of the own shard's tile pairs. */
    if (g->sym && s == 0 && b < a)
        b = a;
    /* Step P/2 (P even): the checkerboard, parity 0 for the lower rank, 1 for the upper. */
    if (g->sym && s > 0 && 2 * s == g->P && (a + b) % 2 != (r > v))
        b++;
    return b < ncols ? b : -1;
}

int ta_nbr_sched_col_side(const ta_nbr_sched_t *g, int s, int64_t a, int64_t b)
{
    return g->sym && !(s == 0 && a == b);
}
