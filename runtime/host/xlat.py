"""Linux <-> host constant translation, by name, never by number.

The unikernel speaks Linux x86-64 values (lxpack.abi); the host layer calls
the host's Python APIs with host values. Every constant that crosses that line
goes through an Xlat built from a HostConstants description of the host:

    X = Xlat(live())            # the running host, from Python's own modules
    X = Xlat(macos())           # macOS, from runtime/host/macos_constants.py
    X = Xlat(linux_x86_64())    # a Linux x86-64 host: every translation is identity

A HostConstants is a flat mapping constant name -> host value (names are
unique across the groups translated here) plus a few facts numbers cannot
carry (real-time signal range, dev_t and wait-status encodings, struct flock
layout). An Xlat precomputes one table per group (errno, open flags, signals,
termios flags, socket options...) at construction, so each translation is a
dict lookup or a loop over the set bits of a small flag word.

Policies for a Linux value the host has no name for (the data is in _SPECS):

* value groups (errno, fcntl commands, signals, clocks, socket options ...):
  the *_to_host function returns None; the caller decides (emulate, ENOSYS,
  EINVAL, pretend success). errno_to_linux maps an unknown host errno to EIO
  (a generic I/O failure is what a Linux program can handle for "something
  went wrong underneath"); some host-only errnos have a semantic Linux twin
  (macOS ENOTSUP -> EOPNOTSUPP, ENOATTR -> ENODATA, EBADARCH -> ENOEXEC ...).
* flag groups: each Linux flag the host lacks is either dropped, when
  dropping cannot change a correct program's result, or refused with a Linux
  errno raised through the Xlat's *error* factory (XlatError by default; the
  host layer passes LinuxError). Open flags, for example:
    O_LARGEFILE  drop   (meaningless on 64-bit hosts)
    O_NOATIME    drop   (only affects atime bookkeeping)
    O_DIRECT     drop   (a cache-bypass hint; data is the same; the macOS
                         equivalent is fcntl F_NOCACHE, left to the caller)
    O_ASYNC      drop   (Linux itself ignores O_ASYNC in open(); F_SETFL sets it)
    O_NOCTTY     drop   (a terminal is only acquired by TIOCSCTTY on BSDs)
    O_DSYNC      -> host O_SYNC when the host has no O_DSYNC (stronger)
    O_PATH       EINVAL (no host equivalent; the host layer may emulate it
                         before translating, e.g. O_RDONLY|O_NONBLOCK)
    O_TMPFILE    EOPNOTSUPP (what Linux says on filesystems without it;
                         programs fall back to named temporary files)
  Bits no Linux name covers are dropped for open (Linux ignores them) and
  refused with EINVAL for *at() flags, rename flags and wait options (Linux
  rejects them there). Host bits with no Linux name are always dropped on the
  way back.
* Real-time signals (Linux 32..64) map to the host's only if it has them;
  on macOS signal_to_host(34) is None.
* sock_type_to_host splits SOCK_NONBLOCK/SOCK_CLOEXEC off (macOS has no such
  flags); the caller applies them with set_blocking/set_inheritable.
* getsockopt values that are themselves constants (SO_TYPE, SO_ERROR,
  SO_DOMAIN) go through sockopt_value_to_linux.
* ioctl request numbers are never translated: the unikernel interprets Linux
  ioctls and the host layer performs the host operation, looking up the host's
  own request with host_ioctl("TIOCGWINSZ").

Who may import this: runtime.host only (it imports the host's modules in
live()). Python 3.9 compatible; nothing heavy at import time.
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
_MASK64 = 0xFFFFFFFFFFFFFFFF


class XlatError(ValueError):
    """A Linux value with no host equivalent that must not be silently
    dropped. *errno* is the Linux errno the syscall should fail with."""

    def __init__(self, errno, name=None):
        ValueError.__init__(self, "%s has no host equivalent (%s)"
                            % (name or "value", _E.ERRNO_NAMES.get(errno, errno)))
        self.errno = errno
        self.name = name


def _xlat_error(errno, name=None):
    return XlatError(errno, name)


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
EINVAL, EIO, EOPNOTSUPP, EAGAIN = _E.EINVAL, _E.EIO, _E.EOPNOTSUPP, _E.EAGAIN

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


# --- translation tables ------------------------------------------------------------------
def _host_value(host, spec, lname):
    for hn in spec.aliases.get(lname, (lname,)):
        v = host.get(hn)
        if v is not None:
            return v
    return None


class ValueMap(object):
    """Linux value <-> host value for a group of names."""

    def __init__(self, spec, host):
        fwd, back, missing = {}, {}, []
        for lname, lval in spec.linux.items():
            hval = _host_value(host, spec, lname)
            if hval is None:
                missing.append(lname)
                continue
            fwd.setdefault(lval, hval)
            if lname in spec.prefer:
                back[hval] = lval
            else:
                back.setdefault(hval, lval)
        for hname, lname in spec.host_only.items():
            hval = host.get(hname)
            if hval is not None and hval not in back:
                back[hval] = spec.linux[lname]
        self.fwd = fwd
        self.back = back
        self.missing = tuple(missing)
        self.identity = all(k == v for k, v in fwd.items()) and all(k == v for k, v in back.items())
        self.to_host = fwd.get
        self.to_linux = back.get


def _popcount(x):
    return bin(x).count("1")


class FlagMap(object):
    """Linux flag word <-> host flag word, bit by bit by name, with multi-bit
    fields (e.g. O_ACCMODE, CSIZE, TABDLY, S_IFMT) and compound names (e.g.
    Linux O_SYNC = __O_SYNC|O_DSYNC, macOS CRTSCTS = CCTS_OFLOW|CRTS_IFLOW)."""

    def __init__(self, spec, host, linux_ns, error):
        self._error = error
        self.unknown = spec.unknown
        fields = []
        known_l = 0
        known_h = 0
        identity = True
        for mask_name, members in spec.fields.items():
            lmask = linux_ns[mask_name]
            fwd, back = {}, {}
            hmask = host.get(mask_name)
            hvals = {}
            for m in members:
                hv = _host_value(host, spec, m)
                if hv is not None:
                    hvals[m] = hv
            if hmask is None:
                hmask = 0
                for hv in hvals.values():
                    hmask |= hv
            for m in members:
                lv = linux_ns[m]
                if m in hvals:
                    fwd.setdefault(lv, hvals[m])
                    back.setdefault(hvals[m], lv)
            identity = identity and lmask == hmask and all(k == v for k, v in fwd.items()) \
                and len(fwd) == len(members)
            fields.append((lmask, hmask, fwd, back))
            known_l |= lmask
            known_h |= hmask
        self._fields = tuple(fields)

        singles, compounds, miss_single, miss_compound = {}, [], {}, []
        h_singles, h_compounds = {}, []
        for lname, lval in spec.linux.items():
            if not lval:
                continue
            hval = _host_value(host, spec, lname)
            if hval is None:
                act = spec.policy.get(lname, spec.missing)
                identity = False
                if _popcount(lval) == 1:
                    miss_single[lval] = (act, lname)
                else:
                    miss_compound.append((lval, act, lname))
                continue
            known_l |= lval
            if hval != lval:
                identity = False
            if _popcount(lval) == 1:
                singles[lval] = singles.get(lval, 0) | hval
            else:
                compounds.append((lval, hval))
            if hval:
                known_h |= hval
                if _popcount(hval) == 1:
                    h_singles[hval] = h_singles.get(hval, 0) | lval
                else:
                    h_compounds.append((hval, lval))
        compounds.sort(key=lambda c: -_popcount(c[0]))
        h_compounds.sort(key=lambda c: -_popcount(c[0]))
        self._singles = singles
        self._compounds = tuple(compounds)
        self._miss_single = miss_single
        self._miss_compound = tuple(miss_compound)
        self._h_singles = h_singles
        self._h_compounds = tuple(h_compounds)
        self.known_linux = known_l
        self.known_host = known_h
        self.identity = identity and self.unknown == DROP
        if self.identity:
            self.to_host = self._identity
            self.to_linux = self._identity_back

    def _identity(self, x):
        return x & self.known_linux

    def _identity_back(self, x):
        return x & self.known_host

    def _refuse(self, act, name):
        raise self._error(act, name)

    def to_host(self, x):
        out = 0
        for lmask, _hmask, fwd, _back in self._fields:
            v = x & lmask
            h = fwd.get(v)
            if h is None:
                h = v if lmask == _hmask else 0
            out |= h
            x &= ~lmask
        for lbits, hbits in self._compounds:
            if x & lbits == lbits:
                out |= hbits
                x &= ~lbits
        for lbits, act, name in self._miss_compound:
            if x & lbits == lbits:
                if act != DROP:
                    self._refuse(act, name)
                x &= ~lbits
        singles = self._singles
        while x:
            b = x & -x
            x ^= b
            h = singles.get(b)
            if h is not None:
                out |= h
                continue
            act, name = self._miss_single.get(b, (self.unknown, hex(b)))
            if act != DROP:
                self._refuse(act, name)
        return out

    def to_linux(self, x):
        out = 0
        for lmask, hmask, _fwd, back in self._fields:
            v = x & hmask
            lv = back.get(v)
            if lv is None:
                lv = v if lmask == hmask else 0
            out |= lv
            x &= ~hmask
        for hbits, lbits in self._h_compounds:
            if x & hbits == hbits:
                out |= lbits
                x &= ~hbits
        singles = self._h_singles
        while x:
            b = x & -x
            x ^= b
            out |= singles.get(b, 0)
        return out


_LINUX_NS = {}
for _mod in (_F, _ST, _T, _M, _SK, _S, _P, _R, _TM):
    for _k, _v in vars(_mod).items():
        if isinstance(_v, int) and not isinstance(_v, bool):
            _LINUX_NS.setdefault(_k, _v)
del _mod, _k, _v

# --- the translator -----------------------------------------------------------------------
class Xlat(object):
    """Precomputed Linux <-> host translations for one host.

    *error* builds the exception raised for a Linux value the host cannot
    honour: error(linux_errno, name) -> exception (default XlatError; the host
    layer passes a factory for its LinuxError)."""

    def __init__(self, host=None, error=None):
        host = host if host is not None else live()
        self.host = host
        self._error = error or _xlat_error
        maps = {}
        for gname, spec in _SPECS.items():
            if spec.kind == "value":
                maps[gname] = ValueMap(spec, host)
            else:
                maps[gname] = FlagMap(spec, host, _LINUX_NS, self._error)
        self.maps = maps
        self._build_errno()
        self._build_signals()
        self._build_termios()
        self._build_misc()

    # -- errno ---------------------------------------------------------------------------
    def _build_errno(self):
        m = self.maps["errno"]
        back = m.back
        fwd = m.fwd

        def errno_to_linux(host_errno, _get=back.get, _eio=EIO):
            """Host errno -> Linux errno; an unknown host errno is EIO."""
            return _get(host_errno, _eio)

        def errno_to_host(linux_errno, _get=fwd.get):
            """Linux errno -> host errno, or None if the host has no such name."""
            return _get(linux_errno)
        self.errno_to_linux = errno_to_linux
        self.errno_to_host = errno_to_host

    # -- files -----------------------------------------------------------------------------
    def open_flags_to_host(self, linux_flags):
        """(host open flags, cloexec) for Linux open flags. Raises the error
        factory's exception (EINVAL for O_PATH, EOPNOTSUPP for O_TMPFILE) for
        flags the host lacks and that cannot be dropped; see the module doc."""
        return self.maps["open"].to_host(linux_flags), bool(linux_flags & _F.O_CLOEXEC)

    def open_flags_to_linux(self, host_flags):
        """Linux open/status flags for host flags (F_GETFL); unknown host bits
        are dropped."""
        return self.maps["open"].to_linux(host_flags)

    def fcntl_cmd_to_host(self, linux_cmd):
        """Host fcntl command, or None (F_SETSIG, F_SETPIPE_SZ, F_ADD_SEALS...
        on macOS: the caller emulates or fails)."""
        return self.maps["fcntl"].to_host(linux_cmd)

    def lock_type_to_host(self, l_type):
        return self.maps["lock_type"].to_host(l_type)

    def lock_type_to_linux(self, host_type):
        return self.maps["lock_type"].to_linux(host_type)

    def flock_op_to_host(self, op):
        """flock(2) LOCK_* operation bits."""
        return self.maps["flock_op"].to_host(op)

    def fd_flags_to_host(self, flags):
        return self.maps["fd_flags"].to_host(flags)

    def fd_flags_to_linux(self, flags):
        return self.maps["fd_flags"].to_linux(flags)

    def pack_host_flock(self, l_type, l_whence, l_start, l_len, l_pid=0):
        """The host's struct flock, from Linux l_type/l_whence (translated)."""
        ht = self.lock_type_to_host(l_type)
        hw = self.seek_whence_to_host(l_whence)
        if ht is None or hw is None:
            raise self._error(EINVAL, "flock")
        if self._flock_bsd:
            return self._flock_struct.pack(l_start, l_len, l_pid, ht, hw)
        return self._flock_struct.pack(ht, hw, l_start, l_len, l_pid)

    def unpack_host_flock(self, data):
        """(l_type, l_whence, l_start, l_len, l_pid) in Linux values from the
        host's struct flock."""
        if self._flock_bsd:
            start, length, pid, ht, hw = self._flock_struct.unpack_from(data)
        else:
            ht, hw, start, length, pid = self._flock_struct.unpack_from(data)
        lt = self.lock_type_to_linux(ht)
        return (_F.F_UNLCK if lt is None else lt), self.seek_whence_to_linux(hw) or 0, start, length, pid

    def at_flags_to_host(self, linux_flags):
        """AT_SYMLINK_NOFOLLOW/FOLLOW, AT_NO_AUTOMOUNT (dropped), AT_EMPTY_PATH
        (EINVAL on hosts without it: use the fd form of the call),
        AT_STATX_* (dropped)."""
        return self.maps["at"].to_host(linux_flags)

    def access_at_flags_to_host(self, linux_flags):
        """faccessat2 flags: AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH."""
        return self.maps["at_access"].to_host(linux_flags)

    def unlink_at_flags_to_host(self, linux_flags):
        """unlinkat flags: AT_REMOVEDIR."""
        return self.maps["at_unlink"].to_host(linux_flags)

    def rename_flags_to_host(self, linux_flags):
        """renameat2 flags: RENAME_NOREPLACE -> macOS RENAME_EXCL, RENAME_EXCHANGE
        -> RENAME_SWAP (renameatx_np); RENAME_WHITEOUT is EINVAL off Linux."""
        return self.maps["rename"].to_host(linux_flags)

    def seek_whence_to_host(self, whence):
        """SEEK_* (SEEK_DATA and SEEK_HOLE are swapped on macOS), or None."""
        return self.maps["seek"].to_host(whence)

    def seek_whence_to_linux(self, whence):
        return self.maps["seek"].to_linux(whence)

    def access_mode_to_host(self, mode):
        """access(2) R_OK/W_OK/X_OK (F_OK is 0 everywhere)."""
        return self.maps["access"].to_host(mode)

    def mode_to_host(self, mode):
        """st_mode/permission bits (file type field and each bit by name)."""
        return self.maps["mode"].to_host(mode)

    def mode_to_linux(self, mode):
        return self.maps["mode"].to_linux(mode)

    def dtype_to_linux(self, host_dtype):
        """DT_* value, DT_UNKNOWN for a host type Linux lacks."""
        v = self.maps["dtype"].to_linux(host_dtype)
        return _ST.DT_UNKNOWN if v is None else v

    def dtype_to_host(self, linux_dtype):
        return self.maps["dtype"].to_host(linux_dtype)

    def dev_to_linux(self, host_dev):
        """A host dev_t re-encoded as Linux's from the host's major/minor."""
        if self.host.kind == "linux":
            return host_dev & _MASK64
        h = self.host
        return _ST.makedev(h.major(host_dev), h.minor(host_dev))

    def stat_to_linux(self, st):
        """abi.stat.LinuxStat from a host os.stat_result (or any object with
        the same attributes): dev numbers re-encoded, mode translated, times
        with nanoseconds, birth time where the host has one."""
        btime = getattr(st, "st_birthtime_ns", None)
        if btime is None:
            b = getattr(st, "st_birthtime", None)
            if b is not None:
                btime = int(round(b * 1e9))
        blksize = getattr(st, "st_blksize", 4096)
        blocks = getattr(st, "st_blocks", None)
        if blocks is None:
            blocks = (st.st_size + 511) // 512
        return _ST.LinuxStat(
            self.dev_to_linux(st.st_dev), st.st_ino, st.st_nlink, self.mode_to_linux(st.st_mode),
            st.st_uid, st.st_gid, self.dev_to_linux(getattr(st, "st_rdev", 0)), st.st_size,
            blksize, blocks, st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns, btime)

    def statvfs_flags_to_linux(self, host_flags):
        return self.maps["statvfs"].to_linux(host_flags)

    def statfs_to_linux(self, vfs, f_type=_ST.EXT4_SUPER_MAGIC, f_fsid=None):
        """abi.stat.LinuxStatfs from a host os.statvfs_result. The host does
        not say its filesystem type in Linux terms: *f_type* (a Linux magic)
        defaults to ext4's. ST_VALID is set as the kernel does."""
        fsid = f_fsid if f_fsid is not None else getattr(vfs, "f_fsid", 0)
        return _ST.LinuxStatfs(
            f_type, vfs.f_bsize, vfs.f_blocks, vfs.f_bfree, vfs.f_bavail, vfs.f_files, vfs.f_ffree,
            fsid & _MASK64, vfs.f_namemax, vfs.f_frsize or vfs.f_bsize,
            self.statvfs_flags_to_linux(vfs.f_flag) | _ST.ST_VALID)

    # -- signals --------------------------------------------------------------------------
    def _build_signals(self):
        m = self.maps["signal"]
        fwd = dict(m.fwd)
        back = dict(m.back)
        rt = self.host.rt_signals
        if rt is not None:
            base, lo, hi = rt
            for s in range(_S.SIGRTMIN, _S.SIGRTMAX + 1):
                h = base + (s - _S.SIGRTMIN)
                if lo <= h <= hi:
                    fwd[s] = h
                    back[h] = s
        self._sig_fwd = fwd
        self._sig_back = back
        self.signal_to_host = fwd.get
        self.signal_to_linux = back.get
        self._sigbit_fwd = {1 << (l - 1): 1 << (h - 1) for l, h in fwd.items()}
        self._sigbit_back = {1 << (h - 1): 1 << (l - 1) for h, l in back.items()}
        self._sig_identity = all(l == h for l, h in fwd.items()) and all(h == l for h, l in back.items())
        self._sig_known_linux = sum(self._sigbit_fwd)
        self._sig_known_host = sum(self._sigbit_back)
        cont = self.host.get("SIGCONT")
        self._wait_continued = 0xFFFF if self.host.kind == "linux" else ((cont or 19) << 8) | 0x7F

    def sigmask_to_host(self, linux_mask):
        """Linux sigset bitmask (bit sig-1) -> host bitmask; signals the host
        lacks are left out."""
        if self._sig_identity:
            return linux_mask & self._sig_known_linux
        out = 0
        fwd = self._sigbit_fwd
        while linux_mask:
            b = linux_mask & -linux_mask
            linux_mask ^= b
            out |= fwd.get(b, 0)
        return out

    def sigmask_to_linux(self, host_mask):
        """Host sigset bitmask -> Linux bitmask."""
        if self._sig_identity:
            return host_mask & self._sig_known_host
        out = 0
        back = self._sigbit_back
        while host_mask:
            b = host_mask & -host_mask
            host_mask ^= b
            out |= back.get(b, 0)
        return out

    def sigmask_to_host_set(self, linux_mask):
        """Host signal numbers for a Linux bitmask (for signal.pthread_sigmask)."""
        out = set()
        fwd = self._sig_fwd
        sig = 1
        while linux_mask:
            if linux_mask & 1:
                h = fwd.get(sig)
                if h is not None:
                    out.add(h)
            linux_mask >>= 1
            sig += 1
        return out

    def sigset_to_linux(self, host_signals):
        """Linux bitmask for an iterable of host signal numbers (as
        signal.pthread_sigmask and signal.sigpending return)."""
        back = self._sig_back
        out = 0
        for h in host_signals:
            s = back.get(int(h))
            if s is not None:
                out |= 1 << (s - 1)
        return out

    def sigprocmask_how_to_host(self, how):
        return self.maps["sigmask_how"].to_host(how)

    def wait_status_to_linux(self, host_status):
        """A host wait status -> the Linux one (signal numbers translated; an
        untranslatable terminating signal is reported as SIGKILL, a stopping
        one as SIGSTOP)."""
        if host_status == self._wait_continued:
            return _S.W_CONTINUED
        low = host_status & 0x7F
        if low == 0:
            return host_status & 0xFF00
        if low == 0x7F:
            s = self._sig_back.get((host_status >> 8) & 0xFF)
            return _S.w_stopped(_S.SIGSTOP if s is None else s)
        s = self._sig_back.get(low)
        return _S.w_signaled(_S.SIGKILL if s is None else s, bool(host_status & 0x80))

    def wait_options_to_host(self, linux_options):
        """wait4/waitpid options (WNOHANG, WUNTRACED, WCONTINUED; __WALL,
        __WCLONE, __WNOTHREAD dropped: every host child is a process)."""
        return self.maps["wait_options"].to_host(linux_options)

    def waitid_options_to_host(self, linux_options):
        """waitid options (WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT)."""
        return self.maps["waitid_options"].to_host(linux_options)

    def idtype_to_host(self, idtype):
        """P_ALL/P_PID/P_PGID; None for P_PIDFD on hosts without it."""
        return self.maps["idtype"].to_host(idtype)

    def cld_code_to_linux(self, host_code):
        """waitid si_code (CLD_*) -> Linux."""
        return self.maps["cld"].to_linux(host_code)

    # -- terminals ------------------------------------------------------------------------------
    def _build_termios(self):
        h = self.host
        self._nccs = h.get("NCCS", 32)
        self._vdisable = h.get("_POSIX_VDISABLE", 0)
        cc = self.maps["termios_cc"]
        pairs = []
        for name, lidx in _T.CC_INDICES.items():
            hidx = cc.to_host(lidx)
            if hidx is not None and hidx < self._nccs:
                pairs.append((lidx, hidx, name in ("VMIN", "VTIME")))
        self._cc_pairs = tuple(pairs)
        self._speed = self.maps["termios_speed"]
        self._host_b38400 = self._speed.to_host(_T.B38400)

    def speed_to_host(self, linux_code):
        """Host speed_t for a Linux B* code, or None."""
        return self._speed.to_host(linux_code)

    def speed_to_linux(self, host_speed):
        """Linux B* code for a host speed_t, or None."""
        return self._speed.to_linux(host_speed)

    def termios_to_linux(self, attrs):
        """abi.termios.Termios (the kernel struct's fields) from the list
        Python's termios.tcgetattr returns: [iflag, oflag, cflag, lflag,
        ispeed, ospeed, cc]. The speeds go into c_cflag's CBAUD (output) and
        CIBAUD (input, only when it differs) as B* codes; an unknown host speed
        reads as B38400. Disabled host cc entries read as Linux's 0."""
        iflag, oflag, cflag, lflag, ispeed, ospeed, cc = attrs
        m = self.maps
        lc = m["termios_cflag"].to_linux(cflag)
        osp = self._speed.to_linux(ospeed)
        isp = self._speed.to_linux(ispeed)
        if osp is None:
            osp = _T.B38400
        lc |= osp
        if isp is not None and isp != osp:
            lc |= isp << _T.IBSHIFT
        out = bytearray(_T.NCCS)
        vdis = self._vdisable
        for lidx, hidx, is_count in self._cc_pairs:
            v = cc[hidx] if hidx < len(cc) else 0
            if not isinstance(v, int):
                v = v[0] if v else 0
            if not is_count and v == vdis:
                v = _T._POSIX_VDISABLE
            out[lidx] = v
        return _T.Termios(m["termios_iflag"].to_linux(iflag), m["termios_oflag"].to_linux(oflag), lc,
                          m["termios_lflag"].to_linux(lflag), 0, bytes(out))

    def termios_to_host(self, t, base=None):
        """The list Python's termios.tcsetattr takes, from a Linux Termios.
        *base* (the host's current tcgetattr list) keeps host-only flag bits
        and cc slots (e.g. macOS VSTATUS, NOKERNINFO); without it they are 0
        and disabled. Linux flags the host lacks (IUCLC, OLCUC, XCASE, CMSPAR)
        are dropped; a speed the host lacks keeps base's (else B38400)."""
        m = self.maps
        fi, fo, fc, fl = m["termios_iflag"], m["termios_oflag"], m["termios_cflag"], m["termios_lflag"]
        if base is not None:
            bi, bo, bc, bl, bis, bos, bcc = base
            cc = list(bcc)
        else:
            bi = bo = bc = bl = 0
            bis = bos = None
            cc = [bytes((self._vdisable,))] * self._nccs
        iflag = (bi & ~fi.known_host) | fi.to_host(t.iflag)
        oflag = (bo & ~fo.known_host) | fo.to_host(t.oflag)
        cflag = (bc & ~fc.known_host) | fc.to_host(t.cflag & ~(_T.CBAUD | _T.CIBAUD))
        lflag = (bl & ~fl.known_host) | fl.to_host(t.lflag)
        ocode, icode = t.cflag & _T.CBAUD, (t.cflag & _T.CIBAUD) >> _T.IBSHIFT
        ospeed = self._speed.to_host(ocode)
        if ospeed is None:
            ospeed = bos if bos is not None else self._host_b38400
        ispeed = self._speed.to_host(icode) if icode else ospeed
        if ispeed is None:
            ispeed = bis if bis is not None else ospeed
        vdis = self._vdisable
        lcc = t.cc
        for lidx, hidx, is_count in self._cc_pairs:
            v = lcc[lidx] if lidx < len(lcc) else 0
            if is_count:
                cc[hidx] = v
            else:
                cc[hidx] = bytes((vdis if v == _T._POSIX_VDISABLE else v,))
        return [iflag, oflag, cflag, lflag, ispeed, ospeed, cc]

    def tcsetattr_when_to_host(self, when):
        """TCSANOW/TCSADRAIN/TCSAFLUSH (TCSETS/TCSETSW/TCSETSF minus TCSETS)."""
        return self.maps["tcsetattr"].to_host(when)

    def tcflush_queue_to_host(self, queue):
        """TCIFLUSH/TCOFLUSH/TCIOFLUSH (0/1/2 on Linux, 1/2/3 on macOS)."""
        return self.maps["tcflush"].to_host(queue)

    def tcflow_action_to_host(self, action):
        """TCOOFF/TCOON/TCIOFF/TCION (0..3 on Linux, 1..4 on macOS)."""
        return self.maps["tcflow"].to_host(action)

    def host_ioctl(self, name):
        """The host's own request number for an ioctl by name (e.g.
        "TIOCGWINSZ", "FIONREAD"), or None. Linux requests are never passed
        through; use abi.termios.pack_winsize/unpack_winsize for the payload
        (struct winsize is the same 8 bytes everywhere)."""
        return self.host.get(name)

    # -- sockets ----------------------------------------------------------------------------------
    def _build_misc(self):
        m = self.maps
        self._levels = {
            _SK.SOL_SOCKET: (self.host.get("SOL_SOCKET"), m["so"]),
            _SK.IPPROTO_IP: (m["ipproto"].to_host(_SK.IPPROTO_IP), m["ip"]),
            _SK.IPPROTO_IPV6: (m["ipproto"].to_host(_SK.IPPROTO_IPV6), m["ipv6"]),
            _SK.IPPROTO_TCP: (m["ipproto"].to_host(_SK.IPPROTO_TCP), m["tcp"]),
            _SK.IPPROTO_UDP: (m["ipproto"].to_host(_SK.IPPROTO_UDP), m["udp"]),
        }
        inf = self.host.get("RLIM_INFINITY", _R.RLIM_INFINITY)
        self._host_rlim_inf = inf
        self._host_rlim_inf_u = inf & _MASK64
        self.at_fdcwd = self.host.get("AT_FDCWD")
        import struct
        self._flock_bsd = self.host.kind != "linux"
        self._flock_struct = struct.Struct("=qqihh" if self._flock_bsd else "=hh4xqqi4x")

    def af_to_host(self, af):
        return self.maps["af"].to_host(af)

    def af_to_linux(self, host_af):
        return self.maps["af"].to_linux(host_af)

    def sock_type_to_host(self, linux_type):
        """(host socket type or None, nonblock, cloexec) for socket(2)'s type
        argument, SOCK_NONBLOCK/SOCK_CLOEXEC split off for the caller."""
        return (self.maps["sock_type"].to_host(linux_type & _SK.SOCK_TYPE_MASK),
                bool(linux_type & _SK.SOCK_NONBLOCK), bool(linux_type & _SK.SOCK_CLOEXEC))

    def sock_type_to_linux(self, host_type):
        return self.maps["sock_type"].to_linux(host_type)

    def ipproto_to_host(self, proto):
        """IPPROTO_* (IANA numbers): by name, an unnamed one passes through."""
        h = self.maps["ipproto"].to_host(proto)
        return proto if h is None else h

    def sockopt_to_host(self, level, optname):
        """(host level, host optname) for a Linux setsockopt/getsockopt pair
        at SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP or IPPROTO_UDP;
        None if the host has no such option (the caller chooses ENOPROTOOPT or
        a harmless success). SO_PEERCRED/SO_PASSCRED are None off Linux."""
        entry = self._levels.get(level)
        if entry is None or entry[0] is None:
            return None
        h = entry[1].to_host(optname)
        return None if h is None else (entry[0], h)

    def sockopt_value_to_linux(self, level, optname, value):
        """An int option value that is itself a constant, made Linux's:
        SO_TYPE (socket type), SO_ERROR (errno), SO_DOMAIN (family)."""
        if level == _SK.SOL_SOCKET:
            if optname == _SK.SO_TYPE:
                v = self.sock_type_to_linux(value)
                return value if v is None else v
            if optname == _SK.SO_ERROR:
                return self.errno_to_linux(value) if value else 0
            if optname == _SK.SO_DOMAIN:
                v = self.af_to_linux(value)
                return value if v is None else v
        return value

    def msg_flags_to_host(self, linux_flags):
        """send/recv flags. MSG_NOSIGNAL, MSG_CMSG_CLOEXEC, MSG_WAITFORONE are
        dropped when the host lacks them: the caller emulates them (no SIGPIPE;
        FD_CLOEXEC on received fds; recvmmsg). MSG_MORE, MSG_CONFIRM,
        MSG_ZEROCOPY, MSG_BATCH are dropped (hints). MSG_ERRQUEUE is EAGAIN
        (an empty error queue), MSG_FASTOPEN EOPNOTSUPP."""
        return self.maps["msg"].to_host(linux_flags)

    def msg_flags_to_linux(self, host_flags):
        """recvmsg msg_flags (MSG_TRUNC, MSG_CTRUNC, MSG_EOR, MSG_OOB...)."""
        return self.maps["msg"].to_linux(host_flags)

    def shutdown_how_to_host(self, how):
        return self.maps["shut"].to_host(how)

    def scm_type_to_host(self, t):
        """SCM_RIGHTS; None for SCM_CREDENTIALS off Linux (different struct)."""
        return self.maps["scm"].to_host(t)

    def scm_type_to_linux(self, t):
        return self.maps["scm"].to_linux(t)

    # -- poll, memory ---------------------------------------------------------------------------
    def poll_events_to_host(self, events):
        """poll events; POLLRDHUP and POLLMSG are dropped on hosts without
        them (the caller may emulate POLLRDHUP)."""
        return self.maps["poll"].to_host(events)

    def poll_events_to_linux(self, revents):
        """poll revents. A host bit with two Linux names (macOS POLLWRNORM is
        POLLOUT) gives both: mask with the requested events | POLLERR |
        POLLHUP | POLLNVAL, as the kernel reports."""
        return self.maps["poll"].to_linux(revents)

    def prot_to_host(self, prot):
        return self.maps["prot"].to_host(prot)

    def mmap_flags_to_host(self, flags):
        """mmap flags for a host mapping: MAP_SHARED_VALIDATE -> MAP_SHARED;
        Linux-only hints dropped; MAP_SYNC and MAP_FIXED_NOREPLACE refused with
        EOPNOTSUPP when the host lacks them (emulate before calling)."""
        return self.maps["map_flags"].to_host(flags)

    def msync_flags_to_host(self, flags):
        return self.maps["msync"].to_host(flags)

    def madvise_to_host(self, advice):
        """madvise advice, or None (the caller treats unknown advice as done)."""
        return self.maps["madvise"].to_host(advice)

    # -- resources, clocks ------------------------------------------------------------------------
    def rlimit_to_host(self, resource):
        """Host RLIMIT_* number, or None (RLIMIT_LOCKS, RLIMIT_SIGPENDING ...
        on macOS: the caller keeps the value itself)."""
        return self.maps["rlimit"].to_host(resource)

    rlimit_host = rlimit_to_host      # the name runtime/host/posix.py used first

    def rlimit_to_linux(self, host_resource):
        return self.maps["rlimit"].to_linux(host_resource)

    def rlim_value_to_linux(self, v):
        """A host rlim_t (as resource.getrlimit returns it) -> Linux u64;
        the host's infinity is Linux's RLIM_INFINITY."""
        if v < 0 or (v & _MASK64) >= self._host_rlim_inf_u:
            return _R.RLIM_INFINITY
        return v

    def rlim_value_to_host(self, v):
        """A Linux rlim_t -> the value to give resource.setrlimit."""
        v &= _MASK64
        if v == _R.RLIM_INFINITY or v >= self._host_rlim_inf_u:
            return self._host_rlim_inf
        return v

    def prio_which_to_host(self, which):
        return self.maps["prio"].to_host(which)

    def clock_to_host(self, clock):
        """Host clock id for a Linux one, or None. Coarse clocks use the
        precise ones, CLOCK_BOOTTIME is macOS's CLOCK_MONOTONIC (which counts
        sleep), CLOCK_TAI reads CLOCK_REALTIME off Linux."""
        return self.maps["clock"].to_host(clock)
