/* A persistent team of threads for loops inside one rank (the tile kernels and the rescoring of
 * `neighbors`). The caller is thread 0; ta_team_run() runs fn(arg, t, T) on every thread t of T
 * and returns when all have finished. Idle workers sleep in a barrier (no spinning), so a team
 * costs nothing while MPI or other code runs. With T = 1 no thread is created and fn runs in the
 * caller. */
#ifndef TA_TEAM_H
#define TA_TEAM_H

typedef struct ta_team ta_team_t;
typedef void (*ta_team_fn)(void *arg, int t, int T);

/* Local. A team of T threads (T - 1 workers); NULL (with the error reported) on failure. */
int ta_team_create(int T, ta_team_t **team);
void ta_team_free(ta_team_t *team);
/* Local. The team's size (1 for a NULL team). */
int ta_team_size(const ta_team_t *team);
/* Local. Runs fn on all threads of the team (on the caller alone when team is NULL). */
void ta_team_run(ta_team_t *team, ta_team_fn fn, void *arg);
/* Inside fn: waits until every thread of the team has reached this point. */
void ta_team_barrier(ta_team_t *team);
/* Part t of T of [0, n): [ta_team_lo(n, t, T, a), ta_team_lo(n, t + 1, T, a)), the boundaries
 * rounded down to multiples of a (a >= 1). */
long long ta_team_lo(long long n, int t, int T, int a);

/* Local. Runs fn(arg, lo, hi, t) on the slices [lo, hi) of [0, n), one per thread t (empty
 * slices are skipped): for loops whose iterations touch disjoint data. */
typedef void (*ta_team_range_fn)(void *arg, long long lo, long long hi, int t);
void ta_team_for(ta_team_t *team, long long n, ta_team_range_fn fn, void *arg);

#endif
