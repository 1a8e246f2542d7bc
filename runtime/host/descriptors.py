"""File descriptors on the POSIX host: I/O, duplication, descriptor and
status flags, pipes, locks, and the descriptors the runtime makes for itself.

Owns: Descriptors (the fd half of the host interface; files.py has paths).
Guest fd N is host fd N: numbers pass through unchanged. Linux values in,
Linux values out: status flags, lseek whence, flock operations and struct
flock (lock types, whence, layout) go through xlat (X). Python makes new
fds non-inheritable; a Linux fd is inherited unless O_CLOEXEC, so every
call that creates a guest fd sets inheritability from the Linux flag.
Calls that may block wait through waits.Waits (interruptible, without the
CPU). Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import errno as _host_errno
import fcntl
import os
import stat as _stat
import struct
import sys

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.runtime.host._common import X, call, high, oserror_to_linux
from lxpack.runtime.host.api import RUNTIME_FD_BASE, LinuxError

_SEEK_CUR = X.seek_whence_to_host(F.SEEK_CUR)
_FIONREAD = X.host_ioctl("FIONREAD")
_INT = struct.Struct("i")
_TEE = []
# The hot calls bind their host functions at import (one lookup less per call).
_read, _write, _pread, _pwrite = os.read, os.write, os.pread, os.pwrite


class Descriptors(object):
    """Descriptor operations; waits: the process's waits.Waits."""

    def __init__(self, waits):
        self._waits = waits

    # -- I/O ----------------------------------------------------------------------------
    def close(self, fd):
        try:
            os.close(fd)
        except OSError as e:
            raise oserror_to_linux(e)

    def read(self, fd, n):
        try:
            return _read(fd, n)
        except OSError as e:
            raise oserror_to_linux(e)

    def read_blocking(self, fd, n):
        w = self._waits
        w.begin_block()
        try:
            w.wait_ready(fd)
            return _read(fd, n)
        except OSError as e:
            raise oserror_to_linux(e)
        finally:
            w.end_block()

    def write(self, fd, data):
        try:
            return _write(fd, data)
        except OSError as e:
            raise oserror_to_linux(e)

    def write_blocking(self, fd, data):
        w = self._waits
        w.begin_block()
        try:
            w.wait_ready(fd, write=True)
            return _write(fd, data)
        except OSError as e:
            raise oserror_to_linux(e)
        finally:
            w.end_block()

    def pread(self, fd, n, off):
        try:
            return _pread(fd, n, off)
        except OSError as e:
            raise oserror_to_linux(e)

    def pwrite(self, fd, data, off):
        try:
            return _pwrite(fd, data, off)
        except OSError as e:
            raise oserror_to_linux(e)

    def lseek(self, fd, off, whence):
        hw = X.seek_whence_to_host(whence)      # SEEK_DATA/SEEK_HOLE differ on macOS
        if hw is None:
            raise LinuxError(E.EINVAL)
        try:
            return os.lseek(fd, off, hw)
        except OSError as e:
            raise oserror_to_linux(e)

    def fd_offset(self, fd):
        try:
            return os.lseek(fd, 0, _SEEK_CUR)
        except OSError:
            return 0

    def fd_path(self, fd):
        """What /proc/self/fd/N shows for a host fd."""
        if sys.platform.startswith("linux"):
            try:
                return os.readlink("/proc/self/fd/%d" % fd).encode()
            except OSError as e:
                raise oserror_to_linux(e)
        st = call(os.fstat, fd)
        if _stat.S_ISFIFO(st.st_mode):
            return b"pipe:[%d]" % st.st_ino
        if _stat.S_ISSOCK(st.st_mode):
            return b"socket:[%d]" % st.st_ino
        try:
            out = fcntl.fcntl(fd, getattr(fcntl, "F_GETPATH", 50), b"\0" * 1024)   # macOS only
            return out.split(b"\0", 1)[0]
        except OSError as e:
            raise oserror_to_linux(e)

    # -- duplication and flags -------------------------------------------------------------
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

    def set_nonblocking(self, fd, on):
        try:
            os.set_blocking(fd, not on)
        except OSError as e:
            raise oserror_to_linux(e)

    def is_nonblocking(self, fd):
        try:
            return not os.get_blocking(fd)
        except OSError as e:
            raise oserror_to_linux(e)

    def tee(self, fd_in, fd_out, n, nonblock):
        """tee(2) between two host pipes: up to n bytes of fd_in's content
        copied to fd_out, fd_in keeping them. Waits (interruptibly) for data
        in fd_in and room in fd_out unless nonblock (then EAGAIN). A Linux
        host has the call; macOS has none (ENOSYS)."""
        fn = _tee()
        if fn is None:
            raise LinuxError(E.ENOSYS)
        import ctypes
        w = self._waits
        while True:
            # SAFETY: a plain C call on two descriptors; no memory crosses.
            rc = fn(fd_in, fd_out, ctypes.c_size_t(n), ctypes.c_uint(F.SPLICE_F_NONBLOCK))
            if rc >= 0:
                return rc
            err = ctypes.get_errno()
            if err != _host_errno.EAGAIN or nonblock:
                raise LinuxError(X.errno_to_linux(err))
            # Either the input is empty or the output full: wait for the one that is.
            try:
                empty = not _INT.unpack(fcntl.ioctl(fd_in, _FIONREAD, b"\0\0\0\0"))[0]
            except OSError:
                empty = True
            w.begin_block()
            try:
                if empty:
                    w.wait_ready(fd_in)
                else:
                    w.wait_ready(fd_out, write=True)
            finally:
                w.end_block()

    # -- pipes and placeholders -------------------------------------------------------------
    def pipe(self, cloexec=False, nonblock=False):
        r, w = os.pipe()
        for fd in (r, w):
            if not cloexec:
                os.set_inheritable(fd, True)
            if nonblock:
                os.set_blocking(fd, False)
        return r, w

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

    def emulated_fd(self, cloexec=False, nonblock=False):
        """A host fd reserving a guest number for an object the unikernel
        serves (eventfd, epoll...): the read end of a pipe whose write end is
        closed, so F_SETFL O_NONBLOCK and close-on-exec behave as on any fd."""
        r, w = os.pipe()
        os.close(w)
        os.set_inheritable(r, not cloexec)
        if nonblock:
            os.set_blocking(r, False)
        return r

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

    # -- the runtime's private wake-up pipes ---------------------------------------------------
    def wake_pipe(self):
        """A runtime-private non-blocking pipe (r, w) above the guest's fds:
        a waiter polls r, whoever makes it ready writes w."""
        r, w = os.pipe()
        r, w = high(r), high(w)
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        return r, w

    @staticmethod
    def wake_fd(w):
        try:
            os.write(w, b"!")
        except OSError:
            pass      # full: the waiter wakes anyway

    @staticmethod
    def drain_fd(r):
        try:
            while len(os.read(r, 512)) == 512:
                pass
        except OSError:
            pass

    def close_private(self, fd):
        try:
            os.close(fd)
        except OSError:
            pass

    # -- locks ------------------------------------------------------------------------------
    def flock(self, fd, op):
        """flock(2) with Linux LOCK_* operation bits."""
        if fd < 0:
            raise LinuxError(E.EBADF)         # Python refuses it before any system call
        h = X.flock_op_to_host(op)
        if op & (F.LOCK_NB | F.LOCK_UN):
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
        self._waits.retry_until(attempt)

    def lock(self, fd, cmd, ltype, whence, start, length, ofd=False):
        """Record locks. cmd: 'get'|'set'|'setw'; ltype, whence Linux values.
        ofd: open-file-description locks (F_OFD_*) where the host has them
        (Linux); elsewhere (macOS) they fall back to process-owned POSIX
        locks, which do not conflict between two fds of one process.
        Returns (ltype, whence, start, length, pid) in Linux values for 'get'."""
        get_cmd = set_cmd = None
        if ofd:
            get_cmd, set_cmd = X.fcntl_cmd_to_host(F.F_OFD_GETLK), X.fcntl_cmd_to_host(F.F_OFD_SETLK)
        if get_cmd is None or set_cmd is None:
            get_cmd, set_cmd = X.fcntl_cmd_to_host(F.F_GETLK), X.fcntl_cmd_to_host(F.F_SETLK)
        buf = X.pack_host_flock(ltype, whence, start, length, 0)
        if cmd == "setw":
            def attempt():
                try:
                    return fcntl.fcntl(fd, set_cmd, buf)
                except OSError as e:
                    if e.errno in (_host_errno.EAGAIN, _host_errno.EACCES):
                        return None
                    raise oserror_to_linux(e)
            out = self._waits.retry_until(attempt)
        else:
            try:
                out = fcntl.fcntl(fd, get_cmd if cmd == "get" else set_cmd, buf)
            except OSError as e:
                raise oserror_to_linux(e)
        return X.unpack_host_flock(out)


def _tee():
    """libc's tee (a Linux host), or None (macOS has no tee)."""
    if not _TEE:
        fn = None
        if sys.platform.startswith("linux"):
            import ctypes
            from lxpack.runtime.host import clib
            try:
                fn = clib.open_libc().tee
                fn.restype = ctypes.c_ssize_t
                fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_size_t, ctypes.c_uint]
            except (OSError, AttributeError):
                fn = None
        _TEE.append(fn)
    return _TEE[0]
