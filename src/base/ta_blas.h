/* OpenBLAS set-up: kernel choice and thread count.
 *
 * Debian's OpenBLAS 0.3.21 does not know recent CPUs and falls back to its generic "Prescott"
 * kernels, 4x slower for SGEMM on AVX-512 machines. ta_blas_setup() notices this before any BLAS
 * work and re-executes the program with OPENBLAS_CORETYPE set to the best kernel the CPU supports
 * (the variable is read only when OpenBLAS starts, hence the re-exec). TA_BLAS_FIX=0 disables it;
 * a user-set OPENBLAS_CORETYPE is respected. */
#ifndef TA_BLAS_H
#define TA_BLAS_H

/* Local. Call first in main(), before MPI starts. May not return (re-exec). */
void ta_blas_setup(char **argv);
/* Local. The kernel OpenBLAS uses (e.g. "SkylakeX", "Haswell", "Prescott"). */
const char *ta_blas_corename(void);
/* Local. Number of OpenBLAS threads in use; set it (n >= 1). */
int ta_blas_threads(void);
void ta_blas_set_threads(int n);
/* Local. A note about the kernel for logs ("" when all is well). */
const char *ta_blas_note(void);

/* Local. The OPENBLAS_CORETYPE this process was re-executed with by ta_blas_setup ("" when it
 * was not re-executed). */
const char *ta_blas_reexec(void);

#endif
