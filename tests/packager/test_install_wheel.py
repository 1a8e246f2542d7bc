"""Installing lxpack like a tool: a wheel built from this tree and installed
with pip into a fresh virtual environment (not editable, no source tree on
sys.path) runs programs and packs bundles that run, with the native
program's output and status. The wheel holds every file of the package
folders, and a pack with an incomplete runtime is refused in one line.

Slow-tolerant: about a minute (building the wheel, installing its
dependencies from pip's cache or the index)."""
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# pyproject.toml's package-dir: repository folder -> import package path
PACKAGE_DIRS = {folder: pkg.replace(".", "/") for pkg, folder in
                re.findall(r'^"(lxpack(?:\.\w+)*)"\s*=\s*"([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)}
# pip errors that mean "no index to fetch the build backend from", the only
# reason to skip rather than fail a wheel build of this tree.
_OFFLINE = ("No matching distribution", "Could not find a version", "Failed to establish a new connection",
            "Temporary failure in name resolution", "Network is unreachable")


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH", "VIRTUAL_ENV", "LXPACK_PYTHON")}
    env.update(extra)
    return env


def _run(cmd, cwd, timeout=600, **env):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=_clean_env(**env), capture_output=True,
                          text=True, timeout=timeout)


def _source_files():
    """The files a checkout has in the package folders (tracked or new, not ignored)."""
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard",
                          *PACKAGE_DIRS], capture_output=True, text=True, check=True).stdout
    return [p for p in out.splitlines() if (REPO / p).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, venv) with lxpack installed from a wheel of this tree."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout to know the source files")
    probe = subprocess.run([sys.executable, "-c", "import venv, ensurepip"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this Python has no venv/ensurepip")
    tmp = tmp_path_factory.mktemp("install")
    # Build from a copy: setuptools writes build/ and *.egg-info next to pyproject.toml.
    src = tmp / "src"
    for rel in _source_files() + ["pyproject.toml", "README.md"]:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src], tmp)
    if r.returncode != 0 and any(s in r.stderr for s in _OFFLINE):
        pytest.skip("cannot build a wheel here: %s" % (r.stderr.strip().splitlines() or ["?"])[-1])
    assert r.returncode == 0, "pip wheel of this tree failed:\n" + r.stderr[-3000:]
    wheel = next((tmp / "dist").glob("lxpack-*.whl"))
    venv = tmp / "venv"
    r = _run([sys.executable, "-m", "venv", venv], tmp)
    assert r.returncode == 0, r.stderr
    r = _run([venv / "bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], tmp)
    if r.returncode != 0:
        pytest.skip("cannot install the wheel's dependencies: %s"
                    % (r.stderr.strip().splitlines() or ["?"])[-1])
    return wheel, venv


def test_wheel_holds_every_file_of_the_package_folders(installed):
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    expected = set()
    for rel in _source_files():
        top, _, rest = rel.partition("/")
        expected.add("%s/%s" % (PACKAGE_DIRS[top], rest))
    assert sorted(expected - names) == []
    assert "lxpack/unikernel/guest/vdso.so" in names and "lxpack/unikernel/guest/entry.bin" in names


def test_installed_lxpack_is_the_wheel(installed, tmp_path):
    _, venv = installed
    r = _run([venv / "bin/python", "-c", "import lxpack; print(lxpack.__file__)"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve().is_relative_to(venv.resolve())


def test_installed_lxpack_runs_programs(installed, hello, tmp_path):
    _, venv = installed
    r = _run([venv / "bin/lxpack", "run", "--", "/bin/true"], tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    for argv in (["/bin/echo", "installed", "like a tool"], [str(hello)]):
        native = _run(argv, tmp_path)
        r = _run([venv / "bin/lxpack", "run", "--", *argv], tmp_path)
        assert (r.returncode, r.stdout, r.stderr) == (native.returncode, native.stdout, native.stderr)


@pytest.mark.parametrize("out", ["hello.run", "Hello.app"])
def test_installed_lxpack_packs_bundles_that_run(installed, hello, tmp_path, out):
    _, venv = installed
    # --no-macos: unicorn's Mac libraries would be fetched from PyPI; they
    # are tested in test_pack_macos_libs.py.
    r = _run([venv / "bin/lxpack", hello, "-o", tmp_path / out, "--no-macos", "-q"], tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    launcher = tmp_path / out if out.endswith(".run") else tmp_path / out / "Contents/MacOS/Hello"
    native = _run([hello], tmp_path)
    got = _run([launcher], tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert (got.returncode, got.stdout, got.stderr) == (native.returncode, native.stdout, native.stderr)


def test_pack_refuses_an_incomplete_installed_runtime(installed, hello, tmp_path):
    _, venv = installed
    vdso = next(venv.glob("lib/python3*/site-packages/lxpack/unikernel/guest/vdso.so"))
    kept = tmp_path / "vdso.so.kept"
    shutil.move(vdso, kept)
    try:
        r = _run([venv / "bin/lxpack", hello, "-o", tmp_path / "h.run", "-q"], tmp_path)
    finally:
        shutil.move(kept, vdso)
    assert r.returncode == 3
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("lxpack: ") and "incomplete" in lines[0]
    assert "lxpack/unikernel/guest/vdso.so" in lines[0]
    assert list(tmp_path.iterdir()) == []  # no bundle, no temporary
