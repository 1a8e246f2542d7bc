"""What goes under a bundle's root/: the closure and --include'd trees at
their original absolute paths.

Owns: symlink chains (each link kept as a link with its target text
verbatim, every hop added until a regular file), walking --include'd files
and directories (links kept, broken links refused, directories reached
through links outside the tree walked too, empty directories kept),
--exclude globs, and the RootEntry list a writer copies.

Paths inside root/ are lexical: a bundle has real directories where the
host may have symlinked ones (/lib -> usr/lib), so '..' is resolved by
name, while the host file is read through the host's own resolution.
Absolute link targets are relative to root/ (the runtime overlays the
bundle's root on the host, as FreeBSD's /compat/linux does).

Names that collide on a case-insensitive Mac disk are stored renamed
(packager.casefold); RootEntry.path stays the original path.

Imports: packager.closure, casefold, elfhead; lxpack.errors.
"""
from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field

from lxpack.errors import PackError, UsageError
from lxpack.packager import casefold, elfhead
from lxpack.packager.closure import INCLUDED, INTERPRETER, LIBRARY, PROGRAM, Closure

MAX_LINK_HOPS = 40


@dataclass
class RootEntry:
    """One file, symlink or empty directory under root/."""

    path: str  # absolute path inside the bundle's root/, normalised
    kind: str  # program | interpreter | library | included | dir
    source: str | None = None  # host path to copy (files)
    link_target: str | None = None  # symlinks
    mode: int = 0o644
    needed_by: list[str] = field(default_factory=list)
    reason: str | None = None
    size: int | None = None  # set when hashed
    sha256: str | None = None  # set when hashed
    stored: str | None = None  # where it is under root/ when that differs (casefold.py)

    @property
    def stored_path(self) -> str:
        return self.stored or self.path

    @property
    def is_link(self) -> bool:
        return self.link_target is not None

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


@dataclass
class IncludeScan:
    """The result of walking the --include arguments."""

    entries: list[RootEntry]
    elf_objects: list[str]  # host paths of x86-64 ELF objects to resolve
    skipped: list[str] = field(default_factory=list)  # broken links left out of extra items


def file_mode(st_mode: int) -> int:
    """The mode a bundle gives a file: the source's permission bits, exactly
    (programs test them: a JDK's bin/ and lib/jspawnhelper, scripts that are
    or are not executable, read-only data), except that setuid and setgid
    are dropped (the runtime cannot honour them, and a setuid file in a
    user's download is a hazard), so is the sticky bit (meaningless on a
    file, and unzip drops it), and the owner may always read (the runtime
    reads every file as the user who runs the bundle)."""
    return (stat.S_IMODE(st_mode) & ~(stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)) | stat.S_IRUSR


def chain(logical: str, host: str, kind: str, needed_by=(), reason=None) -> tuple[list[RootEntry], str]:
    """Entries for `logical` (read from `host`) following its symlink chain.

    Returns the entries and the host path of the last hop (a file or directory).
    Raises PackError for a broken link or a loop.
    """
    out: list[RootEntry] = []
    start = logical
    for _ in range(MAX_LINK_HOPS):
        bundle = os.path.normpath(logical)
        if os.path.islink(host):
            target = os.readlink(host)
            out.append(RootEntry(bundle, kind, link_target=target, needed_by=list(needed_by), reason=reason))
            if target.startswith("/"):
                logical = host = target
            else:
                logical = os.path.join(os.path.dirname(bundle), target)
                host = os.path.join(os.path.dirname(host), target)
            continue
        try:
            st = os.stat(host)
        except OSError:
            raise PackError("broken symbolic link: %s -> %s (%s does not exist)"
                            % (start, out[-1].link_target if out else "?", host)) from None
        if stat.S_ISDIR(st.st_mode):
            return out, host
        out.append(RootEntry(bundle, kind, source=host, mode=file_mode(st.st_mode),
                             needed_by=list(needed_by), reason=reason))
        return out, host
    raise PackError("%s: too many levels of symbolic links" % start)


class Excluder:
    """--exclude globs: a glob with '/' matches the whole path, else the file name."""

    def __init__(self, globs):
        self.globs = list(globs)

    def __call__(self, path: str) -> bool:
        base = os.path.basename(path)
        for g in self.globs:
            if fnmatch.fnmatchcase(path if "/" in g else base, g):
                return True
        return False


def scan_includes(paths: list[str], cwd: str, output: str | None = None,
                  extra: list[tuple[str, str, str]] = ()) -> IncludeScan:
    """Walk --include arguments into entries, finding the ELF objects among them.

    `output` (the bundle being written) and its temporary siblings are never
    included, should an --include'd tree contain them. `extra` holds
    (absolute path, reason, mode) items found by packager.knowledge and
    packager.packages: mode "tree" walks a directory like --include, "file"
    takes the file (and its link chain); their entries carry their own reason,
    a path that vanished is skipped, and a broken link in them is left out
    (recorded in `skipped`) instead of failing the pack."""
    walker = _IncludeWalker(output)
    for path, reason, mode in extra:
        if not os.path.lexists(path):
            continue
        walker.reason, walker.lenient = reason, True
        try:
            if mode == "tree" and os.path.isdir(path) and not os.path.islink(path):
                walker.pending.append((path, path))
            else:
                walker.add_file_like(path, path)
        except PackError as e:
            walker.skipped.append(str(e))
        walker.drain()
    walker.reason, walker.lenient = "--include", False
    for raw in paths:
        logical = os.path.normpath(os.path.join(cwd, raw))
        if not os.path.lexists(logical):
            raise UsageError("--include %s: no such file or directory" % raw)
        if os.path.isdir(logical) and not os.path.islink(logical):
            walker.pending.append((logical, logical))
        else:
            walker.add_file_like(logical, logical)
        walker.drain()
    return IncludeScan(walker.entries, walker.elfs, walker.skipped)


class _IncludeWalker:
    def __init__(self, output: str | None = None):
        self.output = os.path.abspath(output) if output else None
        self.entries: list[RootEntry] = []
        self.elfs: list[str] = []
        self.pending: list[tuple[str, str]] = []  # (logical dir, host dir) to walk
        self.walked: set[str] = set()
        self.reason = "--include"  # the reason entries get (extra items have their own)
        self.lenient = False  # extra items: broken links are skipped, not errors
        self.skipped: list[str] = []

    def add_file_like(self, logical: str, host: str) -> None:
        """A file or symlink: its chain; a directory it leads to is walked too."""
        hops, last = chain(logical, host, INCLUDED, reason=self.reason)
        self.entries.extend(hops)
        if os.path.isdir(last):
            landing = _landing(hops) if hops else logical
            self.pending.append((os.path.normpath(landing), last))
        elif _is_loadable_elf(last):
            self.elfs.append(last)

    def drain(self) -> None:
        while self.pending:
            logical, host = self.pending.pop()
            real = os.path.realpath(host)
            if real in self.walked:
                continue
            self.walked.add(real)
            self._walk(logical, host)

    def _is_output(self, host: str) -> bool:
        if self.output is None:
            return False
        out_dir, out_name = os.path.split(self.output)
        if os.path.dirname(host) != out_dir:
            return False
        name = os.path.basename(host)
        return name == out_name or name.startswith(".%s.lxpack-" % out_name)

    def _walk(self, logical_top: str, host_top: str) -> None:
        for dirpath, dirnames, filenames in os.walk(host_top, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not self._is_output(os.path.join(dirpath, d)))
            filenames[:] = [f for f in filenames if not self._is_output(os.path.join(dirpath, f))]
            logical_dir = os.path.normpath(os.path.join(logical_top, os.path.relpath(dirpath, host_top)))
            if not dirnames and not filenames:
                self.entries.append(RootEntry(logical_dir, "dir", mode=0o755, reason=self.reason))
            for d in list(dirnames):
                host = os.path.join(dirpath, d)
                if os.path.islink(host):
                    dirnames.remove(d)
                    self.add_file_like(os.path.join(logical_dir, d), host)
            for f in sorted(filenames):
                host = os.path.join(dirpath, f)
                logical = os.path.join(logical_dir, f)
                if os.path.islink(host):
                    if not os.path.exists(host):
                        problem = "broken symbolic link in --include tree: %s -> %s" % (
                            host, os.readlink(host))
                        if self.lenient:
                            self.skipped.append(problem)
                            continue
                        raise PackError(problem)
                    self.add_file_like(logical, host)
                    continue
                try:
                    st = os.stat(host)
                except OSError as e:
                    raise PackError("--include: cannot read %s: %s" % (host, e.strerror)) from None
                if not stat.S_ISREG(st.st_mode):
                    continue  # sockets, fifos and devices have no place in a bundle
                self.entries.append(RootEntry(logical, INCLUDED, source=host,
                                              mode=file_mode(st.st_mode), reason=self.reason))
                if _is_loadable_elf(host):
                    self.elfs.append(host)


def _landing(hops: list[RootEntry]) -> str:
    """The logical path the last link of a chain points at."""
    last = hops[-1]
    t = last.link_target
    return t if t.startswith("/") else os.path.join(os.path.dirname(last.path), t)


def _is_loadable_elf(path: str) -> bool:
    try:
        hdr = elfhead.read_header(path)
    except OSError:
        return False
    return (hdr is not None and hdr.matches_host and hdr.little_endian
            and hdr.etype in (elfhead.ET_DYN, elfhead.ET_EXEC))


@dataclass
class RootPlan:
    """Everything under root/, plus what was left out and why."""

    entries: list[RootEntry]  # sorted by path, one per path
    entry: str  # the program's real path (what /proc/self/exe will say)
    excluded: list[str]
    # original path -> stored path of each name renamed because it collides
    # with another on a case-insensitive file system (casefold.py)
    case_renamed: dict[str, str] = field(default_factory=dict)


def plan_root(closure: Closure, program: str, scan: IncludeScan, excluder: Excluder,
              extra_files: list[tuple[str, str]] = ()) -> RootPlan:
    """The root/ entries for a closure, the include scan and `extra_files` ((path, reason))."""
    by_path: dict[str, RootEntry] = {}
    excluded: list[str] = []

    def add(entries: list[RootEntry], can_exclude: bool = True) -> None:
        if can_exclude and any(excluder(e.path) for e in entries[:1]):
            excluded.extend(e.path for e in entries)
            return
        for e in entries:
            have = by_path.get(e.path)
            if have is None:
                by_path[e.path] = e
            else:
                for n in e.needed_by:
                    if n not in have.needed_by:
                        have.needed_by.append(n)

    prog = closure.program
    real = os.path.realpath(prog.path)
    hops, _ = chain(program, program, PROGRAM, reason="program")
    add(hops, can_exclude=False)
    if real not in by_path:
        add(chain(real, real, PROGRAM, reason="program")[0], can_exclude=False)
    for obj in closure.objects:
        if obj.kind == PROGRAM or obj.kind == INCLUDED:
            continue
        kind = INTERPRETER if obj.kind == INTERPRETER else LIBRARY
        add(chain(obj.path, obj.path, kind, sorted(obj.needed_by), obj.reason)[0])
    for e in scan.entries:
        if excluder(e.path):
            excluded.append(e.path)
        else:
            add([e], can_exclude=False)
    for path, reason in extra_files:
        add(chain(path, path, INCLUDED, reason=reason)[0])
    entries = [by_path[p] for p in sorted(by_path)]
    _check_conflicts(entries)
    renamed, stored = casefold.plan(e.path for e in entries)
    for e in entries:
        if stored[e.path] != e.path:
            e.stored = stored[e.path]
    return RootPlan(entries, os.path.normpath(real), sorted(set(excluded)), renamed)


def _check_conflicts(entries: list[RootEntry]) -> None:
    """A path cannot be both a file (or link) and a directory holding others."""
    paths = {e.path for e in entries if not e.is_dir}
    for e in entries:
        parent = os.path.dirname(e.path)
        while parent not in ("/", ""):
            if parent in paths:
                raise PackError("cannot lay out the bundle: %s is a file or link but %s is under it"
                                % (parent, e.path))
            parent = os.path.dirname(parent)
