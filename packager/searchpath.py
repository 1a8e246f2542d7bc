"""Search-path strings as glibc's ld.so reads them.

Owns: dynamic string token expansion ($ORIGIN, ${ORIGIN}, $LIB, ${LIB},
$PLATFORM, ${PLATFORM}), splitting DT_RPATH/DT_RUNPATH (':') and
LD_LIBRARY_PATH (':' and ';') into directories the way fillin_rpath does
(trailing slashes dropped, an empty element is the current directory), the
system search directories and the value of $LIB for this system.

Imports nothing from lxpack.
"""
from __future__ import annotations

import os
import re

PLATFORM = "x86_64"  # AT_PLATFORM on every x86-64 Linux kernel
DEFAULT_INTERPRETER = "/lib64/ld-linux-x86-64.so.2"
VDSO_NAMES = frozenset({"linux-vdso.so.1", "linux-gate.so.1", "linux-vdso64.so.1"})

_DST = re.compile(r"\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))")


def lib_dst(interpreter: str | None = None) -> str:
    """The expansion of $LIB: Debian multiarch 'lib/x86_64-linux-gnu', else 'lib64' or 'lib'.

    glibc compiles it in from its slibdir; the interpreter's real location
    tells which layout this system uses.
    """
    real = os.path.realpath(interpreter or DEFAULT_INTERPRETER)
    d = os.path.dirname(real)
    if d.endswith("/lib/x86_64-linux-gnu"):
        return "lib/x86_64-linux-gnu"
    if d.endswith("/lib64"):
        return "lib64"
    return "lib"


def system_dirs(lib: str) -> list[str]:
    """The directories ld.so searches last (`ld.so --help`: system search path)."""
    if lib == "lib/x86_64-linux-gnu":
        return ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"]
    if lib == "lib64":
        return ["/lib64", "/usr/lib64"]
    return ["/lib", "/usr/lib"]


def expand(s: str, origin: str | None, lib: str) -> str | None:
    """`s` with its DSTs replaced; None if it names $ORIGIN and the origin is unknown."""
    missing = False

    def sub(m: re.Match) -> str:
        nonlocal missing
        token = m.group(1) or m.group(2)
        if token == "ORIGIN":
            if origin is None:
                missing = True
                return ""
            return origin
        if token == "LIB":
            return lib
        return PLATFORM

    out = _DST.sub(sub, s)
    return None if missing else out


def split(value: str | None, origin: str | None, lib: str, seps: str = ":") -> list[str]:
    """Directories of a search-path string, expanded; '' means the current directory."""
    if not value:
        return []
    parts = [value]
    for sep in seps:
        parts = [q for p in parts for q in p.split(sep)]
    dirs: list[str] = []
    for part in parts:
        if part:
            expanded = expand(part, origin, lib)
            if not expanded:
                continue
            part = expanded.rstrip("/") or "/"
        dirs.append(part)
    return dirs


def join(directory: str, name: str) -> str:
    """The path ld.so opens for `name` in `directory` (as a string, unnormalised)."""
    if directory == "":
        return name
    if directory.endswith("/"):
        return directory + name
    return directory + "/" + name


MUSL_RESERVED = frozenset("lib%s.so" % n for n in ("c", "pthread", "rt", "m", "dl", "util", "xnet"))
MUSL_DEFAULT_PATH = ["/lib", "/usr/local/lib", "/usr/lib"]


def musl_reserved(name: str) -> bool:
    """Names musl's loader answers with itself (its libc.so)."""
    return name in MUSL_RESERVED


def musl_system_path(interpreter: str) -> list[str]:
    """musl's last resort: /etc/ld-musl-ARCH.path (':' or newline separated), else the default."""
    base = os.path.basename(interpreter)  # ld-musl-x86_64.so.1
    arch = base[len("ld-musl-"):].split(".so", 1)[0] if base.startswith("ld-musl-") else "x86_64"
    try:
        with open("/etc/ld-musl-%s.path" % arch, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return list(MUSL_DEFAULT_PATH)
    dirs = [d for d in text.replace("\n", ":").split(":") if d]
    return dirs or list(MUSL_DEFAULT_PATH)
