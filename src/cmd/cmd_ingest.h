/* `tokenatlas ingest`: embeddings + vocabulary + categories of one model into one HDF5 file. */
#ifndef CMD_INGEST_H
#define CMD_INGEST_H

typedef struct {
    const char *model;  /* --model PATH */
    const char *tensor; /* --tensor NAME, NULL = found by its known names */
    const char *vocab;  /* --vocab PATH, NULL = beside the model */
    const char *out;    /* --out model.h5 */
} ta_ingest_opts_t;

/* Collective: each rank reads its own rows. */
int ta_cmd_ingest_run(const ta_ingest_opts_t *o);

#endif
