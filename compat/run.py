"""lxpack compatibility report: `make compat`.

    python -m compat.run [--only PATTERN,...] [--runners unicorn,kvm] [--workers 2]
                         [--budget SECONDS] [--out DIR]

Runs every case of compat/cases.py natively (twice: a case whose two native
runs differ is not deterministic and is skipped) and under every usable lxpack
backend, each run in a fresh directory (the same path for every run of a
case) holding the fixture files, with a fixed environment.  stdout, stderr,
exit status and the files left in the directory are compared with native.
Writes compat/results/<date>-<shortrev>/report.md and report.json.

lxpack runs get LXPACK_WARN=1 (native runs too, so environments match):
lxpack's own `lxpack: ...` lines (unimplemented system calls, internal
errors) are taken out of stderr before comparing and used to name the
cause of a failure.
"""
import argparse
import collections
import concurrent.futures
import dataclasses
import fnmatch
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from bench import harness
from bench.harness import REPO, Runner, run_cmd, first_line

from .cases import CASES

SHELL_CHARS = re.compile(r"[|&;<>()$`\\*?\[\]#~{}\n]")
LX_LINE = re.compile(rb"^lxpack: .*\n?", re.M)
UNIMPL = re.compile(r"unimplemented syscall (\w+)")
FIXED_MTIME = 1_000_000_000
SIGNAMES = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
            8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM"}


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ---- fixtures ------------------------------------------------------------------

WORDS = ["apple", "banana", "cherry", "kiwi", "apricot", "cat", "dog", "abacus", "cedar", "delta", "echo",
         "ferry", "grape", "hotel", "india", "juliet", "kilo", "lima", "mango", "nectar", "ocean", "papaya",
         "quartz", "river", "sierra", "tango", "umbrella", "violet", "walnut", "xray", "yankee", "zulu",
         "abbey", "cable", "ceiling", "running", "jumping", "Evening", "Echo", "APPLE"]


def make_fixtures(d: Path) -> None:
    """The files every case directory starts with (deterministic, fixed mtimes)."""
    rnd = random.Random(1234)
    (d / "words.txt").write_text("".join(rnd.choice(WORDS) + "\n" for _ in range(200)))
    (d / "nums.txt").write_text("".join("%d\n" % rnd.randint(-500, 5000) for _ in range(200)))
    sent = []
    for i in range(40):
        n = rnd.randint(5, 14)
        sent.append(" ".join(rnd.choice(WORDS).lower() for _ in range(n)) + (" the end." if i % 7 == 0 else "."))
        if i % 9 == 8:
            sent.append("")
    (d / "text.txt").write_text("\n".join(sent) + "\n")
    cities = ["Oslo", "Lima", "Pune", "Kyiv", "Rome"]
    rows = ["id,name,city,score"] + ["%d,%s%d,%s,%d" % (i, rnd.choice(WORDS), i, rnd.choice(cities), rnd.randint(0, 99))
                                     for i in range(1, 51)]
    (d / "data.csv").write_text("\n".join(rows) + "\n")
    objs = [{"id": i, "name": rnd.choice(WORDS), "city": rnd.choice(cities), "score": rnd.randint(0, 99),
             "tags": [rnd.choice(WORDS) for _ in range(2)]} for i in range(20)]
    (d / "data.json").write_text(json.dumps(objs, indent=2) + "\n")
    (d / "bin.dat").write_bytes(bytes(rnd.getrandbits(8) for _ in range(4096)))
    (d / "hello.c").write_text('#include <stdio.h>\n#ifndef VALUE\n#define VALUE 1\n#endif\n'
                               'int main(void)\n{\n    printf("hello from C %d\\n", VALUE);\n    return 0;\n}\n')
    t = d / "tree"
    (t / "a" / "b").mkdir(parents=True)
    (t / "empty").mkdir()
    (t / "top.txt").write_text("top level\n")
    (t / "a" / "mid.txt").write_text("middle\n" * 50)
    (t / "a" / "b" / "deep.txt").write_text("deep file\n" * 300)
    (t / "a" / "b" / "data.dat").write_bytes(bytes(range(256)) * 8)
    os.symlink("a/b/deep.txt", t / "link")
    for p in [*sorted(d.rglob("*"), reverse=True), d]:
        os.utime(p, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)


def make_shared(d: Path) -> None:
    """Files made once per compat run and read by cases ($SHARED)."""
    d.mkdir(parents=True, exist_ok=True)
    if shutil.which("openssl"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                        "-out", str(d / "cert.pem"), "-subj", "/CN=lxpack compat/O=lxpack", "-days", "3650"],
                       capture_output=True)


def make_www(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "hello.txt").write_text("hello over loopback\n")
    rnd = random.Random(99)
    (d / "blob.bin").write_bytes(bytes(rnd.getrandbits(8) for _ in range(150_000)))
    (d / "data.json").write_text(json.dumps([{"id": i, "sq": i * i} for i in range(10)]) + "\n")


class HttpServer:
    """python3 -m http.server, native, on 127.0.0.1 only."""

    def __init__(self, root: Path):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        py = shutil.which("python3") or sys.executable
        self.proc = subprocess.Popen([py, "-m", "http.server", "--bind", "127.0.0.1", str(self.port),
                                      "--directory", str(root)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---- running one case --------------------------------------------------------------

@dataclasses.dataclass
class Env:
    root: Path                  # per-run scratch root; case dirs are root/<id>
    env_extra: Dict[str, str]


def case_env(home: Path, ctx: Env) -> Dict[str, str]:
    extra = {"PYTHONDONTWRITEBYTECODE": "1", "LXPACK_WARN": "1", "GIT_CONFIG_NOSYSTEM": "1",
             "GIT_AUTHOR_NAME": "Compat Test", "GIT_AUTHOR_EMAIL": "compat@example.invalid",
             "GIT_COMMITTER_NAME": "Compat Test", "GIT_COMMITTER_EMAIL": "compat@example.invalid",
             "GIT_AUTHOR_DATE": "2001-09-09T01:46:40Z", "GIT_COMMITTER_DATE": "2001-09-09T01:46:40Z",
             "SOURCE_DATE_EPOCH": str(FIXED_MTIME)}
    extra.update(ctx.env_extra)
    env = harness.fixed_env(str(home), extra)
    env["USER"] = env["LOGNAME"] = "compat"
    return env


def case_argv(c: dict) -> List[str]:
    cmd = c["cmd"]
    if not SHELL_CHARS.search(cmd):
        try:
            argv = shlex.split(cmd)
        except ValueError:
            argv = []
        if argv and "=" not in argv[0]:
            prog = shutil.which(argv[0], path=harness.FIXED_PATH)
            if prog:
                return [prog] + argv[1:]
    return ["/bin/sh", "-c", cmd]


def missing_tools(c: dict) -> List[str]:
    tools = list(c["needs"])
    first = c["cmd"].split()[0]
    if re.match(r"^[a-z][\w.+-]*$", first) and first not in ("cd", "set", "echo", "test", "printf", "true", "false"):
        tools.append(first)
    return [t for t in dict.fromkeys(tools) if not shutil.which(t, path=harness.FIXED_PATH)]


def snapshot(d: Path, ignore: List[str]) -> Dict[str, str]:
    out = {}
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for name in sorted(dirs + files):
            p = Path(root) / name
            rel = str(p.relative_to(d))
            if any(fnmatch.fnmatch(rel, pat) for pat in ignore) or "__pycache__" in rel:
                continue
            try:
                st = os.lstat(p)
            except OSError:
                continue
            perm = "%o" % stat.S_IMODE(st.st_mode)
            mt = " mtime=%d" % st.st_mtime if st.st_mtime < 1_500_000_000 else ""
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link -> %s" % os.readlink(p)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir %s%s" % (perm, mt)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                out[rel] = "file %s %d %s%s" % (perm, st.st_size, h, mt)
            else:
                out[rel] = "special %o %s" % (stat.S_IFMT(st.st_mode), perm)
    return out


def run_one(c: dict, runner: Runner, ctx: Env) -> dict:
    d = ctx.root / c["id"].replace("/", "_")
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    try:
        make_fixtures(d)
        env = case_env(d, ctx)
        if c["setup"]:
            s = run_cmd(["/bin/sh", "-c", c["setup"]], str(d), env, 60)
            if s.status != 0:
                return {"status": "setup-failed", "stderr": s.stderr.decode("utf-8", "replace")[:500]}
        argv = runner.argv(case_argv(c))
        stdin = c["stdin"].encode() if c["stdin"] is not None else None
        p = run_cmd(argv, str(d), env, c["timeout"], stdin=stdin)
        lx = [x.decode("utf-8", "replace").rstrip("\n") for x in LX_LINE.findall(p.stderr)]
        files = snapshot(d, c["ignore"]) if c["files"] else {}
        return {"exit": p.status, "timed_out": p.timed_out, "wall": round(p.wall, 3),
                "stdout": p.stdout.decode("utf-8", "replace"),
                "stderr": LX_LINE.sub(b"", p.stderr).decode("utf-8", "replace"),
                "lxpack": lx, "files": files}
    finally:
        shutil.rmtree(d, ignore_errors=True)


first_diff = harness.first_diff


def compare(r: dict, n: dict) -> Optional[str]:
    """None if r matches the native result n, else the first difference."""
    if r.get("timed_out"):
        return "timeout after %.0f s" % r["wall"]
    if r["exit"] != n["exit"]:
        return "exit status %s (native %s)%s" % (r["exit"], n["exit"],
                                                   ("; stderr: " + first_line(r["stderr"].encode(), 160)) if r["stderr"].strip() else "")
    if r["stdout"] != n["stdout"]:
        return "stdout " + first_diff(r["stdout"], n["stdout"])
    if r["stderr"] != n["stderr"]:
        return "stderr " + first_diff(r["stderr"], n["stderr"])
    if r["files"] != n["files"]:
        for k in sorted(set(r["files"]) | set(n["files"])):
            if r["files"].get(k) != n["files"].get(k):
                return "file %s: %s (native %s)" % (k, r["files"].get(k, "missing"), n["files"].get(k, "missing"))
    return None


def cause_of(r: dict, n: dict, diff: str) -> str:
    """A short, groupable cause for a failure."""
    internal = [x for x in r.get("lxpack", []) if "internal error" in x or "GuestCrash" in x or "Traceback" in x]
    if internal:
        msg = internal[0].replace("lxpack: ", "", 1)
        msg = re.sub(r"0x[0-9a-f]+", "0x…", msg)
        msg = re.sub(r"; rax=.*", "", msg)
        return "internal error: " + msg[:140]
    unimpl = sorted({m.group(1) for x in r.get("lxpack", []) for m in [UNIMPL.search(x)] if m})
    if r.get("timed_out"):
        return "timeout" + (" (unimplemented: %s)" % ", ".join(unimpl) if unimpl else "")
    if isinstance(r.get("exit"), int) and r["exit"] < 0 and not (isinstance(n.get("exit"), int) and n["exit"] < 0):
        return "crash: killed by %s" % SIGNAMES.get(-r["exit"], "signal %d" % -r["exit"])
    if unimpl:
        return "unimplemented syscall: " + ", ".join(unimpl)
    what = diff.split(" ")[0]
    return {"exit": "wrong exit status", "stdout": "stdout differs", "stderr": "stderr differs",
            "file": "produced files differ"}.get(what, what)


def run_case(c: dict, runners: List[Runner], ctx: Env, deadline: float = float("inf")) -> dict:
    res = {"id": c["id"], "group": c["group"], "cmd": c["cmd"], "results": {}}
    miss = missing_tools(c)
    if miss:
        res["skipped"] = "not installed: " + ", ".join(miss)
        return res
    if time.monotonic() > deadline:
        res["skipped"] = "not run: time budget exhausted"
        return res
    native = runners[0]
    n1 = run_one(c, native, ctx)
    if n1.get("status") == "setup-failed":
        res["skipped"] = "setup failed: " + n1["stderr"][:200]
        return res
    n2 = run_one(c, native, ctx)
    d = compare(n2, n1) if not n1.get("timed_out") else "native run timed out"
    if d:
        res["skipped"] = "not deterministic natively: " + d
        return res
    res["native"] = {"exit": n1["exit"], "wall": n1["wall"], "stdout_head": n1["stdout"][:300]}
    for r in runners[1:]:
        if not r.ok:
            continue
        if time.monotonic() > deadline:
            res["results"][r.name] = {"result": "not run", "detail": "time budget exhausted"}
            continue
        x = run_one(c, r, ctx)
        diff = compare(x, n1)
        unimpl = sorted({m.group(1) for l in x.get("lxpack", []) for m in [UNIMPL.search(l)] if m})
        out = {"result": "pass" if diff is None else "fail", "wall": x.get("wall"), "exit": x.get("exit")}
        if unimpl:
            out["unimplemented"] = unimpl
        if diff:
            out["detail"] = diff
            out["cause"] = cause_of(x, n1, diff)
            out["lxpack_lines"] = x.get("lxpack", [])[:5]
        res["results"][r.name] = out
    return res


# ---- report ------------------------------------------------------------------------

def write_report(out: Path, facts: dict, runners: List[Runner], results: List[dict], opts: dict) -> None:
    active = [r for r in runners[1:] if r.ok]
    data = {"facts": facts, "options": opts, "cases": results}
    (out / "report.json").write_text(json.dumps(data, indent=1) + "\n")
    total = len(results)
    skipped = [x for x in results if x.get("skipped")]
    ran = [x for x in results if not x.get("skipped")]
    g = facts["git"]
    L = ["# lxpack compatibility report", "",
         "- date: %s" % facts["date"],
         "- git revision: `%s` (%s); lxpack code: %s" % (g["rev"], g["subject"], facts.get("code", "")),
         "- machine: %s, %s CPUs, Linux %s; python %s" % (facts["cpu_model"], facts["cpus"], facts["kernel"], facts["python"]),
         "- backends: " + "; ".join(("%s: %s" % (r.name, r.reason)) if r.ok else "%s not available: %s" % (r.name, r.reason)
                                    for r in runners[1:]),
         "- corpus: %d cases (compat/cases.py), %d run, %d skipped; %d workers, %.0f s per-case timeout by default"
         % (total, len(ran), len(skipped), opts["workers"], 90), "",
         "Each case runs in a fresh directory with fixture files and a fixed environment (LANG=C, TZ=UTC, "
         "HOME=the directory, fixed git identity/dates), natively twice (to prove it deterministic) and "
         "once under each backend; stdout, stderr, exit status and the files left behind must match native. "
         "Reproduce with `make compat`.", "",
         "## Summary", "",
         "| backend | pass | fail | not run | skipped | pass rate |", "|---|---|---|---|---|---|"]
    for r in active:
        res = [x["results"].get(r.name, {}).get("result") for x in ran]
        p, f, nr = res.count("pass"), res.count("fail"), res.count("not run")
        L.append("| %s | %d | %d | %d | %d | %.0f%% |" % (r.name, p, f, nr, len(skipped), 100.0 * p / max(1, len(ran))))
    groups = sorted({x["group"] for x in results})
    L += ["", "### By group (pass / run)", "", "| group | cases | " + " | ".join(r.name for r in active) + " |",
          "|---|---|" + "---|" * len(active)]
    for gname in groups:
        xs = [x for x in ran if x["group"] == gname]
        cells = []
        for r in active:
            cells.append("%d / %d" % (sum(1 for x in xs if x["results"].get(r.name, {}).get("result") == "pass"), len(xs)))
        L.append("| %s | %d | %s |" % (gname, len([x for x in results if x["group"] == gname]), " | ".join(cells)))
    # Causes.
    L += ["", "## Failures by cause", ""]
    for r in active:
        causes = collections.defaultdict(list)
        for x in ran:
            y = x["results"].get(r.name, {})
            if y.get("result") == "fail":
                causes[y["cause"]].append(x["id"])
        L.append("### %s (%d failures)" % (r.name, sum(len(v) for v in causes.values())))
        L.append("")
        if not causes:
            L.append("None.")
        for cause, ids in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            L.append("- **%s** (%d): %s" % (cause, len(ids), ", ".join(ids)))
        L.append("")
    unimpl = collections.Counter()
    for x in ran:
        for r in active:
            for s in x["results"].get(r.name, {}).get("unimplemented", []):
                unimpl[s] += 1
    L += ["## Unimplemented system calls seen (LXPACK_WARN=1, all runs, passing or not)", ""]
    L.append(", ".join("%s (%d runs)" % kv for kv in unimpl.most_common()) if unimpl else "None.")
    L += ["", "## All cases", "", "| case | native exit | " + " | ".join(r.name for r in active) + " |",
          "|---|---|" + "---|" * len(active)]
    for x in results:
        if x.get("skipped"):
            L.append("| %s | – | %s |" % (x["id"], " | ".join("skipped" for _ in active)))
            continue
        cells = []
        for r in active:
            y = x["results"].get(r.name, {})
            cells.append("pass" if y.get("result") == "pass" else "**FAIL**" if y.get("result") == "fail" else y.get("result", "–"))
        L.append("| %s | %s | %s |" % (x["id"], x["native"]["exit"], " | ".join(cells)))
    L += ["", "## Failure details (first difference)", ""]
    for x in ran:
        for r in active:
            y = x["results"].get(r.name, {})
            if y.get("result") == "fail":
                L.append("- `%s` on %s: %s" % (x["id"], r.name, y["detail"].replace("|", "\\|")))
    L += ["", "## Skipped cases", ""]
    L += ["- `%s`: %s" % (x["id"], x["skipped"]) for x in skipped] or ["None."]
    L.append("")
    (out / "report.md").write_text("\n".join(L))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m compat.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated fnmatch patterns of case ids (e.g. 'coreutils/*,git/*')")
    ap.add_argument("--runners", help="comma-separated lxpack backends to use (default: every usable one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=float, default=1140, help="overall time limit in seconds")
    ap.add_argument("--out", help="report folder (default compat/results/<date>-<rev>)")
    ap.add_argument("--tree", default="HEAD",
                    help="lxpack code to run: a git revision, snapshotted (default HEAD), or 'worktree'")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    cases = CASES
    if a.only:
        pats = [p.strip() for p in a.only.split(",") if p.strip()]
        cases = [c for c in CASES if any(fnmatch.fnmatch(c["id"], p) for p in pats)]
    code = harness.select_code(a.tree)
    runners = harness.all_runners(with_qemu=False, only=a.runners.split(",") if a.runners else None)
    for r in runners:
        log("compat: %-16s %s" % (r.name, ("ok: " if r.ok else "not available: ") + (r.reason or "host")))
    out = Path(a.out) if a.out else harness.results_dir(REPO / "compat" / "results", short=code["short"])
    out.mkdir(parents=True, exist_ok=True)
    facts = harness.machine_facts(runners, code)
    scratch = Path(tempfile.mkdtemp(prefix="lxpack-compat-"))
    make_shared(scratch / "shared")
    make_www(scratch / "www")
    server = HttpServer(scratch / "www")
    ctx = Env(scratch / "cases", {"HTTP_URL": server.url, "SHARED": str(scratch / "shared")})
    ctx.root.mkdir()
    deadline = t0 + a.budget - 30
    results: Dict[str, dict] = {}
    lock = threading.Lock()
    opts = {"workers": a.workers, "budget": a.budget,
            "command": "python -m compat.run " + " ".join(argv if argv is not None else sys.argv[1:])}
    try:
        with concurrent.futures.ThreadPoolExecutor(a.workers) as pool:
            futs = {pool.submit(run_case, c, runners, ctx, deadline): c for c in cases}
            for f in concurrent.futures.as_completed(futs):
                c = futs[f]
                try:
                    x = f.result()
                except Exception as e:  # noqa: BLE001 - the harness's own failure is shown, not dropped
                    x = {"id": c["id"], "group": c["group"], "cmd": c["cmd"], "results": {},
                         "skipped": "harness error: %s: %s" % (type(e).__name__, e)}
                with lock:
                    results[c["id"]] = x
                    summary = x.get("skipped") or " ".join("%s=%s" % (k, v["result"]) for k, v in x["results"].items())
                    log("compat: [%3d/%d] %-28s %s" % (len(results), len(cases), c["id"], summary[:150]))
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    ordered = [results[c["id"]] for c in cases]
    write_report(out, facts, runners, ordered, opts)
    log("compat: done in %.0f s; report in %s" % (time.monotonic() - t0, out / "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
