"""Symbol-version check across a closure, as glibc's _dl_check_map_versions.

Owns: for every object's version needs (DT_VERNEED: "file F must define
version V"), finding F among the loaded objects and checking that its
DT_VERDEF names V. A provider without any DT_VERDEF satisfies everything
(ld.so only warns in verbose mode); a weak need (VER_FLG_WEAK) is never an
error; a provider that is missing is reported by the closure, not here.

Imports: packager._lief (for the symbol names in messages).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Unsatisfied:
    """Version `version` of `file` (resolved to `provider`) needed by `needed_by`."""

    file: str
    version: str
    needed_by: str
    provider: str
    symbols: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        syms = " for %s" % ", ".join(self.symbols) if self.symbols else ""
        return "%s: version %s not found (required by %s%s)" % (
            self.provider, self.version, self.needed_by, syms)


def check(objects, lookup: Callable[[str], object]) -> list[Unsatisfied]:
    """Unsatisfied version needs of `objects` (LoadedObjects); lookup(name) finds a loaded one."""
    from lxpack.packager._lief import symbols_needing_version

    out: list[Unsatisfied] = []
    for obj in objects:
        for need in obj.info.version_needs:
            provider = lookup(need.file)
            if provider is None or not provider.info.version_defs:
                continue
            if need.version in provider.info.version_defs or need.weak:
                continue
            out.append(Unsatisfied(need.file, need.version, obj.path, provider.path,
                                   symbols_needing_version(obj.path, need.version)))
    return out
