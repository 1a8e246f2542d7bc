"""What a bundle takes from a profile (`lxpack pack --profile`).

Owns the rule: a traced path is packed when some lookup of it succeeded, it
still exists on this machine, it is not under /proc, /sys or /dev, not part
of the bundle being written, and a Mac would not have it
(macview.visible_on_mac: the user's files, /tmp, /Users, /etc/hosts... stay
the host's). A file is packed with its symlink chain, a directory as an
empty directory (so it exists and can be listed; its content comes only
from the paths the program really looked up), an x86-64 ELF file (a
program it ran, a library it mapped or opened) with its ELF closure
(handed to the resolver like an --include'd ELF object). Every entry gets
kind `included` and reason `profile`.

Paths are laid out lexically ('..' resolved by name, as layout.py does for
the closure) and read through the host's own resolution.

Imports: packager.layout, packager.profile; lxpack.unikernel.kernel.vfs.macview
when present (the one table of what a Mac has), else the fallback below.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from lxpack.errors import PackError
from lxpack.packager import layout
from lxpack.packager.closure import INCLUDED
from lxpack.packager.profile import PathUse, Profile

REASON = "profile"
NEVER = ("/proc", "/sys", "/dev")
# Fallback when macview is not available: the Linux system trees a Mac lacks.
_LINUX_TREES = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/opt", "/var/lib")
_MAC_ETC = ("/etc/hosts", "/etc/resolv.conf", "/etc/passwd", "/etc/group", "/etc/services",
            "/etc/protocols", "/etc/shells", "/etc/localtime")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _fallback_visible(path: str) -> bool:
    path = os.path.normpath(path)
    if path in _MAC_ETC:
        return True
    return not any(_under(path, t) for t in _LINUX_TREES) or path in _LINUX_TREES


def visible_on_mac_fn():
    """macview.visible_on_mac (bytes -> bool) as str -> bool, or the fallback."""
    try:
        from lxpack.unikernel.kernel.vfs import macview
    except ImportError:
        return _fallback_visible
    return lambda p: macview.visible_on_mac(os.fsencode(p))


@dataclass
class Picked:
    """What a profile adds: root/ entries and ELF objects to resolve."""

    entries: list[layout.RootEntry] = field(default_factory=list)
    elf_objects: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # why -> paths

    def skip(self, why: str, path: str) -> None:
        self.skipped.setdefault(why, []).append(path)


def pick(prof: Profile, output: str | None = None, visible=None) -> Picked:
    """The entries `prof` adds to a bundle written to `output`."""
    visible = visible or visible_on_mac_fn()
    out = Picked()
    output = os.path.abspath(output) if output else None
    seen: set[str] = set()
    for path in sorted(prof.paths):
        use = prof.paths[path]
        logical = os.path.normpath(path)
        if not use.found:
            out.skip("never found", path)
            continue
        if any(_under(logical, n) for n in NEVER):
            out.skip("emulated (/proc, /sys, /dev)", path)
            continue
        if output and (_under(logical, output) or os.path.basename(logical).startswith(
                ".%s.lxpack-" % os.path.basename(output))):
            out.skip("the bundle itself", path)
            continue
        if visible(logical):
            out.skip("a Mac has it (the user's files, /tmp, ...)", path)
            continue
        if logical in seen:
            continue
        seen.add(logical)
        _add(out, use, logical, path)
    out.entries = _without_conflicts(out.entries)
    return out


def _add(out: Picked, use: PathUse, logical: str, host: str) -> None:
    try:
        st = os.stat(host)
    except OSError:
        if os.path.islink(host):
            out.skip("a broken symbolic link now", host)
        else:
            out.skip("gone from this machine", host)
        return
    if stat.S_ISDIR(st.st_mode):
        out.entries.append(layout.RootEntry(logical, "dir", mode=0o755, reason=REASON))
        return
    if not stat.S_ISREG(st.st_mode):
        out.skip("not a regular file", host)
        return
    try:
        hops, last = layout.chain(logical, host, INCLUDED, reason=REASON)
    except PackError:
        out.skip("a broken symbolic link now", host)
        return
    out.entries.extend(hops)
    if use.did("exec", "mmap", "open") and layout._is_loadable_elf(last):
        out.elf_objects.append(last)


def _without_conflicts(entries: list[layout.RootEntry]) -> list[layout.RootEntry]:
    """Leave out a link whose path another entry needs as a directory (a host
    symlinked directory, e.g. /lib -> usr/lib, is a real directory in root/)."""
    dirs = set()
    for e in entries:
        parent = os.path.dirname(e.path)
        while parent not in ("/", "") and parent not in dirs:
            dirs.add(parent)
            parent = os.path.dirname(parent)
    return [e for e in entries if e.is_dir or e.path not in dirs]


def summary(picked: Picked) -> tuple[int, int, int]:
    """(files, links, directories) a profile adds."""
    files = sum(1 for e in picked.entries if not e.is_dir and not e.is_link)
    links = sum(1 for e in picked.entries if e.is_link)
    dirs = sum(1 for e in picked.entries if e.is_dir)
    return files, links, dirs
