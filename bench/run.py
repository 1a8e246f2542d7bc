"""lxpack benchmark suite: `make bench` (full, < 20 min on 2 cores) and
`make bench-quick` (a subset, ~2 min).

    python -m bench.run [--quick] [--only W,W] [--runners native,qemu,unicorn,kvm] [--baseline REV]
                        [--reps N] [--target SECONDS] [--budget SECONDS] [--out DIR]

Each workload runs natively, under qemu-x86_64 and under every usable lxpack
backend, interleaved round by round (A B C A B C ...), several times; the
report gives the median, the spread (min-max) and the ratio to native.
Results go to bench/results/<date>-<shortrev>/ (results.md, results.json,
ratio_*.png).  Every run's output is checked against native; a failure
(non-zero exit, timeout, wrong output) is recorded and reported, never dropped.
"""
import argparse
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from . import harness
from .harness import REPO, Runner, run_cmd, fixed_env, first_line
from .workloads import WORKLOADS, Ctx, Workload, build, by_name

BENCH_LINE = re.compile(rb"^BENCH ops=(\d+) ns=(\d+)\s*$", re.M)
UNIT_SCALE = {"ns": 1e9, "us": 1e6, "ms": 1e3, "s": 1.0}


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Bench:
    """Runs workloads on runners; keeps the native reference outputs."""

    def __init__(self, ctx: Ctx, runners: List[Runner], reps: int, target: float,
                 cell_budget: float, deadline: float, tmp_root: Path):
        self.ctx = ctx
        self.runners = runners
        self.reps = reps
        self.target = target
        self.cell_budget = cell_budget
        self.deadline = deadline
        self.tmp_root = tmp_root
        self._expected: Dict[tuple, dict] = {}

    # -- one run ---------------------------------------------------------------
    def _run_once(self, w: Workload, runner: Runner, n: int, timeout: float) -> dict:
        work = Path(tempfile.mkdtemp(prefix="%s-%s-" % (w.name, runner.name), dir=self.tmp_root))
        try:
            argv = w.command(self.ctx, n, runner.prefix)
            p = run_cmd(argv, str(work), fixed_env(work), timeout)
            files = {}
            for name in w.outputs:
                f = work / name
                files[name] = hashlib.sha256(f.read_bytes()).hexdigest()[:16] if f.exists() else None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        m = BENCH_LINE.search(p.stderr)
        res = {"n": n, "wall": round(p.wall, 6), "status": p.status, "timed_out": p.timed_out,
               "stdout": p.stdout, "stderr": BENCH_LINE.sub(b"", p.stderr).strip(), "files": files}
        if m:
            res["ops"], res["ns"] = int(m.group(1)), int(m.group(2))
        return res

    def expected(self, w: Workload, n: int) -> dict:
        """The native result for this command (run once, cached)."""
        key = (w.name, n)
        if key not in self._expected:
            self._expected[key] = self._run_once(w, self.runners[0], n, max(w.timeout, 60))
        return self._expected[key]

    def check(self, w: Workload, r: dict) -> Optional[str]:
        """None when the run matches native, else why not."""
        if r["timed_out"]:
            return "timeout after %.0f s" % r["wall"]
        exp = self.expected(w, r["n"])
        if r["status"] != exp["status"]:
            st = r["status"]
            what = "killed by signal %d" % -st if st is not None and st < 0 else "exit %s" % st
            detail = first_line(r["stderr"]) or first_line(r["stdout"])
            return "%s (native %s)%s" % (what, exp["status"], ": " + detail if detail else "")
        if r["stdout"] != exp["stdout"]:
            return "wrong stdout, " + harness.first_diff(r["stdout"].decode("utf-8", "replace"),
                                                         exp["stdout"].decode("utf-8", "replace"), 100)
        if r["stderr"] != exp["stderr"]:
            return "wrong stderr, " + harness.first_diff(r["stderr"].decode("utf-8", "replace"),
                                                         exp["stderr"].decode("utf-8", "replace"), 100)
        for name, h in r["files"].items():
            if h != exp["files"].get(name):
                return "output file %s differs from native" % name
        if w.kind == "op" and w.timing == "internal" and "ns" not in r:
            return "no BENCH line on stderr"
        return None

    @staticmethod
    def metric(w: Workload, r: dict) -> float:
        """Seconds per operation for op workloads, wall seconds for programs."""
        if w.kind == "op":
            if w.timing == "internal":
                return r["ns"] / 1e9 / max(1, r["ops"])
            return r["wall"] / max(1, r["n"] * w.ops_per_n)
        return r["wall"]

    # -- one workload, all runners, interleaved ----------------------------------
    def run_workload(self, w: Workload) -> dict:
        cells = {}
        missing = [t for t in w.needs if not shutil.which(t, path=harness.FIXED_PATH)]
        skip = "not installed: " + ", ".join(missing) if missing else None
        if skip is None and w.setup is not None:
            skip = w.setup()            # installs what the workload needs, or says why not
        for r in self.runners:
            cell = {"runner": r.name, "status": "ok", "reason": "", "n": w.n_full, "reps_planned": self.reps,
                    "runs": []}
            if not r.ok:
                cell.update(status="not available", reason=r.reason, reps_planned=0)
            elif skip:
                cell.update(status="skipped", reason=skip, reps_planned=0)
            cells[r.name] = cell
        if skip:
            return cells
        # Native reference (also warms the page cache for every runner).
        ref = self.expected(w, w.n_full)
        if ref["timed_out"] or ref["status"] != 0:
            for c in cells.values():
                if c["status"] == "ok":
                    c.update(status="fail", reason="native run failed: %s" % (
                        "timeout" if ref["timed_out"] else "exit %s: %s" % (ref["status"], first_line(ref["stderr"]))))
            return cells
        # Pilot: pick N for each non-native runner of an op workload.
        for r in self.runners[1:]:
            c = cells[r.name]
            if c["status"] != "ok" or w.kind != "op":
                continue
            n_pilot = max(w.n_min, w.n_full // 200)
            if not self._time_left(5):
                c.update(status="not run", reason="time budget exhausted")
                continue
            res = self._run_once(w, r, n_pilot, self._timeout(w))
            err = self.check(w, res)
            if err:
                c.update(status="fail", reason="pilot run (n=%d): %s" % (n_pilot, err))
                continue
            per_op = self.metric(w, res)
            c["n"] = nice_n(self.target / per_op if per_op > 0 else w.n_full, w.n_min, w.n_full)
        # Measured rounds, interleaved.
        for rnd in range(self.reps):
            for r in self.runners:
                c = cells[r.name]
                if c["status"] != "ok" or len(c["runs"]) >= c["reps_planned"]:
                    continue
                last = c["runs"][-1]["wall"] if c["runs"] else 0.0
                if not self._time_left(last + 2):
                    c.update(status="not run" if not c["runs"] else "ok",
                             reason="time budget exhausted after %d runs" % len(c["runs"]))
                    c["reps_planned"] = len(c["runs"])
                    continue
                res = self._run_once(w, r, c["n"], self._timeout(w))
                err = self.check(w, res)
                run = {"wall": res["wall"], "n": res["n"]}
                if "ns" in res:
                    run.update(ops=res["ops"], ns=res["ns"])
                if err:
                    c.update(status="fail", reason=err)
                    run["error"] = err
                    c["runs"].append(run)
                    continue
                run["metric"] = self.metric(w, res)
                c["runs"].append(run)
                if len(c["runs"]) == 1:   # a slow cell gets fewer repetitions (at least 2 below a minute)
                    fit = int(self.cell_budget // max(res["wall"], 1e-3))
                    c["reps_planned"] = max(1 if res["wall"] > 60 else min(2, self.reps), min(self.reps, fit))
        for c in cells.values():
            ok = [x["metric"] for x in c["runs"] if "metric" in x]
            if ok:
                c["median"] = statistics.median(ok)
                c["min"], c["max"] = min(ok), max(ok)
                if w.rate:
                    c["rate"] = rate_of(w, c["median"])
        nat = cells[self.runners[0].name].get("median")
        for c in cells.values():
            if c.get("median") is not None and nat:
                c["ratio"] = c["median"] / nat
        return cells

    def _time_left(self, need: float) -> bool:
        return time.monotonic() + need < self.deadline

    def _timeout(self, w: Workload) -> float:
        return max(5.0, min(w.timeout, self.deadline - time.monotonic()))


def nice_n(x: float, lo: int, hi: int) -> int:
    """Round down to 1, 2 or 5 times a power of ten, within [lo, hi]."""
    if x >= hi:
        return hi
    if x <= lo:
        return lo
    e = 10 ** int(math.floor(math.log10(x)))
    for m in (5, 2, 1):
        if m * e <= x:
            return max(lo, int(m * e))
    return lo


# ---- reports -----------------------------------------------------------------

def fmt_metric(w: Workload, v: float) -> str:
    if w.kind == "op":
        unit = w.unit.split("/")[0]
        x = v * UNIT_SCALE.get(unit, 1e6)
    else:
        x = v
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3g" % x


def unit_of(w: Workload) -> str:
    return w.unit if w.kind == "op" else "s (wall)"


def cell_text(w: Workload, c: dict, with_spread=True) -> str:
    if c["status"] == "not available":
        return "n/a"
    if c["status"] == "skipped":
        return "skipped (%s)" % c["reason"]
    if c["status"] == "fail":
        return "**FAIL**"
    if c.get("median") is None:
        return "not run"
    s = fmt_metric(w, c["median"])
    if with_spread and len(c["runs"]) > 1:
        s += " [%s–%s]" % (fmt_metric(w, c["min"]), fmt_metric(w, c["max"]))
    if c.get("ratio") is not None and c["runner"] != "native":
        s += " ×%s" % fmt_ratio(c["ratio"])
    return s


def fmt_ratio(r: float) -> str:
    return "%.0f" % r if r >= 100 else "%.1f" % r if r >= 10 else "%.2f" % r


def rate_of(w: Workload, seconds_per_op: float) -> Optional[float]:
    """A workload's throughput (w.rate's unit, e.g. MB/s) from seconds per op."""
    if not w.rate or seconds_per_op <= 0:
        return None
    return w.rate[1] / seconds_per_op


def fmt_rate(x: float) -> str:
    if x >= 1000:
        return "{:,.0f}".format(x)
    return "%.0f" % x if x >= 100 else "%.1f" % x if x >= 10 else "%.3g" % x


def rate_text(w: Workload, c: dict, with_spread=True) -> str:
    """A cell of the throughput table: the rate at the median time per op,
    [the rates at the slowest and fastest run], ×ratio to native's rate
    (higher is better)."""
    if c.get("median") is None:
        return cell_text(w, c, False)
    s = fmt_rate(rate_of(w, c["median"]))
    if with_spread and len(c["runs"]) > 1:
        s += " [%s–%s]" % (fmt_rate(rate_of(w, c["max"])), fmt_rate(rate_of(w, c["min"])))
    if c.get("ratio") and c["runner"] != "native":
        s += " ×%s" % fmt_ratio(1 / c["ratio"])
    return s


def throughput_table(active: List[Runner], results: Dict[str, dict], workloads: List[Workload]) -> List[str]:
    ws = [w for w in workloads if w.rate and w.name in results]
    if not ws:
        return []
    L = ["", "## Throughput", "",
         "The same runs as amount per second (1 MB = 10^6 bytes): median [slowest–fastest run] "
         "and ×ratio to native (higher is better).", "",
         "| workload | unit | " + " | ".join(r.name for r in active) + " |",
         "|---|---|" + "---|" * len(active)]
    for w in ws:
        cells = results[w.name]
        L.append("| %s | %s | %s |" % (w.title, w.rate[0], " | ".join(rate_text(w, cells[r.name]) for r in active)))
    return L


def write_reports(out: Path, facts: dict, runners: List[Runner], results: Dict[str, dict],
                  workloads: List[Workload], opts: dict, charts=True) -> None:
    active = [r for r in runners if r.ok]
    data = {"facts": facts, "options": opts,
            "workloads": [dict({"name": w.name, "title": w.title, "kind": w.kind, "unit": unit_of(w),
                                "n_full": w.n_full, "cells": results[w.name]},
                               **({"rate_unit": w.rate[0]} if w.rate else {}))
                          for w in workloads if w.name in results]}
    (out / "results.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    pngs = []
    if charts:
        try:
            pngs = charts_png(out, active, results, workloads)
        except Exception as e:  # noqa: BLE001 - a missing matplotlib must not lose the tables
            log("bench: charts not written: %s" % e)
    g = facts["git"]
    L = ["# lxpack benchmarks", "",
         "- date: %s" % facts["date"],
         "- git revision: `%s` (%s); lxpack code: %s" % (g["rev"], g["subject"], facts.get("code", "")),
         "- machine: %s, %s CPUs, Linux %s" % (facts["cpu_model"], facts["cpus"], facts["kernel"]),
         "- python: %s; qemu: %s; gcc: %s" % (facts["python"], facts["qemu"], facts["gcc"]),
         "- runners: " + "; ".join("%s (%s)" % (r.name, r.reason or "host") if r.ok else
                                    "%s not available: %s" % (r.name, r.reason) for r in runners),
         "- command: `%s`" % opts.get("command", "python -m bench.run"), "",
         "## Method", "",
         "Each workload runs natively, under qemu-x86_64 and under each usable lxpack backend, "
         "interleaved round by round (native, qemu, lxpack-... then again), up to %d times each "
         "(fewer for a runner whose single run takes more than %.0f s / %d). Cells show the median "
         "[min–max] over the successful runs and ×ratio to the native median (lower is better). "
         "Every run's stdout, stderr, exit status and output files are compared with a native run of "
         "the same command; a mismatch, a non-zero exit or a timeout is a **FAIL** (listed below), never dropped."
         % (opts["reps"], opts["cell_budget"], opts["reps"]), "",
         "Per-operation workloads (unit `x/op`) time their own loop inside the program (`BENCH` line), "
         "so start-up is excluded. Native always runs the full count from the issue; a slower runner "
         "runs a smaller count chosen by a short pilot run so one run takes about %.2g s of loop time "
         "(the counts used are in the second table), and the comparison is per operation. "
         "Programs (unit s) are the wall time of the whole process, start-up included." % opts["target"], "",
         "qemu-user emulates only the first program: children it execs (fork+exec's /bin/true, "
         "gcc's cc1/as, the `sh` loop's tr/wc, tar's gzip) run natively, which flatters its numbers "
         "for those rows. lxpack runs every Linux child under lxpack too.", "",
         "## Results", "",
         "| workload | unit | " + " | ".join(r.name for r in active) + " |",
         "|---|---|" + "---|" * len(active)]
    for w in workloads:
        if w.name not in results:
            continue
        cells = results[w.name]
        L.append("| %s | %s | %s |" % (w.title, unit_of(w), " | ".join(cell_text(w, cells[r.name]) for r in active)))
    L += ["", "Ratio to native (median / native median):", "",
          "| workload | " + " | ".join(r.name for r in active[1:]) + " |",
          "|---|" + "---|" * len(active[1:])]
    for w in workloads:
        if w.name not in results:
            continue
        cells = results[w.name]
        row = []
        for r in active[1:]:
            c = cells[r.name]
            row.append("FAIL" if c["status"] == "fail" else fmt_ratio(c["ratio"]) if c.get("ratio") else "–")
        L.append("| %s | %s |" % (w.name, " | ".join(row)))
    L += throughput_table(active, results, workloads)
    L += targets_table(results, workloads)
    for p in pngs:
        L += ["", "![%s](%s)" % (p.stem, p.name)]
    L += ["", "## Counts and repetitions", "",
          "| workload | " + " | ".join(r.name for r in active) + " |", "|---|" + "---|" * len(active)]
    for w in workloads:
        if w.name not in results:
            continue
        cells = results[w.name]
        row = []
        for r in active:
            c = cells[r.name]
            nruns = len([x for x in c["runs"] if "metric" in x])
            row.append(("n=%s, " % "{:,}".format(c["n"]) if w.kind == "op" else "") + "%d run%s" % (nruns, "" if nruns == 1 else "s"))
        L.append("| %s | %s |" % (w.name, " | ".join(row)))
    fails = [(w, r, results[w.name][r.name]) for w in workloads if w.name in results
             for r in runners if results[w.name][r.name]["status"] in ("fail", "not run", "skipped")]
    L += ["", "## Failures and runs not made", ""]
    if not fails:
        L.append("None.")
    for w, r, c in fails:
        L.append("- %s on %s: %s%s" % (w.name, r.name, c["status"], ": " + c["reason"] if c["reason"] else ""))
    L += ["", "Raw numbers: results.json. Reproduce with `make bench` (or `make bench-quick`).", ""]
    (out / "results.md").write_text("\n".join(L))


# Targets the issues set for this machine: (issue, what, workload, runner,
# reference runner or None for an absolute limit, limit in seconds or as a ratio).
TARGETS = [
    ("3", "CPU loop within 1.5x of qemu-user", "cpu_int", "lxpack-unicorn", "qemu", 1.5),
    ("3", "getppid under 8 us", "getppid", "lxpack-unicorn", None, 8e-6),
    ("3", "hello-world start-up under 0.3 s", "hello", "lxpack-unicorn", None, 0.3),
    ("5", "CPU-bound within 1.05x of native", "cpu_int", "lxpack-kvm", "native", 1.05),
    ("5", "fast-path getpid under 1 us", "getpid", "lxpack-kvm", None, 1e-6),
    ("5", "clock_gettime under 0.2 us", "clock_gettime", "lxpack-kvm", None, 0.2e-6),
    ("5", "forwarded getppid under 20 us", "getppid", "lxpack-kvm", None, 20e-6),
    ("5", "forwarded 64-byte write/read under 20 us", "fileio", "lxpack-kvm", None, 20e-6),
    ("5", "gcc within 1.5x of native", "gcc", "lxpack-kvm", "native", 1.5),
]


def targets_table(results: Dict[str, dict], workloads: List[Workload]) -> List[str]:
    wmap = {w.name: w for w in workloads}
    rows = []
    for issue, what, wname, runner, ref, limit in TARGETS:
        if wname not in results or runner not in results[wname]:
            continue
        w, c = wmap[wname], results[wname][runner]
        if c.get("median") is None:
            rows.append("| %s | %s | %s | %s | – |" % (issue, what, runner, c["status"]))
            continue
        if ref:
            rc = results[wname].get(ref, {})
            if rc.get("median") is None:
                continue
            val, shown = c["median"] / rc["median"], "%.2fx %s" % (c["median"] / rc["median"], ref)
        else:
            val, shown = c["median"], fmt_metric(w, c["median"]) + " " + unit_of(w).split("/")[0].split(" ")[0]
        rows.append("| %s | %s | %s | %s | %s |" % (issue, what, runner, shown, "met" if val <= limit else "**not met**"))
    if not rows:
        return []
    return ["", "## Targets from the issues", "", "| issue | target | runner | measured | |", "|---|---|---|---|---|"] + rows


def charts_png(out: Path, active: List[Runner], results: Dict[str, dict], workloads: List[Workload]) -> List[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    others = [r for r in active if r.name != "native"]
    written = []
    for kind, title in (("op", "per-operation workloads"), ("program", "real programs (wall time)")):
        ws = [w for w in workloads if w.kind == kind and w.name in results]
        if not ws or not others:
            continue
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(ws) + 2), 4.8))
        width = 0.8 / len(others)
        vals = [c.get("ratio") for w in ws for r in others for c in [results[w.name][r.name]] if c.get("ratio")]
        top = max(vals) * 3 if vals else 10
        for i, r in enumerate(others):
            xs, ys, fx = [], [], []
            for j, w in enumerate(ws):
                c = results[w.name][r.name]
                x = j - 0.4 + width * (i + 0.5)
                if c.get("ratio") and c["status"] == "ok":
                    xs.append(x)
                    ys.append(c["ratio"])
                elif c["status"] in ("fail", "not run"):
                    fx.append(x)
            bars = ax.bar(xs, ys, width, label=r.name)
            for x in fx:
                ax.text(x, 1.0, "FAIL", rotation=90, ha="center", va="bottom", fontsize=7, color="red")
            for b, y in zip(bars, ys):
                ax.text(b.get_x() + b.get_width() / 2, y * 1.05, fmt_ratio(y), ha="center", va="bottom",
                        fontsize=6, rotation=90)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_ylim(min([0.5] + [v * 0.5 for v in vals]), top)
        ax.set_xticks(range(len(ws)))
        ax.set_xticklabels([w.name for w in ws], rotation=30, ha="right")
        ax.set_ylabel("time / native time (log scale, lower is better)")
        ax.set_title("lxpack: ratio to native, %s" % title)
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = out / ("ratio_%s.png" % ("ops" if kind == "op" else "programs"))
        fig.savefig(p, dpi=90)
        plt.close(fig)
        written.append(p)
    return written


# ---- main ---------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a subset, ~2 minutes (make bench-quick)")
    ap.add_argument("--only", help="comma-separated workload names")
    ap.add_argument("--runners", help="comma-separated runners/backends to keep (native always runs)")
    ap.add_argument("--reps", type=int, help="repetitions per runner (default 7, quick 3)")
    ap.add_argument("--target", type=float, help="seconds of loop time per run on slow runners")
    ap.add_argument("--budget", type=float, help="overall time limit in seconds (default 1080, quick 150)")
    ap.add_argument("--out", help="results folder (default bench/results/<date>-<rev>[-quick])")
    ap.add_argument("--no-charts", action="store_true")
    ap.add_argument("--baseline", metavar="REV",
                    help="also run each backend on this git revision (runners lxpack-<backend>@<rev>), interleaved")
    ap.add_argument("--tree", default="HEAD",
                    help="lxpack code to measure: a git revision, snapshotted (default HEAD), or 'worktree'")
    a = ap.parse_args(argv)
    t_start = time.monotonic()
    reps = a.reps or (3 if a.quick else 7)
    target = a.target or (0.2 if a.quick else 0.7)
    budget = a.budget or (150 if a.quick else 1080)
    cell_budget = 15.0 if a.quick else 80.0
    if a.only:
        workloads = by_name([x.strip() for x in a.only.split(",") if x.strip()])
    else:
        workloads = [w for w in WORKLOADS if w.quick or not a.quick]
    code = harness.select_code(a.tree)
    base = harness.snapshot_tree(a.baseline, select=False) if a.baseline else None
    runners = harness.all_runners(only=a.runners.split(",") if a.runners else None, baseline=base)
    for r in runners:
        log("bench: %-16s %s" % (r.name, ("ok: " if r.ok else "not available: ") + (r.reason or "host")))
    ctx = build(log)
    out = Path(a.out) if a.out else harness.results_dir(REPO / "bench" / "results", "-quick" if a.quick else "",
                                                         code["short"])
    out.mkdir(parents=True, exist_ok=True)
    facts = harness.machine_facts(runners, code)
    opts = {"reps": reps, "target": target, "budget": budget, "cell_budget": cell_budget, "quick": a.quick,
            "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])}
    tmp_root = Path(tempfile.mkdtemp(prefix="lxpack-bench-"))
    b = Bench(ctx, runners, reps, target, cell_budget, t_start + budget, tmp_root)
    results = {}
    try:
        for w in workloads:
            t0 = time.monotonic()
            results[w.name] = b.run_workload(w)
            log("bench: %-14s %5.1f s  %s" % (w.name, time.monotonic() - t0, "  ".join(
                "%s=%s%s" % (r.name, cell_text(w, results[w.name][r.name], False),
                             " (%s %s)" % (fmt_rate(results[w.name][r.name]["rate"]), w.rate[0])
                             if results[w.name][r.name].get("rate") else "") for r in runners if r.ok)))
            write_reports(out, facts, runners, results, workloads, opts, charts=False)
        write_reports(out, facts, runners, results, workloads, opts, charts=not a.no_charts)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    log("bench: done in %.0f s; results in %s" % (time.monotonic() - t_start, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
