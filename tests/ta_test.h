/* Minimal test support for C unit tests: checks that stay on in release builds and report
 * file:line, and a scratch directory per test. */
#ifndef TA_TEST_H
#define TA_TEST_H

#include "base/ta_rand.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ta_test_failures;

#define T_CHECK(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            ta_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define T_EQ_INT(a, b)                                                                             \
    do {                                                                                           \
        long long ta__a = (long long)(a), ta__b = (long long)(b);                                  \
        if (ta__a != ta__b) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    ta__a, #b, ta__b);                                                             \
            ta_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define T_EQ_STR(a, b)                                                                             \
    do {                                                                                           \
        const char *ta__a = (a), *ta__b = (b);                                                     \
        if (strcmp(ta__a, ta__b) != 0) {                                                           \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,      \
                    ta__a, ta__b);                                                                 \
            ta_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define T_NEAR(a, b, tol)                                                                          \
    do {                                                                                           \
        double ta__a = (double)(a), ta__b = (double)(b);                                           \
        if (!(fabs(ta__a - ta__b) <= (tol))) {                                                     \
            fprintf(stderr, "%s:%d: %s == %.9g, expected %.9g +- %g\n", __FILE__, __LINE__, #a,    \
                    ta__a, ta__b, (double)(tol));                                                  \
            ta_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

/* Deterministic test data: one xoshiro256** stream (base/ta_rand.h) and normal deviates from it
 * (Box-Muller). */
static ta_xoshiro_t ta_test_rng_state;
static int ta_test_rng_seeded;
static inline uint64_t ta_test_rand(void)
{
    if (!ta_test_rng_seeded) {
        ta_xoshiro_seed(&ta_test_rng_state, 20240601, 0, 0);
        ta_test_rng_seeded = 1;
    }
    return ta_xoshiro_next(&ta_test_rng_state);
}
static inline double ta_test_gauss(void)
{
    double u1 = (double)((ta_test_rand() >> 11) + 1) * 0x1p-53;
    double u2 = (double)(ta_test_rand() >> 11) * 0x1p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Returns the process exit code and prints the CTest-readable summary line. */
static inline int ta_test_finish(const char *name)
{
    if (ta_test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, ta_test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
