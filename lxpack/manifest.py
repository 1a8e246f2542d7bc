"""manifest.json: what a bundle holds and how its runtime starts the program.

Owns: the Manifest dataclass and its one JSON form (sorted keys, two-space
indent, trailing newline, no dates or host names), so the same inputs give
the same bytes. The packager writes it (to_json); the bundle's runtime reads
it (from_json), and refuses a format_version other than the one it reads
(lxpack.MANIFEST_FORMAT) with a one-line error naming both. The field list
is documented in docs/PACKAGING.md.

Imports: lxpack (version constants), lxpack.errors, lxpack.manifest_json (the
JSON and version check, shared with a bundle's start). Travels inside bundles:
Python 3.9.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Dict, List, Optional, Union

import lxpack
from lxpack import manifest_json
from lxpack.errors import PackError, ProgramNotExecutable


@dataclass
class ClosureEntry:
    """One file or symlink under root/ (directories are implied)."""

    path: str  # absolute original path; the file is root/<path>
    kind: str  # program | interpreter | library | included
    sha256: Optional[str]  # of the content; None for a symlink
    size: Optional[int]  # bytes; None for a symlink
    needed_by: List[str] = field(default_factory=list)
    symlink_target: Optional[str] = None  # the link's text, verbatim; None for a file
    reason: Optional[str] = None  # how ld.so finds it: "ld.so.cache", "RUNPATH"...


@dataclass
class Manifest:
    name: str
    entry: str  # the program's absolute path inside root/ (its real path)
    argv0: str  # argv[0] the program is started with
    interpreter: Optional[str]  # PT_INTERP, None for a static program
    env: Dict[str, str] = field(default_factory=dict)  # additions to the environment
    host_exec: List[str] = field(default_factory=list)  # globs run as host programs
    closure: List[ClosureEntry] = field(default_factory=list)
    # original guest path -> stored guest path, for each name renamed so it
    # does not collide with another on a case-insensitive Mac disk
    case_renamed: Dict[str, str] = field(default_factory=dict)
    # What the program shows itself on: "cli" (a terminal) or "x11" (an X
    # server), from its DT_NEEDED (packager/program_ui.py); the launcher was
    # rendered with the same value. A new key with a default: old runtimes
    # ignore it, so format_version stays.
    ui: str = "cli"
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
    def from_json(cls, raw: Union[bytes, str]) -> Manifest:
        """The manifest of raw; ProgramNotExecutable (one line, the status a
        launcher gives for a bundle it cannot run) if it is not a manifest
        this lxpack reads. The version is checked first: another format may
        have other keys. Keys this version does not know are ignored."""
        data = manifest_json.read(raw)
        try:
            closure = [ClosureEntry(**_known(ClosureEntry, e)) for e in data.get("closure", [])]
            return cls(**dict(_known(cls, data), closure=closure))
        except (TypeError, AttributeError) as e:
            raise ProgramNotExecutable("bundle manifest is incomplete (%s)" % e) from None


def _known(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
