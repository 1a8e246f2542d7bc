"""What every concern of the POSIX host shares: the running host's
translator, the OSError -> LinuxError rule and the runtime's private fds.

Owns: X (the Xlat of the running host, raising LinuxError for a Linux
value the host cannot honour), oserror_to_linux(), call() (a host call with
its OSError translated) and high() (a runtime-private fd moved out of the
guest's range). Private to runtime/host. Python 3.9 compatible.
"""
import sys

from lxpack.abi import errno as E
from lxpack.runtime.host import xlat as _xlat
from lxpack.runtime.host.api import LinuxError
from lxpack.runtime.host.fds import move_high

IS_LINUX = sys.platform.startswith("linux")
IS_MACOS = sys.platform == "darwin"


def _xlat_error(errno, name=None):
    return LinuxError(errno)


X = _xlat.Xlat(_xlat.live(), error=_xlat_error)   # the running host's translations
errno_to_linux = X.errno_to_linux


def oserror_to_linux(e):
    """OSError from the host -> LinuxError with the Linux errno, by name."""
    return LinuxError(errno_to_linux(e.errno or 0))


def call(fn, *args, **kw):
    """fn(*args, **kw) with a host failure raised as LinuxError."""
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


def high(fd):
    """Move a runtime-private fd above the guest's range, close-on-exec
    (DESIGN: the runtime keeps its own descriptors above a high watermark)."""
    try:
        return move_high(fd)
    except OSError:
        return fd
