/* The run configuration: the --set overrides, validation across keys (required keys, unique
 * model names, compare pairs of configured models), the effective config regenerated as YAML,
 * and the public functions. The YAML file is read by io/ta_config_yaml.c; every scalar is typed
 * by the schema of io/ta_config_schema.c, so the file and the overrides are checked by the same
 * code. Errors are one line: "FILE:LINE: key 'a.b': problem" (or "--set a.b=v: key 'a.b': ...");
 * line numbers are kept for the keys that later checks must name. */
#include "io/ta_config_int.h"

#include "base/ta_error.h"
#include "io/ta_file.h"
#include "io/ta_subset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- overrides ---------------------------------------------------------------------------- */

/* Parses a non-negative index ("0", "12"); -1 when not one. */
static int ta__index(const char *s)
{
    if (!s[0] || strlen(s) > 6 || (s[0] == '0' && s[1]))
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return atoi(s);
}

/* Splits the dotted key into at most 4 parts of fewer than 128 bytes; returns their count. */
static int ta__split_key(ta__ctx_t *c, int line, const char *key, char parts[4][128], int *np)
{
    *np = 0;
    for (const char *p = key;; (*np)++) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (*np >= 4 || n >= sizeof parts[0])
            return ta__fail(c, line, key, "unknown key");
        memcpy(parts[*np], p, n);
        parts[*np][n] = '\0';
        if (!dot) {
            (*np)++;
            return 0;
        }
        p = dot + 1;
    }
}

/* models.INDEX.KEY=VALUE; INDEX may be the next new model, completed by further overrides. */
static int ta__override_model(ta__ctx_t *c, int line, const char *key, char parts[4][128], int np,
                              const ta__scalar_t *v, ta_config_t *cfg)
{
    char keys[256];
    int idx = ta__index(parts[1]);
    if (np != 3 || idx < 0)
        return ta__fail(c, line, key, "expected models.INDEX.KEY (e.g. models.0.path)");
    if (idx > cfg->nmodels || idx >= TA_CONFIG_MAX_MODELS)
        return ta__fail(c, line, key, "model index %d out of range (%d model(s) configured)", idx,
                        cfg->nmodels);
    const ta__field_t *f = ta__find_field("models", parts[2]);
    if (!f)
        return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                        ta__keys_of("models", keys, sizeof keys));
    if (idx == cfg->nmodels) {
        memset(&cfg->models[idx], 0, sizeof cfg->models[idx]);
        cfg->models[idx].line = line;
        cfg->nmodels++;
    }
    return ta__set_field(c, f, &cfg->models[idx], v, line, key);
}

/* compare.pairs.INDEX.J=NAME (J 0 or 1); INDEX may be the next new pair. */
static int ta__override_pair(ta__ctx_t *c, int line, const char *key, char parts[4][128], int np,
                             const ta__scalar_t *v, ta_config_t *cfg)
{
    int idx = np == 4 ? ta__index(parts[2]) : -1;
    int j = np == 4 ? ta__index(parts[3]) : -1;
    if (strcmp(parts[1], "pairs") != 0 || idx < 0 || j < 0 || j > 1)
        return ta__fail(c, line, key, "expected compare.pairs.INDEX.0 or .1");
    if (idx > cfg->npairs || idx >= TA_CONFIG_MAX_PAIRS)
        return ta__fail(c, line, key, "pair index %d out of range (%d pair(s) configured)", idx,
                        cfg->npairs);
    if (idx == cfg->npairs) {
        memset(cfg->pairs[idx], 0, sizeof cfg->pairs[idx]);
        cfg->npairs++;
    }
    cfg->pair_line[idx] = line;
    return ta__set_field(c, &ta__pair_field, cfg->pairs[idx][j], v, line, key);
}

/* Override i, "KEY=VALUE" with a dotted key; the value is typed as a plain YAML scalar. */
static int ta__apply_override(ta__ctx_t *c, int i, const char *ov, ta_config_t *cfg)
{
    int line = -(i + 1);
    const char *eq = strchr(ov, '=');
    char key[512], keys[256];
    if (!eq || eq == ov || (size_t)(eq - ov) >= sizeof key)
        return TA_ERR(TA_EINPUT, "--set %s: expected KEY=VALUE (e.g. neighbors.k=50)", ov);
    memcpy(key, ov, (size_t)(eq - ov));
    key[eq - ov] = '\0';
    ta__scalar_t v = {eq + 1, strlen(eq + 1), 1};
    char parts[4][128];
    int np;
    TA_CALL(ta__split_key(c, line, key, parts, &np));
    if (np == 1) {
        const ta__field_t *f = ta__find_field("", parts[0]);
        if (!f)
            return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                            ta__keys_of("", keys, sizeof keys));
        return ta__set_field(c, f, cfg, &v, line, key);
    }
    if (strcmp(parts[0], "models") == 0)
        return ta__override_model(c, line, key, parts, np, &v, cfg);
    if (strcmp(parts[0], "compare") == 0)
        return ta__override_pair(c, line, key, parts, np, &v, cfg);
    if (np == 2) {
        const ta__field_t *f = ta__find_field(parts[0], parts[1]);
        if (f)
            return ta__set_field(c, f, cfg, &v, line, key);
        if (ta__is_section(parts[0]))
            return ta__fail(c, line, key, "unknown key (expected one of: %s)",
                            ta__keys_of(parts[0], keys, sizeof keys));
    }
    return ta__fail(c, line, key, "unknown key");
}

/* ---- validation and text ------------------------------------------------------------------ */

static int ta__validate(ta__ctx_t *c, ta_config_t *cfg)
{
    char key[256];
    if (!cfg->run[0])
        return ta__fail(c, cfg->root_line, "run", "missing required key");
    if (cfg->nmodels == 0)
        return ta__fail(c, cfg->models_line ? cfg->models_line : cfg->root_line, "models",
                        cfg->models_line ? "at least one model is required"
                                         : "missing required key");
    for (int i = 0; i < cfg->nmodels; i++) {
        ta_config_model_t *m = &cfg->models[i];
        snprintf(key, sizeof key, "models.%d.name", i);
        if (!m->name[0])
            return ta__fail(c, m->line, key, "missing required key");
        snprintf(key, sizeof key, "models.%d.path", i);
        if (!m->path[0])
            return ta__fail(c, m->line, key, "missing required key");
        for (int j = 0; j < i; j++)
            if (strcmp(cfg->models[j].name, m->name) == 0) {
                snprintf(key, sizeof key, "models.%d.name", i);
                return ta__fail(c, m->name_line, key, "duplicate model name '%s' (models.%d)",
                                m->name, j);
            }
    }
    if (strcmp(cfg->subset, "shared") == 0 && cfg->nmodels < 2)
        return ta__fail(c, cfg->subset_line, "subset",
                        "shared (the tokens all models share) needs at least two models, got %d",
                        cfg->nmodels);
    for (int i = 0; i < cfg->npairs; i++) {
        snprintf(key, sizeof key, "compare.pairs.%d", i);
        for (int j = 0; j < 2; j++) {
            int found = 0;
            for (int m = 0; m < cfg->nmodels; m++)
                found |= strcmp(cfg->models[m].name, cfg->pairs[i][j]) == 0;
            if (!found)
                return ta__fail(c, cfg->pair_line[i], key, "'%s' is not a configured model",
                                cfg->pairs[i][j][0] ? cfg->pairs[i][j] : "(missing)");
        }
        if (strcmp(cfg->pairs[i][0], cfg->pairs[i][1]) == 0)
            return ta__fail(c, cfg->pair_line[i], key, "compares model '%s' with itself",
                            cfg->pairs[i][0]);
    }
    return 0;
}

/* Writes s as a YAML double-quoted scalar. Characters YAML does not allow raw (controls, C1,
 * BOM, non-characters U+FFFE/U+FFFF) and the line breaks it would fold (NEL, LS, PS) are escaped
 * as \uXXXX; other UTF-8 is written as is (values are validated as UTF-8 when set). */
static void ta__put_quoted(FILE *fp, const char *s)
{
    fputc('"', fp);
    const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s);
    for (utf8proc_ssize_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(u + i, len - i, &cp);
        if (n <= 0) { /* cannot happen for validated values; keep the output valid */
            fputs("\\uFFFD", fp);
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\')
            fprintf(fp, "\\%c", (char)cp);
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                 cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
            fprintf(fp, "\\u%04X", (unsigned)cp);
        else
            fwrite(u + i, 1, (size_t)n, fp);
        i += n;
    }
    fputc('"', fp);
}

static void ta__put_optstr(FILE *fp, const char *s)
{
    if (s[0])
        ta__put_quoted(fp, s);
    else
        fputs("null", fp);
}

/* The models list of the effective config. */
static void ta__render_models(FILE *fp, const ta_config_t *cfg)
{
    fputs("\nmodels:\n", fp);
    for (int i = 0; i < cfg->nmodels; i++) {
        const ta_config_model_t *m = &cfg->models[i];
        fputs("  - name: ", fp);
        ta__put_quoted(fp, m->name);
        fputs("\n    path: ", fp);
        ta__put_quoted(fp, m->path);
        fputs("\n    tensor: ", fp);
        ta__put_optstr(fp, m->tensor);
        fputs("\n    vocab: ", fp);
        ta__put_optstr(fp, m->vocab);
        fputs("\n    frequencies: ", fp);
        ta__put_optstr(fp, m->frequencies);
        fputs("\n", fp);
    }
}

/* The sections after the models. */
static void ta__render_sections(FILE *fp, const ta_config_t *cfg)
{
    fprintf(fp, "neighbors:\n  k: %lld\n  queries: ", (long long)cfg->k);
    ta__put_quoted(fp, cfg->queries);
    if (cfg->block_rows > 0)
        fprintf(fp, "\n  block_rows: %lld", (long long)cfg->block_rows);
    else
        fputs("\n  block_rows: auto", fp);
    fprintf(fp, "\n  exclude_self: %s\n  gemm: %s\n", cfg->exclude_self ? "true" : "false",
            cfg->gemm);
    fprintf(fp, "diversity:\n  top: %lld\n", (long long)cfg->top);
    fprintf(fp,
            "probe:\n  folds: %lld\n  min_tokens: %lld\n  seed: %lld\n  balance: %s\n"
            "  enabled: %s\n",
            (long long)cfg->folds, (long long)cfg->min_tokens, (long long)cfg->seed, cfg->balance,
            cfg->probe_enabled ? "true" : "false");
    /* min_dist in its shortest form that reads back as the same double. */
    char md[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(md, sizeof md, "%.*g", prec, cfg->map_min_dist);
        if (strtod(md, NULL) == cfg->map_min_dist)
            break;
    }
    fprintf(fp, "map:\n  n_neighbors: %lld\n  min_dist: %s\n  seed: %lld\n  enabled: %s\n",
            (long long)cfg->map_neighbors, md, (long long)cfg->map_seed,
            cfg->map_enabled ? "true" : "false");
    fputs("translate:\n  dictionaries: ", fp);
    ta__put_optstr(fp, cfg->dictionaries);
    fprintf(fp, "\ncategories:\n  scheme: %s\ncompare:\n  pairs:", cfg->scheme);
    if (cfg->npairs == 0)
        fputs(" []", fp);
    for (int i = 0; i < cfg->npairs; i++) {
        fputs("\n    - [", fp);
        ta__put_quoted(fp, cfg->pairs[i][0]);
        fputs(", ", fp);
        ta__put_quoted(fp, cfg->pairs[i][1]);
        fputs("]", fp);
    }
    fputs("\n", fp);
}

/* The effective config as YAML into cfg->text (loading it again gives the same config). */
static int ta__render(ta_config_t *cfg)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    TA_CHECK(fp != NULL, TA_ERESOURCE, "out of memory rendering the config");
    fputs("# tokenatlas effective configuration\nrun: ", fp);
    ta__put_quoted(fp, cfg->run);
    fputs("\nresults_dir: ", fp);
    ta__put_quoted(fp, cfg->results_dir);
    fprintf(fp, "\nprotocol: %s\nsubset: ", cfg->protocol);
    ta__put_quoted(fp, cfg->subset);
    ta__render_models(fp, cfg);
    ta__render_sections(fp, cfg);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return TA_ERR(TA_ERESOURCE, "out of memory rendering the config");
    }
    free(cfg->text);
    cfg->text = buf;
    return 0;
}

int ta_config_parse(const char *name, const char *text, size_t len, const char *const *overrides,
                    int noverrides, ta_config_t *cfg)
{
    ta__ctx_t c = {name ? name : "(config)", overrides, ""};
    ta__defaults(cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", c.file);
    int rc = ta__parse_yaml(&c, text, len, cfg);
    for (int i = 0; !rc && i < noverrides; i++)
        rc = ta__apply_override(&c, i, overrides[i], cfg);
    if (!rc)
        rc = ta__validate(&c, cfg);
    if (!rc)
        rc = ta__render(cfg);
    if (rc) {
        ta_config_free(cfg);
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    }
    return 0;
}

int ta_config_check_files(const ta_config_t *cfg, const char *const *overrides)
{
    ta__ctx_t c = {cfg->path, overrides, ""};
    char key[256];
    for (int i = 0; i < cfg->nmodels; i++) {
        const ta_config_model_t *m = &cfg->models[i];
        snprintf(key, sizeof key, "models.%d.path", i);
        if (!ta_file_is_regular(m->path) && !ta_file_is_dir(m->path))
            return ta__fail(&c, m->path_line, key, "%s: no such file or directory", m->path);
        snprintf(key, sizeof key, "models.%d.vocab", i);
        if (m->vocab[0] && !ta_file_is_regular(m->vocab))
            return ta__fail(&c, m->vocab_line, key, "%s: no such file", m->vocab);
        snprintf(key, sizeof key, "models.%d.frequencies", i);
        if (m->frequencies[0] && !ta_file_is_regular(m->frequencies))
            return ta__fail(&c, m->frequencies_line, key, "%s: no such file", m->frequencies);
    }
    if (strcmp(cfg->queries, "all") != 0 && strncmp(cfg->queries, "sample:", 7) != 0 &&
        !ta_file_is_regular(cfg->queries))
        return ta__fail(&c, cfg->queries_line, "neighbors.queries",
                        "%s: no such file (expected all, sample:FRACTION:SEED or a file)",
                        cfg->queries);
    if (strcmp(cfg->subset, "all") != 0 && strcmp(cfg->subset, "shared") != 0) {
        char *file = NULL;
        TA_CALL(ta_subset_file(cfg->subset, &file));
        int ok = ta_file_is_regular(file);
        free(file);
        if (!ok)
            return ta__fail(&c, cfg->subset_line, "subset",
                            "%s: no such file (expected all, shared, a file of token ids or an "
                            "overlap subset map)",
                            cfg->subset);
    }
    if (cfg->dictionaries[0] && !ta_file_is_dir(cfg->dictionaries))
        return ta__fail(&c, cfg->dictionaries_line, "translate.dictionaries",
                        "%s: no such directory", cfg->dictionaries);
    return 0;
}

int ta_config_load(const char *path, const char *const *overrides, int noverrides, ta_config_t *cfg)
{
    char *text = NULL;
    size_t len = 0;
    memset(cfg, 0, sizeof *cfg);
    TA_CALL(ta_file_read_all(path, &text, &len));
    int rc = ta_config_parse(path, text, len, overrides, noverrides, cfg);
    free(text);
    if (!rc) {
        rc = ta_config_check_files(cfg, overrides);
        if (rc)
            ta_config_free(cfg);
    }
    if (rc)
        return ta__err_trace(rc, __FILE__, __LINE__, __func__);
    return 0;
}

int ta_config_write(const ta_config_t *cfg, const char *path)
{
    TA_CHECK(cfg->text != NULL, TA_EINTERNAL, "config: no text to write");
    ta_outfile_t o;
    TA_CALL(ta_outfile_open(&o, path));
    fputs(cfg->text, o.fp);
    TA_CALL(ta_outfile_commit(&o));
    return 0;
}

void ta_config_free(ta_config_t *cfg)
{
    if (!cfg)
        return;
    free(cfg->text);
    cfg->text = NULL;
}
