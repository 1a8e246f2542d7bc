"""`lxpack inspect` output: a closure as an lddtree-like tree, or as JSON.

Owns: presentation only. The text form prints each object's DT_NEEDED
names depth-first under it, with the path each resolved to and why
(RPATH, RUNPATH, LD_LIBRARY_PATH, ld.so.cache, system dir...); an object
already shown is not expanded again; missing names and unsatisfied symbol
versions are flagged in the tree and listed at the end. The JSON form has
the same facts, with sorted keys.

Imports: packager.closure (types only).
"""
from __future__ import annotations

import json

from lxpack.packager.closure import Closure, LoadedObject

INDENT = "    "


def text(closure: Closure) -> str:
    lines: list[str] = []
    by_path = {o.path: o for o in closure.objects}
    unsat_by_obj: dict[str, list[str]] = {}
    for u in closure.unsatisfied:
        unsat_by_obj.setdefault(u.provider, []).append("%s (required by %s)" % (u.version, u.needed_by))
    missing = {m.name: m for m in closure.missing}
    shown: set[str] = set()
    prog = closure.program

    def flag(obj: LoadedObject) -> str:
        bad = unsat_by_obj.get(obj.path)
        return "  !! missing version %s" % ", ".join(bad) if bad else ""

    def walk(obj: LoadedObject, depth: int) -> None:
        shown.add(obj.path)
        for edge in obj.edges:
            pad = INDENT * depth
            if edge.vdso:
                lines.append("%s%s => (vDSO, provided by the kernel)" % (pad, edge.name))
                continue
            if edge.path is None:
                m = missing.get(edge.name)
                detail = m.detail if m else "not found"
                lines.append("%s%s => !! %s" % (pad, edge.name, "not found" if detail == "not found"
                                                 else detail))
                continue
            dep = by_path[edge.path]
            if dep.path in shown:
                lines.append("%s%s => %s%s" % (pad, edge.name, dep.path, flag(dep)))
                continue
            lines.append("%s%s => %s [%s]%s" % (pad, edge.name, dep.path, dep.reason, flag(dep)))
            walk(dep, depth + 1)

    interp = closure.interpreter
    head = prog.path
    if interp is not None:
        head += " (interpreter => %s [%s])" % (interp.path, interp.reason)
        shown.add(interp.path)
    elif prog.info.interpreter:
        head += " (interpreter %s: !! not found)" % prog.info.interpreter
    elif not prog.info.needed:
        head += " (statically linked)"
    lines.append(head)
    walk(prog, 1)
    for obj in closure.objects:
        if obj.kind == "included" and obj.path not in shown:
            lines.append("%s [--include]" % obj.path)
            walk(obj, 1)
    if closure.missing:
        lines.append("")
        lines.append("missing libraries:")
        for m in closure.missing:
            lines.append("%s%s: %s (needed by %s)" % (INDENT, m.name, m.detail, ", ".join(m.needed_by)))
    if closure.unsatisfied:
        lines.append("")
        lines.append("unsatisfied symbol versions:")
        for u in closure.unsatisfied:
            lines.append(INDENT + str(u))
    if closure.skipped:
        lines.append("")
        lines.append("skipped (as ld.so skips them):")
        seen = set()
        for s in closure.skipped:
            if s.path not in seen:
                seen.add(s.path)
                lines.append("%s%s: %s" % (INDENT, s.path, s.why))
    return "\n".join(lines) + "\n"


def as_dict(closure: Closure) -> dict:
    def obj_dict(o: LoadedObject) -> dict:
        return {
            "path": o.path,
            "kind": o.kind,
            "reason": o.reason,
            "soname": o.info.soname,
            "needed_by": list(o.needed_by),
            "needed": [{"name": e.name, "path": e.path, "vdso": e.vdso} for e in o.edges],
            "rpath": o.info.rpath,
            "runpath": o.info.runpath,
        }

    return {
        "program": closure.program.path,
        "interpreter": closure.interpreter.path if closure.interpreter else None,
        "complete": closure.complete,
        "objects": [obj_dict(o) for o in closure.objects],
        "missing": [{"name": m.name, "needed_by": m.needed_by, "detail": m.detail}
                    for m in closure.missing],
        "unsatisfied_versions": [{"file": u.file, "version": u.version, "needed_by": u.needed_by,
                                  "provider": u.provider, "symbols": u.symbols}
                                 for u in closure.unsatisfied],
        "skipped": [{"path": s.path, "name": s.name, "why": s.why} for s in closure.skipped],
        "ld_config": closure.cache_source,
    }


def as_json(closure: Closure, extras=None) -> str:
    data = as_dict(closure)
    if extras is not None:
        data["beyond_closure"] = [{"path": e.path, "reason": e.reason, "mode": e.mode, "rule": e.rule}
                                  for e in extras]
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def extras_text(extras) -> str:
    """The paths packed beyond the ELF closure, grouped by rule, each with its reason."""
    if not extras:
        return ""
    groups: dict[str, list] = {}
    for e in extras:
        groups.setdefault(e.rule or "other", []).append(e)
    lines = ["", "beyond the ELF closure (--no-auto-data, --no-rule RULE leave these out):"]
    for rule, items in groups.items():
        if rule == "package":
            lines.append("%spackages: %d files" % (INDENT, len(items)))
            by_reason: dict[str, int] = {}
            for e in items:
                by_reason[e.reason] = by_reason.get(e.reason, 0) + 1
            lines.extend("%s%s: %d files" % (INDENT * 2, r, n) for r, n in by_reason.items())
            continue
        lines.append("%s%s:" % (INDENT, rule))
        for e in items:
            lines.append("%s%s%s  [%s]" % (INDENT * 2, e.path, "/" if e.mode == "tree" else "", e.reason))
    return "\n".join(lines) + "\n"


def extras_summary(extras) -> list[str]:
    """One line per rule for the end of a pack: `python: /usr/lib/python3.11/, ...`."""
    groups: dict[str, list] = {}
    for e in extras:
        groups.setdefault(e.rule or "other", []).append(e)
    out = []
    for rule, items in groups.items():
        if rule == "package":
            pkgs = sorted({e.reason.split()[1] for e in items})
            out.append("packages: %s (%d files)" % (", ".join(pkgs), len(items)))
            continue
        shown = ", ".join(e.path + ("/" if e.mode == "tree" else "") for e in items[:4])
        more = " and %d more" % (len(items) - 4) if len(items) > 4 else ""
        out.append("%s: %s%s" % (rule, shown, more))
    return out
