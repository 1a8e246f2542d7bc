#!/usr/bin/env python3
"""Differential system-call fuzzing: sysfuzz natively and under each lxpack backend.

Owns: the campaign -- building tests/fuzz/sysfuzz.c, running each seed twice
natively (the oracle; calls the two runs disagree on are skipped) and once
under each backend, all confined by fuzz_sandbox (unprivileged, private PID
namespace, time limit), and the report made by fuzz_compare (text, or JSON
with --json).

    python tests/fuzz/run.py [--seeds 10] [--calls 200] [--backends kvm,unicorn]
                             [--first-seed 1] [--jobs 2] [--timeout S] [--json] [--out FILE]
    python tests/fuzz/run.py --diff SEED [--calls N] [--backends B]    (triage one seed)

Exit status: 0 when every run finished with no internal error, hang or
crash (differences are reported, not failed), 1 otherwise, 2 on a setup
problem (not root, no compiler...).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_compare  # noqa: E402
import fuzz_sandbox  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "sysfuzz.c")
REPO = os.path.dirname(os.path.dirname(HERE))
# Per-run limits (seconds): a run of a few hundred calls takes ~0.01 s natively,
# ~1-3 s on kvm and ~5-15 s on unicorn on this machine when idle.
TIMEOUTS = {"native": 20, "kvm": 90, "unicorn": 240}


def build(base):
    """Compile sysfuzz into base/bin (static when possible: faster to start under lxpack)."""
    out = os.path.join(base, "bin", "sysfuzz")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.chmod(os.path.dirname(out), 0o755)
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise SystemExit("run.py: no C compiler (gcc)")
    for extra in (["-static"], []):
        r = subprocess.run([cc, "-O1", "-Wall", "-o", out, SOURCE] + extra,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode == 0:
            os.chmod(out, 0o755)
            return out
    raise SystemExit("run.py: building sysfuzz failed:\n" + r.stdout.decode())


class Campaign(object):
    def __init__(self, backends, calls, timeout=None, python=None):
        self.backends = backends
        self.calls = calls
        self.timeout = timeout
        self.python = python or sys.executable
        self.reports = {b: fuzz_compare.Report(b) for b in backends}
        self.native_problems = []
        self.native_seconds = 0.0
        self.lock = threading.Lock()
        self.base = tempfile.mkdtemp(prefix="sysfuzz-")
        fuzz_sandbox.prepare_base(self.base)
        self.binary = build(self.base)
        self._n = 0

    def _scratch(self):
        with self.lock:
            self._n += 1
            n = self._n
        return fuzz_sandbox.make_scratch(self.base, "r%07d" % n)

    def _run(self, kind, seed):
        cwd = self._scratch()
        args = [self.binary, str(seed), str(self.calls)]
        env = {}
        if kind != "native":
            args = [self.python, "-m", "lxpack", "run", "--backend", kind, "--"] + args
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        try:
            expose = (self.python, sys.prefix, REPO) if kind != "native" else ()
            return fuzz_sandbox.run_confined(args, cwd, self.base, self.timeout or TIMEOUTS[kind],
                                             env=env, kvm=(kind == "kvm"), expose=expose)
        finally:
            shutil.rmtree(cwd, ignore_errors=True)

    def seed(self, seed):
        n1 = self._run("native", seed)
        n2 = self._run("native", seed)
        with self.lock:
            self.native_seconds += n1.seconds + n2.seconds
        for n in (n1, n2):
            if n.timed_out or n.status != 0 or not fuzz_compare.parse(n.stdout)[1]:
                with self.lock:
                    self.native_problems.append((seed, "status %s, timed out %s: %s"
                                                 % (n.status, n.timed_out, n.stderr.strip()[-300:])))
                return
        for b in self.backends:
            res = self._run(b, seed)
            with self.lock:
                self.reports[b].add(seed, n1.stdout, n2.stdout, res)

    def diff_seed(self, seed, backend):
        """A unified diff of one seed's native trace and its trace under `backend` (triage)."""
        import difflib
        n = self._run("native", seed)
        g = self._run(backend, seed)
        shutil.rmtree(self.base, ignore_errors=True)
        out = list(difflib.unified_diff(n.stdout.splitlines(), g.stdout.splitlines(),
                                        "native", backend, n=1, lineterm=""))
        if g.stderr.strip():
            out.append("--- %s stderr (status %s):" % (backend, g.status))
            out.append(g.stderr.strip()[-2000:])
        return "\n".join(out)

    def run(self, seeds, jobs=1, progress=None):
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            for i, _ in enumerate(ex.map(self.seed, seeds)):
                if progress:
                    progress(i + 1, len(seeds))
        self.wall = time.monotonic() - t0
        shutil.rmtree(self.base, ignore_errors=True)

    def ok(self):
        return not self.native_problems and all(
            not (r.internal or r.hangs or r.crashes) for r in self.reports.values())

    def to_json(self):
        return {"calls_per_run": self.calls, "wall_seconds": round(self.wall, 1),
                "native_seconds": round(self.native_seconds, 1),
                "native_problems": [{"seed": s, "detail": d} for s, d in self.native_problems],
                "backends": [self.reports[b].to_json() for b in self.backends]}

    def text(self, max_groups=60):
        o = ["sysfuzz: %d calls per run, wall %.0f s (native runs %.1f s)"
             % (self.calls, self.wall, self.native_seconds)]
        for s, d in self.native_problems:
            o.append("native run of seed %d unusable: %s" % (s, d))
        for b in self.backends:
            o.append(self.reports[b].text(max_groups))
        return "\n".join(o)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=200, help="calls per run (default 200)")
    ap.add_argument("--backends", default="kvm,unicorn", help="comma-separated (default kvm,unicorn)")
    ap.add_argument("--jobs", type=int, default=1, help="seeds run in parallel (default 1)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per run (default per backend)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--out", help="also write the JSON report to this file")
    ap.add_argument("--max-groups", type=int, default=60, help="difference groups shown in the text report")
    ap.add_argument("--diff", type=int, metavar="SEED",
                    help="print the diff of one seed's native and lxpack traces (first backend) and exit")
    a = ap.parse_args(argv)
    why = fuzz_sandbox.available()
    if why:
        print("run.py: cannot run confined: %s" % why, file=sys.stderr)
        return 2
    backends = [b for b in a.backends.split(",") if b]
    if "kvm" in backends and not os.path.exists("/dev/kvm"):
        print("run.py: no /dev/kvm here: skipping the kvm backend", file=sys.stderr)
        backends.remove("kvm")
    c = Campaign(backends, a.calls, a.timeout)
    if a.diff is not None:
        print(c.diff_seed(a.diff, backends[0]))
        return 0
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))

    def progress(i, n):
        if not a.json and sys.stderr.isatty():
            sys.stderr.write("\r%d/%d seeds" % (i, n))
            sys.stderr.flush()

    c.run(seeds, a.jobs, progress)
    js = c.to_json()
    if a.out:
        with open(a.out, "w") as f:
            json.dump(js, f, indent=1)
    if a.json:
        print(json.dumps(js, indent=1))
    else:
        print(c.text(a.max_groups))
    return 0 if c.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
