"""The real host: the hypercall interface (api.Host) implemented with POSIX
calls that exist on both macOS and Linux, as one flat facade over one
object per concern.

Owns: PosixHost, the object the unikernel calls (t.host.read(...)). Each
concern lives in its own module and is composed here by delegation:

  files.py        paths and metadata (open, stat, directories, links, modes)
  descriptors.py  fd I/O, dup, fd/status flags, pipes, locks, private fds
  processes.py    fork, host exec, wait, sessions, limits, host facts
  signals.py      kill, exit, dying by a signal; SignalBridge
  sockets.py      sockets (sockaddr.py: addresses), readiness.py: poll
  terminals.py    termios, window size, controlling tty, pseudo-terminals
  memory.py       host shared mappings (HostMapping)
  clocks.py       clocks, sleep, interval timers
  netif.py        the host's interfaces
  waits.py        the blocking-call bracket and per-thread wakers
  channels.py     message channels between lxpack processes (ptrace)
  session.py      the session's process registry, host process facts

PosixHost binds each protocol method (api.HOST_METHODS) of its concern
objects in a slot of the instance at construction, so a call costs about
what a method call on one class did (one lookup, no wrapper frame), and the
unikernel's call sites keep their names. Upcalls (api.Upcalls) are the
only way back up into the unikernel: boot passes one in, the unikernel fills
it in through host.upcalls.

Contract (api.py): Linux values in, Linux values out (translated by name in
xlat.py); guest fd N is host fd N; failures raise LinuxError.
Travels inside bundles: Python 3.9.
"""
import os

from lxpack.runtime.host import api
from lxpack.runtime.host.channels import Channels
from lxpack.runtime.host.clocks import Clocks
from lxpack.runtime.host.descriptors import Descriptors
from lxpack.runtime.host.files import Files
from lxpack.runtime.host.memory import Memory
from lxpack.runtime.host.netif import host_interfaces
from lxpack.runtime.host.processes import Processes
from lxpack.runtime.host.readiness import Readiness
from lxpack.runtime.host.session import Session
from lxpack.runtime.host.signals import SignalBridge, Signals  # noqa: F401  (SignalBridge: for boot)
from lxpack.runtime.host.sockets import Sockets
from lxpack.runtime.host.terminals import Terminals
from lxpack.runtime.host.waits import Waits


class PosixHost(object):
    """Host services for one Linux process (one host process).

    upcalls: the api.Upcalls the unikernel fills in (a fresh one if None).
    Every name of api.HOST_METHODS is a slot of the instance, holding the
    bound method of the concern object that implements it. Not a subclass
    of api.Host: a class attribute of the same name would make every call
    look through the class first (measured: +10 to +60 ns per call)."""

    __slots__ = api.HOST_METHODS + ("upcalls", "_clocks", "_processes")

    def __init__(self, upcalls=None):
        self.upcalls = upcalls if upcalls is not None else api.Upcalls()
        waits = Waits(self.upcalls)
        self._clocks = clocks = Clocks(waits, self.upcalls)
        self._processes = processes = Processes(waits, clocks)
        concerns = (Files(waits), Descriptors(waits), processes, Signals(), Sockets(waits), Readiness(waits),
                    Terminals(), Memory(), clocks, waits, Channels(waits), Session())
        for name in api.HOST_METHODS:
            fn = _IDENTITY.get(name)
            if fn is None:
                for c in concerns:
                    fn = getattr(c, name, None)
                    if fn is not None:
                        break
            if fn is None:
                raise TypeError("PosixHost: no concern implements %s" % name)
            setattr(self, name, fn)

    @property
    def real_timer_used(self):
        """alarm/ITIMER_REAL armed: a SIGALRM is then the timer's (SI_KERNEL)."""
        return self._clocks.real_timer_used


# Calls answered by the host C library with no translation: bound directly.
_IDENTITY = {"getpid": os.getpid, "getppid": os.getppid, "getuid": os.getuid, "geteuid": os.geteuid,
             "getgid": os.getgid, "getegid": os.getegid, "getgroups": os.getgroups,
             "interfaces": host_interfaces}
