"""Paths packed beyond the ELF closure, found by knowledge and packages.

Owns: the order of discovery and the resolution passes. First the rules
that need only the program (packager.knowledge.for_program, --with-package);
then the closure is resolved with the ELF files of those additions; then
the rules that read the closure (the data rules, --with-owning-packages)
run, and the closure is resolved again while they add something new.
Also: which missing libraries are only needed by added files (a JDK's AWT
library without X11 on the host), which are warnings rather than errors.

pack.py and `lxpack inspect` call discover() with a function that scans
the --include arguments plus the extras and resolves the closure; what
comes back is the final scan, closure and the extras with their reasons.

Imports: packager.knowledge, packager.packages.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from lxpack.packager import knowledge, packages
from lxpack.packager.knowledge import Extra

MAX_PASSES = 4


@dataclass
class Options:
    knowledge: knowledge.Options = field(default_factory=knowledge.Options)
    packages: packages.PackageOptions = field(default_factory=packages.PackageOptions)


@dataclass
class Discovery:
    extras: list[Extra]
    scan: object  # layout.IncludeScan
    closure: object  # closure.Closure


def as_items(extras: list[Extra]) -> list[tuple[str, str, str]]:
    """The (path, reason, mode) items layout.scan_includes takes."""
    return [(e.path, e.reason, e.mode) for e in extras]


def discover(program: str, opts: Options,
             scan_and_resolve: Callable[[list[Extra]], tuple[object, object]]) -> Discovery:
    found = knowledge.for_program(program, opts.knowledge) + packages.named(opts.packages)
    found = knowledge.normalize(found)
    scan, closure = scan_and_resolve(found)
    owned_done: set[str] = set()
    pkgs_done: set[str] = set(opts.packages.packages)
    for _ in range(MAX_PASSES):
        more = knowledge.for_closure(closure, opts.knowledge)
        if opts.packages.owning:
            paths = [program, os.path.realpath(program)] + [o.path for o in closure.objects]
            new_paths = [p for p in paths if p not in owned_done]
            owned_done.update(new_paths)
            more += packages.owning(new_paths, opts.packages, pkgs_done)
        have = {e.path for e in found}
        merged = knowledge.normalize(found + [e for e in more if e.path not in have])
        if {e.path for e in merged} == have:
            break
        found = merged
        scan, closure = scan_and_resolve(found)
    return Discovery(found, scan, closure)


def soft_missing(closure) -> set[str]:
    """Names of missing libraries that only added files (not the program or
    the libraries it loads) need: warnings, not errors."""
    reach, todo = set(), [closure.program] + ([closure.interpreter] if closure.interpreter else [])
    by_path = {o.path: o for o in closure.objects}
    while todo:
        o = todo.pop()
        if o.path in reach:
            continue
        reach.add(o.path)
        todo.extend(by_path[e.path] for e in o.edges if e.path in by_path)
    return {m.name for m in closure.missing if not any(n in reach for n in m.needed_by)}


def loaded_names(closure) -> set[str]:
    """Sonames and file names of the closure's objects. A missing name among
    them is there at run time (a JDK's libjava.so needs libjvm.so, which the
    java launcher has loaded first from lib/server; ld.so matches loaded
    objects by soname before it searches), so it is not worth a warning."""
    return {o.info.soname for o in closure.objects if o.info.soname} | \
        {os.path.basename(o.path) for o in closure.objects}


def grouped(extras: list[Extra]) -> dict[str, list[Extra]]:
    """Extras by rule ("python", "gconv", "package"...), in discovery order."""
    out: dict[str, list[Extra]] = {}
    for e in extras:
        out.setdefault(e.rule or "other", []).append(e)
    return out
