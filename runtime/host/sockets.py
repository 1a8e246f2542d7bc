"""Sockets on the POSIX host: Python's socket module on the guest's own
descriptor numbers (guest fd N is host fd N).

Owns: Sockets — socket, socketpair, bind, connect, listen, accept, names,
shutdown, sendmsg/recvmsg with control messages, socket options and the
peer's credentials. Contract (as api.py): Linux values in, Linux values
out. Socket addresses cross as Linux `struct sockaddr` bytes
(sockaddr.py); families, types, protocols, options, message flags and
control messages are translated by name through xlat (X); failures raise
LinuxError with the Linux errno. Blocking calls are bracketed by
waits.Waits begin_block()/end_block(), so other guest threads run meanwhile.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import array
import errno as _herrno
import os
import socket
import struct
import threading

from lxpack.abi import errno as E
from lxpack.abi import socket as SK
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import IS_LINUX, IS_MACOS, X, oserror_to_linux
from lxpack.runtime.host.api import LinuxError
from lxpack.runtime.host.sockaddr import (ABSTRACT_NATIVE, Detached, abstract_dir, claim_abstract,
                                          host_to_linux_addr, linux_to_host_addr, release_abstract,
                                          unix_call)

_HAS_NOSIGNAL = hasattr(socket, "MSG_NOSIGNAL")
_HOST_SOL_SOCKET = socket.SOL_SOCKET
_HOST_SCM_RIGHTS = X.scm_type_to_host(SK.SCM_RIGHTS)
_HOST_SCM_CREDENTIALS = X.scm_type_to_host(SK.SCM_CREDENTIALS)     # None off Linux
_HOST_MSG_CTRUNC = getattr(socket, "MSG_CTRUNC", 8)
_INT = struct.Struct("i")


_TLS = threading.local()


def _rbuf(n):
    """A per-thread receive buffer of at least n bytes (no allocation per call)."""
    b = getattr(_TLS, "buf", None)
    if b is None or len(b) < n:
        b = _TLS.buf = bytearray(max(n, 1 << 16))
    return memoryview(b)[:n]


class Sockets(object):
    """Socket operations; waits: the process's waits.Waits (blocking calls
    release the CPU to other guest threads)."""

    def __init__(self, waits):
        self._waits = waits

    # -- sockets ----------------------------------------------------------------------------
    def socket(self, domain, type_, protocol):
        """socket(2) with Linux domain/type(+SOCK_NONBLOCK|SOCK_CLOEXEC)/protocol."""
        hfam = X.af_to_host(domain)
        if hfam is None or domain not in (SK.AF_UNIX, SK.AF_INET, SK.AF_INET6):
            raise LinuxError(E.EAFNOSUPPORT)
        htype, nonblock, cloexec = X.sock_type_to_host(type_)
        if htype is None:
            raise LinuxError(E.EINVAL)
        proto = protocol if domain == SK.AF_UNIX else X.ipproto_to_host(protocol)
        try:
            s = socket.socket(hfam, htype, proto)
        except OSError as e:
            raise oserror_to_linux(e)
        return self._own(s, nonblock, cloexec)

    def socketpair(self, domain, type_, protocol):
        hfam = X.af_to_host(domain)
        if domain != SK.AF_UNIX:
            raise LinuxError(E.EOPNOTSUPP if domain in (SK.AF_INET, SK.AF_INET6) else E.EAFNOSUPPORT)
        htype, nonblock, cloexec = X.sock_type_to_host(type_)
        if htype is None:
            raise LinuxError(E.EINVAL)
        try:
            a, b = socket.socketpair(hfam, htype, protocol)
        except OSError as e:
            raise oserror_to_linux(e)
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
                nosig = X.host.get("SO_NOSIGPIPE")
                if nosig:
                    with Detached(fd) as s2:
                        s2.setsockopt(socket.SOL_SOCKET, nosig, 1)
        except OSError as e:
            os.close(fd)
            raise oserror_to_linux(e)
        return fd

    def bind(self, fd, addr):
        with Detached(fd) as s:
            hfam, a = linux_to_host_addr(addr, s.family)
            abstract = hfam == socket.AF_UNIX and not ABSTRACT_NATIVE and a.startswith(abstract_dir() + b"/")
            lock = claim_abstract(fd, a) if abstract else None
            try:
                unix_call(a, s.bind) if hfam == socket.AF_UNIX else s.bind(a)
            except OSError as e:
                release_abstract(a, lock)
                raise oserror_to_linux(e)
            except (TypeError, ValueError, OverflowError):
                release_abstract(a, lock)
                raise LinuxError(E.EINVAL)

    def connect(self, fd, addr, blocking=True):
        """connect(2). blocking: the fd is a blocking socket (the wait may be
        long and interruptible)."""
        try:
            fam, _ = SK.unpack_sockaddr(addr)
        except ValueError:
            raise LinuxError(E.EINVAL)
        if fam == SK.AF_UNSPEC:
            return self._disconnect(fd)
        with Detached(fd) as s:
            hfam, a = linux_to_host_addr(addr, s.family)
            if blocking:
                self._waits.begin_block()
            try:
                try:
                    err = unix_call(a, s.connect_ex) if hfam == socket.AF_UNIX else s.connect_ex(a)
                except (TypeError, ValueError, OverflowError):
                    raise LinuxError(E.EINVAL)
                except OSError as e:
                    raise oserror_to_linux(e)
            finally:
                if blocking:
                    self._waits.end_block()
        if err:
            if not ABSTRACT_NATIVE and hfam == socket.AF_UNIX and err == _herrno.ENOENT \
                    and SK.unpack_sockaddr(addr)[1][:1] == b"\0":
                err = _herrno.ECONNREFUSED     # an unknown abstract name is ECONNREFUSED on Linux
            raise LinuxError(X.errno_to_linux(err))

    def _disconnect(self, fd):
        """connect(AF_UNSPEC): dissolve a datagram socket's association."""
        import ctypes
        libc = _clib.open_libc()
        sa = struct.pack("=H14x", socket.AF_UNSPEC) if IS_LINUX else struct.pack("=BB14x", 16, socket.AF_UNSPEC)
        # SAFETY: a 16-byte sockaddr buffer owned by this frame.
        if libc.connect(fd, sa, len(sa)) != 0:
            e = ctypes.get_errno()
            if e not in (_herrno.EAFNOSUPPORT, _herrno.EINVAL):   # BSDs complain but dissolve
                raise LinuxError(X.errno_to_linux(e))

    def listen(self, fd, backlog):
        with Detached(fd) as s:
            try:
                s.listen(max(0, min(backlog, 4096)))
            except OSError as e:
                raise oserror_to_linux(e)

    def accept(self, fd, nonblock=False, cloexec=False, blocking=True):
        """accept4(2): (new fd, peer Linux sockaddr bytes). The new socket's
        O_NONBLOCK is set from `nonblock` only (BSDs inherit the listener's)."""
        with Detached(fd) as s:
            if blocking:
                self._waits.begin_block()
            try:
                nfd, addr = s._accept()
            except OSError as e:
                raise oserror_to_linux(e)
            finally:
                if blocking:
                    self._waits.end_block()
            hfam = s.family
        try:
            os.set_inheritable(nfd, not cloexec)
            os.set_blocking(nfd, not nonblock)
        except OSError as e:
            os.close(nfd)
            raise oserror_to_linux(e)
        return nfd, host_to_linux_addr(addr, hfam)

    def getsockname(self, fd):
        return self._socket_address(fd, "getsockname")

    def getpeername(self, fd):
        return self._socket_address(fd, "getpeername")

    @staticmethod
    def _socket_address(fd, which):
        """The Linux sockaddr of one end (`which`: getsockname or getpeername);
        a bare family word when the host gives no address (unbound, unnamed)."""
        with Detached(fd) as s:
            try:
                addr = getattr(s, which)()
            except OSError as e:
                raise oserror_to_linux(e)
            return host_to_linux_addr(addr, s.family) or SK.SOCKADDR_FAMILY.pack(X.af_to_linux(s.family) or 0)

    def socket_family(self, fd):
        """The Linux address family of a socket fd (ENOTSOCK otherwise)."""
        with Detached(fd) as s:
            return X.af_to_linux(s.family)

    def socket_type(self, fd):
        with Detached(fd) as s:
            return X.sock_type_to_linux(s.type & 0xF) if IS_LINUX else X.sock_type_to_linux(s.type)

    def shutdown(self, fd, how):
        h = X.shutdown_how_to_host(how)
        if h is None:
            raise LinuxError(E.EINVAL)
        with Detached(fd) as s:
            try:
                s.shutdown(h)
            except OSError as e:
                raise oserror_to_linux(e)

    def sendmsg(self, fd, buffers, addr=None, cmsgs=(), flags=0, blocking=True):
        """sendmsg(2): buffers (list of bytes), addr Linux sockaddr bytes or
        None, cmsgs [(level, type, data)] in Linux values, flags Linux MSG_*
        (MSG_NOSIGNAL is always given to the host when it has it: the caller
        raises SIGPIPE). Returns the byte count."""
        hflags = X.msg_flags_to_host(flags & ~SK.MSG_NOSIGNAL)
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
                hl = X.sockopt_to_host(level, type_)
                if hl is None:
                    raise LinuxError(E.EINVAL)
                anc.append((hl[0], hl[1], data))
            else:
                raise LinuxError(E.EINVAL)
        with Detached(fd) as s:
            a = linux_to_host_addr(addr, s.family)[1] if addr else None
            if blocking:
                self._waits.begin_block()
            try:
                if a is None:
                    return s.sendmsg(buffers, anc, hflags)
                if s.family == socket.AF_UNIX:
                    return unix_call(a, lambda x: s.sendmsg(buffers, anc, hflags, x))
                return s.sendmsg(buffers, anc, hflags, a)
            except OSError as e:
                if e.errno == _herrno.ENOENT and not ABSTRACT_NATIVE and s.family == socket.AF_UNIX \
                        and isinstance(a, bytes) and a.startswith(abstract_dir() + b"/"):
                    raise LinuxError(E.ECONNREFUSED)
                raise oserror_to_linux(e)
            except (TypeError, ValueError, OverflowError):
                raise LinuxError(E.EINVAL)
            finally:
                if blocking:
                    self._waits.end_block()

    def recvmsg(self, fd, size, ancsize=0, flags=0, blocking=True):
        """recvmsg(2): returns (n, data, cmsgs, msg_flags, addr): n is what
        the call returned (with MSG_TRUNC the real datagram length), data at
        most `size` bytes, cmsgs [(level, type, data)] in Linux values with
        received descriptors already installed (close-on-exec with
        MSG_CMSG_CLOEXEC), msg_flags Linux, addr Linux sockaddr bytes (b''
        when none)."""
        cloexec = bool(flags & SK.MSG_CMSG_CLOEXEC)
        hflags = X.msg_flags_to_host(flags & ~(SK.MSG_CMSG_CLOEXEC | SK.MSG_NOSIGNAL))
        buf = _rbuf(size)
        hanc = socket.CMSG_SPACE(ancsize) + 64 if ancsize else 0
        with Detached(fd) as s:
            if blocking:
                self._waits.begin_block()
            try:
                if IS_LINUX and cloexec:
                    hflags |= socket.MSG_CMSG_CLOEXEC
                n, anc, mflags, addr = s.recvmsg_into([buf], hanc, hflags)
            except OSError as e:
                raise oserror_to_linux(e)
            finally:
                if blocking:
                    self._waits.end_block()
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
        lflags = X.msg_flags_to_linux(mflags)
        if mflags & _HOST_MSG_CTRUNC:
            lflags |= SK.MSG_CTRUNC
        return n, bytes(buf[:min(n, size)]), cm, lflags, host_to_linux_addr(addr, hfam) if addr else b""

    @staticmethod
    def _cmsg_to_linux(level, type_):
        for lv, group in ((SK.IPPROTO_IP, "ip"), (SK.IPPROTO_IPV6, "ipv6")):
            if X.ipproto_to_host(lv) == level:
                v = X.maps[group].to_linux(type_)
                if v is not None:
                    return lv, v
        return None

    def send(self, fd, data, flags=0, blocking=True):
        return self.sendmsg(fd, [data], None, (), flags, blocking)

    # -- socket options -------------------------------------------------------------------------
    def setsockopt(self, fd, level, name, value):
        """setsockopt(2) with Linux level/name and the Linux value bytes.
        ENOPROTOOPT when the host has no such option."""
        h = X.sockopt_to_host(level, name)
        if h is None:
            raise LinuxError(E.ENOPROTOOPT)
        value = self._value_to_host(level, name, value)
        with Detached(fd) as s:
            try:
                s.setsockopt(h[0], h[1], value)
            except OSError as e:
                raise oserror_to_linux(e)

    def getsockopt(self, fd, level, name, size):
        """getsockopt(2): the Linux value bytes (at most `size`, at least the
        option's natural size for the caller to cut)."""
        if level == SK.SOL_SOCKET and name == SK.SO_PEERCRED:
            return self._peercred(fd)
        h = X.sockopt_to_host(level, name)
        if h is None:
            raise LinuxError(E.ENOPROTOOPT)
        with Detached(fd) as s:
            try:
                raw = s.getsockopt(h[0], h[1], max(size, 4, self._natural_size(level, name)))
            except OSError as e:
                raise oserror_to_linux(e)
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
            return struct.pack("<i", X.sockopt_value_to_linux(level, name, v))
        if not IS_LINUX and level == SK.SOL_SOCKET and name in (SK.SO_RCVTIMEO, SK.SO_SNDTIMEO) \
                and len(raw) >= 12:
            sec, usec = struct.unpack_from("=qi", raw)
            return struct.pack("<qq", sec, usec)
        return raw

    def _peercred(self, fd):
        """struct ucred of the peer of a Unix socket (Linux SO_PEERCRED; macOS
        LOCAL_PEERCRED + LOCAL_PEERPID)."""
        with Detached(fd) as s:
            try:
                if IS_LINUX:
                    return s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
                if s.family != socket.AF_UNIX:
                    return SK.UCRED.pack(0, 0xFFFFFFFF, 0xFFFFFFFF)
                xu = s.getsockopt(0, X.host.get("LOCAL_PEERCRED", 1), 76)
                _ver, uid, ngroups = struct.unpack_from("=IIh", xu)
                gid = struct.unpack_from("=I", xu, 12)[0] if ngroups > 0 else 0xFFFFFFFF
                try:
                    pid = _INT.unpack(s.getsockopt(0, X.host.get("LOCAL_PEERPID", 2), 4))[0]
                except OSError:
                    pid = 0
                return SK.UCRED.pack(pid, uid, gid)
            except OSError as e:
                if e.errno in (_herrno.ENOTCONN,) or not IS_LINUX:
                    return SK.UCRED.pack(0, 0xFFFFFFFF, 0xFFFFFFFF)
                raise oserror_to_linux(e)
