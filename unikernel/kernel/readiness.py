"""Readiness: what poll, select, epoll and the blocking reads of emulated
objects wait on, mixing host descriptors with objects the unikernel serves.

Owns: Pollable (the base of emulated objects with a readiness mask:
eventfd, timerfd, signalfd, epoll, netlink), the per-process pool of wake-up
pipes (runtime-private host pipes, see host.wake_pipe) and block(), the one
place a wait sleeps in the host.

How a wait wakes up:
  * a host fd becomes ready: the host poll returns;
  * an emulated object changes (an eventfd written by another thread, an
    epoll_ctl): Pollable.changed() writes to the wake-up pipe of every
    waiter registered on it, which the host poll also watches;
  * a timer expires: the host poll's timeout is the nearest deadline;
  * a signal: in the main thread a host signal for a guest handler raises
    Interrupted out of the host poll (signals a signalfd watches are added
    to the task's waitset for the time of the wait, so they interrupt it
    too); other threads poll in slices of SLICE and look at their pending
    set in between.

Rule for callers: a wait that may block must come before any change of
state in the system call, because a blocking host call made inside the
engine's syscall hook re-runs the whole call from outside it
(sched.LeaveHook): take the counter, the signal, the datagram only after
the last possible wait.

Who may import this: unikernel modules (syscall/poll.py, net.py, the
emulated objects). Lock order: callers hold the CPU (unicorn CpuLock or the
unikernel lock); block() gives it up only inside the host poll.
Travels inside bundles: Python 3.9.
"""
import threading

from lxpack.abi import poll as P
from lxpack.abi.time import CLOCK_MONOTONIC
from lxpack.unikernel.errors import Interrupted
from lxpack.unikernel.kernel.fdtable import Emulated

SLICE_NS = 100 * 10**6          # non-main threads re-check signals this often while waiting
NS_PER_MS = 10**6


class Pollable(Emulated):
    """An emulated object with readiness. Subclasses define poll_mask();
    those whose readiness changes with time define deadline_ns(); those fed
    by signals define signal_watch()."""
    kind = "pollable"
    link_name = b"anon_inode:[pollable]"

    def __init__(self):
        self.waiters = set()
        self.gen = 0              # bumped on every change an edge-triggered epoll must see
        self.fd = -1              # the fd it was created on (see nonblocking())

    def poll_mask(self, t):
        """Linux POLL*/EPOLL* bits true now."""
        return 0

    def generation(self, t):
        return self.gen

    def deadline_ns(self, t):
        """CLOCK_MONOTONIC ns at which poll_mask may change by itself, or None."""
        return None

    def signal_watch(self, t):
        """Signals (a Linux sigset) whose arrival may change poll_mask."""
        return 0

    def gather(self, t, host_want, objs, seen):
        """Add what a wait on this object must watch: host fds (into the
        dict host_want fd -> events) and emulated objects (list objs)."""
        objs.append(self)

    def changed(self, t=None):
        """The readiness may have changed: wake every waiter."""
        self.gen += 1
        for w in list(self.waiters):
            w.wake()

    def nonblocking(self, t):
        """O_NONBLOCK of the open file (the host fd reserving the number
        carries it, so F_SETFL and dup behave as on any fd)."""
        fd = self.fd
        if t.files.emulated.get(fd) is not self:
            fd = next((f for f, o in t.files.emulated.items() if o is self), -1)
            if fd < 0:
                return False
            self.fd = fd
        return t.host.is_nonblocking(fd)

    def close(self, t):
        if any(o is self for o in t.files.emulated.values()):
            return                # another fd still refers to it
        self.closed(t)
        self.changed(t)

    def closed(self, t):
        """The last fd referring to the object is gone."""


class Waiter(object):
    __slots__ = ("host", "r", "w", "dead")

    def __init__(self, host):
        self.host = host
        self.r, self.w = host.wake_pipe()
        self.dead = False

    def wake(self):
        if not self.dead:
            self.host.wake_fd(self.w)


class WaiterPool(object):
    """Wake-up pipes of one process (a forked child makes its own)."""

    def __init__(self, host, pid):
        self.host = host
        self.pid = pid
        self.free = []
        self.all = []
        self.lock = threading.Lock()

    def get(self):
        with self.lock:
            if self.free:
                return self.free.pop()
        w = Waiter(self.host)
        self.all.append(w)
        return w

    def put(self, w):
        self.host.drain_fd(w.r)
        with self.lock:
            self.free.append(w)

    def abandon(self):
        """In a forked child: the parent's pipes are not ours."""
        for w in self.all:
            w.dead = True
            self.host.close_private(w.r)
            self.host.close_private(w.w)
        self.all = []
        self.free = []


def _pool(t):
    p = t.process
    pool = p.__dict__.get("_lx_waiters")
    if pool is None or pool.pid != p.pid:
        if pool is not None:
            pool.abandon()
        pool = WaiterPool(t.host, p.pid)
        p._lx_waiters = pool
    return pool


def now_ns(t):
    return t.host.clock_gettime_ns(CLOCK_MONOTONIC)


def is_main_thread():
    return threading.current_thread() is threading.main_thread()


def block(t, host_want, objs, deadline_ns):
    """Sleep until a host fd in host_want (fd -> Linux events) is ready, an
    object in objs changes or reaches its deadline, deadline_ns (monotonic,
    None: no limit) passes, or a signal arrives. Returns the host revents
    seen (possibly none: the caller looks again). Raises Interrupted when a
    signal is to be delivered to the guest."""
    sigs = t.signals
    if sigs.pending and sigs.has_deliverable():
        raise Interrupted()
    dl = deadline_ns
    watch = 0
    for o in objs:
        d = o.deadline_ns(t)
        if d is not None and (dl is None or d < dl):
            dl = d
        watch |= o.signal_watch(t)
    main = is_main_thread()
    if dl is None:
        timeout_ms = -1
    else:
        left = dl - now_ns(t)
        if left <= 0:
            return {}
        timeout_ms = max(1, (left + NS_PER_MS - 1) // NS_PER_MS)
    if not main and (timeout_ms < 0 or timeout_ms > SLICE_NS // NS_PER_MS):
        timeout_ms = SLICE_NS // NS_PER_MS
    pool = _pool(t) if objs else None
    waiter = pool.get() if pool is not None else None
    fds = list(host_want.items())
    if waiter is not None:
        for o in objs:
            o.waiters.add(waiter)
        fds.append((waiter.r, P.POLLIN))
    old_waitset = sigs.waitset
    if watch:
        sigs.waitset = old_waitset | watch
    try:
        try:
            rev = t.host.poll(fds, timeout_ms)
        except Interrupted:
            # A host signal may still be in the kernel's inbox: pending
            # only after the drain (else this loop would spin on it).
            if t.kernel.inbox:
                t.kernel.drain_signals(t)
            if sigs.has_deliverable():
                raise
            rev = {}
    finally:
        sigs.waitset = old_waitset
        if waiter is not None:
            for o in objs:
                o.waiters.discard(waiter)
            pool.put(waiter)
    if waiter is not None:
        rev.pop(waiter.r, None)
    if sigs.pending and sigs.has_deliverable():
        raise Interrupted()
    return rev


def wait_object(t, obj, ready):
    """Block on one emulated object until ready() returns something other
    than None (which is returned), for the blocking reads and writes of
    eventfd, timerfd and signalfd."""
    while True:
        r = ready()
        if r is not None:
            return r
        block(t, {}, [obj], None)
