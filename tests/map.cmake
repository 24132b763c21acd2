# map: UMAP layouts from the neighbour graph (issue 12, Figure 1).
add_executable(ta_mapdriver mapdriver.c)
target_link_libraries(ta_mapdriver PRIVATE ta_cmd)
ta_add_py_test(map_steps test_map_steps.py TIMEOUT 300 ARGS $<TARGET_FILE:ta_mapdriver>)
ta_add_unit_test(map_kernels test_map_kernels.c)
