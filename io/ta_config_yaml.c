/* The config file: YAML through libyaml's document API, walked into a ta_config_t. Every key is
 * typed by the schema (io/ta_config_schema.c); unknown and duplicate keys, wrong types and a
 * second document are errors naming the file, the line and the key. */
#include "io/ta_config_int.h"

#include "base/ta_error.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    ta__ctx_t *c;
    yaml_document_t *doc;
    ta_config_t *cfg;
} ta__walk_t;

static int ta__line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *ta__type_name(const yaml_node_t *n)
{
    return n->type == YAML_MAPPING_NODE    ? "a mapping"
           : n->type == YAML_SEQUENCE_NODE ? "a list"
                                           : "a scalar";
}

static ta__scalar_t ta__scalar(const yaml_node_t *n)
{
    ta__scalar_t v = {(const char *)n->data.scalar.value, n->data.scalar.length,
                      n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE};
    return v;
}

static int ta__node_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE)
        return 0;
    ta__scalar_t v = ta__scalar(n);
    return ta__is_null(&v);
}

/* Checks that mapping node m has scalar keys without duplicates. prefix names the mapping in
 * messages ("" for the top level). */
static int ta__check_keys(ta__walk_t *w, const yaml_node_t *m, const char *prefix)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return ta__fail(w->c, ta__line(k), prefix[0] ? prefix : "(top level)",
                            "keys must be plain strings, got %s", ta__type_name(k));
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(w->doc, q->key);
            if (k2->type == YAML_SCALAR_NODE && k2->data.scalar.length == k->data.scalar.length &&
                memcmp(k2->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0) {
                char key[512];
                snprintf(key, sizeof key, "%s%s%.*s", prefix, prefix[0] ? "." : "",
                         (int)(k->data.scalar.length > 200 ? 200 : k->data.scalar.length),
                         (const char *)k->data.scalar.value);
                return ta__fail(w->c, ta__line(k), key, "duplicate key (first on line %d)",
                                ta__line(k2));
            }
        }
    }
    return 0;
}

/* The key text of a pair, NUL-terminated into buf (keys longer than the buffer are cut and
 * never match a field). */
static const char *ta__key_text(ta__walk_t *w, const yaml_node_pair_t *p, char *buf, size_t cap)
{
    yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
    size_t n = k->data.scalar.length < cap - 1 ? k->data.scalar.length : cap - 1;
    memcpy(buf, k->data.scalar.value, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20)
            buf[i] = '?';
    return buf;
}

/* Sets a scalar field from a YAML value node. */
static int ta__set_from_node(ta__walk_t *w, const ta__field_t *f, void *base, yaml_node_t *v,
                             const char *key)
{
    if (v->type != YAML_SCALAR_NODE)
        return ta__fail(w->c, ta__line(v), key, "expected a single value, got %s",
                        ta__type_name(v));
    ta__scalar_t s = ta__scalar(v);
    return ta__set_field(w->c, f, base, &s, ta__line(v), key);
}

/* The pairs of mapping m, each key a field of `section` set into base (cfg, or a model);
 * prefix names the mapping in messages ("neighbors", "models.0"). */
static int ta__walk_fields(ta__walk_t *w, yaml_node_t *m, const char *section, const char *prefix,
                           void *base)
{
    char key[512], k[200], keys[256];
    TA_CALL(ta__check_keys(w, m, prefix));
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        ta__key_text(w, p, k, sizeof k);
        snprintf(key, sizeof key, "%s.%s", prefix, k);
        const ta__field_t *f = ta__find_field(section, k);
        if (!f)
            return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), key,
                            "unknown key (expected one of: %s)",
                            ta__keys_of(section, keys, sizeof keys));
        TA_CALL(ta__set_from_node(w, f, base, yaml_document_get_node(w->doc, p->value), key));
    }
    return 0;
}

/* A section mapping of scalar fields (neighbors, diversity, probe, translate, categories). */
static int ta__walk_section(ta__walk_t *w, const char *section, yaml_node_t *m)
{
    if (ta__node_is_null(m))
        return 0; /* "neighbors:" with nothing: all defaults */
    if (m->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(m), section, "expected a mapping, got %s", ta__type_name(m));
    return ta__walk_fields(w, m, section, section, w->cfg);
}

static int ta__walk_models(ta__walk_t *w, yaml_node_t *s)
{
    char key[512];
    if (s->type != YAML_SEQUENCE_NODE)
        return ta__fail(w->c, ta__line(s), "models", "expected a list of models, got %s",
                        ta__node_is_null(s) ? "null" : ta__type_name(s));
    w->cfg->models_line = ta__line(s);
    for (yaml_node_item_t *it = s->data.sequence.items.start; it < s->data.sequence.items.top;
         it++) {
        int i = (int)(it - s->data.sequence.items.start);
        yaml_node_t *m = yaml_document_get_node(w->doc, *it);
        snprintf(key, sizeof key, "models.%d", i);
        if (i >= TA_CONFIG_MAX_MODELS)
            return ta__fail(w->c, ta__line(m), key, "more than %d models", TA_CONFIG_MAX_MODELS);
        if (m->type != YAML_MAPPING_NODE)
            return ta__fail(w->c, ta__line(m), key, "expected a mapping with name and path, got %s",
                            ta__type_name(m));
        ta_config_model_t *mod = &w->cfg->models[i];
        memset(mod, 0, sizeof *mod);
        mod->line = ta__line(m);
        w->cfg->nmodels = i + 1;
        TA_CALL(ta__walk_fields(w, m, "models", key, mod));
    }
    return 0;
}

/* compare.pairs: a list of [a, b] pairs of model names. */
static int ta__walk_pairs(ta__walk_t *w, yaml_node_t *s, const char *key0)
{
    char key[512];
    if (ta__node_is_null(s))
        return 0;
    if (s->type != YAML_SEQUENCE_NODE)
        return ta__fail(w->c, ta__line(s), key0, "expected a list of [a, b] pairs, got %s",
                        ta__type_name(s));
    w->cfg->npairs = 0;
    for (yaml_node_item_t *it = s->data.sequence.items.start; it < s->data.sequence.items.top;
         it++) {
        int i = (int)(it - s->data.sequence.items.start);
        yaml_node_t *pr = yaml_document_get_node(w->doc, *it);
        snprintf(key, sizeof key, "compare.pairs.%d", i);
        if (i >= TA_CONFIG_MAX_PAIRS)
            return ta__fail(w->c, ta__line(pr), key, "more than %d pairs", TA_CONFIG_MAX_PAIRS);
        if (pr->type != YAML_SEQUENCE_NODE ||
            pr->data.sequence.items.top - pr->data.sequence.items.start != 2)
            return ta__fail(w->c, ta__line(pr), key, "expected a pair [a, b] of model names");
        w->cfg->pair_line[i] = ta__line(pr);
        for (int j = 0; j < 2; j++) {
            yaml_node_t *v = yaml_document_get_node(w->doc, pr->data.sequence.items.start[j]);
            snprintf(key, sizeof key, "compare.pairs.%d.%d", i, j);
            TA_CALL(ta__set_from_node(w, &ta__pair_field, w->cfg->pairs[i][j], v, key));
        }
        w->cfg->npairs = i + 1;
    }
    return 0;
}

static int ta__walk_compare(ta__walk_t *w, yaml_node_t *m)
{
    char key[512], k[200];
    if (ta__node_is_null(m))
        return 0;
    if (m->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(m), "compare", "expected a mapping, got %s",
                        ta__type_name(m));
    TA_CALL(ta__check_keys(w, m, "compare"));
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        ta__key_text(w, p, k, sizeof k);
        snprintf(key, sizeof key, "compare.%s", k);
        if (strcmp(k, "pairs") != 0)
            return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), key,
                            "unknown key (expected one of: pairs)");
        TA_CALL(ta__walk_pairs(w, yaml_document_get_node(w->doc, p->value), key));
    }
    return 0;
}

static int ta__walk_root(ta__walk_t *w, yaml_node_t *root)
{
    char k[200], keys[256];
    if (root->type != YAML_MAPPING_NODE)
        return ta__fail(w->c, ta__line(root), "(top level)",
                        "expected a mapping with run and models, got %s",
                        ta__node_is_null(root) ? "null" : ta__type_name(root));
    w->cfg->root_line = ta__line(root);
    TA_CALL(ta__check_keys(w, root, ""));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        ta__key_text(w, p, k, sizeof k);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        const ta__field_t *f = ta__find_field("", k);
        if (f) {
            TA_CALL(ta__set_from_node(w, f, w->cfg, v, k));
        } else if (strcmp(k, "models") == 0) {
            TA_CALL(ta__walk_models(w, v));
        } else if (strcmp(k, "compare") == 0) {
            TA_CALL(ta__walk_compare(w, v));
        } else {
            if (!ta__is_section(k))
                return ta__fail(w->c, ta__line(yaml_document_get_node(w->doc, p->key)), k,
                                "unknown key (expected one of: %s)",
                                ta__keys_of("", keys, sizeof keys));
            TA_CALL(ta__walk_section(w, k, v));
        }
    }
    return 0;
}

/* No config nests deeper than this; libyaml takes time quadratic in the depth of flow nesting
 * (50,000 '[' took half a minute), so the depth is checked on the events first, which stop
 * there. */
enum { TA__MAX_DEPTH = 64 };

static int ta__check_depth(ta__ctx_t *c, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return TA_ERR(TA_ERESOURCE, "%s: cannot initialise the YAML parser", c->file);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev))
            break; /* a syntax error: yaml_parser_load reports it */
        yaml_event_type_t t = ev.type;
        int line = (int)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
            depth++;
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (depth > TA__MAX_DEPTH) {
            rc = TA_ERR(TA_EINPUT, "%s:%d: nested more than %d levels deep", c->file, line,
                        TA__MAX_DEPTH);
            break;
        }
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Parses text into cfg (defaults first). */
int ta__parse_yaml(ta__ctx_t *c, const char *text, size_t len, ta_config_t *cfg)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0, have_doc = 0;
    TA_CALL(ta__check_depth(c, text, len));
    if (!yaml_parser_initialize(&parser))
        return TA_ERR(TA_ERESOURCE, "%s: cannot initialise the YAML parser", c->file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = TA_ERR(TA_EINPUT, "%s:%d: YAML syntax error: %s%s%s", c->file,
                    (int)parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "malformed YAML", parser.context ? " " : "",
                    parser.context ? parser.context : "");
        goto done;
    }
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = ta__fail(c, 1, "run", "missing required key (the file is empty)");
        goto done;
    }
    ta__walk_t w = {c, &doc, cfg};
    TA_CALL_GOTO(ta__walk_root(&w, root), done);
    /* One document only. */
    yaml_document_t doc2;
    if (!yaml_parser_load(&parser, &doc2)) {
        rc = TA_ERR(TA_EINPUT, "%s:%d: YAML syntax error: %s", c->file,
                    (int)parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "malformed YAML");
        goto done;
    }
    yaml_node_t *root2 = yaml_document_get_root_node(&doc2);
    int line2 = root2 ? ta__line(root2) : 0;
    yaml_document_delete(&doc2);
    if (root2)
        rc = TA_ERR(TA_EINPUT, "%s:%d: a second YAML document (one config per file)", c->file,
                    line2);
done:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}
