"""RLIMIT_NOFILE enforced by the unikernel: the host's limit stays high
enough for the runtime's own descriptors above the program's (a fork or
execve creates a VM, a thread a vCPU; runtime/host/fds.reserve), so the
program's limit (the one it started with, or set) is enforced here.

Owns: install(soft) / remove(), which wrap the handlers of the calls that
create descriptors (process-local: each guest process is its own host
process) so that a descriptor at or above the limit is closed again and
the call fails with EMFILE, dup2/dup3 to a descriptor at or above it is
EBADF and fcntl(F_DUPFD) from it EINVAL, as Linux. Installed for every
process (resources.enforce_nofile), at most at RUNTIME_FD_BASE: one more
Python call on the calls that create descriptors.
Differences: descriptors received with SCM_RIGHTS are not counted.
Who may import this: unikernel/syscall/resources.py (setrlimit).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.fcntl import F_DUPFD, F_DUPFD_CLOEXEC
from lxpack.abi.syscalls_x86_64 import NR_close
from lxpack.unikernel.errors import EBADF, EINVAL, EMFILE, LinuxError
from lxpack.unikernel.syscall.table import BIND_HOOKS, TABLE, Entry, bound

RETURNS_FD = ("open", "openat", "openat2", "creat", "dup", "socket", "accept", "accept4", "epoll_create",
              "epoll_create1", "eventfd", "eventfd2", "timerfd_create", "signalfd", "signalfd4", "memfd_create",
              "pidfd_open")
WRITES_FD_PAIR = {"pipe": 0, "pipe2": 0, "socketpair": 3}       # name -> index of the int[2] argument

_original = {}                 # nr -> handler before wrapping
_limit = [None]


def _close(t, fd):
    try:
        (_original.get(NR_close) or bound(NR_close).fn)(t, fd)
    except LinuxError:
        pass


def _returns_fd(fn):
    def limited(t, *args):
        res = fn(t, *args)
        if isinstance(res, int) and res >= _limit[0]:
            _close(t, res)
            raise EMFILE()
        return res
    return limited


def _writes_pair(fn, slot):
    def limited(t, *args):
        res = fn(t, *args)
        a, b = struct.unpack("<ii", t.mem.read(args[slot], 8))
        if a >= _limit[0] or b >= _limit[0]:
            _close(t, a)
            _close(t, b)
            raise EMFILE()
        return res
    return limited


def _dup_to(fn):
    def limited(t, oldfd, newfd, *rest):
        if newfd >= _limit[0]:
            raise EBADF()
        return fn(t, oldfd, newfd, *rest)
    return limited


def _fcntl(fn):
    def limited(t, fd, cmd, arg):
        if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
            if arg >= _limit[0]:
                raise EINVAL()
            return _returns_fd(fn)(t, fd, cmd, arg)
        return fn(t, fd, cmd, arg)
    return limited


def _wrap(e):
    """Wrap one Entry's handler if its call creates descriptors."""
    if e.nr in _original:
        return
    if e.name in RETURNS_FD:
        wrapped = _returns_fd(e.fn)
    elif e.name in WRITES_FD_PAIR:
        wrapped = _writes_pair(e.fn, WRITES_FD_PAIR[e.name])
    elif e.name in ("dup2", "dup3"):
        wrapped = _dup_to(e.fn)
    elif e.name == "fcntl":
        wrapped = _fcntl(e.fn)
    else:
        return
    _original[e.nr] = e.fn
    e.fn = wrapped


def install(soft):
    """Enforce a soft limit below the runtime's range (idempotent): the
    bound entries are wrapped now, the families bound later as they are
    registered (table.BIND_HOOKS)."""
    _limit[0] = soft
    if _wrap in BIND_HOOKS:
        return
    BIND_HOOKS.append(_wrap)
    for e in TABLE:
        if type(e) is Entry:
            _wrap(e)


def remove():
    if _wrap in BIND_HOOKS:
        BIND_HOOKS.remove(_wrap)
    for nr, fn in _original.items():
        TABLE[nr].fn = fn
    _original.clear()
    _limit[0] = None
