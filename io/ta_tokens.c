/* Token strings for the analyses; see ta_tokens.h. */
#include "io/ta_tokens.h"

#include "base/ta_error.h"
#include "io/ta_h5.h"
#include "io/ta_prov.h"

#include <stdlib.h>
#include <string.h>

int ta_tokens_load(ta_nbfile_t *nb, const char *vpath, const char *opt, ta_tokens_t *t)
{
    memset(t, 0, sizeof *t);
    if (vpath) {
        TA_CALL(ta_vocab_read(vpath, &t->voc));
        t->n = t->voc.n;
        t->s = t->voc.piece;
        t->len = t->voc.len;
        TA_CALL(ta_nbfile_set_ntokens(nb, t->n, vpath));
        return ta_prov_add_input(vpath);
    }
    TA_CHECK(ta_nbfile_has_tokens(nb), TA_EINPUT,
             "%s: no /vocab/token in this neighbours file; give the vocabulary with %s", nb->path,
             opt);
    TA_CALL(ta_nbfile_read_tokens(nb, &t->h5tok, &t->n));
    t->s = t->h5tok;
    t->len = ta_malloc((size_t)(t->n ? t->n : 1) * sizeof *t->len);
    TA_CHECK_ALLOC(t->len, (size_t)t->n * sizeof *t->len);
    for (int64_t i = 0; i < t->n; i++)
        t->len[i] = (uint32_t)strlen(t->s[i]);
    return ta_nbfile_set_ntokens(nb, t->n, "its /vocab/token");
}

void ta_tokens_free(ta_tokens_t *t)
{
    if (t->h5tok) {
        ta_h5_free_strings(t->h5tok, t->n);
        free(t->len);
    } else if (t->s) {
        ta_vocab_free(&t->voc);
    }
    memset(t, 0, sizeof *t);
}
