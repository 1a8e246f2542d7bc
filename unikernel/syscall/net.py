"""Sockets: socket, socketpair, bind, listen, accept, accept4, connect,
getsockname, getpeername, shutdown, sendto, recvfrom, sendmsg, recvmsg,
sendmmsg, recvmmsg, setsockopt, getsockopt.

A guest socket is a host socket (guest fd N is host fd N): these handlers
copy Linux structures in and out of guest memory (sockaddr with its length
rules, msghdr/mmsghdr, iovecs, cmsgs with SCM_RIGHTS and SCM_CREDENTIALS)
and call the host layer with Linux values (runtime/host/sockets.py
translates by name). AF_NETLINK sockets are served by the unikernel
(kernel/netlink.py).

SIGPIPE: the host is always asked not to raise it; a send that fails with
EPIPE without MSG_NOSIGNAL queues SIGPIPE to the caller here, as Linux does.
Errors from the host are plain LinuxError carrying .errno (not the
per-errno subclasses): handlers compare e.errno.
Edge-triggered epoll items of a socket are re-armed by every call here that
moves data or accepts (kernel/epoll.touch).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import epoll as EP
from lxpack.abi import socket as SK
from lxpack.abi.netlink import (ARPHRD_ETHER, ARPHRD_LOOPBACK, IFNAMSIZ, IFREQ_SIZE, SIOCATMARK, SIOCGIFADDR,
                                SIOCGIFBRDADDR, SIOCGIFCONF, SIOCGIFDSTADDR, SIOCGIFFLAGS, SIOCGIFHWADDR,
                                SIOCGIFINDEX, SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFNAME, SIOCGIFNETMASK,
                                SIOCGIFTXQLEN)
from lxpack.abi.socket import UIO_MAXIOV
from lxpack.abi.time import CLOCK_MONOTONIC, TIMESPEC, pack_timespec_ns, unpack_timespec_ns
from lxpack.unikernel.errors import (EADDRNOTAVAIL, EAFNOSUPPORT, EFAULT, EINVAL, ENODEV, ENOPROTOOPT,
                                     ENOTSOCK, EOPNOTSUPP, EPERM, EPIPE, EPROTONOSUPPORT, ESOCKTNOSUPPORT,
                                     LinuxError)
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.epoll import touch
from lxpack.unikernel.kernel.netlink import NetlinkSocket
from lxpack.unikernel.syscall.args import Hex, Int, Out, Ptr, Size, UInt, require_fd
from lxpack.unikernel.syscall.table import syscall

IO_MAX = 16 << 20            # bytes moved by one call, at most
RECV_MAX = 4 << 20           # buffer offered to the host per receive (stream: a short read is fine)
SOCKADDR_MAX = 128           # sizeof(struct sockaddr_storage)
SOCK_FLAGS = SK.SOCK_NONBLOCK | SK.SOCK_CLOEXEC
_I32 = struct.Struct("<i")
_IN = EP.EPOLLIN | EP.EPOLLRDNORM
_OUT = EP.EPOLLOUT | EP.EPOLLWRNORM

# setsockopt of these succeeds without effect where the host has no such
# option: tuning hints whose absence cannot change a correct program's result.
HARMLESS = {
    SK.SOL_SOCKET: {SK.SO_PRIORITY, SK.SO_MARK, SK.SO_PASSCRED, SK.SO_PASSSEC, SK.SO_BUSY_POLL,
                    SK.SO_INCOMING_CPU, SK.SO_ZEROCOPY, SK.SO_TIMESTAMP, SK.SO_TIMESTAMPNS,
                    SK.SO_LOCK_FILTER, SK.SO_SELECT_ERR_QUEUE, SK.SO_NO_CHECK, SK.SO_BSDCOMPAT,
                    SK.SO_RCVLOWAT, SK.SO_SNDLOWAT},
    SK.IPPROTO_TCP: {SK.TCP_QUICKACK, SK.TCP_DEFER_ACCEPT, SK.TCP_CONGESTION, SK.TCP_USER_TIMEOUT,
                     SK.TCP_THIN_LINEAR_TIMEOUTS, SK.TCP_THIN_DUPACK, SK.TCP_NOTSENT_LOWAT,
                     SK.TCP_SYNCNT, SK.TCP_LINGER2, SK.TCP_WINDOW_CLAMP, SK.TCP_CORK, SK.TCP_FASTOPEN,
                     SK.TCP_FASTOPEN_CONNECT, SK.TCP_KEEPCNT, SK.TCP_KEEPINTVL, SK.TCP_KEEPIDLE},
    SK.IPPROTO_IP: {SK.IP_RECVERR, SK.IP_MTU_DISCOVER, SK.IP_FREEBIND, SK.IP_BIND_ADDRESS_NO_PORT,
                    SK.IP_TRANSPARENT, SK.IP_NODEFRAG, SK.IP_PASSSEC, SK.IP_MULTICAST_ALL,
                    SK.IP_RECVERR_RFC4884},
    SK.IPPROTO_IPV6: {SK.IPV6_RECVERR, SK.IPV6_MTU_DISCOVER, SK.IPV6_FREEBIND, SK.IPV6_TRANSPARENT,
                      SK.IPV6_AUTOFLOWLABEL, SK.IPV6_RECVERR_RFC4884},
}
FORCE_TO = {SK.SO_RCVBUFFORCE: SK.SO_RCVBUF, SK.SO_SNDBUFFORCE: SK.SO_SNDBUF}


# ---- helpers ---------------------------------------------------------------------------------

def _emulated(t, fd):
    """The NetlinkSocket at fd, None for a host fd; ENOTSOCK for other emulated objects."""
    o = t.files.emulated.get(fd)
    if o is None:
        return None
    if isinstance(o, NetlinkSocket):
        return o
    raise ENOTSOCK()


def _blocking(t, fd, flags=0):
    """Whether a socket call on fd may block (and so must let other guest
    threads run and be interruptible)."""
    if flags & SK.MSG_DONTWAIT:
        return False
    if t.kernel.sched is None:
        return True
    return not t.host.is_nonblocking(fd)


def _sigpipe(t, flags):
    if not flags & SK.MSG_NOSIGNAL:
        t.signals.queue(13, S.siginfo(13, S.SI_USER, pid=t.process.pid, uid=t.host.getuid()))
        t.wants_stop = True


def read_sockaddr(t, ptr, alen):
    if alen < 0 or alen > SOCKADDR_MAX:
        raise EINVAL()
    if alen == 0:
        return b""
    if not ptr:
        raise EFAULT()
    data = t.mem.read(ptr, alen)
    if len(data) >= 2 and struct.unpack_from("<H", data)[0] == SK.AF_UNIX:
        data = _vfs_unix_path(t, data)
    return data


def _vfs_unix_path(t, data):
    """A bundle's root may overlay the socket's directory."""
    vfs = t.kernel.vfs
    if not getattr(vfs, "root", None):
        return data
    fam, path = SK.unpack_sockaddr(data)
    if not path.startswith(b"/"):
        return data
    return SK.pack_sockaddr_un(vfs.host_path(path))


def write_sockaddr(t, ptr, lenptr, data):
    """Linux's move_addr_to_user: copy at most *lenptr bytes, store the real length."""
    if not ptr or not lenptr:
        return
    size = _I32.unpack(t.mem.read(lenptr, 4))[0]
    if size < 0:
        raise EINVAL()
    if size and data:
        t.mem.write(ptr, data[:size])
    t.mem.write(lenptr, _I32.pack(len(data)))


def _iovecs(t, iov, n):
    if n > UIO_MAXIOV:
        raise EINVAL()
    if n == 0:
        return []
    vals = struct.unpack("<%dQ" % (2 * n), t.mem.read(iov, 16 * n))
    out = []
    for i in range(n):
        ln = vals[2 * i + 1]
        if ln > 0x7FFFFFFFFFFFFFFF:
            raise EINVAL()
        out.append((vals[2 * i], ln))
    return out


def _gather(t, vecs):
    parts, total = [], 0
    for base, ln in vecs:
        ln = min(ln, IO_MAX - total)
        if ln:
            parts.append(t.mem.read(base, ln))
            total += ln
    return b"".join(parts)


def _scatter(t, vecs, data):
    off = 0
    for base, ln in vecs:
        if off >= len(data):
            break
        chunk = data[off:off + ln]
        t.mem.write(base, chunk)
        off += len(chunk)


# ---- creation ----------------------------------------------------------------------------------

@syscall("socket")
def sys_socket(t, domain: Int, type_: Hex, protocol: Int):
    """Implements socket(2): AF_UNIX, AF_INET, AF_INET6 on the host; AF_NETLINK
    served by the unikernel."""
    if type_ & ~(SK.SOCK_TYPE_MASK | SOCK_FLAGS):
        raise EINVAL()
    if domain == SK.AF_NETLINK:
        base = type_ & SK.SOCK_TYPE_MASK
        if base not in (SK.SOCK_RAW, SK.SOCK_DGRAM):
            raise ESOCKTNOSUPPORT()
        if protocol not in (SK.NETLINK_ROUTE, SK.NETLINK_KOBJECT_UEVENT):
            raise EPROTONOSUPPORT()
        fd = t.host.emulated_fd(cloexec=bool(type_ & SK.SOCK_CLOEXEC), nonblock=bool(type_ & SK.SOCK_NONBLOCK))
        obj = NetlinkSocket(t, base, protocol)
        obj.fd = fd
        t.files.install(fd, obj)
        return fd
    if domain not in (SK.AF_UNIX, SK.AF_INET, SK.AF_INET6):
        raise EAFNOSUPPORT()
    return t.host.socket(domain, type_, protocol)


@syscall("socketpair")
def sys_socketpair(t, domain: Int, type_: Hex, protocol: Int, sv: Out[Ptr]):
    """Implements socketpair(2) (AF_UNIX)."""
    if type_ & ~(SK.SOCK_TYPE_MASK | SOCK_FLAGS):
        raise EINVAL()
    a, b = t.host.socketpair(domain, type_, protocol)
    try:
        t.mem.write(sv, struct.pack("<ii", a, b))
    except EFAULT:
        t.host.close(a)
        t.host.close(b)
        raise
    return 0


# ---- addresses and connections --------------------------------------------------------------------

@syscall("bind")
def sys_bind(t, fd: Int, addr: Ptr, alen: Int):
    """Implements bind(2)."""
    data = read_sockaddr(t, addr, alen)
    nl = _emulated(t, fd)
    if nl is not None:
        nl.bind(t, data)
        return 0
    if len(data) < 2:
        raise EINVAL()
    t.host.bind(fd, data)
    return 0


@syscall("listen")
def sys_listen(t, fd: Int, backlog: Int):
    """Implements listen(2)."""
    if _emulated(t, fd) is not None:
        raise EOPNOTSUPP()
    t.host.listen(fd, backlog)
    return 0


@syscall("connect")
def sys_connect(t, fd: Int, addr: Ptr, alen: Int):
    """Implements connect(2), including a non-blocking connect (EINPROGRESS,
    then SO_ERROR) and AF_UNSPEC to dissolve a datagram association."""
    data = read_sockaddr(t, addr, alen)
    nl = _emulated(t, fd)
    if nl is not None:
        nl.sockname(t)
        return 0
    if len(data) < 2:
        raise EINVAL()
    t.host.connect(fd, data, _blocking(t, fd))
    return 0


def _accept(t, fd, addr, alen, flags):
    if flags & ~SOCK_FLAGS:
        raise EINVAL()
    if _emulated(t, fd) is not None:
        raise EOPNOTSUPP()
    try:
        nfd, peer = t.host.accept(fd, nonblock=bool(flags & SK.SOCK_NONBLOCK),
                                  cloexec=bool(flags & SK.SOCK_CLOEXEC), blocking=_blocking(t, fd))
    finally:
        touch(t, fd, _IN)
    try:
        write_sockaddr(t, addr, alen, peer)
    except LinuxError:
        t.host.close(nfd)
        raise
    return nfd


@syscall("accept")
def sys_accept(t, fd: Int, addr: Out[Ptr], alen: Ptr):
    """Implements accept(2)."""
    return _accept(t, fd, addr, alen, 0)


@syscall("accept4")
def sys_accept4(t, fd: Int, addr: Out[Ptr], alen: Ptr, flags: Hex):
    """Implements accept4(2) (SOCK_NONBLOCK, SOCK_CLOEXEC)."""
    return _accept(t, fd, addr, alen, flags)


@syscall("getsockname")
def sys_getsockname(t, fd: Int, addr: Out[Ptr], alen: Ptr):
    """Implements getsockname(2)."""
    nl = _emulated(t, fd)
    write_sockaddr(t, addr, alen, nl.sockname(t) if nl is not None else t.host.getsockname(fd))
    return 0


@syscall("getpeername")
def sys_getpeername(t, fd: Int, addr: Out[Ptr], alen: Ptr):
    """Implements getpeername(2)."""
    nl = _emulated(t, fd)
    write_sockaddr(t, addr, alen, nl.peername() if nl is not None else t.host.getpeername(fd))
    return 0


@syscall("shutdown")
def sys_shutdown(t, fd: Int, how: Int):
    """Implements shutdown(2)."""
    if how not in (SK.SHUT_RD, SK.SHUT_WR, SK.SHUT_RDWR):
        require_fd(t, fd)
        raise EINVAL()
    nl = _emulated(t, fd)
    if nl is not None:
        nl.shut = True
        nl.changed(t)
        return 0
    t.host.shutdown(fd, how)
    return 0


# ---- data ---------------------------------------------------------------------------------------

def _send(t, fd, buffers, addr, cmsgs, flags):
    nl = _emulated(t, fd)
    if nl is not None:
        return nl.send(t, b"".join(buffers))
    try:
        return t.host.sendmsg(fd, buffers, addr or None, cmsgs, flags, _blocking(t, fd, flags))
    except LinuxError as e:
        if e.errno == EPIPE.errno:
            _sigpipe(t, flags)
        raise
    finally:
        touch(t, fd, _OUT)


def _recv(t, fd, size, ctrl_size, flags):
    """(n, data, cmsgs, msg_flags, addr) as host.recvmsg returns them."""
    nl = _emulated(t, fd)
    if nl is not None:
        data, full = nl.recv(t, size, peek=bool(flags & SK.MSG_PEEK), dontwait=bool(flags & SK.MSG_DONTWAIT))
        mflags = SK.MSG_TRUNC if full > size else 0
        return (full if flags & SK.MSG_TRUNC else len(data)), data, [], mflags, nl.peername()
    try:
        return t.host.recvmsg(fd, min(size, RECV_MAX), ctrl_size, flags, _blocking(t, fd, flags))
    finally:
        touch(t, fd, _IN)


@syscall("sendto")
def sys_sendto(t, fd: Int, buf: Ptr, n: Size, flags: Hex, addr: Ptr, alen: Int):
    """Implements sendto(2) and send(2)."""
    data = t.mem.read(buf, min(n, IO_MAX))
    dest = read_sockaddr(t, addr, alen) if addr else b""
    return _send(t, fd, [data], dest, (), flags)


@syscall("recvfrom")
def sys_recvfrom(t, fd: Int, buf: Out[Ptr], n: Size, flags: Hex, addr: Out[Ptr], alen: Ptr):
    """Implements recvfrom(2) and recv(2) (MSG_TRUNC gives the real datagram length)."""
    got, data, _cm, _mflags, src = _recv(t, fd, min(n, IO_MAX), 0, flags)
    t.mem.write(buf, data)
    if addr:
        write_sockaddr(t, addr, alen, src)
    return got


def _parse_msghdr(t, msg):
    name, namelen, iov, iovlen, control, controllen, _flags = SK.MSGHDR.unpack(t.mem.read(msg, SK.MSGHDR.size))
    if namelen > 0x7FFFFFFF:
        raise EINVAL()
    return name, namelen, _iovecs(t, iov, iovlen), control, controllen


def _cmsgs_in(t, control, controllen):
    if not controllen:
        return []
    if controllen > 1 << 16:
        raise EINVAL()     # ENOBUFS on Linux past the optmem limit
    buf = t.mem.read(control, controllen)
    out = []
    for level, type_, data in SK.unpack_cmsgs(buf):
        if level == SK.SOL_SOCKET and type_ == SK.SCM_RIGHTS:
            if len(data) % 4 or not data:
                raise EINVAL()
            for fd in struct.unpack("<%di" % (len(data) // 4), data):
                if t.files.emulated.get(fd) is not None:
                    raise EOPNOTSUPP()       # objects the unikernel serves cannot travel to another process
                t.host.get_cloexec(fd)       # EBADF
        elif level == SK.SOL_SOCKET and type_ == SK.SCM_CREDENTIALS:
            if len(data) < SK.UCRED.size:
                raise EINVAL()
        out.append((level, type_, data))
    return out


def _put_cmsgs(t, control, controllen, cms):
    """Linux's put_cmsg/scm_detach_fds: (bytes used, truncated)."""
    out = b""
    trunc = False
    for level, type_, data in cms:
        left = controllen - len(out)
        if level == SK.SOL_SOCKET and type_ == SK.SCM_RIGHTS:
            fds = list(struct.unpack("<%di" % (len(data) // 4), data))
            fit = max(0, (left - SK.CMSGHDR.size) // 4) if left > SK.CMSGHDR.size else 0
            if fit < len(fds):
                trunc = True
                for fd in fds[fit:]:
                    try:
                        t.host.close(fd)
                    except LinuxError:
                        pass
                fds = fds[:fit]
            if not fds:
                continue
            data = struct.pack("<%di" % len(fds), *fds)
        if left < SK.CMSGHDR.size:
            trunc = True
            continue
        clen = SK.CMSG_LEN(len(data))
        if left < clen:
            trunc = True
            clen = left
        msg = SK.CMSGHDR.pack(clen, level, type_) + data
        msg = msg[:clen] + b"\0" * (min(SK.CMSG_SPACE(len(data)), left) - clen)
        out += msg
    if out:
        t.mem.write(control, out)
    return len(out), trunc


def _sendmsg(t, fd, msg, flags):
    name, namelen, vecs, control, controllen = _parse_msghdr(t, msg)
    dest = read_sockaddr(t, name, namelen) if name and namelen else b""
    cms = _cmsgs_in(t, control, controllen)
    return _send(t, fd, [_gather(t, vecs)], dest, cms, flags)


def _recvmsg(t, fd, msg, flags):
    name, namelen, vecs, control, controllen = _parse_msghdr(t, msg)
    total = min(sum(ln for _, ln in vecs), IO_MAX)
    got, data, cms, mflags, src = _recv(t, fd, total, controllen, flags)
    _scatter(t, vecs, data)
    if name and namelen and src:
        t.mem.write(name, src[:namelen])
    used, trunc = _put_cmsgs(t, control, controllen, cms) if controllen else (0, bool(cms))
    if not controllen and cms:
        for level, type_, d in cms:          # nowhere to put them: Linux closes passed fds
            if level == SK.SOL_SOCKET and type_ == SK.SCM_RIGHTS:
                for nfd in struct.unpack("<%di" % (len(d) // 4), d):
                    try:
                        t.host.close(nfd)
                    except LinuxError:
                        pass
    if trunc:
        mflags |= SK.MSG_CTRUNC
    # msg_namelen (offset 8), msg_controllen (40), msg_flags (48)
    if name:
        t.mem.write(msg + 8, struct.pack("<I", len(src)))
    t.mem.write(msg + 40, struct.pack("<Q", used))
    t.mem.write(msg + 48, struct.pack("<i", mflags))
    return got


@syscall("sendmsg")
def sys_sendmsg(t, fd: Int, msg: Ptr, flags: Hex):
    """Implements sendmsg(2) with iovecs, a destination and SCM_RIGHTS /
    SCM_CREDENTIALS control messages."""
    return _sendmsg(t, fd, msg, flags)


@syscall("recvmsg")
def sys_recvmsg(t, fd: Int, msg: Ptr, flags: Hex):
    """Implements recvmsg(2): iovecs, source address, control messages
    (received descriptors installed; MSG_CTRUNC when they do not fit)."""
    return _recvmsg(t, fd, msg, flags)


@syscall("sendmmsg")
def sys_sendmmsg(t, fd: Int, vec: Ptr, vlen: UInt, flags: Hex):
    """Implements sendmmsg(2): the number of messages sent; an error only
    if the first one fails."""
    vlen = min(vlen, UIO_MAXIOV)
    sent = 0
    for i in range(vlen):
        m = vec + i * SK.MMSGHDR.size
        try:
            n = _sendmsg(t, fd, m, flags)
        except LinuxError:
            if sent:
                break
            raise
        t.mem.write(m + 56, struct.pack("<I", n))
        sent += 1
    return sent


@syscall("recvmmsg")
def sys_recvmmsg(t, fd: Int, vec: Ptr, vlen: UInt, flags: Hex, timeout: Ptr):
    """Implements recvmmsg(2) (MSG_WAITFORONE; the timeout is checked after
    each datagram, as Linux does)."""
    vlen = min(vlen, UIO_MAXIOV)
    deadline = None
    if timeout:
        ns = unpack_timespec_ns(t.mem.read(timeout, TIMESPEC.size))
        if ns is None:
            raise EINVAL()
        deadline = t.host.clock_gettime_ns(CLOCK_MONOTONIC) + ns
    got = 0
    f = flags & ~SK.MSG_WAITFORONE
    for i in range(vlen):
        m = vec + i * SK.MMSGHDR.size
        try:
            n = _recvmsg(t, fd, m, f)
        except LinuxError:
            if got:
                break
            raise
        t.mem.write(m + 56, struct.pack("<I", n))
        got += 1
        if flags & SK.MSG_WAITFORONE:
            f |= SK.MSG_DONTWAIT
        if deadline is not None and t.host.clock_gettime_ns(CLOCK_MONOTONIC) >= deadline:
            break
    if timeout:
        left = max(0, deadline - t.host.clock_gettime_ns(CLOCK_MONOTONIC))
        t.mem.write(timeout, pack_timespec_ns(left))
    return got


# ---- options ----------------------------------------------------------------------------------------

@syscall("setsockopt")
def sys_setsockopt(t, fd: Int, level: Int, name: Int, val: Ptr, vlen: Int):
    """Implements setsockopt(2) with options translated by name; tuning hints
    the host lacks succeed without effect (see HARMLESS)."""
    if vlen < 0:
        raise EINVAL()
    value = t.mem.read(val, min(vlen, 1024)) if vlen else b""
    nl = _emulated(t, fd)
    if nl is not None:
        if level == SK.SOL_SOCKET and name in (SK.SO_RCVBUF, SK.SO_RCVBUFFORCE) and len(value) >= 4:
            nl.rcvbuf = 2 * _I32.unpack_from(value)[0]
        elif level == SK.SOL_SOCKET and name in (SK.SO_SNDBUF, SK.SO_SNDBUFFORCE) and len(value) >= 4:
            nl.sndbuf = 2 * _I32.unpack_from(value)[0]
        return 0
    try:
        t.host.setsockopt(fd, level, name, value)
    except LinuxError as e:
        if e.errno != ENOPROTOOPT.errno:
            raise
        if level == SK.SOL_SOCKET and name in FORCE_TO:
            t.host.setsockopt(fd, level, FORCE_TO[name], value)
            return 0
        if name in HARMLESS.get(level, ()):
            t.host.socket_family(fd)        # ENOTSOCK / EBADF still apply
            return 0
        raise
    return 0


@syscall("getsockopt")
def sys_getsockopt(t, fd: Int, level: Int, name: Int, val: Out[Ptr], vlenp: Ptr):
    """Implements getsockopt(2); SO_PEERCRED through the host's equivalent,
    SO_DOMAIN/SO_PROTOCOL computed where the host has no such option."""
    size = _I32.unpack(t.mem.read(vlenp, 4))[0]
    if size < 0:
        raise EINVAL()
    nl = _emulated(t, fd)
    if nl is not None:
        value = _netlink_opt(nl, level, name)
    else:
        try:
            value = t.host.getsockopt(fd, level, name, size)
        except LinuxError as e:
            if e.errno != ENOPROTOOPT.errno:
                raise
            value = _computed_opt(t, fd, level, name)
    n = min(size, len(value))
    t.mem.write(val, value[:n])
    t.mem.write(vlenp, _I32.pack(n))
    return 0


def _computed_opt(t, fd, level, name):
    if level == SK.SOL_SOCKET:
        if name == SK.SO_DOMAIN:
            return _I32.pack(t.host.socket_family(fd))
        if name == SK.SO_PROTOCOL:
            fam, typ = t.host.socket_family(fd), t.host.socket_type(fd)
            if fam in (SK.AF_INET, SK.AF_INET6):
                return _I32.pack(SK.IPPROTO_TCP if typ == SK.SOCK_STREAM else SK.IPPROTO_UDP
                                 if typ == SK.SOCK_DGRAM else 0)
            return _I32.pack(0)
    raise ENOPROTOOPT()


def _netlink_opt(nl, level, name):
    if level == SK.SOL_SOCKET:
        v = {SK.SO_RCVBUF: nl.rcvbuf, SK.SO_SNDBUF: nl.sndbuf, SK.SO_TYPE: nl.sock_type,
             SK.SO_DOMAIN: SK.AF_NETLINK, SK.SO_PROTOCOL: nl.protocol, SK.SO_ERROR: 0,
             SK.SO_ACCEPTCONN: 0}.get(name)
        if v is not None:
            return _I32.pack(v)
    if level == SK.SOL_NETLINK:
        return _I32.pack(0)
    raise ENOPROTOOPT()


# ---- socket ioctls (reached through io.py's sys_ioctl -> tty.ioctl) ------------------------------
SIOCSIF_FIRST, SIOCSIF_LAST = 0x8911, 0x8960
_ADDR_IOCTLS = {SIOCGIFADDR: "addr", SIOCGIFDSTADDR: "dst", SIOCGIFBRDADDR: "brd", SIOCGIFNETMASK: "mask"}
_GETTERS = set(_ADDR_IOCTLS) | {SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFMTU, SIOCGIFMETRIC, SIOCGIFTXQLEN, SIOCGIFHWADDR}


def _is_socket(t, fd):
    o = t.files.emulated.get(fd)
    if o is not None:
        return isinstance(o, NetlinkSocket)
    try:
        t.host.socket_family(fd)
        return True
    except LinuxError:
        return False


def _mask4(plen):
    m = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
    return struct.pack("!I", m)


def sock_ioctl(t, fd, req, arg):
    """The interface ioctls (SIOCGIF*) on any socket, from the host's
    interface list. Returns None when req is not a socket ioctl."""
    if not (0x8900 <= req <= 0x89FF):
        return None
    if not _is_socket(t, fd):
        return None
    if req == SIOCATMARK:
        t.mem.write_i32(arg, 0)
        return 0
    links = t.host.interfaces()
    if req == SIOCGIFCONF:
        ln, buf = struct.unpack("<i4xQ", t.mem.read(arg, 16))
        recs = []
        for i in links:
            for fam, addr, _plen, _brd, _scope in i["addrs"]:
                if fam == "inet":
                    recs.append(i["name"][:IFNAMSIZ - 1].ljust(IFNAMSIZ, b"\0") +
                                SK.pack_sockaddr_in(addr, 0).ljust(24, b"\0"))
        if not buf:
            t.mem.write_i32(arg, len(recs) * IFREQ_SIZE)
            return 0
        room = max(0, ln) // IFREQ_SIZE
        data = b"".join(recs[:room])
        t.mem.write(buf, data)
        t.mem.write_i32(arg, len(data))
        return 0
    ifr = t.mem.read(arg, IFREQ_SIZE)
    if req == SIOCGIFNAME:
        idx = struct.unpack_from("<i", ifr, IFNAMSIZ)[0]
        for i in links:
            if i["index"] == idx:
                t.mem.write(arg, i["name"][:IFNAMSIZ - 1].ljust(IFNAMSIZ, b"\0"))
                return 0
        raise ENODEV()
    if req not in _GETTERS:
        if SIOCSIF_FIRST <= req <= SIOCSIF_LAST:
            raise EPERM()             # SIOCSIF*: changing interfaces needs CAP_NET_ADMIN
        raise EINVAL()
    name = ifr[:IFNAMSIZ].split(b"\0", 1)[0]
    link = next((i for i in links if i["name"] == name), None)
    if link is None:
        raise ENODEV()
    out = None
    if req == SIOCGIFINDEX:
        out = struct.pack("<i", link["index"])
    elif req == SIOCGIFFLAGS:
        out = struct.pack("<H", link["flags"] & 0xFFFF)
    elif req == SIOCGIFMTU:
        out = struct.pack("<i", link["mtu"])
    elif req == SIOCGIFMETRIC:
        out = struct.pack("<i", 0)
    elif req == SIOCGIFTXQLEN:
        out = struct.pack("<i", 1000)
    elif req == SIOCGIFHWADDR:
        typ = ARPHRD_LOOPBACK if link["flags"] & SK.IFF_LOOPBACK else ARPHRD_ETHER
        out = struct.pack("<H", typ) + link["mac"][:14].ljust(14, b"\0")
    elif req in _ADDR_IOCTLS:
        v4 = [a for a in link["addrs"] if a[0] == "inet"]
        if not v4:
            raise EADDRNOTAVAIL()
        _fam, addr, plen, brd, _scope = v4[0]
        which = _ADDR_IOCTLS[req]
        val = {"addr": addr, "dst": addr, "brd": brd or b"\0\0\0\0", "mask": _mask4(plen)}[which]
        out = SK.pack_sockaddr_in(val, 0)
    if out is None:
        raise EINVAL()
    t.mem.write(arg + IFNAMSIZ, out.ljust(24, b"\0")[:24])
    return 0
