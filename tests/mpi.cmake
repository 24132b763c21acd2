# mpi/: every MPI call of the sources is checked (a source lint; the MPI code itself is tested by
# the commands that use it: neighbors, probe, the analyses).
ta_add_py_test(mpi_lint_calls test_mpi_lint.py TIMEOUT 60)
