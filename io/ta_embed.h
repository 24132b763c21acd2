/* Embedding matrices from checkpoints: the readers every computing command uses.
 *
 * A source is a Hugging Face model directory (model.safetensors or a sharded index), a single
 * .safetensors file, a 2-D .npy file, FILE.h5:/dataset, or a tokenatlas model.h5 (its
 * /embeddings). Values are converted to f32 on read. Opening validates the headers; reading takes
 * any row range, so that each MPI rank reads only its own rows. */
#ifndef TA_EMBED_H
#define TA_EMBED_H

#include <stdint.h>

typedef struct ta__embed_impl ta__embed_impl_t;

typedef struct {
    int64_t rows, cols;     /* full tensor shape as stored */
    char dtype[8];          /* "F32", "F16", "BF16", "F64" */
    char tensor[256];       /* tensor / dataset name */
    char file[4096];        /* the file holding the tensor */
    char spec[4096];        /* what the user gave */
    ta__embed_impl_t *impl;
} ta_embed_t;

/* Local. Opens spec; tensor may be NULL (found by the known names or the one 2-D candidate). */
int ta_embed_open(const char *spec, const char *tensor, ta_embed_t *e);
/* Local. Rows [row0, row0+nrows) as f32 into out (nrows x cols). Errors name the file and row. */
int ta_embed_read_rows(ta_embed_t *e, int64_t row0, int64_t nrows, float *out);
/* Local. */
void ta_embed_close(ta_embed_t *e);

#endif
