/* The run configuration (YAML, see SPEC.md and README "Config reference").
 *
 * Loaded with libyaml; every key typed and checked; unknown keys, wrong types and missing
 * required keys are TA_EINPUT naming file:line:key. `--set key=value` overrides use dotted keys
 * (neighbors.k=50, probe.seed=1, models.0.path=/x). */
#ifndef TA_CONFIG_H
#define TA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define TA_CONFIG_MAX_MODELS 32
#define TA_CONFIG_MAX_PAIRS 64

typedef struct {
    char name[128];
    char path[4096];
    char tensor[256];       /* "" when not given */
    char vocab[4096];       /* "" when the vocabulary is found beside the model */
    char frequencies[4096]; /* token counts for diversity --frequencies; "" = none */
    /* Where each value came from, for messages: a line of the file (>= 1), or -(i + 1) for
     * override i; 0 when not given. */
    int line, name_line, path_line, vocab_line, frequencies_line;
} ta_config_model_t;

typedef struct {
    char run[128];
    char results_dir[4096]; /* default "results" */
    char protocol[16]; /* "tokenatlas" (default) | "paper": the probe's (see probe --protocol) */
    char subset[4096]; /* "all" (default) | "shared" (the overlap of all models) | a subset spec */
    int nmodels;
    ta_config_model_t models[TA_CONFIG_MAX_MODELS];
    /* neighbors */
    int64_t k;          /* default 100 */
    char queries[4096]; /* "all" | "sample:FRACTION:SEED" | FILE; default "all" */
    int64_t block_rows; /* 0 = auto */
    int exclude_self;   /* default 0 */
    char gemm[16];      /* "auto" (default) | "f32" | "bf16" | "bf16x3": neighbors --gemm */
    /* diversity */
    int64_t top; /* default 50 */
    /* probe */
    int64_t folds;      /* default 10 */
    int64_t min_tokens; /* default 500 */
    int64_t seed;       /* default 150 */
    char balance[32];   /* "undersample" (only value) */
    int probe_enabled;  /* default 1 */
    /* map (UMAP layout, `tokenatlas map`) */
    int64_t map_neighbors; /* n_neighbors, default 15 */
    double map_min_dist;   /* min_dist in [0, 1], default 0.2 */
    int64_t map_seed;      /* default 150 */
    int map_enabled;       /* default 1 */
    /* translate */
    char dictionaries[4096]; /* "" when not given */
    /* categories */
    char scheme[16]; /* "paper" default */
    /* compare */
    int npairs;
    char pairs[TA_CONFIG_MAX_PAIRS][2][128];
    char *text; /* the effective config (defaults and overrides applied) as YAML,
                   regenerated; loading it again gives the same config */
    char path[4096];
    /* Lines of values for later messages (see ta_config_model_t). */
    int root_line, run_line, models_line, queries_line, dictionaries_line, subset_line;
    int pair_line[TA_CONFIG_MAX_PAIRS];
} ta_config_t;

/* Local. Loads path, applies overrides ("key=value"), validates, and checks that the files it
 * names exist (ta_config_check_files). */
int ta_config_load(const char *path, const char *const *overrides, int noverrides,
                   ta_config_t *cfg);
/* Local. The same from a buffer (name is used in messages), without the file checks. */
int ta_config_parse(const char *name, const char *text, size_t len, const char *const *overrides,
                    int noverrides, ta_config_t *cfg);
/* Local. Model paths (file or directory), vocab files, a queries file and the dictionaries
 * directory must exist; errors name file:line:key (overrides: the --set argument, which must be
 * the same array that was given to the loader). */
int ta_config_check_files(const ta_config_t *cfg, const char *const *overrides);
/* Local. Writes the effective config as YAML (for results/<run>/run.yaml). */
int ta_config_write(const ta_config_t *cfg, const char *path);
void ta_config_free(ta_config_t *cfg);

#endif
