"""`lxpack inspect-bundle`: what a written bundle holds for a Mac, and whether it holds.

Owns: finding a bundle's Contents (an .app, a dir bundle, or a one-file
bundle, whose xz payload is unpacked into a temporary directory), reading
its Info.plist as Finder does (CFBundleExecutable must name a file in
MacOS/, LSMinimumSystemVersion must be there), and listing every Mach-O
file with its architecture and signature (packager.machosign): kind,
identifier, entitlements, and whether the page hashes hold. A problem is
an invalid signature, an unsigned arm64 file (Apple silicon runs no
unsigned code), or an embedded interpreter without the hypervisor
entitlement.

Imports: packager.machosign, lxpack.errors.
"""
from __future__ import annotations

import io
import lzma
import os
import plistlib
import tarfile
import tempfile
from dataclasses import dataclass, field

from lxpack.errors import PackError, UsageError
from lxpack.packager import machosign

ONEFILE_MARKER = b"__LXPACK_ARCHIVE_BELOW__\n"
INTERPRETER_DIR = "Resources/cpython/"


@dataclass
class MachOFile:
    path: str  # relative to Contents/
    signatures: list  # machosign.Signature, one per slice
    interpreter: bool  # an embedded CPython's bin/python3.X


@dataclass
class Report:
    bundle: str
    format: str
    info: dict
    files: list[MachOFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = ["%s (%s)" % (self.bundle, self.format)]
        for k in ("CFBundleExecutable", "CFBundleIdentifier", "LSMinimumSystemVersion"):
            lines.append("  %s: %s" % (k, self.info.get(k, "(missing)")))
        lines.append("  Mach-O files: %d" % len(self.files))
        for f in self.files:
            for sig in f.signatures:
                lines.append("  %s%s\n      %s" % (f.path, "  [interpreter]" if f.interpreter else "",
                                                  machosign.describe(sig)))
        if not any(f.interpreter for f in self.files):
            lines.append("  no embedded CPython: on a Mac the launcher uses the Mac's python3")
        lines.append("  problems: %s" % ("; ".join(self.problems) if self.problems else "none"))
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict:
        return {"bundle": self.bundle, "format": self.format, "info": self.info, "problems": self.problems,
                "macho": [{"path": f.path, "interpreter": f.interpreter,
                           "slices": [{"arch": s.arch, "signed": s.signed, "kind": s.kind, "valid": s.valid,
                                       "identifier": s.identifier,
                                       "entitlements": s.entitlements if s.entitlements is not None
                                       else s.der_entitlements,
                                       "problems": s.problems} for s in f.signatures]}
                          for f in self.files]}


def _contents(path: str) -> tuple[str, str]:
    """(Contents directory, format) of a bundle on disk (not one-file)."""
    if os.path.isdir(os.path.join(path, "Contents", "MacOS")):
        return os.path.join(path, "Contents"), "app"
    if os.path.isdir(os.path.join(path, "MacOS")) and os.path.isdir(os.path.join(path, "Resources")):
        return path, "dir"
    raise PackError("%s is not an lxpack bundle (no Contents/MacOS or MacOS/)" % path)


def inspect(path: str) -> Report:
    if not os.path.exists(path):
        raise UsageError("%s: no such file or directory" % path)
    if os.path.isfile(path):
        with open(path, "rb") as f:
            data = f.read()
        at = data.find(ONEFILE_MARKER)
        if not data.startswith(b"#!") or at < 0:
            raise PackError("%s is not an lxpack bundle (not an .app, a dir bundle or a one-file bundle)" % path)
        with tempfile.TemporaryDirectory(prefix="lxpack-inspect-") as tmp:
            try:
                with tarfile.open(fileobj=lzma.LZMAFile(io.BytesIO(data[at + len(ONEFILE_MARKER):])),
                                  mode="r|") as t:
                    kwargs = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
                    t.extractall(tmp, **kwargs)
            except (tarfile.TarError, lzma.LZMAError, EOFError) as e:
                raise PackError("%s: cannot read the one-file payload: %s" % (path, e)) from None
            return _check(tmp, path, "onefile")
    contents, fmt = _contents(path)
    return _check(contents, path, fmt)


def _check(contents: str, bundle: str, fmt: str) -> Report:
    info = {}
    problems = []
    plist = os.path.join(contents, "Info.plist")
    try:
        with open(plist, "rb") as f:
            info = plistlib.load(f)
    except (OSError, plistlib.InvalidFileException, ValueError) as e:
        problems.append("Info.plist unreadable: %s" % e)
    exe = info.get("CFBundleExecutable")
    if info and not (exe and os.path.isfile(os.path.join(contents, "MacOS", exe))):
        problems.append("CFBundleExecutable %r is not a file in MacOS/" % exe)
    if info and not info.get("LSMinimumSystemVersion"):
        problems.append("Info.plist has no LSMinimumSystemVersion")
    report = Report(bundle, fmt, {k: v for k, v in info.items() if isinstance(v, str)}, problems=problems)
    for dirpath, dirnames, filenames in os.walk(contents):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            if os.path.islink(p) or not machosign.is_macho(p):
                continue
            rel = os.path.relpath(p, contents).replace(os.sep, "/")
            try:
                sigs = machosign.read_signatures(p)
            except machosign.MachOError as e:
                problems.append("%s: %s" % (rel, e))
                continue
            interp = rel.startswith(INTERPRETER_DIR) and "/bin/python3." in rel
            report.files.append(MachOFile(rel, sigs, interp))
            for s in sigs:
                if s.signed and not s.valid:
                    problems.append("%s (%s): invalid signature" % (rel, s.arch))
                elif not s.signed and s.arch == "arm64":
                    problems.append("%s (arm64): unsigned (Apple silicon will not run it)" % rel)
                ents = s.entitlements if s.entitlements is not None else s.der_entitlements
                if interp and not (ents or {}).get(machosign.HYPERVISOR):
                    problems.append("%s (%s): no %s entitlement" % (rel, s.arch, machosign.HYPERVISOR))
    return report
