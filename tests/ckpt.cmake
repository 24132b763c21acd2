# ckpt: the one checkpoint format of neighbours and probe (io/ta_ckpt.h; unit, no MPI). The
# distributed interruption and resume tests are neighbors_ckpt and probe's.
# Round trip, a checkpoint of another run refused naming the line, a partial one ignored, and a
# truncated, damaged or other-version data file or manifest refused with a message naming it.
ta_add_unit_test(ckpt_unit_roundtrip test_ckpt_roundtrip.c)
