"""Package-aware inclusion on dpkg (Debian, Ubuntu) and RPM (Fedora, RHEL,
SUSE) hosts.

Owns: asking the host's package database which files a package installed
(`dpkg-query -L`, `rpm -ql`), which packages own given files
(`dpkg-query -S`, `rpm -qf`) and what a package depends on (Depends and
Pre-Depends; RPM requirements through --whatprovides), recursively, minus
BASE_PACKAGES; and turning package files into (path, reason, mode) extras:
regular files and symlinks that exist, without documentation, man and info
pages and message translations unless asked.

Errors are UsageError (exit 2): a named package that is not installed, or
package options on a host without dpkg or rpm.
"""
from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from lxpack.errors import UsageError
from lxpack.packager.knowledge import FILE, Extra

# Packages never added by --with-owning-packages or --with-package-deps: every
# installation has them, they are the system's plumbing rather than the
# program's (the ELF libraries among their files still come with the closure),
# and following them would pull in most of the base system. Name one with
# --with-package to pack it anyway. Globs; dpkg names first, then RPM names.
BASE_PACKAGES = (
    # Debian / Ubuntu
    "libc6", "libc-bin", "libgcc-s1", "gcc-*-base", "libcrypt1", "dpkg", "base-files",
    "base-passwd", "debconf", "debianutils", "perl-base", "dash", "bash", "coreutils",
    "tar", "sensible-utils", "init-system-helpers", "lsb-base", "sysvinit-utils", "ucf",
    "adduser", "passwd", "login", "util-linux", "mount", "tzdata", "readline-common",
    "install-info", "mime-support", "media-types", "libpam-*", "procps",
    # Fedora / RHEL / SUSE
    "glibc", "glibc-common", "glibc-*-langpack*", "glibc-langpack-*", "filesystem", "setup",
    "basesystem", "libgcc", "bash", "coreutils", "coreutils-common", "rpm", "tzdata",
    "crypto-policies", "ca-certificates", "info", "systemd-libs",
)

# Left out of package files unless --with-package-docs: documentation, man
# and info pages, message translations (gettext catalogues).
DOC_GLOBS = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*",
             "/usr/share/locale/*.mo", "/usr/share/help/*", "/usr/share/gtk-doc/*",
             "/usr/share/lintian/*")


def is_base(name: str) -> bool:
    bare = name.split(":", 1)[0]
    return any(fnmatch.fnmatchcase(bare, g) for g in BASE_PACKAGES)


def _run(argv: list[str]) -> tuple[int, str]:
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, LC_ALL="C"), timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return 127, str(e)
    return proc.returncode, proc.stdout.decode("utf-8", "surrogateescape") + \
        ("\n" + proc.stderr.decode("utf-8", "replace") if proc.returncode else "")


def _file_list(query: list[str], pkg: str) -> list[str]:
    """The absolute paths an installed package owns, from its manager's
    file-list query (dpkg-query -L, rpm -ql)."""
    rc, out = _run([*query, pkg])
    if rc != 0:
        raise UsageError("--with-package %s: not an installed package (%s: %s)"
                         % (pkg, " ".join(query), _first_line(out)))
    return [ln for ln in out.splitlines() if ln.startswith("/")]


class Dpkg:
    name = "dpkg"

    def __init__(self):
        self._provides: dict[str, list[str]] | None = None

    def files(self, pkg: str) -> list[str]:
        return _file_list(["dpkg-query", "-L"], pkg)

    def owners(self, paths: list[str]) -> dict[str, list[str]]:
        """path -> owning packages, for the paths dpkg knows (trying the
        /usr-merged twin of each: dpkg records /lib/x, the closure may say
        /usr/lib/x). One dpkg-query for all of them (it prints what it finds
        and exits 1 if some are not found)."""
        twins = {p: _twins(p) for p in paths}
        every = sorted({c for cs in twins.values() for c in cs})
        found: dict[str, list[str]] = {}
        for i in range(0, len(every), 500):
            _, out = _run(["dpkg-query", "-S", *every[i:i + 500]])
            for line in out.splitlines():
                if line.startswith(("diversion ", "dpkg-query: ")):
                    continue
                head, sep, tail = line.rpartition(": ")
                if sep and tail in twins.get(tail, [tail]):
                    found.setdefault(tail, []).extend(p.strip() for p in head.split(",") if p.strip())
        result: dict[str, list[str]] = {}
        for path, candidates in twins.items():
            for c in candidates:
                if found.get(c):
                    result[path] = found[c]
                    break
        return result

    def depends(self, pkg: str) -> list[str]:
        rc, out = _run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}\n", pkg])
        if rc != 0:
            return []
        chosen = []
        for group in out.replace("\n", ",").split(","):
            alts = [re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", a).strip() for a in group.split("|")]
            for alt in alts:
                name = alt.split(":", 1)[0]
                if not name:
                    continue
                real = self._installed(name)
                if real:
                    chosen.append(real)
                    break
        return chosen

    def _installed(self, name: str) -> str | None:
        rc, out = _run(["dpkg-query", "-W", "-f=${db:Status-Status}", name])
        if rc == 0 and "installed" in out.split():
            return name
        return (self._provided().get(name) or [None])[0]

    def _provided(self) -> dict[str, list[str]]:
        if self._provides is None:
            self._provides = {}
            _, out = _run(["dpkg-query", "-W", "-f=${db:Status-Status} ${Package} ${Provides}\n"])
            for line in out.splitlines():
                status, _, rest = line.partition(" ")
                if status != "installed":
                    continue
                pkg, _, provides = rest.partition(" ")
                for p in provides.split(","):
                    p = re.sub(r"\(.*?\)", "", p).strip()
                    if p:
                        self._provides.setdefault(p, []).append(pkg)
        return self._provides


class Rpm:
    name = "rpm"

    def files(self, pkg: str) -> list[str]:
        return _file_list(["rpm", "-ql"], pkg)

    def owners(self, paths: list[str]) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for path in paths:
            for candidate in _twins(path):
                rc, out = _run(["rpm", "-qf", "--qf", "%{NAME}\n", candidate])
                pkgs = [ln.strip() for ln in out.splitlines() if ln.strip()] if rc == 0 else []
                if pkgs:
                    result[path] = pkgs
                    break
        return result

    def depends(self, pkg: str) -> list[str]:
        rc, out = _run(["rpm", "-q", "--requires", pkg])
        if rc != 0:
            return []
        chosen = []
        for cap in out.splitlines():
            cap = cap.split(" ", 1)[0].strip()
            if not cap or cap.startswith("rpmlib("):
                continue
            rc, prov = _run(["rpm", "-q", "--whatprovides", "--qf", "%{NAME}\n", cap])
            names = [ln.strip() for ln in prov.splitlines() if ln.strip()] if rc == 0 else []
            if names:
                chosen.append(names[0])
        return chosen


def manager():
    """The host's package manager (Dpkg or Rpm), or None."""
    if shutil.which("dpkg-query") and os.path.isdir("/var/lib/dpkg/info"):
        return Dpkg()
    if shutil.which("rpm") and any(os.path.isdir(d) for d in ("/var/lib/rpm", "/usr/lib/sysimage/rpm")):
        return Rpm()
    return None


def _first_line(text: str) -> str:
    for ln in text.splitlines():
        if ln.strip():
            return ln.strip()
    return "failed"


_MERGED = (("/usr/lib/", "/lib/"), ("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"),
           ("/usr/lib64/", "/lib64/"))


def _twins(path: str) -> list[str]:
    """The path, its /usr-merge twin and its real path (each once)."""
    out = [path]
    for usr, root in _MERGED:
        if path.startswith(usr):
            out.append(root + path[len(usr):])
        elif path.startswith(root):
            out.append(usr + path[len(root):])
    real = os.path.realpath(path)
    out.append(real)
    for usr, root in _MERGED:
        if real.startswith(usr):
            out.append(root + real[len(usr):])
    seen = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


@dataclass
class PackageOptions:
    packages: tuple = ()  # --with-package PKG
    owning: bool = False  # --with-owning-packages
    deps: bool = False  # --with-package-deps
    docs: bool = False  # --with-package-docs

    @property
    def active(self) -> bool:
        return bool(self.packages) or self.owning


def with_deps(pm, roots: list[str], why: dict[str, str]) -> list[str]:
    """roots and their dependencies, recursively, minus BASE_PACKAGES.
    `why` is filled with a reason per added dependency."""
    order, seen = [], set()
    todo = list(roots)
    while todo:
        pkg = todo.pop(0)
        key = pkg.split(":", 1)[0]
        if key in seen:
            continue
        seen.add(key)
        order.append(pkg)
        for dep in pm.depends(pkg):
            if not is_base(dep) and dep.split(":", 1)[0] not in seen:
                why.setdefault(dep, "dependency of %s" % pkg)
                todo.append(dep)
    return order


def extras(pm, packages: list[str], why: dict[str, str], docs: bool) -> list[Extra]:
    """The files of `packages` as file extras: regular files and symlinks that
    exist (directories come with their files), documentation left out unless `docs`."""
    out = []
    for pkg in packages:
        reason = "package %s (%s)" % (pkg, why.get(pkg, "--with-package"))
        listed = pm.files(pkg)
        for path in listed:
            if not docs and any(fnmatch.fnmatchcase(path, g) for g in DOC_GLOBS):
                continue
            if os.path.islink(path) and os.path.isdir(path) and any(
                    p.startswith(path + "/") for p in listed):
                continue  # /bin -> usr/bin on a /usr-merged host: its files come by their paths
            if os.path.islink(path) or os.path.isfile(path):
                out.append(Extra(path, reason, FILE, "package"))
    return out


def named(opts: PackageOptions) -> list[Extra]:
    """--with-package PKG... (and, with --with-package-deps, their dependencies)."""
    if not opts.packages:
        return []
    pm = _need_manager("--with-package")
    why = {p: "--with-package" for p in opts.packages}
    pkgs = with_deps(pm, list(opts.packages), why) if opts.deps else list(opts.packages)
    for p in opts.packages:
        pm.files(p)  # an unknown package is an error even when it is also a dependency
    return extras(pm, pkgs, why, opts.docs)


def owning(paths: list[str], opts: PackageOptions, done: set[str] | None = None) -> list[Extra]:
    """--with-owning-packages: the packages owning `paths` (the program and its
    closure), minus BASE_PACKAGES and those in `done` (updated: a later pass
    over a grown closure adds only new packages); with deps on request."""
    done = set() if done is None else done
    if not opts.owning:
        return []
    pm = _need_manager("--with-owning-packages")
    why: dict[str, str] = {}
    for path, pkgs in pm.owners(paths).items():
        for pkg in pkgs:
            if not is_base(pkg):
                why.setdefault(pkg, "owns %s" % path)
    roots = [p for p in why if p.split(":", 1)[0] not in done]
    pkgs = with_deps(pm, roots, why) if opts.deps else roots
    pkgs = [p for p in pkgs if p.split(":", 1)[0] not in done]
    done.update(p.split(":", 1)[0] for p in pkgs)
    return extras(pm, pkgs, why, opts.docs)


def _need_manager(option: str):
    pm = manager()
    if pm is None:
        raise UsageError("%s needs dpkg or rpm on the packing host (neither was found)" % option)
    return pm
