"""A synthetic python-build-standalone `install_only` build for macOS, made here.

Its layout is the real one (python/bin/python3.12 with python3 -> python3.12,
python/lib/libpython3.12.dylib, python/lib/python3.12/ with lib-dynload/,
include/, share/, lib/pkgconfig/, lib/tcl8.6/), its Mach-O files are real
small ones cross-compiled with the `ziglang` wheel (zig cc -target
aarch64-macos / x86_64-macos): the interpreter links the dylib through
@executable_path/../lib/ as the real one does, and lib-dynload holds a
bundle-type extension module. The stdlib holds a handful of real modules
(copied from this Python) and what must be stripped (test/, idlelib/,
tkinter/, ensurepip/). The interpreter does nothing: the tests check layout
and signatures, never run it.
"""
import io
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

VERSION = "3.12"
ZIG_TARGETS = {"arm64": "aarch64-macos", "x86_64": "x86_64-macos"}
KEEP_MODULES = ("os.py", "stat.py", "posixpath.py", "genericpath.py", "abc.py", "site.py", "_sitebuiltins.py",
                "codecs.py", "io.py", "_collections_abc.py", "struct.py")
STRIPPED = ("test/__init__.py", "test/test_os.py", "idlelib/__init__.py", "tkinter/__init__.py",
            "ensurepip/__init__.py", "turtledemo/__init__.py")


def zig_available() -> str | None:
    """Why zig cannot be used, or None."""
    try:
        r = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "ziglang cannot run: %s" % e
    if r.returncode != 0:
        return "the ziglang wheel is not installed (pip install ziglang, or .[test]): %s" % (
            r.stderr.strip().splitlines() or ["?"])[-1]
    return None


def _zig(args, cwd):
    r = subprocess.run([sys.executable, "-m", "ziglang", "cc"] + args, cwd=cwd, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        pytest.fail("zig cc %s failed: %s" % (" ".join(args), r.stderr))


def build(workdir, arch: str) -> str:
    """A python-build-standalone-shaped .tar.gz for arch; returns its path."""
    target = ZIG_TARGETS[arch]
    work = os.path.join(str(workdir), arch)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "lib.c"), "w") as f:
        f.write("int py_answer(void) { return 42; }\n")
    with open(os.path.join(work, "main.c"), "w") as f:
        f.write("int py_answer(void);\nint main(void) { return py_answer() == 42 ? 0 : 1; }\n")
    with open(os.path.join(work, "ext.c"), "w") as f:
        f.write("void *PyInit__ctypes(void) { return 0; }\nvoid *PyInit_termios(void) { return 0; }\n")
    lib = "libpython%s.dylib" % VERSION
    _zig(["-target", target, "-shared", "-o", lib,
          "-Wl,-install_name,@executable_path/../lib/" + lib, "lib.c"], work)
    _zig(["-target", target, "-o", "python" + VERSION, "main.c", "-L.", "-lpython" + VERSION], work)
    _zig(["-target", target, "-shared", "-o", "ext.so", "ext.c"], work)

    root = os.path.join(work, "python")
    shutil.rmtree(root, ignore_errors=True)
    std = os.path.join(root, "lib", "python" + VERSION)
    for d in ("bin", "lib-dynload"):
        os.makedirs(os.path.join(root, d) if d == "bin" else os.path.join(std, d))
    shutil.copy(os.path.join(work, "python" + VERSION), os.path.join(root, "bin"))
    os.symlink("python" + VERSION, os.path.join(root, "bin", "python3"))
    shutil.copy(os.path.join(work, lib), os.path.join(root, "lib"))
    for name in ("_ctypes", "termios", "_tkinter", "_testcapi"):
        shutil.copy(os.path.join(work, "ext.so"), os.path.join(std, "lib-dynload",
                                                                "%s.cpython-312-darwin.so" % name))
    host_std = os.path.dirname(os.__file__)
    for m in KEEP_MODULES:
        shutil.copy(os.path.join(host_std, m), std)
    os.makedirs(os.path.join(std, "encodings"))
    for m in ("__init__.py", "utf_8.py", "aliases.py", "latin_1.py"):
        shutil.copy(os.path.join(host_std, "encodings", m), os.path.join(std, "encodings"))
    # ctypes, as the runtime imports it (its macholib only on a Mac)
    os.makedirs(os.path.join(std, "ctypes", "macholib"))
    for rel in ("ctypes/__init__.py", "ctypes/util.py", "ctypes/macholib/__init__.py", "ctypes/macholib/dyld.py"):
        shutil.copy(os.path.join(host_std, rel), os.path.join(std, rel))
    for rel in STRIPPED:
        os.makedirs(os.path.dirname(os.path.join(std, rel)), exist_ok=True)
        with open(os.path.join(std, rel), "w") as f:
            f.write("import os\n")
    with open(os.path.join(std, "LICENSE.txt"), "w") as f:
        f.write("PSF LICENSE AGREEMENT (fixture)\n")
    for rel, text in (("include/python3.12/Python.h", "/* header */\n"), ("share/man/man1/python3.1", ".TH\n"),
                      ("lib/pkgconfig/python3.pc", "Name: Python\n"), ("lib/tcl8.6/init.tcl", "# tcl\n")):
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    out = os.path.join(str(workdir), "cpython-3.12.0+fixture-%s-apple-darwin-install_only.tar.gz"
                       % ("aarch64" if arch == "arm64" else "x86_64"))
    with tarfile.open(out, "w:gz") as t:
        t.add(root, "python")
    return out


def tar_bytes(members: dict) -> bytes:
    """A .tar.gz holding name -> bytes (for malformed-distribution tests)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
