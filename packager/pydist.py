"""The CPython a macOS bundle carries: fetched or given, stripped, signed.

Owns: the pinned python-build-standalone `install_only` builds (one per Mac
architecture, URL and SHA-256), the per-user download cache, reading a
distribution given with --python-dist (a .tar.gz/.tar.zst... as published,
or its unpacked directory) and telling its architecture from its
interpreter's Mach-O header, stripping it to what the bundled runtime
imports (packager.pyneeds) and what the kept Mach-O files link
(@executable_path/@loader_path/@rpath names inside the distribution), and
signing: the interpreter `bin/python3.X` is re-signed ad hoc with
com.apple.security.hypervisor (a process may use Hypervisor.framework only
if its main executable carries it; python-build-standalone builds are not
framework builds, so bin/python3.X is that executable), and every other
Mach-O keeps a valid signature (an arm64 one without any is signed ad hoc:
Apple silicon runs no unsigned code).

The prepared tree is cached under ~/.cache/lxpack/python-dist/prepared/,
keyed by the distribution's SHA-256 and the digest of the code it was
stripped for, so a repeated pack costs nothing; it is built in a temporary
directory and renamed into place.

In the bundle: Contents/Resources/cpython/darwin-<arch>/ (bin/, lib/), which
the launcher prefers to any python3 of the Mac (templates/launcher.sh.j2).

Imports: packager.machosign, packager.pyneeds, lxpack.errors.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass

from lxpack.errors import PackError, UsageError
from lxpack.packager import machosign, pyneeds

BUNDLE_DIR = "Resources/cpython"
# python-build-standalone release 20251014, CPython 3.12.12 (the runtime needs
# 3.9+; 3.12 is the newest with a year of bug fixes left and no free-threading
# build split). arch -> (URL, SHA-256 of the .tar.gz).
_RELEASE = "https://github.com/astral-sh/python-build-standalone/releases/download/20251014/"
PINNED = {
    "arm64": (_RELEASE + "cpython-3.12.12%2B20251014-aarch64-apple-darwin-install_only.tar.gz",
              "6ceba34fe78802853a30bde6f303a0a54f71f6ab07a673da34e90c0aa06c786e"),
    "x86_64": (_RELEASE + "cpython-3.12.12%2B20251014-x86_64-apple-darwin-install_only.tar.gz",
               "9b8589eefb153cbe7cb652993d0ecc94aeb2fa13c1a2e8bc240f5f74f23bb21b"),
}
ENTITLEMENTS = {machosign.HYPERVISOR: True}
FETCH_ENV = "LXPACK_PYTHON_FETCH"  # "0": never download (the cache and --python-dist only)
FETCH_TIMEOUT = 30
_INTERP = re.compile(r"^(?:python/)?bin/python(3\.\d+)$")
# Never kept whatever imports them: headers, static libraries, man pages,
# pkg-config and Tcl/Tk (tkinter is not kept, so neither is what it loads).
_DROP_TOP = ("include/", "share/", "lib/pkgconfig/", "lib/tcl", "lib/tk", "lib/itcl", "lib/thread")
_OWN_PACKAGES = ("lxpack", "elftools", "unicorn")
MARKER = ".lxpack-prepared"  # in a complete prepared tree (what it came from); not bundled


@dataclass
class Prepared:
    """A stripped, signed distribution ready to be laid into a bundle."""

    arch: str  # arm64 | x86_64
    version: str  # 3.12
    root: str  # the prepared directory (bin/, lib/)
    sha256: str  # of the distribution it came from

    @property
    def dest(self) -> str:
        return "%s/darwin-%s" % (BUNDLE_DIR, self.arch)

    def files(self) -> list[tuple[str, str]]:
        """(relative path, host path) of every file and symlink, sorted."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            for f in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                if dirpath == self.root and f == MARKER:
                    continue
                p = os.path.join(dirpath, f)
                out.append((os.path.relpath(p, self.root).replace(os.sep, "/"), p))
        return sorted(out)


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lxpack", "python-dist")


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- getting one

def fetch(arch: str) -> str:
    """The pinned distribution for arch, from the cache or downloaded into it.
    PackError with one line when it cannot be had."""
    url, sha = PINNED[arch]
    name = url.rsplit("/", 1)[1].replace("%2B", "+")
    path = os.path.join(cache_dir(), name)
    if os.path.isfile(path) and _sha256_file(path) == sha:
        return path
    if os.environ.get(FETCH_ENV) == "0":
        raise PackError("%s is not in %s and %s=0 forbids downloading it" % (name, cache_dir(), FETCH_ENV))
    os.makedirs(cache_dir(), exist_ok=True)
    part = "%s.part-%d" % (path, os.getpid())
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as r, open(part, "wb") as out:
            for chunk in iter(lambda: r.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != sha:
            raise PackError("downloaded %s has SHA-256 %s, not the pinned %s" % (name, h.hexdigest(), sha))
        os.replace(part, path)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise PackError("cannot download %s: %s" % (name, reason)) from None
    finally:
        if os.path.exists(part):
            os.unlink(part)
    return path


def _members(dist: str):
    """(relative name, reader) of a tarball or directory distribution:
    reader() returns the first bytes of a regular file."""
    if os.path.isdir(dist):
        for dirpath, _dirs, files in os.walk(dist):
            for f in files:
                p = os.path.join(dirpath, f)
                yield os.path.relpath(p, dist).replace(os.sep, "/"), p
        return
    try:
        with tarfile.open(dist, "r:*") as t:
            for m in t.getmembers():
                if m.isfile():
                    yield m.name.lstrip("./"), (t, m)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise PackError("--python-dist %s: not a readable tar archive (%s)" % (dist, e)) from None


def identify(dist: str) -> tuple[str, str]:
    """(arch, version) of a python-build-standalone distribution: its
    bin/python3.X is a Mach-O for arm64 or x86_64."""
    for name, src in _members(dist):
        m = _INTERP.match(name)
        if not m:
            continue
        if isinstance(src, str):
            with open(src, "rb") as f:
                head = f.read(8)
        else:
            t, member = src
            head = t.extractfile(member).read(8)
        if len(head) < 8 or int.from_bytes(head[:4], "little") != machosign.MH_MAGIC_64:
            raise PackError("%s: %s is not a 64-bit Mach-O interpreter (a macOS build is needed, like "
                            "cpython-3.12-aarch64-apple-darwin-install_only.tar.gz)" % (dist, name))
        cpu = int.from_bytes(head[4:8], "little")
        if cpu not in machosign.ARCH_NAMES:
            raise PackError("%s: %s is for CPU type %#x, neither arm64 nor x86_64" % (dist, name, cpu))
        return machosign.ARCH_NAMES[cpu], m.group(1)
    raise PackError("%s does not look like a python-build-standalone install_only build "
                    "(no python/bin/python3.X in it)" % dist)


def choose(arches: list[str], given: list[str], embed: bool | None, warnings: list[str]) -> dict[str, str]:
    """arch -> distribution path for the bundle's Mac architectures.

    `given` (--python-dist) is used as is; the other arches come from the
    cache or the pinned URL. embed None (the default): an arch that cannot
    be had is a warning (the bundle then needs a python3 on the Mac);
    embed True: an error. One failed download stops further attempts."""
    out: dict[str, str] = {}
    for path in given:
        if not os.path.exists(path):
            raise UsageError("--python-dist %s: no such file or directory" % path)
        arch, _ = identify(path)
        if arch not in arches:
            raise UsageError("--python-dist %s is for %s, which this bundle does not target (--mac-arch)"
                             % (path, arch))
        out[arch] = os.path.abspath(path)
    failed = None
    quiet = os.environ.get(FETCH_ENV) == "0" and not embed  # offline on purpose: the summary line says it
    for arch in arches:
        if arch in out:
            continue
        try:
            if failed:
                raise PackError(failed)
            out[arch] = fetch(arch)
        except PackError as e:
            failed = failed or str(e)
            if embed:
                raise PackError("no CPython for %s Macs: %s (give --python-dist PATH)" % (arch, e)) from None
            if not quiet:
                warnings.append("no CPython embedded for %s Macs (%s): the bundle will use the Mac's python3 "
                                "(give --python-dist PATH, or --no-embed-python)" % (arch, e))
    return out


# ---------------------------------------------------------------- stripping and signing

def code_roots(vendored, extra_sources: list[tuple[str, bytes]] = ()) -> list[tuple[str, bytes, bool]]:
    """pyneeds roots from the vendored files (packager.vendor) and extra (name, source)."""
    roots = []
    for v in vendored:
        if not v.dest.endswith(".py"):
            continue
        mod = v.dest[:-3].replace("/", ".")
        pkg = mod.endswith(".__init__")
        with open(v.source, "rb") as f:
            roots.append((mod[:-9] if pkg else mod, f.read(), pkg))
    roots.extend((name, src, False) for name, src in extra_sources)
    return roots


def prepare(dist: str, roots: list[tuple[str, bytes, bool]], code_digest: str) -> Prepared:
    """The stripped, signed tree of `dist` for code `roots` (cached)."""
    arch, version = identify(dist)
    sha = _sha256_file(dist) if os.path.isfile(dist) else hashlib.sha256(dist.encode()).hexdigest()
    key = "%s-%s-%s" % (arch, sha[:16], code_digest[:16])
    final = os.path.join(cache_dir(), "prepared", key)
    if os.path.isfile(os.path.join(final, MARKER)):
        return Prepared(arch, version, final, sha)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lxpack-pydist-", dir=os.path.dirname(final)) as tmp:
        src = _unpacked(dist, os.path.join(tmp, "src"))
        out = os.path.join(tmp, "out")
        kept = _strip(src, version, roots, out)
        _sign_all(out, version, kept)
        with open(os.path.join(out, MARKER), "w") as f:
            json.dump({"dist": os.path.basename(dist), "sha256": sha, "arch": arch, "version": version,
                       "files": len(kept)}, f)
        try:
            os.rename(out, final)
        except OSError:
            if not os.path.isfile(os.path.join(final, MARKER)):  # not a concurrent pack's
                raise
    return Prepared(arch, version, final, sha)


def _unpacked(dist: str, dest: str) -> str:
    """The distribution's `python/` directory, unpacked under dest if a tarball."""
    if os.path.isdir(dist):
        return os.path.join(dist, "python") if os.path.isdir(os.path.join(dist, "python")) else dist
    os.makedirs(dest)
    with tarfile.open(dist, "r:*") as t:
        members = []
        for m in t.getmembers():
            name = os.path.normpath(m.name)
            if name.startswith(("/", "..")) or (m.issym() and m.linkname.startswith("/")) \
                    or not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
                continue  # a distribution has nothing else; refuse what would escape dest
            members.append(m)
        kwargs = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
        t.extractall(dest, members, **kwargs)
    top = os.path.join(dest, "python")
    return top if os.path.isdir(top) else dest


def _strip(src: str, version: str, roots, out: str) -> list[str]:
    """Copy into `out` what the runtime needs; return the kept paths (relative)."""
    libdir = os.path.join(src, "lib", "python" + version)
    need = pyneeds.closure(roots, pyneeds.Stdlib(libdir), _OWN_PACKAGES)
    keep = {os.path.relpath(p, src).replace(os.sep, "/") for p in need.files()}
    interp = "bin/python" + version
    keep.add(interp)
    for extra in ("bin/python3", "lib/python%s/LICENSE.txt" % version):
        if os.path.lexists(os.path.join(src, extra)):
            keep.add(extra)
    # What the kept Mach-O files load from inside the distribution.
    pending = [k for k in keep if machosign.is_macho(os.path.join(src, k))]
    while pending:
        rel = pending.pop()
        with open(os.path.join(src, rel), "rb") as f:
            data = f.read()
        for sl in machosign.slices(data):
            for lib in sl.dylibs:
                dep = _dylib_in_dist(src, rel, lib)
                if dep and dep not in keep:
                    keep.add(dep)
                    pending.append(dep)
    keep = {k for k in keep if not k.startswith(_DROP_TOP)}
    for rel in sorted(keep):
        s, d = os.path.join(src, rel), os.path.join(out, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if os.path.islink(s):
            os.symlink(os.readlink(s), d)
        else:
            shutil.copyfile(s, d)
            os.chmod(d, stat.S_IMODE(os.stat(s).st_mode) | stat.S_IRUSR)
    return sorted(keep)


def _dylib_in_dist(src: str, rel: str, lib: str) -> str | None:
    here = os.path.dirname(rel)
    for prefix, base in (("@executable_path/", "bin"), ("@loader_path/", here), ("@rpath/", "lib")):
        if lib.startswith(prefix):
            cand = os.path.normpath(os.path.join(base, lib[len(prefix):])).replace(os.sep, "/")
            if not cand.startswith("..") and os.path.isfile(os.path.join(src, cand)):
                return cand
    return None


def _sign_all(out: str, version: str, kept: list[str]) -> None:
    """The interpreter gets the hypervisor entitlement; other Mach-O files
    keep their signature, and an arm64 one without a valid one is signed."""
    interp = os.path.join(out, "bin", "python" + version)
    old = machosign.read_signatures(interp)
    ident = old[0].identifier if old and old[0].identifier else "python" + version
    machosign.sign(interp, ident, ENTITLEMENTS)
    for rel in kept:
        p = os.path.join(out, rel)
        if p == interp or os.path.islink(p) or not machosign.is_macho(p):
            continue
        sigs = machosign.read_signatures(p)
        if any(s.arch == "arm64" and not s.valid for s in sigs) or any(s.signed and not s.valid for s in sigs):
            machosign.sign(p, os.path.basename(rel))


def for_bundle(arches: list[str], given: list[str], embed: bool | None, vendored, run_py: bytes,
               code_digest: str, warnings: list[str]) -> list[Prepared]:
    """The prepared distributions a bundle for `arches` carries (maybe none)."""
    if embed is False:
        if given:
            raise UsageError("--python-dist contradicts --no-embed-python")
        return []
    dists = choose(arches, given, embed, warnings)
    if not dists:
        return []
    roots = code_roots(vendored, [("__main__", run_py)])
    return [prepare(dists[a], roots, code_digest) for a in sorted(dists)]


def python_path(arch: str, version: str) -> str:
    """Where the interpreter is, relative to Contents/."""
    return "%s/darwin-%s/bin/python%s" % (BUNDLE_DIR, arch, version)

