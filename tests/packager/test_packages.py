"""Package-aware inclusion (packager.packages) on this dpkg host: the files
of a named package, the packages owning a program and its closure, their
dependencies minus the base set, documentation left out, and the errors
(an unknown package: one line, exit 2). Checked against dpkg-query itself."""
import os
import shutil
import subprocess

import pytest

from lxpack.errors import UsageError
from lxpack.packager import packages
from lxpack.packager.pack import PackOptions, pack

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a dpkg host")


def _dpkg(*args):
    return subprocess.run(["dpkg-query", *args], capture_output=True, text=True).stdout


def _stdlib_pkg():
    """The package that owns the json module of /usr/bin/python3 (Debian: libpython3.X-stdlib)."""
    if not os.path.exists("/usr/bin/python3"):
        pytest.skip("no /usr/bin/python3")
    json_dir = subprocess.run(["/usr/bin/python3", "-c", "import json, os; print(os.path.dirname(json.__file__))"],
                              capture_output=True, text=True).stdout.strip()
    return json_dir, _dpkg("-S", json_dir).split(":")[0]


def test_named_package_files_without_docs():
    json_dir, pkg = _stdlib_pkg()
    got = packages.named(packages.PackageOptions(packages=(pkg,)))
    paths = {e.path for e in got}
    listed = _dpkg("-L", pkg).splitlines()
    assert os.path.join(json_dir, "__init__.py") in paths
    assert not any(p.startswith("/usr/share/doc/") for p in paths)
    assert any(p.startswith("/usr/share/doc/") for p in listed)
    assert all(os.path.isfile(p) or os.path.islink(p) for p in paths)
    import fnmatch
    assert {p for p in listed if os.path.isfile(p)
            and not any(fnmatch.fnmatchcase(p, g) for g in packages.DOC_GLOBS)} <= paths
    with_docs = packages.named(packages.PackageOptions(packages=(pkg,), docs=True))
    assert any(e.path.startswith("/usr/share/doc/") for e in with_docs)
    assert all(e.reason == "package %s (--with-package)" % pkg for e in got)


def test_owning_packages_and_dependencies_minus_base():
    _, stdlib = _stdlib_pkg()
    real = os.path.realpath("/usr/bin/python3")
    pm = packages.manager()
    owners = pm.owners(["/usr/bin/python3", real, "/lib/x86_64-linux-gnu/libc.so.6"])
    assert owners[real] == [_dpkg("-S", real).split(":")[0]]
    assert owners["/lib/x86_64-linux-gnu/libc.so.6"][0].startswith("libc6")
    got = packages.owning([real, "/lib/x86_64-linux-gnu/libc.so.6"], packages.PackageOptions(owning=True))
    pkgs = {e.reason.split()[1] for e in got}
    assert not any(packages.is_base(p) for p in pkgs) and pkgs
    deps = packages.owning([real], packages.PackageOptions(owning=True, deps=True))
    dep_pkgs = {e.reason.split()[1] for e in deps}
    minimal = _dpkg("-W", "-f=${Depends}", owners[real][0])
    first = minimal.split(",")[0].split()[0]
    assert first in dep_pkgs or packages.is_base(first)
    assert not any(packages.is_base(p) for p in dep_pkgs)
    assert packages.is_base("libc6:amd64") and packages.is_base("gcc-12-base")


def test_unknown_package_is_a_usage_error(run_lxpack, tmp_path):
    with pytest.raises(UsageError):
        packages.named(packages.PackageOptions(packages=("no-such-package-lxpack",)))
    r = run_lxpack("/usr/bin/true", "-o", tmp_path / "T", "--format", "dir", "--no-macos",
                   "--with-package", "no-such-package-lxpack")
    assert r.returncode == 2
    assert r.err_lines == [r.err_lines[0]] and r.err_lines[0].startswith(
        "lxpack: --with-package no-such-package-lxpack: not an installed package")
    assert not os.path.exists(tmp_path / "T")


def test_python_with_owning_packages_carries_the_standard_library(tmp_path):
    json_dir, stdlib = _stdlib_pkg()
    r = pack(PackOptions(program="/usr/bin/python3", output=str(tmp_path / "Py"), format="dir", macos=False,
                         additions=_opts(owning=True)))
    root = tmp_path / "Py/Resources/root"
    assert (root / json_dir.lstrip("/") / "__init__.py").is_file()
    pkgs = {e.reason.split()[1].split(":")[0] for e in r.extras if e.rule == "package"}
    real = os.path.realpath("/usr/bin/python3")
    assert _dpkg("-S", real).split(":")[0] in pkgs, pkgs
    # the stdlib package owns closure files (lib-dynload's extension modules); its
    # files are already in the python rule's tree, so it adds no entries of its own
    dynload = subprocess.run(["/usr/bin/python3", "-c", "import _json; print(_json.__file__)"],
                             capture_output=True, text=True).stdout.strip()
    assert packages.manager().owners([dynload])[dynload][0].split(":")[0] == stdlib
    # Without the python rule, the owning packages and their dependencies
    # still carry the minimal standard library (os.py: libpython3.X-minimal).
    r = pack(PackOptions(program="/usr/bin/python3", output=str(tmp_path / "Py2"), format="dir",
                         macos=False, additions=_opts(owning=True, deps=True, enabled=False)))
    os_py = subprocess.run(["/usr/bin/python3", "-c", "import os; print(os.__file__)"], capture_output=True,
                           text=True).stdout.strip()
    assert (tmp_path / ("Py2/Resources/root" + os_py)).is_file()
    assert not any(e.rule != "package" for e in r.extras)


def _opts(owning=False, deps=False, enabled=True):
    from lxpack.packager import extras, knowledge
    return extras.Options(knowledge.Options(enabled=enabled),
                          packages.PackageOptions(owning=owning, deps=deps))
