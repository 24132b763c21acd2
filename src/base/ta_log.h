/* Messages to stderr and progress reports for long runs.
 *
 * Only rank 0 prints info and progress (ta_log_set_rank); warnings print on every rank that
 * raises them unless they are marked rank-0 only. --quiet silences info and progress. */
#ifndef TA_LOG_H
#define TA_LOG_H

#include <stdint.h>

/* Local. Sets the rank used to decide who prints, and quiet mode. */
void ta_log_set_rank(int rank);
void ta_log_set_quiet(int quiet);
int ta_log_quiet(void);

/* Local. "tokenatlas: MESSAGE" on rank 0 unless quiet. */
void ta_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Local. "tokenatlas: warning: MESSAGE" on rank 0 (warnings that every rank would raise alike). */
void ta_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Local. "tokenatlas: warning: [rank R] MESSAGE" on the calling rank, whatever its number. */
void ta_log_warn_any(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Local. Monotonic wall clock in seconds. */
double ta_now(void);

/* Progress of a long loop: work done out of total, rate, time left; prints on rank 0 at most
 * every `interval` seconds. The unit names what is counted ("tiles", "tasks"). An optional
 * extra rate (e.g. GFLOP/s) is shown when flops_per_unit > 0. */
typedef struct {
    const char *what;
    const char *unit;
    double total;
    double done_at_start; /* work already done when resuming; excluded from the rate */
    double flops_per_unit;
    double t_start, t_last;
    double interval;
} ta_progress_t;

/* Local. */
void ta_progress_start(ta_progress_t *p, const char *what, const char *unit, double total,
                       double done_at_start);
/* Local. Prints when due (or when force is set). */
void ta_progress_update(ta_progress_t *p, double done, int force);

#endif
