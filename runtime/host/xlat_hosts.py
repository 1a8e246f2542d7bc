"""The data of the Linux <-> host translation (see xlat.py): which groups
of constants cross, with their policies, and the hosts they are known for.

Owns: _SPECS (one _Spec per group: errno, open flags, signals, termios,
socket options...), the names a host description may carry (all_names),
HostConstants and the descriptions of a Linux x86-64 host, of macOS
(macos_constants.py) and of the running host (live()).
Who may import this: runtime.host.xlat (which re-exports the public names).
Python 3.9 compatible; nothing heavy at import time.
"""
import sys

from lxpack.abi import errno as _E
from lxpack.abi import fcntl as _F
from lxpack.abi import mman as _M
from lxpack.abi import poll as _P
from lxpack.abi import resource as _R
from lxpack.abi import signal as _S
from lxpack.abi import socket as _SK
from lxpack.abi import stat as _ST
from lxpack.abi import termios as _T
from lxpack.abi import time as _TM

DROP = "drop"
EINVAL, EIO, EOPNOTSUPP, EAGAIN = _E.EINVAL, _E.EIO, _E.EOPNOTSUPP, _E.EAGAIN


# --- the groups ------------------------------------------------------------------------
class _Spec(object):
    """How one group of constants is translated.

    kind: "value" (one of a set) or "flags" (bit flags, with optional
    multi-bit fields). linux: Linux name -> value. modules: host Python
    modules live() reads these names from. aliases: Linux name -> host names
    to try in order. host_only: host-only name -> Linux name it means
    (host->Linux only). policy: Linux name -> DROP or errno when the host
    lacks it; missing: the default for names not in policy; unknown: for bits
    no Linux name covers. fields: mask name -> member names (flags only).
    prefer: Linux names that win the host->Linux direction when several
    Linux names share one host value."""

    def __init__(self, kind, linux, modules=(), aliases=None, host_only=None, policy=None,
                 missing=DROP, unknown=DROP, fields=None, prefer=()):
        self.kind = kind
        self.linux = linux
        self.modules = modules
        self.aliases = aliases or {}
        self.host_only = host_only or {}
        self.policy = policy or {}
        self.missing = missing
        self.unknown = unknown
        self.fields = fields or {}
        self.prefer = prefer


def _sub(table, *drop):
    return {k: v for k, v in table.items() if k not in drop}


_ERRNO = {n: v for n, v in vars(_E).items() if n[:1] == "E" and isinstance(v, int)}
# canonical names first so they win the host->Linux direction
_ERRNO = dict(sorted(_ERRNO.items(), key=lambda kv: (_E.ERRNO_NAMES.get(kv[1]) != kv[0], kv[1])))

_SPECS = {
    "errno": _Spec("value", _ERRNO, ("errno",), host_only={
        # host-only errnos with a Linux meaning (macOS names)
        "ENOTSUP": "EOPNOTSUPP", "ENOATTR": "ENODATA", "EFTYPE": "EINVAL", "EPROCLIM": "EAGAIN",
        "EBADEXEC": "ENOEXEC", "EBADARCH": "ENOEXEC", "EBADMACHO": "ENOEXEC",
        "ESHLIBVERS": "ENOEXEC", "EAUTH": "EACCES", "ENEEDAUTH": "EACCES", "EPWROFF": "EIO",
        "EDEVERR": "EIO", "ENOPOLICY": "EPERM", "EQFULL": "ENOBUFS"}),
    "open": _Spec("flags", _sub(_F.OPEN_FLAGS, "O_RDONLY", "O_WRONLY", "O_RDWR"), ("os",),
                  fields={"O_ACCMODE": ("O_RDONLY", "O_WRONLY", "O_RDWR")},
                  aliases={"O_DSYNC": ("O_DSYNC", "O_SYNC")},
                  policy={"O_LARGEFILE": DROP, "O_NOATIME": DROP, "O_DIRECT": DROP, "O_ASYNC": DROP,
                          "O_NOCTTY": DROP, "O_PATH": EINVAL, "O_TMPFILE": EOPNOTSUPP},
                  missing=EINVAL, unknown=DROP),
    "fcntl": _Spec("value", _F.FCNTL_CMDS, ("fcntl",)),
    "lock_type": _Spec("value", _F.LOCK_TYPES, ("fcntl",)),
    "flock_op": _Spec("flags", _F.FLOCK_OPS, ("fcntl",), unknown=EINVAL),
    "fd_flags": _Spec("flags", _F.FD_FLAGS, ("fcntl",)),
    "at": _Spec("flags", _F.AT_FLAGS, (),
                policy={"AT_NO_AUTOMOUNT": DROP, "AT_STATX_FORCE_SYNC": DROP, "AT_STATX_DONT_SYNC": DROP},
                missing=EINVAL, unknown=EINVAL),
    "at_access": _Spec("flags", _F.AT_ACCESS_FLAGS, (), missing=EINVAL, unknown=EINVAL),
    "at_unlink": _Spec("flags", _F.AT_UNLINK_FLAGS, (), missing=EINVAL, unknown=EINVAL),
    "rename": _Spec("flags", _F.RENAME_FLAGS, (),
                    aliases={"RENAME_NOREPLACE": ("RENAME_NOREPLACE", "RENAME_EXCL"),
                             "RENAME_EXCHANGE": ("RENAME_EXCHANGE", "RENAME_SWAP")},
                    missing=EINVAL, unknown=EINVAL),
    "seek": _Spec("value", _F.SEEK_WHENCE, ("os",)),
    "access": _Spec("flags", _F.ACCESS_MODES, ("os",), missing=EINVAL, unknown=EINVAL),
    "mode": _Spec("flags", _ST.MODE_BITS, ("stat",), fields={"S_IFMT": tuple(_ST.FILE_TYPES)}),
    "dtype": _Spec("value", _ST.DIRENT_TYPES, ()),
    "statvfs": _Spec("flags", _ST.STATFS_FLAGS, ("os",)),
    "signal": _Spec("value", _S.SIGNALS, ("signal",)),
    "sigmask_how": _Spec("value", _S.SIGPROCMASK_HOW, ("signal",)),
    "wait_options": _Spec("flags", _S.WAIT_OPTIONS, ("os",),
                          policy={"__WNOTHREAD": DROP, "__WALL": DROP, "__WCLONE": DROP},
                          missing=EINVAL, unknown=EINVAL),
    "waitid_options": _Spec("flags", _S.WAITID_OPTIONS, ("os",),
                            policy={"__WNOTHREAD": DROP, "__WALL": DROP, "__WCLONE": DROP},
                            missing=EINVAL, unknown=EINVAL),
    "idtype": _Spec("value", _S.IDTYPES, ("os",)),
    "cld": _Spec("value", {n: getattr(_S, n) for n in ("CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED",
                                                       "CLD_STOPPED", "CLD_CONTINUED")}, ("os",)),
    "termios_iflag": _Spec("flags", _T.IFLAGS, ("termios",)),
    "termios_oflag": _Spec("flags", _T.OFLAGS, ("termios",), fields=_T.OFLAG_FIELDS),
    "termios_cflag": _Spec("flags", _T.CFLAGS, ("termios",), fields=_T.CFLAG_FIELDS),
    "termios_lflag": _Spec("flags", _T.LFLAGS, ("termios",)),
    "termios_speed": _Spec("value", _T.SPEEDS, ("termios",)),
    "termios_cc": _Spec("value", _T.CC_INDICES, ("termios",)),
    "tcsetattr": _Spec("value", _T.TCSETATTR_ACTIONS, ("termios",)),
    "tcflow": _Spec("value", _T.TCFLOW_ACTIONS, ("termios",)),
    "tcflush": _Spec("value", _T.TCFLUSH_QUEUES, ("termios",)),
    "af": _Spec("value", _SK.ADDRESS_FAMILIES, ("socket",)),
    "sock_type": _Spec("value", _SK.SOCK_TYPES, ("socket",)),
    "so": _Spec("value", _SK.SOCKET_OPTIONS, ("socket",),
                # Linux SO_LINGER is in seconds; macOS SO_LINGER is in ticks
                aliases={"SO_LINGER": ("SO_LINGER_SEC", "SO_LINGER")}),
    "ipproto": _Spec("value", _SK.IP_PROTOCOLS, ("socket",),
                     aliases={"IPPROTO_COMP": ("IPPROTO_COMP", "IPPROTO_IPCOMP")}),
    "tcp": _Spec("value", _SK.TCP_OPTIONS, ("socket",),
                 aliases={"TCP_KEEPIDLE": ("TCP_KEEPIDLE", "TCP_KEEPALIVE"),
                          "TCP_CORK": ("TCP_CORK", "TCP_NOPUSH")}),
    "udp": _Spec("value", _SK.UDP_OPTIONS, ("socket",)),
    "ip": _Spec("value", _SK.IP_OPTIONS_BY_NAME, ("socket",)),
    "ipv6": _Spec("value", _SK.IPV6_OPTIONS, ("socket",)),
    "msg": _Spec("flags", _SK.MSG_FLAGS, ("socket",),
                 policy={"MSG_MORE": DROP, "MSG_CONFIRM": DROP, "MSG_PROBE": DROP, "MSG_FIN": DROP,
                         "MSG_SYN": DROP, "MSG_RST": DROP, "MSG_WAITFORONE": DROP, "MSG_BATCH": DROP,
                         "MSG_ZEROCOPY": DROP, "MSG_CMSG_CLOEXEC": DROP, "MSG_NOSIGNAL": DROP,
                         "MSG_ERRQUEUE": EAGAIN, "MSG_FASTOPEN": EOPNOTSUPP},
                 missing=EOPNOTSUPP, unknown=DROP),
    "shut": _Spec("value", _SK.SHUTDOWN_HOW, ("socket",)),
    "scm": _Spec("value", _SK.SCM_TYPES, ("socket",)),
    "poll": _Spec("flags", _P.POLL_EVENTS, ("select",)),
    "prot": _Spec("flags", _M.PROT_FLAGS, ("mmap",)),
    "map_flags": _Spec("flags", _M.MAP_FLAGS, ("mmap",), fields={"MAP_TYPE": tuple(_M.MAP_TYPES)},
                       aliases={"MAP_SHARED_VALIDATE": ("MAP_SHARED_VALIDATE", "MAP_SHARED")},
                       policy={"MAP_SYNC": EOPNOTSUPP, "MAP_FIXED_NOREPLACE": EOPNOTSUPP},
                       missing=DROP, unknown=DROP),
    "msync": _Spec("flags", _M.MSYNC_FLAGS, ("mmap",), unknown=EINVAL),
    "madvise": _Spec("value", _M.MADVICE, ("mmap",)),
    "rlimit": _Spec("value", _R.RLIMITS, ("resource",), prefer=("RLIMIT_AS",)),
    "prio": _Spec("value", _R.PRIO_WHICH, ("os",)),
    "clock": _Spec("value", _TM.CLOCKS, ("time",), aliases={
        "CLOCK_REALTIME_COARSE": ("CLOCK_REALTIME_COARSE", "CLOCK_REALTIME"),
        "CLOCK_MONOTONIC_COARSE": ("CLOCK_MONOTONIC_COARSE", "CLOCK_MONOTONIC"),
        # macOS CLOCK_MONOTONIC keeps counting in sleep: Linux's BOOTTIME
        "CLOCK_BOOTTIME": ("CLOCK_BOOTTIME", "CLOCK_MONOTONIC"),
        "CLOCK_TAI": ("CLOCK_TAI", "CLOCK_REALTIME"),
        "CLOCK_REALTIME_ALARM": ("CLOCK_REALTIME_ALARM", "CLOCK_REALTIME"),
        "CLOCK_BOOTTIME_ALARM": ("CLOCK_BOOTTIME_ALARM", "CLOCK_BOOTTIME", "CLOCK_MONOTONIC")}),
}

# host ioctl request names the host layer may ask for (never translated)
IOCTL_NAMES = tuple(_T.TTY_IOCTLS) + (
    "TIOCGETA", "TIOCSETA", "TIOCSETAW", "TIOCSETAF", "TIOCFLUSH", "TIOCSTOP", "TIOCSTART",
    "TIOCDRAIN", "TIOCPTYGRANT", "TIOCPTYGNAME", "TIOCPTYUNLK", "FIOSETOWN", "FIOGETOWN")
# single facts the translation needs besides the groups
EXTRA_NAMES = ("NCCS", "_POSIX_VDISABLE", "RLIM_INFINITY", "AT_FDCWD", "SOL_SOCKET", "SOL_LOCAL",
               "SIGCONT")


def all_names():
    """Every constant name a HostConstants may be asked for."""
    names = []
    for spec in _SPECS.values():
        names += list(spec.linux)
        for m, members in spec.fields.items():
            names.append(m)
            names += list(members)
        for alts in spec.aliases.values():
            names += list(alts)
        names += list(spec.host_only)
    names += list(IOCTL_NAMES) + list(EXTRA_NAMES)
    seen = set()
    return [n for n in names if not (n in seen or seen.add(n))]


# --- host descriptions --------------------------------------------------------------
def _linux_major(dev):
    return _ST.major(dev)


def _linux_minor(dev):
    return _ST.minor(dev)


def _bsd_major(dev):
    return (dev >> 24) & 0xFF


def _bsd_minor(dev):
    return dev & 0xFFFFFF


class HostConstants(object):
    """A host described by constant name -> host value, plus:

    kind: "linux", "darwin" or "other" (selects dev_t decoding, the wait
    status of a continued child, and the struct flock layout unless given);
    rt_signals: None, or (base, lowest, highest): the host's number for Linux
    signal 32 and the usable range of its real-time signals;
    major/minor: functions decoding a host dev_t (default by kind)."""

    def __init__(self, name, values, kind="linux", rt_signals=None, major=None, minor=None):
        self.name = name
        self.values = dict(values)
        self.kind = kind
        self.rt_signals = rt_signals
        if major is None:
            major, minor = (_linux_major, _linux_minor) if kind == "linux" else (_bsd_major, _bsd_minor)
        self.major = major
        self.minor = minor

    def get(self, name, default=None):
        return self.values.get(name, default)

    def __contains__(self, name):
        return name in self.values

    def __getitem__(self, name):
        return self.values[name]

    def __repr__(self):
        return "<HostConstants %s (%s): %d names>" % (self.name, self.kind, len(self.values))


def linux_table():
    """name -> value for a Linux x86-64 host as Python programs see it (the
    ABI values, plus glibc's NCCS of 32 for termios.tcgetattr's cc list)."""
    values = {}
    for spec in _SPECS.values():
        values.update(spec.linux)
        for m, members in spec.fields.items():
            for n in (m,) + tuple(members):
                for mod in (_F, _ST, _T, _M, _SK, _S):
                    if hasattr(mod, n):
                        values[n] = getattr(mod, n)
                        break
    values.update({n: getattr(_T, n) for n in _T.TTY_IOCTLS})
    values.update(NCCS=32, _POSIX_VDISABLE=_T._POSIX_VDISABLE, RLIM_INFINITY=_R.RLIM_INFINITY,
                  AT_FDCWD=_F.AT_FDCWD, SOL_SOCKET=_SK.SOL_SOCKET, O_ACCMODE=_F.O_ACCMODE,
                  MAP_TYPE=_M.MAP_TYPE, SIGCONT=_S.SIGCONT)
    return values


def linux_x86_64():
    """HostConstants of a Linux x86-64 host: every translation is identity."""
    return HostConstants("linux-x86_64", linux_table(), kind="linux", rt_signals=(32, 32, 64))


def macos():
    """HostConstants of macOS, from runtime/host/macos_constants.py."""
    from lxpack.runtime.host.macos_constants import MACOS
    return HostConstants("macos", MACOS, kind="darwin", rt_signals=None)


def from_mapping(name, mapping, kind="linux", rt_signals=None):
    """HostConstants from any name -> value mapping."""
    return HostConstants(name, mapping, kind=kind, rt_signals=rt_signals)


_LIVE = []


def live():
    """HostConstants of the running host (cached). Values come from the
    host's Python modules (errno, os, signal, termios, socket, fcntl, stat,
    select, mmap, resource, time), which are authoritative; names Python does
    not expose are taken from the platform's known table (lxpack.abi on Linux,
    macos_constants on macOS) and are absent elsewhere."""
    if _LIVE:
        return _LIVE[0]
    import importlib
    import os

    if sys.platform.startswith("linux"):
        kind, values = "linux", linux_table()
    elif sys.platform == "darwin":
        kind = "darwin"
        from lxpack.runtime.host.macos_constants import MACOS
        values = dict(MACOS)
    else:
        kind, values = "other", {}
    modules = {}
    for mname in ("errno", "os", "signal", "termios", "socket", "fcntl", "stat", "select", "mmap",
                  "resource", "time"):
        try:
            modules[mname] = importlib.import_module(mname)
        except ImportError:
            pass

    def probe(name, mods):
        for mname in mods:
            m = modules.get(mname)
            v = getattr(m, name, None) if m is not None else None
            if isinstance(v, int) and not isinstance(v, bool):
                return int(v)
        return None

    group_of = {}
    for spec in _SPECS.values():
        names = list(spec.linux) + list(spec.host_only)
        for m, members in spec.fields.items():
            names += [m] + list(members)
        for alts in spec.aliases.values():
            names += list(alts)
        for n in names:
            group_of.setdefault(n, spec.modules)
    for n in IOCTL_NAMES:
        group_of.setdefault(n, ("termios",))
    group_of.update(NCCS=("termios",), RLIM_INFINITY=("resource",), SOL_SOCKET=("socket",),
                    SIGCONT=("signal",))
    for n, mods in group_of.items():
        v = probe(n, mods)
        if v is None:
            continue
        if v == 0 and values.get(n):
            # e.g. glibc's O_LARGEFILE is 0 in userspace while the kernel
            # reports 0o100000 in F_GETFL: keep the kernel's value
            continue
        values[n] = v
    rt = None
    sig = modules.get("signal")
    if sig is not None and hasattr(sig, "SIGRTMIN"):
        lo, hi = int(sig.SIGRTMIN), int(sig.SIGRTMAX)
        # Linux numbers real-time signals from 32 (glibc keeps 32/33 for itself)
        rt = (32 if kind == "linux" else lo, lo, hi)
    host = HostConstants("live-" + sys.platform, values, kind=kind, rt_signals=rt,
                         major=os.major, minor=os.minor)
    _LIVE.append(host)
    return host


def compare(a, b, names=None):
    """[(name, a value, b value)] where two hosts disagree on a name both
    define (used to check the macOS table against a real Mac's Python)."""
    names = names if names is not None else sorted(set(a.values) & set(b.values))
    return [(n, a.values[n], b.values[n]) for n in names
            if n in a.values and n in b.values and a.values[n] != b.values[n]]
