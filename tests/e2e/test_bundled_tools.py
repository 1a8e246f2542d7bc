"""Real tools packed the way docs/PACKAGING.md says, run as bundles in the
foreign-host mode (LXPACK_FOREIGN_HOST=1: only the host paths a Mac has
outside the bundle), compared with native runs of the same commands in the
same directory: g++ (<iostream>, <regex>, <thread>), make driving gcc over
a 20-file project (make packed with a profile traced on another project),
git (init, add, commit, log, diff, a local clone, gc), sqlite3, vim (ex
mode, and editing on a terminal under tmux, screen by screen),
tar/gzip/xz, a JDK (javac + a multi-threaded java program), python3's venv
and Tcl/Tk's wish drawing on an X server (Xvfb), screenshots compared.
python3, gcc and perl have their own file (test_packed_programs.py).

One backend runs these (kvm where it works, else unicorn): they are whole
tool chains, slow to emulate; the backends are compared on the samples.
"""
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from bundletools import bundle_env, installed, lxpack, pack_dir

REPO = Path(__file__).resolve().parents[2]
PROJECTS = Path(__file__).resolve().parent / "projects"
GIT_ENV = {"GIT_AUTHOR_NAME": "Lx", "GIT_AUTHOR_EMAIL": "lx@example.org", "GIT_COMMITTER_NAME": "Lx",
           "GIT_COMMITTER_EMAIL": "lx@example.org", "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
           "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null"}


_BACKEND = []


def _backend():
    if not _BACKEND:
        from lxpack.launch import boot
        ok = {b.name: b.ok for b in boot.probe_backends()}
        _BACKEND.append("kvm" if ok.get("kvm") else "unicorn")
    return _BACKEND[0]


def _lxpack(*args, cwd=None):
    r = lxpack(*args, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r


def _env(extra=None):
    return bundle_env(True, _backend(), LC_ALL="C", TZ="UTC", **(extra or {}))


def _sh(argv, cwd, env, stdin=None):
    r = subprocess.run([str(a) for a in argv], cwd=str(cwd), env=env, capture_output=True, timeout=900,
                       input=stdin)
    return r.returncode, r.stdout, r.stderr


def _same(steps, tools, tmp_path, env_extra=None, setup=None):
    """Run each step (argv whose first word names a tool) natively, then
    with the tools' bundles, each pass in a fresh copy of the directory;
    returns the two lists of (status, stdout) for the caller to compare."""
    out = {}
    for which in ("native", "bundle"):
        wd = tmp_path / which
        wd.mkdir(parents=True)
        if setup:
            setup(wd)
        env = _env(env_extra)
        got = []
        for step in steps:
            exe = tools[step[0]][0 if which == "native" else 1]
            st, so, se = _sh([exe] + list(step[1:]), wd, env)
            got.append((st, so))
            assert which == "native" or st == out["native"][len(got) - 1][0], (step, se.decode(errors="replace"))
        out[which] = got
    return out["native"], out["bundle"]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    return tmp_path_factory.mktemp("tools")


# ------------------------------------------------------------------ C++

CPP = r"""
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>
int main() {
    std::regex word("([a-z]+)-([0-9]+)");
    std::string text = "alpha-1 beta-22 gamma-333";
    int sum = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), word), end; it != end; ++it)
        sum += std::stoi((*it)[2]);
    std::vector<std::thread> ts;
    std::vector<int> part(4);
    for (int i = 0; i < 4; i++)
        ts.emplace_back([&part, i] { for (int k = 0; k < 100000; k++) part[i] += k % (i + 2); });
    for (auto &t : ts) t.join();
    std::cout << "sum " << sum << " parts " << part[0] + part[1] + part[2] + part[3] << std::endl;
}
"""


def test_gxx_compiles_iostream_regex_and_threads(bundles, tmp_path):
    gxx = installed("/usr/bin/g++")
    launcher = pack_dir(gxx, bundles / "Gxx")

    def setup(wd):
        (wd / "prog.cpp").write_text(CPP)
    native, bundle = _same([["g++", "-O1", "-pthread", "-o", "prog", "prog.cpp"]],
                           {"g++": (gxx, launcher)}, tmp_path, setup=setup)
    assert native == bundle
    outs = [_sh([tmp_path / w / "prog"], tmp_path, os.environ)[:2] for w in ("native", "bundle")]
    assert outs[0] == outs[1] and outs[0][1].startswith(b"sum 356 ")


# ------------------------------------------------------------------ make + gcc

def test_make_builds_a_20_file_project_with_the_packed_gcc(bundles, tmp_path):
    """make packed with the profile of a traced build of another project:
    the profile brings gcc, cc1, as, ld, collect2, the headers and crt files."""
    make = installed("/usr/bin/make")
    installed("/usr/bin/gcc")
    train = tmp_path / "train"
    shutil.copytree(PROJECTS / "make3", train)
    prof = tmp_path / "make.prof"
    _lxpack("trace", "-o", prof, "--backend", _backend(), "--", make, "-s", cwd=train)
    launcher = pack_dir(make, bundles / "Make", "--profile", prof)
    native, bundle = _same([["make", "-s"], ["make", "-s", "-q", "prog"]], {"make": (make, launcher)},
                           tmp_path / "run", setup=lambda wd: shutil.copytree(PROJECTS / "make20", wd,
                                                                               dirs_exist_ok=True))
    assert native == bundle
    outs = [_sh([tmp_path / "run" / w / "prog"], tmp_path, os.environ)[:2] for w in ("native", "bundle")]
    assert outs[0] == outs[1] == (0, b"total 258\n")


# ------------------------------------------------------------------ git

def test_git_init_commit_log_diff_clone_gc(bundles, tmp_path):
    git = installed("/usr/bin/git")
    launcher = pack_dir(git, bundles / "Git")

    def setup(wd):
        (wd / "a.txt").write_text("one\ntwo\n")
    steps = [["git", "init", "-q", "-b", "main", "repo"],
             ["git", "-C", "repo", "config", "user.name", "Lx"],
             ["sh", "-c", "cp a.txt repo/ && echo"],
             ["git", "-C", "repo", "add", "a.txt"],
             ["git", "-C", "repo", "commit", "-q", "-m", "first"],
             ["sh", "-c", "echo three >> repo/a.txt"],
             ["git", "-C", "repo", "diff"],
             ["git", "-C", "repo", "commit", "-q", "-a", "-m", "second"],
             ["git", "-C", "repo", "log", "--format=%H %s"],
             ["git", "clone", "-q", "repo", "copy"],
             ["git", "-C", "copy", "log", "--oneline"],
             ["git", "-C", "repo", "gc", "-q"],
             ["git", "-C", "repo", "count-objects", "-v"],
             ["git", "-C", "repo", "fsck", "--no-progress"]]
    tools = {"git": (git, launcher), "sh": ("/bin/sh", "/bin/sh")}
    native, bundle = _same(steps, tools, tmp_path, GIT_ENV, setup)
    # count-objects' size-pack depends on the file system's block use
    strip = lambda rs: [(s, b"\n".join(x for x in o.split(b"\n") if not x.startswith(b"size"))) for s, o in rs]
    assert strip(native) == strip(bundle)
    assert native[8][1].count(b"\n") == 2


# ------------------------------------------------------------------ small tools

def test_sqlite3(bundles, tmp_path):
    sq = installed("/usr/bin/sqlite3")
    launcher = pack_dir(sq, bundles / "Sqlite3")
    sql = ("create table t(k text, v int); insert into t values ('a', 1), ('b', 2), ('c', 3);"
           "select group_concat(k), sum(v), printf('%.3f', avg(v)) from t; pragma integrity_check;")
    native, bundle = _same([["sqlite3", "db.sqlite", sql], ["sqlite3", "db.sqlite", "select count(*) from t"]],
                           {"sqlite3": (sq, launcher)}, tmp_path)
    assert native == bundle and native[0][1] == b"a,b,c|6|2.000\nok\n"


def test_vim_edits_a_file(bundles, tmp_path):
    vim = installed("/usr/bin/vim.basic") if os.path.exists("/usr/bin/vim.basic") else installed("/usr/bin/vim")
    launcher = pack_dir(vim, bundles / "Vim")

    def setup(wd):
        (wd / "f.txt").write_text("alpha\nbeta\ngamma\n")
    steps = [["vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-c", "%s/a/A/g", "-c", "2d", "-c", "wq", "f.txt"],
             ["vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-c", "$put ='delta'", "-c", "x", "f.txt"]]
    native, bundle = _same(steps, {"vim": (vim, launcher)}, tmp_path, setup=setup)
    assert native == bundle
    assert (tmp_path / "native/f.txt").read_bytes() == (tmp_path / "bundle/f.txt").read_bytes() == \
        b"AlphA\ngAmmA\ndelta\n"


def test_tar_gzip_xz_round_trip(bundles, tmp_path):
    tools = {}
    for name in ("tar", "gzip", "xz"):
        p = shutil.which(name, path="/usr/bin:/bin")
        if p is None:
            pytest.skip("no %s" % name)
        tools[name] = (p, pack_dir(os.path.realpath(p), bundles / name.capitalize()))

    def setup(wd):
        (wd / "d").mkdir()
        (wd / "d/a.txt").write_text("a" * 5000)
        (wd / "d/b.bin").write_bytes(bytes(range(256)) * 40)
    steps = [["tar", "--mtime=@0", "--owner=0", "--group=0", "--sort=name", "-cf", "a.tar", "d"],
             ["gzip", "-n", "-k", "a.tar"], ["xz", "-k", "a.tar"],
             ["gzip", "-dc", "a.tar.gz"], ["xz", "-dc", "a.tar.xz"],
             ["tar", "-tvf", "a.tar"], ["xz", "-l", "a.tar.xz"]]
    native, bundle = _same(steps, tools, tmp_path, setup=setup)
    assert native == bundle
    for f in ("a.tar", "a.tar.gz", "a.tar.xz"):
        assert (tmp_path / "native" / f).read_bytes() == (tmp_path / "bundle" / f).read_bytes(), f


# ------------------------------------------------------------------ python venv

def test_python3_creates_a_venv(bundles, tmp_path):
    py = installed("/usr/bin/python3")
    launcher = pack_dir(py, bundles / "Py")
    steps = [["py", "-m", "venv", "--without-pip", "v"],
             ["py", "-c", "import ssl, hashlib; print(ssl.OPENSSL_VERSION.split()[0], "
                          "hashlib.sha1(b'x').hexdigest())"],
             ["sh", "-c", "ls v/bin | sort; cat v/pyvenv.cfg | grep -v '^command'"]]
    native, bundle = _same(steps, {"py": (py, launcher), "sh": ("/bin/sh", "/bin/sh")}, tmp_path)
    assert native == bundle
    assert b"activate" in native[2][1]


# ------------------------------------------------------------------ JDK

JAVA = r"""
import java.util.*;
import java.util.concurrent.*;
public class Main {
    public static void main(String[] a) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(4);
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int k = t;
            fs.add(ex.submit(() -> { long s = 0; for (int i = 0; i < 200_000; i++) s += (i ^ k) % 7; return s; }));
        }
        long total = 0;
        for (Future<Long> f : fs) total += f.get();
        ex.shutdown();
        Map<String, Integer> m = new TreeMap<>();
        for (String w : "the quick brown fox jumps over the lazy dog the end".split(" ")) m.merge(w, 1, Integer::sum);
        System.out.println("total=" + total + " words=" + m);
    }
}
"""


def test_jdk_compiles_and_runs_a_threadedinstalled(bundles, tmp_path):
    java = os.path.realpath(installed("/usr/bin/java"))
    javac = os.path.join(os.path.dirname(java), "javac")
    installed(javac)
    launcher = pack_dir(java, bundles / "Java")          # carries $JAVA_HOME, javac's module included

    def setup(wd):
        (wd / "Main.java").write_text(JAVA)
    # javac from the bundle: its java launcher running javac's main module
    # (what bin/javac does), so one bundle carries both.
    wd_n, wd_b = tmp_path / "native", tmp_path / "bundle"
    for wd in (wd_n, wd_b):
        wd.mkdir()
        setup(wd)
    env = _env()
    n1 = _sh([javac, "-d", "out", "Main.java"], wd_n, env)
    b1 = _sh([launcher, "-m", "jdk.compiler/com.sun.tools.javac.Main", "-d", "out", "Main.java"], wd_b, env)
    assert (b1[0], b1[1]) == (n1[0], n1[1]), b1[2].decode(errors="replace")
    n2 = _sh([java, "-cp", "out", "Main"], wd_n, env)
    b2 = _sh([launcher, "-cp", "out", "Main"], wd_b, env)
    assert (b2[0], b2[1]) == (n2[0], n2[1]), b2[2].decode(errors="replace")
    assert n2[1].startswith(b"total=") and b"the=3" in n2[1]


# ------------------------------------------------------------------ Tk on X

TK = r"""
wm geometry . 240x160+0+0
canvas .c -width 240 -height 120 -background white -highlightthickness 0
.c create rectangle 10 10 110 60 -fill "#3060c0" -outline black
.c create oval 130 20 230 110 -fill "#e0a020"
.c create line 10 100 120 70 -width 3 -fill red
label .l -text "lxpack Tk"
pack .c .l
update
after 300
update
puts drawn
flush stdout
gets stdin
exit 0
"""


@pytest.fixture(scope="module")
def xserver():
    xvfb = shutil.which("Xvfb")
    if not xvfb or not shutil.which("xwd"):
        pytest.skip("Xvfb and xwd are not installed (tools/install-sysdeps.sh installs them)")
    # -displayfd: the server picks a free display and says which once it
    # accepts connections (no guessed number, no race with its start-up)
    r, w = os.pipe()
    p = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", "320x200x24", "-nolisten", "tcp"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(w,))
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    if not number.isdigit():
        p.kill()
        pytest.skip("Xvfb did not start")
    display = ":" + number
    yield display
    p.terminate()
    p.wait()


def _screenshot(argv, cwd, env, want=None):
    """Run a Tk script that prints "drawn" and waits on stdin; returns
    (status, first line, sha256 of the screen). The X server may still be
    drawing what Tk flushed: without `want` the screen is taken once two
    shots in a row agree; with `want` (the native run's hash) shots are
    taken until one matches, for up to 30 s, so a slow redraw on a busy
    machine is not a difference (a wrong picture never matches)."""
    p = subprocess.Popen([str(a) for a in argv], cwd=str(cwd), env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline()
    digest, last = None, None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        img = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=60).stdout
        digest = hashlib.sha256(img).hexdigest()
        if (want is None and digest == last) or digest == want:
            break
        last = digest
        time.sleep(0.2)
    p.stdin.close()
    p.wait(timeout=300)
    return p.returncode, line, digest


def test_wish_draws_the_same_window(bundles, tmp_path, xserver):
    wish = os.path.realpath(installed("/usr/bin/wish"))
    launcher = pack_dir(wish, bundles / "Wish")
    (tmp_path / "draw.tcl").write_text(TK)
    env = _env({"DISPLAY": xserver})
    native = _screenshot([wish, "draw.tcl"], tmp_path, env)
    time.sleep(0.3)
    bundle = _screenshot([launcher, "draw.tcl"], tmp_path, env, want=native[2])
    assert native[:2] == (0, b"drawn\n")
    assert bundle == native


# ------------------------------------------------------------------ vim on a terminal

def test_vim_edits_under_tmux(bundles, tmp_path):
    """The bundled vim on a real terminal (tmux): the same screens as the
    native vim at each step of an edit, and the same file saved."""
    from test_tty_pty import Tmux, _assert_screens, _env as tty_env, _vi_steps, _need
    _need("tmux")
    vim = installed("/usr/bin/vim.basic") if os.path.exists("/usr/bin/vim.basic") else installed("/usr/bin/vim")
    launcher = pack_dir(vim, bundles / "VimTerm")
    args = ["-u", "NONE", "-i", "NONE", "-N", "new.txt"]
    screens = {}
    for which, exe in (("native", vim), ("bundle", str(launcher))):
        wd = tmp_path / which
        wd.mkdir()
        env = tty_env(wd, LXPACK_FOREIGN_HOST="1", LXPACK_BACKEND=_backend())
        t = Tmux([exe] + args, wd, env, screens.get("native"))
        try:
            screens[which] = _vi_steps(t)
        finally:
            t.close()
    _assert_screens(screens["native"], screens["bundle"], "bundled vim")
    assert (tmp_path / "native/new.txt").read_bytes() == (tmp_path / "bundle/new.txt").read_bytes() == \
        b"second line\nfirst line\n"
