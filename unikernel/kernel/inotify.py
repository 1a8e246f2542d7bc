"""inotify instances served by the unikernel over what every host has: stat
snapshots compared when the program looks (macOS has kqueue and FSEvents,
not inotify, and neither says "created" or "renamed" the way inotify does).

Owns: Inotify (a Pollable behind a reserved host fd): watches by inode
(adding a watch on an inode already watched returns its wd; IN_MASK_ADD,
IN_MASK_CREATE, IN_ONESHOT), the event queue with Linux's layout (struct
inotify_event, names NUL-padded to 16 bytes) and Linux's merge of an event
identical to the last one queued, IN_IGNORED when a watch goes away.

How events are found: each watch keeps a snapshot (a directory: its names
with inode, type, size, mtime and ctime; a file: its own stat). A read, a
poll/epoll look or the end of a blocking wait's slice (SCAN_NS) takes a new
snapshot and turns the difference into events:
  * a name that appears: IN_CREATE (then IN_MODIFY when it already has
    data, as the write after an open(O_CREAT) gives, and IN_CLOSE_WRITE for
    a regular file: the writer is taken to have closed it);
  * a name that goes: IN_DELETE; one name going and another appearing with
    the same inode: IN_MOVED_FROM + IN_MOVED_TO with one cookie; a name
    whose inode changed (a file renamed over it): IN_MOVED_TO;
  * a regular file whose size or mtime changed: IN_MODIFY (+ IN_CLOSE_WRITE);
    only its ctime: IN_ATTRIB;
  * the watched directory or file gone: IN_DELETE_SELF (after IN_ATTRIB
    for a file: its link count fell), then IN_IGNORED.
Approximations (say them when it matters): changes between two looks are
merged (a file created and deleted in between is not seen; several writes
give one IN_MODIFY, as Linux's merge of identical events would for
consecutive ones; the events of one look come in directory order, not in
the order of the changes); IN_ACCESS, IN_OPEN, IN_CLOSE_NOWRITE and IN_MOVE_SELF
are never reported; a watched file renamed away reads as IN_DELETE_SELF; a
change that keeps size and mtime (within the file system's timestamp
granularity) is missed; events come when the program looks, at most
SCAN_NS late for a blocked reader. Changes by other processes are seen as
well as the program's own.
Who may import this: unikernel/syscall/notify.py. Travels inside bundles: Python 3.9.
"""
import itertools

from lxpack.abi import inotify as IN
from lxpack.abi import poll as P
from lxpack.abi.fcntl import AT_FDCWD, O_CLOEXEC, O_DIRECTORY, O_RDONLY
from lxpack.abi.stat import S_IFDIR, S_IFMT, S_IFREG
from lxpack.abi.time import CLOCK_MONOTONIC
from lxpack.unikernel.errors import EAGAIN, EEXIST, EINVAL, LinuxError
from lxpack.unikernel.kernel.readiness import Pollable, wait_object

SCAN_NS = 50 * 10**6            # a blocked reader looks again this often
MAX_QUEUED = 16384              # /proc/sys/fs/inotify/max_queued_events
_cookies = itertools.count(1)


def _entry(st):
    return (st.st_ino, st.st_mode & S_IFMT, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Watch(object):
    __slots__ = ("wd", "path", "mask", "ident", "is_dir", "snap")

    def __init__(self, wd, path, mask, ident, is_dir):
        self.wd, self.path, self.mask, self.ident, self.is_dir = wd, path, mask, ident, is_dir
        self.snap = None


class Inotify(Pollable):
    kind = "inotify"
    link_name = b"anon_inode:inotify"

    def __init__(self):
        Pollable.__init__(self)
        self.watches = {}           # wd -> Watch
        self.next_wd = 1
        self.queue = []             # packed events
        self.overflowed = False

    # -- watches -----------------------------------------------------------------------------
    def add_watch(self, t, path, st, mask):
        """path: the host path (absolute), st: its StatResult. Returns the wd."""
        ident = (st.st_dev, st.st_ino)
        for w in self.watches.values():
            if w.ident == ident:
                if mask & IN.IN_MASK_CREATE:
                    raise EEXIST()
                w.mask = (w.mask | mask) if mask & IN.IN_MASK_ADD else mask
                return w.wd
        w = Watch(self.next_wd, path, mask, ident, st.st_mode & S_IFMT == S_IFDIR)
        self.next_wd += 1
        w.snap = self._snapshot(t, w)
        self.watches[w.wd] = w
        return w.wd

    def rm_watch(self, t, wd):
        w = self.watches.pop(wd, None)
        if w is None:
            raise EINVAL()
        self._push(wd, IN.IN_IGNORED)
        self.changed(t)

    # -- snapshots ---------------------------------------------------------------------------
    def _stat(self, t, path):
        try:
            return t.host.stat(AT_FDCWD, path, True)
        except LinuxError:
            return None

    def _snapshot(self, t, w):
        """None when the watched object is gone (or another one took its name)."""
        st = self._stat(t, w.path)
        if st is None or (st.st_dev, st.st_ino) != w.ident:
            return None
        if not w.is_dir:
            return _entry(st)
        h = t.host
        try:
            fd = h.openat(AT_FDCWD, w.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        except LinuxError:
            return w.snap if w.snap is not None else {}     # unreadable now (EMFILE...): no change seen
        try:
            names = [n for n, _ino, _dt in h.listdir(fd) if n not in (b".", b"..")]
        finally:
            h.close(fd)
        snap = {}
        for n in names:
            try:
                snap[n] = _entry(h.stat(AT_FDCWD, w.path + b"/" + n, False))
            except LinuxError:
                pass                # gone between the listing and the stat
        return snap

    def scan(self, t):
        """Take new snapshots and queue the differences as events."""
        before = len(self.queue)
        for w in list(self.watches.values()):
            new = self._snapshot(t, w)
            old = w.snap
            if new is None:
                if not w.is_dir:
                    self._emit(w, IN.IN_ATTRIB)     # the link count fell to 0 (Linux says so first)
                self._emit(w, IN.IN_DELETE_SELF)
                self._push(w.wd, IN.IN_IGNORED)
                del self.watches[w.wd]
                continue
            w.snap = new
            if w.is_dir:
                self._diff_dir(w, old, new)
            else:
                self._diff_file(w, None, old, new)
        if len(self.queue) != before:
            self.changed(t)

    def _diff_file(self, w, name, old, new):
        if old[2:4] != new[2:4]:
            self._emit(w, IN.IN_MODIFY, name)
            self._emit(w, IN.IN_CLOSE_WRITE, name)
        elif old[4] != new[4]:
            self._emit(w, IN.IN_ATTRIB, name)

    def _diff_dir(self, w, old, new):
        gone = [n for n in old if n not in new]
        came = [n for n in new if n not in old]
        came_by_ino = {}
        for n in came:
            came_by_ino.setdefault(new[n][0], []).append(n)
        moved_to = set()
        for n in gone:
            dest = came_by_ino.get(old[n][0])
            isdir = IN.IN_ISDIR if old[n][1] == S_IFDIR else 0
            if dest:
                to = dest.pop(0)
                moved_to.add(to)
                cookie = next(_cookies) & 0xFFFFFFFF
                self._emit(w, IN.IN_MOVED_FROM | isdir, n, cookie)
                self._emit(w, IN.IN_MOVED_TO | isdir, to, cookie)
            else:
                self._emit(w, IN.IN_DELETE | isdir, n)
        for n in came:
            if n in moved_to:
                continue
            e = new[n]
            isdir = IN.IN_ISDIR if e[1] == S_IFDIR else 0
            self._emit(w, IN.IN_CREATE | isdir, n)
            if e[1] == S_IFREG:
                if e[2]:
                    self._emit(w, IN.IN_MODIFY, n)
                self._emit(w, IN.IN_CLOSE_WRITE, n)
        for n, e in new.items():
            o = old.get(n)
            if o is None:
                continue
            if o[0] != e[0]:            # another file renamed over this name
                self._emit(w, IN.IN_MOVED_TO | (IN.IN_ISDIR if e[1] == S_IFDIR else 0), n,
                           next(_cookies) & 0xFFFFFFFF)
            elif e[1] == S_IFREG:
                self._diff_file(w, n, o, e)

    def _emit(self, w, mask, name=None, cookie=0):
        if w.wd not in self.watches or not mask & w.mask & ~IN.IN_ISDIR:
            return
        self._push(w.wd, mask, cookie, name or b"")
        if w.mask & IN.IN_ONESHOT and w.wd in self.watches:
            del self.watches[w.wd]
            self._push(w.wd, IN.IN_IGNORED)

    def _push(self, wd, mask, cookie=0, name=b""):
        ev = IN.pack_inotify_event(wd, mask, cookie, name)
        if self.queue and self.queue[-1] == ev:
            return                  # Linux merges an event identical to the last one queued
        if len(self.queue) >= MAX_QUEUED:
            if not self.overflowed:
                self.overflowed = True
                self.queue.append(IN.pack_inotify_event(-1, IN.IN_Q_OVERFLOW))
            return
        self.queue.append(ev)

    # -- Pollable ----------------------------------------------------------------------------
    def poll_mask(self, t):
        if not self.queue:
            self.scan(t)
        return P.POLLIN | P.POLLRDNORM if self.queue else 0

    def deadline_ns(self, t):
        if self.queue or not self.watches:
            return None
        return t.host.clock_gettime_ns(CLOCK_MONOTONIC) + SCAN_NS

    def pending_bytes(self, t):
        if not self.queue:
            self.scan(t)
        return sum(len(e) for e in self.queue)

    def read(self, t, n):
        def take():
            if not self.queue:
                self.scan(t)
            if not self.queue:
                if self.nonblocking(t):
                    raise EAGAIN()
                return None
            if len(self.queue[0]) > n:
                raise EINVAL()      # the buffer cannot hold the next event
            out, size = [], 0
            while self.queue and size + len(self.queue[0]) <= n:
                size += len(self.queue[0])
                out.append(self.queue.pop(0))
            self.overflowed = False
            return b"".join(out)
        return wait_object(t, self, take)

    def write(self, t, data):
        raise EINVAL()

    def fdinfo(self):
        return b"".join(b"inotify wd:%x ino:%x sdev:%x mask:%x ignored_mask:0\n"
                        % (w.wd, w.ident[1], w.ident[0], w.mask & IN.IN_ALL_EVENTS)
                        for w in self.watches.values())
