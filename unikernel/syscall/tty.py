"""Pseudo-terminals and the terminal ioctls io.py does not serve: /dev/ptmx
(a host pseudo-terminal master, posix_openpt), TIOCGPTN, TIOCSPTLCK,
TIOCGPTLCK, TIOCGPTPEER, TIOCSCTTY, TIOCNOTTY, and the socket interface
ioctls (net.sock_ioctl).

io.py's sys_ioctl ends in ioctl() below for requests it does not know;
fs_open.py's open of /dev/ptmx calls open_ptmx(); the VFS (devfs.py) maps /dev/pts/N onto the
host's slave device (host.pts_path: /dev/pts/N on Linux, /dev/ttysNNN on
macOS), so the N that TIOCGPTN reports opens the right slave everywhere.
SIGWINCH needs nothing here: a resize of the host terminal (or TIOCSWINSZ on
a master) signals the host process, which forwards it to the guest.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import termios as T
from lxpack.abi.fcntl import AT_FDCWD, O_ACCMODE, O_CLOEXEC, O_NOCTTY, O_NONBLOCK
from lxpack.unikernel.errors import EINVAL, ENOTTY, LinuxError
from lxpack.unikernel.syscall import net


def open_ptmx(t, flags):
    """open("/dev/ptmx"): a new host pseudo-terminal master."""
    return t.host.openpt(cloexec=bool(flags & O_CLOEXEC), nonblock=bool(flags & O_NONBLOCK))


def _pts(t, fd):
    """(N, host slave path) of a master; ENOTTY if fd is not one."""
    t.host.fstat(fd)
    try:
        return t.host.ptsname(fd)
    except LinuxError:
        raise ENOTTY()


def ioctl(t, fd, req, arg):
    """The requests io.py's sys_ioctl leaves (it returns what this returns)."""
    r = net.sock_ioctl(t, fd, req, arg)
    if r is not None:
        return r
    if req == T.TIOCGPTN:
        n, _path = _pts(t, fd)
        t.mem.write_i32(arg, n)
        return 0
    if req == T.TIOCSPTLCK:
        _pts(t, fd)
        if struct.unpack("<i", t.mem.read(arg, 4))[0] == 0:
            t.host.unlockpt(fd)
        return 0                      # locking again has no portable host call; harmless
    if req == T.TIOCGPTLCK:
        _pts(t, fd)
        t.mem.write_i32(arg, 0)
        return 0
    if req == T.TIOCGPTPEER:
        _n, path = _pts(t, fd)
        flags = arg & 0xFFFFFFFF
        if flags & ~(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | 0o100000):
            raise EINVAL()
        t.host.unlockpt(fd)
        return t.host.openat(AT_FDCWD, path, flags | O_NOCTTY, 0)
    if req == T.TIOCSCTTY:
        _need_tty(t, fd)
        t.host.set_ctty(fd, arg & 0xFFFFFFFF)
        return 0
    if req == T.TIOCNOTTY:
        _need_tty(t, fd)
        t.host.release_ctty(fd)
        return 0
    if req in (T.TIOCEXCL, T.TIOCNXCL):
        _need_tty(t, fd)
        return 0
    t.host.fstat(fd)
    raise ENOTTY()


def _need_tty(t, fd):
    t.host.fstat(fd)
    if not t.host.isatty(fd):
        raise ENOTTY()
