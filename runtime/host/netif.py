"""The host's network interfaces, for the unikernel's rtnetlink answers
(getaddrinfo, getifaddrs, if_nameindex of the guest).

Owns: host_interfaces() (getifaddrs through ctypes), with flags as Linux
IFF_* by name and addresses as raw bytes. Private to runtime/host (the
facade binds it as host.interfaces). Python 3.9 compatible.
"""
import socket
import struct

from lxpack.abi import socket as SK
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import IS_LINUX, X
from lxpack.runtime.host.api import LinuxError

_IFF_NAMES = ("IFF_UP", "IFF_BROADCAST", "IFF_DEBUG", "IFF_LOOPBACK", "IFF_POINTOPOINT",
              "IFF_NOTRAILERS", "IFF_RUNNING", "IFF_NOARP", "IFF_PROMISC", "IFF_ALLMULTI",
              "IFF_MULTICAST")


def _iff_to_linux(hflags):
    if IS_LINUX:
        return hflags & 0xFFFF
    from lxpack.runtime.host.macos_constants import MACOS_IFF
    out = 0
    for n in _IFF_NAMES:
        if hflags & MACOS_IFF[n]:
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
        raise LinuxError(X.errno_to_linux(ctypes.get_errno()))
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
