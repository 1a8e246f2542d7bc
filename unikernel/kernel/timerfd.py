"""timerfd objects served by the unikernel (macOS has no timerfd): a timer
on a Linux clock whose expirations are counted lazily from the clock, so no
host timer or thread is needed; a wait sleeps until the next expiry.

Owns: TimerFd (a Pollable behind a reserved host fd).
Differences from Linux: TFD_TIMER_CANCEL_ON_SET is accepted and never
fires (ECANCELED is not reported); after fork the child has its own copy.
Who may import this: unikernel/syscall/poll.py. Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import poll as P
from lxpack.abi.time import CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, NSEC_PER_SEC
from lxpack.unikernel.errors import EAGAIN, EINVAL
from lxpack.unikernel.kernel.readiness import Pollable, wait_object

_U64 = struct.Struct("<Q")
NS = NSEC_PER_SEC
MONOTONIC = CLOCK_MONOTONIC
REALTIME_CLOCKS = (CLOCK_REALTIME, CLOCK_REALTIME_ALARM)


class TimerFd(Pollable):
    kind = "timerfd"
    link_name = b"anon_inode:[timerfd]"

    def __init__(self, clock):
        Pollable.__init__(self)
        self.clock = clock
        self.next = None          # next expiry, on self.clock, ns; None: disarmed
        self.interval = 0
        self.ticks = 0            # expirations not read yet
        self.total = 0

    def _now(self, t):
        return t.host.clock_gettime_ns(self.clock)

    def _update(self, t):
        if self.next is None:
            return
        now = self._now(t)
        if now < self.next:
            return
        if self.interval:
            n = (now - self.next) // self.interval + 1
            self.next += n * self.interval
        else:
            n = 1
            self.next = None
        self.ticks += n
        self.total += n

    def poll_mask(self, t):
        self._update(t)
        return P.POLLIN | P.POLLRDNORM if self.ticks else 0

    def generation(self, t):
        self._update(t)
        return self.total

    def deadline_ns(self, t):
        """The next expiry as CLOCK_MONOTONIC ns (what block() sleeps on)."""
        if self.next is None:
            return None
        if self.clock == MONOTONIC:
            return self.next
        mono = t.host.clock_gettime_ns(MONOTONIC)
        return mono + max(0, self.next - self._now(t))

    def settime(self, t, value_ns, interval_ns, absolute):
        """Arm (value_ns > 0) or disarm (0); returns the old (value, interval)."""
        old = self.gettime(t)
        self.ticks = 0
        self.interval = interval_ns
        if value_ns == 0:
            self.next = None
        elif absolute:
            self.next = value_ns
        else:
            self.next = self._now(t) + value_ns
        self.changed(t)
        return old

    def gettime(self, t):
        """(ns until the next expiry, interval ns); (0, interval) when disarmed."""
        self._update(t)
        if self.next is None:
            return 0, self.interval
        return max(1, self.next - self._now(t)), self.interval

    def set_ticks(self, t, n):
        self.ticks = n
        self.total += n
        self.changed(t)

    def read(self, t, n):
        if n < 8:
            raise EINVAL()

        def take():
            self._update(t)
            if not self.ticks:
                if self.nonblocking(t):
                    raise EAGAIN()
                return None
            v, self.ticks = self.ticks, 0
            return v
        return _U64.pack(wait_object(t, self, take))

    def write(self, t, data):
        raise EINVAL()
