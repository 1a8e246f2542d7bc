"""Profiles: what `lxpack trace` saw a program look up, as a text file.

Owns the profile format (docs/PACKAGING.md, "Profiles") and nothing else:
reading (raw record lines as the runtime appends them while tracing, and the
tidy merged form, in any mix), merging several runs, and writing the tidy
form. A profile is JSON lines (UTF-8; a path that is not UTF-8 carries its
bytes as \\udcXX escapes):

  {"lxpack_profile": 1, "runs": [{"argv": [...], "status": 0}, ...]}      first line (tidy form)
  {"path": "/usr/lib/python3.11/json/__init__.py", "ops": ["open:ok", "stat:ok"],
   "exes": ["/usr/bin/python3.11"]}                                       one per path, sorted

Raw records (pathtrace.py writes them; pid/ppid tell the process tree and
are dropped by the merge):

  {"op": "open", "path": "...", "result": "ok", "pid": 4242, "ppid": 4241, "exe": "..."}

Imports: lxpack.errors.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field

from lxpack.errors import UsageError

FORMAT = 1
OPS = ("open", "stat", "lstat", "access", "readlink", "listdir", "mmap", "exec")


@dataclass
class PathUse:
    """Everything a profile knows about one path."""

    path: str
    ops: set[str] = field(default_factory=set)  # "op:result", result "ok" or an errno name
    exes: set[str] = field(default_factory=set)

    @property
    def found(self) -> bool:
        """Some lookup of it succeeded."""
        return any(o.endswith(":ok") for o in self.ops)

    def did(self, *ops: str) -> bool:
        """Whether one of `ops` succeeded on it."""
        return any(o + ":ok" in self.ops for o in ops)


@dataclass
class Profile:
    runs: list[dict] = field(default_factory=list)
    paths: dict[str, PathUse] = field(default_factory=dict)

    def use(self, path: str) -> PathUse:
        u = self.paths.get(path)
        if u is None:
            u = self.paths[path] = PathUse(path)
        return u

    def merge(self, other: Profile) -> None:
        self.runs.extend(other.runs)
        for p, u in other.paths.items():
            mine = self.use(p)
            mine.ops |= u.ops
            mine.exes |= u.exes

    def failed(self) -> list[PathUse]:
        """Paths looked up and never found, sorted."""
        return [self.paths[p] for p in sorted(self.paths) if not self.paths[p].found]

    def to_text(self) -> str:
        lines = [json.dumps({"lxpack_profile": FORMAT, "runs": self.runs}, sort_keys=True)]
        for p in sorted(self.paths):
            u = self.paths[p]
            lines.append(json.dumps({"path": p, "ops": sorted(u.ops), "exes": sorted(u.exes)}))
        return "\n".join(lines) + "\n"


def _bad(name: str, lineno: int, why: str) -> UsageError:
    return UsageError("profile %s, line %d: %s" % (name, lineno, why))


def parse(text: str, name: str = "<profile>") -> Profile:
    prof = Profile()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise _bad(name, lineno, "not a JSON object (is this an lxpack profile?)") from None
        if not isinstance(obj, dict):
            raise _bad(name, lineno, "not a JSON object (is this an lxpack profile?)")
        if "lxpack_profile" in obj:
            if obj["lxpack_profile"] != FORMAT:
                raise _bad(name, lineno, "profile format %r, this lxpack reads %d" % (obj["lxpack_profile"], FORMAT))
            prof.runs.extend(r for r in obj.get("runs", []) if isinstance(r, dict))
        elif isinstance(obj.get("path"), str) and isinstance(obj.get("ops"), list):
            u = prof.use(obj["path"])
            u.ops.update(str(o) for o in obj["ops"])
            u.exes.update(str(e) for e in obj.get("exes", []))
        elif isinstance(obj.get("path"), str) and isinstance(obj.get("op"), str):
            u = prof.use(obj["path"])
            u.ops.add("%s:%s" % (obj["op"], obj.get("result", "ok")))
            if obj.get("exe"):
                u.exes.add(str(obj["exe"]))
        else:
            raise _bad(name, lineno, "neither a path record nor a profile header")
    return prof


def load(path: str) -> Profile:
    """Read a profile file; a missing or unreadable one is a usage error."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return parse(f.read(), path)
    except OSError as e:
        raise UsageError("--profile %s: %s" % (path, (e.strerror or str(e)).lower())) from None


def load_all(paths: list[str]) -> Profile:
    prof = Profile()
    for p in paths:
        prof.merge(load(p))
    return prof


def save(prof: Profile, path: str) -> None:
    """Replace `path` with the tidy form (a temporary sibling renamed over it)."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(prof.to_text())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
