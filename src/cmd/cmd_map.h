/* `tokenatlas map`: a 2-D UMAP layout of the queries of a neighbours file. */
#ifndef CMD_MAP_H
#define CMD_MAP_H

#include <stdint.h>

typedef struct {
    const char *neighbors; /* --neighbors FILE.h5 */
    int64_t n_neighbors;   /* --n-neighbors N */
    double min_dist;       /* --min-dist D */
    int64_t seed;          /* --seed S */
    const char *subset;    /* --subset FILE, NULL = every query */
    int quiet;             /* --quiet */
    const char *out;       /* --out MAP.h5 */
} ta_map_opts_t;

/* Collective. */
int ta_cmd_map_run(const ta_map_opts_t *o);

#endif
