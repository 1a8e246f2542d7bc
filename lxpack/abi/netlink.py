"""Linux netlink and network-interface ABI: NETLINK_* protocols, nlmsghdr
and NLM_F_*/NLMSG_* flags, the rtnetlink subset needed for RTM_GETLINK and
RTM_GETADDR (ifinfomsg, ifaddrmsg, rtattr, IFLA_*/IFA_*), interface flags
(IFF_*), ARPHRD_* link types, IFNAMSIZ, and the SIOCGIF* interface ioctls
with their struct ifreq.

Split out of socket.py (which re-exports every name here, so SK.RTM_GETLINK
keeps working). Sources: linux/netlink.h, linux/rtnetlink.h,
linux/if_link.h, linux/if_addr.h, linux/if.h (IFF_*, IFNAMSIZ, struct
ifreq), linux/if_arp.h, linux/sockios.h; netlink(7), rtnetlink(7),
netdevice(7).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

# --- netlink / rtnetlink (RTM_GETLINK, RTM_GETADDR) -------------------------------------
NETLINK_ROUTE = 0
NETLINK_UNUSED = 1
NETLINK_USERSOCK = 2
NETLINK_FIREWALL = 3
NETLINK_SOCK_DIAG = 4
NETLINK_NFLOG = 5
NETLINK_XFRM = 6
NETLINK_SELINUX = 7
NETLINK_ISCSI = 8
NETLINK_AUDIT = 9
NETLINK_FIB_LOOKUP = 10
NETLINK_CONNECTOR = 11
NETLINK_NETFILTER = 12
NETLINK_IP6_FW = 13
NETLINK_DNRTMSG = 14
NETLINK_KOBJECT_UEVENT = 15
NETLINK_GENERIC = 16

NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_ECHO = 0x08
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP_FILTERED = 0x20
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_ATOMIC = 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

NLMSG_NOOP = 0x1
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
NLMSG_OVERRUN = 0x4
NLMSG_MIN_TYPE = 0x10
NLMSG_ALIGNTO = 4

RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_DELROUTE = 25
RTM_GETROUTE = 26

IFLA_UNSPEC = 0
IFLA_ADDRESS = 1
IFLA_BROADCAST = 2
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINK = 5
IFLA_QDISC = 6
IFLA_STATS = 7
IFLA_COST = 8
IFLA_PRIORITY = 9
IFLA_MASTER = 10
IFLA_WIRELESS = 11
IFLA_PROTINFO = 12
IFLA_TXQLEN = 13
IFLA_MAP = 14
IFLA_WEIGHT = 15
IFLA_OPERSTATE = 16
IFLA_LINKMODE = 17
IFLA_LINKINFO = 18
IFLA_NET_NS_PID = 19
IFLA_IFALIAS = 20
IFLA_NUM_VF = 21
IFLA_VFINFO_LIST = 22
IFLA_STATS64 = 23
IFLA_VF_PORTS = 24
IFLA_PORT_SELF = 25
IFLA_AF_SPEC = 26
IFLA_GROUP = 27
IFLA_NET_NS_FD = 28
IFLA_EXT_MASK = 29
IFLA_PROMISCUITY = 30
IFLA_NUM_TX_QUEUES = 31
IFLA_NUM_RX_QUEUES = 32
IFLA_CARRIER = 33
IFLA_PHYS_PORT_ID = 34
IFLA_CARRIER_CHANGES = 35
IFLA_PHYS_SWITCH_ID = 36
IFLA_LINK_NETNSID = 37
IFLA_PHYS_PORT_NAME = 38
IFLA_PROTO_DOWN = 39
IFLA_GSO_MAX_SEGS = 40
IFLA_GSO_MAX_SIZE = 41
IFLA_PAD = 42
IFLA_XDP = 43
IFLA_EVENT = 44
IFLA_MIN_MTU = 50
IFLA_MAX_MTU = 51

IFA_UNSPEC = 0
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
IFA_BROADCAST = 4
IFA_ANYCAST = 5
IFA_CACHEINFO = 6
IFA_MULTICAST = 7
IFA_FLAGS = 8
IFA_RT_PRIORITY = 9
IFA_TARGET_NETNSID = 10

IFA_F_SECONDARY = 0x01
IFA_F_TEMPORARY = IFA_F_SECONDARY
IFA_F_NODAD = 0x02
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
IFA_F_MCAUTOJOIN = 0x400
IFA_F_STABLE_PRIVACY = 0x800

RT_SCOPE_UNIVERSE = 0
RT_SCOPE_SITE = 200
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255

IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_DEBUG = 0x4
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_NOTRAILERS = 0x20
IFF_RUNNING = 0x40
IFF_NOARP = 0x80
IFF_PROMISC = 0x100
IFF_ALLMULTI = 0x200
IFF_MASTER = 0x400
IFF_SLAVE = 0x800
IFF_MULTICAST = 0x1000
IFF_PORTSEL = 0x2000
IFF_AUTOMEDIA = 0x4000
IFF_DYNAMIC = 0x8000
IFF_LOWER_UP = 0x10000
IFF_DORMANT = 0x20000
IFF_ECHO = 0x40000
IFNAMSIZ = 16

ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 0xFFFE

IF_OPER_UNKNOWN = 0
IF_OPER_NOTPRESENT = 1
IF_OPER_DOWN = 2
IF_OPER_LOWERLAYERDOWN = 3
IF_OPER_TESTING = 4
IF_OPER_DORMANT = 5
IF_OPER_UP = 6

# struct sockaddr_nl { sa_family_t nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; }  12
SOCKADDR_NL = _struct.Struct("=HHII")
# struct nlmsghdr { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }
NLMSGHDR = _struct.Struct("=IHHII")        # 16 bytes
# struct nlmsgerr { int error; struct nlmsghdr msg; }
NLMSGERR = _struct.Struct("=iIHHII")       # 20 bytes
# struct ifinfomsg { u8 family; u8 pad; u16 type; int index; u32 flags; u32 change; }
IFINFOMSG = _struct.Struct("=BxHiII")      # 16 bytes
# struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; }
IFADDRMSG = _struct.Struct("=BBBBI")       # 8 bytes
# struct rtattr { u16 rta_len; u16 rta_type; }
RTATTR = _struct.Struct("=HH")             # 4 bytes
# struct rtgenmsg { u8 rtgen_family; }
RTGENMSG = _struct.Struct("=B")
# struct ifa_cacheinfo { u32 ifa_prefered, ifa_valid, cstamp, tstamp; }
IFA_CACHEINFO_S = _struct.Struct("=IIII")


def NLMSG_ALIGN(n):
    return (n + 3) & ~3


RTA_ALIGN = NLMSG_ALIGN


def pack_rtattr(type_, payload):
    """One rtattr with its payload, padded to 4."""
    payload = bytes(payload)
    n = RTATTR.size + len(payload)
    return RTATTR.pack(n, type_) + payload + b"\0" * (NLMSG_ALIGN(n) - n)


def pack_nlmsg(type_, flags, seq, pid, payload):
    """One netlink message (header + payload), padded to 4."""
    payload = bytes(payload)
    n = NLMSGHDR.size + len(payload)
    return NLMSGHDR.pack(n, type_, flags, seq, pid) + payload + b"\0" * (NLMSG_ALIGN(n) - n)


def unpack_nlmsgs(buf):
    """Yield (type, flags, seq, pid, payload) from a netlink buffer."""
    pos, end = 0, len(buf)
    while pos + NLMSGHDR.size <= end:
        n, type_, flags, seq, pid = NLMSGHDR.unpack_from(buf, pos)
        if n < NLMSGHDR.size or pos + n > end:
            return
        yield type_, flags, seq, pid, bytes(buf[pos + NLMSGHDR.size:pos + n])
        pos += NLMSG_ALIGN(n)


def unpack_rtattrs(buf):
    """Yield (type, payload) from a run of rtattrs."""
    pos, end = 0, len(buf)
    while pos + RTATTR.size <= end:
        n, type_ = RTATTR.unpack_from(buf, pos)
        if n < RTATTR.size or pos + n > end:
            return
        yield type_, bytes(buf[pos + RTATTR.size:pos + n])
        pos += NLMSG_ALIGN(n)


# --- interface ioctls (linux/sockios.h; netdevice(7)) ----------------------------------
SIOCATMARK = 0x8905
SIOCGIFNAME = 0x8910
SIOCGIFCONF = 0x8912
SIOCGIFFLAGS = 0x8913
SIOCGIFADDR = 0x8915
SIOCGIFDSTADDR = 0x8917
SIOCGIFBRDADDR = 0x8919
SIOCGIFNETMASK = 0x891B
SIOCGIFMETRIC = 0x891D
SIOCGIFMTU = 0x8921
SIOCGIFHWADDR = 0x8927
SIOCGIFINDEX = 0x8933
SIOCGIFTXQLEN = 0x8942
# struct ifreq { char ifr_name[IFNAMSIZ]; union { sockaddr, short, int, map, ... } }  40 bytes
IFREQ_SIZE = 40
