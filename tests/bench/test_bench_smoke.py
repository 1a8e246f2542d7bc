"""Smoke tests of the benchmark and compatibility harnesses: one
tiny workload through bench's machinery natively and under unicorn, one
compat case, and the checks that turn a wrong output into a failure.  The
full `make bench` / `make compat` runs are not part of CI."""
import dataclasses
import json
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import harness, run as bench_run, workloads  # noqa: E402
from compat import run as compat_run  # noqa: E402
from compat.cases import CASES  # noqa: E402


def _runners(with_unicorn=True):
    rs = harness.all_runners(with_qemu=False, only=["unicorn"])
    uni = next((r for r in rs if r.name == "lxpack-unicorn"), None)
    if with_unicorn and (uni is None or not uni.ok):
        pytest.skip("unicorn backend not usable: %s" % (uni.reason if uni else "not probed"))
    return rs


def test_bench_one_workload_native_and_unicorn(tmp_path):
    runners = _runners()
    ctx = workloads.build(lambda m: None)
    tiny = dataclasses.replace(workloads.by_name(["getppid"])[0], n_full=2000, n_min=200)
    b = bench_run.Bench(ctx, runners, reps=2, target=0.01, cell_budget=10, deadline=time.monotonic() + 60,
                        tmp_root=tmp_path)
    cells = b.run_workload(tiny)
    nat, uni = cells["native"], cells["lxpack-unicorn"]
    assert nat["status"] == "ok" and len(nat["runs"]) == 2, nat
    assert uni["status"] == "ok", uni
    assert uni["median"] > 0 and uni["ratio"] > 0
    assert 200 <= uni["n"] <= 2000
    out = tmp_path / "res"
    out.mkdir()
    facts = harness.machine_facts(runners)
    bench_run.write_reports(out, facts, runners, {"getppid": cells}, [tiny],
                            {"reps": 2, "target": 0.01, "cell_budget": 10, "command": "smoke"}, charts=False)
    data = json.loads((out / "results.json").read_text())
    assert data["workloads"][0]["cells"]["lxpack-unicorn"]["status"] == "ok"
    md = (out / "results.md").read_text()
    assert "getppid" in md and "lxpack-unicorn" in md and facts["cpu_model"] in md


def test_bench_wrong_output_is_a_failure(tmp_path):
    runners = _runners(with_unicorn=False)
    ctx = workloads.build(lambda m: None)
    w = dataclasses.replace(workloads.by_name(["getppid"])[0], n_full=100, n_min=100)
    b = bench_run.Bench(ctx, runners, 1, 0.01, 10, time.monotonic() + 60, tmp_path)
    good = b._run_once(w, runners[0], 100, 30)
    assert b.check(w, good) is None
    bad = dict(good, stdout=b"getppid n=100 MISMATCH\n")
    assert "wrong stdout, line 1: got" in b.check(w, bad)
    assert "exit 3" in b.check(w, dict(good, status=3))
    assert "timeout" in b.check(w, dict(good, timed_out=True))


def test_bench_rate_workloads_show_throughput(tmp_path):
    """tcp_tput is timed per 64 KiB block; the report also shows MB/s."""
    runners = [harness.Runner("native", []), harness.Runner("lxpack-unicorn", [], backend="unicorn")]
    w = workloads.by_name(["tcp_tput"])[0]
    assert w.unit == "us/64KiB" and w.rate == ("MB/s", 65536 / 1e6)
    cells = {}
    for r, per_op in (("native", 20e-6), ("lxpack-unicorn", 80e-6)):
        runs = [{"wall": 1.0, "n": 100, "ops": 100, "ns": 100, "metric": m} for m in (per_op, per_op * 1.25)]
        cells[r] = {"runner": r, "status": "ok", "reason": "", "n": 100, "reps_planned": 2, "runs": runs,
                    "median": per_op, "min": per_op, "max": per_op * 1.25, "ratio": per_op / 20e-6,
                    "rate": bench_run.rate_of(w, per_op)}
    facts = harness.machine_facts(runners)
    bench_run.write_reports(tmp_path, facts, runners, {w.name: cells}, [w],
                            {"reps": 2, "target": 0.01, "cell_budget": 10, "command": "smoke"}, charts=False)
    md = (tmp_path / "results.md").read_text()
    assert "## Throughput" in md
    row = next(line for line in md.splitlines() if line.startswith("| %s | MB/s |" % w.title))
    assert "| 3,277 [2,621–3,277] | 819 [655–819] ×0.25 |" in row, row
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["workloads"][0]["rate_unit"] == "MB/s"


def test_compat_one_case(tmp_path):
    runners = _runners()
    c = next(x for x in CASES if x["id"] == "coreutils/sort-n")
    ctx = compat_run.Env(tmp_path, {"HTTP_URL": "http://127.0.0.1:9", "SHARED": str(tmp_path)})
    res = compat_run.run_case(c, runners, ctx)
    assert "skipped" not in res, res
    assert res["results"]["lxpack-unicorn"]["result"] == "pass", res
    # A difference is reported with its first differing line and a cause.
    n = compat_run.run_one(c, runners[0], ctx)
    bad = dict(n, stdout=n["stdout"].replace("\n", "\nX\n", 1), lxpack=["lxpack: unimplemented syscall foo (999)"])
    diff = compat_run.compare(bad, n)
    assert diff.startswith("stdout line 2:"), diff
    assert compat_run.cause_of(bad, n, diff) == "unimplemented syscall: foo"


def test_corpus_is_large_and_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
    assert all("/" in i for i in ids)
