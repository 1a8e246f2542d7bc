"""Socket addresses on the POSIX host: Linux struct sockaddr bytes <->
the addresses Python's socket module takes, Linux abstract Unix names, and
the per-call socket object over a guest descriptor.

Owns: linux_to_host_addr/host_to_linux_addr, Detached (a Python socket
over a guest fd for one call: guest fd N is host fd N), the emulation of
abstract names and long Unix paths (below).

Linux abstract Unix socket names (leading NUL) are native on a Linux host;
elsewhere (or with LXPACK_ABSTRACT=emulate) they live as sockets in a
private per-user directory (/tmp/lxpack-UID/abstract/<sha1 of the name>,
with the name beside it in <sha1>.name for the way back), so two lxpack
processes meeting on one abstract name connect. A name is taken while its
binder holds an flock on <sha1>.lock; a socket file left by a process that
died is replaced at the next bind.

Linux sun_path holds 108 bytes, macOS's 104: a longer path is bound or
connected relative to its directory (chdir there and back).

Private to runtime/host (sockets.py, readiness.py). Python 3.9 compatible.
"""
import errno as _herrno
import fcntl
import os
import socket
import _socket
import stat as _stat

from lxpack.abi import errno as E
from lxpack.abi import socket as SK
from lxpack.runtime.host._common import IS_LINUX, X, high, oserror_to_linux
from lxpack.runtime.host.api import LinuxError

HOST_SUN_PATH = 108 if IS_LINUX else 104
ABSTRACT_NATIVE = IS_LINUX and os.environ.get("LXPACK_ABSTRACT", "") != "emulate"


class Detached(object):
    """A Python socket object over a guest fd for the length of one call;
    the fd stays the guest's (detached, never closed, on the way out)."""
    __slots__ = ("s",)

    def __init__(self, fd):
        if fd < 0:
            raise LinuxError(E.EBADF)      # Python refuses it before any system call
        try:
            self.s = _socket.socket(fileno=fd)
        except OSError as e:
            if e.errno == _herrno.ENOTSOCK:
                raise LinuxError(E.ENOTSOCK)
            raise oserror_to_linux(e)

    def __enter__(self):
        return self.s

    def __exit__(self, *exc):
        self.s.detach()
        return False


# -- addresses -----------------------------------------------------------------------------
def abstract_dir():
    d = "/tmp/lxpack-%d" % os.getuid()
    sub = os.path.join(d, "abstract")
    for p in (d, sub):
        try:
            os.mkdir(p, 0o700)
        except FileExistsError:
            pass
        except OSError as e:
            raise oserror_to_linux(e)
        st = os.lstat(p)
        if not _stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
            # someone else's directory: never put our sockets there
            raise LinuxError(E.EACCES)
    return sub.encode()


_ABSTRACT_BACK = {}


def _abstract_path(name):
    """Host path for a Linux abstract name (bytes with the leading NUL)."""
    import hashlib                # rare: not worth ~5 ms at every start
    h = hashlib.sha1(name).hexdigest().encode()
    d = abstract_dir()
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


def claim_abstract(fd, path):
    """Take an abstract name (emulated): a socket file in the private
    directory plus an exclusive flock on <path>.lock held by this process
    (and its forks) while the socket lives. A name whose lock nobody holds
    is free: a stale socket file left by a dead process is removed."""
    held = _ABSTRACT_HELD.get(path)
    if held is not None:
        old_fd, lock = held
        try:
            with Detached(old_fd) as s:
                alive = os.fsencode(s.getsockname() or "") == path
        except (OSError, LinuxError):
            alive = False
        if alive:
            raise LinuxError(E.EADDRINUSE)
        release_abstract(path, lock)
    try:
        lock = os.open(path + b".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise oserror_to_linux(e)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        raise LinuxError(E.EADDRINUSE)
    lock = high(lock)
    try:
        os.unlink(path)
    except OSError:
        pass
    _ABSTRACT_HELD[path] = (fd, lock)
    return lock


def release_abstract(path, lock):
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
                raise LinuxError(E.EINVAL)
            if X.af_to_host(fam) != sock_family:
                raise LinuxError(E.EAFNOSUPPORT)
        elif sock_family == socket.AF_UNIX and fam != SK.AF_UNIX:
            raise LinuxError(E.EINVAL)
    try:
        fam, addr = SK.unpack_sockaddr(data)
    except ValueError:
        raise LinuxError(E.EINVAL)
    hfam = X.af_to_host(fam)
    if hfam is None:
        raise LinuxError(E.EAFNOSUPPORT)
    if fam == SK.AF_UNIX:
        if addr[:1] == b"\0" and not ABSTRACT_NATIVE:
            addr = _abstract_path(addr)
        return hfam, addr
    if fam == SK.AF_INET6:
        host, port, flow, scope = addr
        return hfam, (host, port, flow, scope)
    if fam == SK.AF_INET:
        return hfam, addr
    raise LinuxError(E.EAFNOSUPPORT)


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


def unix_call(addr, fn):
    """fn(addr) for a Unix path too long for the host's sun_path: relative
    to its directory."""
    if not isinstance(addr, bytes) or len(addr) < HOST_SUN_PATH or addr[:1] == b"\0":
        return fn(addr)
    d, base = os.path.split(addr)
    if len(base) >= HOST_SUN_PATH:
        raise LinuxError(E.EINVAL)
    here = os.open(".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.chdir(d or b"/")
        return fn(base)
    finally:
        os.fchdir(here)
        os.close(here)
