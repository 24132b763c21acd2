"""The command line: --version, help, --help of every subcommand, unknown commands and options."""
import re
import subprocess
import tahelp as t

p = t.run(["--version"])
t.check(re.match(r"tokenatlas \d+\.\d+\.\d+ \(commit [0-9a-f]{7,}(-dirty)?\)", p.stdout) is not None,
        "--version prints version and commit: %r" % p.stdout)
commit = subprocess.run(["git", "-C", t.SRC, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
if commit:
    t.check(commit in p.stdout, "--version names the current commit %s: %r" % (commit, p.stdout))

p = t.run(["help"])
for cmd in ["run", "ingest", "categorize", "neighbors", "diversity", "probe", "translate", "compare", "report", "synth", "overlap"]:
    t.check(re.search(r"^\s+%s\s" % cmd, p.stdout, re.M) is not None, "help lists %s" % cmd)
    h = t.run([cmd, "--help"])
    t.check(h.stdout.startswith("usage: tokenatlas " + cmd), "%s --help starts with its usage: %r" % (cmd, h.stdout[:200]))
    h2 = t.run(["help", cmd])
    t.check(h2.stdout == h.stdout, "help %s equals %s --help" % (cmd, cmd))

p = t.run(["frobnicate"], check=False)
t.check(p.returncode == 2, "unknown command exits 2, got %d" % p.returncode)
t.check("unknown command 'frobnicate'" in p.stderr and "usage" in p.stderr, "unknown command message: %r" % p.stderr)
t.check(len(p.stderr.strip().splitlines()) == 1, "one line for an unknown command: %r" % p.stderr)

p = t.run([], check=False)
t.check(p.returncode == 2, "no command exits 2")

t.finish("cli_basics")
