# neighbors: top-k kernels (unit) and the distributed command against numpy / FAISS oracles.
ta_add_unit_test(topk test_topk.c)
