#include "base/ta_blas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here to avoid depending on which
 * cblas.h the include path finds first). */
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

static char blas_note[256];

/* The best OpenBLAS 0.3.21 kernel name for this CPU, or NULL when the generic one is right. */
static const char *best_coretype(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SKYLAKEX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "HASWELL";
    if (__builtin_cpu_supports("avx"))
        return "SANDYBRIDGE";
#endif
    return NULL;
}

static int is_generic(const char *core)
{
    return core == NULL || strcasecmp(core, "prescott") == 0 || strcasecmp(core, "core2") == 0 ||
           strcasecmp(core, "katmai") == 0 || strcasecmp(core, "generic") == 0;
}

void ta_blas_setup(char **argv)
{
    const char *core = openblas_get_corename();
    const char *fix = getenv("TA_BLAS_FIX");
    const char *user = getenv("OPENBLAS_CORETYPE");
    const char *best = best_coretype();
    /* TA_BLAS_FORCE_GENERIC=1 makes the current kernel count as generic (tests of the re-exec
     * path on machines where OpenBLAS already picks a good kernel). */
    const char *force = getenv("TA_BLAS_FORCE_GENERIC");
    int forced = force && strcmp(force, "1") == 0 && !(user && *user);
    if ((!is_generic(core) && !forced) || best == NULL)
        return;
    if (user && *user) {
        snprintf(blas_note, sizeof blas_note,
                 "OpenBLAS uses its generic '%s' kernel although OPENBLAS_CORETYPE=%s; this CPU "
                 "supports %s (SGEMM is about 4x slower)",
                 core, user, best);
        return;
    }
    if (fix && strcmp(fix, "0") == 0) {
        snprintf(blas_note, sizeof blas_note,
                 "OpenBLAS uses its generic '%s' kernel; this CPU supports %s, about 4x faster "
                 "(set OPENBLAS_CORETYPE=%s, or unset TA_BLAS_FIX=0 to let tokenatlas do it)",
                 core, best, best);
        return;
    }
    /* Re-execute with the kernel named; the child sees OPENBLAS_CORETYPE set and does not loop. */
    setenv("OPENBLAS_CORETYPE", best, 1);
    setenv("TA_BLAS_REEXEC", best, 1);
    execv("/proc/self/exe", argv);
    snprintf(blas_note, sizeof blas_note,
             "OpenBLAS uses its generic '%s' kernel and re-executing with OPENBLAS_CORETYPE=%s "
             "failed; set it yourself for about 4x faster SGEMM",
             core, best);
}

const char *ta_blas_corename(void)
{
    return openblas_get_corename();
}

int ta_blas_threads(void)
{
    return openblas_get_num_threads();
}

void ta_blas_set_threads(int n)
{
    if (n >= 1)
        openblas_set_num_threads(n);
}

const char *ta_blas_reexec(void)
{
    const char *r = getenv("TA_BLAS_REEXEC");
    return r ? r : "";
}

const char *ta_blas_note(void)
{
    return blas_note;
}
