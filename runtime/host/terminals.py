"""Terminals on the POSIX host: termios, window size, foreground process
group, controlling terminal and pseudo-terminals.

Owns: Terminals. termios structures and tcsetattr actions cross by name
through xlat (X); ioctls are never passed through: the host's own request
is looked up by name (X.host_ioctl) and struct winsize is the same 8 bytes
everywhere. Pseudo-terminals are posix_openpt + grantpt through ctypes, as
opening Linux /dev/ptmx.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import fcntl
import os
import struct

from lxpack.abi import errno as E
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import IS_LINUX, X, call, oserror_to_linux
from lxpack.runtime.host.api import LinuxError

_TIOCGWINSZ = X.host_ioctl("TIOCGWINSZ")
_TIOCSWINSZ = X.host_ioctl("TIOCSWINSZ")
_FIONREAD = X.host_ioctl("FIONREAD")
_TIOCSCTTY = X.host_ioctl("TIOCSCTTY")
_TIOCNOTTY = X.host_ioctl("TIOCNOTTY")


class Terminals(object):
    """Terminal operations (stateless)."""

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
        try:
            return struct.unpack("HHHH", fcntl.ioctl(fd, _TIOCGWINSZ, b"\0" * 8))
        except OSError as e:
            raise oserror_to_linux(e)

    def set_winsize(self, fd, ws):
        try:
            fcntl.ioctl(fd, _TIOCSWINSZ, struct.pack("HHHH", *ws))
        except OSError as e:
            raise oserror_to_linux(e)

    def bytes_readable(self, fd):
        try:
            return struct.unpack("i", fcntl.ioctl(fd, _FIONREAD, b"\0" * 4))[0]
        except OSError as e:
            raise oserror_to_linux(e)

    def tcgetpgrp(self, fd):
        return call(os.tcgetpgrp, fd)

    def tcsetpgrp(self, fd, pgrp):
        return call(os.tcsetpgrp, fd, pgrp)

    def set_ctty(self, fd, steal):
        try:
            fcntl.ioctl(fd, _TIOCSCTTY, steal)
        except OSError as e:
            raise oserror_to_linux(e)

    def release_ctty(self, fd):
        try:
            fcntl.ioctl(fd, _TIOCNOTTY)
        except OSError as e:
            raise oserror_to_linux(e)

    # -- pseudo-terminals -----------------------------------------------------------------------
    def openpt(self, cloexec=False, nonblock=False):
        """A new host pseudo-terminal master (posix_openpt + grantpt), like
        opening Linux /dev/ptmx. Returns the fd."""
        lib = _libc()
        # SAFETY: plain int-returning libc calls.
        fd = lib.posix_openpt(os.O_RDWR | os.O_NOCTTY)
        if fd < 0:
            raise LinuxError(X.errno_to_linux(_errno()))
        if lib.grantpt(fd) != 0:
            e = _errno()
            os.close(fd)
            raise LinuxError(X.errno_to_linux(e))
        os.set_inheritable(fd, not cloexec)
        if nonblock:
            os.set_blocking(fd, False)
        return fd

    def ptsname(self, fd):
        """(N, host path) of a master's slave, N as Linux's TIOCGPTN gives it."""
        lib = _libc()
        # SAFETY: ptsname returns a static buffer we copy at once.
        p = lib.ptsname(fd)
        if not p:
            e = _errno()
            raise LinuxError(X.errno_to_linux(e) if e else E.ENOTTY)
        digits = b""
        for ch in reversed(p):
            c = bytes([ch]) if isinstance(ch, int) else ch
            if not c.isdigit():
                break
            digits = c + digits
        return int(digits or b"0"), p

    def unlockpt(self, fd):
        if _libc().unlockpt(fd) != 0:
            raise LinuxError(X.errno_to_linux(_errno()))

    @staticmethod
    def pts_path(n):
        """The host path of Linux /dev/pts/N."""
        if IS_LINUX:
            return b"/dev/pts/%d" % n
        return b"/dev/ttys%03d" % n


_LIBC = []


def _libc():
    if not _LIBC:
        import ctypes
        lib = _clib.open_libc()
        lib.ptsname.restype = ctypes.c_char_p
        lib.ptsname.argtypes = [ctypes.c_int]
        _LIBC.append(lib)
    return _LIBC[0]


def _errno():
    import ctypes
    return ctypes.get_errno()
