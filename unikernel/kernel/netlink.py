"""AF_NETLINK sockets answered by the unikernel: enough rtnetlink
(RTM_GETLINK and RTM_GETADDR, dumped or by index) for glibc's getifaddrs and
getaddrinfo(AI_ADDRCONFIG), musl's getifaddrs and if_nameindex, and the
tools that list links and addresses. The data comes from the host's
interfaces (host.interfaces(): getifaddrs and if_nameindex), so macOS hosts
answer too.

Owns: NetlinkSocket (a Pollable behind a reserved host fd): port ids
(the first socket of a process gets the pid, as Linux autobinds), a queue
of datagrams, MSG_PEEK/MSG_TRUNC/MSG_DONTWAIT, NLMSG_ERROR acks.
Other request types are answered with NLMSG_ERROR -EOPNOTSUPP; protocols
other than NETLINK_ROUTE exist but never deliver anything
(NETLINK_KOBJECT_UEVENT: no hot-plug events).
Who may import this: unikernel/syscall/net.py. Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import poll as P
from lxpack.abi import socket as SK
from lxpack.unikernel.errors import EAGAIN, EINVAL, EOPNOTSUPP
from lxpack.unikernel.kernel.readiness import Pollable, wait_object

ARPHRD_ETHER, ARPHRD_LOOPBACK = SK.ARPHRD_ETHER, SK.ARPHRD_LOOPBACK
IF_OPER_UP, IF_OPER_DOWN = SK.IF_OPER_UP, SK.IF_OPER_DOWN
DATAGRAM_MAX = 4000           # glibc reads netlink answers into 4 KiB buffers
RTNL_LINK_STATS = 24 * 4


def _scope4(addr):
    return SK.RT_SCOPE_HOST if addr[:1] == b"\x7f" else SK.RT_SCOPE_UNIVERSE


def _scope6(addr):
    if addr == b"\0" * 15 + b"\1":
        return SK.RT_SCOPE_HOST
    if addr[:2] == b"\xfe\x80":
        return SK.RT_SCOPE_LINK
    return SK.RT_SCOPE_UNIVERSE


class NetlinkSocket(Pollable):
    kind = "netlink"
    link_name = b"socket:[netlink]"

    def __init__(self, t, sock_type, protocol):
        Pollable.__init__(self)
        self.sock_type = sock_type
        self.protocol = protocol
        self.portid = 0
        self.groups = 0
        self.queue = []           # datagrams (bytes)
        self.rcvbuf = 212992
        self.sndbuf = 212992
        self.shut = False

    # -- addresses ------------------------------------------------------------------------------
    def _autobind(self, t):
        if self.portid:
            return
        p = t.process
        used = p.__dict__.setdefault("_lx_nl_ports", set())
        cand = p.pid
        n = 0
        while cand in used:
            n += 1
            cand = (-4096 - n) & 0xFFFFFFFF
        used.add(cand)
        self.portid = cand

    def bind(self, t, addr):
        if len(addr) < SK.SOCKADDR_NL.size:
            raise EINVAL()
        fam, _pad, pid, groups = SK.SOCKADDR_NL.unpack_from(addr)
        if fam != SK.AF_NETLINK:
            raise EINVAL()
        if pid and not self.portid:
            self.portid = pid
        self._autobind(t)
        self.groups = groups

    def sockname(self, t):
        self._autobind(t)
        return SK.SOCKADDR_NL.pack(SK.AF_NETLINK, 0, self.portid, self.groups)

    def closed(self, t):
        used = t.process.__dict__.get("_lx_nl_ports")
        if used is not None:
            used.discard(self.portid)

    @staticmethod
    def peername():
        return SK.SOCKADDR_NL.pack(SK.AF_NETLINK, 0, 0, 0)

    # -- readiness ----------------------------------------------------------------------------------
    def poll_mask(self, t):
        m = P.POLLOUT | P.POLLWRNORM
        if self.queue:
            m |= P.POLLIN | P.POLLRDNORM
        return m

    # -- data -------------------------------------------------------------------------------------
    def send(self, t, data):
        """A request from the guest: queue the answer. Returns len(data)."""
        self._autobind(t)
        if self.protocol != SK.NETLINK_ROUTE:
            return len(data)
        for type_, flags, seq, _pid, payload in SK.unpack_nlmsgs(data):
            if not flags & SK.NLM_F_REQUEST:
                continue
            self._answer(t, type_, flags, seq, payload, data)
        self.changed(t)
        return len(data)

    def recv(self, t, size, peek=False, dontwait=False):
        """(datagram bytes, full length) of the next answer."""
        def take():
            if self.queue:
                d = self.queue[0] if peek else self.queue.pop(0)
                return d
            if dontwait or self.nonblocking(t) or self.shut:
                raise EAGAIN()
            return None
        d = wait_object(t, self, take)
        return d[:size], len(d)

    def read(self, t, n):
        return self.recv(t, n)[0]

    def write(self, t, data):
        return self.send(t, data)

    # -- rtnetlink ----------------------------------------------------------------------------------
    def _answer(self, t, type_, flags, seq, payload, raw):
        pid = self.portid
        if type_ == SK.RTM_GETLINK:
            links = self._links(t)
            if flags & SK.NLM_F_DUMP == SK.NLM_F_DUMP:
                self._dump([self._link_msg(i, seq, pid, SK.NLM_F_MULTI) for i in links], seq, pid)
                return
            idx, name = 0, None
            if len(payload) >= SK.IFINFOMSG.size:
                idx = SK.IFINFOMSG.unpack_from(payload)[2]
                for at, val in SK.unpack_rtattrs(payload[SK.IFINFOMSG.size:]):
                    if at == SK.IFLA_IFNAME:
                        name = val.split(b"\0", 1)[0]
            for i in links:
                if (idx and i["index"] == idx) or (not idx and name is not None and i["name"] == name):
                    self.queue.append(self._link_msg(i, seq, pid, 0))
                    self._ack(flags, seq, pid, raw)
                    return
            self._error(19, seq, pid, raw)           # ENODEV
            return
        if type_ == SK.RTM_GETADDR:
            fam = payload[0] if payload else SK.AF_UNSPEC
            if flags & SK.NLM_F_DUMP == SK.NLM_F_DUMP:
                self._dump(self._addr_msgs(t, fam, seq, pid), seq, pid)
                return
            self._error(EOPNOTSUPP.errno, seq, pid, raw)
            return
        if type_ == SK.RTM_GETROUTE and flags & SK.NLM_F_DUMP == SK.NLM_F_DUMP:
            self._dump([], seq, pid)                 # no routes are reported
            return
        self._error(EOPNOTSUPP.errno, seq, pid, raw)

    def _links(self, t):
        try:
            return t.host.interfaces()
        except Exception:
            return []

    def _link_msg(self, i, seq, pid, flags):
        loop = bool(i["flags"] & SK.IFF_LOOPBACK)
        htype = ARPHRD_LOOPBACK if loop else ARPHRD_ETHER
        mac = i["mac"] or b"\0" * 6
        running = i["flags"] & SK.IFF_RUNNING
        flags_l = i["flags"] | (SK.IFF_LOWER_UP if running else 0)
        body = SK.IFINFOMSG.pack(SK.AF_UNSPEC, htype, i["index"], flags_l, 0)
        body += SK.pack_rtattr(SK.IFLA_IFNAME, i["name"] + b"\0")
        body += SK.pack_rtattr(SK.IFLA_TXQLEN, struct.pack("=I", 1000))
        body += SK.pack_rtattr(SK.IFLA_OPERSTATE, struct.pack("=B", IF_OPER_UP if running else IF_OPER_DOWN))
        body += SK.pack_rtattr(SK.IFLA_MTU, struct.pack("=I", i["mtu"]))
        body += SK.pack_rtattr(SK.IFLA_ADDRESS, mac)
        body += SK.pack_rtattr(SK.IFLA_BROADCAST, b"\0" * len(mac) if loop else b"\xff" * len(mac))
        body += SK.pack_rtattr(SK.IFLA_STATS, b"\0" * RTNL_LINK_STATS)
        return SK.pack_nlmsg(SK.RTM_NEWLINK, flags, seq, pid, body)

    def _addr_msgs(self, t, fam, seq, pid):
        links = self._links(t)
        out = []
        if fam in (SK.AF_UNSPEC, SK.AF_INET):
            for i in links:
                for f, addr, plen, brd, _scope in i["addrs"]:
                    if f != "inet":
                        continue
                    body = SK.IFADDRMSG.pack(SK.AF_INET, plen, SK.IFA_F_PERMANENT, _scope4(addr), i["index"])
                    body += SK.pack_rtattr(SK.IFA_ADDRESS, addr)
                    body += SK.pack_rtattr(SK.IFA_LOCAL, addr)
                    if brd:
                        body += SK.pack_rtattr(SK.IFA_BROADCAST, brd)
                    body += SK.pack_rtattr(SK.IFA_LABEL, i["name"] + b"\0")
                    body += SK.pack_rtattr(SK.IFA_FLAGS, struct.pack("=I", SK.IFA_F_PERMANENT))
                    out.append(SK.pack_nlmsg(SK.RTM_NEWADDR, SK.NLM_F_MULTI, seq, pid, body))
        if fam in (SK.AF_UNSPEC, SK.AF_INET6):
            for i in links:
                for f, addr, plen, _brd, _scope in i["addrs"]:
                    if f != "inet6":
                        continue
                    body = SK.IFADDRMSG.pack(SK.AF_INET6, plen, SK.IFA_F_PERMANENT, _scope6(addr), i["index"])
                    body += SK.pack_rtattr(SK.IFA_ADDRESS, addr)
                    body += SK.pack_rtattr(SK.IFA_CACHEINFO, SK.IFA_CACHEINFO_S.pack(0xFFFFFFFF, 0xFFFFFFFF, 0, 0))
                    body += SK.pack_rtattr(SK.IFA_FLAGS, struct.pack("=I", SK.IFA_F_PERMANENT))
                    out.append(SK.pack_nlmsg(SK.RTM_NEWADDR, SK.NLM_F_MULTI, seq, pid, body))
        return out

    def _dump(self, msgs, seq, pid):
        cur = b""
        for m in msgs:
            if cur and len(cur) + len(m) > DATAGRAM_MAX:
                self.queue.append(cur)
                cur = b""
            cur += m
        if cur:
            self.queue.append(cur)
        self.queue.append(SK.pack_nlmsg(SK.NLMSG_DONE, SK.NLM_F_MULTI, seq, pid, struct.pack("=i", 0)))

    def _ack(self, flags, seq, pid, raw):
        if flags & SK.NLM_F_ACK:
            self._error(0, seq, pid, raw)

    def _error(self, errno, seq, pid, raw):
        hdr = raw[:SK.NLMSGHDR.size].ljust(SK.NLMSGHDR.size, b"\0")
        self.queue.append(SK.pack_nlmsg(SK.NLMSG_ERROR, 0, seq, pid, struct.pack("=i", -errno) + hdr))
