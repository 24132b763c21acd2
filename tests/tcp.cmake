# The multi-rank integration tests once more with Open MPI restricted to TCP, as between nodes
# (issue 14): the ob1 messaging layer over the tcp and self transports on the loopback interface,
# so that point-to-point messages, collectives, the probe's task counter window and MPI-IO go
# through sockets instead of shared memory or UCX. Each variant is named tcp_<test>, label `tcp`.
# (tests/*.cmake are read in name order, so the tests listed here already exist.)
set(TA_TCP_ENV "OMPI_MCA_pml=ob1;OMPI_MCA_btl=tcp,self;OMPI_MCA_btl_tcp_if_include=lo")
foreach(pair neighbors_oracle:test_neighbors_oracle.py probe_sklearn:test_probe_sklearn.py
             stats_diversity:test_stats_diversity.py stats_compare:test_stats_compare.py
             embed_ingest:test_embed_ingest.py pipeline_run:test_pipeline_run.py
             mpi_deadrank:test_mpi_deadrank.py)
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 name)
  list(GET parts 1 script)
  if(NOT TEST ${name} OR NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/py/${script})
    message(FATAL_ERROR "tests/tcp.cmake: test ${name} (py/${script}) no longer exists; update the list")
  endif()
  ta_add_py_test(tcp_${name} ${script} TIMEOUT 600)
  set_property(TEST tcp_${name} APPEND PROPERTY ENVIRONMENT ${TA_TCP_ENV})
  set_property(TEST tcp_${name} APPEND PROPERTY LABELS tcp)
endforeach()
