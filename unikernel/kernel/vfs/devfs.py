"""/dev: which names the unikernel serves itself, and what the rest are.

Owns all knowledge of /dev (DESIGN: /dev basics are emulated, the devices
every host has are the host's):
- served here (resolve.py gives kind 'dev'): /dev/full (reads zeros from
  the host's /dev/zero, writes fail ENOSPC, device 1:7: DevFull),
  /dev/ptmx (a new host pseudo-terminal master: syscall/tty.open_ptmx),
  /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd/N (symlinks to the open
  fd, as udev's links through /proc/self/fd make them), /dev/fd (the
  directory /proc/self/fd);
- mapped: /dev/pts/N is the host's slave of pseudo-terminal N
  (host.pts_path: /dev/pts/N on Linux, /dev/ttysNNN on macOS);
- the host's, passed through: everything else (/dev/null, /dev/zero,
  /dev/random, /dev/urandom, /dev/tty, the /dev directory itself);
- host device files the unikernel opens for its own use: HOST_NULL (behind
  an O_PATH fd of what cannot be opened), HOST_ZERO (behind /dev/full);
- SHARED_ANON_NAME: how Linux's /proc/PID/maps names shared anonymous
  memory.
Paths here are normalized guest paths (resolve.normalize).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.stat import makedev
from lxpack.unikernel.errors import EINVAL, ENOENT, ENOSPC
from lxpack.unikernel.kernel.fdtable import Emulated

FULL = b"/dev/full"
PTMX = b"/dev/ptmx"
FD_DIR = b"/dev/fd"
FD_PREFIX = b"/dev/fd/"
PTS_PREFIX = b"/dev/pts/"
STDIO = {b"/dev/stdin": 0, b"/dev/stdout": 1, b"/dev/stderr": 2}
SERVED = frozenset((FULL, PTMX, FD_DIR) + tuple(STDIO))

FD_DIR_TARGET = b"/proc/self/fd"   # what /dev/fd is a symlink to
FULL_RDEV = makedev(1, 7)
PTMX_RDEV = makedev(5, 2)          # Linux's /dev/ptmx (the host's number differs on macOS)
HOST_NULL = b"/dev/null"
HOST_ZERO = b"/dev/zero"
SHARED_ANON_NAME = "/dev/zero (deleted)"


def served(n):
    """Whether the unikernel serves the /dev path n itself."""
    return n in SERVED or n.startswith(FD_PREFIX)


def host_path(host, n):
    """The host path of /dev/pts/N (the host's slave of pseudo-terminal N);
    None for any other path."""
    if n.startswith(PTS_PREFIX) and n[9:].isdigit():
        return host.pts_path(int(n[9:]))
    return None


def _fd_number(rest):
    """N of /dev/fd/N as procfs reads a name (decimal, no leading zero,
    below 2^31); -1 for any other name (an fd that is never open)."""
    if not rest.isdigit() or (len(rest) > 1 and rest[:1] == b"0") or len(rest) > 10:
        return -1
    n = int(rest)
    return n if n < 1 << 31 else -1


def fd_of(path):
    """The open fd a served name stands for: 0-2 for /dev/std*, N for
    /dev/fd/N; -1 for any other (an fd that is never open)."""
    fd = STDIO.get(path)
    if fd is None:
        fd = _fd_number(path[len(FD_PREFIX):])
    return fd


def readlink(t, path):
    """readlink of a served name: /dev/fd and /dev/std* link into
    /proc/self/fd, /dev/fd/N to the file fd N names; the devices are no
    symlinks (EINVAL)."""
    if path == FD_DIR:
        return FD_DIR_TARGET
    n = STDIO.get(path)
    if n is not None:
        return FD_DIR_TARGET + b"/%d" % n
    if path.startswith(FD_PREFIX):
        n = _fd_number(path[len(FD_PREFIX):])
        if not t.kernel.fd_exists(t, n):
            raise ENOENT()          # /dev/fd/abc, a closed fd: no such entry in /proc/self/fd
        return t.kernel.fd_path(t, n)
    raise EINVAL()


def fd_target(t, path):
    """The file /dev/fd/N leads to (what an operation that changes a file
    follows); None for any other served name."""
    if path.startswith(FD_PREFIX):
        n = _fd_number(path[len(FD_PREFIX):])
        if t.kernel.fd_exists(t, n):
            return t.kernel.fd_path(t, n)
    return None


class DevFull(Emulated):
    """/dev/full: reads zeros (from the host's /dev/zero), writes fail ENOSPC."""
    kind = "full"
    link_name = FULL
    rdev = FULL_RDEV

    def write(self, t, data):
        raise ENOSPC()
