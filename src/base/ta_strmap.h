/* A string -> id hash map (open addressing, FNV-1a), for matching tokens by their text:
 * dictionary words in `translate`, vocabularies of two models in `compare`. Keys are byte
 * strings with a length (they may contain NUL); ids are 0, 1, 2, ... in insertion order. */
#ifndef TA_STRMAP_H
#define TA_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **key;     /* [n] copies of the keys, NUL-terminated */
    uint32_t *klen; /* [n] */
    int64_t *slot;  /* [cap] id + 1, 0 = empty */
    int64_t n, cap, kcap;
} ta_strmap_t;

/* Local. */
int ta_strmap_init(ta_strmap_t *m);
void ta_strmap_free(ta_strmap_t *m);
/* Local. The id of s, adding it when absent (*added tells which, may be NULL). */
int ta_strmap_intern(ta_strmap_t *m, const char *s, size_t len, int64_t *id, int *added);
/* Local. The id of s, or -1. */
int64_t ta_strmap_find(const ta_strmap_t *m, const char *s, size_t len);

#endif
