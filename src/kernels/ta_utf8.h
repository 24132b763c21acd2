/* UTF-8 validity, strict as the categorizer decodes (utf8proc: no overlong forms, surrogates,
 * values past U+10FFFF or truncated sequences). */
#ifndef TA_UTF8_H
#define TA_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Local. The byte offset of the first byte of s[0..len) that does not start a valid UTF-8
 * character, or -1 when all of s is valid. */
int64_t ta_utf8_invalid_at(const char *s, size_t len);

#endif
