#include "kernels/ta_utf8.h"

#include <utf8proc.h>

int64_t ta_utf8_invalid_at(const char *s, size_t len)
{
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return (int64_t)i;
        i += (size_t)n;
    }
    return -1;
}
