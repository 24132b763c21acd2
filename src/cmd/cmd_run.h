/* `tokenatlas run CONFIG.yaml [--set key=value]...`: the whole pipeline, resumable. */
#ifndef CMD_RUN_H
#define CMD_RUN_H

#include "cmd/ta_opt.h"

typedef struct {
    const char *config; /* CONFIG.yaml */
    ta_optlist_t set;   /* --set KEY=VALUE, applied in order */
} ta_run_opts_t;

/* Collective: every step is Collective. */
int ta_cmd_run_run(const ta_run_opts_t *o);

#endif
