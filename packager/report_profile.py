"""`lxpack inspect --profile` output: what the profiles add to a bundle, and
the failed lookups (paths the program looked for and did not find).

Owns: presentation only (text and JSON); the rule of what is packed is
profile_pick's.

Imports: packager.closure, profile, profile_pick (types only), report.
"""
from __future__ import annotations

import json
import os

from lxpack.packager.closure import Closure
from lxpack.packager.profile import Profile
from lxpack.packager.profile_pick import Picked
from lxpack.packager.report import INDENT, as_dict


def _size(entries) -> int:
    total = 0
    for e in entries:
        if e.source and not e.is_link:
            try:
                total += os.path.getsize(e.source)
            except OSError:
                pass
    return total


def text(closure: Closure, prof: Profile, picked: Picked) -> str:
    files = [e for e in picked.entries if not e.is_dir and not e.is_link]
    links = [e for e in picked.entries if e.is_link]
    dirs = [e for e in picked.entries if e.is_dir]
    lines = ["", "profile: %d paths recorded over %d run%s; adds %d files (%.1f MB), %d symlinks, "
             "%d directories, %d ELF objects resolved with their libraries"
             % (len(prof.paths), len(prof.runs), "" if len(prof.runs) == 1 else "s", len(files),
                _size(files) / 1e6, len(links), len(dirs), len(picked.elf_objects))]
    for e in picked.entries:
        if e.is_dir:
            lines.append("%s%s/" % (INDENT, e.path))
        elif e.is_link:
            lines.append("%s%s -> %s" % (INDENT, e.path, e.link_target))
        else:
            lines.append("%s%s%s" % (INDENT, e.path, "  [ELF]" if e.source in picked.elf_objects else ""))
    failed = prof.failed()
    lines.append("")
    lines.append("failed lookups (looked for, not found): %d" % len(failed))
    for u in failed:
        lines.append("%s%s  (%s)" % (INDENT, u.path, ", ".join(sorted(u.ops))))
    for why in sorted(picked.skipped):
        if why == "never found":
            continue
        lines.append("")
        lines.append("not packed: %s: %d" % (why, len(picked.skipped[why])))
    return "\n".join(lines) + "\n"


def as_json(closure: Closure, prof: Profile, picked: Picked) -> str:
    data = as_dict(closure)
    data["profile"] = {
        "runs": prof.runs,
        "adds": [{"path": e.path, "type": "dir" if e.is_dir else "link" if e.is_link else "file",
                  "symlink_target": e.link_target, "elf": e.source in picked.elf_objects}
                 for e in picked.entries],
        "failed_lookups": [{"path": u.path, "ops": sorted(u.ops)} for u in prof.failed()],
        "not_packed": {why: paths for why, paths in sorted(picked.skipped.items()) if why != "never found"},
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
