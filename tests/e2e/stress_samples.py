"""Run samples natively many times in parallel (under load, each in its own
directory) and report any whose status or output is not always the same: a
sample must be deterministic before it can be a differential test.

    python tests/e2e/stress_samples.py [-n 12] [-j 6] [--variant dyn] [NAME...]
"""
import argparse
import concurrent.futures
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=12, help="runs per case")
    ap.add_argument("-j", type=int, default=6, help="parallel runs")
    ap.add_argument("--variant", default="dyn", choices=list(harness.VARIANTS))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args(argv)
    top = Path(tempfile.mkdtemp(prefix="lxpack-stress-"))
    try:
        jobs = []
        for s in harness.discover_samples():
            if a.names and s.name not in a.names:
                continue
            exe = top / s.name
            subprocess.run(harness.compile_command(s, a.variant, exe), check=True)
            jobs += [(s.name, exe, c) for c in s.cases]

        def run(job):
            name, exe, case = job
            d = Path(tempfile.mkdtemp(dir=top))
            r = harness.run_native([str(exe)] + list(case.args), d)
            return name, case.id, (r.status, r.stdout, r.stderr)

        seen = {}
        with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
            for name, cid, res in ex.map(run, [j for j in jobs for _ in range(a.n)]):
                seen.setdefault((name, cid), []).append(res)
        bad = 0
        for key, results in sorted(seen.items()):
            distinct = list(dict.fromkeys(results))
            if len(distinct) > 1:
                bad += 1
                x, y = distinct[:2]
                print("NOT DETERMINISTIC: %s %s (statuses %s)" % (key + ([r[0] for r in distinct],)))
                for i, what in ((1, "stdout"), (2, "stderr")):
                    if x[i] != y[i]:
                        d = difflib.unified_diff(x[i].decode(errors="replace").splitlines(),
                                                 y[i].decode(errors="replace").splitlines(), what, what,
                                                 lineterm="", n=1)
                        print("\n".join(list(d)[:30]))
        print("%d cases x %d runs: %d not deterministic" % (len(seen), a.n, bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
