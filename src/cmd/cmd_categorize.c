/* `tokenatlas categorize`: a writing-system category per token of a vocabulary, as the TSV of
 * SPEC.md (header "id\tcategory\ttoken"). The work is small (well under a second for 262k
 * tokens), so rank 0 does it alone and the other ranks only agree on the outcome. */
#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_catfile.h"
#include "io/ta_vocab.h"
#include "io/ta_vocab_cat.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_args.h"
#include "cmd/ta_cmd.h"

#include <getopt.h>
#include <stdlib.h>

static const char usage[] = "categorize --vocab PATH [--scheme paper|script] [--out FILE]";

static int categorize(const char *vocab, ta_scheme_t scheme, const char *out)
{
    int rc = 0;
    ta_vocab_t v = {0};
    ta_catset_t cs = {0};
    char **tokens = NULL;
    TA_CALL_GOTO(ta_vocab_read(vocab, &v), done);
    TA_CALL_GOTO(ta_vocab_categorize(&v, scheme, &cs), done);
    /* The token column is always valid UTF-8: bytes of BYTES pieces are shown as <0xNN>. */
    TA_CALL_GOTO(ta_vocab_display_all(&v, &tokens), done);
    TA_CALL_GOTO(ta_catfile_write_tsv(out, &cs, (const char *const *)tokens, NULL), done);
    if (out)
        ta_log_info("categorize: %lld tokens (%s) in %d categories -> %s", (long long)v.n, v.format,
                    cs.ncat, out);
done:
    free(tokens);
    ta_catset_free(&cs);
    ta_vocab_free(&v);
    return rc;
}

static int cmd_main(int argc, char **argv)
{
    static const struct option opts[] = {{"vocab", required_argument, NULL, 'v'},
                                         {"scheme", required_argument, NULL, 's'},
                                         {"out", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    const char *vocab = NULL, *out = NULL;
    ta_scheme_t scheme = TA_SCHEME_PAPER;
    int rc = 0, c;
    optind = 0; /* commands may run in-process one after another: restart getopt */
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            vocab = optarg;
            break;
        case 's':
            rc = ta_scheme_parse(optarg, &scheme);
            break;
        case 'o':
            out = optarg;
            break;
        default:
            rc = ta_args_bad_option("categorize", usage, argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc)
        rc = ta_args_bad_option("categorize", usage, argv[optind]);
    if (rc == 0 && !vocab)
        rc = ta_args_missing("categorize", usage, "--vocab");
    /* Under mpirun only rank 0 reads and writes; every rank returns the same code. */
    if (rc == 0 && ta_mpi_rank() == 0)
        rc = categorize(vocab, scheme, out);
    return ta_mpi_agree(rc);
}

const ta_command_t ta_command_categorize = {
    .name = "categorize",
    .summary = "a writing-system category per token, as TSV",
    .usage = usage,
    .help =
        "Gives every token of a vocabulary a writing-system category and writes the TSV\n"
        "'id<TAB>category<TAB>token' (one row per id 0..N-1 after a header line; tabs, newlines,\n"
        "carriage returns and backslashes in tokens are written as \\t \\n \\r \\\\).\n"
        "\n"
        "  --vocab PATH     the vocabulary: a Hugging Face tokenizer.json (Unigram, BPE, "
        "WordPiece;\n"
        "                   byte-level BPE pieces are decoded to text, spaces shown as U+2581),\n"
        "                   a SentencePiece .model, a JSON array of strings, a text file with one\n"
        "                   token per line, or a tokenatlas model.h5 (its /vocab). The format is\n"
        "                   recognised from the content.\n"
        "  --scheme NAME    paper (default): the rule of Wen-Yi & Mimno (2023): per character, a\n"
        "                   letter gives the first word of its Unicode name (LATIN, CYRILLIC, "
        "CJK,\n"
        "                   ...), anything else the first letter of its general category (N, P, "
        "S,\n"
        "                   M, C, Z); the most frequent value wins, a tie goes to the value seen\n"
        "                   first; an empty token is Unknown. script: the Unicode Script property\n"
        "                   (Common/Inherited only count when nothing else is there). A "
        "byte-level\n"
        "                   piece that is not valid UTF-8 alone is BYTES (its token column shows\n"
        "                   such bytes as <0xNN>). Unicode 15.0 (ICU 72).\n"
        "  --out FILE       write the TSV to FILE (atomically: a temporary name, then rename);\n"
        "                   default: standard output.\n"
        "\n"
        "Under mpirun only rank 0 works and writes. Exit 2 with a one-line message naming the\n"
        "file and the place in it for a malformed vocabulary.\n"
        "Example: tokenatlas categorize --vocab tokenizer.json --out categories.tsv\n",
    .main = cmd_main,
    .flags = TA_CMD_MPI,
};
