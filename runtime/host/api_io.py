"""The host calls on sockets, readiness and terminals.

Part of the Host protocol declared in api.py (which composes it): Linux
values in, Linux values out; every method is implemented by posix.PosixHost
and by the unit tests' fake host. Travels inside bundles: Python 3.9.
"""


class IoCalls(object):
    """Sockets (sockets.py), readiness (readiness.py), terminals and
    pseudo-terminals (terminals.py)."""

    # -- sockets (sockets.py); addresses are Linux struct sockaddr bytes ---------------------------
    def socket(self, domain, type_, protocol):
        """socket(2) with Linux domain/type(+SOCK_NONBLOCK|SOCK_CLOEXEC)/protocol."""
        raise NotImplementedError

    def socketpair(self, domain, type_, protocol):
        """socketpair(2) with Linux domain/type/protocol: (fd, fd). Only AF_UNIX."""
        raise NotImplementedError

    def bind(self, fd, addr):
        """bind(2) with Linux sockaddr bytes (abstract names emulated where the host has none)."""
        raise NotImplementedError

    def connect(self, fd, addr, blocking=True):
        """connect(2). blocking: the fd is a blocking socket (the wait may be long and
        interruptible)."""
        raise NotImplementedError

    def listen(self, fd, backlog):
        """listen(2) (backlog clamped to 0..4096)."""
        raise NotImplementedError

    def accept(self, fd, nonblock=False, cloexec=False, blocking=True):
        """accept4(2): (new fd, peer Linux sockaddr bytes). The new socket's O_NONBLOCK is set from
        `nonblock` only (BSDs inherit the listener's)."""
        raise NotImplementedError

    def getsockname(self, fd):
        """getsockname(2): Linux sockaddr bytes."""
        raise NotImplementedError

    def getpeername(self, fd):
        """getpeername(2): Linux sockaddr bytes."""
        raise NotImplementedError

    def socket_family(self, fd):
        """The Linux address family of a socket fd (ENOTSOCK otherwise)."""
        raise NotImplementedError

    def socket_type(self, fd):
        """The Linux SOCK_* type of a socket fd."""
        raise NotImplementedError

    def shutdown(self, fd, how):
        """shutdown(2) with Linux SHUT_*."""
        raise NotImplementedError

    def sendmsg(self, fd, buffers, addr=None, cmsgs=(), flags=0, blocking=True):
        """sendmsg(2): buffers (list of bytes), addr Linux sockaddr bytes or None, cmsgs [(level,
        type, data)] in Linux values, flags Linux MSG_* (MSG_NOSIGNAL is always given to the
        host when it has it: the caller raises SIGPIPE). Returns the byte count."""
        raise NotImplementedError

    def recvmsg(self, fd, size, ancsize=0, flags=0, blocking=True):
        """recvmsg(2): returns (n, data, cmsgs, msg_flags, addr): n is what the call returned (with
        MSG_TRUNC the real datagram length), data at most `size` bytes, cmsgs [(level, type,
        data)] in Linux values with received descriptors already installed (close-on-exec with
        MSG_CMSG_CLOEXEC), msg_flags Linux, addr Linux sockaddr bytes (b'' when none)."""
        raise NotImplementedError

    def send(self, fd, data, flags=0, blocking=True):
        """send(2): sendmsg with one buffer and no address."""
        raise NotImplementedError

    def setsockopt(self, fd, level, name, value):
        """setsockopt(2) with Linux level/name and the Linux value bytes. ENOPROTOOPT when the host
        has no such option."""
        raise NotImplementedError

    def getsockopt(self, fd, level, name, size):
        """getsockopt(2): the Linux value bytes (at most `size`, at least the option's natural size
        for the caller to cut)."""
        raise NotImplementedError

    def interfaces(self):
        """The host's network interfaces: [{index, name, flags (Linux IFF_*), mac, mtu, addrs:
        [(family 'inet'|'inet6', address bytes, prefix length, broadcast bytes or None,
        scope_id)]}]."""
        raise NotImplementedError

    # -- readiness (readiness.py) ------------------------------------------------------------------
    def poll(self, fds, timeout_ms):
        """Wait until one of [(fd, Linux POLL* events)] is ready or timeout_ms passes (-1: forever,
        0: just look): {fd: Linux revents}; interruptible (a waker poke ends it early)."""
        raise NotImplementedError

    def queued_bytes(self, fd):
        """(bytes waiting to be read, bytes not yet sent) on fd, each None where the host cannot
        tell (edge-triggered epoll fingerprints)."""
        raise NotImplementedError

    # -- terminals and pseudo-terminals (terminals.py) ---------------------------------------------
    def isatty(self, fd):
        """Whether fd is a terminal."""
        raise NotImplementedError

    def tcgetattr(self, fd):
        """abi.termios.Termios of a terminal (TCGETS)."""
        raise NotImplementedError

    def tcsetattr(self, fd, when, linux_termios):
        """TCSETS/TCSETSW/TCSETSF: when is Linux TCSANOW/TCSADRAIN/TCSAFLUSH."""
        raise NotImplementedError

    def get_winsize(self, fd):
        """TIOCGWINSZ: (rows, cols, xpixel, ypixel)."""
        raise NotImplementedError

    def set_winsize(self, fd, ws):
        """TIOCSWINSZ from (rows, cols, xpixel, ypixel)."""
        raise NotImplementedError

    def bytes_readable(self, fd):
        """FIONREAD: bytes waiting to be read."""
        raise NotImplementedError

    def tcgetpgrp(self, fd):
        """tcgetpgrp(3): the foreground process group."""
        raise NotImplementedError

    def tcsetpgrp(self, fd, pgrp):
        """tcsetpgrp(3)."""
        raise NotImplementedError

    def set_ctty(self, fd, steal):
        """TIOCSCTTY: make fd the controlling terminal (steal: take it from another session)."""
        raise NotImplementedError

    def release_ctty(self, fd):
        """TIOCNOTTY: give up the controlling terminal."""
        raise NotImplementedError

    def openpt(self, cloexec=False, nonblock=False):
        """A new host pseudo-terminal master (posix_openpt + grantpt), like opening Linux
        /dev/ptmx. Returns the fd."""
        raise NotImplementedError

    def ptsname(self, fd):
        """(N, host path) of a master's slave, N as Linux's TIOCGPTN gives it."""
        raise NotImplementedError

    def unlockpt(self, fd):
        """unlockpt(3) of a pseudo-terminal master."""
        raise NotImplementedError

    def pts_path(self, n):
        """The host path of Linux /dev/pts/N."""
        raise NotImplementedError
