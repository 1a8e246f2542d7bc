#!/usr/bin/env python3
"""Builds lxpack's patched libunicorn from the pinned unicorn sdist, for every
platform a bundle carries.

  python tools/build_unicorn.py                      # linux-x86_64 (the system C compiler)
  python tools/build_unicorn.py --platform all       # + darwin-arm64, darwin-x86_64 (zig cc)
  python tools/build_unicorn.py --platform all --install   # + copy into this Python's unicorn package

Steps: `pip download` the unicorn sdist of VERSION (checked against
SDIST_SHA256), unpack it, apply third_party/unicorn/patches/*.patch in
order, configure with cmake (x86 only, Release) and build
libunicorn.so.2 / libunicorn.2.dylib into out/unicorn-lxpack/<platform>/.
The macOS libraries are cross-compiled with `python -m ziglang cc -target
aarch64-macos / x86_64-macos` (the ziglang wheel of the test extras); they
cannot run here, the build checks they are Mach-O files of the right CPU.
--install copies them to <unicorn package>/lib/lxpack-<platform>/, where the
runtime finds them (runtime/vmm/unicorn/enginelib.py) and from where the
packager carries them into bundles; PyPI's library stays the fallback.
The Python binding and the library must be the same unicorn version: the
build refuses when the installed unicorn is another one.
Needs cmake, make or ninja, a C compiler, patch; about 1 CPU-minute per
platform (Linux), a few for each zig build.
"""
import argparse
import hashlib
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2.1.4"
SDIST = "unicorn-%s.tar.gz" % VERSION
SDIST_SHA256 = "00567a70e323f749b419cd86bee4f9115beab7ebba32194581c090cbb7c59cff"
PATCHES = ROOT / "third_party" / "unicorn" / "patches"
OUT = ROOT / "out" / "unicorn-lxpack"
# platform -> (zig target or None for the system compiler, library file, Mach-O CPU type)
PLATFORMS = {
    "linux-x86_64": (None, "libunicorn.so.2", None),
    "darwin-arm64": ("aarch64-macos", "libunicorn.2.dylib", 0x0100000C),
    "darwin-x86_64": ("x86_64-macos", "libunicorn.2.dylib", 0x01000007),
}
CMAKE_ARGS = ["-DCMAKE_BUILD_TYPE=Release", "-DUNICORN_ARCH=x86", "-DUNICORN_BUILD_TESTS=off",
              "-DUNICORN_INSTALL=off", "-DUNICORN_LEGACY_STATIC_ARCHIVE=off", "-DBUILD_SHARED_LIBS=on"]


def log(msg):
    print("build_unicorn: " + msg, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_sdist(work):
    """The pinned sdist in work/, downloaded by pip once, hash checked."""
    dest = work / SDIST
    if not dest.exists():
        log("downloading %s with pip" % SDIST)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                        "unicorn==" + VERSION, "-d", str(work)], check=True)
    got = sha256(dest)
    if got != SDIST_SHA256:
        dest.unlink()
        sys.exit("build_unicorn: %s has SHA-256 %s, expected %s (removed)" % (SDIST, got, SDIST_SHA256))
    return dest


def patched_source(work, sdist):
    """A fresh unpacked copy of the sdist with every patch applied."""
    top = work / ("unicorn-" + VERSION)
    if top.exists():
        shutil.rmtree(top)
    with tarfile.open(sdist) as tar:
        tar.extractall(work)
    for p in sorted(PATCHES.glob("*.patch")):
        log("applying %s" % p.name)
        subprocess.run(["patch", "-p1", "--batch", "--forward", "--quiet", "-i", str(p)], cwd=top, check=True)
    return top / "src"


def zig_wrappers(work, target):
    """cc, ar, ranlib scripts running this Python's ziglang for target. The
    cc drops `-arch X` (cmake adds it on Darwin; zig takes -target) and
    `-framework X` (qemu's configure links CoreFoundation and IOKit, which
    unicorn never calls and zig does not ship)."""
    d = work / ("zig-" + target)
    d.mkdir(exist_ok=True)
    cc = d / "cc"
    cc.write_text("#!%s\nimport os, sys\nargs, skip = [], False\nfor a in sys.argv[1:]:\n"
                  "    if skip:\n        skip = a == '-framework'\n        continue\n"
                  "    if a in ('-arch', '-framework'):\n        skip = True\n        continue\n"
                  "    if a.startswith('-F/System/'):\n        continue\n    args.append(a)\n"
                  "os.execv(sys.executable, [sys.executable, '-m', 'ziglang', 'cc', '-target', %r] + args)\n"
                  % (sys.executable, target))
    for tool in ("ar", "ranlib"):
        (d / tool).write_text("#!/bin/sh\nexec '%s' -m ziglang %s \"$@\"\n" % (sys.executable, tool))
    for f in (cc, d / "ar", d / "ranlib"):
        f.chmod(f.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return d


def build(src, work, platform, jobs):
    target, lib, _cpu = PLATFORMS[platform]
    bdir = work / ("build-" + platform)
    if bdir.exists():
        shutil.rmtree(bdir)
    args = ["cmake", "-S", str(src), "-B", str(bdir)] + CMAKE_ARGS
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    env = dict(os.environ)
    if target:
        z = zig_wrappers(work, target)
        arch = "arm64" if target.startswith("aarch64") else "x86_64"
        args += ["-DCMAKE_SYSTEM_NAME=Darwin", "-DCMAKE_C_COMPILER=%s" % (z / "cc"),
                 "-DCMAKE_AR=%s" % (z / "ar"), "-DCMAKE_RANLIB=%s" % (z / "ranlib"),
                 "-DCMAKE_OSX_DEPLOYMENT_TARGET=11.0" if arch == "arm64" else "-DCMAKE_OSX_DEPLOYMENT_TARGET=10.15"]
        env["ARCHFLAGS"] = "-arch " + arch       # unicorn's CMakeLists: one architecture
        env["ZIG_GLOBAL_CACHE_DIR"] = str(work / "zig-cache")
        env["ZIG_LOCAL_CACHE_DIR"] = str(work / "zig-cache")
    log("configuring %s" % platform)
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    log("building %s" % platform)
    subprocess.run(["cmake", "--build", str(bdir), "-j", str(jobs)], check=True, env=env)
    built = bdir / lib
    if not built.exists():
        sys.exit("build_unicorn: %s was not produced" % built)
    return built.resolve()


def check_library(path, platform):
    """The library is for the platform's CPU and exports the patch's entry."""
    _target, _lib, cpu = PLATFORMS[platform]
    head = path.read_bytes()[:8]
    if cpu is None:
        if head[:4] != b"\x7fELF":
            sys.exit("build_unicorn: %s is not an ELF file" % path)
    else:
        magic, got = struct.unpack("<II", head)
        if magic != 0xFEEDFACF or got != cpu:
            sys.exit("build_unicorn: %s is not a 64-bit Mach-O for CPU 0x%x" % (path, cpu))
    if b"uc_ctl" not in path.read_bytes():
        sys.exit("build_unicorn: %s does not export uc_ctl" % path)


def installed_unicorn():
    """(version, package directory) of this Python's unicorn, or (None, None)."""
    try:
        import importlib.metadata
        import importlib.util
        version = importlib.metadata.version("unicorn")
        spec = importlib.util.find_spec("unicorn")
        return version, list(spec.submodule_search_locations)[0]
    except Exception:  # noqa: BLE001 - not installed
        return None, None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platform", default="linux-x86_64", choices=sorted(PLATFORMS) + ["all"])
    ap.add_argument("--install", action="store_true",
                    help="copy the libraries into this Python's unicorn package (lib/lxpack-<platform>/)")
    ap.add_argument("--work", default=str(ROOT / "out" / "unicorn-build"), help="download and build directory")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args(argv)
    version, pkg = installed_unicorn()
    if a.install and version != VERSION:
        sys.exit("build_unicorn: the installed unicorn is %s, these patches are for %s" % (version, VERSION))
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    src = patched_source(work, fetch_sdist(work))
    platforms = sorted(PLATFORMS) if a.platform == "all" else [a.platform]
    for platform in platforms:
        built = build(src, work, platform, a.jobs)
        check_library(built, platform)
        dest = OUT / platform / PLATFORMS[platform][1]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, dest)
        log("%s: %s (sha256 %s)" % (platform, dest, sha256(dest)[:16]))
        if a.install:
            inst = Path(pkg) / "lib" / ("lxpack-" + platform) / PLATFORMS[platform][1]
            inst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, inst)
            log("installed %s" % inst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
