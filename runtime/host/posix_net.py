"""The host side of sockets, readiness waits, network interfaces and pseudo-
terminals: a mixin PosixHost inherits (runtime/host/posix.py).

Owns: every host effect of the guest's socket calls (Python's socket module
on the guest's own descriptor numbers: guest fd N is host fd N), host
readiness waits (select.poll, or select.select on macOS where poll() does
not support devices such as ttys), the runtime-private wake-up pipes the
unikernel's emulated objects (eventfd, epoll...) use to wake a waiter, the
host's interface list for the unikernel's rtnetlink answers, and host
pseudo-terminals (posix_openpt via ctypes).

Contract (as api.py): Linux values in, Linux values out. Socket addresses
cross as Linux `struct sockaddr` bytes; constants are translated by name
through xlat.py; failures raise LinuxError with the Linux errno.

Linux abstract Unix socket names (leading NUL) are native on a Linux host;
elsewhere (or with LXPACK_ABSTRACT=emulate) they live as sockets in a
private per-user directory (/tmp/lxpack-UID/abstract/<sha1 of the name>,
with the name beside it in <sha1>.name for the way back), so two lxpack
processes meeting on one abstract name connect. A name is taken while its
binder holds an flock on <sha1>.lock; a socket file left by a process that
died is replaced at the next bind.

Linux sun_path holds 108 bytes, macOS's 104: a longer path is bound or
connected relative to its directory (chdir there and back).

Blocking calls are bracketed by begin_block()/end_block() (see posix.py),
so other guest threads run meanwhile and a host signal for a guest handler
raises Interrupted out of the wait.

Who may import this: runtime.host.posix only. Python 3.9 compatible.
"""
import array
import errno as _herrno
import fcntl
import hashlib
import os
import select
import socket
import _socket
import stat as _stat
import struct
import sys
import threading

from lxpack.abi import socket as SK
from lxpack.abi import poll as P
from lxpack.runtime.host import xlat as _xlat
from lxpack.runtime.host.api import LinuxError
from lxpack.runtime.host.fds import move_high
from lxpack.runtime.host import clib as _clib

IS_LINUX = sys.platform.startswith("linux")
IS_MACOS = sys.platform == "darwin"


def _xlat_error(errno, name=None):
    return LinuxError(errno)


NX = _xlat.Xlat(_xlat.live(), error=_xlat_error)
_E = NX.errno_to_linux

HOST_SUN_PATH = 108 if IS_LINUX else 104
ABSTRACT_NATIVE = IS_LINUX and os.environ.get("LXPACK_ABSTRACT", "") != "emulate"

_HAS_NOSIGNAL = hasattr(socket, "MSG_NOSIGNAL")
_HOST_SOL_SOCKET = socket.SOL_SOCKET
_HOST_SCM_RIGHTS = socket.SCM_RIGHTS
_HOST_SCM_CREDENTIALS = getattr(socket, "SCM_CREDENTIALS", None)
_HOST_MSG_CTRUNC = getattr(socket, "MSG_CTRUNC", 8)
_INT = struct.Struct("i")


_TLS = threading.local()


def _rbuf(n):
    """A per-thread receive buffer of at least n bytes (no allocation per call)."""
    b = getattr(_TLS, "buf", None)
    if b is None or len(b) < n:
        b = _TLS.buf = bytearray(max(n, 1 << 16))
    return memoryview(b)[:n]


def _oserr(e):
    return LinuxError(_E(e.errno or _herrno.EIO))


class _Detached(object):
    """A Python socket object over a guest fd for the length of one call;
    the fd stays the guest's (detached, never closed, on the way out)."""
    __slots__ = ("s",)

    def __init__(self, fd):
        if fd < 0:
            raise LinuxError(_EBADF)      # Python refuses it before any system call
        try:
            self.s = _socket.socket(fileno=fd)
        except OSError as e:
            if e.errno == _herrno.ENOTSOCK:
                raise LinuxError(SK_ENOTSOCK)
            raise _oserr(e)

    def __enter__(self):
        return self.s

    def __exit__(self, *exc):
        self.s.detach()
        return False


SK_ENOTSOCK = 88
_EBADF, _EINVAL, _ENOPROTOOPT, _EAFNOSUPPORT, _EOPNOTSUPP = 9, 22, 92, 97, 95
_EADDRINUSE, _ECONNREFUSED, _ENOENT, _EACCES = 98, 111, 2, 13


# -- addresses -----------------------------------------------------------------------------
def _abstract_dir():
    d = "/tmp/lxpack-%d" % os.getuid()
    sub = os.path.join(d, "abstract")
    for p in (d, sub):
        try:
            os.mkdir(p, 0o700)
        except FileExistsError:
            pass
        except OSError as e:
            raise _oserr(e)
        st = os.lstat(p)
        if not _stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
            # someone else's directory: never put our sockets there
            raise LinuxError(_EACCES)
    return sub.encode()


_ABSTRACT_BACK = {}


def _abstract_path(name):
    """Host path for a Linux abstract name (bytes with the leading NUL)."""
    h = hashlib.sha1(name).hexdigest().encode()
    d = _abstract_dir()
    path = d + b"/" + h
    side = path + b".name"
    if not os.path.exists(side):
        tmp = side + b".%d" % os.getpid()
        with open(tmp, "wb") as f:
            f.write(name)
        os.rename(tmp, side)
    _ABSTRACT_BACK[path] = name
    return path


def _abstract_name(path):
    """The abstract name a mapped host path stands for, or None."""
    name = _ABSTRACT_BACK.get(path)
    if name is not None:
        return name
    if path.startswith(b"/tmp/lxpack-") and b"/abstract/" in path:
        try:
            with open(path + b".name", "rb") as f:
                name = f.read()
        except OSError:
            return None
        _ABSTRACT_BACK[path] = name
        return name
    return None


_MIN_LEN = {socket.AF_INET: 16, socket.AF_INET6: 24}


_ABSTRACT_HELD = {}     # host path -> (guest fd bound to it, lock fd)


def _claim_abstract(fd, path):
    """Take an abstract name (emulated): a socket file in the private
    directory plus an exclusive flock on <path>.lock held by this process
    (and its forks) while the socket lives. A name whose lock nobody holds
    is free: a stale socket file left by a dead process is removed."""
    held = _ABSTRACT_HELD.get(path)
    if held is not None:
        old_fd, lock = held
        try:
            with _Detached(old_fd) as s:
                alive = os.fsencode(s.getsockname() or "") == path
        except (OSError, LinuxError):
            alive = False
        if alive:
            raise LinuxError(_EADDRINUSE)
        _release_abstract(path, lock)
    try:
        lock = os.open(path + b".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise _oserr(e)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        raise LinuxError(_EADDRINUSE)
    lock = _high(lock)
    try:
        os.unlink(path)
    except OSError:
        pass
    _ABSTRACT_HELD[path] = (fd, lock)
    return lock


def _release_abstract(path, lock):
    if lock is None:
        return
    _ABSTRACT_HELD.pop(path, None)
    try:
        os.unlink(path)
    except OSError:
        pass
    try:
        os.close(lock)
    except OSError:
        pass


def linux_to_host_addr(data, sock_family=None):
    """(host family, address for Python's socket module) from Linux sockaddr
    bytes; with the socket's host family, Linux's checks first: too short
    for the socket's family is EINVAL, another family EAFNOSUPPORT (EINVAL
    for Unix sockets)."""
    if sock_family is not None and len(data) >= 2:
        fam = SK.SOCKADDR_FAMILY.unpack_from(data)[0]
        if sock_family in _MIN_LEN:
            if len(data) < _MIN_LEN[sock_family]:
                raise LinuxError(_EINVAL)
            if NX.af_to_host(fam) != sock_family:
                raise LinuxError(_EAFNOSUPPORT)
        elif sock_family == socket.AF_UNIX and fam != SK.AF_UNIX:
            raise LinuxError(_EINVAL)
    try:
        fam, addr = SK.unpack_sockaddr(data)
    except ValueError:
        raise LinuxError(_EINVAL)
    hfam = NX.af_to_host(fam)
    if hfam is None:
        raise LinuxError(_EAFNOSUPPORT)
    if fam == SK.AF_UNIX:
        if addr[:1] == b"\0" and not ABSTRACT_NATIVE:
            addr = _abstract_path(addr)
        return hfam, addr
    if fam == SK.AF_INET6:
        host, port, flow, scope = addr
        return hfam, (host, port, flow, scope)
    if fam == SK.AF_INET:
        return hfam, addr
    raise LinuxError(_EAFNOSUPPORT)


def host_to_linux_addr(addr, hfam=None):
    """Linux sockaddr bytes from an address as Python's socket module gives it."""
    if isinstance(addr, tuple):
        if len(addr) == 2:
            return SK.pack_sockaddr_in(addr[0], addr[1])
        return SK.pack_sockaddr_in6(addr[0].split("%", 1)[0], addr[1], addr[2], addr[3])
    if addr is None:
        return b""
    if isinstance(addr, str):
        addr = os.fsencode(addr)
    if addr and addr[:1] != b"\0" and not ABSTRACT_NATIVE:
        name = _abstract_name(addr)
        if name is not None:
            addr = name
    if hfam is not None and hfam != socket.AF_UNIX and not addr:
        return b""
    return SK.pack_sockaddr_un(addr)


def _unix_call(addr, fn):
    """fn(addr) for a Unix path too long for the host's sun_path: relative
    to its directory."""
    if not isinstance(addr, bytes) or len(addr) < HOST_SUN_PATH or addr[:1] == b"\0":
        return fn(addr)
    d, base = os.path.split(addr)
    if len(base) >= HOST_SUN_PATH:
        raise LinuxError(_EINVAL)
    here = os.open(".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.chdir(d or b"/")
        return fn(base)
    finally:
        os.fchdir(here)
        os.close(here)


def _high(fd):
    """Move a runtime-private fd above the guest's range, close-on-exec."""
    try:
        return move_high(fd)
    except OSError:
        return fd


# -- host interface list ---------------------------------------------------------------------
_IFF_NAMES = ("IFF_UP", "IFF_BROADCAST", "IFF_DEBUG", "IFF_LOOPBACK", "IFF_POINTOPOINT",
              "IFF_NOTRAILERS", "IFF_RUNNING", "IFF_NOARP", "IFF_PROMISC", "IFF_ALLMULTI",
              "IFF_MULTICAST")
_MACOS_IFF = {"IFF_UP": 0x1, "IFF_BROADCAST": 0x2, "IFF_DEBUG": 0x4, "IFF_LOOPBACK": 0x8,
              "IFF_POINTOPOINT": 0x10, "IFF_NOTRAILERS": 0x20, "IFF_RUNNING": 0x40, "IFF_NOARP": 0x80,
              "IFF_PROMISC": 0x100, "IFF_ALLMULTI": 0x200, "IFF_MULTICAST": 0x8000}


def _iff_to_linux(hflags):
    if IS_LINUX:
        return hflags & 0xFFFF
    out = 0
    for n in _IFF_NAMES:
        if hflags & _MACOS_IFF[n]:
            out |= getattr(SK, n)
    return out


def _host_sockaddr(ptr):
    """(family name, payload bytes) of a host struct sockaddr* (ctypes address)."""
    import ctypes
    if not ptr:
        return None, b""
    # SAFETY: ptr comes from getifaddrs and points at a sockaddr of at least 16 bytes
    # (sa_len gives the real size on BSDs).
    if IS_LINUX:
        fam = ctypes.c_ushort.from_address(ptr).value
        size = {socket.AF_INET: 16, socket.AF_INET6: 28, 17: 20}.get(fam, 16)
    else:
        size = ctypes.c_ubyte.from_address(ptr).value or 16
        fam = ctypes.c_ubyte.from_address(ptr + 1).value
    raw = ctypes.string_at(ptr, size)
    if fam == socket.AF_INET:
        return "inet", raw[4:8]
    if fam == socket.AF_INET6:
        return "inet6", raw[8:24] + raw[24:28]
    if IS_LINUX and fam == 17:            # AF_PACKET: struct sockaddr_ll
        halen = raw[11]
        return "link", raw[12:12 + halen]
    if not IS_LINUX and fam == 18:        # AF_LINK: struct sockaddr_dl
        nlen, alen = raw[5], raw[6]
        return "link", raw[8 + nlen:8 + nlen + alen]
    return None, b""


def _prefixlen(mask):
    n = 0
    for b in bytearray(mask):
        if b == 0xFF:
            n += 8
            continue
        while b & 0x80:
            n += 1
            b = (b << 1) & 0xFF
        break
    return n


def host_interfaces():
    """[{index, name, flags (Linux IFF_*), mac, mtu, addrs: [(family 'inet'|'inet6',
    address bytes, prefix length, broadcast bytes or None, scope_id)]}] of the host."""
    import ctypes

    class IfAddrs(ctypes.Structure):
        pass
    IfAddrs._fields_ = [("next", ctypes.POINTER(IfAddrs)), ("name", ctypes.c_char_p),
                        ("flags", ctypes.c_uint), ("addr", ctypes.c_void_p),
                        ("netmask", ctypes.c_void_p), ("dstaddr", ctypes.c_void_p),
                        ("data", ctypes.c_void_p)]
    libc = _clib.open_libc()
    head = ctypes.POINTER(IfAddrs)()
    # SAFETY: getifaddrs fills head with a list we walk read-only and free once.
    if libc.getifaddrs(ctypes.byref(head)) != 0:
        raise LinuxError(_E(ctypes.get_errno()))
    out = {}
    try:
        names = {}
        try:
            for idx, name in socket.if_nameindex():
                names[name.encode() if isinstance(name, str) else name] = idx
        except OSError:
            pass
        p = head
        while p:
            ent = p.contents
            name = ent.name
            idx = names.get(name)
            if idx is None:
                try:
                    idx = socket.if_nametoindex(name.decode())
                except OSError:
                    idx = len(names) + 1
                names[name] = idx
            rec = out.setdefault(idx, {"index": idx, "name": name, "flags": _iff_to_linux(ent.flags),
                                       "mac": b"", "mtu": 65536 if ent.flags & 0x8 else 1500,
                                       "addrs": []})
            fam, payload = _host_sockaddr(ent.addr)
            if fam == "link":
                rec["mac"] = payload
            elif fam in ("inet", "inet6"):
                _mf, mask = _host_sockaddr(ent.netmask)
                plen = _prefixlen(mask[:4] if fam == "inet" else mask[:16]) if mask else \
                    (32 if fam == "inet" else 128)
                brd = None
                if fam == "inet" and ent.flags & 0x2 and ent.dstaddr:
                    _bf, brd = _host_sockaddr(ent.dstaddr)
                scope = 0
                if fam == "inet6":
                    payload, scope = payload[:16], struct.unpack("=I", payload[16:20])[0]
                rec["addrs"].append((fam, payload, plen, brd, scope))
            p = ent.next
        for name, idx in names.items():
            out.setdefault(idx, {"index": idx, "name": name, "flags": 0, "mac": b"", "mtu": 1500,
                                 "addrs": []})
    finally:
        libc.freeifaddrs(head)
    return [out[k] for k in sorted(out)]


# -- the mixin ---------------------------------------------------------------------------------
class PosixNetHost(object):
    """Sockets, readiness waits, interfaces and pseudo-terminals of the host
    (mixed into PosixHost, which provides begin_block/end_block)."""

    # -- sockets ----------------------------------------------------------------------------
    def socket(self, domain, type_, protocol):
        """socket(2) with Linux domain/type(+SOCK_NONBLOCK|SOCK_CLOEXEC)/protocol."""
        hfam = NX.af_to_host(domain)
        if hfam is None or domain not in (SK.AF_UNIX, SK.AF_INET, SK.AF_INET6):
            raise LinuxError(_EAFNOSUPPORT)
        htype, nonblock, cloexec = NX.sock_type_to_host(type_)
        if htype is None:
            raise LinuxError(_EINVAL)
        proto = protocol if domain == SK.AF_UNIX else NX.ipproto_to_host(protocol)
        try:
            s = socket.socket(hfam, htype, proto)
        except OSError as e:
            raise _oserr(e)
        return self._own(s, nonblock, cloexec)

    def socketpair(self, domain, type_, protocol):
        hfam = NX.af_to_host(domain)
        if domain != SK.AF_UNIX:
            raise LinuxError(_EOPNOTSUPP if domain in (SK.AF_INET, SK.AF_INET6) else _EAFNOSUPPORT)
        htype, nonblock, cloexec = NX.sock_type_to_host(type_)
        if htype is None:
            raise LinuxError(_EINVAL)
        try:
            a, b = socket.socketpair(hfam, htype, protocol)
        except OSError as e:
            raise _oserr(e)
        return self._own(a, nonblock, cloexec), self._own(b, nonblock, cloexec)

    def _own(self, s, nonblock, cloexec):
        fd = s.detach()
        try:
            if not cloexec:
                os.set_inheritable(fd, True)
            if nonblock:
                os.set_blocking(fd, False)
            if IS_MACOS:
                # no MSG_NOSIGNAL on macOS: EPIPE comes back and the unikernel
                # raises SIGPIPE itself when the guest did not ask otherwise
                nosig = NX.host.get("SO_NOSIGPIPE")
                if nosig:
                    with _Detached(fd) as s2:
                        s2.setsockopt(socket.SOL_SOCKET, nosig, 1)
        except OSError as e:
            os.close(fd)
            raise _oserr(e)
        return fd

    def bind(self, fd, addr):
        with _Detached(fd) as s:
            hfam, a = linux_to_host_addr(addr, s.family)
            abstract = hfam == socket.AF_UNIX and not ABSTRACT_NATIVE and a.startswith(_abstract_dir() + b"/")
            lock = _claim_abstract(fd, a) if abstract else None
            try:
                _unix_call(a, s.bind) if hfam == socket.AF_UNIX else s.bind(a)
            except OSError as e:
                _release_abstract(a, lock)
                raise _oserr(e)
            except (TypeError, ValueError, OverflowError):
                _release_abstract(a, lock)
                raise LinuxError(_EINVAL)

    def connect(self, fd, addr, blocking=True):
        """connect(2). blocking: the fd is a blocking socket (the wait may be
        long and interruptible)."""
        try:
            fam, _ = SK.unpack_sockaddr(addr)
        except ValueError:
            raise LinuxError(_EINVAL)
        if fam == SK.AF_UNSPEC:
            return self._disconnect(fd)
        with _Detached(fd) as s:
            hfam, a = linux_to_host_addr(addr, s.family)
            if blocking:
                self.begin_block()
            try:
                try:
                    err = _unix_call(a, s.connect_ex) if hfam == socket.AF_UNIX else s.connect_ex(a)
                except (TypeError, ValueError, OverflowError):
                    raise LinuxError(_EINVAL)
                except OSError as e:
                    raise _oserr(e)
            finally:
                if blocking:
                    self.end_block()
        if err:
            if not ABSTRACT_NATIVE and hfam == socket.AF_UNIX and err == _herrno.ENOENT \
                    and SK.unpack_sockaddr(addr)[1][:1] == b"\0":
                err = _herrno.ECONNREFUSED     # an unknown abstract name is ECONNREFUSED on Linux
            raise LinuxError(_E(err))

    def _disconnect(self, fd):
        """connect(AF_UNSPEC): dissolve a datagram socket's association."""
        import ctypes
        libc = _clib.open_libc()
        sa = struct.pack("=H14x", socket.AF_UNSPEC) if IS_LINUX else struct.pack("=BB14x", 16, socket.AF_UNSPEC)
        # SAFETY: a 16-byte sockaddr buffer owned by this frame.
        if libc.connect(fd, sa, len(sa)) != 0:
            e = ctypes.get_errno()
            if e not in (_herrno.EAFNOSUPPORT, _herrno.EINVAL):   # BSDs complain but dissolve
                raise LinuxError(_E(e))

    def listen(self, fd, backlog):
        with _Detached(fd) as s:
            try:
                s.listen(max(0, min(backlog, 4096)))
            except OSError as e:
                raise _oserr(e)

    def accept(self, fd, nonblock=False, cloexec=False, blocking=True):
        """accept4(2): (new fd, peer Linux sockaddr bytes). The new socket's
        O_NONBLOCK is set from `nonblock` only (BSDs inherit the listener's)."""
        with _Detached(fd) as s:
            if blocking:
                self.begin_block()
            try:
                nfd, addr = s._accept()
            except OSError as e:
                raise _oserr(e)
            finally:
                if blocking:
                    self.end_block()
            hfam = s.family
        try:
            os.set_inheritable(nfd, not cloexec)
            os.set_blocking(nfd, not nonblock)
        except OSError as e:
            os.close(nfd)
            raise _oserr(e)
        return nfd, host_to_linux_addr(addr, hfam)

    def getsockname(self, fd):
        with _Detached(fd) as s:
            try:
                return host_to_linux_addr(s.getsockname(), s.family) or SK.SOCKADDR_FAMILY.pack(
                    NX.af_to_linux(s.family) or 0)
            except OSError as e:
                raise _oserr(e)

    def getpeername(self, fd):
        with _Detached(fd) as s:
            try:
                return host_to_linux_addr(s.getpeername(), s.family) or SK.SOCKADDR_FAMILY.pack(
                    NX.af_to_linux(s.family) or 0)
            except OSError as e:
                raise _oserr(e)

    def socket_family(self, fd):
        """The Linux address family of a socket fd (ENOTSOCK otherwise)."""
        with _Detached(fd) as s:
            return NX.af_to_linux(s.family)

    def socket_type(self, fd):
        with _Detached(fd) as s:
            return NX.sock_type_to_linux(s.type & 0xF) if IS_LINUX else NX.sock_type_to_linux(s.type)

    def shutdown(self, fd, how):
        h = NX.shutdown_how_to_host(how)
        if h is None:
            raise LinuxError(_EINVAL)
        with _Detached(fd) as s:
            try:
                s.shutdown(h)
            except OSError as e:
                raise _oserr(e)

    def sendmsg(self, fd, buffers, addr=None, cmsgs=(), flags=0, blocking=True):
        """sendmsg(2): buffers (list of bytes), addr Linux sockaddr bytes or
        None, cmsgs [(level, type, data)] in Linux values, flags Linux MSG_*
        (MSG_NOSIGNAL is always given to the host when it has it: the caller
        raises SIGPIPE). Returns the byte count."""
        hflags = NX.msg_flags_to_host(flags & ~SK.MSG_NOSIGNAL)
        if _HAS_NOSIGNAL:
            hflags |= socket.MSG_NOSIGNAL
        anc = []
        for level, type_, data in cmsgs:
            if level == SK.SOL_SOCKET and type_ == SK.SCM_RIGHTS:
                anc.append((_HOST_SOL_SOCKET, _HOST_SCM_RIGHTS, data[:len(data) // 4 * 4]))
            elif level == SK.SOL_SOCKET and type_ == SK.SCM_CREDENTIALS:
                if _HOST_SCM_CREDENTIALS is not None and IS_LINUX:
                    anc.append((_HOST_SOL_SOCKET, _HOST_SCM_CREDENTIALS, data))
                # elsewhere the host attaches no credentials; dropped
            elif level in (SK.IPPROTO_IP, SK.IPPROTO_IPV6):
                hl = NX.sockopt_to_host(level, type_)
                if hl is None:
                    raise LinuxError(_EINVAL)
                anc.append((hl[0], hl[1], data))
            else:
                raise LinuxError(_EINVAL)
        with _Detached(fd) as s:
            a = linux_to_host_addr(addr, s.family)[1] if addr else None
            if blocking:
                self.begin_block()
            try:
                if a is None:
                    return s.sendmsg(buffers, anc, hflags)
                if s.family == socket.AF_UNIX:
                    return _unix_call(a, lambda x: s.sendmsg(buffers, anc, hflags, x))
                return s.sendmsg(buffers, anc, hflags, a)
            except OSError as e:
                if e.errno == _herrno.ENOENT and not ABSTRACT_NATIVE and s.family == socket.AF_UNIX \
                        and isinstance(a, bytes) and a.startswith(_abstract_dir() + b"/"):
                    raise LinuxError(_ECONNREFUSED)
                raise _oserr(e)
            except (TypeError, ValueError, OverflowError):
                raise LinuxError(_EINVAL)
            finally:
                if blocking:
                    self.end_block()

    def recvmsg(self, fd, size, ancsize=0, flags=0, blocking=True):
        """recvmsg(2): returns (n, data, cmsgs, msg_flags, addr): n is what
        the call returned (with MSG_TRUNC the real datagram length), data at
        most `size` bytes, cmsgs [(level, type, data)] in Linux values with
        received descriptors already installed (close-on-exec with
        MSG_CMSG_CLOEXEC), msg_flags Linux, addr Linux sockaddr bytes (b''
        when none)."""
        cloexec = bool(flags & SK.MSG_CMSG_CLOEXEC)
        hflags = NX.msg_flags_to_host(flags & ~(SK.MSG_CMSG_CLOEXEC | SK.MSG_NOSIGNAL))
        buf = _rbuf(size)
        hanc = socket.CMSG_SPACE(ancsize) + 64 if ancsize else 0
        with _Detached(fd) as s:
            if blocking:
                self.begin_block()
            try:
                if IS_LINUX and cloexec:
                    hflags |= socket.MSG_CMSG_CLOEXEC
                n, anc, mflags, addr = s.recvmsg_into([buf], hanc, hflags)
            except OSError as e:
                raise _oserr(e)
            finally:
                if blocking:
                    self.end_block()
            hfam = s.family
        cm = []
        for level, type_, data in anc:
            if level == _HOST_SOL_SOCKET and type_ == _HOST_SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(data[:len(data) // fds.itemsize * fds.itemsize])
                for nfd in fds:
                    try:
                        os.set_inheritable(nfd, not cloexec)
                    except OSError:
                        pass
                cm.append((SK.SOL_SOCKET, SK.SCM_RIGHTS, fds.tobytes()))
            elif level == _HOST_SOL_SOCKET and type_ == _HOST_SCM_CREDENTIALS:
                cm.append((SK.SOL_SOCKET, SK.SCM_CREDENTIALS, data))
            else:
                back = self._cmsg_to_linux(level, type_)
                if back is not None:
                    cm.append((back[0], back[1], data))
        lflags = NX.msg_flags_to_linux(mflags)
        if mflags & _HOST_MSG_CTRUNC:
            lflags |= SK.MSG_CTRUNC
        return n, bytes(buf[:min(n, size)]), cm, lflags, host_to_linux_addr(addr, hfam) if addr else b""

    @staticmethod
    def _cmsg_to_linux(level, type_):
        for lv, group in ((SK.IPPROTO_IP, "ip"), (SK.IPPROTO_IPV6, "ipv6")):
            if NX.ipproto_to_host(lv) == level:
                v = NX.maps[group].to_linux(type_)
                if v is not None:
                    return lv, v
        return None

    def send(self, fd, data, flags=0, blocking=True):
        return self.sendmsg(fd, [data], None, (), flags, blocking)

    # -- socket options -------------------------------------------------------------------------
    def setsockopt(self, fd, level, name, value):
        """setsockopt(2) with Linux level/name and the Linux value bytes.
        ENOPROTOOPT when the host has no such option."""
        h = NX.sockopt_to_host(level, name)
        if h is None:
            raise LinuxError(_ENOPROTOOPT)
        value = self._value_to_host(level, name, value)
        with _Detached(fd) as s:
            try:
                s.setsockopt(h[0], h[1], value)
            except OSError as e:
                raise _oserr(e)

    def getsockopt(self, fd, level, name, size):
        """getsockopt(2): the Linux value bytes (at most `size`, at least the
        option's natural size for the caller to cut)."""
        if level == SK.SOL_SOCKET and name == SK.SO_PEERCRED:
            return self._peercred(fd)
        h = NX.sockopt_to_host(level, name)
        if h is None:
            raise LinuxError(_ENOPROTOOPT)
        with _Detached(fd) as s:
            try:
                raw = s.getsockopt(h[0], h[1], max(size, 4, self._natural_size(level, name)))
            except OSError as e:
                raise _oserr(e)
        return self._value_to_linux(level, name, raw)

    @staticmethod
    def _natural_size(level, name):
        if level == SK.SOL_SOCKET and name in (SK.SO_RCVTIMEO, SK.SO_SNDTIMEO):
            return 16
        if level == SK.SOL_SOCKET and name == SK.SO_LINGER:
            return 8
        return 4

    @staticmethod
    def _value_to_host(level, name, value):
        if IS_LINUX:
            return value
        if level == SK.SOL_SOCKET and name in (SK.SO_RCVTIMEO, SK.SO_SNDTIMEO) and len(value) >= 16:
            sec, usec = struct.unpack_from("<qq", value)
            return struct.pack("=qi4x", sec, usec)
        return value

    @staticmethod
    def _value_to_linux(level, name, raw):
        if level == SK.SOL_SOCKET and name in (SK.SO_TYPE, SK.SO_ERROR, SK.SO_DOMAIN) and len(raw) >= 4:
            v = _INT.unpack_from(raw)[0]
            return struct.pack("<i", NX.sockopt_value_to_linux(level, name, v))
        if not IS_LINUX and level == SK.SOL_SOCKET and name in (SK.SO_RCVTIMEO, SK.SO_SNDTIMEO) \
                and len(raw) >= 12:
            sec, usec = struct.unpack_from("=qi", raw)
            return struct.pack("<qq", sec, usec)
        return raw

    def _peercred(self, fd):
        """struct ucred of the peer of a Unix socket (Linux SO_PEERCRED; macOS
        LOCAL_PEERCRED + LOCAL_PEERPID)."""
        with _Detached(fd) as s:
            try:
                if IS_LINUX:
                    return s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
                if s.family != socket.AF_UNIX:
                    return SK.UCRED.pack(0, 0xFFFFFFFF, 0xFFFFFFFF)
                xu = s.getsockopt(0, NX.host.get("LOCAL_PEERCRED", 1), 76)
                _ver, uid, ngroups = struct.unpack_from("=IIh", xu)
                gid = struct.unpack_from("=I", xu, 12)[0] if ngroups > 0 else 0xFFFFFFFF
                try:
                    pid = _INT.unpack(s.getsockopt(0, NX.host.get("LOCAL_PEERPID", 2), 4))[0]
                except OSError:
                    pid = 0
                return SK.UCRED.pack(pid, uid, gid)
            except OSError as e:
                if e.errno in (_herrno.ENOTCONN,) or not IS_LINUX:
                    return SK.UCRED.pack(0, 0xFFFFFFFF, 0xFFFFFFFF)
                raise _oserr(e)

    # -- readiness --------------------------------------------------------------------------------
    def poll(self, fds, timeout_ms):
        """Wait until one of [(fd, Linux POLL* events)] is ready or
        timeout_ms passes (-1: forever, 0: just look). Returns {fd: Linux
        revents} for the ready ones (an fd may appear twice: events OR'ed).
        A blocking wait also watches this thread's waker (posix.py): a poke
        ends it early with what is ready (possibly nothing), after raising
        the unikernel's interruption if a signal must interrupt the call."""
        want = {}
        for fd, ev in fds:
            want[fd] = want.get(fd, 0) | ev
        if timeout_ms == 0:
            return self._poll_once(want, 0)
        waker = self.waker()[0] if hasattr(self, "waker") else None
        self.begin_block()
        try:
            self._interruption()
            res = self._poll_once(want, timeout_ms, waker)
            if waker is not None and waker in res:
                del res[waker]
                self.drain_fd(waker)
                self._interruption()
            return res
        finally:
            self.end_block()

    def _interruption(self):
        chk = getattr(self, "_check_interrupt", None)
        if chk is not None:
            chk()

    def _poll_once(self, want, timeout_ms, extra=None):
        if IS_MACOS:
            return self._select_poll(want, timeout_ms, extra)
        p = select.poll()
        to_host = NX.poll_events_to_host
        for fd, ev in want.items():
            p.register(fd, to_host(ev))
        if extra is not None:
            p.register(extra, select.POLLIN)
        res = p.poll(None if timeout_ms < 0 else timeout_ms)
        to_linux = NX.poll_events_to_linux
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
        import termios
        inq = outq = None
        try:
            inq = _INT.unpack(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            pass
        try:
            if IS_LINUX:
                outq = _INT.unpack(fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0\0\0\0"))[0]
            elif NX.host.get("SO_NWRITE"):
                with _Detached(fd) as s:
                    outq = s.getsockopt(socket.SOL_SOCKET, NX.host.get("SO_NWRITE"))
        except (OSError, LinuxError):
            pass
        return inq, outq

    def wake_pipe(self):
        """A runtime-private non-blocking pipe (r, w) above the guest's fds:
        a waiter polls r, whoever makes it ready writes w."""
        r, w = os.pipe()
        r, w = _high(r), _high(w)
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        return r, w

    @staticmethod
    def wake_fd(w):
        try:
            os.write(w, b"!")
        except OSError:
            pass      # full: the waiter wakes anyway

    @staticmethod
    def drain_fd(r):
        try:
            while len(os.read(r, 512)) == 512:
                pass
        except OSError:
            pass

    def close_private(self, fd):
        try:
            os.close(fd)
        except OSError:
            pass

    def emulated_fd(self, cloexec=False, nonblock=False):
        """A host fd reserving a guest number for an object the unikernel
        serves (eventfd, epoll...): the read end of a pipe whose write end is
        closed, so F_SETFL O_NONBLOCK and close-on-exec behave as on any fd."""
        r, w = os.pipe()
        os.close(w)
        os.set_inheritable(r, not cloexec)
        if nonblock:
            os.set_blocking(r, False)
        return r

    def is_nonblocking(self, fd):
        try:
            return not os.get_blocking(fd)
        except OSError as e:
            raise _oserr(e)

    def interfaces(self):
        return host_interfaces()

    # -- pseudo-terminals -----------------------------------------------------------------------
    def openpt(self, cloexec=False, nonblock=False):
        """A new host pseudo-terminal master (posix_openpt + grantpt), like
        opening Linux /dev/ptmx. Returns the fd."""
        lib = _libc()
        # SAFETY: plain int-returning libc calls.
        fd = lib.posix_openpt(os.O_RDWR | os.O_NOCTTY)
        if fd < 0:
            raise LinuxError(_E(_errno()))
        if lib.grantpt(fd) != 0:
            e = _errno()
            os.close(fd)
            raise LinuxError(_E(e))
        os.set_inheritable(fd, not cloexec)
        if nonblock:
            os.set_blocking(fd, False)
        return fd

    def ptsname(self, fd):
        """(N, host path) of a master's slave, N as Linux's TIOCGPTN gives it."""
        lib = _libc()
        # SAFETY: ptsname returns a static buffer we copy at once.
        p = lib.ptsname(fd)
        if not p:
            e = _errno()
            raise LinuxError(_E(e) if e else 25)   # ENOTTY
        digits = b""
        for ch in reversed(p):
            c = bytes([ch]) if isinstance(ch, int) else ch
            if not c.isdigit():
                break
            digits = c + digits
        return int(digits or b"0"), p

    def unlockpt(self, fd):
        if _libc().unlockpt(fd) != 0:
            raise LinuxError(_E(_errno()))

    @staticmethod
    def pts_path(n):
        """The host path of Linux /dev/pts/N."""
        if IS_LINUX:
            return b"/dev/pts/%d" % n
        return b"/dev/ttys%03d" % n

    def set_ctty(self, fd, steal):
        import termios
        try:
            fcntl.ioctl(fd, termios.TIOCSCTTY, steal)
        except OSError as e:
            raise _oserr(e)

    def release_ctty(self, fd):
        import termios
        try:
            fcntl.ioctl(fd, termios.TIOCNOTTY)
        except OSError as e:
            raise _oserr(e)


_LIBC = []


def _libc():
    if not _LIBC:
        import ctypes
        lib = _clib.open_libc()
        lib.ptsname.restype = ctypes.c_char_p
        lib.ptsname.argtypes = [ctypes.c_int]
        _LIBC.append(lib)
    return _LIBC[0]


def _errno():
    import ctypes
    return ctypes.get_errno()
