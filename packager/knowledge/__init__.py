"""What common programs need beyond their ELF closure.

Owns: the Extra record (a path to pack, why, and whether it is a whole
directory "tree" or one "file"), the table of rules, and the two entry
points the pack pipeline calls:

* for_program(program, opts): rules keyed on the program itself —
  python, perl, Tcl/Tk, a JDK, gcc/g++/cc, git (make needs nothing). Each
  asks the program on the build host where that is reliable (it is Linux
  and the program runs natively) and hard-codes a path only where the
  program cannot say (a comment says why).
* for_closure(closure, opts): data rules keyed on what the resolved
  closure links or imports — glibc locale, gconv modules, zoneinfo,
  terminfo, CA certificates.

Rules never fail a pack: a program that cannot be asked adds nothing. The
rule names (RULES) are what `--no-rule NAME` turns off; `--no-auto-data`
(Options.enabled=False) turns off all of them. One module per family:
interpreters (python, perl, tcl), toolchains (gcc, git, java), data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

TREE = "tree"
FILE = "file"


@dataclass(frozen=True)
class Extra:
    """One path to pack beyond the ELF closure."""

    path: str  # absolute host path, packed at the same path
    reason: str  # shown by inspect and recorded as the manifest entry's reason
    mode: str = TREE  # "tree": the directory and everything in it; "file": the file (its link chain)
    rule: str = ""  # the rule (or package option) that added it


@dataclass
class Options:
    enabled: bool = True  # --no-auto-data turns every rule off
    skip: frozenset = frozenset()  # --no-rule NAME
    site_packages: bool = False  # --with-site-packages: python's site/dist-packages too
    all_locales: bool = False  # --with-locales: every compiled locale, not just C.utf8


# Rule names, in the order they run; each is a function of that name in
# the family module (imported when a rule runs: the modules import Extra
# from here).
PROGRAM_RULES = ("python", "perl", "tcl", "java", "gcc", "git")
DATA_RULES = ("locale", "gconv", "zoneinfo", "terminfo", "certs", "fonts", "libgcc_s")
RULES = PROGRAM_RULES + DATA_RULES
_FAMILY = {"python": "interpreters", "perl": "interpreters", "tcl": "interpreters",
           "java": "toolchains", "gcc": "toolchains", "git": "toolchains"}


def _apply(names, subject, opts: Options) -> list[Extra]:
    """Run the rules *names* (minus --no-rule ones) on *subject*."""
    if not opts.enabled:
        return []
    import importlib
    out: list[Extra] = []
    for name in names:
        if name not in opts.skip:
            family = importlib.import_module("lxpack.packager.knowledge." + _FAMILY.get(name, "data"))
            out.extend(_tag(getattr(family, name)(subject, opts), name))
    return normalize(out)


def for_program(program: str, opts: Options) -> list[Extra]:
    """Extras the program itself needs (its interpreter library, compiler parts...)."""
    return _apply(PROGRAM_RULES, program, opts)


def for_closure(closure, opts: Options) -> list[Extra]:
    """Data files the resolved closure needs (locale, gconv, terminfo, fonts...)."""
    return _apply(DATA_RULES, closure, opts)


def _tag(extras, rule: str) -> list[Extra]:
    return [e if e.rule else Extra(e.path, e.reason, e.mode, rule) for e in extras]


def normalize(extras: list[Extra]) -> list[Extra]:
    """Absolute, normalised, existing paths; the first of duplicates wins and
    anything inside a tree already listed is dropped."""
    seen: dict[str, Extra] = {}
    for e in extras:
        path = os.path.normpath(e.path)
        if not os.path.isabs(path) or not os.path.lexists(path) or path in seen:
            continue
        seen[path] = Extra(path, e.reason, e.mode, e.rule)
    trees = sorted(p for p, e in seen.items() if e.mode == TREE and os.path.isdir(p))
    out = []
    for path, e in seen.items():
        if any(path != t and path.startswith(t.rstrip("/") + "/") for t in trees):
            continue
        out.append(e)
    return out


def program_names(program: str) -> set[str]:
    """The names a rule matches: the program's own file name and its real one."""
    return {os.path.basename(program), os.path.basename(os.path.realpath(program))}
