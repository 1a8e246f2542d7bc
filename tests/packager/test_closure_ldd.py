"""Closure resolution equals ldd, path for path, on real programs and
libraries of this machine (at least 30 dynamically linked ones)."""
import os

import pytest
from conftest import ldd, reached

from lxpack.packager import elfhead
from lxpack.packager.closure import Resolver

MULTIARCH = "/usr/lib/x86_64-linux-gnu"
CANDIDATES = [
    "/usr/bin/" + n for n in (
        "ls", "cat", "cp", "bash", "dash", "grep", "sed", "tar", "gzip", "find", "xargs", "sort",
        "git", "perl", "python3", "sqlite3", "gcc", "g++", "ld.bfd", "as", "objdump", "readelf",
        "gdb", "vim.basic", "less", "diff", "xz", "zstd", "file", "strace", "tmux", "curl",
        "ssh", "openssl", "make", "cmake", "wget", "gpg", "dpkg", "apt", "mawk", "stat", "ps",
        "env", "tic", "infocmp", "nano", "qemu-x86_64", "musl-gcc",
    )
] + [
    "/usr/lib/gcc/x86_64-linux-gnu/12/" + n for n in ("cc1", "cc1plus", "lto1", "collect2",
                                                      "liblto_plugin.so")
] + [
    MULTIARCH + "/" + n for n in (
        "libc.so.6", "libstdc++.so.6", "libz.so.1", "libcurl.so.4", "libssl.so.3",
        "libcrypto.so.3", "libsqlite3.so.0", "libxml2.so.2", "libperl.so.5.36",
        "libpython3.11.so.1.0", "libLLVM-15.so.1", "libgtk-x11-2.0.so.0", "libgcc_s.so.1",
        "libselinux.so.1", "libgnutls.so.30", "libglib-2.0.so.0", "libreadline.so.8",
        "libncursesw.so.6", "libzstd.so.1", "liblzma.so.5", "libbz2.so.1.0", "libexpat.so.1",
        "libffi.so.8", "libgmp.so.10", "libmpfr.so.6", "libisl.so.23", "libbfd-2.40-system.so",
    )
]


def _dynamic(path):
    try:
        hdr = elfhead.read_header(path)
    except OSError:
        return False
    return hdr is not None and hdr.matches_host


@pytest.fixture(scope="module")
def system_objects():
    found = [p for p in CANDIDATES if os.path.isfile(p) and _dynamic(p)]
    compared = []
    for p in found:
        oracle = ldd(p)
        if oracle is not None:
            compared.append((p, oracle))
    return compared


def test_closure_equals_ldd_for_at_least_30_system_objects(system_objects):
    resolver = Resolver()
    mismatches = []
    for path, (ldd_paths, ldd_missing, _) in system_objects:
        closure = resolver.resolve(path)
        mine = reached(closure)
        missing = {m.name for m in closure.missing}
        if mine != ldd_paths or missing != ldd_missing:
            mismatches.append((path, sorted(mine ^ ldd_paths), sorted(missing ^ ldd_missing)))
        assert "linux-vdso.so.1" not in {os.path.basename(p) for p in mine}
    assert not mismatches, mismatches
    assert len(system_objects) >= 30, [p for p, _ in system_objects]


def test_interpreter_is_pt_interp():
    closure = Resolver().resolve("/usr/bin/ls")
    assert closure.interpreter is not None
    assert closure.interpreter.path == closure.program.info.interpreter
    assert closure.interpreter.reason == "PT_INTERP"
