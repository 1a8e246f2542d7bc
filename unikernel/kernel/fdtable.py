"""The fd table: guest fd N is host fd N (DESIGN), so this table only
records what the host fd alone cannot say.

Owns: emulated open files (procfs directories, /dev/full, and later epoll,
eventfd, timerfd, signalfd) keyed by the host fd that reserves their number,
and directory read cursors for getdents64. Everything else about an fd
(flags, close-on-exec, offset) is the host's.
Travels inside bundles: Python 3.9.
"""
from lxpack.unikernel.errors import EBADF


class DirCursor(object):
    """Entries of a directory being read with getdents64, and the position."""
    __slots__ = ("entries", "pos")

    def __init__(self, entries):
        self.entries = entries
        self.pos = 0


class Emulated(object):
    """Base of objects the unikernel serves itself behind a reserved host fd."""
    kind = "emulated"

    def read(self, t, n):
        raise EBADF()

    def write(self, t, data):
        raise EBADF()

    def close(self, t):
        pass


class FdTable(object):
    def __init__(self):
        self.emulated = {}      # fd -> Emulated
        self.cursors = {}       # fd -> DirCursor
        self.labels = {}        # fd -> what /proc/self/fd/N shows for a host file (memfd:NAME)

    def special(self, fd):
        return self.emulated.get(fd)

    def install(self, fd, obj):
        self.emulated[fd] = obj

    def forget(self, fd):
        """The host fd was closed (or replaced by dup2): drop what we knew."""
        obj = self.emulated.pop(fd, None)
        self.cursors.pop(fd, None)
        self.labels.pop(fd, None)
        return obj

    def copy(self, old, new):
        """new became a duplicate of old (dup/dup2/F_DUPFD)."""
        self.forget(new)
        if old in self.emulated:
            self.emulated[new] = self.emulated[old]
        if old in self.cursors:
            self.cursors[new] = self.cursors[old]
        if old in self.labels:
            self.labels[new] = self.labels[old]

    def cloexec_closed(self, fds):
        for fd in fds:
            self.forget(fd)

    def label(self, fd):
        return self.labels.get(fd)
