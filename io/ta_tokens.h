/* The token strings of a model for the analyses (compare, diversity under the paper protocol):
 * from a vocabulary file in any format `ta_vocab_read` takes (model.h5 included), or from the
 * /vocab/token copy that `neighbors` leaves in its output. */
#ifndef TA_TOKENS_H
#define TA_TOKENS_H

#include "io/ta_nbfile.h"
#include "io/ta_vocab.h"

#include <stdint.h>

typedef struct {
    int64_t n;
    char **s;       /* [n] NUL-terminated */
    uint32_t *len;  /* [n] byte lengths */
    ta_vocab_t voc; /* when read from a vocabulary file */
    char **h5tok;   /* when read from /vocab/token */
} ta_tokens_t;

/* Local. Reads the tokens of the model of neighbours file nb: from vpath when given (registered
 * as a provenance input), else from nb's /vocab/token (missing: TA_EINPUT telling to give them
 * with the option named opt); checks the count against nb (ta_nbfile_set_ntokens). */
int ta_tokens_load(ta_nbfile_t *nb, const char *vpath, const char *opt, ta_tokens_t *t);
/* Local. */
void ta_tokens_free(ta_tokens_t *t);

#endif
