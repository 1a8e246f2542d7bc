"""Linux x86-64 epoll ABI: EPOLL* events and flags, epoll_ctl ops, the packed
12-byte struct epoll_event.

Sources: linux/eventpoll.h, epoll_ctl(2), epoll_create(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

EPOLL_CLOEXEC = 0o2000000       # O_CLOEXEC

EPOLL_CTL_ADD = 1
EPOLL_CTL_DEL = 2
EPOLL_CTL_MOD = 3
EPOLL_CTL_OPS = _table(globals(), "EPOLL_CTL_ADD EPOLL_CTL_DEL EPOLL_CTL_MOD")

EPOLLIN = 0x00000001
EPOLLPRI = 0x00000002
EPOLLOUT = 0x00000004
EPOLLERR = 0x00000008
EPOLLHUP = 0x00000010
EPOLLNVAL = 0x00000020
EPOLLRDNORM = 0x00000040
EPOLLRDBAND = 0x00000080
EPOLLWRNORM = 0x00000100
EPOLLWRBAND = 0x00000200
EPOLLMSG = 0x00000400
EPOLLRDHUP = 0x00002000
EPOLL_URING_WAKE = 1 << 27
EPOLLEXCLUSIVE = 1 << 28
EPOLLWAKEUP = 1 << 29
EPOLLONESHOT = 1 << 30
EPOLLET = 1 << 31
EPOLL_EVENTS = _table(globals(), """EPOLLIN EPOLLPRI EPOLLOUT EPOLLERR EPOLLHUP EPOLLNVAL
    EPOLLRDNORM EPOLLRDBAND EPOLLWRNORM EPOLLWRBAND EPOLLMSG EPOLLRDHUP EPOLLEXCLUSIVE
    EPOLLWAKEUP EPOLLONESHOT EPOLLET""")
# input-only flags (not reported back in events)
EPOLL_INPUT_FLAGS = EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET

# struct epoll_event { u32 events; u64 data; } __attribute__((packed)) on x86-64: 12 bytes
EPOLL_EVENT = _struct.Struct("<IQ")


def pack_epoll_event(events, data):
    return EPOLL_EVENT.pack(events & 0xFFFFFFFF, data & 0xFFFFFFFFFFFFFFFF)


def unpack_epoll_event(buf, offset=0):
    """(events, data) from a packed struct epoll_event."""
    return EPOLL_EVENT.unpack_from(buf, offset)
