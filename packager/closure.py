"""Shared-library closure resolution, the way glibc's ld.so does it.

Owns: loading order and library search. Starting from the program (and any
--include'd ELF, treated as dlopen'd by the program after start-up), the
objects are mapped breadth-first over DT_NEEDED, as _dl_map_object_deps
does, with _dl_map_object's rules for each name:

1. a name already loaded -- requested by that name before, the object's
   DT_SONAME, or the same file (device, inode) -- is that object;
2. a name with a '/' is a path (DSTs expanded), relative to the cwd;
3. otherwise (glibc), in order: DT_RPATH of the requesting object, then of the
   object that loaded it and on up to the program (only when the requester
   has no DT_RUNPATH; an object's DT_RPATH is void if it has DT_RUNPATH),
   then the program's DT_RPATH; LD_LIBRARY_PATH (--library-path);
   DT_RUNPATH of the requester only; ld.so.cache; the system directories
   (the last two skipped for DF_1_NODEFLIB requesters).

Programs whose PT_INTERP is musl's loader (ld-musl-*.so.1) follow musl's
rules instead: the names libc.so, libm.so, libpthread.so... are the loader
itself; LD_LIBRARY_PATH, then DT_RUNPATH-or-DT_RPATH of the requester and
of its loaders, then /etc/ld-musl-ARCH.path or /lib:/usr/local/lib:/usr/lib;
no symbol-version check.

Candidates of the wrong ELF class or machine are skipped (and remembered
for `inspect`); a candidate that is not an ELF at all stops the search for
that name, as ld.so's "invalid ELF header" does. The vDSO is never a file.
The result is a Closure: objects in load order, each with the path it was
opened by, why, and who needs it; missing names; unsatisfied versions
(see packager.versions).

Imports: packager._lief (lazily), elfhead, ldconfig, searchpath, versions; lxpack.errors.
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from lxpack.errors import PackError
from lxpack.packager import elfhead, ldconfig, searchpath, versions

if TYPE_CHECKING:
    from lxpack.packager._lief import ElfInfo

PROGRAM, INTERPRETER, LIBRARY, INCLUDED = "program", "interpreter", "library", "included"


def read_elf(path: str) -> ElfInfo:
    """packager._lief.read_elf, imported on first use: LIEF takes a quarter of a
    second to import, and bad inputs are turned away before it is needed."""
    from lxpack.packager._lief import read_elf as _read_elf
    return _read_elf(path)


@dataclass
class Edge:
    """One DT_NEEDED entry of an object and what it resolved to."""

    name: str
    path: str | None  # the object's path, None if missing
    vdso: bool = False


@dataclass
class LoadedObject:
    """One object in the link map."""

    path: str  # the path ld.so opened it by (may hold '..' or symlinks)
    info: ElfInfo
    kind: str
    reason: str  # how the path was found: "RUNPATH", "ld.so.cache", "PT_INTERP"...
    origin: str | None  # what $ORIGIN expands to for this object
    loader: LoadedObject | None = field(default=None, repr=False)
    names: set[str] = field(default_factory=set)
    needed_by: list[str] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    file_id: tuple[int, int] = (0, 0)


@dataclass
class Missing:
    """A DT_NEEDED name that no search found (or found unloadable)."""

    name: str
    needed_by: list[str]
    detail: str = "not found"


@dataclass
class Skipped:
    """A candidate ld.so would pass over: wrong ELF class or machine."""

    path: str
    name: str
    why: str


@dataclass
class Closure:
    program: LoadedObject
    interpreter: LoadedObject | None
    objects: list[LoadedObject]  # load order; program first
    missing: list[Missing]
    unsatisfied: list[versions.Unsatisfied]
    skipped: list[Skipped]
    lib_dst: str
    cache_source: str
    library_dirs: list[str]  # LD_LIBRARY_PATH as searched: expanded, absolute

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unsatisfied

    def by_path(self, path: str) -> LoadedObject:
        for o in self.objects:
            if o.path == path:
                return o
        raise KeyError(path)


class _NotLoadable(Exception):
    """A candidate that stops the search (ld.so would fail to load it)."""


class Resolver:
    """Resolves closures with one system view (cache, dirs, LD_LIBRARY_PATH).

    library_path: the LD_LIBRARY_PATH to assume (a string, ':' or ';'
    separated). cwd: the directory relative paths are taken from.
    """

    def __init__(self, library_path: str | None = None, cwd: str | None = None,
                 ld_config: ldconfig.LdConfig | None = None, lib_dst: str | None = None,
                 system_dirs: list[str] | None = None):
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.library_path = library_path
        self.ld_config = ld_config if ld_config is not None else ldconfig.load()
        self.lib_dst = lib_dst
        self.system_dirs = system_dirs

    # -- public -----------------------------------------------------------------

    def resolve(self, program: str, includes: list[str] = ()) -> Closure:
        """The closure of `program` plus the ELF objects `includes` (paths)."""
        self._objects: list[LoadedObject] = []
        self._missing: dict[str, Missing] = {}
        self._skipped: list[Skipped] = []
        prog_path = self._abs(program)
        elfhead.check_input(prog_path)
        info = read_elf(prog_path)
        lib = self.lib_dst or searchpath.lib_dst(info.interpreter)
        self._lib = lib
        self._sysdirs = self.system_dirs or searchpath.system_dirs(lib)
        origin = os.path.dirname(os.path.realpath(prog_path))  # the kernel's /proc/self/exe
        main = self._add(prog_path, info, PROGRAM, "program", origin, None, prog_path)
        self._main = main
        self._env_dirs = [self._abs(d) for d in
                          searchpath.split(self.library_path, origin, lib, seps=":;")]

        # musl's loader has its own, simpler rules (see _search_musl).
        self._musl = os.path.basename(info.interpreter or "").startswith("ld-musl-")
        interp = None
        if info.interpreter or info.needed:
            interp_path = info.interpreter or searchpath.DEFAULT_INTERPRETER
            reason = "PT_INTERP" if info.interpreter else "default interpreter (no PT_INTERP)"
            interp = self._load_interpreter(interp_path, reason, main)
        self._interp = interp

        self._bfs(main)
        for inc in includes:
            self._load_included(self._abs(inc))
        # musl does not check symbol versions.
        unsatisfied = [] if self._musl else versions.check(self._objects, self._lookup_loaded)
        return Closure(main, interp, self._objects, list(self._missing.values()), unsatisfied,
                       self._skipped, lib, self.ld_config.source, self._env_dirs)

    # -- loading ----------------------------------------------------------------

    def _abs(self, path: str) -> str:
        return path if os.path.isabs(path) else os.path.normpath(os.path.join(self.cwd, path))

    def _add(self, path, info, kind, reason, origin, loader, requested) -> LoadedObject:
        st = os.stat(path)
        obj = LoadedObject(path, info, kind, reason, origin, loader, file_id=(st.st_dev, st.st_ino))
        obj.names.add(requested)
        if info.soname:
            obj.names.add(info.soname)
        self._objects.append(obj)
        return obj

    def _load_interpreter(self, path, reason, main) -> LoadedObject | None:
        try:
            hdr = elfhead.read_header(path)
        except OSError:
            hdr = None
        if hdr is None or not hdr.matches_host:
            self._note_missing(path, main.path, "interpreter not found" if hdr is None
                               else "interpreter is an %s" % hdr.description)
            return None
        obj = self._add(path, read_elf(path), INTERPRETER, reason,
                        os.path.dirname(path), None, path)
        obj.needed_by.append(main.path)
        return obj

    def _load_included(self, path: str) -> None:
        known = self._lookup_loaded(path) or self._same_file(path)
        if known is not None:
            known.names.add(path)
            return
        info = read_elf(path)
        obj = self._add(path, info, INCLUDED, "--include", os.path.dirname(path), self._main, path)
        self._bfs(obj)

    def _bfs(self, start: LoadedObject) -> None:
        queue = deque([start])
        while queue:
            obj = queue.popleft()
            for name in obj.info.needed:
                if name in searchpath.VDSO_NAMES:
                    obj.edges.append(Edge(name, None, vdso=True))
                    continue
                dep, new = self._map(obj, name)
                obj.edges.append(Edge(name, dep.path if dep else None))
                if dep is None:
                    continue
                if obj.path not in dep.needed_by:
                    dep.needed_by.append(obj.path)
                if new:
                    queue.append(dep)

    def _lookup_loaded(self, name: str) -> LoadedObject | None:
        for o in self._objects:
            if name == o.path or name in o.names:
                return o
        return None

    def _same_file(self, path: str) -> LoadedObject | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        for o in self._objects:
            if o.file_id == (st.st_dev, st.st_ino):
                return o
        return None

    def _map(self, loader: LoadedObject, name: str) -> tuple[LoadedObject | None, bool]:
        """_dl_map_object: (object, newly loaded?) or (None, False) if missing."""
        known = self._lookup_loaded(name)
        if known is not None:
            return known, False
        if self._musl and self._interp is not None and searchpath.musl_reserved(name):
            self._interp.names.add(name)
            return self._interp, False
        try:
            found = self._search_musl(loader, name) if self._musl else self._search(loader, name)
        except _NotLoadable as e:
            self._note_missing(name, loader.path, str(e))
            return None, False
        if found is None:
            self._note_missing(name, loader.path, "not found")
            return None, False
        path, reason = found
        same = self._same_file(path)
        if same is not None:
            same.names.add(name)
            return same, False
        info = read_elf(path)
        obj = self._add(path, info, LIBRARY, reason, os.path.dirname(path), loader, name)
        return obj, True

    def _note_missing(self, name: str, needed_by: str, detail: str) -> None:
        m = self._missing.get(name)
        if m is None:
            self._missing[name] = Missing(name, [needed_by], detail)
        elif needed_by not in m.needed_by:
            m.needed_by.append(needed_by)

    # -- search -----------------------------------------------------------------

    def _search(self, loader: LoadedObject, name: str) -> tuple[str, str] | None:
        lib = self._lib
        if "/" in name:
            path = searchpath.expand(name, loader.origin, lib)
            if path is None:
                return None
            path = self._abs(path)
            return (path, "path in DT_NEEDED") if self._try(path, name) else None

        for directory, reason in self._rpath_dirs(loader):
            path = self._abs(searchpath.join(directory, name))
            if self._try(path, name):
                return path, reason
        for directory in self._env_dirs:
            path = searchpath.join(directory, name)
            if self._try(path, name):
                return path, "LD_LIBRARY_PATH"
        if loader.info.runpath:
            for directory in searchpath.split(loader.info.runpath, loader.origin, lib):
                path = self._abs(searchpath.join(directory, name))
                if self._try(path, name):
                    return path, "RUNPATH"
        nodeflib = loader.info.nodeflib
        for path in self.ld_config.lookup(name):
            if nodeflib and os.path.dirname(path) in self._sysdirs:
                continue
            if self._try(path, name):
                return path, self.ld_config.source
        if not nodeflib:
            for directory in self._sysdirs:
                path = searchpath.join(directory, name)
                if self._try(path, name):
                    return path, "system dir"
        return None

    def _search_musl(self, loader: LoadedObject, name: str) -> tuple[str, str] | None:
        """musl's load_library: LD_LIBRARY_PATH; the requester's DT_RUNPATH (or
        else DT_RPATH), then its loaders' (musl inherits both); the system path."""
        lib = self._lib
        if "/" in name:
            path = self._abs(name)
            return (path, "path in DT_NEEDED") if self._try(path, name) else None
        for directory in self._env_dirs:
            path = searchpath.join(directory, name)
            if self._try(path, name):
                return path, "LD_LIBRARY_PATH"
        obj: LoadedObject | None = loader
        while obj is not None:
            rp = obj.info.runpath or obj.info.rpath
            label = "RUNPATH" if obj.info.runpath else "RPATH"
            if obj is not loader:
                label += " of %s" % obj.path
            for directory in searchpath.split(rp, obj.origin, lib):
                path = self._abs(searchpath.join(directory, name))
                if self._try(path, name):
                    return path, label
            obj = obj.loader
        for directory in searchpath.musl_system_path(self._interp.path if self._interp else ""):
            path = searchpath.join(directory, name)
            if self._try(path, name):
                return path, "musl system path"
        return None

    def _rpath_dirs(self, loader: LoadedObject):
        """DT_RPATH directories for a request by `loader`, in search order."""
        if loader.info.runpath:
            return
        did_main = False
        obj: LoadedObject | None = loader
        while obj is not None:
            if obj.info.rpath and not obj.info.runpath:
                label = "RPATH" if obj is loader else "RPATH of %s" % obj.path
                for d in searchpath.split(obj.info.rpath, obj.origin, self._lib):
                    yield d, label
                did_main |= obj is self._main
            obj = obj.loader
        main = self._main
        if not did_main and main.info.rpath and not main.info.runpath:
            for d in searchpath.split(main.info.rpath, main.origin, self._lib):
                yield d, "RPATH of %s" % main.path

    def _try(self, path: str, name: str) -> bool:
        """open_verify: True to take `path`, False to go on, _NotLoadable to stop."""
        try:
            if os.path.isdir(path):
                return False
            hdr = elfhead.read_header(path)
        except OSError:
            return False
        if hdr is None:
            raise _NotLoadable("%s: invalid ELF header (not an ELF file)" % path)
        if not hdr.matches_host:
            self._skipped.append(Skipped(path, name, "wrong class or machine: %s" % hdr.description))
            return False
        if hdr.etype not in (elfhead.ET_DYN, elfhead.ET_EXEC):
            raise _NotLoadable("%s: only ET_DYN and ET_EXEC can be loaded (%s)" % (path, hdr.description))
        return True


def resolve(program: str, includes: list[str] = (), library_path: str | None = None,
            cwd: str | None = None) -> Closure:
    """Convenience: the closure of `program` with the system's ld.so view."""
    try:
        return Resolver(library_path=library_path, cwd=cwd).resolve(program, includes)
    except OSError as e:
        raise PackError("%s: %s" % (e.filename or program, e.strerror or e)) from None
