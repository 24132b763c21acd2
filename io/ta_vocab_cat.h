/* Categories of a whole vocabulary: ta_category_of for every piece, with byte-level pieces that
 * are not valid UTF-8 alone (TA_PIECE_BYTES) in the category "BYTES". */
#ifndef TA_VOCAB_CAT_H
#define TA_VOCAB_CAT_H

#include "kernels/ta_category.h"
#include "io/ta_vocab.h"

/* Local. out receives one code per piece of v (free with ta_catset_free). An invalid UTF-8 piece
 * that is not flagged TA_PIECE_BYTES is TA_EINPUT naming the vocabulary file and the token id. */
int ta_vocab_categorize(const ta_vocab_t *v, ta_scheme_t scheme, ta_catset_t *out);

#endif
