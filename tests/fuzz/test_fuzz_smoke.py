"""Differential syscall fuzzing, smoke set: a fixed seed set on each backend against native.

Owns: the part of the fuzzer that runs in `make test` (10 seeds x 200 calls
per backend; `make fuzz` is the long campaign). It fails on lxpack internal
errors, hangs and runtime crashes; the difference groups (native result vs
lxpack result per syscall) are reported in the test output, not failed.
Runs only as root (the runs are confined as an unprivileged user in a
private PID namespace, see fuzz_sandbox.py).
"""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fuzz_sandbox  # noqa: E402
import run as fuzz_run  # noqa: E402

SEEDS = list(range(1, 11))
CALLS = 200

_why = fuzz_sandbox.available() or (None if shutil.which("gcc") else "gcc is not installed")
pytestmark = pytest.mark.skipif(_why is not None, reason=str(_why))

_cache = {}


def _campaign(backend):
    if backend == "kvm" and not os.path.exists("/dev/kvm"):
        pytest.skip("no /dev/kvm")
    if backend not in _cache:
        c = fuzz_run.Campaign([backend], CALLS)
        c.run(SEEDS, jobs=2)
        _cache[backend] = c
        # The report, for the test log (pytest -s or -rA shows it).
        sys.stdout.write("\n" + c.text(max_groups=25) + "\n")
    return _cache[backend]


BACKENDS = ["kvm", "unicorn"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_native_runs_are_usable(backend):
    c = _campaign(backend)
    assert not c.native_problems, c.native_problems


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_internal_errors(backend):
    r = _campaign(backend).reports[backend]
    assert not r.internal, "\n".join("seed %d at %s: %s" % x for x in r.internal)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_hangs(backend):
    r = _campaign(backend).reports[backend]
    assert not r.hangs, "\n".join("seed %d at %s" % x for x in r.hangs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_runtime_crashes(backend):
    r = _campaign(backend).reports[backend]
    assert not r.crashes, "\n".join("seed %d at %s: %s" % x for x in r.crashes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_differences_reported(backend, capsys):
    """Not a failure: prints the difference groups (count, native vs lxpack, an example)."""
    r = _campaign(backend).reports[backend]
    with capsys.disabled():
        groups = r.sorted_groups()
        sys.stdout.write("\n[fuzz %s] %d difference groups, %d differing calls of %d compared\n"
                         % (backend, len(groups), sum(v[0] for _, v in groups), r.calls_compared))
        for (name, nat, lx), (n, ex, seeds) in groups[:15]:
            sys.stdout.write("  %4d  %s: native %s, lxpack %s\n" % (n, name, nat[:50], lx[:50]))
    assert r.runs == len(SEEDS) - len({s for s, _ in _cache[backend].native_problems})
