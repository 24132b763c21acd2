/* Replays the seed corpora of the reader fuzz harnesses (tests/fuzz/seeds/{nbfile,model_h5,
 * report_h5,catfile_tsv,muse,queries,freqfile}) through their bodies in fuzz_readers_common.h, so
 * that every build, and the ASan + UBSan build, runs them as regression tests (see seed_replay.h).
 */
#include "fuzz/fuzz_readers_common.h"

#include "seed_replay.h"

int main(void)
{
    T_CHECK(ta_seed_replay("nbfile", fuzz_nbfile_one) >= 6);
    T_CHECK(ta_seed_replay("model_h5", fuzz_model_h5_one) >= 6);
    T_CHECK(ta_seed_replay("report_h5", fuzz_report_h5_one) >= 6);
    T_CHECK(ta_seed_replay("catfile_tsv", fuzz_catfile_tsv_one) >= 5);
    T_CHECK(ta_seed_replay("muse", fuzz_muse_one) >= 4);
    T_CHECK(ta_seed_replay("queries", fuzz_queries_one) >= 5);
    T_CHECK(ta_seed_replay("freqfile", fuzz_freqfile_one) >= 5);
    return ta_test_finish("hostile_unit_seeds");
}
