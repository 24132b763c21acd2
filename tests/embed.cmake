# Embedding readers, ingest and synth (issue 3).
add_executable(embed_dump tools/embed_dump.c)
target_link_libraries(embed_dump PRIVATE tacore)
ta_add_py_test(embed_read test_embed_read.py TIMEOUT 120 ARGS $<TARGET_FILE:embed_dump>)
ta_add_py_test(embed_synth test_synth.py TIMEOUT 120)
ta_add_py_test(embed_ingest test_ingest.py TIMEOUT 180)
