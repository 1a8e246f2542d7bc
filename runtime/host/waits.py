"""The blocking-call bracket of the POSIX host: how a host call waits
without the CPU and how a guest signal interrupts it.

Owns: Waits — begin_block/end_block (the unikernel's block_hooks, see
api.Upcalls), the per-host-thread waker pipe, wait_ready() and
retry_until(). Every host call that can block is bracketed by
begin_block/end_block: the unikernel's hooks release the CPU to other guest
threads meanwhile. A blocking call never relies on a signal handler raising
out of it (CPython runs handlers right after a successful call too, so a
raise there would lose a read's data or a reaped child's status). Instead
it waits in select() on its fd and on this host thread's waker pipe; the
unikernel pokes the waker (wake) when a signal for the guest arrives, and
the call then raises upcalls.interrupt_exc at a point where nothing has
happened yet, if upcalls.should_interrupt() says so.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import errno as _host_errno
import fcntl
import os
import select
import sys
import threading
import time

from lxpack.abi import errno as E
from lxpack.runtime.host._common import high
from lxpack.runtime.host.api import LinuxError


_POLL_IN = getattr(select, "POLLIN", 1) | getattr(select, "POLLHUP", 16) | getattr(select, "POLLERR", 8)
_POLL_OUT = getattr(select, "POLLOUT", 4) | getattr(select, "POLLERR", 8)
_POLL_NVAL = getattr(select, "POLLNVAL", 32)


def _select(rl, wl, timeout):
    """select()'s (readable, writable) for fds that may be at or above
    FD_SETSIZE (the runtime's range on Linux): poll() where it serves every
    kind of fd (not macOS: no ttys there; its range is below FD_SETSIZE)."""
    if sys.platform == "darwin" or not hasattr(select, "poll"):
        rr, ww, _x = select.select(rl, wl, [], timeout)
        return rr, ww
    p = select.poll()
    for fd in rl:
        p.register(fd, select.POLLIN)
    for fd in wl:
        p.register(fd, select.POLLOUT | (select.POLLIN if fd in rl else 0))
    rr, ww = [], []
    for fd, ev in p.poll(None if timeout is None else int(timeout * 1000 + 0.999)):
        if ev & _POLL_NVAL:
            raise OSError(_host_errno.EBADF, "poll")
        if fd in rl and ev & _POLL_IN:
            rr.append(fd)
        if fd in wl and ev & _POLL_OUT:
            ww.append(fd)
    return rr, ww


class Waits(object):
    """Blocking waits of one host process; upcalls: its api.Upcalls."""

    def __init__(self, upcalls):
        self._up = upcalls
        self._tls = threading.local()   # per host thread: its waker pipe

    def begin_block(self, release=True):
        hooks = self._up.block_hooks
        if release and hooks is not None:
            hooks[0]()

    def end_block(self, release=True):
        hooks = self._up.block_hooks
        if release and hooks is not None:
            hooks[1]()

    def waker(self):
        """This host thread's waker pipe (read end, write end), made on first use."""
        tls = self._tls
        w = getattr(tls, "waker", None)
        if w is None:
            r, wr = os.pipe()
            r, wr = high(r), high(wr)
            os.set_blocking(r, False)
            os.set_blocking(wr, False)
            w = tls.waker = (r, wr)
        return w

    def drop_waker(self):
        """After fork: the parent's waker pipe is shared, close this copy
        (the child makes its own on first use)."""
        w = getattr(self._tls, "waker", None)
        self._tls.waker = None
        for fd in w or ():
            try:
                os.close(fd)
            except OSError:
                pass

    @staticmethod
    def wake(waker):
        """Poke a thread blocked in wait_ready (safe from signal handlers)."""
        try:
            os.write(waker[1], b"!")
        except OSError:
            pass

    def check_interrupt(self):
        """Raise the unikernel's interruption if a signal must end this call."""
        up = self._up
        if up.should_interrupt is not None and up.should_interrupt():
            raise up.interrupt_exc()

    def wait_ready(self, fd=None, write=False, timeout=None):
        """Wait until fd is readable (writable), the timeout passes (returns
        False) or a signal must interrupt the call (raises interrupt_exc)."""
        r, _w = self.waker()
        deadline = None if timeout is None else time.monotonic() + timeout
        first = fd is not None
        while True:
            self.check_interrupt()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if first:
                left = 0.0           # a first look, so that a wrong-way fd fails instead of blocking
            rl = [r] if (fd is None or write) else [r, fd]
            wl = [fd] if (fd is not None and write) else []
            try:
                rr, ww = _select(rl, wl, left)
            except (OSError, ValueError) as e:
                if isinstance(e, OSError) and e.errno == _host_errno.EINTR:
                    continue
                return True          # let the real call report the error
            if r in rr:
                try:
                    while os.read(r, 64):
                        pass
                except OSError:
                    pass
                if fd is None:
                    # A pure wait (retry_until's wait4/waitid/lock polls):
                    # the poke may mean the awaited event (SIGCHLD), so let
                    # the caller try again now rather than at the next poll.
                    self.check_interrupt()
                    return False
                continue             # re-check the interrupt condition
            if rr or ww:
                return True
            if first:
                first = False
                # A pipe's read end never becomes writable (nor its write end
                # readable): the call itself must fail with EBADF now.
                try:
                    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
                except OSError:
                    return True
                if fl & os.O_ACCMODE == (os.O_RDONLY if write else os.O_WRONLY):
                    raise LinuxError(E.EBADF)
                if fl & os.O_NONBLOCK:
                    return True      # the call itself says EAGAIN
                continue
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def retry_until(self, attempt, poll=0.01):
        """Blocking by polling a non-blocking attempt (locks, waits): returns
        attempt()'s first non-None result; interruptible between attempts."""
        self.begin_block()
        try:
            while True:
                r = attempt()
                if r is not None:
                    return r
                self.wait_ready(None, timeout=poll)
        finally:
            self.end_block()
