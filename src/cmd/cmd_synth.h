/* `tokenatlas synth`: a synthetic model directory with planted structure. */
#ifndef CMD_SYNTH_H
#define CMD_SYNTH_H

#include <stdint.h>

typedef struct {
    int preset;         /* --preset script-clustered|meaning-aligned (ta_synth_preset_t) */
    int64_t tokens;     /* --tokens N */
    int64_t dim;        /* --dim D */
    int64_t seed;       /* --seed S */
    int dtype;          /* --dtype bf16|f32: 0 bf16, 1 f32 */
    int64_t extra_rows; /* --extra-rows R */
    const char *out;    /* --out DIR */
} ta_synth_opts_t;

/* Collective: every rank writes its share of the rows. */
int ta_cmd_synth_run(const ta_synth_opts_t *o);

#endif
