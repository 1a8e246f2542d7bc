"""Interpreter rules: python, perl, Tcl/Tk.

Owns: finding an interpreter's own library by asking it — python's
sys.path (under -S, so site-packages stay out unless asked), perl's @INC,
tclsh's `info library` and package path; for wish, which cannot be asked
without an X display, the library directories compiled into libtcl and
libtk.
"""
from __future__ import annotations

import os
import re

from lxpack.packager.knowledge import FILE, TREE, Extra, program_names
from lxpack.packager.knowledge._ask import ask, lines

_PYTHON = re.compile(r"^python\d*(\.\d+)*$")
_PERL = re.compile(r"^perl(\d+(\.\d+)*)?$")
_TCLSH = re.compile(r"^tclsh\d*(\.\d+)*$")
_WISH = re.compile(r"^wish\d*(\.\d+)*$")

_SITE_DIRS = ("site-packages", "dist-packages")
_PY_PATHS = "import sys\nfor p in sys.path: print(p)\n"


def python(program: str, opts) -> list[Extra]:
    """The standard library: sys.path under -S (the stdlib dir, its zip and
    lib-dynload); with --with-site-packages also what site adds (site- and
    dist-packages), which are left out by default because they hold whatever
    the build machine happened to install, not what the program needs."""
    if not any(_PYTHON.match(n) for n in program_names(program)):
        return []
    base = ask([program, "-S", "-E", "-c", _PY_PATHS])
    if base is None:
        return []
    out = []
    base_paths = [p for p in lines(base) if os.path.isabs(p)]
    why = "python: standard library (sys.path of %s -S)" % program
    for p in base_paths:
        site = [n for n in _SITE_DIRS if os.path.isdir(os.path.join(p, n))]
        if site and not opts.site_packages:
            # a stdlib dir holding site-packages (a python built from source,
            # pyenv...): its other entries one by one, the site dir left out
            for n in sorted(os.listdir(p)):
                if n not in site:
                    child = os.path.join(p, n)
                    out.append(Extra(child, why, TREE if os.path.isdir(child) else FILE))
            continue
        out.append(Extra(p, why, TREE if os.path.isdir(p) else FILE))
    if opts.site_packages:
        full = ask([program, "-E", "-c", _PY_PATHS])
        for p in lines(full):
            if os.path.isabs(p) and p not in base_paths:
                out.append(Extra(p, "python: site packages (--with-site-packages)", TREE))
    return out


def perl(program: str, opts) -> list[Extra]:
    """The @INC directories that exist (relative entries such as '.' are the user's)."""
    if not any(_PERL.match(n) for n in program_names(program)):
        return []
    text = ask([program, "-e", 'print "$_\\n" for @INC'])
    return [Extra(p, "perl: @INC of %s" % program, TREE)
            for p in lines(text) if os.path.isabs(p) and os.path.isdir(p)]


_TCL_ASK = "puts [info library]\nforeach d $auto_path {puts $d}\nexit 0\n"


def tcl(program: str, opts) -> list[Extra]:
    """tclsh: `info library` (init.tcl) and, in each auto_path directory, the
    subdirectories holding a pkgIndex.tcl (where `package require` looks).
    wish: the Tcl and Tk script libraries compiled into libtcl/libtk."""
    names = program_names(program)
    if any(_TCLSH.match(n) for n in names):
        found = lines(ask([program], stdin=_TCL_ASK))
        if not found:
            return []
        out = [Extra(found[0], "tcl: info library of %s" % program, TREE)]
        for d in found[1:]:
            out.extend(_pkg_dirs(d, program))
        return out
    if any(_WISH.match(n) for n in names):
        return _wish(program)
    return []


def _pkg_dirs(auto_dir: str, program: str) -> list[Extra]:
    if not os.path.isdir(auto_dir):
        return []
    out = []
    for name in sorted(os.listdir(auto_dir)):
        sub = os.path.join(auto_dir, name)
        if os.path.isfile(os.path.join(sub, "pkgIndex.tcl")):
            out.append(Extra(sub, "tcl: package in auto_path of %s" % program, TREE))
    return out


_LIB_STRING = re.compile(rb"(/[\x21-\x7e]*/(tcl|tk)\d+\.\d+)\x00")


def _wish(program: str) -> list[Extra]:
    """wish fails before running a script without an X display, so the Tcl
    library is read from the TCL_LIBRARY path compiled into the libtcl it
    links (checked: the directory must hold init.tcl), and the Tk library is
    where Tk's own tcl_findLibrary looks next to it: tk<version> beside the
    Tcl library (checked: it must hold tk.tcl)."""
    from lxpack.packager.closure import resolve
    try:
        closure = resolve(program)
    except Exception:  # noqa: BLE001 - the pack reports a bad program itself
        return []
    out = []
    tk_versions = []
    for obj in closure.objects:
        base = os.path.basename(obj.path)
        m = re.match(r"^libtk(\d+\.\d+)\.so", base)
        if m:
            tk_versions.append(m.group(1))
    for obj in closure.objects:
        base = os.path.basename(obj.path)
        if not base.startswith("libtcl"):
            continue
        try:
            with open(obj.path, "rb") as f:
                blob = f.read()
        except OSError:
            continue
        for m in _LIB_STRING.finditer(blob):
            d = m.group(1).decode()
            if m.group(2) != b"tcl" or not os.path.isfile(os.path.join(d, "init.tcl")):
                continue
            out.append(Extra(d, "tcl: Tcl library compiled into %s" % base, TREE))
            for v in tk_versions:
                tk = os.path.join(os.path.dirname(d), "tk" + v)
                if os.path.isfile(os.path.join(tk, "tk.tcl")):
                    out.append(Extra(tk, "tcl: Tk library (tcl_findLibrary: beside %s)" % d, TREE))
    return out
