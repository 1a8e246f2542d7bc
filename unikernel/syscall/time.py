"""Time calls: clock_gettime, clock_getres, gettimeofday, time,
nanosleep, clock_nanosleep, alarm, setitimer/getitimer, and the POSIX
timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
timer_delete).

Sleeps are host sleeps that a signal for a guest handler interrupts
(Interrupted -> EINTR with the remaining time, or a restart).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.time import (CLOCK_MONOTONIC, CLOCK_REALTIME, ITIMERSPEC, ITIMERVAL, NSEC_PER_SEC, TIMER_ABSTIME,
                             TIMESPEC, USEC_PER_SEC, pack_itimerspec, pack_timespec_ns, pack_timeval_ns,
                             pack_timeval_sec_rounded, unpack_itimerspec_valid, unpack_timespec_ns)
from lxpack.unikernel.errors import EINVAL, EOPNOTSUPP, Interrupted
from lxpack.unikernel.kernel import posix_timers as PT
from lxpack.unikernel.syscall.args import Int, Out, Ptr, UInt
from lxpack.unikernel.syscall.table import syscall


def _read_ts(t, addr):
    ns = unpack_timespec_ns(t.mem.read(addr, TIMESPEC.size))
    if ns is None:
        raise EINVAL()
    return ns


@syscall("clock_gettime")
def sys_clock_gettime(t, clock: Int, tp: Out[Ptr]):
    """Implements clock_gettime(2)."""
    t.mem.write(tp, pack_timespec_ns(t.host.clock_gettime_ns(clock)))
    return 0


@syscall("clock_getres")
def sys_clock_getres(t, clock: Int, res: Out[Ptr]):
    """Implements clock_getres(2)."""
    r = t.host.clock_getres_ns(clock)
    if res:
        t.mem.write(res, pack_timespec_ns(r))
    return 0


@syscall("gettimeofday")
def sys_gettimeofday(t, tv: Out[Ptr], tz: Out[Ptr]):
    """Implements gettimeofday(2) (timezone reported as UTC)."""
    if tv:
        t.mem.write(tv, pack_timeval_ns(t.host.clock_gettime_ns(CLOCK_REALTIME)))
    if tz:
        t.mem.write(tz, b"\0" * 8)
    return 0


@syscall("time")
def sys_time(t, tloc: Out[Ptr]):
    """Implements time(2)."""
    s = t.host.clock_gettime_ns(CLOCK_REALTIME) // NSEC_PER_SEC
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
                t.mem.write(rem_addr, pack_timespec_ns(max(0, deadline_ns - h.clock_gettime_ns(clock))))
            raise


@syscall("nanosleep", restartable="nohand")
def sys_nanosleep(t, req: Ptr, rem: Out[Ptr]):
    """Implements nanosleep(2)."""
    ns = _read_ts(t, req)
    return _sleep(t, CLOCK_MONOTONIC, t.host.clock_gettime_ns(CLOCK_MONOTONIC) + ns, rem)


@syscall("clock_nanosleep", restartable="nohand")
def sys_clock_nanosleep(t, clock: Int, flags: Int, req: Ptr, rem: Out[Ptr]):
    """Implements clock_nanosleep(2), relative and TIMER_ABSTIME."""
    if clock not in (0, 1, 7, 8, 9, 2):
        raise EINVAL()
    ns = _read_ts(t, req)
    if flags & TIMER_ABSTIME:
        return _sleep(t, clock, ns, 0)
    return _sleep(t, clock, t.host.clock_gettime_ns(clock) + ns, rem)


@syscall("alarm")
def sys_alarm(t, seconds: UInt):
    """Implements alarm(2) with the host's real-time timer (SIGALRM)."""
    return t.host.alarm(seconds)


@syscall("setitimer")
def sys_setitimer(t, which: Int, new: Ptr, old: Out[Ptr]):
    """Implements setitimer(2) (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF
    through the host process's timers)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    if new:
        is_, iu, vs, vu = ITIMERVAL.unpack(t.mem.read(new, ITIMERVAL.size))
        if not (0 <= iu < USEC_PER_SEC and 0 <= vu < USEC_PER_SEC):
            raise EINVAL()
        prev = t.host.setitimer(which, vs + vu / 1e6, is_ + iu / 1e6)
    else:
        prev = t.host.getitimer(which)
    if old:
        t.mem.write(old, pack_timeval_sec_rounded(prev[1]) + pack_timeval_sec_rounded(prev[0]))
    return 0


@syscall("getitimer")
def sys_getitimer(t, which: Int, cur: Out[Ptr]):
    """Implements getitimer(2)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    value, interval = t.host.getitimer(which)
    t.mem.write(cur, pack_timeval_sec_rounded(interval) + pack_timeval_sec_rounded(value))
    return 0


# -- POSIX per-process timers (the mechanics: kernel/posix_timers.py) ----------------
TIMER_CLOCKS = (0, 1, 2, 3, 7, 11)     # REALTIME MONOTONIC PROCESS/THREAD_CPUTIME BOOTTIME TAI
NO_TIMER_CLOCKS = (4, 5, 6)            # MONOTONIC_RAW, REALTIME_COARSE, MONOTONIC_COARSE: EOPNOTSUPP
ALARM_CLOCKS = (8, 9)                  # *_ALARM: EOPNOTSUPP once an id is used (no wake-up RTC)


def _cpu_clock(t, clock):
    """A CPU-time clock id as libc builds them (pid or tid in the high bits,
    ~pid << 3 | per-thread 4 | sched 2; pid 0 is the caller): 2 or 3."""
    pid = ~(clock >> 3)
    if clock & 3 == 3:
        raise EOPNOTSUPP()
    if clock & 4:
        if pid not in (0, t.tid):
            raise EINVAL()
        return 3
    if pid not in (0, t.process.pid):
        raise EINVAL()
    return 2


def _timer(t, timer_id):
    table = t.kernel.timers
    tm = table.get(timer_id) if table is not None else None
    if tm is None:
        raise EINVAL()
    return table, tm


def _read_itimerspec(t, addr):
    """(value ns, interval ns) from a struct itimerspec (interval first)."""
    times = unpack_itimerspec_valid(t.mem.read(addr, ITIMERSPEC.size))
    if times is None:
        raise EINVAL()
    return times[1], times[0]


def _itimerspec(value, interval):
    return pack_itimerspec(interval, value)


@syscall("timer_create")
def sys_timer_create(t, clock: Int, sevp: Ptr, timerid: Out[Ptr]):
    """Implements timer_create(2): SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID
    (glibc builds SIGEV_THREAD on it); NULL sevp is SIGALRM with the id.
    Checks in Linux's order, which decides whether a failure uses up an id
    (ids are never reused)."""
    if clock < 0:
        clock = _cpu_clock(t, clock)
    if clock in NO_TIMER_CLOCKS:
        raise EOPNOTSUPP()
    if clock not in TIMER_CLOCKS + ALARM_CLOCKS:
        raise EINVAL()
    event = struct.unpack("<QiiI", t.mem.read(sevp, 20)) if sevp else None
    k = t.kernel
    if k.timers is None:
        k.timers = PT.TimerTable(k)
    timer_id = k.timers.allocate_id()
    if event is not None:
        value, signo, notify, tid = event
        target = None
        if notify == PT.SIGEV_THREAD_ID:
            if tid not in t.process.tasks:
                raise EINVAL()
            target = tid
        elif notify not in (PT.SIGEV_SIGNAL, PT.SIGEV_NONE, PT.SIGEV_THREAD):
            raise EINVAL()
        if notify != PT.SIGEV_NONE and not 1 <= signo <= 64:
            raise EINVAL()
    else:
        value, signo, notify, target = timer_id, 14, PT.SIGEV_SIGNAL, None     # SIGALRM
    t.mem.write_i32(timerid, timer_id)
    if clock in ALARM_CLOCKS:
        raise EOPNOTSUPP()
    k.timers.add(PT.PosixTimer(timer_id, clock, notify, signo, value, target))
    return 0


@syscall("timer_settime")
def sys_timer_settime(t, timer_id: Int, flags: Int, new: Ptr, old: Out[Ptr]):
    """Implements timer_settime(2) (TIMER_ABSTIME, periodic, disarm)."""
    table, tm = _timer(t, timer_id)
    if not new:
        raise EINVAL()
    value, interval = _read_itimerspec(t, new)
    prev = table.settime(tm, value, interval, bool(flags & TIMER_ABSTIME))
    if old:
        t.mem.write(old, _itimerspec(*prev))
    return 0


@syscall("timer_gettime")
def sys_timer_gettime(t, timer_id: Int, cur: Out[Ptr]):
    """Implements timer_gettime(2): time to the next expiry and the interval."""
    table, tm = _timer(t, timer_id)
    t.mem.write(cur, _itimerspec(*table.gettime(tm)))
    return 0


@syscall("timer_getoverrun")
def sys_timer_getoverrun(t, timer_id: Int):
    """Implements timer_getoverrun(2): the overrun count of the last signal taken."""
    _, tm = _timer(t, timer_id)
    return min(tm.overrun_last, PT.INT_MAX)


@syscall("timer_delete")
def sys_timer_delete(t, timer_id: Int):
    """Implements timer_delete(2)."""
    table, tm = _timer(t, timer_id)
    table.delete(tm)
    return 0
