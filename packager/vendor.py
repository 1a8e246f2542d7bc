"""The Python code a bundle carries: Contents/Resources/lxpack/python/.

Owns: which code travels (the lxpack subset that runs inside bundles --
lxpack/__init__.py, lxpack/errors.py, lxpack/manifest.py, lxpack/manifest_json.py,
lxpack.abi, lxpack.launch, lxpack.runtime, lxpack.unikernel -- never the packager, templates or CLI; plus the
third-party packages the runtime imports, elftools and unicorn, copied from
this Python's installation with unicorn's native library) and where each
file comes from. Packages are located with importlib.util.find_spec, which
does not import them: the packager never imports the runtime. Before a
bundle is written, check_complete() makes sure the vendored runtime has
every file it loads at run time (an installation whose package data is
incomplete would otherwise give bundles that die with a traceback).

Imports: lxpack.errors.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass

import lxpack
from lxpack.errors import PackError

LXPACK_PACKAGES = ("lxpack.abi", "lxpack.launch", "lxpack.runtime", "lxpack.unikernel")
LXPACK_TOP_FILES = ("__init__.py", "errors.py", "manifest.py", "manifest_json.py")
THIRD_PARTY = ("elftools", "unicorn")
# Never shipped: bytecode and build leftovers; from third-party packages also
# static libraries and C headers (unicorn's libunicorn.a, include/).
_SKIP_DIRS = frozenset({"__pycache__"})
_SKIP_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", "~")
_THIRD_PARTY_SKIP_DIRS = frozenset({"__pycache__", "include", "tests"})
_THIRD_PARTY_SKIP_SUFFIXES = _SKIP_SUFFIXES + (".a", ".h")
# Files the runtime cannot start without, whatever its code says: its entry
# module, the guest code (kvm) and the vDSO (every backend).
REQUIRED = ("lxpack/__init__.py", "lxpack/errors.py", "lxpack/manifest.py", "lxpack/manifest_json.py",
            "lxpack/launch/boot.py",
            "lxpack/unikernel/guest/entry.bin", "lxpack/unikernel/guest/vdso.so")
# Data files the runtime loads by name; found in its sources so a new one is
# checked without a list to keep up to date.
# (pkgutil.get_data, or runtime/pkgdata.get_data that reads the same way
# without importing pkgutil at start-up.)
_GET_DATA = re.compile(rb"""(?:\bpkgutil\.|\bpkgdata\.)get_data\(\s*["']([\w.]+)["']\s*,\s*["']([^"']+)["']\s*\)""")
# unicorn's native library for the packing host (libunicorn.so.2 on Linux,
# libunicorn.2.dylib on a Mac, unicorn.dll).
_UNICORN_LIB = re.compile(r"^unicorn/lib/(lib)?unicorn[^/]*\.(so(\.\d+)*|dylib|dll)$")


@dataclass(frozen=True)
class VendoredFile:
    dest: str  # path under python/, '/'-separated
    source: str  # host path
    mode: int


def _package_dir(name: str) -> str:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise PackError("cannot vendor %s into the bundle: it is not installed in %s"
                        % (name, os.path.realpath(sys.executable)))
    return list(spec.submodule_search_locations)[0]


def _walk(src_dir: str, dest_prefix: str, skip_dirs=_SKIP_DIRS,
          skip_suffixes=_SKIP_SUFFIXES) -> list[VendoredFile]:
    out = []
    for dirpath, dirnames, filenames in os.walk(src_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not d.startswith("."))
        for f in sorted(filenames):
            if f.startswith(".") or f.endswith(skip_suffixes):
                continue
            src = os.path.join(dirpath, f)
            if not os.path.isfile(src):
                continue
            rel = os.path.relpath(src, src_dir).replace(os.sep, "/")
            mode = 0o755 if os.stat(src).st_mode & 0o111 else 0o644
            out.append(VendoredFile("%s/%s" % (dest_prefix, rel), src, mode))
    return out


def files() -> list[VendoredFile]:
    """Every file of python/, sorted by destination; PackError if the runtime is incomplete."""
    out: list[VendoredFile] = []
    top = os.path.dirname(lxpack.__file__)
    for f in LXPACK_TOP_FILES:
        out.append(VendoredFile("lxpack/" + f, os.path.join(top, f), 0o644))
    for pkg in LXPACK_PACKAGES:
        out.extend(_walk(_package_dir(pkg), pkg.replace(".", "/")))
    for pkg in THIRD_PARTY:
        out.extend(_walk(_package_dir(pkg), pkg, _THIRD_PARTY_SKIP_DIRS, _THIRD_PARTY_SKIP_SUFFIXES))
    out.sort(key=lambda v: v.dest)
    check_complete(out)
    return out


def needed_data(vendored: list[VendoredFile]) -> set[str]:
    """Destinations of the data files the vendored lxpack code loads with
    pkgutil.get_data("package", "file") (or pkgdata.get_data of the same form)."""
    need = set()
    for v in vendored:
        if not (v.dest.startswith("lxpack/") and v.dest.endswith(".py")):
            continue
        try:
            with open(v.source, "rb") as f:
                text = f.read()
        except OSError:
            continue  # reported when it is hashed
        for pkg, name in _GET_DATA.findall(text):
            need.add("%s/%s" % (pkg.decode().replace(".", "/"), name.decode()))
    return need


def check_complete(vendored: list[VendoredFile]) -> None:
    """PackError (one line) unless every file the runtime needs at run time is there."""
    have = {v.dest for v in vendored if os.path.isfile(v.source)}
    missing = sorted((set(REQUIRED) | needed_data(vendored)) - have)
    if not any(_UNICORN_LIB.match(d) for d in have):
        missing.append("unicorn/lib/libunicorn.* (unicorn's native library)")
    if missing:
        where = os.path.dirname(os.path.dirname(os.path.abspath(lxpack.__file__)))
        raise PackError("the lxpack runtime installed in %s is incomplete, a bundle would not run: "
                        "missing %s (reinstall lxpack)"
                        % (where, ", ".join(missing)))
