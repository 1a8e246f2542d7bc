"""Which of a bundle's unicorn native libraries this host loads.

Owns: use_bundled_unicorn(). A bundle packed on Linux carries the packing
host's libunicorn in python/unicorn/lib/ and, for Macs, one
libunicorn.2.dylib per architecture in python/unicorn/lib/darwin-arm64/ and
darwin-x86_64/ (packager/macos_libs.py). unicorn's Python package looks in
$LIBUNICORN_PATH first: point it at the right one while unicorn is imported,
then take it out of the environment again so the guest program never sees it.
lxpack's patched build of the library (tools/build_unicorn.py), when the
bundle carries it for this host in python/unicorn/lib/lxpack-<platform>/,
comes first (runtime/vmm/unicorn/enginelib.py; LXPACK_UNICORN=pypi: not).
Travels inside bundles: Python 3.9.
"""
import os
import sys

from lxpack.runtime.vmm.unicorn import enginelib

LIB_NAME = "libunicorn.2.dylib"


def lib_dir(python_dir, sys_platform=None, machine=None):
    """The directory of the library for this host, or None (the default place)."""
    sys_platform = sys_platform if sys_platform is not None else sys.platform
    if os.environ.get(enginelib.ENV) != "pypi":
        d = enginelib.patched_dir(os.path.join(python_dir, "unicorn"), sys_platform, machine)
        if d is not None:
            return d
    if sys_platform != "darwin":
        return None
    machine = machine if machine is not None else os.uname().machine     # platform.machine() without importing platform
    arch = "arm64" if machine in ("arm64", "aarch64") else "x86_64"
    d = os.path.join(python_dir, "unicorn", "lib", "darwin-" + arch)
    return d if os.path.isfile(os.path.join(d, LIB_NAME)) else None


def use_bundled_unicorn(python_dir):
    """Load unicorn's native library from the bundle's copy for this host
    (a no-op where the default place already holds the right one)."""
    d = lib_dir(python_dir)
    if d is None or "LIBUNICORN_PATH" in os.environ:
        return
    os.environ["LIBUNICORN_PATH"] = d
    try:
        import unicorn  # noqa: F401  (loads the library now, from d)
    except ImportError:
        pass          # `lxpack doctor` / backend probing reports why unicorn is unusable
    finally:
        os.environ.pop("LIBUNICORN_PATH", None)
