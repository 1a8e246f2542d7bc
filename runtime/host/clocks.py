"""Time on the POSIX host: clocks, sleeping, and the process's interval
timers (alarm, setitimer).

Owns: Clocks. Linux clock ids cross by name through xlat (X); a hardware
backend's clock (api.Upcalls.clock_override, kvmclock) answers first so the
time syscalls served here agree with the in-VM vDSO. Sleeping waits through
waits.Waits, so a guest signal interrupts it.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import signal
import time

from lxpack.abi import errno as E
from lxpack.abi import time as TM
from lxpack.runtime.host._common import X, oserror_to_linux
from lxpack.runtime.host.api import LinuxError

# Linux ITIMER_* -> the host's, by name.
_clock_to_host = X.clock_to_host
_gettime_ns = time.clock_gettime_ns
_ITIMERS = {TM.ITIMER_REAL: signal.ITIMER_REAL, TM.ITIMER_VIRTUAL: signal.ITIMER_VIRTUAL,
            TM.ITIMER_PROF: signal.ITIMER_PROF}


class Clocks(object):
    """Clocks and timers; waits: waits.Waits, upcalls: api.Upcalls."""

    real_timer_used = False    # alarm/ITIMER_REAL armed: a SIGALRM is then the timer's (SI_KERNEL)

    def __init__(self, waits, upcalls):
        self._waits = waits
        self._up = upcalls

    def clock_gettime_ns(self, linux_clock):
        override = self._up.clock_override
        if override is not None:
            ns = override(linux_clock)
            if ns is not None:
                return ns
        c = _clock_to_host(linux_clock)
        if c is None:
            raise LinuxError(E.EINVAL)
        try:
            return _gettime_ns(c)
        except OSError as e:     # a clock the host names but does not offer (the _ALARM ones)
            raise oserror_to_linux(e)

    def clock_getres_ns(self, linux_clock):
        c = X.clock_to_host(linux_clock)
        if c is None:
            raise LinuxError(E.EINVAL)
        try:
            return int(time.clock_getres(c) * 1e9)
        except OSError as e:
            raise oserror_to_linux(e)

    def sleep_ns(self, ns):
        """Sleep; interrupt_exc may come out of it (then the caller computes what remains)."""
        w = self._waits
        w.begin_block()
        try:
            w.wait_ready(None, timeout=ns / 1e9)
        finally:
            w.end_block()

    def alarm(self, seconds):
        if seconds:
            self.real_timer_used = True
        return signal.alarm(seconds)

    def setitimer(self, which, value, interval):
        """Returns the previous (value, interval)."""
        if which == TM.ITIMER_REAL and (value or interval):
            self.real_timer_used = True
        return signal.setitimer(_ITIMERS[which], value, interval)

    def getitimer(self, which):
        return signal.getitimer(_ITIMERS[which])
