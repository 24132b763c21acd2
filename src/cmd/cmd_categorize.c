/* `tokenatlas categorize`: a writing-system category per token of a vocabulary, as the TSV of
 * SPEC.md (header "id\tcategory\ttoken"). The work is small (well under a second for 262k
 * tokens), so rank 0 does it alone and the other ranks only agree on the outcome. */
#include "cmd/cmd_categorize.h"

#include "base/ta_error.h"
#include "base/ta_log.h"
#include "io/ta_catfile.h"
#include "io/ta_prov.h"
#include "io/ta_vocab.h"
#include "io/ta_vocab_cat.h"
#include "mpi/ta_mpi.h"
#include "cmd/ta_cmd.h"

#include <stdlib.h>

#define O ta_categorize_opts_t
static const ta_opt_t opts[] = {
    {TA_OPT_PATH_(O, vocab, "vocab", TA_OPT_REQUIRED, "PATH",
                  "the vocabulary: a Hugging Face tokenizer.json (Unigram, BPE, WordPiece; "
                  "byte-level BPE pieces are decoded to text, spaces shown as U+2581), a "
                  "SentencePiece .model, a JSON array of strings, a text file with one token per "
                  "line, or a tokenatlas model.h5 (its /vocab). The format is recognised from the "
                  "content.")},
    {TA_OPT_ENUM_(O, scheme, "scheme", 0, "paper", ta_cmd_schemes,
                  "paper: the rule of Wen-Yi & Mimno (2023): per character, a letter gives the "
                  "first word of its Unicode name (LATIN, CYRILLIC, CJK, ...), anything else the "
                  "first letter of its general category (N, P, S, M, C, Z); the most frequent "
                  "value wins, a tie goes to the value seen first; an empty token is Unknown. "
                  "script: the Unicode Script property (Common/Inherited only count when nothing "
                  "else is there). A byte-level piece that is not valid UTF-8 alone is BYTES (its "
                  "token column shows such bytes as <0xNN>). Unicode 15.0 (ICU 72).")},
    {TA_OPT_PATH_(O, out, "out", TA_OPT_OUTPUT, "FILE",
                  "write the TSV to FILE (atomically: a temporary name, then rename); default: "
                  "standard output.")},
    {TA_OPT_END_},
};
#undef O

static int categorize(const ta_categorize_opts_t *o)
{
    int rc = 0;
    ta_vocab_t v = {0};
    ta_catset_t cs = {0};
    char **tokens = NULL;
    TA_CALL_GOTO(ta_vocab_read(o->vocab, &v), done);
    TA_CALL_GOTO(ta_prov_add_input(o->vocab), done); /* the TSV never replaces it */
    TA_CALL_GOTO(ta_vocab_categorize(&v, (ta_scheme_t)o->scheme, &cs), done);
    /* The token column is always valid UTF-8: bytes of BYTES pieces are shown as <0xNN>. */
    TA_CALL_GOTO(ta_vocab_display_all(&v, &tokens), done);
    TA_CALL_GOTO(ta_catfile_write_tsv(o->out, &cs, (const char *const *)tokens, NULL), done);
    if (o->out)
        ta_log_info("categorize: %lld tokens (%s) in %d categories -> %s", (long long)v.n, v.format,
                    cs.ncat, o->out);
done:
    free(tokens);
    ta_catset_free(&cs);
    ta_vocab_free(&v);
    return rc;
}

int ta_cmd_categorize_run(const ta_categorize_opts_t *o)
{
    int rc = ta_opt_check(&ta_cmd_categorize, o);
    /* Under mpirun only rank 0 reads and writes; every rank returns the same code. */
    if (rc == 0 && ta_mpi_rank() == 0)
        rc = categorize(o);
    return ta_mpi_agree(rc);
}

TA_CMD_DEFINE(
    categorize, ta_categorize_opts_t, .summary = "a writing-system category per token, as TSV",
    .about = "Gives every token of a vocabulary a writing-system category and writes the TSV "
             "'id<TAB>category<TAB>token' (one row per id 0..N-1 after a header line; tabs, "
             "newlines, carriage returns and backslashes in tokens are written as \\t \\n \\r "
             "\\\\).",
    .notes = "Under mpirun only rank 0 works and writes. Exit 2 with a one-line message naming the "
             "file and the place in it for a malformed vocabulary.\n"
             "Example: tokenatlas categorize --vocab tokenizer.json --out categories.tsv",
    .flags = TA_CMD_MPI);
