# neighbors: top-k kernels (unit) and the distributed command against numpy / FAISS oracles.
ta_add_unit_test(topk test_topk.c)
ta_add_unit_test(team test_team.c)
ta_add_py_test(neighbors test_neighbors.py TIMEOUT 300)
ta_add_py_test(neighbors_ckpt test_neighbors_ckpt.py TIMEOUT 300)
