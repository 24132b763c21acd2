"""The machinery of the hostile-input suite (test_hostile.py, issue 14): the fixtures, one case's
directory and the checks every case must pass.

A case builds a small crafted input in a fresh directory, runs one tokenatlas command on it (at 1
rank, and for a representative subset at 2 ranks under mpirun) and asserts what the issue asks of
every command on every input:

  - the expected exit code (2 for bad input, 3 for memory or disk; some cases expect 0, e.g.
    hostile category names that the report must escape);
  - on failure exactly one line "tokenatlas: error: ..." on stderr, naming the file and the place
    (each case lists the strings the line must contain), and nothing that looks like a crash:
    no signal, no sanitizer or HDF5 diagnostic, no "internal error";
  - no hang: a timeout per case; when it expires SIGTERM goes to the whole process group and the
    command must end within a few seconds (a Slurm job must honour its time-limit signal);
  - no output that looks complete after a failure: declared HDF5 outputs without complete = 1 (or
    absent), declared text outputs absent at their final names, no new complete HDF5 file at all;
  - every file that existed before the run unchanged (same bytes, same inode); the shared
    fixtures are checked once after all cases (the cases run side by side).
"""
import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import time

import h5py
import numpy as np

import tahelp

# Lines of Open MPI's own reports after a rank exits non-zero (between lines of dashes).
DASHES = re.compile(r"^-{20,}$")
# Anything on stderr that means a crash or an unhandled library error.
CRASH = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|"
                   r"HDF5-DIAG|Segmentation fault|core dumped|double free|free\(\): |malloc\(\): |"
                   r"corrupted size|stack smashing|exited on signal|Aborted|terminate called|"
                   r"internal error|assertion")

IS_ROOT = os.geteuid() == 0


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def snapshot(top):
    """{path: (sha256, inode)} of the regular files under top (symlinks and special files are
    not followed)."""
    out = {}
    for dp, dns, fns in os.walk(top):
        for n in fns:
            p = os.path.join(dp, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_mode & 0o444:
                try:
                    out[p] = (sha(p), st.st_ino)
                except OSError:
                    pass
    return out


def h5_complete(path):
    """True when path is an HDF5 file whose root attribute complete equals 1."""
    try:
        if not os.path.isfile(path) or not h5py.is_hdf5(path):
            return False
        with h5py.File(path, "r") as f:
            v = f.attrs.get("complete")
            return v is not None and np.size(v) == 1 and int(np.ravel(v)[0]) == 1
    except Exception:
        return False


def vlen(g, name, strings, dtype=None):
    """A variable-length UTF-8 string dataset (bytes are stored as given)."""
    if name in g:
        del g[name]
    data = np.array([s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s
                     for s in strings], dtype=object)
    g.create_dataset(name, data=data, dtype=dtype or h5py.string_dtype("utf-8"))


def replace(g, name, data, **kw):
    """Replaces dataset name of group g by data."""
    if name in g:
        del g[name]
    g.create_dataset(name, data=data, **kw)


class Fixtures:
    """Valid inputs made once per suite run (by tokenatlas itself: they are inputs, not oracles)."""

    def __init__(self, top):
        self.d = os.path.join(top, "fx")
        shutil.rmtree(self.d, ignore_errors=True)
        os.makedirs(self.d)
        self.n = 300
        self.k = 11
        self.top = 5

    def p(self, *names):
        return os.path.join(self.d, *names)

    def build(self, need_run=False):
        t = self._tool
        t(["synth", "--preset", "meaning-aligned", "--tokens", "300", "--dim", "16", "--seed", "1",
           "--out", self.p("syn")])
        t(["synth", "--preset", "script-clustered", "--tokens", "300", "--dim", "16", "--seed", "1",
           "--out", self.p("syn2")])
        t(["ingest", "--model", self.p("syn"), "--out", self.p("model.h5")])
        t(["ingest", "--model", self.p("syn2"), "--out", self.p("model2.h5")])
        t(["neighbors", "--embeddings", self.p("model.h5"), "-k", str(self.k), "--out",
           self.p("nn.h5"), "--quiet"])
        t(["neighbors", "--embeddings", self.p("model2.h5"), "-k", str(self.k), "--out",
           self.p("nn2.h5"), "--quiet"])
        t(["categorize", "--vocab", self.p("syn", "tokenizer.json"), "--out", self.p("cats.tsv")])
        with h5py.File(self.p("model.h5"), "r") as f:
            self.X = f["embeddings"][()]
            self.tokens = [s.decode("utf-8") for s in f["vocab/token"][()]]
            names = f["categories/paper_names"].asstr()[()]
            self.cat = names[f["categories/paper"][()]]
        np.save(self.p("emb.npy"), self.X)
        with open(self.p("vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t in self.tokens))
        self.dict = self.p("syn", "dictionaries")
        if need_run:
            with open(self.p("cfg.yaml"), "w") as f:
                f.write(self.config())
            t(["run", self.p("cfg.yaml")])
            self.rundir = self.p("results", "base")
        self.snap = snapshot(self.d)

    def config(self, name="base", results=None, **over):
        """A small valid config (both synthetic models, every step); keyword arguments replace
        whole lines by key (e.g. neighbors="neighbors: {k: 0}")."""
        lines = {
            "run": "run: %s" % name,
            "results_dir": "results_dir: %s" % (results or self.p("results")),
            "models": "models:\n  - name: ma\n    path: %s\n  - name: sc\n    path: %s"
                      % (self.p("syn"), self.p("syn2")),
            "neighbors": "neighbors: {k: %d, queries: all, block_rows: auto}" % self.k,
            "diversity": "diversity: {top: %d}" % self.top,
            "probe": "probe: {folds: 3, min_tokens: 20, seed: 1}",
            "translate": "translate: {dictionaries: %s}" % self.p("syn", "dictionaries"),
            "compare": "compare: {pairs: [[ma, sc]]}",
            "map": "map: {n_neighbors: 5}",
        }
        lines.update(over)
        return "".join(v + "\n" for v in lines.values() if v)

    def _tool(self, args):
        p = tahelp.run(args, check=False, timeout=300)
        if p.returncode != 0:
            raise SystemExit("hostile: fixture step failed: %s\n%s" % (" ".join(args), p.stderr))

    def changed(self):
        """Fixture files that a case changed (the commands must never write to their inputs)."""
        now = snapshot(self.d)
        return sorted(p for p, v in self.snap.items() if now.get(p) != v)


class SkipCase(Exception):
    """A case that cannot run here (the reason is the message)."""


class Case:
    """One hostile input: built by fn(c) into c.d, then run by Runner."""

    def __init__(self, cid, cmd, fn, np2=False, timeout=None, needs=None):
        self.id = cid
        self.cmd = cmd
        self.fn = fn
        self.np2 = np2
        self.timeout = timeout
        self.needs = needs  # a command or "COMMAND --option" that must exist, else skipped


class Ctx:
    """What a case's builder fills in."""

    def __init__(self, d, fx, np):
        self.d = d
        self.fx = fx
        self.np = np
        self.args = []
        self.expect = 2         # an int or a tuple of accepted exit codes
        self.mention = []       # strings (or compiled regexes) the error line must contain
        self.outputs = []       # paths that must not look complete after a failure
        self.post = None        # post(ctx, proc) -> list of problems (for any exit code)
        self.env = {}
        self.timeout = 30
        self.as_nobody = False  # run as an unprivileged user (unreadable files, when root)
        self.allow_complete = []  # regexes of new complete HDF5 files a failure may leave
        self.cwd = d

    def p(self, *names):
        return os.path.join(self.d, *names)

    def copy(self, src, name=None):
        """Copies a fixture file or directory into the case directory."""
        dst = self.p(name or os.path.basename(src))
        if os.path.isdir(src):
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copyfile(src, dst)
        return dst

    def h5(self, src, name, edit):
        """Copies an HDF5 fixture and edits it with edit(h5py.File)."""
        dst = self.copy(src, name)
        with h5py.File(dst, "a") as f:
            edit(f)
        return dst

    def write(self, name, data):
        if callable(data):
            data = data()
        path = self.p(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
        return path

    def fifo(self, name):
        path = self.p(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mkfifo(path)
        self.timeout = 4 if self.np == 1 else 8
        return path

    def npy(self, name, X):
        path = self.p(name)
        np.save(path, X)
        return path


def strip_mpirun(stderr):
    """stderr without Open MPI's dashed report blocks."""
    out, inside = [], False
    for l in stderr.splitlines():
        if DASHES.match(l.strip()):
            inside = not inside
            continue
        if not inside and l.strip():
            out.append(l)
    return out


def limit_file_size():
    """Run-away writes end at 512 MiB (SIGXFSZ) instead of filling the test machine's disk."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 20, 512 << 20))


def run_proc(cmd, env, timeout, cwd):
    """Runs cmd in its own process group. On timeout: SIGTERM to the group, then up to 3 s, then
    SIGKILL. Returns (returncode, stdout, stderr, hang) with hang None, "sigterm" (ended by the
    signal) or "ignores-sigterm" (had to be killed)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                         start_new_session=True, stdin=subprocess.DEVNULL,
                         preexec_fn=limit_file_size)
    hang = None
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hang = "sigterm"
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            out, err = p.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            hang = "ignores-sigterm"
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = p.communicate()
    else:
        # Children left behind in the group (a rank of a broken mpirun job) are cleaned up.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), hang


class Runner:
    def __init__(self, top, fx):
        self.top = top
        self.fx = fx
        self.avail = {}

    def available(self, needs):
        """Whether a command (or a command's option) exists in this build."""
        if not needs:
            return True
        if needs not in self.avail:
            parts = needs.split()
            p = tahelp.run([parts[0], "--help"], check=False)
            ok = p.returncode == 0 and p.stdout.startswith("usage: tokenatlas " + parts[0])
            if ok and len(parts) > 1:
                ok = parts[1] in p.stdout
            self.avail[needs] = ok
        return self.avail[needs]

    def run_case(self, case, np, keep_dir=False):
        """Builds and runs one case; returns (problems, seconds, stderr); no problems = pass."""
        d = os.path.join(self.top, "cases", "%s@%d" % (case.id, np))
        if not keep_dir:
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        c = Ctx(d, self.fx, np)
        case.fn(c)
        if case.timeout:
            c.timeout = case.timeout
        before = snapshot(d)
        env = tahelp.mpi_env()
        env.update(c.env)
        cmd = [tahelp.BIN] + [str(a) for a in c.args]
        if np > 1:
            cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(np)] + cmd
        if c.as_nobody and IS_ROOT:
            os.chmod(d, 0o777)  # the case directory only: the outputs land there
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
            env["HOME"] = d
        t0 = time.time()
        rc, out, err, hang = run_proc(cmd, env, c.timeout, c.cwd)
        secs = time.time() - t0
        problems = []
        if hang:
            problems.append("hang: no exit within %d s%s" % (
                c.timeout, "; SIGTERM ended it" if hang == "sigterm"
                else "; it ignored SIGTERM and was killed"))
        expect = c.expect if isinstance(c.expect, tuple) else (c.expect,)
        if rc is not None and (rc < 0 or rc >= 128):
            problems.append("crash: %s" % ("signal %d" % -rc if rc < 0 else "exit %d" % rc))
        elif not hang and rc not in expect:
            problems.append("exit %d, expected %s" % (rc, "/".join(map(str, expect))))
        lines = strip_mpirun(err)
        bad = [l for l in lines if CRASH.search(l)]
        if bad:
            problems.append("crash or unhandled error on stderr: %s" % bad[0][:200])
        errs = [l for l in lines if l.startswith("tokenatlas: error:")]
        if rc != 0 and not hang:
            if len(errs) != 1:
                problems.append("%d 'tokenatlas: error:' lines on stderr (expected 1): %r"
                                % (len(errs), lines[-3:]))
            elif rc in expect:
                for m in c.mention:
                    ok = m.search(errs[0]) if hasattr(m, "search") else m in errs[0]
                    if not ok:
                        problems.append("error line does not name %r: %s" % (
                            getattr(m, "pattern", m), errs[0][:300]))
        if rc == 0 and any(l.startswith("tokenatlas: error:") for l in lines):
            problems.append("exit 0 with an error line")
        if c.post:
            problems += c.post(c, rc, out, err) or []
        # Nothing that looks complete after a failure.
        if rc != 0:
            for o in c.outputs:
                if o.endswith(".h5"):
                    if h5_complete(o):
                        problems.append("output %s carries complete = 1" % os.path.relpath(o, d))
                elif os.path.lexists(o) and o not in before:
                    problems.append("output %s exists at its final name"
                                    % os.path.relpath(o, d))
            for p in snapshot(d):
                if p not in before and p.endswith(".h5") and h5_complete(p) and not any(
                        re.search(a, p) for a in c.allow_complete):
                    problems.append("new complete HDF5 file %s" % os.path.relpath(p, d))
        # Inputs unchanged.
        after = snapshot(d)
        for p, v in before.items():
            if after.get(p) != v:
                what = "removed" if p not in after else (
                    "replaced (new inode)" if after[p][1] != v[1] else "overwritten")
                problems.append("input %s %s" % (os.path.relpath(p, d), what))
        return problems, secs, err
