"""The real host: the hypercall interface implemented with POSIX calls that
exist on both macOS and Linux (Python's os, fcntl, termios, resource, time).

Owns: every host effect of a Linux process under lxpack. Takes and returns
Linux values (see api.py); translation of constants is by name (xlat.py).
Fds are host fds and pass through. Python makes new fds non-inheritable by
default; Linux fds are inherited unless O_CLOEXEC, so every call that
creates an fd sets inheritability from the Linux flag.

Blocking calls (read on a pipe, sleep, wait) are wrapped in `blocking()`
so a host signal that must interrupt the guest can raise HostInterrupt out
of them (see unikernel signals: EINTR vs SA_RESTART).
Travels inside bundles: Python 3.9.
"""
import errno as _host_errno
import fcntl
import os
import resource
import select
import signal
import stat as _stat
import struct
import sys
import threading
import time

from lxpack.abi import errno as E
from lxpack.runtime.host.api import RUNTIME_FD_BASE, LinuxError, StatResult, StatfsResult
from lxpack.runtime.host.fds import move_high
from lxpack.runtime.host.posix_net import NX, PosixNetHost
from lxpack.runtime.host import clib as _clib

IS_MACOS = sys.platform == "darwin"
X = NX      # the running host's translations (runtime/host/xlat.py), shared with posix_net


def oserror_to_linux(e):
    """OSError from the host -> LinuxError with the Linux errno, by name."""
    return LinuxError(X.errno_to_linux(e.errno or 0))


class HostInterrupt(Exception):
    """Raised out of a blocking host call by a host signal the guest must see."""


def _linux_dev(dev):
    ma, mi = os.major(dev), os.minor(dev)
    return ((ma & 0xfff) << 8) | (mi & 0xff) | ((mi & ~0xff) << 12) | ((ma & ~0xfff) << 32)


def stat_to_linux(st):
    mode = X.mode_to_linux(st.st_mode)
    return StatResult(
        st_dev=_linux_dev(st.st_dev), st_ino=st.st_ino, st_nlink=st.st_nlink, st_mode=mode,
        st_uid=st.st_uid, st_gid=st.st_gid, st_rdev=_linux_dev(st.st_rdev), st_size=st.st_size,
        st_blksize=getattr(st, "st_blksize", 4096), st_blocks=getattr(st, "st_blocks", 0),
        st_atime_ns=st.st_atime_ns, st_mtime_ns=st.st_mtime_ns, st_ctime_ns=st.st_ctime_ns,
        st_btime_ns=int(getattr(st, "st_birthtime", 0) * 1e9))


AT_FDCWD = -100


def _dirfd(fd):
    return None if fd == AT_FDCWD else fd


class PosixHost(PosixNetHost):
    """Host services for one Linux process (one host process)."""

    def __init__(self):
        self.calls = {}          # hypercall name -> count, for --stats
        self.in_blocking = False
        self._tls = threading.local()   # per host thread: its waker pipe
        self.xlat = X

    # -- blocking-call bracket ------------------------------------------------
    # Every host call that can block is bracketed by begin_block/end_block:
    # the unikernel's hooks release the CPU to other guest threads meanwhile
    # (block_hooks). A blocking call never relies on a signal handler raising
    # out of it (CPython runs handlers right after a successful call too, so
    # a raise there would lose a read's data or a reaped child's status).
    # Instead it waits in select() on its fd and on this host thread's waker
    # pipe; the unikernel pokes the waker (wake_thread) when a signal for the
    # guest arrives, and the call then raises `interrupt_exc` at a point
    # where nothing has happened yet, if `should_interrupt()` says so.
    block_hooks = None
    interrupt_exc = None           # the unikernel's Interrupted
    should_interrupt = None        # callable: a signal must interrupt this thread's call

    def begin_block(self, release=True):
        if release and self.block_hooks is not None:
            self.block_hooks[0]()

    def end_block(self, release=True):
        if release and self.block_hooks is not None:
            self.block_hooks[1]()

    def waker(self):
        """This host thread's waker pipe (read end, write end), made on first use."""
        tls = self._tls
        w = getattr(tls, "waker", None)
        if w is None:
            r, wr = os.pipe()
            r, wr = SignalBridge._high(r), SignalBridge._high(wr)
            os.set_blocking(r, False)
            os.set_blocking(wr, False)
            w = tls.waker = (r, wr)
        return w

    @staticmethod
    def wake(waker):
        """Poke a thread blocked in wait_ready (safe from signal handlers)."""
        try:
            os.write(waker[1], b"!")
        except OSError:
            pass

    def _check_interrupt(self):
        if self.should_interrupt is not None and self.should_interrupt():
            raise self.interrupt_exc()

    def wait_ready(self, fd=None, write=False, timeout=None):
        """Wait until fd is readable (writable), the timeout passes (returns
        False) or a signal must interrupt the call (raises interrupt_exc)."""
        r, _w = self.waker()
        deadline = None if timeout is None else time.monotonic() + timeout
        first = fd is not None
        while True:
            self._check_interrupt()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if first:
                left = 0.0           # a first look, so that a wrong-way fd fails instead of blocking
            rl = [r] if (fd is None or write) else [r, fd]
            wl = [fd] if (fd is not None and write) else []
            try:
                rr, ww, _x = select.select(rl, wl, [], left)
            except (OSError, ValueError) as e:
                if isinstance(e, OSError) and e.errno == _host_errno.EINTR:
                    continue
                return True          # let the real call report the error
            if r in rr:
                try:
                    while os.read(r, 64):
                        pass
                except OSError:
                    pass
                if fd is None:
                    # A pure wait (_retry_until's wait4/waitid/lock polls):
                    # the poke may mean the awaited event (SIGCHLD), so let
                    # the caller try again now rather than at the next poll.
                    self._check_interrupt()
                    return False
                continue             # re-check the interrupt condition
            if rr or ww:
                return True
            if first:
                first = False
                # A pipe's read end never becomes writable (nor its write end
                # readable): the call itself must fail with EBADF now.
                try:
                    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
                except OSError:
                    return True
                if fl & os.O_ACCMODE == (os.O_RDONLY if write else os.O_WRONLY):
                    raise LinuxError(E.EBADF)
                if fl & os.O_NONBLOCK:
                    return True      # the call itself says EAGAIN
                continue
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def blocking(self, fn, *args):
        """Run a host call that may block, without the CPU (other guest
        threads run meanwhile). It is not interruptible: prefer wait_ready."""
        self.begin_block()
        try:
            return fn(*args)
        finally:
            self.end_block()

    def _retry_until(self, attempt, poll=0.01):
        """Blocking by polling a non-blocking attempt (locks, waits): returns
        attempt()'s first non-None result; interruptible between attempts."""
        self.begin_block()
        try:
            while True:
                r = attempt()
                if r is not None:
                    return r
                self.wait_ready(None, timeout=poll)
        finally:
            self.end_block()

    # -- files ------------------------------------------------------------------
    def openat(self, dirfd, path, flags, mode):
        hflags, cloexec = X.open_flags_to_host(flags)
        try:
            fd = os.open(path, hflags, mode, dir_fd=_dirfd(dirfd))
        except OSError as e:
            raise oserror_to_linux(e)
        if not cloexec:
            os.set_inheritable(fd, True)
        return fd

    def close(self, fd):
        try:
            os.close(fd)
        except OSError as e:
            raise oserror_to_linux(e)

    def read(self, fd, n):
        try:
            return os.read(fd, n)
        except OSError as e:
            raise oserror_to_linux(e)

    def read_blocking(self, fd, n):
        self.begin_block()
        try:
            self.wait_ready(fd)
            return os.read(fd, n)
        except OSError as e:
            raise oserror_to_linux(e)
        finally:
            self.end_block()

    def write(self, fd, data):
        try:
            return os.write(fd, data)
        except OSError as e:
            raise oserror_to_linux(e)

    def write_blocking(self, fd, data):
        self.begin_block()
        try:
            self.wait_ready(fd, write=True)
            return os.write(fd, data)
        except OSError as e:
            raise oserror_to_linux(e)
        finally:
            self.end_block()

    def pread(self, fd, n, off):
        try:
            return os.pread(fd, n, off)
        except OSError as e:
            raise oserror_to_linux(e)

    def pwrite(self, fd, data, off):
        try:
            return os.pwrite(fd, data, off)
        except OSError as e:
            raise oserror_to_linux(e)

    def lseek(self, fd, off, whence):
        # SEEK_SET/CUR/END are 0/1/2 everywhere; SEEK_DATA/HOLE by name.
        hw = {0: os.SEEK_SET, 1: os.SEEK_CUR, 2: os.SEEK_END,
              3: getattr(os, "SEEK_DATA", None), 4: getattr(os, "SEEK_HOLE", None)}.get(whence)
        if hw is None:
            raise LinuxError(E.EINVAL)
        try:
            return os.lseek(fd, off, hw)
        except OSError as e:
            raise oserror_to_linux(e)

    def fstat(self, fd):
        try:
            return stat_to_linux(os.fstat(fd))
        except OSError as e:
            raise oserror_to_linux(e)

    def stat(self, dirfd, path, follow=True):
        try:
            return stat_to_linux(os.stat(path, dir_fd=_dirfd(dirfd), follow_symlinks=follow))
        except OSError as e:
            raise oserror_to_linux(e)

    def listdir(self, fd):
        """Directory entries of an open directory fd: [(name, ino, linux d_type)],
        '.' and '..' first (as Linux's getdents gives them)."""
        DT = {_stat.S_IFDIR: 4, _stat.S_IFREG: 8, _stat.S_IFLNK: 10, _stat.S_IFCHR: 2,
              _stat.S_IFBLK: 6, _stat.S_IFIFO: 1, _stat.S_IFSOCK: 12}
        try:
            out = [(b".", os.fstat(fd).st_ino, 4)]
            try:
                dotdot = os.stat("..", dir_fd=fd).st_ino
            except OSError:
                dotdot = out[0][1]
            out.append((b"..", dotdot, 4))
            with os.scandir(fd) as it:
                for ent in it:
                    try:
                        t = DT.get(_stat.S_IFMT(ent.stat(follow_symlinks=False).st_mode), 0)
                    except OSError:
                        t = 0
                    name = ent.name if isinstance(ent.name, bytes) else os.fsencode(ent.name)
                    out.append((name, ent.inode(), t))
            return out
        except OSError as e:
            raise oserror_to_linux(e)

    def readlink(self, dirfd, path):
        try:
            return os.readlink(path, dir_fd=_dirfd(dirfd))
        except OSError as e:
            raise oserror_to_linux(e)

    def mkdir(self, dirfd, path, mode):
        self._call(os.mkdir, path, mode, dir_fd=_dirfd(dirfd))

    def mknod(self, dirfd, path, linux_mode, major=0, minor=0):
        """mknodat: a FIFO through mkfifo (the portable call), an empty
        regular file, or a device/socket node through mknod with the type
        bits and device number translated."""
        kind = linux_mode & 0o170000
        perm = linux_mode & 0o7777
        if kind == 0o010000:
            self._call(os.mkfifo, path, perm, dir_fd=_dirfd(dirfd))
        elif kind in (0, 0o100000):
            fd = self._call(os.open, path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, perm,
                            dir_fd=_dirfd(dirfd))
            os.close(fd)
        else:
            self._call(os.mknod, path, X.mode_to_host(kind | perm), os.makedev(major, minor),
                       dir_fd=_dirfd(dirfd))

    def unlink(self, dirfd, path, rmdir=False):
        if rmdir:
            self._call(os.rmdir, path, dir_fd=_dirfd(dirfd))
        else:
            self._call(os.unlink, path, dir_fd=_dirfd(dirfd))

    def rename(self, olddirfd, old, newdirfd, new, flags=0):
        """rename/renameat/renameat2. flags: Linux RENAME_NOREPLACE,
        RENAME_EXCHANGE, RENAME_WHITEOUT, translated by name (macOS:
        RENAME_EXCL, RENAME_SWAP through renameatx_np)."""
        if not flags:
            self._call(os.rename, old, new, src_dir_fd=_dirfd(olddirfd), dst_dir_fd=_dirfd(newdirfd))
            return
        hflags = X.rename_flags_to_host(flags)
        fn = _renameat2()
        if fn is None:
            raise LinuxError(E.EINVAL)
        import ctypes
        # SAFETY: plain C call on bytes paths the caller owns; no memory is retained.
        rc = fn(self._host_dirfd(olddirfd), os.fsencode(old), self._host_dirfd(newdirfd), os.fsencode(new),
                ctypes.c_uint(hflags))
        if rc != 0:
            raise LinuxError(X.errno_to_linux(ctypes.get_errno()))

    @staticmethod
    def _host_dirfd(fd):
        return X.at_fdcwd if fd == AT_FDCWD else fd

    def link(self, olddirfd, old, newdirfd, new, follow=False):
        self._call(os.link, old, new, src_dir_fd=_dirfd(olddirfd), dst_dir_fd=_dirfd(newdirfd),
                   follow_symlinks=follow)

    def symlink(self, target, dirfd, path):
        self._call(os.symlink, target, path, dir_fd=_dirfd(dirfd))

    def chmod(self, dirfd, path, mode, follow=True):
        if not follow and not IS_MACOS:
            # Linux has no lchmod: fchmodat(AT_SYMLINK_NOFOLLOW) is EOPNOTSUPP on a symlink.
            st = self.stat(dirfd, path, follow=False)
            if (st.st_mode & 0o170000) == 0o120000:
                raise LinuxError(E.EOPNOTSUPP)
            follow = True
        self._call(os.chmod, path, X.mode_to_host(mode), dir_fd=_dirfd(dirfd), follow_symlinks=follow)

    def fchmod(self, fd, mode):
        self._call(os.fchmod, fd, X.mode_to_host(mode))

    def chown(self, dirfd, path, uid, gid, follow=True):
        self._call(os.chown, path, uid, gid, dir_fd=_dirfd(dirfd), follow_symlinks=follow)

    def fchown(self, fd, uid, gid):
        self._call(os.fchown, fd, uid, gid)

    def utimens(self, target, dirfd, atime_ns, mtime_ns, follow=True):
        """target is a path (with dirfd) or an int fd. None keeps the current time."""
        try:
            if isinstance(target, int):
                st = os.fstat(target)
            else:
                st = os.stat(target, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
            ns = (st.st_atime_ns if atime_ns is None else atime_ns,
                  st.st_mtime_ns if mtime_ns is None else mtime_ns)
            if isinstance(target, int):
                os.utime(target, ns=ns)
            else:
                os.utime(target, ns=ns, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
        except OSError as e:
            raise oserror_to_linux(e)

    def truncate(self, path, length):
        self._call(os.truncate, path, length)

    def ftruncate(self, fd, length):
        self._call(os.ftruncate, fd, length)

    def fsync(self, fd):
        self._call(os.fsync, fd)

    def fdatasync(self, fd):
        self._call(getattr(os, "fdatasync", os.fsync), fd)

    def sync(self):
        os.sync()

    def access(self, dirfd, path, mode, effective=False, follow=True):
        try:
            os.stat(path, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
        except OSError as e:
            raise oserror_to_linux(e)
        if mode == 0:
            return
        ok = os.access(path, mode, dir_fd=_dirfd(dirfd),
                       effective_ids=effective and os.access in os.supports_effective_ids,
                       follow_symlinks=follow)
        if not ok:
            raise LinuxError(E.EACCES)

    def statfs(self, path_or_fd):
        try:
            v = os.statvfs(path_or_fd)
        except OSError as e:
            raise oserror_to_linux(e)
        return StatfsResult(f_type=0xEF53, f_bsize=v.f_bsize, f_blocks=v.f_blocks, f_bfree=v.f_bfree,
                            f_bavail=v.f_bavail, f_files=v.f_files, f_ffree=v.f_ffree, f_fsid=0,
                            f_namelen=v.f_namemax, f_frsize=v.f_frsize, f_flags=0)

    def getcwd(self):
        return self._call(os.getcwdb)

    def chdir(self, path):
        self._call(os.chdir, path)

    def fchdir(self, fd):
        self._call(os.fchdir, fd)

    def umask(self, mask):
        return os.umask(mask)

    def anon_file(self, data, cloexec=False):
        """A host fd on an unlinked temporary file holding data (emulated
        /proc files: reads, seeks, fstat and exec inheritance work natively)."""
        import tempfile
        fd, path = tempfile.mkstemp(prefix="lxpack-")
        os.unlink(path)
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        if not cloexec:
            os.set_inheritable(fd, True)
        return fd

    def placeholder_fd(self, cloexec=False):
        """A host fd that only reserves a number for an emulated object."""
        fd = os.open("/", os.O_RDONLY)
        if not cloexec:
            os.set_inheritable(fd, True)
        return fd

    def fd_path(self, fd):
        """What /proc/self/fd/N shows for a host fd."""
        if sys.platform.startswith("linux"):
            try:
                return os.readlink("/proc/self/fd/%d" % fd).encode()
            except OSError as e:
                raise oserror_to_linux(e)
        st = self.fstat(fd)
        kind = st.st_mode & 0o170000
        if kind == 0o010000:
            return b"pipe:[%d]" % st.st_ino
        if kind == 0o140000:
            return b"socket:[%d]" % st.st_ino
        try:
            out = fcntl.fcntl(fd, getattr(fcntl, "F_GETPATH", 50), b"\0" * 1024)
            return out.split(b"\0", 1)[0]
        except OSError as e:
            raise oserror_to_linux(e)

    def fd_offset(self, fd):
        try:
            return os.lseek(fd, 0, os.SEEK_CUR)
        except OSError:
            return 0

    def mmap_shared(self, fd, size, offset, writable=True):
        """A host MAP_SHARED mapping (fd -1: anonymous) to map into the guest."""
        return HostMapping(fd, size, offset, writable)

    # -- descriptors --------------------------------------------------------------
    def dup(self, fd, cloexec=False):
        try:
            nfd = os.dup(fd)
        except OSError as e:
            raise oserror_to_linux(e)
        if not cloexec:
            os.set_inheritable(nfd, True)
        return nfd

    def dup2(self, fd, fd2, cloexec=False):
        try:
            return os.dup2(fd, fd2, inheritable=not cloexec)
        except OSError as e:
            raise oserror_to_linux(e)

    def dupfd(self, fd, minfd, cloexec=False):
        try:
            return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC if cloexec else fcntl.F_DUPFD, minfd)
        except OSError as e:
            raise oserror_to_linux(e)

    def get_cloexec(self, fd):
        try:
            return not os.get_inheritable(fd)
        except OSError as e:
            raise oserror_to_linux(e)

    def set_cloexec(self, fd, on):
        try:
            os.set_inheritable(fd, not on)
        except OSError as e:
            raise oserror_to_linux(e)

    def get_status_flags(self, fd):
        try:
            return X.open_flags_to_linux(fcntl.fcntl(fd, fcntl.F_GETFL))
        except OSError as e:
            raise oserror_to_linux(e)

    def set_status_flags(self, fd, flags):
        hflags, _ = X.open_flags_to_host(flags)
        try:
            fcntl.fcntl(fd, fcntl.F_SETFL, hflags)
        except OSError as e:
            raise oserror_to_linux(e)

    def pipe(self, cloexec=False, nonblock=False):
        r, w = os.pipe()
        for fd in (r, w):
            if not cloexec:
                os.set_inheritable(fd, True)
            if nonblock:
                os.set_blocking(fd, False)
        return r, w

    def flock(self, fd, op):
        # LOCK_SH=1 LOCK_EX=2 LOCK_NB=4 LOCK_UN=8 on Linux; same names on the host.
        if fd < 0:
            raise LinuxError(E.EBADF)         # Python refuses it before any system call
        h = 0
        for bit, name in ((1, "LOCK_SH"), (2, "LOCK_EX"), (4, "LOCK_NB"), (8, "LOCK_UN")):
            if op & bit:
                h |= getattr(fcntl, name)
        if op & 4 or op & 8:
            try:
                fcntl.flock(fd, h)
            except OSError as e:
                raise oserror_to_linux(e)
            return

        def attempt():
            try:
                fcntl.flock(fd, h | fcntl.LOCK_NB)
                return True
            except OSError as e:
                if e.errno in (_host_errno.EWOULDBLOCK, _host_errno.EAGAIN):
                    return None
                raise oserror_to_linux(e)
        self._retry_until(attempt)

    def lock(self, fd, cmd, ltype, whence, start, length, ofd=False):
        """Record locks. cmd: 'get'|'set'|'setw'; ltype 0=RDLCK 1=WRLCK 2=UNLCK (Linux).
        ofd: open-file-description locks (F_OFD_*) where the host has them
        (Linux); elsewhere (macOS) they fall back to process-owned POSIX
        locks, which do not conflict between two fds of one process.
        Returns (ltype, whence, start, length, pid) for 'get'."""
        htype = {0: fcntl.F_RDLCK, 1: fcntl.F_WRLCK, 2: fcntl.F_UNLCK}[ltype]
        if ofd and hasattr(fcntl, "F_OFD_SETLK"):
            get_cmd, set_cmd = fcntl.F_OFD_GETLK, fcntl.F_OFD_SETLK
        else:
            get_cmd, set_cmd = fcntl.F_GETLK, fcntl.F_SETLK
        hcmd = {"get": get_cmd, "set": set_cmd, "setw": set_cmd}[cmd]
        if IS_MACOS:
            fmt = "qqihh"
            buf = struct.pack(fmt, start, length, 0, htype, whence)
        else:
            fmt = "hhqqi4x"
            buf = struct.pack(fmt, htype, whence, start, length, 0)
        if cmd == "setw":
            def attempt():
                try:
                    return fcntl.fcntl(fd, set_cmd, buf)
                except OSError as e:
                    if e.errno in (_host_errno.EAGAIN, _host_errno.EACCES):
                        return None
                    raise oserror_to_linux(e)
            out = self._retry_until(attempt)
        else:
            try:
                out = fcntl.fcntl(fd, hcmd, buf)
            except OSError as e:
                raise oserror_to_linux(e)
        if IS_MACOS:
            s, ln, pid, t, w = struct.unpack(fmt, out)
        else:
            t, w, s, ln, pid = struct.unpack(fmt, out)
        back = {fcntl.F_RDLCK: 0, fcntl.F_WRLCK: 1, fcntl.F_UNLCK: 2}[t]
        return back, w, s, ln, pid

    # -- terminals ------------------------------------------------------------------
    def isatty(self, fd):
        return os.isatty(fd)

    def tcgetattr(self, fd):
        import termios
        try:
            return X.termios_to_linux(termios.tcgetattr(fd))
        except termios.error as e:
            raise LinuxError(X.errno_to_linux(e.args[0]))

    def tcsetattr(self, fd, when, linux_termios):
        import termios
        hwhen = X.tcsetattr_when_to_host(when)
        if hwhen is None:
            raise LinuxError(E.EINVAL)
        try:
            # The host's current settings keep its host-only flags and cc slots.
            termios.tcsetattr(fd, hwhen, X.termios_to_host(linux_termios, base=termios.tcgetattr(fd)))
        except termios.error as e:
            raise LinuxError(X.errno_to_linux(e.args[0]))

    def get_winsize(self, fd):
        import termios
        try:
            return struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
        except OSError as e:
            raise oserror_to_linux(e)

    def set_winsize(self, fd, ws):
        import termios
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", *ws))
        except OSError as e:
            raise oserror_to_linux(e)

    def bytes_readable(self, fd):
        import termios
        try:
            return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
        except OSError as e:
            raise oserror_to_linux(e)

    def set_nonblocking(self, fd, on):
        try:
            os.set_blocking(fd, not on)
        except OSError as e:
            raise oserror_to_linux(e)

    def tcgetpgrp(self, fd):
        return self._call(os.tcgetpgrp, fd)

    def tcsetpgrp(self, fd, pgrp):
        return self._call(os.tcsetpgrp, fd, pgrp)

    # -- processes ----------------------------------------------------------------------
    def fork(self):
        """A host fork of the runtime (DESIGN: one host process per Linux process).
        The child gets its own waker pipe (the parent's is shared after fork).
        Host signals stay blocked in the child until SignalBridge.after_fork_child:
        one sent to the new pid at once (a shell's `cmd & kill $!`) must wait
        until the child has dropped the parent's queued signals, not be
        dropped with them."""
        old = None
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, _fork_blocked())
        except (OSError, ValueError):
            pass
        try:
            pid = os.fork()
        except OSError as e:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            raise oserror_to_linux(e)
        if pid != 0:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            return pid
        self.fork_mask = old
        w = getattr(self._tls, "waker", None)
        self._tls.waker = None
        for fd in w or ():
            try:
                os.close(fd)
            except OSError:
                pass
        self.real_timer_used = False      # timers are not inherited
        return 0

    def fork_child_unblock(self):
        """In a fork child without a SignalBridge: the mask from before fork."""
        old, self.fork_mask = getattr(self, "fork_mask", None), None
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def vfork_pipe(self):
        """A close-on-exec pipe the vfork parent waits on (EOF = child exec'd or exited)."""
        r, w = os.pipe()
        return SignalBridge._high(r), SignalBridge._high(w)

    def wait_readable_eof(self, fd):
        self.begin_block()
        try:
            self._drain(fd)
        finally:
            self.end_block()

    @staticmethod
    def _drain(fd):
        while True:
            try:
                if not os.read(fd, 4096):
                    return
            except InterruptedError:
                continue
            except OSError:
                return

    def close_cloexec_fds(self, keep=(), limit=RUNTIME_FD_BASE):
        """What a real exec does to close-on-exec fds (an in-place exec of a
        Linux image is not a host exec). Returns the fds closed."""
        closed = []
        for fd in range(limit):
            if fd in keep:
                continue
            try:
                if not os.get_inheritable(fd):
                    os.close(fd)
                    closed.append(fd)
            except OSError:
                pass
        return closed

    def execve(self, path, argv, envp, sigmask_linux=0):
        """Replace this process with a host program (host-native exec). The
        guest's signal mask becomes the host mask, as Linux keeps it."""
        try:
            hs = [X.signal_to_host(s) for s in range(1, 65) if sigmask_linux & (1 << (s - 1))]
            signal.pthread_sigmask(signal.SIG_SETMASK, [h for h in hs if h])
            env = dict(e.split(b"=", 1) for e in envp if b"=" in e)
            os.execve(path, argv, env)
        except OSError as e:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            raise oserror_to_linux(e)

    def wait4(self, pid, options):
        """options: Linux WNOHANG=1 WUNTRACED=2 WCONTINUED=8 (others ignored).
        Returns (pid, linux_status, rusage) or (0, 0, None) with WNOHANG."""
        hopt = (os.WNOHANG if options & 1 else 0) | (os.WUNTRACED if options & 2 else 0) | \
            (os.WCONTINUED if options & 8 else 0)
        def attempt():
            try:
                r = os.wait4(pid, hopt | os.WNOHANG)
            except OSError as e:
                raise oserror_to_linux(e)
            return r if (r[0] != 0 or options & 1) else None
        # Polled so that a signal can interrupt it at a point where no child
        # has been reaped yet; SIGCHLD pokes the waker, the poll is a fallback.
        rpid, status, ru = self._retry_until(attempt, poll=0.05)
        if rpid == 0:
            return 0, 0, None
        return rpid, self._status_to_linux(status), ru

    def _status_to_linux(self, status):
        if os.WIFEXITED(status):
            return (os.WEXITSTATUS(status) & 0xff) << 8
        if os.WIFSIGNALED(status):
            sig = X.signal_to_linux(os.WTERMSIG(status)) or 0
            return sig | (0x80 if os.WCOREDUMP(status) else 0)
        if os.WIFSTOPPED(status):
            return ((X.signal_to_linux(os.WSTOPSIG(status)) or 19) << 8) | 0x7f
        if os.WIFCONTINUED(status):
            return 0xffff
        return status

    def waitid(self, idtype, ident, options):
        """idtype: 'all'|'pid'|'pgid'; options Linux WEXITED=4 WSTOPPED=2
        WCONTINUED=8 WNOHANG=1 WNOWAIT=0x01000000. Returns None (nothing with
        WNOHANG) or (pid, uid, linux si_code, linux status-or-signal)."""
        if not hasattr(os, "waitid"):
            return self._waitid_by_wait4(idtype, ident, options)
        hid = {"all": os.P_ALL, "pid": os.P_PID, "pgid": os.P_PGID}[idtype]
        hopt = 0
        for bit, name in ((4, "WEXITED"), (2, "WSTOPPED"), (8, "WCONTINUED"), (1, "WNOHANG"),
                          (0x01000000, "WNOWAIT")):
            if options & bit:
                hopt |= getattr(os, name)
        def attempt():
            try:
                r = os.waitid(hid, ident, hopt | os.WNOHANG)
            except OSError as e:
                raise oserror_to_linux(e)
            if (r is None or r.si_pid == 0) and not options & 1:
                return None
            return (r,)
        r = self._retry_until(attempt, poll=0.05)[0]
        if r is None or r.si_pid == 0:
            return None
        code = {os.CLD_EXITED: 1, os.CLD_KILLED: 2, os.CLD_DUMPED: 3, os.CLD_TRAPPED: 4,
                os.CLD_STOPPED: 5, os.CLD_CONTINUED: 6}.get(r.si_code, r.si_code)
        st = r.si_status if code == 1 else (X.signal_to_linux(r.si_status) or r.si_status)
        return r.si_pid, r.si_uid, code, st

    def _waitid_by_wait4(self, idtype, ident, options):
        """waitid where Python has no os.waitid (macOS: CPython leaves it
        out there): wait4 gives the same events, except that WNOWAIT (peek
        without reaping) cannot be honoured and is EINVAL, and the child's
        uid is reported as ours."""
        if options & 0x01000000:
            raise LinuxError(E.EINVAL)
        pid = {"all": -1, "pid": ident, "pgid": -ident}[idtype]
        rpid, status, _ru = self.wait4(pid, (options & 1) | (2 if options & 2 else 0) | (options & 8))
        if rpid == 0:
            return None
        if status & 0x7f == 0:
            return rpid, os.getuid(), 1, (status >> 8) & 0xff            # CLD_EXITED
        if status == 0xffff:
            return rpid, os.getuid(), 6, 18                               # CLD_CONTINUED, SIGCONT
        if status & 0xff == 0x7f:
            return rpid, os.getuid(), 5, (status >> 8) & 0xff             # CLD_STOPPED
        return rpid, os.getuid(), 3 if status & 0x80 else 2, status & 0x7f  # CLD_DUMPED / CLD_KILLED

    # -- processes and identity -------------------------------------------------------
    getpid = staticmethod(os.getpid)
    getppid = staticmethod(os.getppid)
    getuid = staticmethod(os.getuid)
    geteuid = staticmethod(os.geteuid)
    getgid = staticmethod(os.getgid)
    getegid = staticmethod(os.getegid)
    getgroups = staticmethod(os.getgroups)

    def getpgid(self, pid):
        return self._call(os.getpgid, pid)

    def getsid(self, pid):
        return self._call(os.getsid, pid)

    def setpgid(self, pid, pgid):
        self._call(os.setpgid, pid, pgid)

    def setsid(self):
        """Returns the new session id (Python's os.setsid returns None)."""
        self._call(os.setsid)
        return os.getsid(0)

    def kill(self, pid, linux_sig):
        hsig = X.signal_to_host(linux_sig) if linux_sig else 0
        if hsig is None:
            raise LinuxError(E.EINVAL)
        self._call(os.kill, pid, hsig)

    def getrlimit(self, linux_res):
        """(soft, hard) as Linux rlim_t values, or None when the host has no
        such resource (the kernel keeps those itself)."""
        res = X.rlimit_to_host(linux_res)
        if res is None:
            return None
        soft, hard = resource.getrlimit(res)
        return X.rlim_value_to_linux(soft), X.rlim_value_to_linux(hard)

    def setrlimit(self, linux_res, soft, hard):
        """Set a limit from Linux rlim_t values (RLIM_INFINITY translated)."""
        res = X.rlimit_to_host(linux_res)
        if res is None:
            return
        try:
            resource.setrlimit(res, (X.rlim_value_to_host(soft), X.rlim_value_to_host(hard)))
        except ValueError as e:
            # Python turns the kernel's EPERM (raising a hard limit) into
            # ValueError("not allowed to raise maximum limit").
            raise LinuxError(E.EPERM if "raise maximum" in str(e) else E.EINVAL)
        except OSError as e:
            raise oserror_to_linux(e)

    def getpriority(self, linux_which, who):
        """The nice value (-20..19) of a process, process group or user."""
        which = X.prio_which_to_host(linux_which)
        if which is None:
            raise LinuxError(E.EINVAL)
        return self._call(os.getpriority, which, who)

    def setpriority(self, linux_which, who, nice):
        which = X.prio_which_to_host(linux_which)
        if which is None:
            raise LinuxError(E.EINVAL)
        self._call(os.setpriority, which, who, nice)

    def getrusage(self, who):
        return resource.getrusage({0: resource.RUSAGE_SELF, -1: resource.RUSAGE_CHILDREN}.get(who, resource.RUSAGE_SELF))

    def times(self):
        return os.times()

    def uname(self):
        return os.uname()

    def cpu_count(self):
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1

    def memory(self):
        """(total bytes, available bytes)."""
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * page
        except (ValueError, OSError):
            avail = total // 2
        return total, avail

    def loadavg(self):
        try:
            return os.getloadavg()
        except OSError:
            return (0.0, 0.0, 0.0)

    def random(self, n):
        return os.urandom(n)

    # -- time ----------------------------------------------------------------------------
    clock_override = None     # a hardware backend's clock (kvmclock), so syscalls agree with the vDSO

    def clock_gettime_ns(self, linux_clock):
        if self.clock_override is not None:
            ns = self.clock_override(linux_clock)
            if ns is not None:
                return ns
        c = X.clock_to_host(linux_clock)
        if c is None:
            raise LinuxError(E.EINVAL)
        try:
            return time.clock_gettime_ns(c)
        except OSError as e:     # a clock the host names but does not offer (the _ALARM ones)
            raise oserror_to_linux(e)

    def clock_getres_ns(self, linux_clock):
        c = X.clock_to_host(linux_clock)
        if c is None:
            raise LinuxError(E.EINVAL)
        try:
            return int(time.clock_getres(c) * 1e9)
        except OSError as e:
            raise oserror_to_linux(e)

    def sleep_ns(self, ns):
        """Sleep; interrupt_exc may come out of it (then the caller computes what remains)."""
        self.begin_block()
        try:
            self.wait_ready(None, timeout=ns / 1e9)
        finally:
            self.end_block()

    real_timer_used = False    # alarm/ITIMER_REAL armed: a SIGALRM is then the timer's (SI_KERNEL)

    def alarm(self, seconds):
        if seconds:
            self.real_timer_used = True
        return signal.alarm(seconds)

    _ITIMERS = ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")

    def setitimer(self, which, value, interval):
        """Returns the previous (value, interval)."""
        if which == 0 and (value or interval):
            self.real_timer_used = True
        return signal.setitimer(getattr(signal, self._ITIMERS[which]), value, interval)

    def getitimer(self, which):
        return signal.getitimer(getattr(signal, self._ITIMERS[which]))

    def report_internal_error(self, line, detail):
        """One line on stderr; the traceback only when LXPACK_DEBUG is set."""
        sys.stderr.write("lxpack: %s\n" % line)
        if os.environ.get("LXPACK_DEBUG"):
            sys.stderr.write(detail)
        else:
            sys.stderr.write("lxpack: set LXPACK_DEBUG=1 to see the details\n")
        sys.stderr.flush()

    # -- signals of the host process -----------------------------------------------------
    def exit(self, status):
        os._exit(status & 0xff)

    def die_by_signal(self, linux_sig):
        """End this host process by the signal's default action (the parent sees it)."""
        hsig = X.signal_to_host(linux_sig)
        sys.stdout.flush()
        sys.stderr.flush()
        if hsig is not None:
            # From any thread: the default action, unblocked here, sent to
            # this thread (SIGKILL/SIGSTOP have no action to set).
            if hsig not in (signal.SIGKILL, signal.SIGSTOP):
                set_host_default(hsig)
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [hsig])
                signal.pthread_kill(threading.get_ident(), hsig)
                os.kill(os.getpid(), hsig)
            except (OSError, ValueError):
                pass
        os._exit(128 + linux_sig)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _call(fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except OSError as e:
            raise oserror_to_linux(e)
        except (ValueError, OverflowError) as e:
            # os.* refuse a negative or huge fd before any system call; the
            # kernel would say EBADF.
            if "file descriptor" in str(e) or "fd" in str(e):
                raise LinuxError(E.EBADF)
            raise


def _noop_handler(signum, frame):
    pass


# Host signals the bridge never takes over: uncatchable ones, the ones a
# fault in the runtime itself raises (catching those would loop), and the
# kvm backend's vCPU kick (SIGRTMAX, see boot._setup_kvm_kick).
def _unmanaged():
    out = {signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE,
           signal.SIGTRAP}
    rtmax = getattr(signal, "SIGRTMAX", None)
    if rtmax is not None:
        out.add(rtmax)
    return out


def _fork_blocked():
    """Every host signal but the ones a fault raises (PosixHost.fork)."""
    valid = set(signal.valid_signals()) if hasattr(signal, "valid_signals") else set(range(1, 32))
    return valid - _unmanaged() | ({signal.SIGRTMAX} if hasattr(signal, "SIGRTMAX") else set())


_SIGACTION_BUF = 256      # larger than struct sigaction on Linux (152) and macOS (16)


def _raw_sigaction(hsig, new=None):
    """libc sigaction(2) on raw struct bytes (works from any thread, unlike
    signal.signal); returns the previous struct's bytes."""
    import ctypes
    lib = _libc()
    old = ctypes.create_string_buffer(_SIGACTION_BUF)
    newbuf = None if new is None else ctypes.create_string_buffer(bytes(new), _SIGACTION_BUF)
    # SAFETY: both buffers are larger than the platform's struct sigaction.
    if lib.sigaction(hsig, newbuf, old) != 0:
        raise OSError(ctypes.get_errno(), "sigaction")
    return old.raw


def _with_handler(raw, handler):
    """A copy of struct sigaction bytes with sa_handler (offset 0 on Linux
    and macOS) replaced: 0 = SIG_DFL, 1 = SIG_IGN."""
    return struct.pack("P", handler) + raw[struct.calcsize("P"):]


def set_host_default(hsig):
    """Give hsig its default action from any thread (die_by_signal)."""
    try:
        raw = _raw_sigaction(hsig)
        _raw_sigaction(hsig, _with_handler(raw, 0))
    except OSError:
        pass


class SignalBridge(object):
    """Host signals -> the unikernel.

    set(linux_sig, mode, callback): mode 'default' and 'ignore' set the host
    disposition itself (so default-action deaths and ignored signals behave
    natively, also across exec of host programs); 'catch' installs a host
    handler that calls callback(linux_sig) in the main thread. A watcher
    thread reads the wakeup fd and calls kick() so a guest spinning in
    emulated code without system calls still returns to Python promptly.

    set() works from any host thread (a guest thread calling sigaction or
    sigprocmask is often not the main one): at start the bridge registers
    its Python handler for every signal it manages, keeps the struct
    sigaction CPython installs, and puts the previous disposition back;
    later changes are made with libc sigaction directly, swapping between
    SIG_DFL, SIG_IGN and that saved struct. CPython still runs the handler
    in the main thread only, so every other host thread the runtime starts
    (start_thread) blocks the asynchronous signals: the host kernel then
    delivers them to the main thread, interrupting whatever it waits in.
    """

    def __init__(self, kick):
        self.kick = kick
        self._callbacks = {}        # host signal -> callable(linux_sig), or None (no-op)
        self._catch = {}            # host signal -> struct sigaction bytes of the Python handler
        self._ignored_at_start = []
        self._async = set()         # host signals blocked in the runtime's other threads
        rtmax = getattr(signal, "SIGRTMAX", None)
        self._quiet = {int(rtmax)} if rtmax is not None else set()   # not for the guest (boot._setup_kvm_kick)
        self._install()
        self._start()

    def _install(self):
        skip = _unmanaged()
        valid = set(signal.valid_signals()) if hasattr(signal, "valid_signals") else set(range(1, 32))
        self._async = valid - skip
        for lsig in range(1, 65):
            hsig = X.signal_to_host(lsig)
            if hsig is None or hsig in skip or hsig not in valid:
                continue
            try:
                before = _raw_sigaction(hsig)
                was = signal.getsignal(hsig)
                if was == signal.SIG_IGN and lsig < 32:
                    self._ignored_at_start.append(lsig)
                signal.signal(hsig, self._on_signal)
                # Back to what the process started with: ignored stays
                # ignored, anything else (CPython's own SIGINT handler
                # too) is the default action until the guest says otherwise.
                tmpl = self._catch[hsig] = _raw_sigaction(hsig)
                _raw_sigaction(hsig, before if was == signal.SIG_IGN else _with_handler(tmpl, 0))
            except (OSError, ValueError, RuntimeError):
                continue

    def _on_signal(self, hsig, frame):
        cb = self._callbacks.get(hsig)
        if cb is not None:
            cb(X.signal_to_linux(hsig))

    def _start(self):
        r, w = os.pipe()
        self._r, self._w = self._high(r), self._high(w)
        os.set_blocking(self._w, False)
        signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        self.start_thread(self._watch, (), "lxpack-signals")

    def start_thread(self, target, args, name):
        """A daemon host thread that blocks the asynchronous signals (see
        the class doc), so they reach the main thread."""
        th = threading.Thread(target=target, args=args, name=name, daemon=True)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, self._async)
        try:
            th.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return th

    def inherited_ignored(self):
        """Linux numbers of the signals this process started with ignored
        (nohup's SIGHUP, a shell's background SIGINT/SIGQUIT): the guest
        inherits them ignored, as a Linux program would."""
        return list(self._ignored_at_start)

    def after_fork_child(self):
        """The watcher thread did not survive fork, and the wakeup pipe is
        shared with the parent: make new ones. The forking thread may have
        been one with signals blocked: it is the main thread now."""
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._start()
        try:
            # Host signals were blocked since before fork (PosixHost.fork).
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
        except (OSError, ValueError):
            pass

    @staticmethod
    def _high(fd):
        """Move a runtime-private fd above the guest's range (DESIGN: the
        runtime keeps its own descriptors above a high watermark)."""
        try:
            return move_high(fd)
        except OSError:
            return fd

    def _watch(self):
        while True:
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data:
                return
            # The kvm kick signal (SIGRTMAX) has a Python handler too, so it
            # writes here: kicking again for it would loop forever.
            if any(b not in self._quiet for b in data):
                self.kick()

    def set(self, linux_sig, mode, callback):
        hsig = X.signal_to_host(linux_sig)
        tmpl = self._catch.get(hsig) if hsig is not None else None
        if tmpl is None:
            return
        if mode == "default" and hsig == signal.SIGCHLD:
            # Still the default action (no auto-reaping), but a handler
            # makes the wakeup fd fire, so a guest blocked in wait4 wakes.
            self._callbacks[hsig] = None
            raw = tmpl
        elif mode == "default":
            raw = _with_handler(tmpl, 0)
        elif mode == "ignore":
            raw = _with_handler(tmpl, 1)
        else:
            self._callbacks[hsig] = callback
            raw = tmpl
        try:
            _raw_sigaction(hsig, raw)
        except OSError:
            pass



class HostMapping(object):
    """A host mmap the guest sees through vm.map_host (shared file or
    shared anonymous memory). Uses libc mmap through ctypes because
    Python's mmap module refuses mappings larger than the file."""

    def __init__(self, fd, size, offset, writable):
        import ctypes
        import mmap as _mmap
        libc = _libc()
        prot = _mmap.PROT_READ | (_mmap.PROT_WRITE if writable else 0)
        flags = _mmap.MAP_SHARED | (getattr(_mmap, "MAP_ANONYMOUS", 0x1000) if fd < 0 else 0)
        # SAFETY: a fresh mapping at an address chosen by the host kernel.
        addr = libc.mmap(None, ctypes.c_size_t(size), prot, flags, fd, ctypes.c_long(offset))
        if addr in (None, ctypes.c_void_p(-1).value):
            raise LinuxError(X.errno_to_linux(ctypes.get_errno()))
        self.address = addr
        self.size = size
        self.writable = writable

    def sync(self):
        import ctypes
        _libc().msync(ctypes.c_void_p(self.address), ctypes.c_size_t(self.size), 0x10 if IS_MACOS else 4)  # MS_SYNC

    def close(self):
        import ctypes
        if self.address:
            # SAFETY: the guest no longer maps this memory (Mm.unmap checked).
            _libc().munmap(ctypes.c_void_p(self.address), ctypes.c_size_t(self.size))
            self.address = 0


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        import ctypes
        lib = _clib.open_libc()
        lib.mmap.restype = ctypes.c_void_p
        lib.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        lib.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        lib.sigaction.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        _LIBC = lib
    return _LIBC


_RENAMEAT2 = []


def _renameat2():
    """The host's atomic renameat with flags: Linux renameat2 (glibc 2.28+,
    else the raw system call), macOS renameatx_np; None elsewhere."""
    if _RENAMEAT2:
        return _RENAMEAT2[0]
    import ctypes
    fn = None
    lib = _libc()
    argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if sys.platform.startswith("linux"):
        fn = getattr(lib, "renameat2", None)
        if fn is None:
            raw = lib.syscall
            raw.restype = ctypes.c_long

            def fn(a, b, c, d, f, _raw=raw):
                return _raw(ctypes.c_long(316), a, b, c, d, f)   # SYS_renameat2 on x86-64
    elif IS_MACOS:
        fn = getattr(lib, "renameatx_np", None)
    if fn is not None and hasattr(fn, "argtypes"):
        fn.argtypes = argtypes
        fn.restype = ctypes.c_int
    _RENAMEAT2.append(fn)
    return fn
