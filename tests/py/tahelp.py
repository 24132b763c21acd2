"""Shared helpers for the Python integration tests.

Tests run build/tokenatlas (TA_BIN) as a user would, under mpirun for several rank counts,
and compare the results with independent oracles (numpy, FAISS, scikit-learn, unicodedata).
A test that cannot run here (missing fixture) calls skip(), which exits 77 (CTest: skipped).
"""
import importlib
import os
import shutil
import subprocess
import sys

BIN = os.environ.get("TA_BIN", "")
SRC = os.environ.get("TA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.path.join(os.path.dirname(SRC), "shared")
# The shared fixtures (real tokenizers) beside the checkout; TA_FIXTURES points elsewhere (e.g.
# from a git worktree). Tests that need them skip when they are absent.
FIXTURES = os.environ.get("TA_FIXTURES") or os.path.join(SHARED, "fixtures")

failures = 0


def tmpdir(sub=""):
    """A fresh scratch directory for this test."""
    base = os.environ.get("TA_TEST_TMP") or os.path.join("/tmp", "ta-test-%d" % os.getpid())
    path = os.path.join(base, sub) if sub else base
    if not sub and os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path, exist_ok=True)
    return path


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(77)


def mpi_env():
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    # Containers often forbid the CMA single-copy mechanism; shared memory still works.
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def run(args, np=None, env=None, timeout=600, check=True, expect=0):
    """Runs tokenatlas ARGS (under mpirun -np NP when np is given); returns CompletedProcess.
    With check, a return code other than `expect` fails the test with the output shown."""
    cmd = [BIN] + list(args)
    if np is not None:
        cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(np)] + cmd
    e = mpi_env()
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)
    if check and p.returncode != expect:
        fail("%s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s"
             % (" ".join(cmd), p.returncode, expect, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def expect_input_error(args, must_mention, np=None, env=None):
    """The command must exit 2 with one line on stderr that mentions each string given."""
    p = run(args, np=np, env=env, check=False)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    ok = p.returncode == 2
    ok = check(ok, "%s: exit %d, expected 2; stderr: %s" % (" ".join(args), p.returncode, p.stderr[-2000:])) and ok
    err = [l for l in lines if "error" in l]
    check(len(err) >= 1, "%s: no error line on stderr: %r" % (" ".join(args), p.stderr[-2000:]))
    for m in must_mention:
        check(any(m in l for l in err), "%s: error line does not mention %r: %r" % (" ".join(args), m, p.stderr[-2000:]))
    return p


def finish(name):
    if failures:
        print("%s: %d failure(s)" % (name, failures))
        sys.exit(1)
    print("%s: passed" % name)
    sys.exit(0)


def require_commands(*names):
    """Skips the test (77) when one of the subcommands is still a placeholder that answers
    "not yet implemented" (a pipeline test needs every step it runs)."""
    missing = []
    for name in names:
        p = run([name], check=False)
        if "not yet implemented" in p.stderr:
            missing.append(name)
    if missing:
        skip("not implemented yet: " + ", ".join(missing))


def need(module):
    """Imports MODULE, or skips the test (77) when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as e:  # pragma: no cover
        skip("%s is not installed: %s" % (module, e))


def synth(out, preset, tokens, dim, seed):
    """Writes a synthetic model directory OUT with `tokenatlas synth`; returns OUT."""
    run(["synth", "--preset", preset, "--tokens", str(tokens), "--dim", str(dim), "--seed",
         str(seed), "--out", out])
    return out
