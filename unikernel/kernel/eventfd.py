"""eventfd objects: a 64-bit counter served by the unikernel (macOS has no
eventfd), with semaphore mode.

Owns: EventFd (a Pollable behind a reserved host fd). A read blocks while
the counter is 0 and a write while it would overflow, unless the open file
is O_NONBLOCK; both wake the other side through Pollable.changed().
Differences from Linux: the counter lives in one process; after fork the
child has its own copy (Linux shares it).
Who may import this: unikernel/syscall/poll.py. Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import poll as P
from lxpack.abi.eventfd import EVENTFD_MAX
from lxpack.unikernel.errors import EAGAIN, EINVAL
from lxpack.unikernel.kernel.readiness import Pollable, wait_object

_U64 = struct.Struct("<Q")


class EventFd(Pollable):
    kind = "eventfd"
    link_name = b"anon_inode:[eventfd]"

    def __init__(self, initval, semaphore):
        Pollable.__init__(self)
        self.count = initval
        self.semaphore = semaphore

    def poll_mask(self, t):
        m = 0
        if self.count > 0:
            m |= P.POLLIN | P.POLLRDNORM
        if self.count < EVENTFD_MAX:
            m |= P.POLLOUT | P.POLLWRNORM
        return m

    def read(self, t, n):
        if n < 8:
            raise EINVAL()

        def take():
            if self.count == 0:
                if self.nonblocking(t):
                    raise EAGAIN()
                return None
            v = 1 if self.semaphore else self.count
            self.count -= v
            return v
        v = wait_object(t, self, take)
        self.changed(t)
        return _U64.pack(v)

    def write(self, t, data):
        if len(data) < 8:
            raise EINVAL()
        (v,) = _U64.unpack_from(data)
        if v == 0xFFFFFFFFFFFFFFFF:
            raise EINVAL()

        def add():
            if self.count + v > EVENTFD_MAX:
                if self.nonblocking(t):
                    raise EAGAIN()
                return None
            self.count += v
            return 8
        n = wait_object(t, self, add)
        if v:
            self.changed(t)
        return n

    def fdinfo(self):
        return b"eventfd-count: %16x\n" % self.count
