# neighbors: the top-k kernels and the ring schedule (unit), and the distributed command against
# numpy / FAISS oracles and its checkpoints (integration).
ta_add_unit_test(neighbors_unit_topk test_neighbors_topk.c)
# The same kernels without their AVX-512 and AVX2 variants (the scalar selection and the
# generic canonical dot product everywhere).
add_test(NAME neighbors_unit_topk_scalar COMMAND neighbors_unit_topk)
set_tests_properties(neighbors_unit_topk_scalar PROPERTIES TIMEOUT 300 LABELS unit ENVIRONMENT "TA_NO_AVX512=1;TA_NO_AVX2=1")
# The ring schedule covers every tile pair exactly once for P = 1..8 (no MPI).
ta_add_unit_test(neighbors_unit_sched test_neighbors_sched.c)
ta_add_py_test(neighbors_oracle test_neighbors_oracle.py TIMEOUT 600 SANITIZE)
ta_add_py_test(neighbors_ckpt test_neighbors_ckpt.py TIMEOUT 600)
