"""Pseudo-terminals and interactive programs, differential.

- the tty_pty sample (`lxpack-suite: net`) in every variant: /dev/ptmx,
  TIOCGPTN/TIOCGPTPEER, the line discipline through a pair, a child with
  the slave as controlling terminal getting SIGWINCH;
- interactive programs in a terminal, driven through tmux (a private tmux
  server per run: send-keys, capture-pane), natively and under lxpack, the
  screens compared at every step: bash (a typed command line, history,
  Ctrl-C at a sleeping command, job control with Ctrl-Z/jobs/fg), less
  paging a file, vi editing and saving a file, and a window resize reaching
  the program (SIGWINCH, the new size).

(tests/e2e/test_tty.py covers the terminal ioctls themselves.)
Every wait is bounded: a step waits for its expected screen at most
STEP_TIMEOUT seconds, then the screens are compared as they are.
"""
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

import harness
from test_samples import run_sample_case

SAMPLES = [s for s in harness.discover_samples() if s.run and s.suite == "net" and s.name.startswith("tty_")]
PARAMS = [pytest.param(s, c, id="%s-%s" % (s.name, c.id)) for s in SAMPLES for c in s.cases]

STEP_TIMEOUT = float(os.environ.get("LXPACK_E2E_TMUX_STEP", "30"))
COLS, ROWS = 80, 24


@pytest.mark.parametrize("sample,case", PARAMS)
def test_sample(sample, case, variant, backend, sample_builds, workdir):
    run_sample_case(sample, case, variant, backend, sample_builds, workdir)


# ---------------------------------------------------------------- tmux

def _need(prog):
    exe = shutil.which(prog, path=harness.FIXED_PATH)
    if exe is None:
        pytest.skip("%s is not installed (tools/install-sysdeps.sh installs it)" % prog)
    return exe


class Tmux(object):
    """One private tmux server running one program in an 80x24 window."""

    def __init__(self, argv, cwd, env, expect=None):
        self.tmux = _need("tmux")
        self.expect = expect          # the native run's screens (see wait)
        self.waits = 0
        self.sock = "lxpack-e2e-%s" % uuid.uuid4().hex[:10]
        self.env = env
        # argv as separate words: tmux execs it directly. Through its default
        # shell (`bash -c CMD`) the non-interactive bash drops PS1 from the
        # environment and the prompt became `bash-5.2#`.
        self._run("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(COLS), "-y", str(ROWS),
                  "-c", str(cwd), *argv)
        self._run("set-option", "-t", "t", "remain-on-exit", "on")

    def _run(self, *args, check=True):
        return subprocess.run([self.tmux, "-L", self.sock] + list(args), env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=30, check=check)

    def keys(self, *keys):
        self._run("send-keys", "-t", "t", *keys)

    def text(self, s):
        self._run("send-keys", "-t", "t", "-l", s)

    def screen(self):
        # with the scroll-back: tmux's "Pane is dead" line (dropped below)
        # appears only once it reaped the process, which for lxpack can be
        # later than natively, and scrolls the screen when it does
        out = self._run("capture-pane", "-p", "-S", "-%d" % ROWS, "-t", "t",
                        check=False).stdout.decode("utf-8", "replace")
        lines = [line.rstrip() for line in out.split("\n") if not line.startswith("Pane is dead")]
        return "\n".join(lines).rstrip("\n")

    def wait(self, pattern, timeout=STEP_TIMEOUT, quiet=0.3):
        """The screen once it matches the regex `pattern` and has stopped
        changing for `quiet` seconds (a full-screen program redraws in
        several writes, slower on a busy machine), or after timeout. With
        `expect` (the native run's screens, for the lxpack run), a matching
        screen that is still short of the native one is waited on too,
        until the timeout: a slow redraw is not a difference."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        want = self.expect[self.waits] if self.expect and self.waits < len(self.expect) else None
        self.waits += 1
        last, since = None, None
        while True:
            s = self.screen()
            now = time.monotonic()
            if now > deadline:
                return s
            if rx.search(s):
                if s != last:
                    last, since = s, now
                elif now - since >= quiet and (want is None or s == want):
                    return s
            else:
                last = None
            time.sleep(0.1)

    def settle(self, quiet=0.5, timeout=STEP_TIMEOUT):
        """The screen once it stopped changing for `quiet` seconds."""
        self.waits += 1                   # one screen of the conversation (see wait)
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            s = self.screen()
            if s != last:
                last, since = s, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
            time.sleep(0.1)
        return last

    def ended(self, timeout=STEP_TIMEOUT):
        """The screen once the program's terminal output has ended."""
        self.waits += 1                   # one screen of the conversation (see wait)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self._run("display-message", "-p", "-t", "t", "#{pane_dead}", check=False).stdout
            if out.strip() == b"1":
                break
            time.sleep(0.1)
        return self.screen()

    def resize(self, cols, rows):
        self._run("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def close(self):
        self._run("kill-server", check=False)


def _env(cwd, **extra):
    env = harness.fixed_env(cwd, **extra)
    env.pop("TERM", None)          # tmux sets TERM for the pane
    return env


def _conversation(argv, backend, workdir, steps, setup=None, env_extra=None):
    """Run `steps` (a function of a Tmux returning a list of screens) against
    argv natively, then under lxpack, in the same fresh directory."""
    screens = {}
    files = {}
    for which in ("native", "lxpack"):
        harness.clear_dir(workdir)
        if setup:
            setup(workdir)
        cmd = list(argv) if which == "native" else harness.lxpack_command(argv, backend)
        t = Tmux(cmd, workdir, _env(workdir, **(env_extra or {})), screens.get("native"))
        try:
            screens[which] = steps(t)
        finally:
            t.close()
        files[which] = harness.snapshot(workdir)
    return screens["native"], screens["lxpack"], files["native"], files["lxpack"]


def _assert_screens(native, lx, what):
    for i, (a, b) in enumerate(zip(native, lx)):
        if a != b:
            raise AssertionError("%s: screen %d differs\n--- native\n%s\n--- lxpack\n%s" % (what, i, a, b))
    assert len(native) == len(lx)


# ---------------------------------------------------------------- programs

def _bash_steps(t):
    out = [t.wait(r"\$\Z")]
    t.text("echo hello $((6*7))")
    t.keys("Enter")
    out.append(t.wait(r"^hello 42\n\$\Z"))
    t.text("sleep 30")
    t.keys("Enter")
    time.sleep(1.0)
    t.keys("C-c")
    out.append(t.wait(r"\^C\n\$\Z"))
    t.text("echo status $?")
    t.keys("Enter")
    out.append(t.wait(r"^status 130\n\$\Z"))
    t.keys("Up", "Up", "Up")
    out.append(t.wait(r"\$ echo hello \$\(\(6\*7\)\)\Z"))
    t.keys("Enter")
    out.append(t.wait(r"hello 42[\s\S]*hello 42\n\$\Z"))
    # job control: stop a job, list it, bring it back and interrupt it
    t.text("sleep 40")
    t.keys("Enter")
    time.sleep(1.0)
    t.keys("C-z")
    out.append(t.wait(r"Stopped +sleep 40\n\$\Z"))
    t.text("jobs")
    t.keys("Enter")
    out.append(t.wait(r"jobs\n\[1\]\+ +Stopped +sleep 40\n\$\Z"))
    t.text("fg")
    t.keys("Enter")
    out.append(t.wait(r"fg\nsleep 40\Z"))
    time.sleep(0.5)
    t.keys("C-c")
    out.append(t.wait(r"\^C\n\$\Z"))
    t.text("exit")
    t.keys("Enter")
    out.append(t.ended())
    return out


def test_bash_interactive(backend, workdir):
    bash = _need("bash")
    native, lx, _f1, _f2 = _conversation([bash, "--norc", "--noprofile", "-i"], backend, workdir, _bash_steps,
                                         env_extra={"PS1": "$ ", "HISTFILE": "/dev/null"})
    assert native[1].endswith("hello 42\n$"), native
    _assert_screens(native, lx, "bash")


def _less_steps(t):
    out = [t.wait(r"lines\.txt\Z")]
    t.keys("Space")
    out.append(t.wait(r"line 46\n:\Z"))
    t.keys("G")
    out.append(t.wait(r"\(END\)\Z"))
    t.text("/line 150")
    t.keys("Enter")
    out.append(t.settle())
    t.keys("g")
    out.append(t.wait(r"^line 1\n[\s\S]*\n:\Z"))
    t.keys("q")
    out.append(t.ended())
    return out


def test_less(backend, workdir):
    less = _need("less")

    def setup(wd):
        (wd / "lines.txt").write_text("".join("line %d\n" % i for i in range(1, 201)))
    native, lx, _f1, _f2 = _conversation([less, "lines.txt"], backend, workdir, _less_steps, setup=setup,
                                         env_extra={"LESSHISTFILE": "-"})
    assert "line 1" in native[0], native
    _assert_screens(native, lx, "less")


def _vi_steps(t):
    # vim may write its status line before the ~ lines: wait for both (a
    # slow run on a busy machine was caught between the two).
    out = [t.wait(r"^~\s*$[\s\S]*new\.txt")]
    t.keys("i")
    t.text("first line")
    t.keys("Enter")
    t.text("second line")
    t.keys("Escape")
    out.append(t.wait(r"^second line"))
    t.keys("g", "g", "d", "d", "p")
    out.append(t.wait(r"^second line\nfirst line"))
    t.text(":wq")
    t.keys("Enter")
    out.append(t.ended())
    return out


def test_vi(backend, workdir):
    vi = _need("vi")
    native, lx, nfiles, lfiles = _conversation([vi, "-u", "NONE", "-i", "NONE", "-N", "new.txt"], backend,
                                               workdir, _vi_steps)
    assert "new.txt" in nfiles, nfiles
    assert nfiles == lfiles, "the saved file differs:\nnative %s\nlxpack %s" % (nfiles, lfiles)
    _assert_screens(native, lx, "vi")     # vim uses a POSIX timer (timer_create) for its waits


RESIZE = r"""
import os, signal, sys, time
def show(sig, frame):
    c, r = os.get_terminal_size()
    print("SIGWINCH: %dx%d" % (c, r), flush=True)
signal.signal(signal.SIGWINCH, show)
c, r = os.get_terminal_size()
print("start: %dx%d" % (c, r), flush=True)
for i in range(600):
    time.sleep(0.05)
"""


def _resize_steps(t):
    out = [t.wait(r"^start: 80x24$")]
    t.resize(100, 30)
    out.append(t.wait(r"^SIGWINCH: 100x30$"))
    t.resize(60, 20)
    out.append(t.wait(r"^SIGWINCH: 60x20$"))
    t.keys("C-c")
    out.append(t.ended())
    return out


def test_resize_reaches_the_program(backend, workdir):
    py = _need("python3")

    def setup(wd):
        (wd / "winch.py").write_text(RESIZE)
    native, lx, _f1, _f2 = _conversation([py, "winch.py"], backend, workdir, _resize_steps, setup=setup)
    assert "SIGWINCH: 60x20" in native[2], native
    _assert_screens(native, lx, "resize")


def test_bash_sees_resize(backend, workdir):
    bash = _need("bash")

    def steps(t):
        out = [t.wait(r"\$\Z")]
        t.resize(90, 20)
        time.sleep(0.5)
        t.text("echo cols=$COLUMNS lines=$LINES; stty size")
        t.keys("Enter")
        out.append(t.wait(r"^20 90\n\$\Z"))
        t.text("exit")
        t.keys("Enter")
        out.append(t.ended())
        return out
    native, lx, _f1, _f2 = _conversation([bash, "--norc", "--noprofile", "-i"], backend, workdir, steps,
                                         env_extra={"PS1": "$ ", "HISTFILE": "/dev/null"})
    assert "cols=90 lines=20" in native[1], native
    _assert_screens(native, lx, "bash resize")
