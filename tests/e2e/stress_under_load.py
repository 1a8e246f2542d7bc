"""Run end-to-end tests again and again while CPU hogs keep every core busy:
timing-dependent samples (timers, threads, signals) must stay green on a
busy machine, not only on a quiet one (`make test-stress`).

    python tests/e2e/stress_under_load.py [--rounds 3] [--hogs N] [-- PYTEST-ARGS...]

Default pytest arguments: the timer, thread and signal samples of
test_samples.py and test_processes.py on every backend and variant.
Exit status: 0 when every round passed, else the last failing round's.
"""
import argparse
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ["tests/e2e/test_samples.py", "tests/e2e/test_processes.py",
           "-k", "timers or thread or signal or futex or cancel or sigwait or alarm"]


def _hog():
    while True:
        pass


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hogs", type=int, default=os.cpu_count() or 2, help="busy processes (default: one per core)")
    ap.add_argument("pytest_args", nargs="*")
    a = ap.parse_args(argv)
    hogs = [multiprocessing.Process(target=_hog, daemon=True) for _ in range(a.hogs)]
    for h in hogs:
        h.start()
    status = 0
    try:
        for i in range(a.rounds):
            print("== round %d/%d under %d CPU hogs" % (i + 1, a.rounds, a.hogs), flush=True)
            r = subprocess.run([sys.executable, "-m", "pytest", "-q"] + (a.pytest_args or DEFAULT), cwd=str(ROOT))
            if r.returncode:
                status = r.returncode
    finally:
        for h in hogs:
            h.terminate()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
