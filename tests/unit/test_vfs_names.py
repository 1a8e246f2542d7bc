"""What the VFS makes of /proc, /sys and /dev paths (kernel/vfs/resolve.py,
devfs.py, sysfs.py), and /proc inode numbers that are the same in every
process (they were built from Python's per-process randomized hash())."""
import os
import subprocess
import sys

import pytest

from lxpack.unikernel.kernel.vfs import devfs, procfs, sysfs
from lxpack.unikernel.kernel.vfs.resolve import Vfs


class _Host(object):
    def pts_path(self, n):
        return b"/host/pts/%d" % n


@pytest.mark.parametrize("path,kind,parts,fs", [
    (b"/proc", "proc", (), procfs),
    (b"/proc/", "proc", (), procfs),
    (b"/proc/self/fd/3", "proc", (b"self", b"fd", b"3"), procfs),
    (b"/proc//sys/./kernel", "proc", (b"sys", b"kernel"), procfs),
    (b"/sys/devices/system/cpu/online", "sys", (b"devices", b"system", b"cpu", b"online"), sysfs),
    (b"/sys/", "host", None, None),          # /sys itself is the host's
    (b"/sys", "host", None, None),
    (b"/system", "host", None, None),
    (b"/dev", "host", None, None),
    (b"/dev/null", "host", None, None),
    (b"/dev/urandom", "host", None, None),
])
def test_pseudo_filesystems(path, kind, parts, fs):
    r = Vfs(_Host()).resolve(-100, path)
    assert (r.kind, r.fs) == (kind, fs)
    if parts is not None:
        assert r.parts == parts
    else:
        assert r.path == path


@pytest.mark.parametrize("path", [b"/dev/full", b"/dev/ptmx", b"/dev/stdin", b"/dev/stdout", b"/dev/stderr",
                                  b"/dev/fd", b"/dev/fd/0", b"/dev/fd/12", b"/dev//fd/./1"])
def test_dev_names_served(path):
    r = Vfs(_Host()).resolve(-100, path)
    assert r.kind == "dev" and r.path == os.path.normpath(path).replace(b"//", b"/")


def test_dev_pts_is_the_hosts_slave():
    r = Vfs(_Host()).resolve(-100, b"/dev/pts/7")
    assert (r.kind, r.path) == ("host", b"/host/pts/7")
    assert Vfs(_Host()).resolve(-100, b"/dev/pts/ptmx").kind == "host"


def test_fd_of():
    assert [devfs.fd_of(p) for p in (b"/dev/stdin", b"/dev/stdout", b"/dev/stderr", b"/dev/fd/9")] == [0, 1, 2, 9]
    assert devfs.fd_of(b"/dev/fd/x") == -1


def test_link_names():
    assert sysfs.link_name(None, (b"devices", b"system")) == b"/sys/devices/system"


_INODES = ("from lxpack.unikernel.kernel.vfs import procfs, sysfs; "
           "print(procfs.inode((b'cpuinfo',)), procfs.inode((b'self', b'status')), sysfs.inode((b'devices',)))")


def test_inodes_are_the_same_in_every_process():
    outs = set()
    for seed in ("1", "2", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", _INODES], env=env, capture_output=True, text=True,
                                check=True).stdout)
    assert len(outs) == 1, outs
    mine = "%d %d %d\n" % (procfs.inode((b"cpuinfo",)), procfs.inode((b"self", b"status")),
                           sysfs.inode((b"devices",)))
    assert outs == {mine}
    assert len(set(mine.split())) == 3 and "0" not in mine.split()
