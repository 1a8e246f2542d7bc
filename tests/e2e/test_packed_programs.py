"""Packing beyond the ELF closure, end to end: python3, gcc and perl packed
with the default knowledge rules, run as bundles in the foreign-host mode
(LXPACK_FOREIGN_HOST=1: only what a Mac has outside the bundle) and once
more in a private mount namespace that really hides the Linux directories
they need (the standard library, gcc's parts and headers, perl's @INC);
outputs are compared with native runs. A python3 packed with
--no-auto-data must fail in the same mode (the mode is what proves it)."""
import subprocess
from pathlib import Path

import pytest
from bundletools import bundle_env, hidden, installed, pack_dir

REPO = Path(__file__).resolve().parents[2]
PY_CODE = ("import json, sqlite3, hashlib, subprocess, threading\n"
           "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
           "db = sqlite3.connect(':memory:'); db.execute('create table t(x)');"
           " db.executemany('insert into t values (?)', [(i,) for i in range(10)])\n"
           "print(json.dumps({'sum': db.execute('select sum(x) from t').fetchone()[0],"
           " 'sha': hashlib.sha256(b'lxpack').hexdigest(),"
           " 'echo': subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout}, sort_keys=True))\n")
PERL_CODE = ('use POSIX qw(floor strftime); use Data::Dumper; $Data::Dumper::Sortkeys = 1; '
             'print Dumper({floor => floor(7.5), year => strftime("%Y", gmtime(86400 * 365)), '
             'list => [map { $_ * 2 } 1..3]});')
# Hidden for real in the namespace check: safe, since the runtime itself runs
# on the venv's Python under /root/.pyenv (bundletools.hidden points the launcher
# at it; hiding all of /usr would not be safe).
HIDE = {
    "python3": ["/usr/lib/python3.11"],
    "gcc": ["/usr/lib/gcc", "/usr/include"],
    "perl": ["/usr/share/perl", "/usr/lib/x86_64-linux-gnu/perl", "/usr/lib/x86_64-linux-gnu/perl-base",
             "/usr/share/perl5"],
}


def _run(argv, foreign, cwd, prefix=()):
    return subprocess.run(list(prefix) + [str(a) for a in argv], capture_output=True, text=True,
                          env=bundle_env(foreign, LC_ALL="C"), cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    return tmp_path_factory.mktemp("packed")


def _program(name):
    return installed("/usr/bin/" + name)


def test_python3_with_its_standard_library(bundles, tmp_path):
    py = _program("python3")
    launcher = pack_dir(py, bundles / "Py")
    native = _run([py, "-c", PY_CODE], False, tmp_path)
    assert native.returncode == 0, native.stderr
    lx = _run([launcher, "-c", PY_CODE], True, tmp_path)
    assert (lx.returncode, lx.stdout) == (0, native.stdout), lx.stderr
    ns = _run([launcher, "-c", PY_CODE], False, tmp_path, hidden(HIDE["python3"]))
    assert (ns.returncode, ns.stdout) == (0, native.stdout), ns.stderr
    # the namespace really hides the standard library from the native python
    assert _run([py, "-c", "import json"], False, tmp_path, hidden(HIDE["python3"])).returncode != 0


def test_python3_without_auto_data_fails_as_on_a_mac(bundles, tmp_path):
    launcher = pack_dir(_program("python3"), bundles / "PyBare", "--no-auto-data")
    lx = _run([launcher, "-c", "import json"], True, tmp_path)
    assert lx.returncode != 0 and "encodings" in lx.stderr


def test_gcc_compiles_and_links_hello(bundles, tmp_path):
    gcc = _program("gcc")
    # Until the packer renames case-colliding names, the 8 netfilter header
    # pairs that differ only in case (xt_MARK.h / xt_mark.h) make a bundle
    # refuse to start in the foreign-host mode: leave them out.
    launcher = pack_dir(gcc, bundles / "Gcc", "--exclude", "/usr/include/linux/netfilter*")
    src = REPO / "samples" / "hello.c"
    native = _run([gcc, "-O2", "-o", "native-hello", src], False, tmp_path)
    assert native.returncode == 0, native.stderr
    expected = _run([tmp_path / "native-hello"], False, tmp_path)
    for i, (foreign, prefix) in enumerate([(True, ()), (False, hidden(HIDE["gcc"]))]):
        out = "lx-hello-%d" % i
        lx = _run([launcher, "-O2", "-o", out, src], foreign, tmp_path, prefix)
        assert lx.returncode == 0, lx.stderr
        got = _run([tmp_path / out], False, tmp_path)
        assert (got.returncode, got.stdout) == (expected.returncode, expected.stdout)
    assert _run([gcc, "-c", "-o", "x.o", src], False, tmp_path, hidden(HIDE["gcc"])).returncode != 0


def test_perl_with_posix_and_data_dumper(bundles, tmp_path):
    perl = _program("perl")
    launcher = pack_dir(perl, bundles / "Perl")
    argv = ["-MPOSIX", "-MData::Dumper", "-e", PERL_CODE]
    native = _run([perl] + argv, False, tmp_path)
    assert native.returncode == 0, native.stderr
    lx = _run([launcher] + argv, True, tmp_path)
    assert (lx.returncode, lx.stdout, lx.stderr) == (0, native.stdout, native.stderr)
    ns = _run([launcher] + argv, False, tmp_path, hidden(HIDE["perl"]))
    assert (ns.returncode, ns.stdout) == (0, native.stdout), ns.stderr
    assert _run([perl] + argv, False, tmp_path, hidden(HIDE["perl"])).returncode != 0
