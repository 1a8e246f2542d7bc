"""manifest.json: what a bundle holds and how its runtime starts the program.

Owns: the Manifest dataclass and its one JSON form (sorted keys, two-space
indent, trailing newline, no dates or host names), so the same inputs give
the same bytes. The runtime reads it with the json module alone; the field
list is documented in docs/PACKAGING.md and versioned by
lxpack.MANIFEST_FORMAT.

Imports: lxpack (version constants), lxpack.errors.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

import lxpack
from lxpack.errors import PackError


@dataclass
class ClosureEntry:
    """One file or symlink under root/ (directories are implied)."""

    path: str  # absolute original path; the file is root/<path>
    kind: str  # program | interpreter | library | included
    sha256: str | None  # of the content; None for a symlink
    size: int | None  # bytes; None for a symlink
    needed_by: list[str] = field(default_factory=list)
    symlink_target: str | None = None  # the link's text, verbatim; None for a file
    reason: str | None = None  # how ld.so finds it: "ld.so.cache", "RUNPATH"...


@dataclass
class Manifest:
    name: str
    entry: str  # the program's absolute path inside root/ (its real path)
    argv0: str  # argv[0] the program is started with
    interpreter: str | None  # PT_INTERP, None for a static program
    env: dict[str, str] = field(default_factory=dict)  # additions to the environment
    host_exec: list[str] = field(default_factory=list)  # globs run as host programs
    closure: list[ClosureEntry] = field(default_factory=list)
    # original guest path -> stored guest path, for each name renamed so it
    # does not collide with another on a case-insensitive Mac disk
    case_renamed: dict[str, str] = field(default_factory=dict)
    format_version: int = lxpack.MANIFEST_FORMAT
    lxpack_version: str = lxpack.__version__

    def to_json(self) -> bytes:
        data = asdict(self)
        data["closure"] = sorted(data["closure"], key=lambda e: e["path"])
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            bad = [e["path"] for e in data["closure"] if not _utf8(e["path"])
                   or not _utf8(e["symlink_target"] or "")]
            bad += [k for k, v in data["case_renamed"].items() if not (_utf8(k) and _utf8(v))]
            raise PackError("cannot pack file names that are not UTF-8: %s"
                            % ", ".join(repr(os.fsencode(b)) for b in bad[:3] or ["?"])) from None

    @classmethod
    def from_json(cls, raw: bytes | str) -> Manifest:
        data = json.loads(raw)
        data["closure"] = [ClosureEntry(**e) for e in data.get("closure", [])]
        return cls(**data)


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
