"""Fixtures of the packager tests: the closure samples (built once per
session with gcc from samples/closure/), a runner for the `lxpack` command
in a subprocess, and `ldd` as the oracle for closure resolution."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import closure_fixtures  # noqa: E402

REPO = closure_fixtures.REPO


@pytest.fixture(scope="session")
def closure_samples(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    return closure_fixtures.build(tmp_path_factory.mktemp("closure"))


@pytest.fixture(scope="session")
def hello(closure_samples):
    return closure_samples.hello


class Run:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def err_lines(self):
        return [line for line in self.stderr.splitlines() if line.strip()]


def lxpack(*args, cwd=None, env=None, timeout=120):
    """Run `python -m lxpack ARGS` and return its Run."""
    full_env = dict(os.environ)
    full_env.pop("LD_LIBRARY_PATH", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([sys.executable, "-m", "lxpack", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout)
    return Run(proc)


@pytest.fixture
def run_lxpack():
    return lxpack


_LDD_FOUND = re.compile(r"^(\S+) => (\S+) \(0x[0-9a-f]+\)$")
_LDD_MISSING = re.compile(r"^(\S+) => not found$")
_LDD_BARE = re.compile(r"^(\S+) \(0x[0-9a-f]+\)$")
VDSO = ("linux-vdso.so.1", "linux-gate.so.1")


def ldd(path, library_path=None):
    """What ldd resolves for `path`: (set of paths, set of missing names, all output),
    or None for a static program. The vDSO is left out."""
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if library_path is not None:
        env["LD_LIBRARY_PATH"] = library_path
    proc = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
    if "not a dynamic executable" in proc.stdout + proc.stderr or "statically linked" in proc.stdout:
        return None
    paths, missing = set(), set()
    for line in proc.stdout.splitlines():
        line = line.strip()
        m = _LDD_FOUND.match(line)
        if m:
            paths.add(m.group(2))
            continue
        m = _LDD_MISSING.match(line)
        if m:
            missing.add(m.group(1))
            continue
        m = _LDD_BARE.match(line)
        if m and m.group(1) not in VDSO:
            paths.add(m.group(1))
    return paths, missing, proc.stdout + proc.stderr


def reached(closure):
    """Paths of the objects some DT_NEEDED entry resolved to (what ldd lists)."""
    return {e.path for o in closure.objects for e in o.edges if e.path}
