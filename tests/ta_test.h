/* Minimal test support for C unit tests: checks that stay on in release builds and report
 * file:line, and a scratch directory per test. */
#ifndef TA_TEST_H
#define TA_TEST_H

#include <math.h>
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
