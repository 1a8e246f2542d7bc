"""How a packed .app starts on a Mac, checked here by running its launcher
as if on one: `uname -s` says Darwin, `open` and `osascript` are stubs on
PATH that record their arguments, and a double-click is what launchd makes
of it -- the launcher's parent is pid 1 (a shell that is pid 1 of its own
pid namespace) and nothing on stdin or stdout is a terminal (setsid, stdin
/dev/null, stdout a pipe). The program runs for real under the runtime in
the foreign-host mode of the suite.

- A double-clicked command-line program: its launcher writes NAME.command
  and hands it to Terminal (`open -a Terminal`, else AppleScript); that
  script runs the launcher again with LXPACK_NO_TERMINAL=1 and waits for a
  key. Started from a terminal, or with the marker, it runs in place.
- An X11 program (linked against libX11: the manifest says `ui: x11`) gets
  XQuartz's display as `:N` (Linux's libxcb does not read launchd's socket
  paths) and reaches that server; with none, a dialog when double-clicked,
  one line on stderr otherwise.
"""
import json
import os
import pty
import random
import shutil
import socket
import struct
import subprocess
import threading

import pytest

from lxpack.packager.pack import PackOptions, pack

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = "\n[%s exited with status %d. Press any key to close this window.]\n"


def _stub(bindir, name, text):
    p = bindir / name
    p.write_text("#!/bin/sh\n" + text)
    p.chmod(0o755)


@pytest.fixture
def mac(tmp_path):
    """Stubs that make the launcher see a Mac; returns (env, log path)."""
    bindir = tmp_path / "stubs"
    bindir.mkdir()
    log = tmp_path / "calls"
    _stub(bindir, "uname", 'case $1 in -s) echo Darwin ;; *) echo x86_64 ;; esac\n')
    for tool in ("open", "osascript"):
        _stub(bindir, tool, 'printf "%s" {tool} >> {log}\nfor a in "$@"; do printf " <%s>" "$a" >> {log}; done\n'
              'echo >> {log}\nexit ${{FAKE_{up}_STATUS:-0}}\n'.format(tool=tool, log=log, up=tool.upper()))
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]), TMPDIR=str(tmp_path))
    for k in ("DISPLAY", "LXPACK_NO_TERMINAL", "LXPACK_PYTHON"):
        env.pop(k, None)
    return env, log


def _calls(log):
    return log.read_text().splitlines() if log.exists() else []


def _unshare_ok():
    return shutil.which("unshare") and subprocess.run(
        ["unshare", "--pid", "--fork", "true"], capture_output=True).returncode == 0


needs_pidns = pytest.mark.skipif(not _unshare_ok(), reason="cannot make a pid namespace (unshare --pid)")


def double_click(launcher, env, *args):
    """Start launcher as launchd does for Finder: parent pid 1, no terminal."""
    cmd = ["setsid", "unshare", "--pid", "--fork", "sh", "-c", '"$@"; exit $?', "sh", str(launcher), *args]
    return subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def hello_app(closure_samples, tmp_path_factory):
    out = tmp_path_factory.mktemp("macstart") / "Hello World.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(out), name="Hello World"))
    return out


def test_manifest_says_cli_for_a_terminal_program(hello_app):
    m = json.loads((hello_app / "Contents/Resources/lxpack/manifest.json").read_text())
    assert m["ui"] == "cli"


@needs_pidns
def test_double_clicked_cli_opens_terminal_with_a_script(hello_app, mac, tmp_path):
    env, log = mac
    launcher = hello_app / "Contents/MacOS/Hello World"
    r = double_click(launcher, env, "-psn_0_12345", "it's", "two words")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    calls = _calls(log)
    assert len(calls) == 1 and calls[0].startswith("open <-a> <Terminal> <"), calls
    script = calls[0][len("open <-a> <Terminal> <"):-1]
    d = os.path.dirname(script)
    assert os.path.basename(script) == "Hello World.command"
    assert os.path.dirname(d) == str(tmp_path) and os.path.basename(d).startswith("lxpack.")
    assert os.stat(script).st_mode & 0o777 == 0o700
    q = "'%s'" % d
    assert open(script).read() == (
        "#!/bin/bash\n"
        "# Hello World in a Terminal window (written by its lxpack launcher): run it, then wait for a key.\n"
        "rm -rf -- %s\n"
        "LXPACK_NO_TERMINAL=1 '%s' 'it'\\''s' 'two words'\n"
        "status=$?\n"
        "printf '\\n[%%s exited with status %%d. Press any key to close this window.]\\n' 'Hello World' \"$status\"\n"
        "read -r -s -n 1\n"
        'exit "$status"\n') % (q, launcher)

    # What Terminal runs: the program, then the prompt; the key ends it. Run
    # as launchd's child again: the marker, not the terminal, keeps it here.
    r = subprocess.run(["setsid", "unshare", "--pid", "--fork", "sh", "-c", '"$@"; exit $?', "sh",
                        "/bin/bash", script], env=env, input="k", capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout) == (0, "hello\n" + PROMPT % ("Hello World", 0)), r
    assert _calls(log) == calls                       # no second Terminal
    assert not os.path.exists(d)                      # the script removed itself


@needs_pidns
def test_terminal_falls_back_to_applescript(hello_app, mac):
    env, log = mac
    r = double_click(hello_app / "Contents/MacOS/Hello World", dict(env, FAKE_OPEN_STATUS="1"))
    assert r.returncode == 0, r
    calls = _calls(log)
    assert len(calls) == 2 and calls[0].startswith("open <-a> <Terminal> <"), calls
    script = calls[0][len("open <-a> <Terminal> <"):-1]
    assert calls[1] == ("osascript <-e> <on run argv> <-e> <tell application \"Terminal\"> <-e> <activate> "
                        "<-e> <do script \"exec /bin/bash \" & quoted form of (item 1 of argv)> <-e> <end tell> "
                        "<-e> <end run> <%s>" % script)


@needs_pidns
def test_started_from_a_terminal_runs_in_place(hello_app, mac):
    """Parent pid 1 but stdin and stdout a terminal (a shell that is pid 1 in
    a container, `open` of a terminal...): no Terminal window, the program
    runs in this one."""
    env, log = mac
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(["unshare", "--pid", "--fork", "sh", "-c", '"$@"; exit $?', "sh",
                              str(hello_app / "Contents/MacOS/Hello World")],
                             env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        slave = None
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        assert p.wait(timeout=120) == 0, out
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert out.replace(b"\r\n", b"\n") == b"hello\n"
    assert _calls(log) == []


@needs_pidns
def test_marker_or_a_non_mac_keeps_it_in_place(hello_app, mac, tmp_path):
    env, log = mac
    launcher = hello_app / "Contents/MacOS/Hello World"
    r = double_click(launcher, dict(env, LXPACK_NO_TERMINAL="1"))
    assert (r.returncode, r.stdout) == (0, "hello\n"), r
    linux = dict(env, PATH=env["PATH"].split(":", 1)[1] + ":" + str(tmp_path / "stubs"))  # the real uname first
    r = double_click(launcher, linux)
    assert (r.returncode, r.stdout) == (0, "hello\n"), r
    r = subprocess.run([str(launcher)], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=120)                     # a pipeline: not launchd's child
    assert (r.returncode, r.stdout) == (0, "hello\n"), r
    assert _calls(log) == []


# ---------------------------------------------------------------- X11 programs

@pytest.fixture(scope="module")
def x11_app(tmp_path_factory):
    if shutil.which("gcc") is None or not os.path.exists("/usr/include/X11/Xlib.h"):
        pytest.skip("no gcc or no Xlib headers")
    d = tmp_path_factory.mktemp("x11")
    prog = d / "x11_display"
    subprocess.run(["gcc", "-O1", "-o", str(prog), os.path.join(REPO, "samples/closure/x11_display.c"), "-lX11"],
                   check=True, capture_output=True)
    out = d / "XDemo.app"
    pack(PackOptions(program=str(prog), output=str(out)))
    return out


def test_manifest_says_x11_for_an_xlib_program(x11_app):
    m = json.loads((x11_app / "Contents/Resources/lxpack/manifest.json").read_text())
    assert m["ui"] == "x11"


@needs_pidns
def test_double_clicked_x11_without_a_server_shows_a_dialog(x11_app, mac):
    env, log = mac
    r = double_click(x11_app / "Contents/MacOS/XDemo", env)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", ""), r
    assert _calls(log) == [
        "osascript <-e> <on run argv> <-e> <display dialog (item 1 of argv) buttons {\"OK\"} default button \"OK\" "
        "with title (item 2 of argv) with icon caution> <-e> <end run> <XDemo shows its windows on an X server, "
        "and this Mac has none: install XQuartz (https://www.xquartz.org), log out and back in, then open XDemo "
        "again.> <XDemo>"]


def test_x11_without_a_server_from_a_terminal_says_one_line(x11_app, mac):
    env, log = mac
    r = subprocess.run([str(x11_app / "Contents/MacOS/XDemo")], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    lines = r.stderr.splitlines()
    assert lines[0] == ("XDemo: no X server to show windows on: install XQuartz (https://www.xquartz.org), "
                        "log out and back in"), r.stderr
    assert r.stdout == "DISPLAY=(unset)\nXOpenDisplay: no server\n"   # the program still runs
    assert _calls(log) == []


class FakeXServer:
    """Listens on a Unix socket; answers each X connection setup with a
    refusal (enough for XOpenDisplay to return) and records its first bytes."""

    def __init__(self, path):
        self.path = path
        self.setups = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(10)
                try:
                    head = c.recv(12)
                except OSError:
                    continue
                self.setups.append(head[:1] + head[2:6])
                reason = b"lxpack test server"
                pad = -len(reason) % 4
                c.sendall(bytes([0, len(reason)]) + struct.pack("<HHH", 11, 0, (len(reason) + pad) // 4)
                          + reason + b"\0" * pad)

    def close(self):
        self.sock.close()
        os.unlink(self.path)


@pytest.mark.skipif(not os.path.isdir("/tmp/.X11-unix"), reason="no /tmp/.X11-unix here")
def test_x11_gets_xquartz_display_and_reaches_it(x11_app, mac, tmp_path):
    """DISPLAY as launchd sets it (a socket path ending in org.xquartz:N):
    the program is given :N and its libxcb reaches the server on
    /tmp/.X11-unix/XN. A display number nobody uses here stands for 0."""
    env, log = mac
    for _ in range(20):
        n = random.randrange(600, 1000)
        if not os.path.exists("/tmp/.X11-unix/X%d" % n):
            break
    launchd = tmp_path / "com.apple.launchd.test"
    launchd.mkdir()
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(str(launchd / ("org.xquartz:%d" % n)))
    server = FakeXServer("/tmp/.X11-unix/X%d" % n)
    try:
        r = subprocess.run([str(x11_app / "Contents/MacOS/XDemo")],
                           env=dict(env, DISPLAY=str(launchd / ("org.xquartz:%d" % n))),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    finally:
        server.close()
        lsock.close()
    assert r.stdout == "DISPLAY=:%d\nXOpenDisplay: no server\n" % n, r
    assert "lxpack test server" in r.stderr, r.stderr       # Xlib quotes the refusal
    assert server.setups == [b"l" + struct.pack("<HH", 11, 0)]  # little-endian, X11.0
    assert _calls(log) == []
