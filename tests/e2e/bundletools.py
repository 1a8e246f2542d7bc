"""Helpers shared by the end-to-end tests that pack real programs and run the
bundles (test_packed_programs, test_profile_bundles, test_bundled_tools,
test_foreign_host): the lxpack command line, packing in the dir format,
the environment a bundle runs in (foreign-host mode, backend), and a private
mount namespace that really hides Linux files from a command."""
import os
import shutil
import subprocess
import sys

import pytest


def lxpack(*args, cwd=None, timeout=900, linux_view=False):
    """`python -m lxpack ARGS` (a CompletedProcess, text). With linux_view,
    guests see this machine's files (LXPACK_FOREIGN_HOST=0): what `lxpack
    trace` needs to record a native-like run."""
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    if linux_view:
        env["LXPACK_FOREIGN_HOST"] = "0"
    return subprocess.run([sys.executable, "-m", "lxpack", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def pack_dir(program, out, *extra):
    """The documented one command, in the dir format without Mac libraries
    (the test runs the bundle here); returns its launcher."""
    r = lxpack(program, "-o", out, "--format", "dir", "--no-macos", "-q", *extra)
    assert r.returncode == 0, r.stderr
    return out / "MacOS" / out.name


def bundle_env(foreign=True, backend=None, **extra):
    """os.environ for a bundle: foreign-host mode on or off, a backend."""
    env = dict(os.environ, LXPACK_FOREIGN_HOST="1" if foreign else "0")
    if backend:
        env["LXPACK_BACKEND"] = backend
        if backend == "hvf" and sys.platform != "darwin":
            env["LXPACK_HVF_DOUBLE"] = "kvm"      # off a Mac: the backend's KVM test double
    env.update(extra)
    return env


def installed(path):
    """*path* if this machine has it, else skip the test."""
    if not os.path.exists(path):
        pytest.skip("%s is not installed (tools/install-sysdeps.sh installs it)" % path)
    return str(path)


def can_hide():
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def hidden(dirs, files=()):
    """A command prefix running its command in a private mount namespace
    with *dirs* emptied (tmpfs over them) and *files* replaced by /dev/null;
    skips the test where that needs what this machine lacks (root,
    unshare)."""
    if not can_hide():
        pytest.skip("needs root and unshare(1) for a private mount namespace")
    mounts = ["mount -t tmpfs none %s" % d for d in dirs if os.path.isdir(d)]
    mounts += ["mount --bind /dev/null %s" % f for f in files]
    # A bundle's launcher prefers the system python3, whose standard library
    # the namespace may hide: its runtime runs on the suite's own interpreter
    # (under /root/.pyenv), as on a Mac it runs on one outside the bundle.
    env = [] if os.environ.get("LXPACK_PYTHON") else ["env", "LXPACK_PYTHON=" + os.path.realpath(sys.executable)]
    return env + ["unshare", "--mount", "--propagation", "private", "sh", "-ec",
                  "; ".join(mounts) + '; exec "$0" "$@"']
