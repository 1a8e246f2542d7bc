"""Linux x86-64 socket ABI: address families, socket types and flags, socket
levels and options (SOL_SOCKET/SO_*, IPPROTO_*, TCP_*, IP_*, IPV6_*), MSG_*
flags, SHUT_*, SCM_*, sockaddr_in/in6/un, msghdr/cmsghdr/iovec/ucred/linger
layouts; netlink, rtnetlink and interface ioctls are in netlink.py
(re-exported here).

Sources: linux/socket.h, asm-generic/socket.h (SO_*), glibc <sys/socket.h>
(AF_*, SOCK_*, MSG_*, SHUT_*, SCM_*), linux/in.h and glibc <netinet/in.h>
(IPPROTO_*, IP_*), linux/in6.h and glibc <netinet/in.h> (IPV6_*), linux/tcp.h
(TCP_*), linux/un.h, linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
linux/if_addr.h, linux/if.h (IFF_*), linux/if_arp.h; socket(7), ip(7),
ipv6(7), tcp(7), unix(7), netlink(7), rtnetlink(7).

Leaf module: constants, struct layouts and pure address helpers only; it must
not import the host's socket module (the unikernel imports abi).
"""
import struct as _struct

from ._table import table as _table

# --- address families --------------------------------------------------------------
AF_UNSPEC = 0
AF_UNIX = 1
AF_LOCAL = AF_UNIX
AF_INET = 2
AF_AX25 = 3
AF_IPX = 4
AF_APPLETALK = 5
AF_NETROM = 6
AF_BRIDGE = 7
AF_ATMPVC = 8
AF_X25 = 9
AF_INET6 = 10
AF_ROSE = 11
AF_DECnet = 12
AF_NETBEUI = 13
AF_SECURITY = 14
AF_KEY = 15
AF_NETLINK = 16
AF_ROUTE = AF_NETLINK
AF_PACKET = 17
AF_ASH = 18
AF_ECONET = 19
AF_ATMSVC = 20
AF_RDS = 21
AF_SNA = 22
AF_IRDA = 23
AF_PPPOX = 24
AF_WANPIPE = 25
AF_LLC = 26
AF_IB = 27
AF_MPLS = 28
AF_CAN = 29
AF_TIPC = 30
AF_BLUETOOTH = 31
AF_IUCV = 32
AF_RXRPC = 33
AF_ISDN = 34
AF_PHONET = 35
AF_IEEE802154 = 36
AF_CAIF = 37
AF_ALG = 38
AF_NFC = 39
AF_VSOCK = 40
AF_KCM = 41
AF_QIPCRTR = 42
AF_SMC = 43
AF_XDP = 44
AF_MCTP = 45
AF_MAX = 46
ADDRESS_FAMILIES = _table(globals(), """AF_UNSPEC AF_UNIX AF_INET AF_AX25 AF_IPX
    AF_APPLETALK AF_NETROM AF_BRIDGE AF_ATMPVC AF_X25 AF_INET6 AF_ROSE AF_DECnet
    AF_NETBEUI AF_SECURITY AF_KEY AF_NETLINK AF_PACKET AF_ASH AF_ECONET AF_ATMSVC AF_RDS
    AF_SNA AF_IRDA AF_PPPOX AF_WANPIPE AF_LLC AF_IB AF_MPLS AF_CAN AF_TIPC AF_BLUETOOTH
    AF_IUCV AF_RXRPC AF_ISDN AF_PHONET AF_IEEE802154 AF_CAIF AF_ALG AF_NFC AF_VSOCK
    AF_KCM AF_QIPCRTR AF_SMC AF_XDP AF_MCTP""")

# --- socket types ------------------------------------------------------------------
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOCK_RDM = 4
SOCK_SEQPACKET = 5
SOCK_DCCP = 6
SOCK_PACKET = 10
SOCK_TYPE_MASK = 0xF
SOCK_NONBLOCK = 0o4000       # = O_NONBLOCK
SOCK_CLOEXEC = 0o2000000     # = O_CLOEXEC
SOCK_TYPES = _table(globals(), "SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_RDM SOCK_SEQPACKET SOCK_DCCP SOCK_PACKET")
SOCK_FLAGS = _table(globals(), "SOCK_NONBLOCK SOCK_CLOEXEC")

# --- levels ------------------------------------------------------------------------
SOL_SOCKET = 1
SOL_IP = 0
SOL_TCP = 6
SOL_UDP = 17
SOL_IPV6 = 41
SOL_ICMPV6 = 58
SOL_RAW = 255
SOL_PACKET = 263
SOL_NETLINK = 270
SOL_ALG = 279

# --- SOL_SOCKET options (asm-generic/socket.h) -------------------------------------
SO_DEBUG = 1
SO_REUSEADDR = 2
SO_TYPE = 3
SO_ERROR = 4
SO_DONTROUTE = 5
SO_BROADCAST = 6
SO_SNDBUF = 7
SO_RCVBUF = 8
SO_KEEPALIVE = 9
SO_OOBINLINE = 10
SO_NO_CHECK = 11
SO_PRIORITY = 12
SO_LINGER = 13
SO_BSDCOMPAT = 14
SO_REUSEPORT = 15
SO_PASSCRED = 16
SO_PEERCRED = 17
SO_RCVLOWAT = 18
SO_SNDLOWAT = 19
SO_RCVTIMEO_OLD = 20
SO_SNDTIMEO_OLD = 21
SO_RCVTIMEO = SO_RCVTIMEO_OLD          # 64-bit: time_t == long
SO_SNDTIMEO = SO_SNDTIMEO_OLD
SO_SECURITY_AUTHENTICATION = 22
SO_SECURITY_ENCRYPTION_TRANSPORT = 23
SO_SECURITY_ENCRYPTION_NETWORK = 24
SO_BINDTODEVICE = 25
SO_ATTACH_FILTER = 26
SO_DETACH_FILTER = 27
SO_PEERNAME = 28
SO_TIMESTAMP_OLD = 29
SO_TIMESTAMP = SO_TIMESTAMP_OLD
SO_ACCEPTCONN = 30
SO_PEERSEC = 31
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33
SO_PASSSEC = 34
SO_TIMESTAMPNS_OLD = 35
SO_TIMESTAMPNS = SO_TIMESTAMPNS_OLD
SO_MARK = 36
SO_TIMESTAMPING_OLD = 37
SO_TIMESTAMPING = SO_TIMESTAMPING_OLD
SO_PROTOCOL = 38
SO_DOMAIN = 39
SO_RXQ_OVFL = 40
SO_WIFI_STATUS = 41
SO_PEEK_OFF = 42
SO_NOFCS = 43
SO_LOCK_FILTER = 44
SO_SELECT_ERR_QUEUE = 45
SO_BUSY_POLL = 46
SO_MAX_PACING_RATE = 47
SO_BPF_EXTENSIONS = 48
SO_INCOMING_CPU = 49
SO_ATTACH_BPF = 50
SO_ATTACH_REUSEPORT_CBPF = 51
SO_ATTACH_REUSEPORT_EBPF = 52
SO_CNX_ADVICE = 53
SO_MEMINFO = 55
SO_INCOMING_NAPI_ID = 56
SO_COOKIE = 57
SO_PEERGROUPS = 59
SO_ZEROCOPY = 60
SO_TXTIME = 61
SO_BINDTOIFINDEX = 62
SO_TIMESTAMP_NEW = 63
SO_TIMESTAMPNS_NEW = 64
SO_TIMESTAMPING_NEW = 65
SO_RCVTIMEO_NEW = 66
SO_SNDTIMEO_NEW = 67
SO_DETACH_REUSEPORT_BPF = 68
SO_PREFER_BUSY_POLL = 69
SO_BUSY_POLL_BUDGET = 70
SO_NETNS_COOKIE = 71
SO_BUF_LOCK = 72
SO_RESERVE_MEM = 73
SO_TXREHASH = 74
SO_RCVMARK = 75
SOCKET_OPTIONS = _table(globals(), """SO_DEBUG SO_REUSEADDR SO_TYPE SO_ERROR SO_DONTROUTE
    SO_BROADCAST SO_SNDBUF SO_RCVBUF SO_KEEPALIVE SO_OOBINLINE SO_NO_CHECK SO_PRIORITY
    SO_LINGER SO_BSDCOMPAT SO_REUSEPORT SO_PASSCRED SO_PEERCRED SO_RCVLOWAT SO_SNDLOWAT
    SO_RCVTIMEO SO_SNDTIMEO SO_BINDTODEVICE SO_ATTACH_FILTER SO_DETACH_FILTER
    SO_PEERNAME SO_TIMESTAMP SO_ACCEPTCONN SO_PEERSEC SO_SNDBUFFORCE SO_RCVBUFFORCE
    SO_PASSSEC SO_TIMESTAMPNS SO_MARK SO_TIMESTAMPING SO_PROTOCOL SO_DOMAIN SO_RXQ_OVFL
    SO_WIFI_STATUS SO_PEEK_OFF SO_NOFCS SO_LOCK_FILTER SO_SELECT_ERR_QUEUE SO_BUSY_POLL
    SO_MAX_PACING_RATE SO_BPF_EXTENSIONS SO_INCOMING_CPU SO_ATTACH_BPF
    SO_ATTACH_REUSEPORT_CBPF SO_ATTACH_REUSEPORT_EBPF SO_CNX_ADVICE SO_MEMINFO
    SO_INCOMING_NAPI_ID SO_COOKIE SO_PEERGROUPS SO_ZEROCOPY SO_TXTIME SO_BINDTOIFINDEX
    SO_TIMESTAMP_NEW SO_TIMESTAMPNS_NEW SO_TIMESTAMPING_NEW SO_RCVTIMEO_NEW
    SO_SNDTIMEO_NEW SO_DETACH_REUSEPORT_BPF SO_PREFER_BUSY_POLL SO_BUSY_POLL_BUDGET
    SO_NETNS_COOKIE SO_BUF_LOCK SO_RESERVE_MEM SO_TXREHASH SO_RCVMARK""")

SOMAXCONN = 4096

# --- IP protocols -----------------------------------------------------------------------
IPPROTO_IP = 0
IPPROTO_HOPOPTS = 0
IPPROTO_ICMP = 1
IPPROTO_IGMP = 2
IPPROTO_IPIP = 4
IPPROTO_TCP = 6
IPPROTO_EGP = 8
IPPROTO_PUP = 12
IPPROTO_UDP = 17
IPPROTO_IDP = 22
IPPROTO_TP = 29
IPPROTO_DCCP = 33
IPPROTO_IPV6 = 41
IPPROTO_ROUTING = 43
IPPROTO_FRAGMENT = 44
IPPROTO_RSVP = 46
IPPROTO_GRE = 47
IPPROTO_ESP = 50
IPPROTO_AH = 51
IPPROTO_ICMPV6 = 58
IPPROTO_NONE = 59
IPPROTO_DSTOPTS = 60
IPPROTO_MTP = 92
IPPROTO_BEETPH = 94
IPPROTO_ENCAP = 98
IPPROTO_PIM = 103
IPPROTO_COMP = 108
IPPROTO_SCTP = 132
IPPROTO_MH = 135
IPPROTO_UDPLITE = 136
IPPROTO_MPLS = 137
IPPROTO_ETHERNET = 143
IPPROTO_RAW = 255
IPPROTO_MPTCP = 262
IP_PROTOCOLS = _table(globals(), """IPPROTO_IP IPPROTO_ICMP IPPROTO_IGMP IPPROTO_IPIP
    IPPROTO_TCP IPPROTO_EGP IPPROTO_PUP IPPROTO_UDP IPPROTO_IDP IPPROTO_TP IPPROTO_DCCP
    IPPROTO_IPV6 IPPROTO_ROUTING IPPROTO_FRAGMENT IPPROTO_RSVP IPPROTO_GRE IPPROTO_ESP
    IPPROTO_AH IPPROTO_ICMPV6 IPPROTO_NONE IPPROTO_DSTOPTS IPPROTO_MTP IPPROTO_BEETPH
    IPPROTO_ENCAP IPPROTO_PIM IPPROTO_COMP IPPROTO_SCTP IPPROTO_MH IPPROTO_UDPLITE
    IPPROTO_MPLS IPPROTO_ETHERNET IPPROTO_RAW IPPROTO_MPTCP""")

# --- IPPROTO_TCP options (linux/tcp.h) -------------------------------------------------
TCP_NODELAY = 1
TCP_MAXSEG = 2
TCP_CORK = 3
TCP_KEEPIDLE = 4
TCP_KEEPINTVL = 5
TCP_KEEPCNT = 6
TCP_SYNCNT = 7
TCP_LINGER2 = 8
TCP_DEFER_ACCEPT = 9
TCP_WINDOW_CLAMP = 10
TCP_INFO = 11
TCP_QUICKACK = 12
TCP_CONGESTION = 13
TCP_MD5SIG = 14
TCP_THIN_LINEAR_TIMEOUTS = 16
TCP_THIN_DUPACK = 17
TCP_USER_TIMEOUT = 18
TCP_REPAIR = 19
TCP_REPAIR_QUEUE = 20
TCP_QUEUE_SEQ = 21
TCP_REPAIR_OPTIONS = 22
TCP_FASTOPEN = 23
TCP_TIMESTAMP = 24
TCP_NOTSENT_LOWAT = 25
TCP_CC_INFO = 26
TCP_SAVE_SYN = 27
TCP_SAVED_SYN = 28
TCP_REPAIR_WINDOW = 29
TCP_FASTOPEN_CONNECT = 30
TCP_ULP = 31
TCP_MD5SIG_EXT = 32
TCP_FASTOPEN_KEY = 33
TCP_FASTOPEN_NO_COOKIE = 34
TCP_ZEROCOPY_RECEIVE = 35
TCP_INQ = 36
TCP_TX_DELAY = 37
TCP_OPTIONS = _table(globals(), """TCP_NODELAY TCP_MAXSEG TCP_CORK TCP_KEEPIDLE
    TCP_KEEPINTVL TCP_KEEPCNT TCP_SYNCNT TCP_LINGER2 TCP_DEFER_ACCEPT TCP_WINDOW_CLAMP
    TCP_INFO TCP_QUICKACK TCP_CONGESTION TCP_MD5SIG TCP_THIN_LINEAR_TIMEOUTS
    TCP_THIN_DUPACK TCP_USER_TIMEOUT TCP_REPAIR TCP_REPAIR_QUEUE TCP_QUEUE_SEQ
    TCP_REPAIR_OPTIONS TCP_FASTOPEN TCP_TIMESTAMP TCP_NOTSENT_LOWAT TCP_CC_INFO
    TCP_SAVE_SYN TCP_SAVED_SYN TCP_REPAIR_WINDOW TCP_FASTOPEN_CONNECT TCP_ULP
    TCP_MD5SIG_EXT TCP_FASTOPEN_KEY TCP_FASTOPEN_NO_COOKIE TCP_ZEROCOPY_RECEIVE TCP_INQ
    TCP_TX_DELAY""")

# --- IPPROTO_UDP options ----------------------------------------------------------------
UDP_CORK = 1
UDP_ENCAP = 100
UDP_SEGMENT = 103
UDP_GRO = 104
UDP_OPTIONS = _table(globals(), "UDP_CORK UDP_ENCAP UDP_SEGMENT UDP_GRO")

# --- IPPROTO_IP options (linux/in.h) ------------------------------------------------------
IP_TOS = 1
IP_TTL = 2
IP_HDRINCL = 3
IP_OPTIONS = 4
IP_ROUTER_ALERT = 5
IP_RECVOPTS = 6
IP_RETOPTS = 7
IP_PKTINFO = 8
IP_PKTOPTIONS = 9
IP_MTU_DISCOVER = 10
IP_RECVERR = 11
IP_RECVTTL = 12
IP_RECVTOS = 13
IP_MTU = 14
IP_FREEBIND = 15
IP_IPSEC_POLICY = 16
IP_XFRM_POLICY = 17
IP_PASSSEC = 18
IP_TRANSPARENT = 19
IP_ORIGDSTADDR = 20
IP_RECVORIGDSTADDR = IP_ORIGDSTADDR
IP_MINTTL = 21
IP_NODEFRAG = 22
IP_CHECKSUM = 23
IP_BIND_ADDRESS_NO_PORT = 24
IP_RECVFRAGSIZE = 25
IP_RECVERR_RFC4884 = 26
IP_MULTICAST_IF = 32
IP_MULTICAST_TTL = 33
IP_MULTICAST_LOOP = 34
IP_ADD_MEMBERSHIP = 35
IP_DROP_MEMBERSHIP = 36
IP_UNBLOCK_SOURCE = 37
IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40
IP_MSFILTER = 41
IP_MULTICAST_ALL = 49
IP_UNICAST_IF = 50
IP_OPTIONS_BY_NAME = _table(globals(), """IP_TOS IP_TTL IP_HDRINCL IP_OPTIONS
    IP_ROUTER_ALERT IP_RECVOPTS IP_RETOPTS IP_PKTINFO IP_PKTOPTIONS IP_MTU_DISCOVER
    IP_RECVERR IP_RECVTTL IP_RECVTOS IP_MTU IP_FREEBIND IP_IPSEC_POLICY IP_XFRM_POLICY
    IP_PASSSEC IP_TRANSPARENT IP_RECVORIGDSTADDR IP_MINTTL IP_NODEFRAG IP_CHECKSUM
    IP_BIND_ADDRESS_NO_PORT IP_RECVFRAGSIZE IP_RECVERR_RFC4884 IP_MULTICAST_IF
    IP_MULTICAST_TTL IP_MULTICAST_LOOP IP_ADD_MEMBERSHIP IP_DROP_MEMBERSHIP
    IP_UNBLOCK_SOURCE IP_BLOCK_SOURCE IP_ADD_SOURCE_MEMBERSHIP IP_DROP_SOURCE_MEMBERSHIP
    IP_MSFILTER IP_MULTICAST_ALL IP_UNICAST_IF""")

IP_PMTUDISC_DONT = 0
IP_PMTUDISC_WANT = 1
IP_PMTUDISC_DO = 2
IP_PMTUDISC_PROBE = 3

# --- IPPROTO_IPV6 options (linux/in6.h; glibc spells 20/21 IPV6_ADD/DROP_MEMBERSHIP) -----
IPV6_ADDRFORM = 1
IPV6_2292PKTINFO = 2
IPV6_2292HOPOPTS = 3
IPV6_2292DSTOPTS = 4
IPV6_2292RTHDR = 5
IPV6_2292PKTOPTIONS = 6
IPV6_CHECKSUM = 7
IPV6_2292HOPLIMIT = 8
IPV6_NEXTHOP = 9
IPV6_AUTHHDR = 10
IPV6_FLOWINFO = 11
IPV6_UNICAST_HOPS = 16
IPV6_MULTICAST_IF = 17
IPV6_MULTICAST_HOPS = 18
IPV6_MULTICAST_LOOP = 19
IPV6_JOIN_GROUP = 20
IPV6_ADD_MEMBERSHIP = IPV6_JOIN_GROUP
IPV6_LEAVE_GROUP = 21
IPV6_DROP_MEMBERSHIP = IPV6_LEAVE_GROUP
IPV6_ROUTER_ALERT = 22
IPV6_MTU_DISCOVER = 23
IPV6_MTU = 24
IPV6_RECVERR = 25
IPV6_V6ONLY = 26
IPV6_JOIN_ANYCAST = 27
IPV6_LEAVE_ANYCAST = 28
IPV6_MULTICAST_ALL = 29
IPV6_ROUTER_ALERT_ISOLATE = 30
IPV6_RECVERR_RFC4884 = 31
IPV6_IPSEC_POLICY = 34
IPV6_XFRM_POLICY = 35
IPV6_HDRINCL = 36
IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52
IPV6_RECVHOPOPTS = 53
IPV6_HOPOPTS = 54
IPV6_RTHDRDSTOPTS = 55
IPV6_RECVRTHDR = 56
IPV6_RTHDR = 57
IPV6_RECVDSTOPTS = 58
IPV6_DSTOPTS = 59
IPV6_RECVPATHMTU = 60
IPV6_PATHMTU = 61
IPV6_DONTFRAG = 62
IPV6_RECVTCLASS = 66
IPV6_TCLASS = 67
IPV6_AUTOFLOWLABEL = 70
IPV6_ADDR_PREFERENCES = 72
IPV6_MINHOPCOUNT = 73
IPV6_ORIGDSTADDR = 74
IPV6_RECVORIGDSTADDR = IPV6_ORIGDSTADDR
IPV6_TRANSPARENT = 75
IPV6_UNICAST_IF = 76
IPV6_RECVFRAGSIZE = 77
IPV6_FREEBIND = 78
IPV6_OPTIONS = _table(globals(), """IPV6_ADDRFORM IPV6_2292PKTINFO IPV6_2292HOPOPTS
    IPV6_2292DSTOPTS IPV6_2292RTHDR IPV6_2292PKTOPTIONS IPV6_CHECKSUM IPV6_2292HOPLIMIT
    IPV6_NEXTHOP IPV6_AUTHHDR IPV6_FLOWINFO IPV6_UNICAST_HOPS IPV6_MULTICAST_IF
    IPV6_MULTICAST_HOPS IPV6_MULTICAST_LOOP IPV6_JOIN_GROUP IPV6_LEAVE_GROUP
    IPV6_ROUTER_ALERT IPV6_MTU_DISCOVER IPV6_MTU IPV6_RECVERR IPV6_V6ONLY
    IPV6_JOIN_ANYCAST IPV6_LEAVE_ANYCAST IPV6_MULTICAST_ALL IPV6_ROUTER_ALERT_ISOLATE
    IPV6_RECVERR_RFC4884 IPV6_IPSEC_POLICY IPV6_XFRM_POLICY IPV6_HDRINCL
    IPV6_RECVPKTINFO IPV6_PKTINFO IPV6_RECVHOPLIMIT IPV6_HOPLIMIT IPV6_RECVHOPOPTS
    IPV6_HOPOPTS IPV6_RTHDRDSTOPTS IPV6_RECVRTHDR IPV6_RTHDR IPV6_RECVDSTOPTS
    IPV6_DSTOPTS IPV6_RECVPATHMTU IPV6_PATHMTU IPV6_DONTFRAG IPV6_RECVTCLASS IPV6_TCLASS
    IPV6_AUTOFLOWLABEL IPV6_ADDR_PREFERENCES IPV6_MINHOPCOUNT IPV6_RECVORIGDSTADDR
    IPV6_TRANSPARENT IPV6_UNICAST_IF IPV6_RECVFRAGSIZE IPV6_FREEBIND""")

# --- send/recv flags --------------------------------------------------------------------
MSG_OOB = 0x1
MSG_PEEK = 0x2
MSG_DONTROUTE = 0x4
MSG_TRYHARD = MSG_DONTROUTE
MSG_CTRUNC = 0x8
MSG_PROBE = 0x10
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
MSG_EOR = 0x80
MSG_WAITALL = 0x100
MSG_FIN = 0x200
MSG_SYN = 0x400
MSG_CONFIRM = 0x800
MSG_RST = 0x1000
MSG_ERRQUEUE = 0x2000
MSG_NOSIGNAL = 0x4000
MSG_MORE = 0x8000
MSG_WAITFORONE = 0x10000
MSG_BATCH = 0x40000
MSG_ZEROCOPY = 0x4000000
MSG_FASTOPEN = 0x20000000
MSG_CMSG_CLOEXEC = 0x40000000
MSG_FLAGS = _table(globals(), """MSG_OOB MSG_PEEK MSG_DONTROUTE MSG_CTRUNC MSG_PROBE
    MSG_TRUNC MSG_DONTWAIT MSG_EOR MSG_WAITALL MSG_FIN MSG_SYN MSG_CONFIRM MSG_RST
    MSG_ERRQUEUE MSG_NOSIGNAL MSG_MORE MSG_WAITFORONE MSG_BATCH MSG_ZEROCOPY MSG_FASTOPEN
    MSG_CMSG_CLOEXEC""")

SHUT_RD = 0
SHUT_WR = 1
SHUT_RDWR = 2
SHUTDOWN_HOW = _table(globals(), "SHUT_RD SHUT_WR SHUT_RDWR")

SCM_RIGHTS = 1
SCM_CREDENTIALS = 2
SCM_SECURITY = 3
SCM_TIMESTAMP = SO_TIMESTAMP
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
SCM_TYPES = _table(globals(), "SCM_RIGHTS SCM_CREDENTIALS SCM_SECURITY")
SCM_MAX_FD = 253

# --- structures --------------------------------------------------------------------------
SOCKADDR_FAMILY = _struct.Struct("<H")
# struct sockaddr_in { sa_family_t; __be16 port; struct in_addr; u8 zero[8]; }  16 bytes
SOCKADDR_IN = _struct.Struct("=H2s4s8x")
# struct sockaddr_in6 { family; __be16 port; __be32 flowinfo; in6_addr; u32 scope_id; }  28
SOCKADDR_IN6 = _struct.Struct("=H2s4s16sI")
UNIX_PATH_MAX = 108
# struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }  110 bytes
SOCKADDR_UN_SIZE = 2 + UNIX_PATH_MAX
SOCKADDR_STORAGE_SIZE = 128
# struct iovec { void *iov_base; size_t iov_len; }
IOVEC = _struct.Struct("<QQ")
UIO_MAXIOV = 1024
# struct msghdr { void *name; socklen_t namelen; [pad]; iovec *iov; size_t iovlen;
#                 void *control; size_t controllen; int flags; [pad] }  56 bytes
MSGHDR = _struct.Struct("<QI4xQQQQi4x")
# struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; [pad] }  64 bytes
MMSGHDR = _struct.Struct("<QI4xQQQQi4xI4x")
# struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }  16 bytes
CMSGHDR = _struct.Struct("<Qii")
# struct ucred { pid_t pid; uid_t uid; gid_t gid; }  12 bytes
UCRED = _struct.Struct("<iII")
# struct linger { int l_onoff; int l_linger; }
LINGER = _struct.Struct("<ii")
# struct ip_mreq { in_addr multiaddr; in_addr interface; };  ip_mreqn adds int ifindex
IP_MREQ = _struct.Struct("=4s4s")
IP_MREQN = _struct.Struct("=4s4si")
# struct ipv6_mreq { in6_addr multiaddr; int ifindex; }
IPV6_MREQ = _struct.Struct("=16si")


def CMSG_ALIGN(n):
    return (n + 7) & ~7


def CMSG_LEN(n):
    return CMSGHDR.size + n


def CMSG_SPACE(n):
    return CMSGHDR.size + CMSG_ALIGN(n)


def pack_cmsg(level, type_, data):
    """One control message, padded to CMSG_SPACE (the last one of a buffer
    may be cut to CMSG_LEN by the caller)."""
    data = bytes(data)
    return CMSGHDR.pack(CMSG_LEN(len(data)), level, type_) + data + b"\0" * (CMSG_ALIGN(len(data)) - len(data))


def unpack_cmsgs(buf):
    """Yield (level, type, data) from a control buffer; stops at a truncated
    or malformed header as the kernel's CMSG_NXTHDR walk does."""
    pos, end = 0, len(buf)
    while pos + CMSGHDR.size <= end:
        clen, level, type_ = CMSGHDR.unpack_from(buf, pos)
        if clen < CMSGHDR.size or pos + clen > end:
            return
        yield level, type_, bytes(buf[pos + CMSGHDR.size:pos + clen])
        pos += CMSG_ALIGN(clen)


# --- addresses (pure Python: abi must not import socket) ----------------------------------
def ipv4_to_str(packed):
    return "%d.%d.%d.%d" % tuple(bytearray(packed[:4]))


def str_to_ipv4(text):
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError("bad IPv4 address %r" % (text,))
    vals = [int(p, 10) for p in parts]
    if any(v < 0 or v > 255 for v in vals):
        raise ValueError("bad IPv4 address %r" % (text,))
    return bytes(vals)


def ipv6_to_str(packed):
    """RFC 5952 text (zero-run compression, IPv4-mapped as ::ffff:a.b.c.d)."""
    packed = bytes(packed[:16])
    words = _struct.unpack("!8H", packed)
    if words[:5] == (0, 0, 0, 0, 0) and words[5] == 0xFFFF:
        return "::ffff:" + ipv4_to_str(packed[12:])
    best, best_len, cur, cur_len = -1, 0, -1, 0
    for i, w in enumerate(words):
        if w == 0:
            if cur < 0:
                cur, cur_len = i, 0
            cur_len += 1
            if cur_len > best_len:
                best, best_len = cur, cur_len
        else:
            cur = -1
    if best_len < 2:
        return ":".join("%x" % w for w in words)
    head = ":".join("%x" % w for w in words[:best])
    tail = ":".join("%x" % w for w in words[best + best_len:])
    return head + "::" + tail


def str_to_ipv6(text):
    if "%" in text:
        text = text.split("%", 1)[0]
    tail4 = b""
    if "." in text:
        head, _, v4 = text.rpartition(":")
        tail4 = str_to_ipv4(v4)
        text = head + ":0:0"
    if text.count("::") > 1:
        raise ValueError("bad IPv6 address")
    if "::" in text:
        left, right = text.split("::")
        lw = [w for w in left.split(":") if w] if left else []
        rw = [w for w in right.split(":") if w] if right else []
        missing = 8 - len(lw) - len(rw)
        if missing < 1:
            raise ValueError("bad IPv6 address")
        words = lw + ["0"] * missing + rw
    else:
        words = text.split(":")
    if len(words) != 8:
        raise ValueError("bad IPv6 address")
    vals = [int(w, 16) for w in words]
    if any(v < 0 or v > 0xFFFF or len(w) > 4 for v, w in zip(vals, words)):
        raise ValueError("bad IPv6 address")
    out = _struct.pack("!8H", *vals)
    if tail4:
        out = out[:12] + tail4
    return out


def pack_sockaddr_in(host, port):
    """struct sockaddr_in from dotted-quad text (or 4 packed bytes) and port."""
    addr = host if isinstance(host, (bytes, bytearray)) else str_to_ipv4(host)
    return SOCKADDR_IN.pack(AF_INET, _struct.pack("!H", port), bytes(addr))


def pack_sockaddr_in6(host, port, flowinfo=0, scope_id=0):
    addr = host if isinstance(host, (bytes, bytearray)) else str_to_ipv6(host)
    return SOCKADDR_IN6.pack(AF_INET6, _struct.pack("!H", port), _struct.pack("!I", flowinfo),
                             bytes(addr), scope_id)


def pack_sockaddr_un(path):
    """struct sockaddr_un sized as the kernel reports it: family + path + NUL
    for a filesystem path, family + exact bytes for an abstract name (leading
    NUL), family alone for an unnamed socket (empty path)."""
    if isinstance(path, str):
        path = path.encode("utf-8", "surrogateescape")
    if not path:
        return SOCKADDR_FAMILY.pack(AF_UNIX)
    if path[:1] == b"\0":
        return SOCKADDR_FAMILY.pack(AF_UNIX) + path[:UNIX_PATH_MAX]
    return SOCKADDR_FAMILY.pack(AF_UNIX) + path[:UNIX_PATH_MAX - 1] + b"\0"


def unpack_sockaddr(data):
    """(family, address) from a sockaddr buffer of the length the guest gave:
    AF_INET -> (host_text, port); AF_INET6 -> (host_text, port, flowinfo,
    scope_id); AF_UNIX -> path bytes (abstract names keep their leading NUL,
    b'' for unnamed); AF_NETLINK -> (pid, groups); otherwise the raw bytes
    after the family. Raises ValueError if too short for its family."""
    data = bytes(data)
    if len(data) < 2:
        raise ValueError("sockaddr too short")
    (family,) = SOCKADDR_FAMILY.unpack_from(data)
    if family == AF_INET:
        if len(data) < 8:
            raise ValueError("sockaddr_in too short")
        port = _struct.unpack_from("!H", data, 2)[0]
        return family, (ipv4_to_str(data[4:8]), port)
    if family == AF_INET6:
        if len(data) < 24:
            raise ValueError("sockaddr_in6 too short")
        port, flow = _struct.unpack_from("!HI", data, 2)
        scope = _struct.unpack_from("=I", data, 24)[0] if len(data) >= 28 else 0
        return family, (ipv6_to_str(data[8:24]), port, flow, scope)
    if family == AF_UNIX:
        path = data[2:2 + UNIX_PATH_MAX]
        if path[:1] == b"\0":
            return family, path
        nul = path.find(b"\0")
        return family, path if nul < 0 else path[:nul]
    if family == AF_NETLINK:
        if len(data) < 12:
            raise ValueError("sockaddr_nl too short")
        _pad, pid, groups = _struct.unpack_from("=HII", data, 2)
        return family, (pid, groups)
    return family, data[2:]


# --- netlink, rtnetlink and interface ioctls live in netlink.py; re-exported
# here so the socket namespace stays complete (SK.RTM_GETLINK, SK.IFNAMSIZ).
from .netlink import *  # noqa: E402,F401,F403
