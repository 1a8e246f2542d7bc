"""Message channels between lxpack processes of one tree: what ptrace uses
to let a tracer's runtime talk to its tracees' runtimes.

Owns: Channels — channel_pair() (a connected pair of runtime-private
stream sockets, above the guest's descriptors, close-on-exec),
channel_send() (one framed message, with descriptors passed along),
channel_recv() (one whole message, blocking or just a look) and
channel_ready() (which of several channels have a message, interruptible).
A message is a 4-byte little-endian length and the bytes; descriptors
travel as SCM_RIGHTS with its first byte and arrive moved to the runtime's
range. The bytes are opaque here (the unikernel encodes them).
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import array
import errno as _host_errno
import os
import select
import socket
import struct

from lxpack.abi import errno as E
from lxpack.runtime.host._common import high, oserror_to_linux
from lxpack.runtime.host.api import RUNTIME_FD_BASE, LinuxError

_LEN = struct.Struct("<I")
_FD_SPACE = socket.CMSG_SPACE(4 * 16)


class Channels(object):
    """Channel operations; waits: waits.Waits (the interruptible wait)."""

    def __init__(self, waits):
        self._waits = waits

    def channel_pair(self):
        """(a, b): both ends of a new channel, runtime-private, close-on-exec."""
        try:
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError as e:
            raise oserror_to_linux(e)
        fa, fb = high(a.detach()), high(b.detach())
        if fa < RUNTIME_FD_BASE or fb < RUNTIME_FD_BASE:
            # The runtime's range is full: never hand the guest's range a channel.
            for f in (fa, fb):
                os.close(f)
            raise LinuxError(E.EMFILE)
        return fa, fb

    def channel_send(self, fd, data, fds=()):
        """Send one message (bytes) and descriptors; blocks until all is sent.
        EPIPE when the other end is gone."""
        s = socket.socket(fileno=fd)
        try:
            msg = _LEN.pack(len(data)) + data
            if fds:
                n = s.sendmsg([msg[:1]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
                msg = msg[n:]
            s.setblocking(True)
            s.sendall(msg)
        except OSError as e:
            if e.errno in (_host_errno.EPIPE, _host_errno.ECONNRESET):
                raise LinuxError(E.EPIPE)
            raise oserror_to_linux(e)
        finally:
            s.detach()

    def channel_recv(self, fd, block=True):
        """One message: (bytes, [fds]); None when block is False and none
        is waiting; EPIPE when the other end is gone (end of stream)."""
        if not block:
            try:
                r, _w, _x = select.select([fd], [], [], 0) if fd < 1024 else _poll_one(fd)
            except OSError as e:
                raise oserror_to_linux(e)
            if not r:
                return None
        s = socket.socket(fileno=fd)
        fds = []
        try:
            s.setblocking(True)
            head = b""
            while len(head) < _LEN.size:
                data, anc, _fl, _addr = s.recvmsg(_LEN.size - len(head), _FD_SPACE)
                if not data:
                    raise LinuxError(E.EPIPE)
                head += data
                for level, kind, cdata in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        got = array.array("i")
                        got.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                        fds.extend(high(f) for f in got)
            # (A descriptor that could not leave the guest's range is closed
            # by the receiver's unikernel: Tracer._take keeps only high ones.)
            (n,) = _LEN.unpack(head)
            body = b""
            while len(body) < n:
                chunk = s.recv(n - len(body))
                if not chunk:
                    raise LinuxError(E.EPIPE)
                body += chunk
            return body, fds
        except OSError as e:
            if e.errno == _host_errno.ECONNRESET:
                raise LinuxError(E.EPIPE)
            raise oserror_to_linux(e)
        finally:
            s.detach()

    def channel_ready(self, fds, timeout):
        """The channels of fds with a message (or closed), waiting up to
        timeout seconds (None: forever); a guest signal interrupts the wait
        (interrupt_exc), a waker poke ends it early (returns [])."""
        w = self._waits
        r, _w = w.waker()
        w.begin_block()
        try:
            w.check_interrupt()
            rl = [r] + list(fds)
            try:
                if any(f >= 1024 for f in rl) and hasattr(select, "poll"):
                    p = select.poll()
                    for f in rl:
                        p.register(f, select.POLLIN)
                    ready = [f for f, _ev in p.poll(None if timeout is None else int(timeout * 1000 + 0.999))]
                else:
                    ready = select.select(rl, [], [], timeout)[0]
            except InterruptedError:
                ready = []
            if r in ready:
                try:
                    while os.read(r, 64):
                        pass
                except OSError:
                    pass
                w.check_interrupt()
            return [f for f in ready if f != r]
        finally:
            w.end_block()


def _poll_one(fd):
    p = select.poll()
    p.register(fd, select.POLLIN)
    return [f for f, _ev in p.poll(0)], [], []
