"""Which libunicorn the unicorn backend loads: lxpack's patched build when
it is there, else the one of unicorn's PyPI package.

Owns: select() (called before unicorn is first imported), the place of the
patched library and the switch LXPACK_UNICORN=pypi.

The patched build (tools/build_unicorn.py: the pinned unicorn sdist plus
third_party/unicorn/patches) lives beside the PyPI library, in
<unicorn package>/lib/lxpack-<platform>/ (linux-x86_64, darwin-arm64,
darwin-x86_64), so the packager's copy of the unicorn package carries it into
bundles. unicorn's Python package loads from $LIBUNICORN_PATH first and
falls back to its own library when that one does not load: point it at the
patched directory while unicorn is imported, then take the variable out of
the environment again (the guest never sees it). Whether the library that
was loaded is the patched one is asked of the engine itself
(backend.enable_fast): a library that does not know the patch's control
call is PyPI's, run as before.
Travels inside bundles: Python 3.9.
"""
import os
import sys

LIB_NAMES = {"linux": "libunicorn.so.2", "darwin": "libunicorn.2.dylib"}
# LXPACK_UNICORN=pypi: load PyPI's library even when the patched one is there
# (benchmarks and tests compare the two).
ENV = "LXPACK_UNICORN"


def platform_tag(sys_platform=None, machine=None):
    """linux-x86_64, darwin-arm64, darwin-x86_64 (or None: no patched build)."""
    sys_platform = sys_platform if sys_platform is not None else sys.platform
    machine = machine if machine is not None else os.uname().machine
    if sys_platform.startswith("linux") and machine in ("x86_64", "amd64"):
        return "linux-x86_64"
    if sys_platform == "darwin":
        return "darwin-arm64" if machine in ("arm64", "aarch64") else "darwin-x86_64"
    return None


def patched_dir(package_dir, sys_platform=None, machine=None):
    """The directory holding the patched library for this host under the
    unicorn package at package_dir, or None."""
    tag = platform_tag(sys_platform, machine)
    if tag is None:
        return None
    name = LIB_NAMES[tag.split("-")[0]]
    d = os.path.join(package_dir, "lib", "lxpack-" + tag)
    return d if os.path.isfile(os.path.join(d, name)) else None


def _package_dir():
    import importlib.util
    try:
        spec = importlib.util.find_spec("unicorn")    # finds, does not import
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def select():
    """Import unicorn with the patched library if this installation carries
    one for this host (no-op once unicorn is imported, when the user set
    LIBUNICORN_PATH, or with LXPACK_UNICORN=pypi)."""
    wanted = os.environ.pop(ENV, "")
    if "unicorn" in sys.modules or "LIBUNICORN_PATH" in os.environ or wanted == "pypi":
        return
    pkg = _package_dir()
    d = patched_dir(pkg) if pkg else None
    if d is None:
        return
    os.environ["LIBUNICORN_PATH"] = d
    try:
        import unicorn  # noqa: F401  (loads the library now, from d if it loads)
    except ImportError:
        pass          # `lxpack doctor` / backend probing reports why unicorn is unusable
    finally:
        os.environ.pop("LIBUNICORN_PATH", None)
