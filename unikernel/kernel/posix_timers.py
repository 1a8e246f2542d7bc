"""POSIX per-process timers (timer_create & co.), served by the unikernel:
macOS has no timer_create, and one host interval timer could not serve many
timers on different clocks and signals anyway.

Owns: PosixTimer (clock, notification, next expiry, interval, overrun
count), TimerTable (a process's timers, ids from 0 never reused, and the one
host thread that sleeps until the nearest expiry and posts the signal), and
TimerSigInfo (the siginfo of a timer's signal, which reports the overrun
count when it is dequeued, as Linux's preallocated sigqueue does).

Semantics as Linux (kernel/time/posix-timers.c): while a timer's signal is
still pending, further expirations only count as overruns; as in Linux
(posixtimer_rearm), they are counted from the clock when the signal is
taken, so the thread does not wake while the signal waits, and a late
thread never loses overruns. The count goes into si_overrun and
timer_getoverrun then reports it. Where the guest looks at its pending
signals (unblocking one, sigpending, sigtimedwait, signalfd...), the
caller first fires the timers that are due (expire_due): a busy host may
run the thread late, but what the guest sees never depends on it.
Timers are not inherited by fork and are deleted by execve.
Differences: CPU-time clocks (process and thread) both follow the host
process's CPU time and are checked every 10 ms at most; a change of the
realtime clock is seen at the next check (at most 1 s later).
Who may import this: unikernel/syscall/time.py.
Travels inside bundles: Python 3.9.
"""
import struct
import threading

from lxpack.abi.signal import pack_siginfo_timer
from lxpack.abi.time import (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, SIGEV_NONE,
                             SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID)  # noqa: F401  (PT.SIGEV_*)


CPU_CLOCKS = (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID)
MONOTONIC = CLOCK_MONOTONIC
CPU_POLL_NS = 10_000_000      # CPU-time timers: how often the thread looks
REALTIME_RECHECK_NS = 1_000_000_000
INT_MAX = 0x7FFFFFFF


class TimerSigInfo(bytes):
    """A timer's siginfo; `timer` is told when the signal leaves the pending
    set (taken: the overrun count is filled in; discarded)."""

    def taken(self):
        n = self.table.dequeued(self.timer)
        return bytes(self[:20]) + struct.pack("<i", min(n, INT_MAX)) + bytes(self[24:])   # si_overrun

    def dropped(self):
        if not self.stale():
            self.table.dequeued(self.timer)

    def stale(self):
        """Posted before its timer was re-armed, disarmed or deleted."""
        return self.seq != self.timer.seq


class PosixTimer(object):
    __slots__ = ("id", "clock", "notify", "signo", "value", "tid", "next", "interval",
                 "queued", "overrun", "overrun_last", "seq")

    def __init__(self, timer_id, clock, notify, signo, value, tid):
        self.id = timer_id
        self.clock = clock
        self.notify = notify
        self.signo = signo
        self.value = value
        self.tid = tid                # SIGEV_THREAD_ID target, else None
        self.next = None              # next expiry on self.clock (ns); None: disarmed
        self.interval = 0
        self.queued = False           # its signal sits in a pending set
        self.overrun = 0              # expirations while it was queued
        self.overrun_last = 0         # what timer_getoverrun reports
        self.seq = 0                  # bumped when its pending signal is dropped

    def dequeued(self):
        n = self.overrun
        self.overrun_last = n
        self.overrun = 0
        self.queued = False
        return n


class TimerTable(object):
    """The timers of one process and the host thread that fires them."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.timers = {}
        self.next_id = 0
        self.cond = threading.Condition()
        self.thread = None
        self.due = []                 # signals to post once the lock is released
        self.sigbits = 0              # signals of the armed timers (bit(sig)): they may turn pending any time

    # -- the calls --------------------------------------------------------------
    def allocate_id(self):
        with self.cond:
            self.next_id += 1
            return self.next_id - 1

    def add(self, tm):
        with self.cond:
            self.timers[tm.id] = tm

    def get(self, timer_id):
        return self.timers.get(timer_id)

    def delete(self, tm):
        with self.cond:
            self.timers.pop(tm.id, None)
            tm.next = None
            self._drop_signal(tm)
            self._update_sigbits()
            self.cond.notify()

    def _drop_signal(self, tm):
        """Re-arming, disarming or deleting a timer drops its signal if it
        is still pending (Linux 6.x)."""
        tm.seq += 1                   # a signal being posted right now is stale (TimerSigInfo.stale)
        self.due = [d for d in self.due if d[1].timer is not tm]
        if tm.queued:
            self.kernel.drop_signals_where(lambda info: getattr(info, "timer", None) is tm)
            tm.dequeued()
            tm.overrun_last = 0

    def settime(self, tm, value_ns, interval_ns, absolute):
        """Arm or disarm tm; returns the old (remaining, interval)."""
        with self.cond:
            old = self._remaining(tm)
            self._drop_signal(tm)
            tm.interval = interval_ns if value_ns else 0
            if value_ns == 0:
                tm.next = None
            else:
                tm.next = value_ns if absolute else self._now(tm.clock) + value_ns
            self._update_sigbits()
            self._start()
            self.cond.notify()
        self._post_due()
        return old

    def dequeued(self, tm):
        """tm's signal left the pending set (taken or discarded): count the
        expirations since it was queued as overruns (the thread did not
        wake for them) and let the thread wait for the next one."""
        with self.cond:
            if tm.next is not None and tm.queued:
                self._expire(tm, self._now(tm.clock))
            n = tm.dequeued()
            self.cond.notify()
        return n

    def expire_due(self):
        """From a guest thread about to look at its pending signals: fire
        the timers that are due now, whenever the thread gets to run."""
        with self.cond:
            for tm in self.timers.values():
                if tm.next is not None and not tm.queued and tm.notify != SIGEV_NONE:
                    self._expire(tm, self._now(tm.clock))
        self._post_due(kick=False)

    def _update_sigbits(self):
        bits = 0
        for tm in self.timers.values():
            if tm.next is not None and tm.notify != SIGEV_NONE:
                bits |= 1 << (tm.signo - 1)
        self.sigbits = bits

    def gettime(self, tm):
        with self.cond:
            res = self._remaining(tm)
        self._post_due()
        return res

    def _post_due(self, kick=True):
        """Post the signals that fell due, outside the lock: waking the
        guest may take a while (unicorn's kick), and a guest thread may be
        waiting for the lock in timer_settime meanwhile. A guest thread
        posting for itself (kick=False) looks at the inbox next."""
        with self.cond:
            due, self.due = self.due, []
        for sig, info, tid in due:
            self.kernel.post_async_signal(sig, info, tid, kick)

    def clear(self):
        """execve: the timers are gone (a fork child starts without any)."""
        with self.cond:
            for tm in self.timers.values():
                tm.next = None
                self._drop_signal(tm)
            self.timers.clear()
            self.sigbits = 0
            self.cond.notify()

    # -- time ---------------------------------------------------------------------
    def _now(self, clock):
        # This runs in the timer thread too, where a thread CPU clock would
        # be its own: both CPU-time clocks follow the process's.
        return self.kernel.host.clock_gettime_ns(CLOCK_PROCESS_CPUTIME_ID if clock in CPU_CLOCKS else clock)

    def _remaining(self, tm):
        if tm.next is None:
            return 0, tm.interval
        self._expire(tm, self._now(tm.clock))
        if tm.next is None:
            return 0, tm.interval
        return max(1, tm.next - self._now(tm.clock)), tm.interval

    def _expire(self, tm, now):
        """Count the expirations due by now; fire the notification."""
        if tm.next is None or now < tm.next:
            return
        if tm.interval:
            n = (now - tm.next) // tm.interval + 1
            tm.next += n * tm.interval
        else:
            n = 1
            tm.next = None
            self._update_sigbits()
        if tm.notify == SIGEV_NONE:
            return
        if tm.queued:
            tm.overrun += n
            return
        tm.queued = True
        tm.overrun += n - 1
        info = TimerSigInfo(pack_siginfo_timer(tm.signo, tm.id, 0, tm.value))
        info.timer = tm
        info.table = self
        info.seq = tm.seq
        self.due.append((tm.signo, info, tm.tid))

    # -- the thread ---------------------------------------------------------------
    def _start(self):
        if self.thread is None:
            self.thread = self.kernel.start_thread(self._run, (), "posix-timers")

    def _run(self):
        while True:
            self._post_due()
            with self.cond:
                wait = None
                for tm in list(self.timers.values()):
                    # Nothing to do until a pending signal is taken (its
                    # overruns are counted then) or for SIGEV_NONE (read
                    # from the clock by timer_gettime).
                    if tm.next is None or tm.queued or tm.notify == SIGEV_NONE:
                        continue
                    now = self._now(tm.clock)
                    self._expire(tm, now)
                    if tm.next is None:
                        continue
                    left = tm.next - now
                    if tm.clock in CPU_CLOCKS:
                        left = min(left, CPU_POLL_NS)
                    elif tm.clock != MONOTONIC:
                        left = min(left, REALTIME_RECHECK_NS)
                    wait = left if wait is None else min(wait, left)
                if not self.due:
                    self.cond.wait(None if wait is None else max(wait, 0) / 1e9)
