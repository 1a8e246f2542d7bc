"""Names that would collide on a case-insensitive Mac file system.

Owns: finding, within each directory of a bundle's root/, the names that
are equal once case-folded (APFS and HFS+ as Macs format them ignore case
and Unicode normalisation: Debian's perl has both .../5.36/Pod and .../pod),
and choosing the name each is stored under: the first in sorted order keeps
its name, each other one becomes `<name>.lxpack-case<N>` (the smallest N
>= 1 whose name collides with nothing in that directory). The runtime serves
the original names from the manifest's `case_renamed` map (docs/PACKAGING.md).

Imports: nothing from lxpack.
"""
from __future__ import annotations

import posixpath
import unicodedata

SUFFIX = ".lxpack-case"


def fold(name: str) -> str:
    """The form two names share when a Mac file system takes them as one."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def plan(paths) -> tuple[dict[str, str], dict[str, str]]:
    """For absolute, normalised guest paths (files, links, directories; their
    parents are implied): (renamed, stored). `renamed` maps the original path
    of each renamed component to its stored path (what the manifest records:
    paths below a renamed directory are not listed); `stored` maps every path
    and parent to where it is stored (with its ancestors' renames applied)."""
    children: dict[str, set[str]] = {}
    for p in paths:
        while p != "/":
            parent, name = posixpath.split(p)
            children.setdefault(parent, set()).add(name)
            p = parent
    renamed: dict[str, str] = {}
    stored = {"/": "/"}
    todo = ["/"]
    while todo:
        d = todo.pop()
        names = sorted(children.get(d, ()))
        used = {fold(n) for n in names}
        kept: set[str] = set()
        for n in names:
            orig = posixpath.join(d, n)
            f = fold(n)
            if f in kept:
                i = 1
                while fold("%s%s%d" % (n, SUFFIX, i)) in used:
                    i += 1
                new = "%s%s%d" % (n, SUFFIX, i)
                used.add(fold(new))
                renamed[orig] = posixpath.join(stored[d], new)
            else:
                kept.add(f)
                new = n
            stored[orig] = posixpath.join(stored[d], new)
            if orig in children:
                todo.append(orig)
    return renamed, stored
