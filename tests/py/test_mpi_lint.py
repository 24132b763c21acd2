"""mpi_lint_calls: every MPI call of the sources goes through TA_MPI_CALL, TA_MPI_ERR or TA_MPI_MUST
(mpi/ta_mpi.h), so that a failure becomes an error naming the call, or ends the job, instead of
passing silently; MPI is called only in mpi/. The two calls checked by hand are MPI_Error_string
(inside the wrappers' error path) and MPI_Abort (which does not return)."""
import glob
import os
import re
import tahelp as t

WRAP = re.compile(r"(TA_MPI_CALL|TA_MPI_MUST|TA_MPI_ERR)\($")
BY_HAND = {("mpi/ta_mpi.c", "MPI_Error_string"), ("mpi/ta_mpi.c", "MPI_Abort")}


def blank_comments(text):
    """Comments replaced by spaces, newlines kept (line numbers stay right)."""
    return re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


calls = 0
for path in sorted(glob.glob(os.path.join(t.SRC, "**", "*.[ch]"), recursive=True)):
    rel = os.path.relpath(path, t.SRC)
    if rel.startswith(("build", "tests" + os.sep)) or rel == os.path.join("mpi", "ta_mpi.h"):
        continue
    text = blank_comments(open(path, encoding="utf-8", errors="replace").read())
    for m in re.finditer(r"\bMPI_[A-Z][a-z_0-9]*\s*\(", text):
        name = m.group(0)[:-1].strip()
        line = text.count("\n", 0, m.start()) + 1
        calls += 1
        t.check(rel.startswith("mpi" + os.sep), "%s:%d: %s outside mpi/" % (rel, line, name))
        wrapped = WRAP.search(text[:m.start()].rstrip()) is not None
        t.check(wrapped or (rel, name) in BY_HAND,
                "%s:%d: %s is not wrapped in TA_MPI_CALL / TA_MPI_ERR / TA_MPI_MUST" % (rel, line, name))
t.check(calls > 40, "found the MPI calls (%d)" % calls)
print("%d MPI calls found" % calls)
t.finish("mpi_lint_calls")
