#include "base/ta_team.h"

#include "base/ta_error.h"

#include <pthread.h>
#include <stdlib.h>

struct ta_team {
    int T, quit, started, ready;
    pthread_barrier_t bar;
    pthread_mutex_t mu; /* ready / quit before the first job */
    pthread_cond_t cv;
    pthread_t *tid;
    ta_team_fn fn;
    void *arg;
};

typedef struct {
    ta_team_t *team;
    int t;
} worker_arg_t;

static worker_arg_t *worker_args(ta_team_t *team)
{
    return (worker_arg_t *)(team->tid + team->T);
}

static void *worker(void *p)
{
    worker_arg_t *w = p;
    ta_team_t *team = w->team;
    /* The barrier counts all T threads, so wait until all of them exist (or creation failed). */
    pthread_mutex_lock(&team->mu);
    while (!team->ready && !team->quit)
        pthread_cond_wait(&team->cv, &team->mu);
    int ready = team->ready;
    pthread_mutex_unlock(&team->mu);
    /* Once the team is ready, ta_team_free meets every worker in the barrier, even when it comes
     * before the worker got here: leaving on `quit` alone would leave it waiting there. */
    if (!ready) /* the creation failed */
        return NULL;
    for (;;) {
        pthread_barrier_wait(&team->bar); /* the job is set */
        if (team->quit)
            return NULL;
        team->fn(team->arg, w->t, team->T);
        pthread_barrier_wait(&team->bar); /* all done */
    }
}

int ta_team_create(int T, ta_team_t **out)
{
    *out = NULL;
    if (T <= 1)
        return 0;
    ta_team_t *team = ta_calloc(1, sizeof *team);
    TA_CHECK_ALLOC(team, sizeof *team);
    team->T = T;
    /* Thread ids, then the workers' arguments, in one block. */
    team->tid = ta_calloc((size_t)T, sizeof(pthread_t) + sizeof(worker_arg_t));
    if (!team->tid || pthread_barrier_init(&team->bar, NULL, (unsigned)T) != 0) {
        free(team->tid);
        free(team);
        return TA_ERR(TA_ERESOURCE, "cannot set up a team of %d threads", T);
    }
    pthread_mutex_init(&team->mu, NULL);
    pthread_cond_init(&team->cv, NULL);
    for (int t = 1; t < T; t++) {
        worker_arg_t *w = worker_args(team) + t;
        w->team = team;
        w->t = t;
        if (pthread_create(&team->tid[t], NULL, worker, w) != 0) {
            ta_team_free(team);
            return TA_ERR(TA_ERESOURCE, "cannot start thread %d of %d", t + 1, T);
        }
        team->started = t;
    }
    pthread_mutex_lock(&team->mu);
    team->ready = 1;
    pthread_cond_broadcast(&team->cv);
    pthread_mutex_unlock(&team->mu);
    *out = team;
    return 0;
}

void ta_team_free(ta_team_t *team)
{
    if (!team)
        return;
    pthread_mutex_lock(&team->mu);
    int ready = team->ready;
    team->quit = 1;
    pthread_cond_broadcast(&team->cv);
    pthread_mutex_unlock(&team->mu);
    if (ready) /* the workers wait for their next job in the barrier */
        pthread_barrier_wait(&team->bar);
    for (int t = 1; t <= team->started; t++)
        pthread_join(team->tid[t], NULL);
    pthread_barrier_destroy(&team->bar);
    pthread_mutex_destroy(&team->mu);
    pthread_cond_destroy(&team->cv);
    free(team->tid);
    free(team);
}

int ta_team_size(const ta_team_t *team)
{
    return team ? team->T : 1;
}

void ta_team_run(ta_team_t *team, ta_team_fn fn, void *arg)
{
    if (!team) {
        fn(arg, 0, 1);
        return;
    }
    team->fn = fn;
    team->arg = arg;
    pthread_barrier_wait(&team->bar);
    fn(arg, 0, team->T);
    pthread_barrier_wait(&team->bar);
}

void ta_team_barrier(ta_team_t *team)
{
    if (team)
        pthread_barrier_wait(&team->bar);
}

long long ta_team_lo(long long n, int t, int T, int a)
{
    if (t >= T)
        return n;
    long long lo = n * t / T;
    return lo - lo % a;
}

typedef struct {
    long long n;
    ta_team_range_fn fn;
    void *arg;
} range_job_t;

static void range_part(void *p, int t, int T)
{
    range_job_t *j = p;
    long long lo = ta_team_lo(j->n, t, T, 1), hi = ta_team_lo(j->n, t + 1, T, 1);
    if (hi > lo)
        j->fn(j->arg, lo, hi, t);
}

void ta_team_for(ta_team_t *team, long long n, ta_team_range_fn fn, void *arg)
{
    range_job_t j = {n, fn, arg};
    ta_team_run(team, range_part, &j);
}
