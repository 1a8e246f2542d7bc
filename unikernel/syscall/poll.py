"""Multiplexing and event descriptors: poll, ppoll, select, pselect6,
epoll_create/create1/ctl/wait/pwait/pwait2, eventfd/eventfd2,
timerfd_create/settime/gettime, signalfd/signalfd4 (inotify_*: notify.py).

Host descriptors are waited on with the host's poll; eventfd, timerfd,
signalfd, epoll and netlink are objects the unikernel serves (kernel/
readiness.py explains how a wait mixing both wakes up). poll, select and
epoll_wait are never restarted after a handler (EINTR, as signal(7) says);
the *p* variants swap the signal mask for the wait and restore it after the
handler runs.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import epoll as EP
from lxpack.abi import poll as P
from lxpack.abi import eventfd as EFD
from lxpack.abi import signalfd as SFD
from lxpack.abi import timerfd as TFD
from lxpack.abi.time import (ITIMERSPEC, NSEC_PER_SEC, TIMESPEC, TIMEVAL, pack_itimerspec, pack_timespec_ns,
                             pack_timeval_ns, unpack_itimerspec_valid, unpack_timespec_ns)
from lxpack.unikernel.errors import EBADF, EFAULT, EINVAL, Interrupted
from lxpack.unikernel.kernel.mm import TASK_SIZE
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.epoll import Epoll
from lxpack.unikernel.kernel.eventfd import EventFd
from lxpack.unikernel.kernel.readiness import Pollable, block, now_ns
from lxpack.unikernel.kernel.signalfd import SignalFd, watch_on_host
from lxpack.unikernel.kernel.timerfd import TimerFd
from lxpack.unikernel.syscall.args import Hex, Int, Out, Ptr, Size, UInt
from lxpack.unikernel.syscall.table import syscall
from lxpack.unikernel.syscall.resources import nofile_soft
from lxpack.runtime.host.api import RUNTIME_FD_BASE

RLIMIT_NOFILE_MAX = 1 << 20
EP_MAX_EVENTS = 0x7FFFFFFF // 12
POLLIN_SET = P.POLLRDNORM | P.POLLRDBAND | P.POLLIN | P.POLLHUP | P.POLLERR
POLLOUT_SET = P.POLLWRBAND | P.POLLWRNORM | P.POLLOUT | P.POLLERR
POLLEX_SET = P.POLLPRI


# ---- the wait --------------------------------------------------------------------------------

def _look(t, items):
    """Readiness of [(fd, events)] now: (revents list, host_want, objs)."""
    host_want = {}
    emu = {}
    for fd, ev in items:
        if fd < 0:
            continue
        o = t.files.emulated.get(fd)
        if isinstance(o, Pollable):
            emu[fd] = o
        else:
            host_want[fd] = host_want.get(fd, 0) | ev
    rev = t.host.poll(list(host_want.items()), 0) if host_want else {}
    out = [_rev(t, fd, ev, emu, rev) for fd, ev in items]
    objs = []
    seen = set()
    for o in emu.values():
        o.gather(t, host_want, objs, seen)
    return out, host_want, objs, emu


def _rev(t, fd, ev, emu, rev):
    if fd < 0:
        return 0
    o = emu.get(fd)
    r = o.poll_mask(t) if o is not None else rev.get(fd, 0)
    return r & (ev | P.POLL_ALWAYS)


def wait_fds(t, items, deadline):
    """poll(2)'s loop: revents for [(fd, events)] once one is ready or the
    deadline (monotonic ns; None: forever) passes."""
    while True:
        out, host_want, objs, emu = _look(t, items)
        if any(out) or (deadline is not None and now_ns(t) >= deadline):
            return out
        rev = block(t, host_want, objs, deadline)
        if rev and not emu:
            return [_rev(t, fd, ev, emu, rev) for fd, ev in items]


def _deadline(t, ns):
    return None if ns is None else now_ns(t) + ns


def _with_mask(t, mask, fn):
    """Run fn with the signal mask replaced (ppoll, pselect6, epoll_pwait);
    if a signal interrupts, the old mask comes back after its handler."""
    if mask is None:
        return fn()
    sigs = t.signals
    old = sigs.mask
    sigs.mask = mask & ~S.UNBLOCKABLE
    try:
        res = fn()
    except Interrupted:
        sigs.saved_mask = old
        raise
    except BaseException:
        sigs.mask = old
        raise
    sigs.mask = old
    return res


def _read_sigmask(t, ptr, size):
    if not ptr:
        return None
    if size != 8:
        raise EINVAL()
    return t.mem.read_u64(ptr)


def _read_timespec(t, ptr):
    if not ptr:
        return None
    ns = unpack_timespec_ns(t.mem.read(ptr, TIMESPEC.size))
    if ns is None:
        raise EINVAL()
    return ns


def _write_left(t, ptr, deadline, fmt_usec=False):
    left = max(0, deadline - now_ns(t))
    if fmt_usec:
        t.mem.write(ptr, pack_timeval_ns(left))
    else:
        t.mem.write(ptr, pack_timespec_ns(left))


# ---- poll -------------------------------------------------------------------------------------

def _poll(t, fds, nfds, timeout_ns, mask, tsp=None):
    # Linux: nfds over the soft RLIMIT_NOFILE is EINVAL. The limit is looked
    # up only past 64 fds or once the program has set limits itself.
    if nfds > RLIMIT_NOFILE_MAX or ((nfds > 64 or t.process.rlimits) and nfds > nofile_soft(t)):
        raise EINVAL()
    raw = t.mem.read(fds, nfds * P.POLLFD.size) if nfds else b""
    items = []
    for i in range(nfds):
        fd, ev, _r = P.POLLFD.unpack_from(raw, i * P.POLLFD.size)
        items.append((fd, ev & 0xFFFF))
    deadline = _deadline(t, timeout_ns)
    try:
        out = _with_mask(t, mask, lambda: wait_fds(t, items, deadline))
    finally:
        if tsp and deadline is not None:
            _write_left(t, tsp, deadline)
    buf = bytearray(raw)
    n = 0
    for i, r in enumerate(out):
        struct.pack_into("<h", buf, i * P.POLLFD.size + 6, r if r < 0x8000 else r - 0x10000)
        if r:
            n += 1
    if nfds:
        t.mem.write(fds, bytes(buf))
    return n


@syscall("poll", restartable=False)
def sys_poll(t, fds: Ptr, nfds: UInt, timeout: Int):
    """Implements poll(2) over host fds and emulated objects alike."""
    return _poll(t, fds, nfds, None if timeout < 0 else timeout * 10**6, None)


@syscall("ppoll", restartable=False)
def sys_ppoll(t, fds: Ptr, nfds: UInt, tsp: Ptr, sigmask: Ptr, sigsetsize: Size):
    """Implements ppoll(2) (the remaining time is written back, as the syscall does)."""
    timeout = _read_timespec(t, tsp)
    mask = _read_sigmask(t, sigmask, sigsetsize)
    return _poll(t, fds, nfds, timeout, mask, tsp)


# ---- select -----------------------------------------------------------------------------------

def _select(t, nfds, rp, wp, ep, timeout_ns, mask, tvp=None, usec=False):
    if nfds < 0 or nfds > RLIMIT_NOFILE_MAX:
        raise EINVAL()
    size = ((nfds + 63) // 64) * 8
    sets = []
    for p in (rp, wp, ep):
        sets.append(P.fdset_fds(t.mem.read(p, size), nfds) if p and size else [])
    want = {}
    for fd in sets[0]:
        want[fd] = want.get(fd, 0) | POLLIN_SET
    for fd in sets[1]:
        want[fd] = want.get(fd, 0) | POLLOUT_SET
    for fd in sets[2]:
        want[fd] = want.get(fd, 0) | POLLEX_SET
    items = sorted(want.items())
    for fd, _ in items:
        if fd >= RUNTIME_FD_BASE or not t.kernel.fd_exists(t, fd):
            raise EBADF()
    deadline = _deadline(t, timeout_ns)
    try:
        out = _with_mask(t, mask, lambda: wait_fds(t, items, deadline))
    finally:
        if tvp and deadline is not None:
            _write_left(t, tvp, deadline, usec)
    rev = dict(zip((fd for fd, _ in items), out))
    if any(r & P.POLLNVAL for r in out):
        raise EBADF()
    ready = [[], [], []]
    for fd in sets[0]:
        if rev[fd] & POLLIN_SET:
            ready[0].append(fd)
    for fd in sets[1]:
        if rev[fd] & POLLOUT_SET:
            ready[1].append(fd)
    for fd in sets[2]:
        if rev[fd] & POLLEX_SET:
            ready[2].append(fd)
    for p, r in zip((rp, wp, ep), ready):
        if p and size:
            t.mem.write(p, P.fdset_bytes(r, nfds))
    return sum(len(r) for r in ready)


@syscall("select", restartable=False)
def sys_select(t, nfds: Int, rfds: Ptr, wfds: Ptr, efds: Ptr, tvp: Ptr):
    """Implements select(2) (the remaining time is written back, as Linux does)."""
    timeout = None
    if tvp:
        sec, usec = TIMEVAL.unpack(t.mem.read(tvp, TIMEVAL.size))
        if sec < 0 or usec < 0:
            raise EINVAL()
        timeout = sec * NSEC_PER_SEC + min(usec, 10**12) * 1000
    return _select(t, nfds, rfds, wfds, efds, timeout, None, tvp, usec=True)


@syscall("pselect6", restartable=False)
def sys_pselect6(t, nfds: Int, rfds: Ptr, wfds: Ptr, efds: Ptr, tsp: Ptr, sig: Ptr):
    """Implements pselect6 (the sixth argument is {const sigset_t *, size_t})."""
    timeout = _read_timespec(t, tsp)
    mask = None
    if sig:
        ss, sslen = struct.unpack("<QQ", t.mem.read(sig, 16))
        mask = _read_sigmask(t, ss, sslen)
    return _select(t, nfds, rfds, wfds, efds, timeout, mask, tsp)


# ---- epoll ------------------------------------------------------------------------------------

def _new_object(t, obj, cloexec, nonblock=False):
    fd = t.host.emulated_fd(cloexec=cloexec, nonblock=nonblock)
    obj.fd = fd
    t.files.install(fd, obj)
    return fd


@syscall("epoll_create")
def sys_epoll_create(t, size: Int):
    """Implements epoll_create(2)."""
    if size <= 0:
        raise EINVAL()
    return _new_object(t, Epoll(t), False)


@syscall("epoll_create1")
def sys_epoll_create1(t, flags: Hex):
    """Implements epoll_create1(2)."""
    if flags & ~EP.EPOLL_CLOEXEC:
        raise EINVAL()
    return _new_object(t, Epoll(t), bool(flags & EP.EPOLL_CLOEXEC))


def _epoll_of(t, epfd):
    o = t.files.emulated.get(epfd)
    if not isinstance(o, Epoll):
        t.host.fstat(epfd)          # EBADF
        raise EINVAL()
    return o


@syscall("epoll_ctl")
def sys_epoll_ctl(t, epfd: Int, op: Int, fd: Int, event: Ptr):
    """Implements epoll_ctl(2)."""
    # Linux's order: the event is copied in first (every op but DEL), then
    # epfd and fd are looked up (EBADF), the target must be pollable (EPERM),
    # and only then is epfd checked to be an epoll other than fd (EINVAL).
    events, data = 0, 0
    if op != EP.EPOLL_CTL_DEL:
        if not event:
            raise EFAULT()
        events, data = EP.unpack_epoll_event(t.mem.read(event, EP.EPOLL_EVENT.size))
    ep = t.files.emulated.get(epfd)
    if not isinstance(ep, Epoll):
        t.host.fstat(epfd)          # EBADF
    Epoll.target(t, fd)             # EBADF, EPERM
    if fd == epfd or not isinstance(ep, Epoll):
        raise EINVAL()
    ep.ctl(t, op, fd, events, data)
    return 0


def _epoll_wait(t, epfd, events, maxevents, timeout_ns, mask):
    # Linux 6.x's order: the descriptor (EBADF), maxevents (EINVAL), the
    # buffer in the user half (EFAULT), then an epoll instance (EINVAL).
    ep = t.files.emulated.get(epfd)
    if not isinstance(ep, Epoll):
        t.host.fstat(epfd)
        ep = None
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        raise EINVAL()
    if events + maxevents * EP.EPOLL_EVENT.size > TASK_SIZE:
        raise EFAULT()
    if ep is None:
        raise EINVAL()
    deadline = _deadline(t, timeout_ns)
    out = _with_mask(t, mask, lambda: ep.wait(t, maxevents, deadline))
    if out:
        t.mem.write(events, b"".join(EP.pack_epoll_event(ev, data) for ev, data in out))
    return len(out)


@syscall("epoll_wait", restartable=False)
def sys_epoll_wait(t, epfd: Int, events: Out[Ptr], maxevents: Int, timeout: Int):
    """Implements epoll_wait(2) (level and edge triggered, EPOLLONESHOT)."""
    return _epoll_wait(t, epfd, events, maxevents, None if timeout < 0 else timeout * 10**6, None)


@syscall("epoll_pwait", restartable=False)
def sys_epoll_pwait(t, epfd: Int, events: Out[Ptr], maxevents: Int, timeout: Int, sigmask: Ptr, sigsetsize: Size):
    """Implements epoll_pwait(2)."""
    mask = _read_sigmask(t, sigmask, sigsetsize)
    return _epoll_wait(t, epfd, events, maxevents, None if timeout < 0 else timeout * 10**6, mask)


@syscall("epoll_pwait2", restartable=False)
def sys_epoll_pwait2(t, epfd: Int, events: Out[Ptr], maxevents: Int, tsp: Ptr, sigmask: Ptr, sigsetsize: Size):
    """Implements epoll_pwait2(2) (a timespec timeout)."""
    timeout = _read_timespec(t, tsp)
    mask = _read_sigmask(t, sigmask, sigsetsize)
    return _epoll_wait(t, epfd, events, maxevents, timeout, mask)


# ---- eventfd ------------------------------------------------------------------------------------

@syscall("eventfd")
def sys_eventfd(t, initval: UInt):
    """Implements eventfd(2)."""
    return _new_object(t, EventFd(initval, False), False)


@syscall("eventfd2")
def sys_eventfd2(t, initval: UInt, flags: Hex):
    """Implements eventfd2 (EFD_SEMAPHORE, EFD_CLOEXEC, EFD_NONBLOCK)."""
    if flags & ~EFD.EFD_FLAGS_SET:
        raise EINVAL()
    return _new_object(t, EventFd(initval, bool(flags & EFD.EFD_SEMAPHORE)), bool(flags & EFD.EFD_CLOEXEC),
                       bool(flags & EFD.EFD_NONBLOCK))


# ---- timerfd ------------------------------------------------------------------------------------
TIMERFD_CLOCKS = (0, 1, 7, 8, 9)      # REALTIME, MONOTONIC, BOOTTIME, REALTIME_ALARM, BOOTTIME_ALARM


@syscall("timerfd_create")
def sys_timerfd_create(t, clockid: Int, flags: Hex):
    """Implements timerfd_create(2)."""
    if clockid not in TIMERFD_CLOCKS or flags & ~TFD.TFD_CREATE_FLAGS:
        raise EINVAL()
    clock = {8: 0, 9: 7}.get(clockid, clockid)
    return _new_object(t, TimerFd(clock), bool(flags & TFD.TFD_CLOEXEC), bool(flags & TFD.TFD_NONBLOCK))


def _timerfd_of(t, fd):
    o = t.files.emulated.get(fd)
    if not isinstance(o, TimerFd):
        t.host.fstat(fd)
        raise EINVAL()
    return o


@syscall("timerfd_settime")
def sys_timerfd_settime(t, fd: Int, flags: Hex, new: Ptr, old: Out[Ptr]):
    """Implements timerfd_settime(2) (TFD_TIMER_ABSTIME; CANCEL_ON_SET accepted).
    Linux's order: the new value is copied in (EFAULT), flags and value
    checked (EINVAL), then the descriptor looked up (EBADF, EINVAL)."""
    raw = t.mem.read(new, ITIMERSPEC.size)
    times = unpack_itimerspec_valid(raw)
    if flags & ~TFD.TFD_SETTIME_FLAGS or times is None:
        raise EINVAL()
    tf = _timerfd_of(t, fd)
    value, interval = tf.settime(t, times[1], times[0], bool(flags & TFD.TFD_TIMER_ABSTIME))
    if old:
        t.mem.write(old, pack_itimerspec(interval, value))
    return 0


@syscall("timerfd_gettime")
def sys_timerfd_gettime(t, fd: Int, cur: Out[Ptr]):
    """Implements timerfd_gettime(2)."""
    tf = _timerfd_of(t, fd)
    value, interval = tf.gettime(t)
    t.mem.write(cur, pack_itimerspec(interval, value))
    return 0


# ---- signalfd ------------------------------------------------------------------------------------

def _signalfd(t, fd, mask_ptr, size, flags):
    if size != 8 or flags & ~(SFD.SFD_CLOEXEC | SFD.SFD_NONBLOCK):
        raise EINVAL()
    mask = t.mem.read_u64(mask_ptr)
    if fd == -1:
        obj = SignalFd(mask)
        watch_on_host(t, obj.mask)
        return _new_object(t, obj, bool(flags & SFD.SFD_CLOEXEC), bool(flags & SFD.SFD_NONBLOCK))
    o = t.files.emulated.get(fd)
    if not isinstance(o, SignalFd):
        t.host.fstat(fd)
        raise EINVAL()
    o.set_mask(t, mask)
    return fd


@syscall("signalfd")
def sys_signalfd(t, fd: Int, mask: Ptr, size: Size):
    """Implements signalfd(2)."""
    return _signalfd(t, fd, mask, size, 0)


@syscall("signalfd4")
def sys_signalfd4(t, fd: Int, mask: Ptr, size: Size, flags: Hex):
    """Implements signalfd4 (SFD_CLOEXEC, SFD_NONBLOCK)."""
    return _signalfd(t, fd, mask, size, flags)
