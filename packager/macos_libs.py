"""macOS builds of unicorn's native library, so a bundle packed on Linux runs on a Mac.

Owns: fetching libunicorn.2.dylib for each Mac architecture asked for
(--mac-arch: arm64 for Apple silicon, x86_64 for Intel Macs, or both) from the unicorn wheels on PyPI, of the same
unicorn version the packing Python has, into a per-user cache; checking that
each file is a Mach-O for its architecture; and naming where it goes in the
bundle (python/unicorn/lib/darwin-<arch>/, chosen at run time by
lxpack.launch.native_libs). The packing host's own unicorn library stays in
python/unicorn/lib/ as before. lxpack's patched build for each Mac, when
tools/build_unicorn.py --install put it beside unicorn's library, goes with
it (python/unicorn/lib/lxpack-darwin-<arch>/, preferred at run time).

pip does the download (it knows the index, proxies and certificates the user
configured); the wheel is a zip, read with zipfile. Nothing is fetched when
the cache already has the file, so packing is offline after the first time.

Imports: lxpack.errors, packager.vendor.
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

from lxpack.errors import PackError, UsageError
from lxpack.packager.vendor import VendoredFile

LIB_NAME = "libunicorn.2.dylib"
# bundle sub-directory -> (pip platform tag, Mach-O CPU type)
PLATFORMS = {
    "darwin-arm64": ("macosx_11_0_arm64", 0x0100000C),
    "darwin-x86_64": ("macosx_10_9_x86_64", 0x01000007),
}
MH_MAGIC_64 = 0xFEEDFACF


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lxpack", "macos-libs")


def unicorn_version() -> str:
    try:
        return importlib.metadata.version("unicorn")
    except importlib.metadata.PackageNotFoundError:
        raise PackError("cannot add unicorn's macOS library: unicorn is not installed in %s"
                        % os.path.realpath(sys.executable)) from None


def check_macho(path: str, cputype: int) -> None:
    """Raise PackError unless path is a 64-bit Mach-O for cputype."""
    with open(path, "rb") as f:
        head = f.read(8)
    if len(head) < 8:
        raise PackError("%s is not a Mach-O file" % path)
    magic, cpu = struct.unpack("<II", head)
    if magic != MH_MAGIC_64 or cpu != cputype:
        raise PackError("%s is not a 64-bit Mach-O for CPU type %#x (magic %#x, cpu %#x)"
                        % (path, cputype, magic, cpu))


def _fetch(version: str, tag: str, dest: str) -> None:
    """Download the unicorn wheel for tag and extract the dylib to dest (atomically)."""
    with tempfile.TemporaryDirectory(prefix="lxpack-wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--only-binary=:all:", "--platform", tag, "--dest", tmp, "unicorn==%s" % version]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PackError("cannot download unicorn %s for %s: %s" % (version, tag, e)) from None
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if r.returncode != 0 or not wheels:
            last = (r.stderr.strip().splitlines() or ["pip found no wheel"])[-1]
            raise PackError("cannot download unicorn %s for %s (%s); pack with --no-macos for a bundle "
                            "that runs on Linux only" % (version, tag, last))
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as z:
            member = "unicorn/lib/" + LIB_NAME
            try:
                info = z.getinfo(member)
            except KeyError:
                raise PackError("the unicorn wheel %s has no %s" % (wheels[0], member)) from None
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            part = dest + ".part-%d" % os.getpid()
            with z.open(info) as src, open(part, "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(part, 0o755)
            os.replace(part, dest)


def arches(mac_arch: str) -> list[str]:
    """The PLATFORMS keys for --mac-arch (arm64, x86_64 or both)."""
    if mac_arch == "both":
        return sorted(PLATFORMS)
    sub = "darwin-" + mac_arch
    if sub not in PLATFORMS:
        raise UsageError("unknown --mac-arch %r (use arm64, x86_64 or both)" % mac_arch)
    return [sub]


def files(fetch: bool = True, mac_arch: str = "both") -> list[VendoredFile]:
    """The dylibs to add under python/ for `mac_arch` (fetched into the cache if needed)."""
    version = unicorn_version()
    out = []
    for sub in arches(mac_arch):
        tag, cputype = PLATFORMS[sub]
        path = os.path.join(cache_dir(), "unicorn-%s" % version, sub, LIB_NAME)
        if not os.path.isfile(path):
            if not fetch:
                raise PackError("unicorn's macOS library for %s is not in %s" % (sub, os.path.dirname(path)))
            _fetch(version, tag, path)
        check_macho(path, cputype)
        out.append(VendoredFile("unicorn/lib/%s/%s" % (sub, LIB_NAME), path, 0o755))
        patched = _patched(sub)
        if patched is not None:
            check_macho(patched, cputype)
            out.append(VendoredFile("unicorn/lib/lxpack-%s/%s" % (sub, LIB_NAME), patched, 0o755))
    return out


def _patched(sub: str) -> str | None:
    """lxpack's patched build for this Mac (tools/build_unicorn.py --install),
    installed beside unicorn's own library, or None."""
    import importlib.util
    spec = importlib.util.find_spec("unicorn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "lib", "lxpack-" + sub, LIB_NAME)
    return path if os.path.isfile(path) else None
