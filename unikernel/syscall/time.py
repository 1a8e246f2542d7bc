"""Time calls: clock_gettime, clock_getres, gettimeofday, time,
nanosleep, clock_nanosleep, alarm, setitimer/getitimer.

Sleeps are host sleeps that a signal for a guest handler interrupts
(Interrupted -> EINTR with the remaining time, or a restart).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.unikernel.errors import EFAULT, EINVAL, Interrupted
from lxpack.unikernel.syscall.args import Int, Out, Ptr, UInt
from lxpack.unikernel.syscall.table import syscall

NS = 10 ** 9
TIMER_ABSTIME = 1


def _ts(ns):
    return struct.pack("<qq", ns // NS, ns % NS)


def _read_ts(t, addr):
    s, ns = struct.unpack("<qq", t.mem.read(addr, 16))
    if s < 0 or not 0 <= ns < NS:
        raise EINVAL()
    return s * NS + ns


@syscall(228, "clock_gettime")
def sys_clock_gettime(t, clock: Int, tp: Out[Ptr]):
    """Implements clock_gettime(2)."""
    t.mem.write(tp, _ts(t.host.clock_gettime_ns(clock)))
    return 0


@syscall(229, "clock_getres")
def sys_clock_getres(t, clock: Int, res: Out[Ptr]):
    """Implements clock_getres(2)."""
    r = t.host.clock_getres_ns(clock)
    if res:
        t.mem.write(res, _ts(r))
    return 0


@syscall(96, "gettimeofday")
def sys_gettimeofday(t, tv: Out[Ptr], tz: Out[Ptr]):
    """Implements gettimeofday(2) (timezone reported as UTC)."""
    if tv:
        ns = t.host.clock_gettime_ns(0)
        t.mem.write(tv, struct.pack("<qq", ns // NS, (ns % NS) // 1000))
    if tz:
        t.mem.write(tz, b"\0" * 8)
    return 0


@syscall(201, "time")
def sys_time(t, tloc: Out[Ptr]):
    """Implements time(2)."""
    s = t.host.clock_gettime_ns(0) // NS
    if tloc:
        t.mem.write_u64(tloc, s)
    return s


def _sleep(t, clock, deadline_ns, rem_addr):
    """Sleep until the clock reaches deadline; on a signal, write the
    remaining time and let the dispatcher return EINTR (or restart)."""
    h = t.host
    while True:
        now = h.clock_gettime_ns(clock)
        left = deadline_ns - now
        if left <= 0:
            return 0
        try:
            h.sleep_ns(left)
        except Interrupted:
            if rem_addr:
                t.mem.write(rem_addr, _ts(max(0, deadline_ns - h.clock_gettime_ns(clock))))
            raise


@syscall(35, "nanosleep", restartable="nohand")
def sys_nanosleep(t, req: Ptr, rem: Out[Ptr]):
    """Implements nanosleep(2)."""
    ns = _read_ts(t, req)
    return _sleep(t, 1, t.host.clock_gettime_ns(1) + ns, rem)


@syscall(230, "clock_nanosleep", restartable="nohand")
def sys_clock_nanosleep(t, clock: Int, flags: Int, req: Ptr, rem: Out[Ptr]):
    """Implements clock_nanosleep(2), relative and TIMER_ABSTIME."""
    if clock not in (0, 1, 7, 8, 9, 2):
        raise EINVAL()
    ns = _read_ts(t, req)
    if flags & TIMER_ABSTIME:
        return _sleep(t, clock, ns, 0)
    return _sleep(t, clock, t.host.clock_gettime_ns(clock) + ns, rem)


@syscall(37, "alarm")
def sys_alarm(t, seconds: UInt):
    """Implements alarm(2) with the host's real-time timer (SIGALRM)."""
    return t.host.alarm(seconds)


@syscall(38, "setitimer")
def sys_setitimer(t, which: Int, new: Ptr, old: Out[Ptr]):
    """Implements setitimer(2) (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF
    through the host process's timers)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    if new:
        is_, iu, vs, vu = struct.unpack("<qqqq", t.mem.read(new, 32))
        if not (0 <= iu < 10**6 and 0 <= vu < 10**6):
            raise EINVAL()
        prev = t.host.setitimer(which, vs + vu / 1e6, is_ + iu / 1e6)
    else:
        prev = t.host.getitimer(which)
    if old:
        t.mem.write(old, _tv(prev[1]) + _tv(prev[0]))
    return 0


def _tv(sec):
    s = int(sec)
    return struct.pack("<qq", s, int(round((sec - s) * 1e6)))


@syscall(36, "getitimer")
def sys_getitimer(t, which: Int, cur: Out[Ptr]):
    """Implements getitimer(2)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    value, interval = t.host.getitimer(which)
    t.mem.write(cur, _tv(interval) + _tv(value))
    return 0
