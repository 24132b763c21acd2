/* The config loader on YAML written here: a full and a minimal config with every value and
 * default checked, every error kind with its exact file:line:key, overrides, the file checks,
 * and the round trip through ta_config_write. */
#include "base/ta_error.h"
#include "io/ta_config.h"
#include "io/ta_file.h"
#include "ta_test.h"

static char tmpdir[4096];

/* Expects parsing text (with overrides) to fail with a message containing want. */
static void expect_error(const char *text, const char *const *ov, int nov, const char *want)
{
    ta_config_t cfg;
    int rc = ta_config_parse("c.yaml", text, strlen(text), ov, nov, &cfg);
    T_EQ_INT(rc, TA_EINPUT);
    if (rc == 0)
        ta_config_free(&cfg);
    if (!strstr(ta_err_message(), want)) {
        fprintf(stderr, "message '%s'\n  does not contain '%s'\n", ta_err_message(), want);
        ta_test_failures++;
    }
    ta_err_clear();
}
#define BAD(text, want) expect_error((text), NULL, 0, (want))

static int parse(const char *text, const char *const *ov, int nov, ta_config_t *cfg)
{
    int rc = ta_config_parse("c.yaml", text, strlen(text), ov, nov, cfg);
    if (rc) {
        fprintf(stderr, "unexpected error: %s\n", ta_err_message());
        ta_err_clear();
    }
    return rc;
}

static const char full[] = "# a full config\n"
                           "run: paper-xlmr-mt5\n"
                           "models:\n"
                           "  - name: xlm-roberta-base\n"
                           "    path: /data/models/xlm-roberta-base\n"
                           "    tensor: null\n"
                           "  - name: mt5-base\n"
                           "    path: \"/data/models/mt5 base\"\n"
                           "    tensor: shared.weight\n"
                           "    vocab: /data/mt5/spiece.model\n"
                           "    frequencies: /data/mt5/counts.tsv\n"
                           "neighbors: {k: 10, queries: 'sample:0.5:7', block_rows: 64,\n"
                           "            exclude_self: true}\n"
                           "diversity: {top: 20}\n"
                           "probe: {folds: 5, min_tokens: 100, seed: -3, balance: undersample,\n"
                           "        enabled: false}\n"
                           "translate: {dictionaries: /data/muse}\n"
                           "compare: {pairs: [[xlm-roberta-base, mt5-base]]}\n"
                           "categories:\n"
                           "  scheme: script\n"
                           "results_dir: out/dir\n";

static const char minimal[] = "run: r1\n"
                              "models:\n"
                              "  - {name: m, path: /p}\n";

static void test_full(void)
{
    ta_config_t c;
    if (parse(full, NULL, 0, &c))
        return;
    T_EQ_STR(c.run, "paper-xlmr-mt5");
    T_EQ_STR(c.results_dir, "out/dir");
    T_EQ_INT(c.nmodels, 2);
    T_EQ_STR(c.models[0].name, "xlm-roberta-base");
    T_EQ_STR(c.models[0].path, "/data/models/xlm-roberta-base");
    T_EQ_STR(c.models[0].tensor, "");
    T_EQ_STR(c.models[0].vocab, "");
    T_EQ_STR(c.models[1].name, "mt5-base");
    T_EQ_STR(c.models[1].path, "/data/models/mt5 base");
    T_EQ_STR(c.models[1].tensor, "shared.weight");
    T_EQ_STR(c.models[1].vocab, "/data/mt5/spiece.model");
    T_EQ_STR(c.models[0].frequencies, "");
    T_EQ_STR(c.models[1].frequencies, "/data/mt5/counts.tsv");
    T_EQ_INT(c.models[1].frequencies_line, 11);
    T_EQ_INT(c.models[1].line, 7);
    T_EQ_INT(c.models[1].path_line, 8);
    T_EQ_INT(c.k, 10);
    T_EQ_STR(c.queries, "sample:0.5:7");
    T_EQ_INT(c.block_rows, 64);
    T_EQ_INT(c.exclude_self, 1);
    T_EQ_INT(c.top, 20);
    T_EQ_INT(c.folds, 5);
    T_EQ_INT(c.min_tokens, 100);
    T_EQ_INT(c.seed, -3);
    T_EQ_STR(c.balance, "undersample");
    T_EQ_INT(c.probe_enabled, 0);
    T_EQ_STR(c.dictionaries, "/data/muse");
    T_EQ_INT(c.npairs, 1);
    T_EQ_STR(c.pairs[0][0], "xlm-roberta-base");
    T_EQ_STR(c.pairs[0][1], "mt5-base");
    T_EQ_STR(c.scheme, "script");
    T_CHECK(c.text != NULL && strstr(c.text, "exclude_self: true") != NULL);
    ta_config_free(&c);
}

static void test_minimal(void)
{
    ta_config_t c;
    if (parse(minimal, NULL, 0, &c))
        return;
    T_EQ_STR(c.run, "r1");
    T_EQ_STR(c.results_dir, "results");
    T_EQ_STR(c.protocol, "tokenatlas");
    T_EQ_STR(c.gemm, "auto");
    T_EQ_STR(c.subset, "all");
    T_EQ_INT(c.nmodels, 1);
    T_EQ_STR(c.models[0].name, "m");
    T_EQ_STR(c.models[0].path, "/p");
    T_EQ_STR(c.models[0].tensor, "");
    T_EQ_INT(c.k, 100);
    T_EQ_STR(c.queries, "all");
    T_EQ_INT(c.block_rows, 0);
    T_EQ_INT(c.exclude_self, 0);
    T_EQ_INT(c.top, 50);
    T_EQ_INT(c.folds, 10);
    T_EQ_INT(c.min_tokens, 500);
    T_EQ_INT(c.seed, 150);
    T_EQ_STR(c.balance, "undersample");
    T_EQ_INT(c.probe_enabled, 1);
    T_EQ_STR(c.dictionaries, "");
    T_EQ_STR(c.scheme, "paper");
    T_EQ_INT(c.npairs, 0);
    ta_config_free(&c);

    /* Empty sections keep their defaults; block_rows auto is 0. */
    if (parse("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\nprobe: {}\n", NULL, 0, &c) == 0) {
        T_EQ_INT(c.k, 100);
        T_EQ_INT(c.folds, 10);
        ta_config_free(&c);
    }
}

static void test_errors(void)
{
    /* YAML syntax, documents, empty input. */
    BAD("run: r\nmodels: [\n  {name: m, path: /p}\n  oops: 1\n", "c.yaml:4: YAML syntax error");
    BAD("run: r\nmodels: [{name: m, path: /p}]\n---\nrun: s\n", "c.yaml:4: a second YAML document");
    BAD("", "c.yaml:1: key 'run': missing required key");
    BAD("# only a comment\n", "c.yaml:1: key 'run': missing required key");
    BAD("- a\n- b\n", "c.yaml:1: key '(top level)': expected a mapping");
    /* Unknown keys. */
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbours: {k: 3}\n",
        "c.yaml:3: key 'neighbours': unknown key");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: 3\n  kk: 4\n",
        "c.yaml:5: key 'neighbors.kk': unknown key (expected one of: k, queries, block_rows, "
        "exclude_self, gemm)");
    BAD("run: r\nmodels:\n  - name: m\n    path: /p\n    weights: x\n",
        "c.yaml:5: key 'models.0.weights': unknown key");
    BAD("run: r\nmodels: [{name: m, path: /p}]\ncompare: {pair: []}\n",
        "c.yaml:3: key 'compare.pair': unknown key");
    /* Wrong types and values. */
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors: {k: abc}\n",
        "c.yaml:3: key 'neighbors.k': expected an integer, got 'abc'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: \"10\"\n",
        "c.yaml:4: key 'neighbors.k': expected an integer, got '10'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: 0\n",
        "c.yaml:4: key 'neighbors.k': must be >= 1, got 0");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: 1.5\n",
        "c.yaml:4: key 'neighbors.k': expected an integer");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: 99999999999999999999\n",
        "c.yaml:4: key 'neighbors.k': expected an integer");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  k: [1]\n",
        "c.yaml:4: key 'neighbors.k': expected a single value, got a list");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  exclude_self: yes\n",
        "c.yaml:4: key 'neighbors.exclude_self': expected true or false, got 'yes'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  queries: sample:2:1\n",
        "c.yaml:4: key 'neighbors.queries': expected sample:FRACTION:SEED with 0 < FRACTION");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  queries: sample:0.5:x\n",
        "c.yaml:4: key 'neighbors.queries': expected sample:FRACTION:SEED with SEED");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nneighbors:\n  block_rows: 0\n",
        "c.yaml:4: key 'neighbors.block_rows': expected auto or an integer >= 1, got '0'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nprobe:\n  folds: 1\n",
        "c.yaml:4: key 'probe.folds': must be >= 2, got 1");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nprobe:\n  balance: oversample\n",
        "c.yaml:4: key 'probe.balance': expected undersample");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nprobe:\n  enabled: 1\n",
        "c.yaml:4: key 'probe.enabled': expected true or false, got '1'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\ncategories: {scheme: unicode}\n",
        "c.yaml:3: key 'categories.scheme': expected paper or script, got 'unicode'");
    BAD("run: r\nmodels: [{name: m, path: /p}]\ndiversity: 5\n",
        "c.yaml:3: key 'diversity': expected a mapping, got a scalar");
    BAD("run: r\nmodels: {name: m, path: /p}\n",
        "c.yaml:2: key 'models': expected a list of models, got a mapping");
    BAD("run: r\nmodels:\n  - m\n", "c.yaml:3: key 'models.0': expected a mapping");
    BAD("run: [r]\nmodels: [{name: m, path: /p}]\n",
        "c.yaml:1: key 'run': expected a single value, got a list");
    BAD("run: a/b\nmodels: [{name: m, path: /p}]\n", "c.yaml:1: key 'run': 'a/b' is not a "
                                                     "valid name");
    BAD("run: r\nmodels:\n  - name: 'x y'\n    path: /p\n",
        "c.yaml:3: key 'models.0.name': 'x y' is not a valid name");
    BAD("run: r\nmodels:\n  - name: m\n    path:\n", "c.yaml:4: key 'models.0.path': expected "
                                                     "a string, got null");
    BAD("run: r\nmodels:\n  - name: m\n    path: ''\n",
        "c.yaml:4: key 'models.0.path': must not be empty");
    BAD("run: r\nmodels:\n  - name: m\n    path: \"a\\0b\"\n",
        "c.yaml:4: key 'models.0.path': NUL character in value");
    /* Missing required keys. */
    BAD("\n\nmodels: [{name: m, path: /p}]\n", "c.yaml:3: key 'run': missing required key");
    BAD("run: r\n", "c.yaml:1: key 'models': missing required key");
    BAD("run: r\nmodels: []\n", "c.yaml:2: key 'models': at least one model is required");
    BAD("run: r\nmodels:\n  - name: a\n    path: /a\n  - name: b\n    tensor: t\n",
        "c.yaml:5: key 'models.1.path': missing required key");
    BAD("run: r\nmodels:\n  - path: /a\n", "c.yaml:3: key 'models.0.name': missing required key");
    /* Duplicates. */
    BAD("run: r\nmodels: [{name: m, path: /p}]\nrun: s\n",
        "c.yaml:3: key 'run': duplicate key (first on line 1)");
    BAD("run: r\nmodels:\n  - name: m\n    path: /p\n    path: /q\n",
        "c.yaml:5: key 'models.0.path': duplicate key (first on line 4)");
    BAD("run: r\nmodels: [{name: m, path: /p}]\nprobe: {seed: 1, seed: 2}\n",
        "c.yaml:3: key 'probe.seed': duplicate key (first on line 3)");
    BAD("run: r\nmodels:\n  - name: m\n    path: /p\n  - name: m\n    path: /q\n",
        "c.yaml:5: key 'models.1.name': duplicate model name 'm' (models.0)");
    /* Compare pairs. */
    BAD("run: r\nmodels: [{name: m, path: /p}, {name: n, path: /q}]\ncompare:\n  pairs:\n"
        "    - [m, x]\n",
        "c.yaml:5: key 'compare.pairs.0': 'x' is not a configured model");
    BAD("run: r\nmodels: [{name: m, path: /p}, {name: n, path: /q}]\ncompare:\n  pairs:\n"
        "    - [m, n]\n    - [m, n, m]\n",
        "c.yaml:6: key 'compare.pairs.1': expected a pair [a, b]");
    BAD("run: r\nmodels: [{name: m, path: /p}]\ncompare: {pairs: [[m, m]]}\n",
        "c.yaml:3: key 'compare.pairs.0': compares model 'm' with itself");
}

static void test_overrides(void)
{
    ta_config_t c;
    const char *ov[] = {"neighbors.k=50",
                        "models.0.path=/x",
                        "probe.enabled=false",
                        "models.1.name=added",
                        "models.1.path=/y",
                        "models.0.tensor=t.weight",
                        "compare.pairs.0.0=m",
                        "compare.pairs.0.1=added",
                        "neighbors.block_rows=auto",
                        "run=r2",
                        "categories.scheme=script",
                        "translate.dictionaries=/d",
                        "protocol=paper",
                        "subset=shared"};
    if (parse(minimal, ov, 14, &c) == 0) {
        T_EQ_INT(c.k, 50);
        T_EQ_STR(c.models[0].path, "/x");
        T_EQ_STR(c.models[0].tensor, "t.weight");
        T_EQ_INT(c.probe_enabled, 0);
        T_EQ_INT(c.nmodels, 2);
        T_EQ_STR(c.models[1].name, "added");
        T_EQ_STR(c.models[1].path, "/y");
        T_EQ_INT(c.npairs, 1);
        T_EQ_STR(c.pairs[0][1], "added");
        T_EQ_INT(c.block_rows, 0);
        T_EQ_STR(c.run, "r2");
        T_EQ_STR(c.scheme, "script");
        T_EQ_STR(c.dictionaries, "/d");
        T_EQ_STR(c.protocol, "paper");
        T_EQ_STR(c.subset, "shared");
        T_CHECK(strstr(c.text, "\nsubset: \"shared\"\n") != NULL);
        ta_config_free(&c);
    }
    /* An override can supply a missing required key; null clears an optional one. */
    const char *ov2[] = {"run=late", "models.0.tensor=null"};
    if (parse("models: [{name: m, path: /p, tensor: x}]\n", ov2, 2, &c) == 0) {
        T_EQ_STR(c.run, "late");
        T_EQ_STR(c.models[0].tensor, "");
        ta_config_free(&c);
    }
    const char *b1[] = {"neighbors.k=abc"};
    expect_error(minimal, b1, 1, "--set neighbors.k=abc: key 'neighbors.k': expected an integer");
    const char *b2[] = {"neighbors.kk=1"};
    expect_error(minimal, b2, 1, "--set neighbors.kk=1: key 'neighbors.kk': unknown key");
    const char *b3[] = {"neighbors.k"};
    expect_error(minimal, b3, 1, "--set neighbors.k: expected KEY=VALUE");
    const char *b4[] = {"models.5.path=/x"};
    expect_error(minimal, b4, 1,
                 "--set models.5.path=/x: key 'models.5.path': model index 5 out "
                 "of range");
    const char *b5[] = {"models.1.path=/x"};
    expect_error(minimal, b5, 1,
                 "--set models.1.path=/x: key 'models.1.name': missing required key");
    const char *b6[] = {"probe.enabled=maybe"};
    expect_error(minimal, b6, 1, "--set probe.enabled=maybe: key 'probe.enabled'");
    const char *b7[] = {"ok=1"};
    expect_error(minimal, b7, 1, "--set ok=1: key 'ok': unknown key");
    const char *b8[] = {"models.1.name=m", "models.1.path=/q"};
    expect_error(minimal, b8, 2,
                 "--set models.1.name=m: key 'models.1.name': duplicate model "
                 "name 'm'");
    const char *b9[] = {"compare.pairs.0.0=m", "compare.pairs.0.1=zz"};
    expect_error(minimal, b9, 2,
                 "--set compare.pairs.0.1=zz: key 'compare.pairs.0': 'zz' is not "
                 "a configured model");
    const char *b11[] = {"protocol=sklearn"};
    expect_error(
        minimal, b11, 1,
        "--set protocol=sklearn: key 'protocol': expected tokenatlas or paper, got 'sklearn'");
    const char *b12[] = {"neighbors.gemm=fp16"};
    expect_error(minimal, b12, 1,
                 "--set neighbors.gemm=fp16: key 'neighbors.gemm': expected auto, f32, bf16 or "
                 "bf16x3, got 'fp16'");
    const char *b14[] = {"subset=shared"};
    expect_error(minimal, b14, 1,
                 "--set subset=shared: key 'subset': shared (the tokens all models share) needs "
                 "at least two models, got 1");
    expect_error("run: r\nsubset: shared\nmodels: [{name: m, path: /p}]\n", NULL, 0,
                 "c.yaml:2: key 'subset': shared (the tokens all models share) needs at least "
                 "two models, got 1");
    const char *b15[] = {"subset="};
    expect_error(minimal, b15, 1, "--set subset=: key 'subset': expected a string, got null");
    const char *b10[] = {"models.0.path="};
    expect_error(minimal, b10, 1, "--set models.0.path=: key 'models.0.path': expected a string");
}

static int same_config(const ta_config_t *a, const ta_config_t *b)
{
    int ok = strcmp(a->run, b->run) == 0 && strcmp(a->results_dir, b->results_dir) == 0 &&
             a->nmodels == b->nmodels && a->k == b->k && strcmp(a->queries, b->queries) == 0 &&
             a->block_rows == b->block_rows && a->exclude_self == b->exclude_self &&
             a->top == b->top && a->folds == b->folds && a->min_tokens == b->min_tokens &&
             a->seed == b->seed && strcmp(a->balance, b->balance) == 0 &&
             a->probe_enabled == b->probe_enabled &&
             strcmp(a->dictionaries, b->dictionaries) == 0 && strcmp(a->scheme, b->scheme) == 0 &&
             strcmp(a->protocol, b->protocol) == 0 && strcmp(a->gemm, b->gemm) == 0 &&
             strcmp(a->subset, b->subset) == 0 && a->npairs == b->npairs;
    for (int i = 0; ok && i < a->nmodels; i++)
        ok = strcmp(a->models[i].name, b->models[i].name) == 0 &&
             strcmp(a->models[i].path, b->models[i].path) == 0 &&
             strcmp(a->models[i].tensor, b->models[i].tensor) == 0 &&
             strcmp(a->models[i].vocab, b->models[i].vocab) == 0 &&
             strcmp(a->models[i].frequencies, b->models[i].frequencies) == 0;
    for (int i = 0; ok && i < a->npairs; i++)
        ok = strcmp(a->pairs[i][0], b->pairs[i][0]) == 0 &&
             strcmp(a->pairs[i][1], b->pairs[i][1]) == 0;
    return ok;
}

static void test_roundtrip_and_files(void)
{
    char dirs[3][4200], vocab[4200], qfile[4200], yaml[4200], out[4200], text[30000];
    const char *sub[] = {"model a", "model\"b\\", "muse"};
    for (int i = 0; i < 3; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", tmpdir, sub[i]);
        T_EQ_INT(ta_file_mkdirs(dirs[i]), 0);
    }
    snprintf(vocab, sizeof vocab, "%s/v\xc3\xa9\xc2\x85\xe2\x80\xa8.json", tmpdir);
    snprintf(qfile, sizeof qfile, "%s/queries.txt", tmpdir);
    FILE *fp = fopen(vocab, "w");
    fputs("[\"a\"]\n", fp);
    fclose(fp);
    fp = fopen(qfile, "w");
    fputs("0\n", fp);
    fclose(fp);
    /* Double-quoted YAML for the paths with quotes and backslashes; the tensor name holds a tab
     * and the vocab path a NEL (U+0085) and LINE SEPARATOR, which YAML would otherwise fold. */
    snprintf(text, sizeof text,
             "run: rt\nmodels:\n  - name: a\n    path: '%s'\n    tensor: \"x\\ty:#\"\n"
             "    vocab: \"%s/v\\u00e9\\u0085\\u2028.json\"\n"
             "  - name: b\n    path: \"%s/model\\\"b\\\\\"\n"
             "neighbors: {queries: '%s', k: 7, exclude_self: true, block_rows: 3}\n"
             "translate: {dictionaries: '%s'}\ncompare: {pairs: [[b, a]]}\n"
             "probe: {seed: -9223372036854775808, enabled: false}\n",
             dirs[0], tmpdir, tmpdir, qfile, dirs[2]);
    snprintf(yaml, sizeof yaml, "%s/run.yaml", tmpdir);
    snprintf(out, sizeof out, "%s/effective.yaml", tmpdir);
    fp = fopen(yaml, "w");
    fputs(text, fp);
    fclose(fp);
    ta_config_t a, b;
    if (ta_config_load(yaml, NULL, 0, &a) != 0) {
        fprintf(stderr, "unexpected error: %s\n", ta_err_message());
        ta_err_clear();
        ta_test_failures++;
        return;
    }
    T_EQ_STR(a.models[1].path, dirs[1]);
    T_EQ_STR(a.models[0].tensor, "x\ty:#");
    T_EQ_STR(a.models[0].vocab, vocab);
    T_EQ_INT(a.seed, INT64_MIN);
    T_EQ_INT(ta_config_write(&a, out), 0);
    if (ta_config_load(out, NULL, 0, &b) == 0) {
        T_CHECK(same_config(&a, &b));
        T_EQ_STR(a.text, b.text);
        ta_config_free(&b);
    } else {
        fprintf(stderr, "reloading the written config: %s\n", ta_err_message());
        ta_err_clear();
        ta_test_failures++;
    }
    /* Overrides are part of the written config. */
    const char *ov[] = {"neighbors.k=3", "models.0.tensor=\xe2\x80\xa8"};
    ta_config_t d;
    if (ta_config_load(yaml, ov, 2, &d) == 0) {
        T_EQ_INT(ta_config_write(&d, out), 0);
        if (ta_config_load(out, NULL, 0, &b) == 0) {
            T_EQ_INT(b.k, 3);
            T_CHECK(same_config(&d, &b));
            ta_config_free(&b);
        }
        ta_config_free(&d);
    }
    ta_err_clear();
    ta_config_free(&a);

    /* Missing files name file:line:key. */
    struct {
        const char *text, *want;
    } cases[] = {
        {"run: r\nmodels:\n  - name: m\n    path: /nonexistent/model\n",
         "run.yaml:4: key 'models.0.path': /nonexistent/model: no such file or directory"},
        {"run: r\nmodels:\n  - name: m\n    path: /\n    vocab: /nonexistent/v.json\n",
         "run.yaml:5: key 'models.0.vocab': /nonexistent/v.json: no such file"},
        {"run: r\nmodels:\n  - name: m\n    path: /\n    frequencies: /nonexistent/f.tsv\n",
         "run.yaml:5: key 'models.0.frequencies': /nonexistent/f.tsv: no such file"},
        {"run: r\nmodels: [{name: m, path: /}]\nneighbors:\n  queries: /nonexistent/q\n",
         "run.yaml:4: key 'neighbors.queries': /nonexistent/q: no such file"},
        {"run: r\nmodels: [{name: m, path: /}]\n\ntranslate:\n  dictionaries: /nonexistent\n",
         "run.yaml:5: key 'translate.dictionaries': /nonexistent: no such directory"},
        {"run: r\nmodels: [{name: m, path: /}]\nsubset: sharde\n",
         "run.yaml:3: key 'subset': sharde: no such file (expected all, shared, a file of token "
         "ids or an overlap subset map)"},
        {"run: r\nmodels: [{name: m, path: /}]\nsubset: /nonexistent/ov.h5:m\n",
         "run.yaml:3: key 'subset': /nonexistent/ov.h5:m: no such file"},
    };
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        fp = fopen(yaml, "w");
        fputs(cases[i].text, fp);
        fclose(fp);
        T_EQ_INT(ta_config_load(yaml, NULL, 0, &a), TA_EINPUT);
        if (!strstr(ta_err_message(), cases[i].want)) {
            fprintf(stderr, "message '%s'\n  does not contain '%s'\n", ta_err_message(),
                    cases[i].want);
            ta_test_failures++;
        }
        ta_err_clear();
    }
    const char *ov3[] = {"models.0.path=/nonexistent/o"};
    T_EQ_INT(ta_config_load(yaml, ov3, 1, &a), TA_EINPUT);
    T_CHECK(strstr(ta_err_message(), "--set models.0.path=/nonexistent/o: key 'models.0.path'") !=
            NULL);
    ta_err_clear();
    T_EQ_INT(ta_config_load("/nonexistent/c.yaml", NULL, 0, &a), TA_EINPUT);
    ta_err_clear();
}

int main(void)
{
    const char *t = getenv("TA_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/ta_test_config");
    if (ta_file_mkdirs(tmpdir) != 0)
        return 1;
    test_full();
    test_minimal();
    test_errors();
    test_overrides();
    test_roundtrip_and_files();
    return ta_test_finish("config_unit_parse");
}
