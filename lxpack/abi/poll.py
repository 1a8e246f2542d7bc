"""Linux x86-64 poll(2)/select(2) ABI: POLL* event bits, struct pollfd and
fd_set helpers.

Sources: asm-generic/poll.h, linux/posix_types.h (FD_SETSIZE), poll(2),
select(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

POLLIN = 0x0001
POLLPRI = 0x0002
POLLOUT = 0x0004
POLLERR = 0x0008
POLLHUP = 0x0010
POLLNVAL = 0x0020
POLLRDNORM = 0x0040
POLLRDBAND = 0x0080
POLLWRNORM = 0x0100
POLLWRBAND = 0x0200
POLLMSG = 0x0400
POLLREMOVE = 0x1000
POLLRDHUP = 0x2000
POLL_EVENTS = _table(globals(), """POLLIN POLLPRI POLLOUT POLLERR POLLHUP POLLNVAL POLLRDNORM
    POLLRDBAND POLLWRNORM POLLWRBAND POLLMSG POLLRDHUP""")
# revents bits reported even when not requested
POLL_ALWAYS = POLLERR | POLLHUP | POLLNVAL

# struct pollfd { int fd; short events; short revents; }   8 bytes
POLLFD = _struct.Struct("<ihh")

FD_SETSIZE = 1024
NFDBITS = 64


def fdset_fds(data, nfds):
    """Descriptors < nfds whose bit is set in an fd_set buffer (u64 words)."""
    b = bytearray(data)
    return [fd for fd in range(min(nfds, len(b) * 8)) if b[fd >> 3] >> (fd & 7) & 1]


def fdset_bytes(fds, nfds):
    """An fd_set buffer covering *nfds* descriptors (rounded up to whole u64
    words, as the kernel copies) with *fds* set."""
    size = ((nfds + NFDBITS - 1) // NFDBITS) * 8
    b = bytearray(size)
    for fd in fds:
        if 0 <= fd < size * 8:
            b[fd >> 3] |= 1 << (fd & 7)
    return bytes(b)
