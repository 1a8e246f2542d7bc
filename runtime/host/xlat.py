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

The data lives beside this module: the groups and host descriptions in
xlat_hosts.py, the per-group tables in xlat_maps.py; their public names are
re-exported here. Who may import this: runtime.host only (it imports the
host's modules in live()). Python 3.9 compatible; nothing heavy at import time.
"""

from lxpack.abi import errno as _E
from lxpack.abi import fcntl as _F
from lxpack.abi import resource as _R
from lxpack.abi import signal as _S
from lxpack.abi import socket as _SK
from lxpack.abi import stat as _ST
from lxpack.abi import termios as _T
from lxpack.runtime.host.xlat_hosts import (  # noqa: F401  (the public names, re-exported)
    _SPECS, DROP, EINVAL, EIO, EXTRA_NAMES, IOCTL_NAMES, HostConstants, all_names, compare, from_mapping,
    linux_table, linux_x86_64, live, macos)
from lxpack.runtime.host.xlat_maps import _LINUX_NS, FlagMap, ValueMap  # noqa: F401

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
        back = self.maps["errno"].back

        def errno_to_linux(host_errno, _get=back.get, _eio=EIO):
            """Host errno -> Linux errno; an unknown host errno is EIO."""
            return _get(host_errno, _eio)
        self.errno_to_linux = errno_to_linux

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

    def dev_to_linux(self, host_dev):
        """A host dev_t re-encoded as Linux's from the host's major/minor."""
        if self.host.kind == "linux":
            return host_dev & _MASK64
        h = self.host
        return _ST.makedev(h.major(host_dev), h.minor(host_dev))

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
        cont = self.host.get("SIGCONT")
        self._wait_continued = 0xFFFF if self.host.kind == "linux" else ((cont or 19) << 8) | 0x7F

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

    # -- resources, clocks ------------------------------------------------------------------------
    def rlimit_to_host(self, resource):
        """Host RLIMIT_* number, or None (RLIMIT_LOCKS, RLIMIT_SIGPENDING ...
        on macOS: the caller keeps the value itself)."""
        return self.maps["rlimit"].to_host(resource)

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
