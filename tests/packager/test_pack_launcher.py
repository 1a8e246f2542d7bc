"""A packed bundle's launcher finds a python3 >= 3.9 and reaches the
bundled runtime -- under Python 3.9 (what macOS ships) and under the newest
python3 here -- passing argv, env, cwd, stdio and the exit status through;
the one-file form extracts once into the per-user cache and reuses it.

Until the runtime can run programs, reaching it shows as the one-line
BackendUnavailable message from run.py; these tests accept either that or
the program's real output, and record which they saw (`outcome`)."""
import glob
import os
import re
import shutil
import subprocess

import pytest

from lxpack.packager.pack import PackOptions, pack

PY39 = "/root/.pyenv/versions/3.9.18/bin/python3"
BACKEND_LINE = re.compile(r"^\S+: .*backend", re.IGNORECASE)


def _version(py):
    try:
        out = subprocess.run([py, "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30).stdout
        return tuple(int(x) for x in out.split())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def newest_python():
    candidates = set(glob.glob("/root/.pyenv/versions/*/bin/python3"))
    candidates |= set(glob.glob("/usr/bin/python3.*")) | set(glob.glob("/usr/local/bin/python3.*"))
    for name in ("python3",):
        if shutil.which(name):
            candidates.add(shutil.which(name))
    best = None
    for c in sorted(candidates):
        if c.endswith("-config") or not os.access(c, os.X_OK):
            continue
        v = _version(c)
        if v and v >= (3, 9) and (best is None or v > best[0]):
            best = (v, c)
    return best[1] if best else None


def run(cmd, env=None, **kw):
    full = dict(os.environ)
    full.pop("LXPACK_PYTHON", None)
    full.update(env or {})
    return subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def hello_app(closure_samples, tmp_path_factory):
    out = tmp_path_factory.mktemp("launch") / "Hello.app"
    pack(PackOptions(program=str(closure_samples.hello), output=str(out)))
    return out


def _reached(proc, record_property):
    """Assert the runtime was reached; return 'ran' or 'backend-unavailable'."""
    assert "Traceback" not in proc.stderr, proc.stderr
    if proc.returncode == 0 and proc.stdout == "hello\n":
        outcome = "ran"
    else:
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 5 and len(lines) == 1 and BACKEND_LINE.match(lines[0]), \
            (proc.returncode, proc.stdout, proc.stderr)
        outcome = "backend-unavailable"
    record_property("outcome", outcome)
    print("outcome:", outcome)
    return outcome


@pytest.mark.skipif(not os.path.exists(PY39), reason="no Python 3.9 at %s" % PY39)
def test_runtime_reached_under_python39(hello_app, record_property):
    launcher = hello_app / "Contents/MacOS/Hello"
    _reached(run([str(launcher)], env={"LXPACK_PYTHON": PY39}), record_property)


def test_runtime_reached_under_newest_python(hello_app, record_property):
    py = newest_python()
    if py is None:
        pytest.skip("no python3 >= 3.9 found")
    launcher = hello_app / "Contents/MacOS/Hello"
    _reached(run([str(launcher)], env={"LXPACK_PYTHON": py}), record_property)


def test_runtime_reached_with_python_from_path(hello_app, record_property):
    _reached(run([str(hello_app / "Contents/MacOS/Hello")]), record_property)


def test_launcher_passes_everything_through(closure_samples, tmp_path):
    out = tmp_path / "P.app"
    pack(PackOptions(program=str(closure_samples["passthrough"].program), output=str(out)))
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    proc = run([str(out / "Contents/MacOS/P"), "7", "two words", ""], env={"LXPACK_T": "ok"},
               cwd=str(cwd), input="from stdin\n")
    if proc.returncode == 5 and BACKEND_LINE.match(proc.stderr.strip()):
        pytest.skip("runtime has no backend yet: " + proc.stderr.strip())
    assert proc.stdout == ("arg1=7\narg2=two words\narg3=\nenv=ok\ncwd=%s\nstdin=from stdin\n" % cwd)
    assert proc.returncode == 7


def test_launcher_through_a_symlink(hello_app, tmp_path, record_property):
    link = tmp_path / "bin" / "hello-link"
    link.parent.mkdir()
    os.symlink(os.path.relpath(hello_app / "Contents/MacOS/Hello", link.parent), link)
    _reached(run([str(link)]), record_property)


def test_bad_lxpack_python_is_one_line_127(hello_app, tmp_path):
    proc = run([str(hello_app / "Contents/MacOS/Hello")], env={"LXPACK_PYTHON": str(tmp_path / "nope")})
    assert proc.returncode == 127
    assert proc.stderr.strip().count("\n") == 0 and "python3 >= 3.9" in proc.stderr


@pytest.mark.skipif(not glob.glob("/root/.pyenv/versions/3.8*/bin/python3"), reason="no Python 3.8")
def test_too_old_python_is_refused(hello_app):
    py = sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))[0]
    proc = run([str(hello_app / "Contents/MacOS/Hello")], env={"LXPACK_PYTHON": py})
    assert proc.returncode == 127 and "python3 >= 3.9" in proc.stderr


def test_onefile_extracts_once_and_reuses(closure_samples, tmp_path, record_property):
    out = tmp_path / "hello.run"
    pack(PackOptions(program=str(closure_samples.hello), output=str(out)))
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    _reached(run([str(out)], env=env), record_property)
    dirs = [d for d in os.listdir(cache / "lxpack") if d != "pycache"]
    assert len(dirs) == 1 and re.fullmatch(r"[0-9a-f]{32}", dirs[0]), dirs
    extracted = cache / "lxpack" / dirs[0]
    stamp = os.stat(extracted / "MacOS/hello").st_ino
    _reached(run([str(out)], env=env), record_property)
    assert [d for d in os.listdir(cache / "lxpack") if d != "pycache"] == dirs
    assert os.stat(extracted / "MacOS/hello").st_ino == stamp


def test_dir_format_runs(closure_samples, tmp_path, record_property):
    out = tmp_path / "hello-dir"
    pack(PackOptions(program=str(closure_samples.hello), output=str(out), format="dir"))
    _reached(run([str(out / "MacOS/hello-dir")]), record_property)


def test_onefile_removes_its_stale_old_versions(closure_samples, tmp_path, record_property):
    """A new version's first run removes the unpacked copies of this bundle
    unused for 30 days; recent ones and other bundles' copies stay."""
    import time
    cache = tmp_path / "cache"
    base = cache / "lxpack"
    old_days = time.time() - 40 * 86400

    def fake(hash_, name, used):
        d = base / hash_
        (d / "MacOS").mkdir(parents=True)
        (d / "MacOS" / name).write_text("#!/bin/sh\n")
        (d / ".lxpack-used").write_text("")
        os.utime(d / ".lxpack-used", (used, used))
        return d

    stale = fake("a" * 32, "hello", old_days)
    recent = fake("b" * 32, "hello", time.time() - 86400)
    other = fake("c" * 32, "other", old_days)
    out = tmp_path / "hello.run"
    pack(PackOptions(program=str(closure_samples.hello), output=str(out)))
    _reached(run([str(out)], env={"XDG_CACHE_HOME": str(cache)}), record_property)
    assert not stale.exists()
    assert recent.exists() and other.exists()
    assert len([d for d in os.listdir(base) if (base / d / "MacOS" / "hello").exists()]) == 2
