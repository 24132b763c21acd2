# mpi/: every MPI call of the sources is checked (a source lint; the MPI code itself is tested by
# the commands that use it: neighbors, probe, the analyses).
ta_add_py_test(mpi_lint_calls test_mpi_lint.py TIMEOUT 60)
# A rank killed with SIGKILL during probe, diversity, ingest or run ends the job within 60 s,
# non-zero, with no output marked complete (issue 14).
ta_add_py_test(mpi_deadrank test_mpi_deadrank.py TIMEOUT 600)
