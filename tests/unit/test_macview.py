"""The foreign-host table (unikernel/kernel/vfs/macview.py) and the VFS
rules built on it: what a bundle sees of the host when it runs as on a Mac,
and case-renamed bundle entries found and listed under their own names."""
import os

import pytest

from lxpack.runtime.host import posix
from lxpack.unikernel.errors import LinuxError
from lxpack.unikernel.kernel.vfs import macview
from lxpack.unikernel.kernel.vfs.resolve import Vfs


@pytest.mark.parametrize("path,visible", [
    ("/usr/lib/python3.11/os.py", False), ("/lib/x86_64-linux-gnu/libc.so.6", False),
    ("/usr/share/zoneinfo/UTC", False), ("/usr/include/stdio.h", False), ("/etc/ld.so.cache", False),
    ("/etc/nsswitch.conf", False), ("/opt/vendor/bin/tool", False), ("/usr/libexec/gcc", False),
    ("/usr/bin/gcc", False), ("/usr/bin/python3", False), ("/var/lib/dpkg/status", False),
    ("/etc/alternatives/java", False), ("/usr/local/bin/x", False),
    ("/etc/hosts", True), ("/etc/resolv.conf", True), ("/tmp/x", True), ("/var/tmp/y", True),
    ("/Users/me/f", True), ("/home/me/f", True), ("/root/f", True), ("/work/checkout/a.c", True),
    ("/dev/null", True), ("/bin/sh", True), ("/usr/bin/env", True), ("/usr", True), ("/etc", True),
    ("/usr/lib/../bin/env", True), ("/usr/bin/../lib/libc.so", False),
])
def test_visible_on_mac(path, visible):
    assert macview.visible_on_mac(path.encode()) is visible


def test_runs_on_host_only_mac_programs():
    assert macview.runs_on_host(b"/bin/sh") and macview.runs_on_host(b"/usr/bin/env")
    assert not macview.runs_on_host(b"/usr/bin/gcc") and not macview.runs_on_host(b"/tmp/sh")


def test_case_clashes():
    assert macview.case_clashes(["/a/Pod/x", "/a/pod/x", "/a/b"]) == [("/a/Pod/x", "/a/pod/x")]
    assert macview.case_clashes(["/a/Pod/x", "/a/pod/y"]) == []


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    (r / "usr/lib").mkdir(parents=True)
    (r / "usr/lib/libfoo.so").write_text("foo")
    (r / "usr/share/perl").mkdir(parents=True)
    (r / "usr/share/perl/Pod").mkdir()
    (r / "usr/share/perl/Pod/A.pm").write_text("upper")
    (r / "usr/share/perl/pod.lxpack-case1").mkdir()
    (r / "usr/share/perl/pod.lxpack-case1/a.pod").write_text("lower")
    return r


def _vfs(root, **kw):
    return Vfs(posix.PosixHost(), os.fsencode(str(root)), **kw)


def test_foreign_hides_linux_files_the_bundle_lacks(root):
    v = _vfs(root, foreign=True)
    assert v.resolve(-100, b"/usr/lib/libfoo.so").path == os.fsencode(str(root)) + b"/usr/lib/libfoo.so"
    with pytest.raises(LinuxError) as e:
        v.resolve(-100, b"/usr/lib/python3.11/os.py")
    assert e.value.errno == 2
    assert v.resolve(-100, b"/etc/hosts").path == b"/etc/hosts"
    assert v.resolve(-100, b"/tmp").path == b"/tmp"
    # Without the mode the host's files show through (the Linux view).
    assert _vfs(root).resolve(-100, b"/usr/lib/python3.11/os.py").path == b"/usr/lib/python3.11/os.py"


def test_case_renamed_entries_resolve_and_list_under_their_names(root):
    v = _vfs(root, case_renamed={"/usr/share/perl/pod": "/usr/share/perl/pod.lxpack-case1"})
    rb = os.fsencode(str(root))
    assert v.resolve(-100, b"/usr/share/perl/pod/a.pod").path == rb + b"/usr/share/perl/pod.lxpack-case1/a.pod"
    assert v.resolve(-100, b"/usr/share/perl/Pod/A.pm").path == rb + b"/usr/share/perl/Pod/A.pm"
    listed = v.listing(rb + b"/usr/share/perl", [(b"Pod", 1, 4), (b"pod.lxpack-case1", 2, 4)])
    assert sorted(n for n, _, _ in listed) == [b"Pod", b"pod"]


def test_guest_path_of_a_case_renamed_directory(root):
    v = _vfs(root, case_renamed={"/usr/share/perl/pod": "/usr/share/perl/pod.lxpack-case1"})
    rb = os.fsencode(str(root))
    assert v.guest_path(rb + b"/usr/share/perl/pod.lxpack-case1/a.pod") == b"/usr/share/perl/pod/a.pod"
    assert v.guest_path(rb) == b"/"
