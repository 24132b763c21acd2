#include "base/ta_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int log_rank;
static int log_quiet;

void ta_log_set_rank(int rank)
{
    log_rank = rank;
}

void ta_log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

int ta_log_quiet(void)
{
    return log_quiet;
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    fprintf(stderr, "tokenatlas: %s%s\n", prefix, buf);
    fflush(stderr);
}

void ta_log_info(const char *fmt, ...)
{
    if (log_rank != 0 || log_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("", fmt, ap);
    va_end(ap);
}

void ta_log_warn(const char *fmt, ...)
{
    if (log_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("warning: ", fmt, ap);
    va_end(ap);
}

void ta_log_warn_any(const char *fmt, ...)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "warning: [rank %d] ", log_rank);
    va_list ap;
    va_start(ap, fmt);
    vprint(prefix, fmt, ap);
    va_end(ap);
}

double ta_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ta_progress_start(ta_progress_t *p, const char *what, const char *unit, double total,
                       double done_at_start)
{
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->done_at_start = done_at_start;
    p->flops_per_unit = 0;
    p->t_start = p->t_last = ta_now();
    const char *iv = getenv("TA_PROGRESS_INTERVAL");
    p->interval = iv ? atof(iv) : 5.0;
}

static void fmt_duration(char *buf, size_t cap, double s)
{
    if (s < 0 || s != s) {
        snprintf(buf, cap, "?");
    } else if (s < 120) {
        snprintf(buf, cap, "%.0fs", s);
    } else if (s < 7200) {
        long m = (long)(s / 60);
        snprintf(buf, cap, "%ldm%02lds", m, (long)s - 60 * m);
    } else {
        long h = (long)(s / 3600);
        snprintf(buf, cap, "%ldh%02ldm", h, ((long)s - 3600 * h) / 60);
    }
}

void ta_progress_update(ta_progress_t *p, double done, int force)
{
    if (log_rank != 0 || log_quiet)
        return;
    double t = ta_now();
    if (!force && t - p->t_last < p->interval)
        return;
    p->t_last = t;
    double el = t - p->t_start;
    double rate = el > 0 ? (done - p->done_at_start) / el : 0;
    double left = rate > 0 ? (p->total - done) / rate : -1;
    char eta[32], elapsed[32];
    fmt_duration(eta, sizeof eta, left);
    fmt_duration(elapsed, sizeof elapsed, el);
    double pct = p->total > 0 ? 100.0 * done / p->total : 100.0;
    if (p->flops_per_unit > 0)
        fprintf(stderr,
                "tokenatlas: %s: %.0f/%.0f %s (%.1f%%), %.2f %s/s, %.1f GFLOP/s, %s elapsed, %s "
                "left\n",
                p->what, done, p->total, p->unit, pct, rate, p->unit,
                rate * p->flops_per_unit * 1e-9, elapsed, eta);
    else
        fprintf(stderr, "tokenatlas: %s: %.0f/%.0f %s (%.1f%%), %.2f %s/s, %s elapsed, %s left\n",
                p->what, done, p->total, p->unit, pct, rate, p->unit, elapsed, eta);
    fflush(stderr);
}
