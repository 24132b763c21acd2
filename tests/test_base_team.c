/* Unit tests of the thread team (src/base/ta_team.c): the slices of ta_team_lo cover [0, n) in
 * order with aligned inner boundaries; ta_team_for gives each thread its own slice; a barrier
 * inside a job separates two phases (every thread sees all writes of the first); teams of 1 to 4
 * threads are created, reused many times and freed, or freed unused (ASan and UBSan runs check
 * the rest). */
#include "base/ta_team.h"
#include "ta_test.h"

enum { NMAX = 1000 };

static void test_lo(void)
{
    for (int T = 1; T <= 5; T++)
        for (int a = 1; a <= 16; a *= 4)
            for (long long n = 0; n < 80; n++) {
                T_EQ_INT(ta_team_lo(n, 0, T, a), 0);
                T_EQ_INT(ta_team_lo(n, T, T, a), n);
                for (int t = 0; t < T; t++) {
                    long long lo = ta_team_lo(n, t, T, a), hi = ta_team_lo(n, t + 1, T, a);
                    T_CHECK(lo <= hi);
                    T_CHECK(lo % a == 0);
                }
            }
}

static int owner[NMAX];

static void mark(void *arg, long long lo, long long hi, int t)
{
    (void)arg;
    for (long long i = lo; i < hi; i++)
        owner[i] = t;
}

typedef struct {
    ta_team_t *team;
    int phase1[8];
    long long seen[8];
} two_phase_t;

static void two_phase(void *p, int t, int T)
{
    two_phase_t *j = p;
    j->phase1[t] = t + 1;
    ta_team_barrier(j->team);
    long long s = 0;
    for (int u = 0; u < T; u++)
        s += j->phase1[u];
    j->seen[t] = s;
}

static void test_team(int T)
{
    ta_team_t *team = NULL;
    T_EQ_INT(ta_team_create(T, &team), 0);
    T_CHECK((team == NULL) == (T == 1));
    T_EQ_INT(ta_team_size(team), T);
    for (int rep = 0; rep < 200; rep++) {
        long long n = rep % 2 ? NMAX : rep % 7;
        for (long long i = 0; i < n; i++)
            owner[i] = -1;
        ta_team_for(team, n, mark, NULL);
        for (long long i = 0; i < n; i++) {
            T_CHECK(owner[i] >= 0 && owner[i] < T);
            if (i > 0)
                T_CHECK(owner[i] >= owner[i - 1]);
        }
        two_phase_t j = {.team = team};
        ta_team_run(team, two_phase, &j);
        for (int t = 0; t < T; t++)
            T_EQ_INT(j.seen[t], (long long)T * (T + 1) / 2);
    }
    ta_team_free(team);
}

/* A team freed without ever running a job (the probe's team on a small problem): freeing must not
 * wait for a worker that has not reached its loop yet (this hung about 1 time in 10 before). */
static void test_unused(void)
{
    for (int rep = 0; rep < 300; rep++) {
        ta_team_t *team = NULL;
        T_EQ_INT(ta_team_create(2 + rep % 3, &team), 0);
        ta_team_free(team);
    }
}

int main(void)
{
    test_lo();
    for (int T = 1; T <= 4; T++)
        test_team(T);
    test_unused();
    return ta_test_finish("base_unit_team");
}
