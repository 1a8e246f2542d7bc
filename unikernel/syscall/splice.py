"""Moving data through pipes: splice and vmsplice, with the errno rules of
fs/splice.c in its order. The host has no splice (macOS): the data goes
through the unikernel (read, then write), at most one pipe's worth (64 KiB)
a call, as Linux moves at most the pipe's capacity.
tee (duplicating a pipe's data without consuming it) is the host's tee
(a Linux host; macOS has none: ENOSYS there).
Differences: SPLICE_F_NONBLOCK is not honoured apart from the pipes' own
O_NONBLOCK; when a write to the output takes less than was read from an
input pipe, the rest is lost (Linux leaves it in the pipe).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.fcntl import (O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_WRONLY, SPLICE_F_GIFT, SPLICE_F_MORE,
                              SPLICE_F_MOVE, SPLICE_F_NONBLOCK)
from lxpack.abi.stat import S_ISDIR, S_ISFIFO, S_ISSOCK
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.errors import EBADF, EINVAL, ESPIPE
from lxpack.unikernel.syscall.args import Hex, Int, Ptr, Size, UInt
from lxpack.unikernel.syscall.io import _gather, _iovecs, _scatter
from lxpack.unikernel.syscall.table import syscall

SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT
PIPE_BUF_MAX = 65536            # a pipe's default capacity: what one call moves at most


def _open_file(t, fd):
    """(stat, status flags) of a descriptor (EBADF if none)."""
    if fd < 0 or fd >= RUNTIME_FD_BASE:
        raise EBADF()                               # the runtime's own range is no guest fd
    return t.host.fstat(fd), t.host.get_status_flags(fd)


def _no_emulated(t, *fds):
    """An object the unikernel serves itself (eventfd...) has no splice: EINVAL
    (checked once both descriptors were looked up, as Linux does)."""
    for fd in fds:
        if t.files.emulated.get(fd) is not None:
            raise EINVAL()


def _read_off(t, ptr):
    off = struct.unpack("<q", t.mem.read(ptr, 8))[0]
    if off < 0:
        raise EINVAL()
    return off


@syscall("splice")
def sys_splice(t, fd_in: Int, off_in: Ptr, fd_out: Int, off_out: Ptr, length: Size, flags: UInt):
    """Implements splice(2) between a pipe and a file, socket or pipe."""
    if not length:
        return 0
    if flags & ~SPLICE_F_ALL:
        raise EINVAL()
    st_in, fl_in = _open_file(t, fd_in)
    st_out, fl_out = _open_file(t, fd_out)
    if (fl_in & O_ACCMODE) == O_WRONLY or (fl_out & O_ACCMODE) == O_RDONLY:
        raise EBADF()
    _no_emulated(t, fd_in, fd_out)
    ipipe, opipe = S_ISFIFO(st_in.st_mode), S_ISFIFO(st_out.st_mode)
    if (ipipe and off_in) or (opipe and off_out):
        raise ESPIPE()
    pos_in = _read_off(t, off_in) if off_in else None
    pos_out = _read_off(t, off_out) if off_out else None
    if ipipe and opipe:
        if (st_in.st_dev, st_in.st_ino) == (st_out.st_dev, st_out.st_ino):
            raise EINVAL()                          # a pipe into itself
    elif opipe:
        if S_ISDIR(st_in.st_mode):
            raise EINVAL()
        if pos_in is not None and S_ISSOCK(st_in.st_mode):
            raise ESPIPE()
    elif ipipe:
        if fl_out & O_APPEND:
            raise EINVAL()
        if pos_out is not None and S_ISSOCK(st_out.st_mode):
            raise ESPIPE()
    else:
        raise EINVAL()                              # one end must be a pipe
    h = t.host
    n = min(length, PIPE_BUF_MAX)
    data = h.pread(fd_in, n, pos_in) if pos_in is not None else h.read_blocking(fd_in, n)
    if not data:
        return 0
    w = h.pwrite(fd_out, data, pos_out) if pos_out is not None else h.write_blocking(fd_out, data)
    if w < len(data) and not ipipe and pos_in is None:
        h.lseek(fd_in, w - len(data), 1)            # a file's unread part stays unread
    if pos_in is not None:
        t.mem.write(off_in, struct.pack("<q", pos_in + w))
    if pos_out is not None:
        t.mem.write(off_out, struct.pack("<q", pos_out + w))
    return w


@syscall("vmsplice")
def sys_vmsplice(t, fd: Int, iov: Ptr, nr_segs: Size, flags: Hex):
    """Implements vmsplice(2): user memory into a pipe (its write end), or
    out of one (its read end), as writev/readv."""
    if flags & ~SPLICE_F_ALL:
        raise EINVAL()
    st, fl = _open_file(t, fd)
    _no_emulated(t, fd)
    vecs = _iovecs(t, iov, nr_segs if nr_segs <= 1024 else -1)
    total = sum(ln for _b, ln in vecs)
    if not total:
        return 0
    if not S_ISFIFO(st.st_mode):
        raise EBADF()
    n = min(total, PIPE_BUF_MAX)
    if (fl & O_ACCMODE) != O_RDONLY:
        return t.host.write_blocking(fd, _gather(t, vecs)[:n])
    data = t.host.read_blocking(fd, n)
    _scatter(t, vecs, data)
    return len(data)


@syscall("tee")
def sys_tee(t, fd_in: Int, fd_out: Int, length: Size, flags: UInt):
    """Implements tee(2): a pipe's content copied into another pipe, left
    in the first (fs/splice.c's order: flags, length 0, descriptors, modes,
    two distinct pipes)."""
    if flags & ~SPLICE_F_ALL:
        raise EINVAL()
    if not length:
        return 0
    st_in, fl_in = _open_file(t, fd_in)
    st_out, fl_out = _open_file(t, fd_out)
    if (fl_in & O_ACCMODE) == O_WRONLY or (fl_out & O_ACCMODE) == O_RDONLY:
        raise EBADF()
    _no_emulated(t, fd_in, fd_out)
    if not (S_ISFIFO(st_in.st_mode) and S_ISFIFO(st_out.st_mode)) or \
            (st_in.st_dev, st_in.st_ino) == (st_out.st_dev, st_out.st_ino):
        raise EINVAL()
    nonblock = bool(flags & SPLICE_F_NONBLOCK or (fl_in | fl_out) & O_NONBLOCK)
    return t.host.tee(fd_in, fd_out, min(length, 1 << 31), nonblock)
