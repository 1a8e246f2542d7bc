"""epoll instances served by the unikernel over the host's poll (macOS has
no epoll): an interest list of guest fds, each a host descriptor (pipe,
socket, tty...) or an emulated Pollable (eventfd, timerfd, signalfd,
netlink, another epoll).

Owns: Epoll (a Pollable behind a reserved host fd): epoll_ctl semantics
(EEXIST/ENOENT/EPERM/ELOOP, EPOLLEXCLUSIVE rules), level-triggered
reporting with rotation (items reported go to the back, as Linux's ready
list), EPOLLONESHOT (disabled until EPOLL_CTL_MOD), and edge triggering.

Edge triggering over a level-triggered host: an ET item, once reported, is
suppressed for the events it reported until they are re-armed, which
happens when
  * a look at the fd finds those events no longer true (the program
    drained it),
  * the program does I/O on the fd through the unikernel's socket calls
    (touch(); recv/send/accept...), or read()/readv() finds it empty
    (note_read(); a read that gets data lowers the low point below),
  * for emulated objects, their generation changed (every eventfd write,
    timer expiry, new signal: exactly Linux's wake-ups),
  * for host fds, more bytes are queued to read than at the report (or
    at the lowest point seen since: new data arrived), or the bytes queued
    to send changed,
  * or, last resort against a lost wake-up (drained with read() and the
    same amount arrived again before the next wait), REARM_IN_NS (input) or
    REARM_OUT_NS (output) passed: the item is reported again, a harmless
    spurious edge.
While waiting, suppressed events are left out of the host poll, so a ready
but already reported fd does not make the wait spin.

Differences from Linux: the interest list is keyed by fd number (an item
whose fd was closed goes away at the next look; a new file on the same
number is recognised at EPOLL_CTL_ADD by its identity); after fork the
child has its own copy of the instance.
Who may import this: unikernel/syscall/poll.py, net.py (touch), io.py (note_read).
Travels inside bundles: Python 3.9.
"""
import collections
import weakref

from lxpack.abi import epoll as EP
from lxpack.abi import poll as P
from lxpack.abi.stat import S_IFDIR, S_IFMT, S_IFREG
from lxpack.unikernel.errors import EEXIST, EINVAL, ELOOP, ENOENT, EPERM, LinuxError
from lxpack.unikernel.kernel.readiness import Pollable, block, now_ns

EVMASK = 0xFFFFFFFF & ~EP.EPOLL_INPUT_FLAGS
ALWAYS = EP.EPOLLERR | EP.EPOLLHUP
IN_BITS = EP.EPOLLIN | EP.EPOLLRDNORM | EP.EPOLLPRI | EP.EPOLLRDHUP
OUT_BITS = EP.EPOLLOUT | EP.EPOLLWRNORM | EP.EPOLLWRBAND
EXCLUSIVE_OK = EP.EPOLLIN | EP.EPOLLOUT | EP.EPOLLRDNORM | EP.EPOLLWRNORM | EP.EPOLLRDBAND | \
    EP.EPOLLWRBAND | ALWAYS | EP.EPOLLWAKEUP | EP.EPOLLET | EP.EPOLLEXCLUSIVE
REARM_IN_NS = 50 * 10**6
REARM_OUT_NS = 500 * 10**6
MAX_NESTING = 4


class Item(object):
    __slots__ = ("fd", "events", "data", "ident", "obj", "sup", "fp_in", "fp_out", "at", "disabled")

    def __init__(self, fd, events, data, ident, obj):
        self.fd = fd
        self.events = events
        self.data = data
        self.ident = ident
        self.obj = obj
        self.sup = 0              # ET: events reported and not re-armed yet
        self.fp_in = None
        self.fp_out = None
        self.at = 0
        self.disabled = False     # EPOLLONESHOT fired


def _registry(t):
    p = t.process
    reg = p.__dict__.get("_lx_epolls")
    if reg is None:
        reg = p._lx_epolls = weakref.WeakSet()
    return reg


def touch(t, fd, bits):
    """The program did I/O on fd: re-arm edge-triggered `bits` (EPOLLIN for
    reads/accepts, EPOLLOUT for writes) in every epoll of the process."""
    reg = t.process.__dict__.get("_lx_epolls")
    if not reg:
        return
    for ep in list(reg):
        it = ep.items.get(fd)
        if it is not None and it.sup:
            it.sup &= ~bits


def note_read(t, fd, drained):
    """The program read() / readv() a host fd (not a socket call, which
    touch()es): an edge-triggered EPOLLIN suppressed since its report is
    re-armed if the read found the fd empty (EAGAIN: whatever is queued
    later arrived after it, a new edge on Linux); after a read that got
    data, the bytes still queued become the item's low point, so data that
    arrives before the next epoll_wait shows as growth.  Without this, an
    ET server that drains with read() and finds the same number of bytes
    queued again at its next wait (a request/response loop) lost the edge
    until REARM_IN_NS."""
    reg = t.process.__dict__.get("_lx_epolls")
    if not reg:
        return
    inq = False
    for ep in list(reg):
        it = ep.items.get(fd)
        if it is None or it.obj is not None or not it.sup & IN_BITS:
            continue
        if drained:
            it.sup &= ~IN_BITS
            continue
        if inq is False:
            inq = t.host.queued_bytes(fd)[0]
        if inq is not None and it.fp_in is not None and inq < it.fp_in:
            it.fp_in = inq


class Epoll(Pollable):
    kind = "epoll"
    link_name = b"anon_inode:[eventpoll]"

    def __init__(self, t):
        Pollable.__init__(self)
        self.items = collections.OrderedDict()
        _registry(t).add(self)

    # -- epoll_ctl -------------------------------------------------------------------------
    def ctl(self, t, op, fd, events, data):
        if op == EP.EPOLL_CTL_ADD:
            self._add(t, fd, events, data)
        elif op == EP.EPOLL_CTL_DEL:
            it = self.items.get(fd)
            if it is None or not self._same_file(t, it):
                self.items.pop(fd, None)
                raise ENOENT()
            del self.items[fd]
        elif op == EP.EPOLL_CTL_MOD:
            it = self.items.get(fd)
            if it is None or not self._same_file(t, it):
                self.items.pop(fd, None)
                raise ENOENT()
            if events & EP.EPOLLEXCLUSIVE or it.events & EP.EPOLLEXCLUSIVE:
                raise EINVAL()
            it.events = events | ALWAYS
            it.data = data
            it.sup = 0
            it.disabled = False
        else:
            raise EINVAL()
        self.changed(t)

    @staticmethod
    def _identity(t, fd):
        obj = t.files.emulated.get(fd)
        st = t.host.fstat(fd)
        return obj, (st.st_dev, st.st_ino, st.st_mode & S_IFMT)

    def _same_file(self, t, it):
        try:
            obj, ident = self._identity(t, it.fd)
        except LinuxError:
            return False
        return obj is it.obj and (obj is not None or ident == it.ident)

    @staticmethod
    def target(t, fd):
        """The (object, identity) of the target fd; EBADF, or EPERM when it
        cannot be polled (Linux checks this for every op, before EINVAL)."""
        obj, ident = Epoll._identity(t, fd)        # EBADF
        if obj is not None and not isinstance(obj, Pollable):
            raise EPERM()
        if obj is None and ident[2] in (S_IFREG, S_IFDIR):
            raise EPERM()                           # regular files and directories: Linux refuses
        return obj, ident

    def _add(self, t, fd, events, data):
        obj, ident = self._identity(t, fd)         # EBADF
        if events & EP.EPOLLEXCLUSIVE and (isinstance(obj, Epoll) or events & ~EXCLUSIVE_OK):
            raise EINVAL()
        if isinstance(obj, Epoll):
            if obj is self or obj._contains(self, 0):
                raise ELOOP()
            if obj._depth(0) + 1 > MAX_NESTING:
                raise EINVAL()
        it = self.items.get(fd)
        if it is not None:
            if obj is it.obj and (obj is not None or ident == it.ident):
                raise EEXIST()
            del self.items[fd]                      # the old file on this number was closed
        self.items[fd] = Item(fd, events | ALWAYS, data, ident, obj)

    def _contains(self, other, depth):
        if depth > MAX_NESTING:
            return True
        for it in self.items.values():
            if isinstance(it.obj, Epoll):
                if it.obj is other or it.obj._contains(other, depth + 1):
                    return True
        return False

    def _depth(self, depth):
        if depth > MAX_NESTING:
            return depth
        d = 0
        for it in self.items.values():
            if isinstance(it.obj, Epoll):
                d = max(d, 1 + it.obj._depth(depth + 1))
        return d

    # -- readiness ---------------------------------------------------------------------------
    def scan(self, t, maxevents, consume=True):
        """[(events, data)] ready now (at most maxevents); with consume, the
        edge-triggered and one-shot bookkeeping of a report is done."""
        items = self.items
        want = {}
        for it in items.values():
            if not it.disabled and it.obj is None:
                want[it.fd] = want.get(it.fd, 0) | (it.events & EVMASK)
        rev = t.host.poll(list(want.items()), 0) if want else {}
        now = None
        out = []
        reported = []
        for it in list(items.values()):
            if it.disabled:
                continue
            if it.obj is not None:
                r = it.obj.poll_mask(t)
            else:
                r = rev.get(it.fd, 0)
                if r & P.POLLNVAL:
                    items.pop(it.fd, None)          # closed: gone with its file
                    continue
            r &= it.events & EVMASK
            if it.events & EP.EPOLLET:
                if it.sup:
                    it.sup &= r
                    if it.sup:
                        if now is None:
                            now = now_ns(t)
                        if self._rearm(t, it, r, now):
                            it.sup = 0
                if not r & ~it.sup:
                    continue
                if consume:
                    if now is None:
                        now = now_ns(t)
                    self._remember(t, it, r, now)
            elif not r:
                continue
            out.append((r, it.data))
            if consume:
                reported.append(it)
                if it.events & EP.EPOLLONESHOT:
                    it.disabled = True
            if len(out) >= maxevents:
                break
        for it in reported:
            if it.fd in items:
                items.move_to_end(it.fd)
        return out

    def _remember(self, t, it, r, now):
        it.sup = r
        it.at = now
        if it.obj is not None:
            it.fp_in = it.obj.generation(t)
        else:
            it.fp_in, it.fp_out = t.host.queued_bytes(it.fd)

    def _rearm(self, t, it, r, now):
        if it.obj is not None:
            return it.obj.generation(t) != it.fp_in
        inq, outq = t.host.queued_bytes(it.fd)
        if it.sup & IN_BITS:
            if inq is not None and it.fp_in is not None:
                if inq > it.fp_in:
                    return True               # more to read than ever seen since the report: new data
                it.fp_in = inq                # the program read some: new data shows as growth from here
            if now - it.at >= REARM_IN_NS:
                return True
        if it.sup & OUT_BITS:
            if (outq is not None and outq != it.fp_out) or now - it.at >= REARM_OUT_NS:
                return True
        return False

    def poll_mask(self, t):
        return P.POLLIN | P.POLLRDNORM if self.scan(t, 1, consume=False) else 0

    def generation(self, t):
        return tuple(it.obj.generation(t) if it.obj is not None else 0 for it in self.items.values()) + (self.gen,)

    def gather(self, t, host_want, objs, seen):
        if self in seen:
            return
        seen.add(self)
        objs.append(self)
        for it in self.items.values():
            if it.disabled:
                continue
            if it.obj is not None:
                it.obj.gather(t, host_want, objs, seen)
                continue
            if it.sup & ALWAYS:
                continue                            # HUP/ERR already reported: nothing new to see
            host_want[it.fd] = host_want.get(it.fd, 0) | (it.events & EVMASK & ~it.sup)

    def next_rearm(self):
        """When a suppressed edge-triggered item is due to be looked at
        again (monotonic ns), or None."""
        due = None
        for it in self.items.values():
            if it.sup and it.obj is None and not it.disabled:
                d = it.at + (REARM_IN_NS if it.sup & IN_BITS else REARM_OUT_NS if it.sup & OUT_BITS else 0)
                if d > it.at and (due is None or d < due):
                    due = d
        return due

    def deadline_ns(self, t):
        return self.next_rearm()

    # -- epoll_wait --------------------------------------------------------------------------
    def wait(self, t, maxevents, deadline_ns):
        """epoll_wait: [(events, data)]; deadline_ns None waits forever."""
        while True:
            out = self.scan(t, maxevents)
            if out:
                return out
            if deadline_ns is not None and now_ns(t) >= deadline_ns:
                return out
            host_want = {}
            objs = []
            self.gather(t, host_want, objs, set())
            block(t, host_want, objs, deadline_ns)

    def closed(self, t):
        self.items.clear()
