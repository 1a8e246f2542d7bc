"""Builds the closure fixtures of samples/closure/ with gcc into a directory.

One call per pytest session (the `closure_samples` fixture in conftest.py).
Every program is described by a Case: where it is, the LD_LIBRARY_PATH to
assume, and what the dynamic loader should pick -- the tests check the
resolver against both these expectations and `ldd` itself.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "samples" / "closure"
HELLO = REPO / "samples" / "hello.c"


@dataclass
class Case:
    program: Path
    library_path: str | None = None
    # DT_NEEDED name -> expected resolved path (None: missing)
    expect: dict[str, str | None] = field(default_factory=dict)
    ldd_oracle: bool = True  # ldd can be asked about it


@dataclass
class Samples:
    root: Path
    cases: dict[str, Case]
    static_hello: Path | None
    hello: Path
    plugin_dir: Path
    plugin: Path
    plugin_dep: Path
    chain_dir: Path
    wrong_class_lib: Path
    musl: dict[str, Path]  # empty without musl-gcc

    def __getitem__(self, name: str) -> Case:
        return self.cases[name]


def _cc(*args) -> None:
    proc = subprocess.run(["gcc", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("gcc %s failed:\n%s" % (" ".join(map(str, args)), proc.stderr))


def _lib(out: Path, src: str = "libdep.c", soname: str | None = None, which: str | None = None,
         rename: str | None = None, flags=()) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["-shared", "-fPIC", "-o", out, SRC / src]
    if which is not None:
        args.append('-DWHICH="%s"' % which)
    if rename:
        args.append("-Ddep_which=%s" % rename)
    if soname:
        args.append("-Wl,-soname,%s" % soname)
    _cc(*args, *flags)
    return out


def _prog(out: Path, src: str, link=(), rpath=None, runpath=None, flags=()) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["-o", out, SRC / src if not os.path.isabs(src) else src, *link, *flags]
    if rpath:
        args.append("-Wl,--disable-new-dtags,-rpath,%s" % rpath)
    if runpath:
        args.append("-Wl,--enable-new-dtags,-rpath,%s" % runpath)
    _cc(*args)
    return out


def _add_rpath(path: Path, rpath: str) -> bool:
    """Give a RUNPATH binary a DT_RPATH too (no linker emits both any more)."""
    try:
        import lief  # test-only helper; the packager's only LIEF user is packager/_lief.py
    except ImportError:
        return False
    lief.logging.disable()
    binary = lief.ELF.parse(str(path))
    binary.add(lief.ELF.DynamicEntryRpath(rpath))
    tmp = path.with_name(path.name + ".tmp")
    binary.write(str(tmp))
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)
    return True


def build(root: Path) -> Samples:
    from lxpack.packager import searchpath

    r = root
    cases: dict[str, Case] = {}
    # Three copies of libdep.so that say which they are.
    for which in "ABC":
        _lib(r / "dep" / which / "libdep.so", which=which)
    A, B, C = (str(r / "dep" / w) for w in "ABC")
    link_dep = ["-L", A, "-ldep"]

    cases["rpath"] = Case(_prog(r / "bin/rpath", "uses_dep.c", link_dep, rpath=A),
                          expect={"libdep.so": A + "/libdep.so"})
    cases["rpath_before_ld_library_path"] = Case(
        cases["rpath"].program, library_path=B, expect={"libdep.so": A + "/libdep.so"})
    cases["runpath"] = Case(_prog(r / "bin/runpath", "uses_dep.c", link_dep, runpath=A),
                            expect={"libdep.so": A + "/libdep.so"})
    cases["ld_library_path_before_runpath"] = Case(
        cases["runpath"].program, library_path=B, expect={"libdep.so": B + "/libdep.so"})
    both = _prog(r / "bin/both", "uses_dep.c", link_dep, runpath=A)
    if _add_rpath(both, B):
        cases["rpath_ignored_with_runpath"] = Case(both, expect={"libdep.so": A + "/libdep.so"})

    # DT_RPATH is inherited by what a library loads; DT_RUNPATH is not.
    L, X = r / "leaf/L", r / "leaf/X"
    _lib(L / "libleaf.so", which="L", rename="leaf_which")
    _lib(X / "libleaf.so", which="X", rename="leaf_which")
    M, M2 = r / "mid/M", r / "mid/M2"
    _lib(M / "libmid.so", "libmid.c", flags=["-L", L, "-lleaf"])
    _lib(M2 / "libmid.so", "libmid.c", flags=["-L", L, "-lleaf", "-Wl,--enable-new-dtags,-rpath,%s" % X])
    cases["rpath_inherited"] = Case(
        _prog(r / "bin/mid_rpath", "uses_mid.c", ["-L", M, "-lmid"], rpath="%s:%s" % (M, L)),
        expect={"libmid.so": "%s/libmid.so" % M, "libleaf.so": "%s/libleaf.so" % L})
    cases["runpath_not_inherited"] = Case(
        _prog(r / "bin/mid_runpath", "uses_mid.c", ["-L", M, "-lmid"], runpath="%s:%s" % (M, L)),
        expect={"libmid.so": "%s/libmid.so" % M, "libleaf.so": None})
    cases["requester_runpath_beats_inherited_rpath"] = Case(
        _prog(r / "bin/mid2_rpath", "uses_mid.c", ["-L", M2, "-lmid"], rpath="%s:%s" % (M2, L)),
        expect={"libmid.so": "%s/libmid.so" % M2, "libleaf.so": "%s/libleaf.so" % X})

    # $ORIGIN and ${ORIGIN}, in a program and in a library.
    o = r / "origin"
    _lib(o / "lib/libdep.so", which="origin")
    _lib(o / "lib/leaf/libleaf.so", which="origin-leaf", rename="leaf_which")
    _lib(o / "lib/libmid.so", "libmid.c", flags=["-L", o / "lib/leaf", "-lleaf",
                                                 "-Wl,--enable-new-dtags,-rpath,$ORIGIN/leaf"])
    cases["origin"] = Case(
        _prog(o / "bin/prog", "uses_dep.c", ["-L", o / "lib", "-ldep"], rpath="$ORIGIN/../lib"),
        expect={"libdep.so": "%s/bin/../lib/libdep.so" % o})
    cases["origin_braced"] = Case(
        _prog(o / "bin/prog_braced", "uses_dep.c", ["-L", o / "lib", "-ldep"], runpath="${ORIGIN}/../lib"),
        expect={"libdep.so": "%s/bin/../lib/libdep.so" % o})
    cases["origin_in_library"] = Case(
        _prog(o / "bin/prog_mid", "uses_mid.c", ["-L", o / "lib", "-lmid"], runpath="$ORIGIN/../lib"),
        expect={"libmid.so": "%s/bin/../lib/libmid.so" % o,
                "libleaf.so": "%s/bin/../lib/leaf/libleaf.so" % o})

    # $LIB and $PLATFORM.
    lib_dst = searchpath.lib_dst()
    _lib(r / "dstlib" / lib_dst / "libdep.so", which="LIB")
    cases["dst_lib"] = Case(
        _prog(r / "bin/dst_lib", "uses_dep.c", link_dep, runpath="%s/dstlib/$LIB" % r),
        expect={"libdep.so": "%s/dstlib/%s/libdep.so" % (r, lib_dst)})
    _lib(r / "dstplat/x86_64/libdep.so", which="PLATFORM")
    cases["dst_platform"] = Case(
        _prog(r / "bin/dst_platform", "uses_dep.c", link_dep, runpath="%s/dstplat/${PLATFORM}" % r),
        expect={"libdep.so": "%s/dstplat/x86_64/libdep.so" % r})

    # A symlink chain: libchain.so.1 -> libchain.so.1.0 -> libchain.so.1.0.0.
    ch = r / "chain"
    _lib(ch / "libchain.so.1.0.0", "libchain.c", soname="libchain.so.1")
    os.symlink("libchain.so.1.0.0", ch / "libchain.so.1.0")
    os.symlink("libchain.so.1.0", ch / "libchain.so.1")
    os.symlink(str(ch / "libchain.so.1"), ch / "libchain.so")
    cases["symlink_chain"] = Case(
        _prog(r / "bin/uses_chain", "uses_chain.c", ["-L", ch, "-lchain"], runpath=str(ch)),
        expect={"libchain.so.1": "%s/libchain.so.1" % ch})

    # A library that is gone.
    _lib(r / "gone/libgone.so", soname="libgone.so")
    cases["missing"] = Case(_prog(r / "bin/uses_gone", "uses_dep.c", ["-L", r / "gone", "-lgone"]),
                            expect={"libgone.so": None})
    shutil.rmtree(r / "gone")

    # A 32-bit libdep.so first in the path is skipped; a text one stops the search.
    w32 = r / "w32/libdep.so"
    w32.parent.mkdir(parents=True)
    _cc("-m32", "-shared", "-nostdlib", "-fPIC", "-o", w32, SRC / "libdep.c")
    cases["wrong_class_skipped"] = Case(
        _prog(r / "bin/wrong_class", "uses_dep.c", link_dep, runpath="%s:%s" % (w32.parent, B)),
        expect={"libdep.so": B + "/libdep.so"})
    txt = r / "txt/libdep.so"
    txt.parent.mkdir(parents=True)
    txt.write_text("/* GNU ld script */\nGROUP ( libdep.so.0 )\n")
    cases["not_elf_stops_search"] = Case(
        _prog(r / "bin/not_elf", "uses_dep.c", link_dep, runpath="%s:%s" % (txt.parent, B)),
        expect={"libdep.so": None}, ldd_oracle=False)

    # DF_1_NODEFLIB: no ld.so.cache hits in system dirs, no system dirs.
    cases["nodeflib"] = Case(_prog(r / "bin/nodeflib", "uses_dep.c", link_dep,
                                   runpath=A, flags=["-Wl,-z,nodefaultlib"]),
                             expect={"libdep.so": A + "/libdep.so", "libc.so.6": None})

    # Symbol versions: needs VERS_2, finds a libvers.so.1 with only VERS_1.
    v1, v2 = r / "vers/v1", r / "vers/v2"
    _lib(v2 / "libvers.so.1", "libvers.c", soname="libvers.so.1",
         flags=["-DWITH_V2", "-Wl,--version-script=%s" % (SRC / "vers_v2.map")])
    _lib(v1 / "libvers.so.1", "libvers.c", soname="libvers.so.1",
         flags=["-Wl,--version-script=%s" % (SRC / "vers_v1.map")])
    link_vers = ["-L", v2, "-l:libvers.so.1"]
    cases["version_unsatisfied"] = Case(
        _prog(r / "bin/uses_vers_v1", "uses_vers.c", link_vers, runpath=str(v1)),
        expect={"libvers.so.1": "%s/libvers.so.1" % v1})
    cases["version_satisfied"] = Case(
        _prog(r / "bin/uses_vers_v2", "uses_vers.c", link_vers, runpath=str(v2)),
        expect={"libvers.so.1": "%s/libvers.so.1" % v2})

    # A dlopen'd plugin with its own dependency, plus data and a link in its dir.
    pl = r / "plug"
    dep = _lib(pl / "deps/libplugdep.so", which="plugin-dep", rename="plugdep_which")
    plugin = pl / "plugins/plugin.so"
    _lib(plugin, "plugin.c", flags=["-L", pl / "deps", "-lplugdep",
                                    "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../deps"])
    (pl / "plugins/plugin.conf").write_text("enabled = yes\n")
    os.symlink("plugin.so", pl / "plugins/current.so")
    (pl / "plugins/empty.d").mkdir()
    cases["dlopen_main"] = Case(_prog(r / "bin/dlopen_main", "dlopen_main.c", ["-ldl"]), expect={})

    hello = _prog(r / "bin/hello", str(HELLO))
    cases["hello"] = Case(hello)
    cases["passthrough"] = Case(_prog(r / "bin/passthrough", "passthrough.c"))
    try:
        static = _prog(r / "bin/hello_static", str(HELLO), flags=["-static"])
    except RuntimeError:
        static = None
    musl = _build_musl(r / "musl") if shutil.which("musl-gcc") else {}
    return Samples(r, cases, static, hello, pl / "plugins", plugin, dep, ch, w32, musl)


def _build_musl(m: Path) -> dict[str, Path]:
    """musl programs: plain hello, and a RUNPATH that musl (unlike glibc) inherits."""
    def mcc(*args):
        proc = subprocess.run(["musl-gcc", *map(str, args)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
    try:
        (m / "L").mkdir(parents=True)
        (m / "M").mkdir()
        mcc("-o", m / "hello", HELLO)
        mcc("-shared", "-fPIC", "-o", m / "L/libleaf.so", SRC / "libdep.c", "-Ddep_which=leaf_which")
        mcc("-shared", "-fPIC", "-o", m / "M/libmid.so", SRC / "libmid.c", "-L", m / "L", "-lleaf")
        mcc("-o", m / "mid_runpath", SRC / "uses_mid.c", "-L", m / "M", "-lmid",
            "-Wl,--enable-new-dtags,-rpath,%s:%s" % (m / "M", m / "L"))
    except RuntimeError:
        return {}
    return {"hello": m / "hello", "mid_runpath": m / "mid_runpath"}
