"""Toolchain rules: gcc/g++/cc, git, a JDK (java/javac...).

Owns: asking gcc where its parts are (-print-prog-name, -print-search-dirs,
-print-file-name, the header search list of `-E -v`), git its exec path,
and finding a JDK's home from the program's real path. The ELF files in
what these rules add (cc1, as, ld, git-core, libjvm...) have their own
closures resolved by the packer, as for --include.
"""
from __future__ import annotations

import os
import re
import shutil

from lxpack.packager.knowledge import FILE, TREE, Extra, program_names
from lxpack.packager.knowledge._ask import ask, lines

# gcc, g++, cc, c++, cpp, x86_64-linux-gnu-gcc-12, gcc-12... (clang answers
# -print-prog-name differently and is not matched).
_GCC = re.compile(r"^(?:[\w.]+-)?(gcc|g\+\+|cc|c\+\+)(?:-\d+(?:\.\d+)*)?$")
_CXX = re.compile(r"^(?:[\w.]+-)?(g\+\+|c\+\+)(?:-\d+(?:\.\d+)*)?$")
# The libraries a plain `-lNAME` of a C or C++ program links with glibc, and
# the start files; each asked with -print-file-name (the .so the linker would
# take, or the .a when that is all there is: libpthread.a, libdl.a stubs).
_LIBS = ("c", "m", "pthread", "dl", "rt", "util", "resolv", "gcc_s", "stdc++", "atomic")
_START_FILES = ("crt1.o", "Scrt1.o", "rcrt1.o", "crti.o", "crtn.o")
_PARTS = ("cc1", "cc1plus", "collect2", "lto-wrapper", "lto1")


def gcc(program: str, opts) -> list[Extra]:
    """The compiler proper (cc1, cc1plus, collect2, lto-wrapper: their
    directories whole, which hold crtbegin*.o, libgcc, specs and gcc's own
    headers), binutils' as and ld (found on PATH, as gcc finds them), the
    start files and -lc/-lm/... libraries with the files their linker
    scripts name, and the header search directories gcc reports (C, and C++
    for g++/c++)."""
    names = program_names(program)
    if not any(_GCC.match(n) for n in names):
        return []
    cc1 = (ask([program, "-print-prog-name=cc1"]) or "").strip()
    if not os.path.isabs(cc1):
        return []  # not a gcc driver
    why = "gcc: %s" % program
    out: list[Extra] = []
    for part in _PARTS:
        p = (ask([program, "-print-prog-name=" + part]) or "").strip()
        if os.path.isabs(p) and os.path.exists(p):
            out.append(Extra(os.path.dirname(p), "%s: directory of %s" % (why, part), TREE))
    for line in lines(ask([program, "-print-search-dirs"])):
        if line.startswith("install:"):
            out.append(Extra(line.split(":", 1)[1].strip(), "%s: install dir" % why, TREE))
    for tool in ("as", "ld"):
        p = (ask([program, "-print-prog-name=" + tool]) or "").strip()
        found = p if os.path.isabs(p) else shutil.which(p or tool)
        if found:
            out.append(Extra(found, "%s: binutils %s" % (why, tool), FILE))
    libgcc = (ask([program, "-print-libgcc-file-name"]) or "").strip()
    if os.path.isabs(libgcc):
        out.append(Extra(libgcc, "%s: libgcc" % why, FILE))
    wanted = list(_START_FILES)
    for lib in _LIBS:
        so = _file_name(program, "lib%s.so" % lib)
        wanted.append(so if so else "lib%s.a" % lib)
    for name in wanted:
        path = name if os.path.isabs(name) else _file_name(program, name)
        if path:
            out.append(Extra(path, "%s: %s" % (why, os.path.basename(name)), FILE))
            for ref in _script_inputs(path, program):
                out.append(Extra(ref, "%s: named by the linker script %s" % (why, path), FILE))
    langs = ["c"] + (["c++"] if any(_CXX.match(n) for n in names) else [])
    for lang in langs:
        for d in _include_dirs(program, lang):
            out.append(Extra(d, "%s: %s header search dir" % (why, "C++" if lang == "c++" else "C"),
                             TREE))
    return out


def _file_name(program: str, name: str) -> str | None:
    """gcc -print-file-name=NAME: an absolute path when gcc finds it, else None."""
    p = (ask([program, "-print-file-name=" + name]) or "").strip()
    return os.path.normpath(p) if os.path.isabs(p) and os.path.exists(p) else None


def _script_inputs(path: str, program: str) -> list[str]:
    """Files a GNU ld script (libc.so, libm.so, libgcc_s.so) names in GROUP/INPUT:
    absolute ones as they are, bare names where gcc finds them."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return []
    if b"\0" in head or not re.search(rb"\b(GROUP|INPUT)\s*\(", head):
        return []
    text = re.sub(r"/\*.*?\*/", " ", head.decode("latin-1"), flags=re.S)
    out = []
    for m in re.finditer(r"\b(?:GROUP|INPUT)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text):
        for tok in re.findall(r"[^\s()]+", m.group(1)):
            if tok in ("AS_NEEDED",) or tok.startswith("-l"):
                continue
            found = tok if os.path.isabs(tok) else _file_name(program, tok)
            if found and os.path.exists(found):
                out.append(found)
    return out


def _include_dirs(program: str, lang: str) -> list[str]:
    text = ask([program, "-E", "-v", "-x", lang, os.devnull], merge_stderr=True) or ""
    dirs, inside = [], False
    for line in text.splitlines():
        if line.startswith("#include <...> search starts here:"):
            inside = True
        elif line.startswith("End of search list."):
            inside = False
        elif inside and line.startswith(" "):
            d = os.path.normpath(line.strip())
            if os.path.isdir(d):
                dirs.append(d)
    return dirs


def git(program: str, opts) -> list[Extra]:
    """`git --exec-path` (git-core: the sub-commands) and the templates `git
    init` copies, which git looks up at $(prefix)/share/git-core/templates
    (compiled in; git cannot print it), prefix being two levels above the
    exec path (/usr/lib/git-core or /usr/libexec/git-core)."""
    if "git" not in program_names(program):
        return []
    exec_path = (ask([program, "--exec-path"]) or "").strip()
    if not os.path.isabs(exec_path):
        return []
    prefix = os.path.dirname(os.path.dirname(exec_path))
    return [Extra(exec_path, "git: --exec-path of %s" % program, TREE),
            Extra(os.path.join(prefix, "share/git-core/templates"), "git: templates of git init", TREE)]


def java(program: str, opts) -> list[Extra]:
    """A java/javac/jar... whose real path is $JAVA_HOME/bin/X, where
    $JAVA_HOME holds lib/modules (a JDK 9+ runtime image) or the JDK 8 rt.jar:
    the whole $JAVA_HOME, and the /etc directories its symlinks lead into
    (Debian's JDK links conf/ and lib/ files to /etc/java-17-openjdk)."""
    real = os.path.realpath(program)
    bindir = os.path.dirname(real)
    home = os.path.dirname(bindir)
    if os.path.basename(bindir) != "bin":
        return []
    if not (os.path.isfile(os.path.join(home, "lib/modules"))
            or os.path.isfile(os.path.join(home, "jre/lib/rt.jar"))):
        return []
    out = [Extra(home, "java: JAVA_HOME of %s" % program, TREE)]
    etc = set()
    for dirpath, dirnames, filenames in os.walk(home):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if os.path.islink(p):
                target = os.readlink(p)
                parts = target.split("/")
                # Only the JDK's own /etc/java* directories: other links (lib/security/
                # cacerts -> /etc/ssl/certs/java/cacerts) bring just their target, so
                # nothing else of /etc (private keys...) comes along.
                if target.startswith("/etc/java") and len(parts) > 3:
                    etc.add("/etc/" + parts[2])
    for d in sorted(etc):
        if os.path.isdir(d):
            out.append(Extra(d, "java: configuration linked from %s" % home, TREE))
    return out
