"""Shared machinery of the benchmark and compatibility runs: which runners
exist on this machine (native, qemu-user, every usable lxpack backend), the
fixed environment, running one command with a timeout, and facts about the
machine for the report headers.

A *runner* turns a program's argv into the command that runs it natively,
under qemu-x86_64, or under `lxpack run --backend B`.  Backends that
`lxpack.launch.boot.probe_backends()` reports as not usable are kept, with
their reason, so reports can say "not available: why".
"""
import dataclasses
import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclasses.dataclass
class Runner:
    name: str                 # native, qemu, lxpack-unicorn, lxpack-kvm...
    prefix: List[str]         # prepended to the program's argv
    ok: bool = True
    reason: str = ""
    backend: Optional[str] = None   # lxpack backend name, or None

    def argv(self, prog_argv: Sequence[str]) -> List[str]:
        return list(self.prefix) + list(prog_argv)


# Which lxpack code runs the guests: None = the working tree (through the
# installed package), else a site folder from snapshot_tree().
_SITE: Optional[Path] = None
_LAUNCH = ("import runpy, sys; sys.path.insert(0, sys.argv[1]); sys.argv = ['lxpack'] + sys.argv[2:]; "
           "runpy.run_module('lxpack', run_name='__main__')")


def lxpack_prefix(backend: str, site: Optional[Path] = None) -> List[str]:
    site = site or _SITE
    if site is not None:
        return [sys.executable, "-c", _LAUNCH, str(site), "run", "--backend", backend, "--"]
    return [sys.executable, "-m", "lxpack", "run", "--backend", backend, "--"]


def snapshot_tree(rev: str = "HEAD", select: bool = True) -> Dict[str, str]:
    """Measure a committed revision, not the shared working tree (other
    engineers edit it while a run goes on): `git archive REV` into
    out/lxpack-snapshot/<rev>/, with an importable `lxpack` package laid out
    as pyproject's package-dir maps it.  Later runners use it (with
    select=False only the returned "site" does: a baseline beside it)."""
    global _SITE
    full = subprocess.run(["git", "rev-parse", rev], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()
    root = REPO / "out" / "lxpack-snapshot" / full[:12]
    site = root / "site"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "src").mkdir(parents=True)
        arch = subprocess.run(["git", "archive", full], cwd=REPO, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root / "src")], input=arch, check=True)
        site.mkdir()
        pkg = site / "lxpack"
        shutil.copytree(root / "src" / "lxpack", pkg, symlinks=True)
        text = (root / "src" / "pyproject.toml").read_text()
        for sub, folder in re.findall(r'^"lxpack\.(\w+)"\s*=\s*"([^"]+)"', text, re.M):
            if not (pkg / sub).exists():
                os.symlink(root / "src" / folder, pkg / sub)
        (root / ".complete").write_text(full + "\n")
    if select:
        _SITE = site
    return {"rev": full, "short": full[:7], "source": "snapshot of %s (git archive of %s)" % (rev, full[:12]),
            "site": str(site)}


def select_code(tree: str) -> Dict[str, str]:
    """`--tree`: a revision to snapshot (default HEAD) or `worktree`."""
    if tree == "worktree":
        g = git_rev()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return {"rev": g["rev"], "short": g["short"],
                "source": "working tree%s" % (" with uncommitted changes" if dirty else "")}
    return snapshot_tree(tree)


def ensure_qemu(install: bool = True) -> Optional[str]:
    """Path of qemu-x86_64, installing Debian's qemu-user with apt-get when
    missing and we are root (never fails: returns None when unavailable)."""
    path = shutil.which("qemu-x86_64")
    if path or not install:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        sys.stderr.write("bench: installing qemu-user with apt-get\n")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run("apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq --no-install-recommends "
                       "qemu-user >/dev/null 2>&1", shell=True, env=env)
    return shutil.which("qemu-x86_64")


def ensure_java(java: Path, package: str) -> Optional[str]:
    """None when `java` exists, installing the distribution's `package` with
    apt-get when missing and we are root; else the reason to skip."""
    if java.exists():
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        sys.stderr.write("bench: installing %s with apt-get\n" % package)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run("apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq --no-install-recommends "
                       "%s >/dev/null 2>&1" % package, shell=True, env=env)
        if java.exists():
            return None
        return "%s missing and `apt-get install %s` did not provide it" % (java, package)
    return "%s missing (install the package %s as root)" % (java, package)


def probe_lxpack(site: Optional[Path] = None, suffix: str = "") -> List[Runner]:
    """One runner per lxpack backend that probe_backends() knows, usable or
    not (with the reason); with *site*, runners of that snapshot named
    lxpack-<backend><suffix>."""
    try:
        from lxpack.launch.boot import probe_backends
        probes = list(probe_backends())
    except Exception as e:  # noqa: BLE001 - a broken import is itself a result
        return [Runner("lxpack", [], ok=False, reason="lxpack import failed: %s" % e)]
    out = []
    for p in probes:
        out.append(Runner("lxpack-" + p.name + suffix, lxpack_prefix(p.name, site), ok=bool(p.ok),
                          reason=str(p.reason or ""), backend=p.name))
        if p.name == "unicorn" and p.ok and "lxpack patches" in str(p.reason):
            # The patched libunicorn is installed (tools/build_unicorn.py):
            # PyPI's beside it, in the same run (runner lxpack-unicorn-pypi).
            out.append(Runner("lxpack-unicorn-pypi" + suffix, ["env", "LXPACK_UNICORN=pypi"]
                              + lxpack_prefix(p.name, site), reason="PyPI's libunicorn", backend=p.name))
    return out


def all_runners(with_qemu: bool = True, install_qemu: bool = True,
                only: Optional[Sequence[str]] = None, baseline: Optional[Dict[str, str]] = None) -> List[Runner]:
    """native, qemu (or not available) and each lxpack backend, in that order;
    with *baseline* (a snapshot_tree() result), each backend of that revision
    too (lxpack-<backend>@<short rev>), so a change is compared with its base
    in one interleaved run. `only` restricts to these runner names or
    backends (native is always kept)."""
    runners = [Runner("native", [])]
    if with_qemu:
        q = ensure_qemu(install_qemu)
        runners.append(Runner("qemu", [q] if q else [], ok=bool(q),
                              reason="qemu-x86_64 (%s)" % q if q else "qemu-x86_64 not installed (Debian package qemu-user)"))
    runners += probe_lxpack()
    if baseline:
        runners += probe_lxpack(Path(baseline["site"]), "@" + baseline["short"])
    if only:
        runners = [r for r in runners if r.name == "native" or r.name in only or r.backend in only]
    return runners


def fixed_env(home: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {"PATH": FIXED_PATH, "HOME": str(home), "LANG": "C", "LC_ALL": "C", "TZ": "UTC",
           "TERM": "dumb", "USER": "bench", "LOGNAME": "bench"}
    if extra:
        env.update(extra)
    return env


@dataclasses.dataclass
class Proc:
    status: Optional[int]      # exit code, -N for a signal death, None on timeout
    stdout: bytes
    stderr: bytes
    wall: float
    timed_out: bool = False


def run_cmd(argv: Sequence[str], cwd: str, env: Dict[str, str], timeout: float,
            stdin: Optional[bytes] = None) -> Proc:
    """Run argv in its own process group; on timeout the whole group is
    killed (a runtime and the children it forked) and status is None."""
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return Proc(127, b"", ("cannot start: %s\n" % e).encode(), 0.0)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
        wall = time.perf_counter() - t0
        _kill_group(p.pid)   # leftovers (daemonised children) never outlive a run
        return Proc(p.returncode, out, err, wall)
    except subprocess.TimeoutExpired:
        _kill_group(p.pid)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = b"", b""
        return Proc(None, out, err, time.perf_counter() - t0, timed_out=True)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---- facts for report headers -------------------------------------------------

def git_rev() -> Dict[str, str]:
    def g(*a):
        try:
            return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"rev": g("rev-parse", "HEAD"), "short": g("rev-parse", "--short", "HEAD") or "norev",
            "subject": g("log", "-1", "--format=%s")}


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(argv: Sequence[str]) -> str:
    try:
        r = subprocess.run(list(argv), capture_output=True, text=True, timeout=20)
        first = (r.stdout or r.stderr).strip().splitlines()
        return first[0] if first else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine_facts(runners: Sequence[Runner], code: Optional[Dict[str, str]] = None) -> Dict[str, object]:
    now = datetime.datetime.now(datetime.timezone.utc)
    q = next((r for r in runners if r.name == "qemu" and r.ok), None)
    return {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "git": _git_for(code),
        "code": (code or {}).get("source", "working tree"),
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "qemu": tool_version([q.prefix[0], "--version"]) if q else "not available",
        "gcc": tool_version(["gcc", "--version"]),
        "runners": [{"name": r.name, "ok": r.ok, "reason": r.reason} for r in runners],
    }


def _git_for(code: Optional[Dict[str, str]]) -> Dict[str, str]:
    g = git_rev()
    if code and code.get("rev") and code["rev"] != g["rev"]:
        subj = subprocess.run(["git", "log", "-1", "--format=%s", code["rev"]], cwd=REPO,
                              capture_output=True, text=True).stdout.strip()
        g = {"rev": code["rev"], "short": code["short"], "subject": subj}
    return g


def results_dir(base: Path, suffix: str = "", short: Optional[str] = None) -> Path:
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    d = base / ("%s-%s%s" % (day, short or git_rev()["short"], suffix))
    d.mkdir(parents=True, exist_ok=True)
    return d


def first_line(b: bytes, limit: int = 200) -> str:
    s = b.decode("utf-8", "replace").strip().splitlines()
    return s[0][:limit] if s else ""


def first_diff(a: str, b: str, width: int = 160) -> str:
    """Where two outputs part: 'line N: got X | native Y'."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end>"
        y = lb[i] if i < len(lb) else "<end>"
        if x != y:
            return "line %d: got %r | native %r" % (i + 1, x[:width], y[:width])
    return "trailing newline/whitespace differs"


LXPACK_LINE = re.compile(rb"^lxpack: .*$", re.M)
