"""Packing from a profile, end to end: `lxpack trace` a real program of this
machine, pack it with `--profile`, run the bundle where the Linux files it
read are NOT there, and compare with the native run.

Hiding is done twice, independently: the foreign-host mode
(LXPACK_FOREIGN_HOST=1: the VFS shows only what a Mac has), and a private
mount namespace (root + unshare) that mounts empty tmpfs over the Linux
directories (/usr/lib/python3.11, /usr/lib/gcc, /usr/include...) and
/dev/null over the other traced files (as, ld, crt1.o, libc.so...), with the
bundle in the Linux view — the runtime's own Python lives in the venv /
pyenv, so it keeps working there. Without the profile the same bundles fail
(the check is not passing because this machine is Linux).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import bundletools
import pytest
from bundletools import bundle_env, can_hide, hidden

REPO = Path(__file__).resolve().parents[2]
PY = "/usr/bin/python3"
GCC = "/usr/bin/gcc"
PY_CODE = ("import json, sqlite3, subprocess, threading, hashlib; print(json.dumps({'sha': "
           "hashlib.sha256(b'lxpack').hexdigest()[:16], 'sql': sqlite3.connect(':memory:').execute("
           "'select 6*7').fetchone()[0], 'threads': threading.active_count(), 'list': [1, 'two', None]}))")
PY_HIDE = ["/usr/lib/python3.11", "/usr/lib/python3", "/usr/local/lib/python3.11"]
GCC_HIDE = ["/usr/lib/gcc", "/usr/libexec/gcc", "/usr/include"]


def lxpack(*args, cwd=None):
    return bundletools.lxpack(*args, cwd=cwd, timeout=600, linux_view=True)


def run_bundle(launcher, args, cwd, foreign, backend, hide=None, timeout=600):
    cmd = [str(launcher)] + list(args)
    if hide is not None:
        cmd = hidden(*hide) + cmd
    return subprocess.run(cmd, cwd=cwd, env=bundle_env(foreign, backend), capture_output=True, text=True,
                          timeout=timeout)


def traced_files(bundle_root, hidden_dirs):
    """Regular files the profile added that the namespace must also hide:
    everything under /usr outside the tmpfs'd directories, except shared
    libraries (the runtime's own Python may load the host's)."""
    manifest = json.loads((bundle_root / "Resources/lxpack/manifest.json").read_text())
    out = set()
    for e in manifest["closure"]:
        if e["reason"] != "profile" or e["symlink_target"] is not None:
            continue
        real = os.path.realpath(e["path"])
        if (real.startswith("/usr/") and ".so" not in os.path.basename(real)
                and not any(real.startswith(d + "/") for d in hidden_dirs)):
            out.add(real)
    return sorted(out)


def trace_and_pack(tmp, prog, trace_args, cwd, name):
    prof = tmp / (name + ".prof")
    r = lxpack("trace", "-o", prof, "--", prog, *trace_args, cwd=cwd)
    assert r.returncode == 0, r.stderr
    out = tmp / name
    # --no-auto-data: what the profile alone brings (packager.knowledge would
    # add the python and gcc trees by itself).
    r = lxpack(prog, "-o", out, "--format", "dir", "--profile", prof, "--no-macos", "-q", "--no-auto-data")
    assert r.returncode == 0, r.stderr
    bare = tmp / (name + "-bare")
    r = lxpack(prog, "-o", bare, "--format", "dir", "--no-macos", "-q", "--no-auto-data")
    assert r.returncode == 0, r.stderr
    return out, bare


@pytest.fixture(scope="module")
def python_bundles(tmp_path_factory):
    if not os.path.exists(PY):
        pytest.skip("no %s" % PY)
    tmp = tmp_path_factory.mktemp("pyprof")
    return trace_and_pack(tmp, PY, ["-c", PY_CODE], tmp, "Py")


@pytest.fixture(scope="module")
def gcc_bundles(tmp_path_factory):
    if not os.path.exists(GCC):
        pytest.skip("no %s" % GCC)
    tmp = tmp_path_factory.mktemp("gccprof")
    work = tmp / "trace"
    work.mkdir()
    shutil.copy(REPO / "samples/hello.c", work)
    bundles = trace_and_pack(tmp, GCC, ["-o", "hello", "hello.c"], work, "Gcc")
    assert (work / "hello").exists()
    return bundles


def test_python_packed_from_a_profile_runs_without_the_linux_python(python_bundles, backend, tmp_path):
    bundle, bare = python_bundles
    native = subprocess.run([PY, "-c", PY_CODE], capture_output=True, text=True, cwd=tmp_path)
    assert native.returncode == 0, native.stderr
    launcher = bundle / "MacOS" / "Py"
    r = run_bundle(launcher, ["-c", PY_CODE], tmp_path, True, backend)
    assert (r.returncode, r.stdout, r.stderr) == (0, native.stdout, "")
    if can_hide():
        hide = (PY_HIDE, traced_files(bundle, PY_HIDE))
        r = run_bundle(launcher, ["-c", PY_CODE], tmp_path, False, backend, hide)
        assert (r.returncode, r.stdout, r.stderr) == (0, native.stdout, "")
    # without the profile, the same bundle has no standard library
    r = run_bundle(bare / "MacOS" / "Py-bare", ["-c", PY_CODE], tmp_path, True, backend)
    assert r.returncode != 0 and r.stdout == ""


def test_gcc_packed_from_a_profile_compiles_and_links_without_the_linux_toolchain(gcc_bundles, backend,
                                                                                 tmp_path):
    bundle, bare = gcc_bundles
    shutil.copy(REPO / "samples/hello.c", tmp_path)
    native = subprocess.run([GCC, "-o", "native", "hello.c"], capture_output=True, text=True, cwd=tmp_path)
    assert native.returncode == 0, native.stderr
    launcher = bundle / "MacOS" / "Gcc"
    runs = [("foreign", True, None)]
    if can_hide():
        runs.append(("namespace", False, (GCC_HIDE, traced_files(bundle, GCC_HIDE))))
        assert any(f.endswith("-as") or f.endswith("/as") for f in runs[-1][2][1]), runs[-1][2][1]
    for label, foreign, hide in runs:
        out = "hello-" + label
        r = run_bundle(launcher, ["-o", out, "hello.c"], tmp_path, foreign, backend, hide)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), label
        assert (tmp_path / out).read_bytes() == (tmp_path / "native").read_bytes(), label
        ran = subprocess.run([str(tmp_path / out)], capture_output=True, text=True)
        assert (ran.returncode, ran.stdout) == (0, "hello\n")
    r = run_bundle(bare / "MacOS" / "Gcc-bare", ["-o", "bare", "hello.c"], tmp_path, True, backend)
    assert r.returncode != 0 and "cc1" in r.stderr


def test_profile_of_a_traced_run_lists_what_gcc_looked_for(gcc_bundles):
    bundle, _ = gcc_bundles
    prof = bundle.parent / "Gcc.prof"
    from lxpack.packager import profile
    p = profile.load(str(prof))
    cc1 = [u for path, u in p.paths.items() if path.endswith("/cc1")]
    assert cc1 and cc1[0].did("exec")
    assert any(path.endswith("/stdio.h") and u.found for path, u in p.paths.items())
    assert p.failed(), "gcc looks in places that do not exist (PATH, multilib dirs)"
