"""I/O on descriptors: read/write and their vector and positional forms,
lseek, dup*, fcntl, ioctl (terminals and FIONREAD/FIONBIO), pipes, sync,
flock, sendfile/copy_file_range, memfd_create.

Guest fd N is host fd N: most calls forward to t.host with the fd as is;
emulated objects (t.files.special) are served here.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.fcntl import (FLOCK, F_ADD_SEALS, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLEASE, F_GETLK,
                              F_GETOWN, F_GETPIPE_SZ, F_GETSIG, F_GET_SEALS, F_NOTIFY, F_OFD_GETLK, F_OFD_SETLK,
                              F_OFD_SETLKW, F_SETFD, F_SETFL, F_SETLEASE, F_SETLK, F_SETLKW, F_SETOWN,
                              F_SETPIPE_SZ, F_SETSIG, O_ACCMODE, O_APPEND, O_CLOEXEC, O_DIRECT, O_LARGEFILE,
                              O_NONBLOCK, O_RDONLY, O_WRONLY, SETFL_MASK)
from lxpack.abi.stat import S_IFIFO, S_IFMT, S_IFSOCK, S_ISDIR, S_ISFIFO, S_ISREG
from lxpack.abi.termios import (FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX, FIONREAD, TCFLSH, TCGETS, TCSBRK, TCSETS,
                                TCSETSF, TCSETSW, TCXONC, TERMIOS, TIOCGPGRP, TIOCGSID, TIOCGWINSZ, TIOCOUTQ,
                                TIOCSPGRP, TIOCSWINSZ, Termios, pack_termios)
from lxpack.unikernel.errors import (EBADF, EFAULT, EINVAL, EISDIR, ENOTTY, EPIPE, ESPIPE, EAGAIN, EPERM,
                                     LinuxError)
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel import memfd_seals
from lxpack.unikernel.kernel.epoll import note_read
from lxpack.unikernel.syscall.args import Hex, Int, Long, Out, Ptr, Size, UInt, ULong, CStr, require_fd
from lxpack.unikernel.syscall.table import syscall
from lxpack.runtime.host.api import RUNTIME_FD_BASE

IO_MAX = 16 << 20          # one call moves at most this much (Linux caps at 2 GiB - 4 KiB)


def _epipe(t):
    """write to a pipe with no reader: EPIPE, and SIGPIPE to the writer."""
    t.signals.queue(13, S.siginfo(13, S.SI_USER, pid=t.process.pid))
    t.wants_stop = True


@syscall("read")
def sys_read(t, fd: Int, buf: Out[Ptr], count: Size):
    """Implements read(2)."""
    sp = t.files.emulated.get(fd)
    if sp is not None and sp.kind not in ("full",):
        data = sp.read(t, min(count, IO_MAX))
    else:
        data = _host_read(t, fd, min(count, IO_MAX))
    try:
        t.mem.write(buf, data)
    except EFAULT:
        _unread(t, fd, len(data))
        raise
    return len(data)


def _host_read(t, fd, n):
    """read(2) of a host fd; tells edge-triggered epolls what it saw."""
    try:
        data = t.host.read_blocking(fd, n)
    except LinuxError as e:
        if e.errno == EAGAIN.errno:
            note_read(t, fd, True)
        raise
    if data:
        note_read(t, fd, False)
    return data


def _unread(t, fd, n):
    """Linux copies to the user buffer before it moves the offset, so a
    read into a bad buffer leaves a file's offset alone: move it back (a
    pipe's data is gone either way, as on Linux)."""
    if n:
        try:
            t.host.lseek(fd, -n, 1)
        except LinuxError:
            pass


@syscall("write")
def sys_write(t, fd: Int, buf: Ptr, count: Size):
    """Implements write(2)."""
    try:
        data = t.mem.read(buf, min(count, IO_MAX))
    except EFAULT:
        require_fd(t, fd)
        raise
    sp = t.files.emulated.get(fd)
    if sp is not None:
        return sp.write(t, data)
    if t.process.memfd_seals:
        _sealed_write(t, fd, len(data))
    try:
        return t.host.write_blocking(fd, data)
    except EPIPE:
        _epipe(t)
        raise


def _sealed_write(t, fd, n, offset=None):
    """The process has memfds: refuse a write a seal forbids."""
    if offset is None:
        try:
            offset = t.host.lseek(fd, 0, 1)
        except LinuxError:
            return                    # a pipe or socket: no seals
    memfd_seals.check_write(t, fd, offset + n)


def _iovecs(t, iov, iovcnt):
    if iovcnt < 0 or iovcnt > 1024:
        raise EINVAL()
    if iovcnt == 0:
        return []
    raw = t.mem.read(iov, 16 * iovcnt)
    vals = struct.unpack("<%dQ" % (2 * iovcnt), raw)
    out = []
    for i in range(iovcnt):
        base, ln = vals[2 * i], vals[2 * i + 1]
        if ln > 0x7fffffffffffffff:
            raise EINVAL()
        out.append((base, ln))
    return out


def _scatter(t, vecs, data):
    off = 0
    for base, ln in vecs:
        if off >= len(data):
            break
        chunk = data[off:off + ln]
        t.mem.write(base, chunk)
        off += len(chunk)


def _gather(t, vecs):
    parts = []
    total = 0
    for base, ln in vecs:
        ln = min(ln, IO_MAX - total)
        if ln:
            parts.append(t.mem.read(base, ln))
            total += ln
    return b"".join(parts)


@syscall("readv")
def sys_readv(t, fd: Int, iov: Ptr, iovcnt: Int):
    """Implements readv(2)."""
    vecs = _iovecs(t, iov, iovcnt)
    total = min(sum(ln for _, ln in vecs), IO_MAX)
    sp = t.files.emulated.get(fd)
    data = sp.read(t, total) if sp is not None and sp.kind != "full" else _host_read(t, fd, total)
    _scatter(t, vecs, data)
    return len(data)


@syscall("writev")
def sys_writev(t, fd: Int, iov: Ptr, iovcnt: Int):
    """Implements writev(2)."""
    data = _gather(t, _iovecs(t, iov, iovcnt))
    sp = t.files.emulated.get(fd)
    if sp is not None:
        return sp.write(t, data)
    if t.process.memfd_seals:
        _sealed_write(t, fd, len(data))
    try:
        return t.host.write_blocking(fd, data)
    except EPIPE:
        _epipe(t)
        raise


@syscall("pread64")
def sys_pread64(t, fd: Int, buf: Out[Ptr], count: Size, offset: Long):
    """Implements pread64(2)."""
    if offset < 0:
        raise EINVAL()
    sp = t.files.emulated.get(fd)
    if sp is not None and sp.kind == "mem":
        data = sp.pread(t, min(count, IO_MAX), offset)
    else:
        data = t.host.pread(fd, min(count, IO_MAX), offset)
    t.mem.write(buf, data)
    return len(data)


@syscall("pwrite64")
def sys_pwrite64(t, fd: Int, buf: Ptr, count: Size, offset: Long):
    """Implements pwrite64(2)."""
    if offset < 0:
        raise EINVAL()
    data = t.mem.read(buf, min(count, IO_MAX))
    sp = t.files.emulated.get(fd)
    if sp is not None and sp.kind == "mem":
        return sp.pwrite(t, data, offset)
    if t.process.memfd_seals:
        _sealed_write(t, fd, len(data), offset)
    return t.host.pwrite(fd, data, offset)


@syscall("preadv")
def sys_preadv(t, fd: Int, iov: Ptr, iovcnt: Int, offset: Long):
    """Implements preadv(2)."""
    vecs = _iovecs(t, iov, iovcnt)
    if offset < 0:
        raise EINVAL()
    data = t.host.pread(fd, min(sum(ln for _, ln in vecs), IO_MAX), offset)
    _scatter(t, vecs, data)
    return len(data)


@syscall("pwritev")
def sys_pwritev(t, fd: Int, iov: Ptr, iovcnt: Int, offset: Long):
    """Implements pwritev(2)."""
    if offset < 0:
        raise EINVAL()
    return t.host.pwrite(fd, _gather(t, _iovecs(t, iov, iovcnt)), offset)


@syscall("preadv2", support="partial", note="flags other than 0 are EOPNOTSUPP")
def sys_preadv2(t, fd: Int, iov: Ptr, iovcnt: Int, offset: Long, _hi: Long, flags: Int):
    """Implements preadv2(2); offset -1 means the current position."""
    if offset == -1:
        return sys_readv(t, fd, iov, iovcnt)
    return sys_preadv(t, fd, iov, iovcnt, offset)


@syscall("pwritev2", support="partial", note="flags other than 0 are ignored")
def sys_pwritev2(t, fd: Int, iov: Ptr, iovcnt: Int, offset: Long, _hi: Long, flags: Int):
    """Implements pwritev2(2); offset -1 means the current position."""
    if offset == -1:
        return sys_writev(t, fd, iov, iovcnt)
    return sys_pwritev(t, fd, iov, iovcnt, offset)


@syscall("lseek")
def sys_lseek(t, fd: Int, offset: Long, whence: Int):
    """Implements lseek(2). Rewinding a directory restarts getdents64."""
    if not 0 <= whence <= 4:              # SEEK_SET .. SEEK_HOLE
        require_fd(t, fd)
        raise EINVAL()
    cur = t.files.cursors.get(fd)
    if cur is not None:
        if whence == 0 and offset >= 0:
            cur.pos = min(offset, len(cur.entries))
            return cur.pos
        if whence == 1 and offset == 0:
            return cur.pos
    sp = t.files.emulated.get(fd)
    if sp is not None and sp.kind == "dir":
        if whence == 0 and offset == 0:
            return 0
        raise EINVAL()
    return t.host.lseek(fd, offset, whence)


# ---- descriptors -------------------------------------------------------------------------

@syscall("dup")
def sys_dup(t, fd: Int):
    """Implements dup(2)."""
    nfd = t.host.dup(fd)
    t.files.copy(fd, nfd)
    return nfd


def _dup2(t, fd, fd2, cloexec):
    if fd2 < 0 or fd2 >= RUNTIME_FD_BASE:
        raise EBADF()
    if fd == fd2:
        t.host.fstat(fd)
        return fd2
    t.host.dup2(fd, fd2, cloexec)
    t.files.copy(fd, fd2)
    return fd2


@syscall("dup2")
def sys_dup2(t, fd: Int, fd2: Int):
    """Implements dup2(2)."""
    return _dup2(t, fd, fd2, False)


@syscall("dup3")
def sys_dup3(t, fd: Int, fd2: Int, flags: Hex):
    """Implements dup3(2)."""
    if flags & ~O_CLOEXEC or fd == fd2:
        raise EINVAL()
    return _dup2(t, fd, fd2, bool(flags & O_CLOEXEC))


@syscall("fcntl")
def sys_fcntl(t, fd: Int, cmd: Int, arg: ULong):
    """Implements fcntl(2): dup, fd and status flags, record locks (OFD
    locks act as process locks), pipe size, memfd seals."""
    h = t.host
    if fd < 0:
        raise EBADF()
    if cmd not in (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL):
        # Linux looks the descriptor up first (EBADF before EINVAL or EFAULT);
        # the commands above reach the host, which says EBADF itself.
        require_fd(t, fd)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        if arg >= RUNTIME_FD_BASE:
            raise EINVAL()
        nfd = h.dupfd(fd, arg, cmd == F_DUPFD_CLOEXEC)
        t.files.copy(fd, nfd)
        return nfd
    if cmd == F_GETFD:
        return 1 if h.get_cloexec(fd) else 0
    if cmd == F_SETFD:
        h.set_cloexec(fd, bool(arg & 1))
        return 0
    if cmd == F_GETFL:
        sp = t.files.emulated.get(fd)
        if sp is not None and sp.kind == "opath":
            return sp.flags
        return h.get_status_flags(fd) | O_LARGEFILE   # as Linux reports on 64-bit
    if cmd == F_SETFL:
        h.set_status_flags(fd, arg & SETFL_MASK)
        return 0
    if cmd in (F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW):
        ltype, whence, start, length, pid = FLOCK.unpack(t.mem.read(arg, FLOCK.size))
        ofd = cmd in (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW)
        if ltype not in (0, 1, 2) or whence not in (0, 1, 2) or (ofd and pid != 0):
            raise EINVAL()
        which = {F_GETLK: "get", F_OFD_GETLK: "get", F_SETLK: "set", F_OFD_SETLK: "set"}.get(cmd, "setw")
        res = h.lock(fd, which, ltype, whence, start, length, ofd=ofd)
        if which == "get":
            rt, rw, rs, rl, rp = res
            t.mem.write(arg, FLOCK.pack(rt, rw, rs, rl, rp if cmd == F_GETLK else -1))
        return 0
    if cmd in (F_GETPIPE_SZ, F_SETPIPE_SZ):
        return _pipe_size(t, fd, arg if cmd == F_SETPIPE_SZ else None)
    if cmd == F_GETOWN:
        return 0
    if cmd in (F_SETOWN, F_SETSIG, F_SETLEASE, F_NOTIFY):
        h.fstat(fd)
        return 0
    if cmd in (F_GETSIG, F_GETLEASE):
        return 0 if cmd == F_GETSIG else 2
    if cmd == F_ADD_SEALS:
        memfd_seals.add(t, fd, arg, h.get_status_flags(fd) & O_ACCMODE != O_RDONLY)
        return 0
    if cmd == F_GET_SEALS:
        return memfd_seals.get(t, fd)
    require_fd(t, fd)
    raise EINVAL()


PIPE_DEFAULT_SIZE = 65536
PIPE_MAX_SIZE = 1 << 20           # /proc/sys/fs/pipe-max-size's default


def _pipe_size(t, fd, new):
    """F_GETPIPE_SZ / F_SETPIPE_SZ: a pipe's capacity as the program sees it
    (kept by the unikernel, per pipe, as macOS pipes have no such knob):
    rounded up to a power of two of pages, at most pipe-max-size."""
    st = t.host.fstat(fd)
    if not S_ISFIFO(st.st_mode):
        raise EBADF()
    sizes = t.process.pipe_sizes
    key = (st.st_dev, st.st_ino)
    if new is None:
        return sizes.get(key, PIPE_DEFAULT_SIZE)
    if new > 0x7FFFFFFF:
        raise EINVAL()
    size = 4096
    while size < new:
        size <<= 1
    if size > PIPE_MAX_SIZE:
        raise EPERM()                 # above pipe-max-size needs CAP_SYS_RESOURCE
    sizes[key] = size
    return size


# ---- ioctl ------------------------------------------------------------------------------------


def _need_tty(t, fd):
    t.host.fstat(fd)
    if not t.host.isatty(fd):
        raise ENOTTY()


@syscall("ioctl", support="partial", note="terminals, FIONREAD, FIONBIO, FIOCLEX; ENOTTY otherwise")
def sys_ioctl(t, fd: Int, req: UInt, arg: ULong):
    """Implements ioctl(2) for the requests programs use on terminals, pipes
    and files; everything else is ENOTTY (as for a non-terminal on Linux)."""
    h = t.host
    if req == FIONBIO:
        h.set_nonblocking(fd, bool(t.mem.read_u32(arg)))
        return 0
    if req == FIOCLEX or req == FIONCLEX:
        h.set_cloexec(fd, req == FIOCLEX)
        return 0
    if req == FIONREAD:
        t.mem.write_i32(arg, h.bytes_readable(fd))
        return 0
    if req == FIOASYNC:
        return 0
    if req == TCGETS:
        _need_tty(t, fd)
        t.mem.write(arg, pack_termios(h.tcgetattr(fd)))
        return 0
    if req in (TCSETS, TCSETSW, TCSETSF):
        _need_tty(t, fd)
        h.tcsetattr(fd, req - TCSETS, Termios(*TERMIOS.unpack(t.mem.read(arg, TERMIOS.size))))
        return 0
    if req == TIOCGWINSZ:
        _need_tty(t, fd)
        t.mem.write(arg, struct.pack("<HHHH", *h.get_winsize(fd)))
        return 0
    if req == TIOCSWINSZ:
        _need_tty(t, fd)
        h.set_winsize(fd, struct.unpack("<HHHH", t.mem.read(arg, 8)))
        return 0
    if req == TIOCGPGRP:
        _need_tty(t, fd)
        t.mem.write_i32(arg, h.tcgetpgrp(fd))
        return 0
    if req == TIOCSPGRP:
        _need_tty(t, fd)
        h.tcsetpgrp(fd, struct.unpack("<i", t.mem.read(arg, 4))[0])
        return 0
    if req == TIOCGSID:
        _need_tty(t, fd)
        t.mem.write_i32(arg, h.getsid(h.tcgetpgrp(fd)))
        return 0
    if req in (TCSBRK, TCXONC, TCFLSH, TIOCOUTQ):
        _need_tty(t, fd)
        if req == TIOCOUTQ:
            t.mem.write_i32(arg, 0)
        return 0
    from lxpack.unikernel.syscall import tty     # ptys, TIOCSCTTY/TIOCNOTTY, socket ioctls; else ENOTTY
    return tty.ioctl(t, fd, req, arg)


# ---- pipes and misc -----------------------------------------------------------------------------

@syscall("pipe")
def sys_pipe(t, fds: Out[Ptr]):
    """Implements pipe(2)."""
    return _pipe_out(t, fds, t.host.pipe())


@syscall("pipe2")
def sys_pipe2(t, fds: Out[Ptr], flags: Hex):
    """Implements pipe2(2) (O_CLOEXEC, O_NONBLOCK; O_DIRECT accepted)."""
    if flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT):
        raise EINVAL()
    return _pipe_out(t, fds, t.host.pipe(cloexec=bool(flags & O_CLOEXEC), nonblock=bool(flags & O_NONBLOCK)))


def _pipe_out(t, fds, ends):
    """Copy the new pipe's descriptors out; if that faults the pipe is
    released, as Linux's do_pipe2 does (the program never saw the numbers)."""
    r, w = ends
    try:
        t.mem.write(fds, struct.pack("<ii", r, w))
    except EFAULT:
        t.host.close(r)
        t.host.close(w)
        raise
    return 0


@syscall("fsync")
def sys_fsync(t, fd: Int):
    """Implements fsync(2): EINVAL on pipes and sockets, as on Linux (the
    host may say otherwise)."""
    _check_syncable(t, fd)
    t.host.fsync(fd)
    return 0


def _check_syncable(t, fd):
    if t.host.fstat(fd).st_mode & S_IFMT in (S_IFIFO, S_IFSOCK):
        raise EINVAL()


@syscall("fdatasync")
def sys_fdatasync(t, fd: Int):
    """Implements fdatasync(2)."""
    _check_syncable(t, fd)
    t.host.fdatasync(fd)
    return 0


@syscall("sync")
def sys_sync(t):
    """Implements sync(2)."""
    t.host.sync()
    return 0


@syscall("syncfs")
def sys_syncfs(t, fd: Int):
    """Implements syncfs(2) as sync()."""
    t.host.fstat(fd)
    t.host.sync()
    return 0


@syscall("sync_file_range")
def sys_sync_file_range(t, fd: Int, off: Long, n: Long, flags: UInt):
    """Implements sync_file_range(2) as fdatasync()."""
    t.host.fdatasync(fd)
    return 0


@syscall("flock")
def sys_flock(t, fd: Int, op: Int):
    """Implements flock(2)."""
    if op & 32:
        return 0                          # LOCK_MAND: ignored before anything is checked (Linux 5.15+)
    if op & ~(1 | 2 | 4 | 8) or (op & 0xb) not in (1, 2, 8):
        raise EINVAL()                    # before the descriptor (Linux 6.x)
    t.host.flock(fd, op)
    return 0


@syscall("fadvise64")
def sys_fadvise64(t, fd: Int, offset: Long, length: Long, advice: Int):
    """Implements posix_fadvise(2): advice is checked and otherwise ignored."""
    st = t.host.fstat(fd)
    if (st.st_mode & S_IFMT) == S_IFIFO:
        raise ESPIPE()
    if not 0 <= advice <= 5:
        raise EINVAL()
    return 0


@syscall("readahead")
def sys_readahead(t, fd: Int, offset: Long, count: Size):
    """Implements readahead(2) as a no-op on a valid fd."""
    t.host.fstat(fd)
    return 0


@syscall("fallocate", support="partial", note="mode 0 only, by extending the file")
def sys_fallocate(t, fd: Int, mode: Int, offset: Long, length: Long):
    """Implements fallocate(2) mode 0 (no punching or collapsing), with
    Linux's order of checks: descriptor, arguments, mode, file kind, size."""
    require_fd(t, fd)
    if offset < 0 or length <= 0:
        raise EINVAL()
    if mode != 0:
        from lxpack.unikernel.errors import EOPNOTSUPP
        raise EOPNOTSUPP()
    st = t.host.fstat(fd)
    if not S_ISREG(st.st_mode):
        from lxpack.unikernel.errors import ENODEV
        raise ESPIPE() if (st.st_mode & S_IFMT) == S_IFIFO else EISDIR() if S_ISDIR(st.st_mode) else ENODEV()
    if offset + length >= 1 << 63:     # past the largest file size, or wrapped through zero
        from lxpack.unikernel.errors import EFBIG
        raise EFBIG()
    if st.st_size < offset + length:
        if t.process.memfd_seals:
            memfd_seals.check_resize(t, fd, offset + length)
        t.host.ftruncate(fd, offset + length)
    return 0


def _copy(t, in_fd, out_fd, in_off, count):
    """Copy through the unikernel (portable: no sendfile on the host needed)."""
    total = 0
    count = min(count, IO_MAX)
    while total < count:
        n = min(1 << 20, count - total)
        data = t.host.pread(in_fd, n, in_off + total) if in_off is not None else t.host.read_blocking(in_fd, n)
        if not data:
            break
        try:
            w = t.host.write_blocking(out_fd, data)
        except EPIPE:
            if total:
                break
            _epipe(t)
            raise
        total += w
        if w < len(data):
            if in_off is None:
                t.host.lseek(in_fd, w - len(data), 1)
            break
    return total


@syscall("sendfile")
def sys_sendfile(t, out_fd: Int, in_fd: Int, offset: Ptr, count: Size):
    """Implements sendfile(2)."""
    if offset:
        off = struct.unpack("<q", t.mem.read(offset, 8))[0]
        if off < 0:
            raise EINVAL()
        n = _copy(t, in_fd, out_fd, off, count)
        t.mem.write(offset, struct.pack("<q", off + n))
        return n
    return _copy(t, in_fd, out_fd, None, count)


@syscall("copy_file_range")
def sys_copy_file_range(t, in_fd: Int, off_in: Ptr, out_fd: Int, off_out: Ptr, count: Size, flags: UInt):
    """Implements copy_file_range(2) by reading and writing, with the
    kernel's checks in its order (generic_copy_file_checks): flags, fds,
    directories (EISDIR), other non-regular files (EINVAL), access modes and
    O_APPEND (EBADF), the length cut at the source's EOF, then overlap
    within one file (EINVAL)."""
    if flags:
        raise EINVAL()
    h = t.host
    st_in = h.fstat(in_fd)
    st_out = h.fstat(out_fd)
    in_off = struct.unpack("<q", t.mem.read(off_in, 8))[0] if off_in else None
    out_off = struct.unpack("<q", t.mem.read(off_out, 8))[0] if off_out else None
    if S_ISDIR(st_in.st_mode) or S_ISDIR(st_out.st_mode):
        raise EISDIR()
    if not S_ISREG(st_in.st_mode) or not S_ISREG(st_out.st_mode):
        raise EINVAL()
    fl_in = h.get_status_flags(in_fd)
    fl_out = h.get_status_flags(out_fd)
    if (fl_in & O_ACCMODE) == O_WRONLY or (fl_out & O_ACCMODE) == O_RDONLY or fl_out & O_APPEND:
        raise EBADF()
    pos_in = in_off if in_off is not None else h.lseek(in_fd, 0, 1)
    pos_out = out_off if out_off is not None else h.lseek(out_fd, 0, 1)
    count = min(count, IO_MAX)
    count = 0 if pos_in >= st_in.st_size else min(count, st_in.st_size - pos_in)
    if (st_in.st_dev, st_in.st_ino) == (st_out.st_dev, st_out.st_ino) and \
            pos_out + count > pos_in and pos_out < pos_in + count:
        raise EINVAL()
    if pos_in < 0 or pos_out < 0:
        raise EINVAL()
    total = 0
    while total < count:
        data = h.pread(in_fd, min(1 << 20, count - total), pos_in + total)
        if not data:
            break
        w = h.pwrite(out_fd, data, pos_out + total)
        total += w
        if w < len(data):
            break
    if off_in:
        t.mem.write(off_in, struct.pack("<q", pos_in + total))
    else:
        h.lseek(in_fd, pos_in + total, 0)
    if off_out:
        t.mem.write(off_out, struct.pack("<q", pos_out + total))
    else:
        h.lseek(out_fd, pos_out + total, 0)
    return total


@syscall("memfd_create")
def sys_memfd_create(t, name: CStr, flags: Hex):
    """Implements memfd_create(2) with an unlinked host temporary file
    (seals kept and enforced by the unikernel: kernel/memfd_seals.py)."""
    if flags & ~(1 | 2 | 4 | 8 | 16):
        raise EINVAL()
    if name is None:
        raise EFAULT()
    if len(name) > 249:
        raise EINVAL()
    fd = t.host.anon_file(b"", cloexec=bool(flags & 1))
    t.host.fchmod(fd, 0o777)        # Linux's memfd inode mode; the file is unlinked, so no one else sees it
    t.files.labels[fd] = b"/memfd:" + name + b" (deleted)"
    memfd_seals.created(t, fd, flags)
    return fd
