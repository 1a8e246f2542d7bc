"""The only module that imports LIEF.

Owns: turning an ELF file into a plain, immutable ElfInfo (the dynamic
section facts closure resolution needs: PT_INTERP, DT_NEEDED, DT_SONAME,
DT_RPATH, DT_RUNPATH, DF_1_NODEFLIB, version needs and definitions), with
LIEF's logging silenced and its None-on-failure turned into PackError.
Parsed files are cached by (path, inode, size, mtime), so resolving many
closures on one machine parses each library once.

Nothing outside this module sees a LIEF object; the layering test checks
that no other module imports lief.
"""
from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from dataclasses import dataclass

from lxpack.errors import PackError

# The signals a pack turns into Python exceptions (Ctrl-C, and atomic's
# SIGTERM/SIGHUP handler).
_DEFERRED_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextlib.contextmanager
def _signals_deferred():
    """Hold back Ctrl-C and termination signals while LIEF runs.

    LIEF calls back into Python through nanobind; a Python signal handler that
    raises there (KeyboardInterrupt) becomes a C++ exception nanobind cannot
    carry out of the callback: std::terminate, SIGABRT, and the pack dies
    without cleaning up its temporary output. Blocked, the signal stays
    pending and is delivered as usual the moment LIEF has returned."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


with _signals_deferred():
    import lief

    lief.logging.disable()

_TAG = lief.ELF.DynamicEntry.TAG
VER_FLG_WEAK = 0x2


@dataclass(frozen=True)
class VersionNeed:
    """One Elf64_Vernaux: `version` of the object named `file` is required."""

    file: str
    version: str
    weak: bool


@dataclass(frozen=True)
class ElfInfo:
    """What the dynamic loader reads from one ELF object."""

    path: str
    elf_class: int
    machine: int
    etype: int
    interpreter: str | None
    soname: str | None
    needed: tuple[str, ...]
    rpath: str | None  # the raw DT_RPATH string (':'-separated), None if absent
    runpath: str | None  # the raw DT_RUNPATH string, None if absent
    nodeflib: bool  # DF_1_NODEFLIB
    has_dynamic: bool
    version_needs: tuple[VersionNeed, ...]
    version_defs: frozenset[str]  # names defined in DT_VERDEF (empty: unversioned)


def read_elf(path: str) -> ElfInfo:
    """Parse `path` (an ELF file) into an ElfInfo. Raises PackError if LIEF cannot."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise PackError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    return _read_cached(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _read_cached(path: str, _dev: int, _ino: int, _size: int, _mtime: int) -> ElfInfo:
    with _signals_deferred():
        return _parse_elf(path)


def _parse_elf(path: str) -> ElfInfo:
    cfg = lief.ELF.ParserConfig()
    cfg.parse_relocations = False
    cfg.parse_symtab_symbols = False
    cfg.parse_dyn_symbols = False
    cfg.parse_overlay = False
    cfg.parse_notes = False
    cfg.parse_symbol_versions = True
    binary = lief.ELF.parse(path, cfg)
    if binary is None:
        raise PackError("%s: malformed ELF file (LIEF could not parse it)" % path)
    hdr = binary.header
    soname = rpath = runpath = None
    nodeflib = False
    needed = []
    for entry in binary.dynamic_entries:
        # Later entries win, as in glibc's elf_get_dynamic_info (needed accumulate).
        tag = entry.tag
        if tag == _TAG.NEEDED:
            needed.append(entry.name)
        elif tag == _TAG.SONAME:
            soname = entry.name
        elif tag == _TAG.RPATH:
            rpath = entry.rpath
        elif tag == _TAG.RUNPATH:
            runpath = entry.runpath
        elif tag == _TAG.FLAGS_1:
            nodeflib = entry.has(lief.ELF.DynamicEntryFlags.FLAG.NODEFLIB)
    needs = []
    for req in binary.symbols_version_requirement:
        for aux in req.get_auxiliary_symbols():
            needs.append(VersionNeed(req.name, aux.name, bool(aux.flags & VER_FLG_WEAK)))
    defs = set()
    for vd in binary.symbols_version_definition:
        aux = list(vd.auxiliary_symbols)
        if aux:
            defs.add(aux[0].name)
    return ElfInfo(
        path=path,
        elf_class=64 if hdr.identity_class == lief.ELF.Header.CLASS.ELF64 else 32,
        machine=int(hdr.machine_type.value),
        etype=int(hdr.file_type.value),
        interpreter=binary.interpreter if binary.has_interpreter else None,
        soname=soname,
        needed=tuple(needed),
        rpath=rpath,
        runpath=runpath,
        nodeflib=nodeflib,
        has_dynamic=len(binary.dynamic_entries) > 0,
        version_needs=tuple(needs),
        version_defs=frozenset(defs),
    )


def symbols_needing_version(path: str, version: str, limit: int = 5) -> list[str]:
    """Names of undefined dynamic symbols of `path` bound to `version` (for messages)."""
    with _signals_deferred():
        return _symbols_needing_version(path, version, limit)


def _symbols_needing_version(path: str, version: str, limit: int) -> list[str]:
    cfg = lief.ELF.ParserConfig()
    cfg.parse_relocations = False
    cfg.parse_symtab_symbols = False
    cfg.parse_overlay = False
    binary = lief.ELF.parse(path, cfg)
    if binary is None:
        return []
    names = []
    for sym in binary.dynamic_symbols:
        if not sym.imported or not sym.has_version:
            continue
        sv = sym.symbol_version
        if sv.has_auxiliary_version and sv.symbol_version_auxiliary.name == version:
            names.append(sym.name)
    return sorted(names)[:limit]


def imported_symbols(path: str) -> frozenset[str]:
    """Names of the undefined (imported) dynamic symbols of `path`; empty if unreadable.

    Used by the data rules of packager.knowledge (a program that imports
    iconv_open needs glibc's gconv modules...)."""
    try:
        st = os.stat(path)
    except OSError:
        return frozenset()
    return _imports_cached(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _imports_cached(path: str, _dev: int, _ino: int, _size: int, _mtime: int) -> frozenset[str]:
    with _signals_deferred():
        return _parse_imports(path)


def _parse_imports(path: str) -> frozenset[str]:
    cfg = lief.ELF.ParserConfig()
    cfg.parse_relocations = False
    cfg.parse_symtab_symbols = False
    cfg.parse_overlay = False
    cfg.parse_notes = False
    binary = lief.ELF.parse(path, cfg)
    if binary is None:
        return frozenset()
    return frozenset(s.name for s in binary.dynamic_symbols if s.imported)
