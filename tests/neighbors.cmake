# neighbors: top-k kernels (unit) and the distributed command against numpy / FAISS oracles.
ta_add_unit_test(topk test_topk.c)
# The same kernels without their AVX-512 variants (the scalar selection everywhere).
add_test(NAME topk_scalar COMMAND topk)
set_tests_properties(topk_scalar PROPERTIES TIMEOUT 300 LABELS unit ENVIRONMENT "TA_NO_AVX512=1")
ta_add_unit_test(team test_team.c)
ta_add_py_test(neighbors test_neighbors.py TIMEOUT 300 SANITIZE)
ta_add_py_test(neighbors_ckpt test_neighbors_ckpt.py TIMEOUT 300)
