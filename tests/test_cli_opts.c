/* The option tables (src/cmd/ta_opt.h): parsing, every error message, defaults, the recorded
 * command line (against the lines `run` wrote before the typed API, which existing results
 * directories hold and a resumed run must reproduce), round trips, --help, and a sanity check of
 * every command's table. */
#include "ta_test.h"

#include "base/ta_error.h"
#include "cmd/cmd_compare.h"
#include "cmd/cmd_diversity.h"
#include "cmd/cmd_ingest.h"
#include "cmd/cmd_neighbors.h"
#include "cmd/cmd_probe.h"
#include "cmd/cmd_translate.h"
#include "cmd/ta_cmd.h"

#include <stdint.h>

typedef struct {
    const char *in, *label;
    int64_t n;
    double x;
    int flag, mode;
    ta_optlist_t tags;
    const char *pos;
} test_opts_t;

static const char *const modes[] = {"fast", "exact", NULL};

#define O test_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_POSITIONAL_(O, pos, "INPUT", 0, "a bare argument")},
    {TA_OPT_PATH_(O, in, "in", TA_OPT_REQUIRED, "PATH", "the input")},
    {TA_OPT_INT_(O, n, "n", 0, "7", 1, 100, "N", "a count"), .alias = 'n'},
    {TA_OPT_DOUBLE_(O, x, "x-value", 0, NULL, 0.0, 1.0, "X", "a share")},
    {TA_OPT_FLAG_(O, flag, "flag", "a switch")},
    {TA_OPT_ENUM_(O, mode, "mode", TA_OPT_NOCASE | TA_OPT_ALWAYS, "fast", modes, "how")},
    {TA_OPT_LIST_(O, tags, "tag", "T", "a repeatable tag")},
    {TA_OPT_STRING_(O, label, "label", 0, NULL, "TEXT", "a label"), .alias = 'l'},
    {TA_OPT_END_},
};
#undef O

static int run_none(const void *o)
{
    (void)o;
    return 0;
}

static const ta_cmd_t cmd = {.name = "t",
                             .summary = "a test command",
                             .opts = opts,
                             .opts_size = sizeof(test_opts_t),
                             .run = run_none};

/* Parses a space-separated line (no quoting) into o; its strings live until the next call. */
static int parse_line(const ta_cmd_t *c, const char *line, void *o)
{
    static char buf[4096];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 64;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    ta_err_clear();
    return ta_opt_parse(c, argc, argv, o);
}

/* Expects the line to fail with exit 2 and a message equal to want. */
static void expect_error(const char *line, const char *want)
{
    test_opts_t o;
    int rc = parse_line(&cmd, line, &o);
    T_EQ_INT(rc, TA_EINPUT);
    T_EQ_STR(ta_err_message(), want);
    ta_opt_free(&cmd, &o);
    ta_err_clear();
}

static void test_parse(void)
{
    test_opts_t o;
    ta_opt_defaults(&cmd, &o);
    T_EQ_INT(o.n, 7);
    T_EQ_INT(o.mode, 0);
    T_CHECK(o.in == NULL && o.flag == 0 && o.tags.n == 0);

    char *argv[] = {"--in",  "a.h5",  "-n", "12",      "--x-value=0.25", "--flag", "--mode",
                    "EXACT", "--tag", "p",  "--tag=q", "file",           "-lhi",   NULL};
    T_EQ_INT(ta_opt_parse(&cmd, 13, argv, &o), 0);
    T_EQ_STR(o.in, "a.h5");
    T_EQ_INT(o.n, 12);
    T_CHECK(o.x == 0.25);
    T_EQ_INT(o.flag, 1);
    T_EQ_INT(o.mode, 1);
    T_EQ_INT(o.tags.n, 2);
    T_EQ_STR(o.tags.v[0], "p");
    T_EQ_STR(o.tags.v[1], "q");
    T_EQ_STR(o.pos, "file");
    T_EQ_STR(o.label, "hi");
    char *line = NULL;
    T_EQ_INT(ta_opt_format(&cmd, &o, &line), 0);
    T_EQ_STR(line, "tokenatlas t file --in a.h5 -n 12 --x-value 0.25 --flag --mode exact --tag p "
                   "--tag q --label hi");
    ta_opt_free(&cmd, &o);

    /* The generated line parses back to the same line. */
    test_opts_t o2;
    T_EQ_INT(parse_line(&cmd, line + strlen("tokenatlas t "), &o2), 0);
    char *line2 = NULL;
    T_EQ_INT(ta_opt_format(&cmd, &o2, &line2), 0);
    T_EQ_STR(line2, line);
    ta_opt_free(&cmd, &o2);
    free(line);
    free(line2);

    /* Options at their defaults are left out, unless flagged ALWAYS; "--" ends the options. */
    T_EQ_INT(parse_line(&cmd, "--in x -- --flag", &o), 0);
    T_EQ_STR(o.pos, "--flag");
    T_EQ_INT(o.flag, 0);
    ta_opt_free(&cmd, &o);
    T_EQ_INT(parse_line(&cmd, "--in x", &o), 0);
    T_EQ_INT(ta_opt_format(&cmd, &o, &line), 0);
    T_EQ_STR(line, "tokenatlas t --in x --mode fast");
    free(line);
}

static void test_errors(void)
{
    expect_error("--in a -n x", "t: -n: 'x' is not an integer");
    expect_error("--in a -n 0", "t: -n: 0 is out of range [1, 100]");
    expect_error("--in a --x-value 2", "t: --x-value: 2 is out of range [0, 1]");
    expect_error("--in a --x-value nan", "t: --x-value: 'nan' is not a number");
    expect_error("--in a --mode slow", "t: --mode: 'slow' is not fast or exact");
    expect_error("--in a --flag=1", "t: --flag takes no value ('--flag=1')");
    expect_error("--in a -n", "t: -n needs a value (-n N)");
    expect_error("--in a a b", "t: unexpected argument 'b'; usage: tokenatlas t [INPUT] --in PATH "
                               "[-n N] [--x-value X] [--flag] [--mode fast|exact] [--tag T]... "
                               "[--label TEXT]");
    expect_error("--in a --nope", "t: unknown option '--nope'; usage: tokenatlas t [INPUT] --in "
                                  "PATH [-n N] [--x-value X] [--flag] [--mode fast|exact] [--tag "
                                  "T]... [--label TEXT]");
    expect_error("-n 3", "t: --in is required; usage: tokenatlas t [INPUT] --in PATH [-n N] "
                         "[--x-value X] [--flag] [--mode fast|exact] [--tag T]... [--label TEXT]");
    expect_error("--in ", "t: --in needs a value (--in PATH)");
    /* A struct filled by a caller is checked the same way. */
    test_opts_t o;
    ta_opt_defaults(&cmd, &o);
    o.in = "a";
    o.n = 101;
    T_EQ_INT(ta_opt_check(&cmd, &o), TA_EINPUT);
    T_EQ_STR(ta_err_message(), "t: -n: 101 is out of range [1, 100]");
    ta_err_clear();
    o.n = 1;
    o.in = NULL;
    T_EQ_INT(ta_opt_check(&cmd, &o), TA_EINPUT);
    T_EQ_STR(ta_err_message(), "t: --in is required");
    ta_err_clear();
}

/* The command line that opts o of command c record must be want (line: the caller's). */
static void expect_line(int at, const ta_cmd_t *c, const void *o, const char *want)
{
    char *line = NULL;
    T_EQ_INT(ta_opt_format(c, o, &line), 0);
    if (!line || strcmp(line, want) != 0) {
        fprintf(stderr, "%s:%d: recorded '%s', expected '%s'\n", __FILE__, at, line ? line : "",
                want);
        ta_test_failures++;
    }
    free(line);
}

/* The lines the pipeline's steps recorded before the typed API (cmd_run.c built them as argv):
 * a results directory made then must still resume, so the options give the same text. */
static void test_step_lines(void)
{
    ta_ingest_opts_t in;
    ta_opt_defaults(&ta_cmd_ingest, &in);
    in.model = "m/x";
    in.out = "s/a.model.h5";
    expect_line(__LINE__, &ta_cmd_ingest, &in, "tokenatlas ingest --model m/x --out s/a.model.h5");
    in.tensor = "shared.weight";
    in.vocab = "v.json";
    expect_line(__LINE__, &ta_cmd_ingest, &in,
                "tokenatlas ingest --model m/x --tensor shared.weight --vocab v.json --out "
                "s/a.model.h5");

    ta_neighbors_opts_t nb;
    ta_opt_defaults(&ta_cmd_neighbors, &nb);
    nb.embeddings = "s/a.model.h5";
    nb.k = 51;
    nb.out = "s/a.neighbors.h5";
    expect_line(__LINE__, &ta_cmd_neighbors, &nb,
                "tokenatlas neighbors --embeddings s/a.model.h5 -k 51 --queries all --out "
                "s/a.neighbors.h5");
    nb.queries = "sample:0.5:3";
    nb.exclude_self = 1;
    nb.block_rows = 64;
    expect_line(__LINE__, &ta_cmd_neighbors, &nb,
                "tokenatlas neighbors --embeddings s/a.model.h5 -k 51 --queries sample:0.5:3 "
                "--exclude-self --block-rows 64 --out s/a.neighbors.h5");

    ta_diversity_opts_t dv;
    ta_opt_defaults(&ta_cmd_diversity, &dv);
    dv.neighbors = "s/a.neighbors.h5";
    dv.categories = "s/a.model.h5";
    dv.out = "s/a.diversity.h5";
    expect_line(__LINE__, &ta_cmd_diversity, &dv,
                "tokenatlas diversity --neighbors s/a.neighbors.h5 --categories s/a.model.h5 "
                "--top 50 --scheme paper --out s/a.diversity.h5");

    ta_probe_opts_t pr;
    ta_opt_defaults(&ta_cmd_probe, &pr);
    pr.embeddings = pr.categories = "s/a.model.h5";
    pr.folds = 10;
    pr.min_tokens = 500;
    pr.seed = 150;
    pr.scheme = 1;
    pr.out = "s/a.probe.h5";
    expect_line(__LINE__, &ta_cmd_probe, &pr,
                "tokenatlas probe --embeddings s/a.model.h5 --categories s/a.model.h5 --folds "
                "10 --min-tokens 500 --seed 150 --scheme script --out s/a.probe.h5");
    pr.protocol = TA_PROTOCOL_PAPER;
    pr.scheme = 0;
    expect_line(__LINE__, &ta_cmd_probe, &pr,
                "tokenatlas probe --embeddings s/a.model.h5 --categories s/a.model.h5 --folds "
                "10 --min-tokens 500 --seed 150 --protocol paper --scheme paper --out "
                "s/a.probe.h5");

    ta_translate_opts_t tr;
    ta_opt_defaults(&ta_cmd_translate, &tr);
    tr.neighbors = "s/a.neighbors.h5";
    tr.vocab = tr.categories = "s/a.model.h5";
    tr.dict = "muse";
    tr.top = 20;
    tr.out = "s/a.translate.h5";
    expect_line(__LINE__, &ta_cmd_translate, &tr,
                "tokenatlas translate --neighbors s/a.neighbors.h5 --vocab s/a.model.h5 --dict "
                "muse --top 20 --categories s/a.model.h5 --scheme paper --out "
                "s/a.translate.h5");

    ta_compare_opts_t cp;
    ta_opt_defaults(&ta_cmd_compare, &cp);
    cp.a = "s/a.neighbors.h5";
    cp.b = "s/b.neighbors.h5";
    cp.categories = "s/a.model.h5";
    cp.out = "s/a__b.compare.h5";
    expect_line(__LINE__, &ta_cmd_compare, &cp,
                "tokenatlas compare --a s/a.neighbors.h5 --b s/b.neighbors.h5 --top 50 "
                "--categories s/a.model.h5 --scheme paper --out s/a__b.compare.h5");
}

/* Every command's table: names unique, a help text each, defaults that parse (ta_opt_defaults
 * asserts), and --help naming every option with its default. */
static void test_tables(void)
{
    const ta_cmd_t *all[] = {&ta_cmd_run,       &ta_cmd_ingest,    &ta_cmd_categorize,
                             &ta_cmd_neighbors, &ta_cmd_diversity, &ta_cmd_probe,
                             &ta_cmd_translate, &ta_cmd_compare,   &ta_cmd_report,
                             &ta_cmd_synth,     &ta_cmd_overlap,   &cmd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const ta_cmd_t *c = all[i];
        void *o = calloc(1, c->opts_size);
        T_CHECK(o != NULL);
        ta_opt_defaults(c, o);
        char *help = NULL;
        size_t size = 0;
        FILE *fp = open_memstream(&help, &size);
        ta_opt_print_help(c, fp);
        fclose(fp);
        T_CHECK(strncmp(help, "usage: tokenatlas ", 18) == 0);
        for (const ta_opt_t *t = c->opts; t->type; t++) {
            T_CHECK(t->help && *t->help);
            for (const ta_opt_t *u = t + 1; u->type; u++)
                T_CHECK(strcmp(t->name, u->name) != 0);
            char want[128];
            snprintf(want, sizeof want, "%s%s", t->type == TA_OPT_POSITIONAL ? "" : "-", t->name);
            T_CHECK(strstr(help, want) != NULL);
            if (t->def) {
                snprintf(want, sizeof want, "(default %s)", t->def);
                T_CHECK(strstr(help, want) != NULL);
            }
        }
        free(help);
        free(o);
    }
}

int main(void)
{
    test_parse();
    test_errors();
    test_step_lines();
    test_tables();
    if (ta_test_failures) {
        fprintf(stderr, "cli_opts: %d failure(s)\n", ta_test_failures);
        return 1;
    }
    printf("cli_opts: passed\n");
    return 0;
}
