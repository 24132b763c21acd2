/* Reading token categories for the analyses: the TSV that `categorize` writes
 * (header "id\tcategory\ttoken", ids 0..N-1 in order) or a model.h5 (/categories/<scheme>). */
#ifndef TA_CATFILE_H
#define TA_CATFILE_H

#include "kernels/ta_category.h"

/* Local. scheme_for_h5 chooses which scheme to read from a model.h5 ("paper" default). */
int ta_catfile_read(const char *path, const char *scheme_for_h5, ta_catset_t *out);
/* Local. Writes the categorize TSV atomically. tokens may be NULL (then the token column is
 * empty). */
int ta_catfile_write_tsv(const char *path, const ta_catset_t *c, const char *const *tokens,
                         const uint32_t *lens);

#endif
