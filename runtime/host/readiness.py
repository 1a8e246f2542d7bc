"""Readiness on the POSIX host: waiting until descriptors are ready, and
what is queued on them.

Owns: Readiness — poll() (select.poll, or select.select on macOS where
poll() does not support devices such as ttys) over host fds plus this
thread's waker pipe (waits.py), so a guest signal ends the wait; and
queued_bytes() for edge-triggered epoll fingerprints. Poll events cross by
name through xlat (X). Private to runtime/host (the facade is
posix.PosixHost). Python 3.9 compatible.
"""
import fcntl
import select
import socket
import struct

from lxpack.abi import poll as P
from lxpack.runtime.host._common import IS_LINUX, IS_MACOS, X
from lxpack.runtime.host.api import LinuxError
from lxpack.runtime.host.descriptors import Descriptors
from lxpack.runtime.host.sockaddr import Detached

_INT = struct.Struct("i")
_drain = Descriptors.drain_fd
_FIONREAD = X.host_ioctl("FIONREAD")
_TIOCOUTQ = X.host_ioctl("TIOCOUTQ")


class Readiness(object):
    """Readiness waits; waits: the process's waits.Waits."""

    def __init__(self, waits):
        self._waits = waits

    def poll(self, fds, timeout_ms):
        """Wait until one of [(fd, Linux POLL* events)] is ready or
        timeout_ms passes (-1: forever, 0: just look). Returns {fd: Linux
        revents} for the ready ones (an fd may appear twice: events OR'ed).
        A blocking wait also watches this thread's waker (waits.py): a poke
        ends it early with what is ready (possibly nothing), after raising
        the unikernel's interruption if a signal must interrupt the call."""
        want = {}
        for fd, ev in fds:
            want[fd] = want.get(fd, 0) | ev
        if timeout_ms == 0:
            return self._poll_once(want, 0)
        w = self._waits
        waker = w.waker()[0]
        w.begin_block()
        try:
            w.check_interrupt()
            res = self._poll_once(want, timeout_ms, waker)
            if waker in res:
                del res[waker]
                _drain(waker)
                w.check_interrupt()
            return res
        finally:
            w.end_block()

    def _poll_once(self, want, timeout_ms, extra=None):
        if IS_MACOS:
            return self._select_poll(want, timeout_ms, extra)
        p = select.poll()
        to_host = X.poll_events_to_host
        for fd, ev in want.items():
            p.register(fd, to_host(ev))
        if extra is not None:
            p.register(extra, select.POLLIN)
        res = p.poll(None if timeout_ms < 0 else timeout_ms)
        to_linux = X.poll_events_to_linux
        out = {}
        for fd, rev in res:
            if fd == extra and fd not in want:
                out[fd] = P.POLLIN
            else:
                out[fd] = to_linux(rev) & (want[fd] | P.POLL_ALWAYS)
        return out

    def _select_poll(self, want, timeout_ms, extra=None):
        """poll on macOS, whose poll() does not support devices (ttys):
        select() instead. POLLHUP shows as readable, as select reports it."""
        r = [fd for fd, ev in want.items() if ev & (P.POLLIN | P.POLLRDNORM | P.POLLRDHUP)]
        w = [fd for fd, ev in want.items() if ev & (P.POLLOUT | P.POLLWRNORM)]
        x = [fd for fd, ev in want.items() if ev & P.POLLPRI]
        bad = {}
        for fd in want:
            try:
                fcntl.fcntl(fd, fcntl.F_GETFD)
            except OSError:
                bad[fd] = P.POLLNVAL
        if bad:
            return bad
        if extra is not None:
            r.append(extra)
        rr, ww, xx = select.select(r, w, x, None if timeout_ms < 0 else timeout_ms / 1000.0)
        out = {}
        for fd in rr:
            out[fd] = out.get(fd, 0) | (want.get(fd, P.POLLIN) & (P.POLLIN | P.POLLRDNORM))
        for fd in ww:
            out[fd] = out.get(fd, 0) | (want[fd] & (P.POLLOUT | P.POLLWRNORM))
        for fd in xx:
            out[fd] = out.get(fd, 0) | P.POLLPRI
        return out

    def queued_bytes(self, fd):
        """(bytes waiting to be read, bytes not yet sent) on fd, each None
        where the host cannot tell (edge-triggered epoll fingerprints)."""
        inq = outq = None
        try:
            inq = _INT.unpack(fcntl.ioctl(fd, _FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            pass
        try:
            if IS_LINUX:
                outq = _INT.unpack(fcntl.ioctl(fd, _TIOCOUTQ, b"\0\0\0\0"))[0]
            elif X.host.get("SO_NWRITE"):
                with Detached(fd) as s:
                    outq = s.getsockopt(socket.SOL_SOCKET, X.host.get("SO_NWRITE"))
        except (OSError, LinuxError):
            pass
        return inq, outq
