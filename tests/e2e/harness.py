"""Differential runner for the end-to-end suite: run a program natively and
under `lxpack run`, then compare what a user could observe.

What is compared (see assert_same): exit status (a death by signal N is -N,
as subprocess reports it), stdout, stderr, the file tree left in the working
directory, and processes left behind in the run's process group.

Both runs of a pair happen one after the other in the *same* directory
(emptied and set up again in between), so absolute paths printed by a program
are the same for both.

Self-test mode checks the harness and the determinism of every case without
lxpack: with LXPACK_E2E_SELFTEST=1, run_lxpack starts a Python trampoline
(`python -X <marker> -c ... -m lxpack run --backend B -- PROG ARGS`) that
execs the program natively, so each case becomes "native against native,
run twice", and the orphan checker sees a process that looks like a runtime.
LXPACK_E2E_SELFTEST=direct runs the program directly instead.

Environment knobs: LXPACK_E2E_TIMEOUT (seconds per lxpack run, default 60),
LXPACK_E2E_NATIVE_TIMEOUT (default 30).
"""
import dataclasses
import difflib
import hashlib
import os
import re
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
SAMPLES_DIR = REPO / "samples"

SELFTEST = os.environ.get("LXPACK_E2E_SELFTEST", "").strip().lower()
if SELFTEST in ("0", "no", "false"):
    SELFTEST = ""

LX_TIMEOUT = float(os.environ.get("LXPACK_E2E_TIMEOUT", "60"))
NATIVE_TIMEOUT = float(os.environ.get("LXPACK_E2E_NATIVE_TIMEOUT", "30"))
# After this many lxpack runs have timed out in one session, later runs get
# SHORT_TIMEOUT so a runtime that hangs everywhere cannot eat CI's budget.
TIMEOUT_BREAKER = 3
SHORT_TIMEOUT = 20.0
# Off a Mac the hvf column runs through the framework's KVM test double,
# where every VM exit costs Python calls (register and VMCS reads): the
# semaphore sample took 2.2x kvm's CPU time (27.2 s against 12.3 s; wall
# 99 s against 34 s at load ~22 on this 2-core machine). Its time limits,
# the breaker's short one too, are this much longer.
HVF_DOUBLE_SLOWDOWN = 3.0

# Every runtime process this session starts carries this in its command line
# (`python -X lxpack_e2e=<id>`): Python ignores unknown -X options, the guest
# never sees the host command line, and a host fork of the runtime keeps it.
SESSION_MARK = "lxpack_e2e=" + uuid.uuid4().hex[:12]

FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"

# mtimes older than this are taken as deliberately fixed (touch -d, utimensat,
# cp -a of such a file) and compared; newer ones are "now" and are not.
FIXED_MTIME_BEFORE = 1_500_000_000


def fixed_env(cwd, **extra) -> Dict[str, str]:
    """The small environment both runs get. LC_ALL=C also stops Python's
    PEP 538 locale coercion from adding LC_CTYPE to the runtime's (and so
    the guest's) environment."""
    env = {"PATH": FIXED_PATH, "HOME": str(cwd), "LANG": "C", "LC_ALL": "C",
           "TZ": "UTC", "TERM": "dumb", "USER": "e2e", "LOGNAME": "e2e"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


@dataclasses.dataclass
class Result:
    """What one run showed. status: exit code, or -N for death by signal N,
    or None when it was killed for taking longer than `timeout`."""
    argv: List[str]
    status: Optional[int]
    stdout: bytes
    stderr: bytes
    elapsed: float
    timeout: float
    files: Optional[Dict[str, str]] = None
    leftovers: List[str] = dataclasses.field(default_factory=list)
    label: str = ""
    pid: int = 0            # also the process group (each run is a new session)

    def __iter__(self):
        """`status, stdout, stderr = run_native(...)` works too."""
        return iter((self.status, self.stdout, self.stderr))

    @property
    def timed_out(self) -> bool:
        return self.status is None

    def status_text(self) -> str:
        return describe_status(self.status, self.timeout)


def describe_status(status, timeout=None) -> str:
    if status is None:
        return "killed after timeout (%.0fs)" % (timeout or 0)
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "signal %d" % -status
        return "%d (death by %s; a shell shows %d)" % (status, name, 128 - status)
    return "%d" % status


# ---------------------------------------------------------------- processes

TIMEOUT_COUNT = [0]
LEFTOVERS: List[str] = []   # every leftover process seen this session


def _proc_table():
    """[(pid, ppid, pgid, sid, state, cmdline)] of live processes, from /proc."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                st = f.read().decode("latin-1")
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        state, ppid, pgid, sid = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
        out.append((int(name), ppid, pgid, sid, state, cmd))
    return out


def _cmd_text(cmd: bytes) -> str:
    return " ".join(a.decode("utf-8", "backslashreplace") for a in cmd.rstrip(b"\0").split(b"\0"))


def group_members(pgid: int) -> List[str]:
    """Live (non-zombie) processes of process group `pgid`, as 'pid cmdline'."""
    return ["%d %s" % (pid, _cmd_text(cmd)) for pid, _pp, pg, _sid, state, cmd in _proc_table()
            if pg == pgid and state != "Z" and pid != os.getpid()]


def marked_processes() -> List[str]:
    """Live runtime processes started by this session (see SESSION_MARK)."""
    mark = SESSION_MARK.encode()
    found = []
    for pid, _pp, _pg, _sid, state, cmd in _proc_table():
        args = cmd.split(b"\0")
        if state == "Z" or pid == os.getpid() or mark not in args:
            continue
        if b"-m" in args and b"lxpack" in args and b"run" in args:
            found.append("%d %s" % (pid, _cmd_text(cmd)))
    return found


def kill_marked() -> None:
    for line in marked_processes():
        try:
            os.kill(int(line.split()[0]), signal.SIGKILL)
        except OSError:
            pass


def no_core_files() -> None:
    """No core files in working directories (they would differ as files and
    cost time): set RLIMIT_CORE to 0 in this process, which every run
    inherits. (Not a preexec_fn: the build threads make that unsafe.)"""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))


def default_signal_dispositions() -> None:
    """Runs start with the default action for the signals the tests send:
    a suite started under nohup (SIGHUP ignored) or as a background job of a
    non-interactive shell (SIGINT, SIGQUIT ignored) would otherwise pass the
    ignored disposition on to both the native and the lxpack runs, and the
    tests expecting a default-action death would fail natively. Set here,
    in this process, for the same reason as no_core_files."""
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)


def _run(cmd: Sequence[str], cwd, env, stdin: Optional[bytes], timeout: float, label: str,
         argv_shown: Sequence[str]) -> Result:
    t0 = time.monotonic()
    p = subprocess.Popen(list(cmd), cwd=str(cwd), env=env,
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    # communicate() in slices: if the program has exited but something it
    # started still holds stdout/stderr open, stop waiting after a grace
    # period (that something is then reported as left behind).
    # stdin is fed by a thread: communicate(input) writes only in its first
    # call, so a reader slower than the first slice would wait forever.
    if stdin is not None:
        pipe, p.stdin = p.stdin, None     # communicate() must not close it under the writer
        threading.Thread(target=_feed, args=(pipe, stdin), daemon=True).start()
    deadline, exited_at, status = t0 + timeout, None, None
    holders = []
    while True:
        try:
            out, err = p.communicate(timeout=0.25)
            status = p.returncode
            break
        except subprocess.TimeoutExpired:
            now = time.monotonic()
            if exited_at is None and p.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 1.0:
                status = p.returncode
                holders = group_members(p.pid)
            elif now < deadline:
                continue
            _killpg(p.pid)
            out, err = p.communicate()
            break
    elapsed = time.monotonic() - t0
    # Whatever is still in the run's process group outlived it: record, kill.
    left = group_members(p.pid)
    deadline = time.monotonic() + 1.0
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = group_members(p.pid)
    left = holders + [x for x in left if x not in holders]
    if left:
        LEFTOVERS.extend("%s: %s" % (label, x) for x in left)
        _killpg(p.pid)
    return Result(list(argv_shown), status, out, err, elapsed, timeout, leftovers=left, label=label, pid=p.pid)


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, ValueError, OSError):
        pass                      # the program stopped reading (or exited)
    finally:
        try:
            pipe.close()
        except (BrokenPipeError, OSError):
            pass


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def run_native(argv: Sequence[str], cwd, env=None, stdin: Optional[bytes] = None,
               timeout: float = NATIVE_TIMEOUT) -> Result:
    """Run argv directly on this host. Returns a Result (status, stdout, stderr...)."""
    env = fixed_env(cwd) if env is None else env
    return _run(argv, cwd, env, stdin, timeout, "native", argv)


# Stands in for the runtime in self-test mode: behaves like `lxpack run`
# (exec the program; 127/126 with one line on stderr when that fails).
# Python starts with SIGPIPE and SIGXFSZ ignored, and ignored signals survive
# exec: a runtime must give them back to the guest as it got them (SIG_DFL).
_TRAMPOLINE = r"""
import errno, os, signal, sys
a = sys.argv[sys.argv.index('--') + 1:]
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
try:
    os.execvp(a[0], a)
except OSError as e:
    sys.stderr.write('lxpack: %s: %s\n' % (a[0], e.strerror))
    sys.exit(127 if e.errno == errno.ENOENT else 126)
"""


def lxpack_command(argv: Sequence[str], backend: str, lxpack_args: Sequence[str] = ()) -> List[str]:
    tail = ["-m", "lxpack", "run", "--backend", backend] + list(lxpack_args) + ["--"] + list(argv)
    if SELFTEST == "direct":
        return list(argv)
    if SELFTEST:
        return [sys.executable, "-X", SESSION_MARK, "-c", _TRAMPOLINE] + tail
    return [sys.executable, "-X", SESSION_MARK] + hvf_double_args(backend) + \
        [a for x in XOPTIONS for a in ("-X", x)] + tail


# -X options for every lxpack run (a test sets a runtime switch with them:
# an environment variable would reach the guest).
XOPTIONS: List[str] = []


def hvf_double_args(backend: str) -> List[str]:
    """Off a Mac the hvf backend runs through its KVM test double, asked for
    with an -X option (an environment variable would reach the guest)."""
    if backend == "hvf" and sys.platform != "darwin":
        return ["-X", "lxpack_hvf_double=kvm"]
    return []


def lx_timeout() -> float:
    """The timeout for the next lxpack run (shorter once the breaker tripped)."""
    return SHORT_TIMEOUT if TIMEOUT_COUNT[0] >= TIMEOUT_BREAKER else LX_TIMEOUT


def _count_timeout(r: "Result", backend) -> "Result":
    if backend is not None and r.timed_out:
        TIMEOUT_COUNT[0] += 1
    return r


def run_lxpack(argv: Sequence[str], backend: str, cwd, env=None, stdin: Optional[bytes] = None,
               timeout: Optional[float] = None, lxpack_args: Sequence[str] = ()) -> Result:
    """Run argv under `python -m lxpack run --backend B -- argv` (or natively in
    self-test mode). Killed with its process group after `timeout`."""
    env = fixed_env(cwd) if env is None else env
    if timeout is None:
        timeout = lx_timeout()
    if backend == "hvf" and sys.platform != "darwin":
        timeout *= HVF_DOUBLE_SLOWDOWN
    r = _run(lxpack_command(argv, backend, lxpack_args), cwd, env, stdin, timeout,
             "lxpack[%s]" % backend, argv)
    return _count_timeout(r, backend)


# ---------------------------------------------------------------- files

def snapshot(root) -> Dict[str, str]:
    """The observable state of a directory tree: relative path -> description
    (type, mode, size, nlink, content hash or link target, fixed mtimes)."""
    root = Path(root)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = os.lstat(p)
            mode = "%04o" % stat.S_IMODE(st.st_mode)
            mt = " mtime=%d" % st.st_mtime if st.st_mtime < FIXED_MTIME_BEFORE else ""
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "symlink -> %s" % os.readlink(p)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir %s%s" % (mode, mt)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 16), b""):
                        h.update(chunk)
                out[rel] = "file %s size=%d nlink=%d sha256=%s%s" % (
                    mode, st.st_size, st.st_nlink, h.hexdigest()[:16], mt)
            else:
                out[rel] = "other %o" % st.st_mode
    return out


def clear_dir(path) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, onerror=_force_rm)
        else:
            child.unlink()


def _force_rm(func, path, _exc):
    os.chmod(os.path.dirname(path), 0o755)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o755)
    func(path)


# ---------------------------------------------------------------- pairs

@dataclasses.dataclass
class Step:
    """One command of a case. Cases with several steps run them in order in
    the same directory (e.g. `touch -d ...` then `stat ...`)."""
    argv: List[str]
    stdin: Optional[bytes] = None
    host: bool = False      # always run natively (e.g. run what the step before built)


def run_pair(argv, backend: str, workdir, setup: Optional[Callable[[Path], None]] = None,
             env=None, stdin: Optional[bytes] = None, files: bool = True,
             lxpack_args: Sequence[str] = (), ignore_files: Optional[str] = None,
             timeout: Optional[float] = None):
    """Run `argv` natively, then under lxpack, each in a freshly set-up
    `workdir` (the same path). Returns (native, lx) Results, with .files
    filled in when `files` (minus paths matching the regex `ignore_files`).
    `argv` may also be a list of Step. `timeout`: for each lxpack run
    (default lx_timeout())."""
    steps = argv if argv and isinstance(argv[0], Step) else [Step(list(argv), stdin)]
    workdir = Path(workdir)
    results = []
    for which in ("native", "lxpack"):
        clear_dir(workdir)
        if setup is not None:
            setup(workdir)
        e = fixed_env(workdir) if env is None else env
        parts = []
        for s in steps:
            if which == "native" or s.host:
                r = run_native(s.argv, workdir, e, s.stdin)
            else:
                r = run_lxpack(s.argv, backend, workdir, e, s.stdin, lxpack_args=lxpack_args, timeout=timeout)
            parts.append(r)
            if r.timed_out:
                break
        r = _merge(parts) if len(parts) > 1 else parts[0]
        if files:
            r.files = snapshot(workdir)
            if ignore_files:
                r.files = {k: v for k, v in r.files.items() if not re.search(ignore_files, k)}
        results.append(r)
    return results[0], results[1]


def _merge(parts: List[Result]) -> Result:
    """Several steps as one Result: outputs concatenated under a header per step."""
    out, err, left = b"", b"", []
    for r in parts:
        head = ("$ %s  [status %s]\n" % (" ".join(map(shlex.quote, r.argv)), r.status_text())).encode()
        out += head + r.stdout
        err += head + r.stderr
        left += r.leftovers
    last = parts[-1]
    status = None if any(p.timed_out for p in parts) else last.status
    return Result(last.argv, status, out, err, sum(p.elapsed for p in parts), last.timeout,
                  leftovers=left, label=last.label)


# ---------------------------------------------------------------- comparing

MAX_DIFF_LINES = 80


def _text(b: bytes) -> List[str]:
    return b.decode("utf-8", "backslashreplace").splitlines()


def _diff(a: List[str], b: List[str], what: str) -> str:
    lines = list(difflib.unified_diff(a, b, "native " + what, "lxpack " + what, lineterm="", n=2))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + ["... (%d more diff lines)" % (len(lines) - MAX_DIFF_LINES)]
    return "\n".join(lines)


def differences(native: Result, lx: Result, compare=("status", "stdout", "stderr", "files", "leftovers"),
                normalize: Optional[Callable[[bytes], bytes]] = None) -> List[str]:
    """Human-readable differences between two Results (empty if the same)."""
    norm = normalize or (lambda b: b)
    problems = []
    if "status" in compare and native.status != lx.status:
        problems.append("exit status: native %s, lxpack %s" % (native.status_text(), lx.status_text()))
    for what in ("stderr", "stdout"):   # stderr first: it says why a run stopped early
        if what in compare:
            a, b = norm(getattr(native, what)), norm(getattr(lx, what))
            if a != b:
                problems.append("%s differs:\n%s" % (what, _diff(_text(a), _text(b), what)))
    if "files" in compare and native.files is not None and lx.files is not None \
            and native.files != lx.files:
        a = ["%s: %s" % kv for kv in sorted(native.files.items())]
        b = ["%s: %s" % kv for kv in sorted(lx.files.items())]
        problems.append("files left in the working directory differ:\n" + _diff(a, b, "files"))
    if "leftovers" in compare and lx.leftovers:
        problems.append("processes left behind by the lxpack run (killed):\n  " + "\n  ".join(lx.leftovers))
    return problems


def assert_same(native: Result, lx: Result, **kw) -> None:
    """Fail with a readable report if lx differs from native."""
    problems = differences(native, lx, **kw)
    if not problems:
        return
    head = "lxpack differs from native for: %s\n" % " ".join(map(shlex.quote, lx.argv))
    tail = ""
    if "stderr" not in kw.get("compare", ("stderr",)) and lx.stderr:
        tail = "\nlxpack stderr (last lines):\n" + "\n".join(_text(lx.stderr)[-15:])
    raise AssertionError(head + "\n\n".join(problems) + tail)


def one_line_error(r: Result) -> Optional[str]:
    """None if r.stderr is exactly one line without a Python traceback, else why not."""
    text = r.stderr.decode("utf-8", "backslashreplace")
    if "Traceback" in text:
        return "stderr has a Python traceback:\n" + text[-3000:]
    lines = [l for l in text.splitlines() if l.strip()]
    if len(lines) != 1:
        return "stderr should be one line, got %d:\n%s" % (len(lines), text[-3000:])
    return None


# ---------------------------------------------------------------- samples

@dataclasses.dataclass(frozen=True)
class Case:
    """One way to run a sample: its arguments and the status it gives natively."""
    args: tuple
    expect: int = 0

    @property
    def id(self) -> str:
        return "-".join(self.args) if self.args else "all"


@dataclasses.dataclass
class Sample:
    """A samples/NAME.c and what its header comment declares:
      lxpack-cflags: extra compiler/linker flags (e.g. -pthread -lm)
      lxpack-cases:  ARGS [=> STATUS] | ARGS [=> STATUS] ...  (default: no args => 0;
                     STATUS is the native exit status, -N for death by signal N)
      lxpack-suite:  which tests run it: single (default; test_samples.py) or a topic
                     marker registered in pyproject.toml (processes, net)
      lxpack-e2e:    no  -> built but not run by the sample tests
    """
    name: str
    path: Path
    cflags: List[str]
    cases: List[Case]
    suite: str
    run: bool


_KEY = re.compile(r"lxpack-(cflags|cases|suite|e2e):\s*(.*)$")


def _leading_comment(text: str) -> List[str]:
    """The lines of the file's first /* ... */ comment, without the ' * ' margin."""
    lines = []
    for line in text.splitlines()[:80]:
        body = line.strip()
        end = "*/" in body
        body = body.split("*/")[0]
        body = re.sub(r"^(/\*+|\*)", "", body)
        lines.append(body.rstrip())
        if end:
            break
    return lines


def parse_sample(path: Path) -> Sample:
    """Read the sample's header keys. A key's value may continue on the next
    comment lines when they are indented further than ' * '."""
    meta, key = {}, None
    for body in _leading_comment(path.read_text(errors="replace")):
        m = _KEY.search(body)
        if m:
            key = m.group(1)
            meta[key] = (meta.get(key, "") + " " + m.group(2)).strip()
        elif key and body.startswith("  ") and body.strip():
            meta[key] += " " + body.strip()
        else:
            key = None
    cases = []
    for part in filter(None, (c.strip() for c in meta.get("cases", "").split("|"))):
        args, _, expect = part.partition("=>")
        cases.append(Case(tuple(shlex.split(args)), int(expect) if expect.strip() else 0))
    return Sample(path.stem, path, shlex.split(meta.get("cflags", "")), cases or [Case(())],
                  meta.get("suite", "single"), meta.get("e2e", "yes").lower() != "no")


def discover_samples() -> List[Sample]:
    return [parse_sample(p) for p in sorted(SAMPLES_DIR.glob("*.c"))]


# Build variants: name -> (compiler, flags). The compiler must be on PATH.
VARIANTS = {
    "dyn": ("gcc", ["-pie", "-fPIE"]),
    "static": ("gcc", ["-static", "-no-pie", "-fno-PIE"]),
    "static-pie": ("gcc", ["-static-pie", "-fPIE"]),
    "musl-static": ("musl-gcc", ["-static"]),
    "musl-dyn": ("musl-gcc", []),
}
COMMON_CFLAGS = ["-O1", "-g0", "-w", "-fno-omit-frame-pointer"]


def variant_unavailable(variant: str) -> Optional[str]:
    cc, flags = VARIANTS[variant]
    if shutil.which(cc) is None:
        return "%s is not installed (tools/install-sysdeps.sh installs musl-tools)" % cc
    if variant == "musl-dyn" and not os.path.exists("/lib/ld-musl-x86_64.so.1"):
        return "the musl dynamic loader /lib/ld-musl-x86_64.so.1 is not installed"
    return None


def compile_command(sample: Sample, variant: str, out: Path) -> List[str]:
    cc, flags = VARIANTS[variant]
    cflags = [f for f in sample.cflags if not f.startswith("-l")]
    libs = [f for f in sample.cflags if f.startswith("-l")]
    return [cc] + COMMON_CFLAGS + flags + cflags + ["-o", str(out), str(sample.path)] + libs


# ---------------------------------------------------------------- terminals

# Makes the (new session's) pty on stdin the controlling terminal, then execs.
_CTTY = r"""
import fcntl, os, signal, sys, termios
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
os.execvp(sys.argv[1], sys.argv[1:])
"""


def run_tty(argv: Sequence[str], cwd, backend: Optional[str] = None, env=None, rows: int = 40,
            cols: int = 132, timeout: Optional[float] = None) -> Result:
    """Run argv natively (backend None) or under lxpack with a new pseudo-
    terminal as controlling terminal, stdin and stdout (stderr stays a pipe).
    The Result's stdout is what the terminal showed."""
    import fcntl
    import select
    import struct
    import termios
    env = fixed_env(cwd) if env is None else env
    if timeout is None:
        timeout = NATIVE_TIMEOUT if backend is None else lx_timeout()
    cmd = list(argv) if backend is None else lxpack_command(argv, backend)
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-c", _CTTY] + cmd, cwd=str(cwd), env=env, stdin=slave, stdout=slave,
                         stderr=subprocess.PIPE, start_new_session=True)
    os.close(slave)
    out, status = b"", None
    try:
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:        # EIO: every slave descriptor is closed
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None and time.monotonic() - t0 > 0.5:
                r, _, _ = select.select([master], [], [], 0.3)
                if not r:
                    break
        try:
            err = p.communicate(timeout=max(1.0, timeout - (time.monotonic() - t0)))[1]
            status = p.returncode
        except subprocess.TimeoutExpired:
            _killpg(p.pid)
            err = p.communicate()[1]
    finally:
        os.close(master)
        left = group_members(p.pid)
        if left:
            LEFTOVERS.extend("tty: %s" % x for x in left)
            _killpg(p.pid)
    return _count_timeout(Result(list(argv), status, out, err, time.monotonic() - t0, timeout, leftovers=left,
                                 label="native" if backend is None else "lxpack[%s]" % backend, pid=p.pid),
                          backend)


# ---------------------------------------------------------------- conversations

def converse(argv: Sequence[str], cwd, script, backend: Optional[str] = None, env=None,
             timeout: Optional[float] = None) -> Result:
    """Run argv natively (backend None) or under lxpack and act on it like a
    host program would. `script` is a list of actions, in order:
      ("send", bytes)    write to its stdin
      ("expect", bytes)  wait until its stdout so far contains bytes
      ("signal", signum) send a signal to the process (the runtime, under lxpack)
      ("close",)         close its stdin
      ("sleep", seconds) let it reach its next blocking call (a signal sent
                         before a shell is back in `read` is a race natively too)
    Then wait for it to end. An expectation that is not met within the
    timeout ends the run (status None, "killed after timeout")."""
    import select
    env = fixed_env(cwd) if env is None else env
    if timeout is None:
        timeout = NATIVE_TIMEOUT if backend is None else lx_timeout()
    cmd = list(argv) if backend is None else lxpack_command(argv, backend)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=str(cwd), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    out, err, status = b"", b"", None
    fds = {p.stdout.fileno(): "out", p.stderr.fileno(): "err"}

    def pump(wait):
        nonlocal out, err
        r, _, _ = select.select(list(fds), [], [], wait)
        for fd in r:
            chunk = os.read(fd, 65536)
            if not chunk:
                del fds[fd]
            elif fds[fd] == "out":
                out += chunk
            else:
                err += chunk

    try:
        ok = True
        for action in script:
            if action[0] == "send":
                p.stdin.write(action[1])
                p.stdin.flush()
            elif action[0] == "close":
                p.stdin.close()
            elif action[0] == "sleep":
                time.sleep(action[1])
            elif action[0] == "signal":
                os.kill(p.pid, action[1])
            elif action[0] == "expect":
                while action[1] not in out and fds and time.monotonic() - t0 < timeout:
                    pump(0.1)
                if action[1] not in out:
                    ok = False
                    break
        while ok and fds and time.monotonic() - t0 < timeout:
            pump(0.1)
        if ok:
            try:
                p.wait(timeout=max(0.5, timeout - (time.monotonic() - t0)))
                status = p.returncode
            except subprocess.TimeoutExpired:
                pass
    except BrokenPipeError:
        p.wait(timeout=timeout)
        status = p.returncode
    finally:
        left = [] if status is None else group_members(p.pid)
        if left:
            LEFTOVERS.extend("converse: %s" % x for x in left)
        _killpg(p.pid)
        if p.poll() is None:
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            try:
                f.close()
            except (OSError, ValueError):
                pass
    return _count_timeout(Result(list(argv), status, out, err, time.monotonic() - t0, timeout, leftovers=left,
                                 label="native" if backend is None else "lxpack[%s]" % backend, pid=p.pid),
                          backend)
