/* Error codes, messages and the TA_CALL / TA_CHECK macros.
 *
 * Every function that can fail returns 0 or one of the codes below; the codes are also the
 * process exit codes of the SPEC. The first failure records a one-line message (naming the
 * file, the place in it and the problem for user errors); each TA_CALL that passes the error
 * up appends file:line:function to a traceback shown with TA_TRACE=1. */
#ifndef TA_ERROR_H
#define TA_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define TA_ERRNO_MAP(X)                                                                            \
    X(OK, 0, "success")                                                                            \
    X(EINTERNAL, 1, "internal error")                                                              \
    X(EINPUT, 2, "bad input or usage")                                                             \
    X(ERESOURCE, 3, "out of resources")                                                            \
    X(EINTERRUPTED, 4, "interrupted, checkpoint saved")

enum {
#define TA__ERR_ENUM(name, code, text) TA_##name = code,
    TA_ERRNO_MAP(TA__ERR_ENUM)
#undef TA__ERR_ENUM
};

/* Local. Text of an error code. */
const char *ta_strerror(int code);

/* Local. Records the message of a new error (if none is pending) and returns code. */
int ta__err_set(int code, const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Local. Appends a traceback frame and returns code. */
int ta__err_trace(int code, const char *file, int line, const char *func);

/* Local. The pending message ("" when none) and its code (0 when none). */
const char *ta_err_message(void);
int ta_err_code(void);
/* Local. Forgets the pending error. */
void ta_err_clear(void);
/* Local. Replaces the pending error (used when ranks agree on the first failure). */
void ta_err_adopt(int code, const char *message);
/* Local. Prints "tokenatlas: error: MESSAGE" (and the traceback with TA_TRACE=1) to stderr. */
void ta_err_print(void);

/* Returns an error from the current function when cond is false. */
#define TA_CHECK(cond, code, ...)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return ta__err_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);                 \
    } while (0)

/* Sets an error and returns it (for places where the condition was already tested). */
#define TA_ERR(code, ...) ta__err_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* Calls expr; on failure records a traceback frame and returns the code. */
#define TA_CALL(expr)                                                                              \
    do {                                                                                           \
        int ta__rc = (expr);                                                                       \
        if (ta__rc)                                                                                \
            return ta__err_trace(ta__rc, __FILE__, __LINE__, __func__);                            \
    } while (0)

/* Goto-ladder variants: they store the code in the local `rc` and jump to label. */
#define TA_CHECK_GOTO(cond, code, label, ...)                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rc = ta__err_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);                   \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

#define TA_CALL_GOTO(expr, label)                                                                  \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc) {                                                                                  \
            ta__err_trace(rc, __FILE__, __LINE__, __func__);                                       \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

/* Out of memory is a resource error with the size that failed. */
#define TA_CHECK_ALLOC(ptr, bytes)                                                                 \
    TA_CHECK((ptr) != NULL, TA_ERESOURCE, "out of memory allocating %zu bytes", (size_t)(bytes))

/* Local. Allocation helpers that record TA_ERESOURCE on failure (they return NULL). */
void *ta_malloc(size_t bytes);
void *ta_calloc(size_t n, size_t size);
/* Local. Multiplies with overflow check; returns 0 on success. */
int ta_mul_size(size_t a, size_t b, size_t *out);
/* Local. Makes room for at least `need` elements of `elem` bytes in the growable array *pp
 * (any object pointer, passed by address) of capacity *cap: the capacity doubles (from 16), the
 * contents move as with realloc. On failure *pp and *cap are unchanged and TA_ERESOURCE is
 * returned, reported. */
int ta_grow(void *pp, int64_t *cap, int64_t need, size_t elem);

/* Asserts that stay on in release builds. */
#define TA_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ta__assert_fail(#cond, __FILE__, __LINE__, __func__);                                  \
    } while (0)
_Noreturn void ta__assert_fail(const char *expr, const char *file, int line, const char *func);

#endif
