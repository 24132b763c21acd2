/* Error state: one pending message per thread plus a short traceback. */
#include "base/ta_error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TA__MSG_CAP 1024
#define TA__TRACE_CAP 2048

static _Thread_local int err_code;
static _Thread_local char err_msg[TA__MSG_CAP];
static _Thread_local char err_trace[TA__TRACE_CAP];

const char *ta_strerror(int code)
{
    switch (code) {
#define TA__ERR_CASE(name, c, text)                                                                \
    case c:                                                                                        \
        return text;
        TA_ERRNO_MAP(TA__ERR_CASE)
#undef TA__ERR_CASE
    }
    return "unknown error";
}

static void trace_append(const char *file, int line, const char *func)
{
    size_t used = strlen(err_trace);
    if (used + 1 < TA__TRACE_CAP)
        snprintf(err_trace + used, TA__TRACE_CAP - used, "  at %s:%d %s()\n", file, line, func);
}

int ta__err_set(int code, const char *file, int line, const char *func, const char *fmt, ...)
{
    if (err_code == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err_msg, sizeof err_msg, fmt, ap);
        va_end(ap);
        err_code = code;
        err_trace[0] = '\0';
    }
    trace_append(file, line, func);
    return code;
}

int ta__err_trace(int code, const char *file, int line, const char *func)
{
    if (err_code == 0) {
        /* A failing call that did not record a message: keep the code, say where. */
        err_code = code;
        snprintf(err_msg, sizeof err_msg, "%s", ta_strerror(code));
    }
    trace_append(file, line, func);
    return code;
}

const char *ta_err_message(void)
{
    return err_msg;
}

int ta_err_code(void)
{
    return err_code;
}

void ta_err_clear(void)
{
    err_code = 0;
    err_msg[0] = '\0';
    err_trace[0] = '\0';
}

void ta_err_adopt(int code, const char *message)
{
    err_code = code;
    snprintf(err_msg, sizeof err_msg, "%s", message);
}

void ta_err_print(void)
{
    if (!err_code)
        return;
    /* One line; newlines inside a message would break the one-line contract. */
    char line[TA__MSG_CAP];
    snprintf(line, sizeof line, "%s", err_msg);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (err_code == TA_EINTERNAL)
        fprintf(stderr, "tokenatlas: internal error: %s\n", line);
    else if (err_code == TA_EINTERRUPTED)
        fprintf(stderr, "tokenatlas: %s\n", line);
    else
        fprintf(stderr, "tokenatlas: error: %s\n", line);
    const char *t = getenv("TA_TRACE");
    if (t && *t && strcmp(t, "0") != 0)
        fputs(err_trace, stderr);
}

void *ta_malloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        TA_ERR(TA_ERESOURCE, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *ta_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        TA_ERR(TA_ERESOURCE, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

int ta_mul_size(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return 1;
    *out = a * b;
    return 0;
}

int ta_grow(void *pp, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int64_t nc = *cap > 0 ? *cap : 16;
    while (nc < need && nc <= INT64_MAX / 2)
        nc *= 2;
    size_t bytes;
    TA_CHECK(nc >= need && !ta_mul_size((size_t)nc, elem, &bytes), TA_ERESOURCE,
             "array of %lld elements of %zu bytes is too large", (long long)need, elem);
    void *old;
    memcpy(&old, pp, sizeof old);
    void *p = realloc(old, bytes);
    TA_CHECK_ALLOC(p, bytes);
    memcpy(pp, &p, sizeof p);
    *cap = nc;
    return 0;
}

_Noreturn void ta__assert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "tokenatlas: assertion failed: %s at %s:%d %s()\n", expr, file, line, func);
    abort();
}
