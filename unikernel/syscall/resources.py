"""Limits and resources: getrlimit/setrlimit/prlimit64 (RLIMIT_NOFILE
enforced by fdlimit.py from the start of a process: enforce_nofile), getrusage, times,
sysinfo, and getrandom (the host's entropy).
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.random import GRND_INSECURE, GRND_RANDOM
from lxpack.abi.resource import RLIM_INFINITY, RLIMIT_AS, RLIMIT_DATA, RLIMIT_NOFILE, RLIMIT_STACK
from lxpack.abi.time import CLOCK_BOOTTIME, CLOCK_MONOTONIC, NSEC_PER_SEC, pack_timeval_sec
from lxpack.unikernel.errors import EFAULT, EINVAL, EPERM, ESRCH, LinuxError
from lxpack.unikernel.syscall.args import Int, Out, Ptr, Size, UInt
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.syscall import fdlimit
from lxpack.unikernel.syscall.table import syscall
from lxpack.runtime.host.api import RUNTIME_FD_BASE, RUNTIME_FD_END


@syscall("sysinfo")
def sys_sysinfo(t, info: Out[Ptr]):
    """Implements sysinfo(2) from host facts."""
    h = t.host
    total, avail = h.memory()
    up = h.clock_gettime_ns(CLOCK_BOOTTIME) // NSEC_PER_SEC
    loads = [int(x * 65536) for x in h.loadavg()]
    data = struct.pack("<q3Q6QH6xQQI", up, loads[0], loads[1], loads[2], total, avail, 0, 0, 0, 0, 200, 0, 0, 1)
    t.mem.write(info, data.ljust(112, b"\0"))
    return 0


_RLIMIT_DEFAULTS = {3: (8 << 20, RLIM_INFINITY)}


def absorb(t):
    """Apply what other processes of the session set on this one
    (prlimit, sched_setaffinity on its pid), taken up here: at the next
    limit or affinity call of this process."""
    limits, aff = SESSION.pending(t.host, t.process.pid, take=True)
    if not limits and aff is None:
        return
    for res, (soft, hard) in sorted(limits.items()):
        try:
            _setrlimit(t, res, soft, hard, checked=True)
        except LinuxError:
            pass
    if aff is not None:
        t.process.affinity[t.process.pid] = aff
    SESSION.publish(t)


def _getrlimit(t, res):
    if not 0 <= res < 16:
        raise EINVAL()
    if res in t.process.rlimits:
        return t.process.rlimits[res]
    lim = t.host.getrlimit(res)
    if lim is None:
        return _RLIMIT_DEFAULTS.get(res, (RLIM_INFINITY, RLIM_INFINITY))
    if res == RLIMIT_NOFILE:
        # The guest's descriptors end where the runtime's begin: what it
        # sees is what it can get (Linux's nr_open plays that part).
        return min(lim[0], RUNTIME_FD_BASE), min(lim[1], RUNTIME_FD_BASE)
    return lim


def enforce_nofile(t):
    """At the start of a process: the unikernel enforces the program's
    RLIMIT_NOFILE (the host's is kept above it for the runtime's range),
    never past the runtime's range."""
    fdlimit.install(min(_getrlimit(t, RLIMIT_NOFILE)[0], RUNTIME_FD_BASE))


def nofile_soft(t):
    """The program's soft RLIMIT_NOFILE (poll's ceiling for nfds)."""
    return _getrlimit(t, RLIMIT_NOFILE)[0]


# Limits the program sets on itself must not break the runtime that hosts
# it: the address-space limits describe the guest's memory, not the runtime
# process's (Python, the VM's RAM), so they are kept in the guest's view and
# enforced by the unikernel's mm; the runtime keeps descriptors up to
# RUNTIME_FD_END for itself, so the host never gets a lower RLIMIT_NOFILE.
VIEW_ONLY = frozenset((RLIMIT_STACK, RLIMIT_AS, RLIMIT_DATA))


def _setrlimit(t, res, soft, hard, checked=False):
    if not 0 <= res < 16 or soft > hard:
        raise EINVAL()
    cur_soft, cur_hard = _getrlimit(t, res)
    if hard > cur_hard and not checked and not t.host.may_raise_limits():
        raise EPERM()                    # raising a hard limit needs CAP_SYS_RESOURCE
    if res == RLIMIT_NOFILE and hard > RUNTIME_FD_BASE:
        raise EPERM()                    # above nr_open: the runtime's range starts there
    if res in VIEW_ONLY or t.host.getrlimit(res) is None:
        t.process.rlimits[res] = (soft, hard)
        if res == RLIMIT_AS:
            t.process.mm.as_limit = None if soft == RLIM_INFINITY else soft
        SESSION.publish(t)
        return
    if res == RLIMIT_NOFILE:
        t.host.setrlimit(res, max(soft, RUNTIME_FD_END), max(hard, RUNTIME_FD_END))
        t.process.rlimits[res] = (soft, hard)
        fdlimit.install(min(soft, RUNTIME_FD_BASE))     # enforced by the unikernel
        SESSION.publish(t)
        return
    t.host.setrlimit(res, soft, hard)


@syscall("getrlimit")
def sys_getrlimit(t, res: Int, rlim: Out[Ptr]):
    """Implements getrlimit(2)."""
    absorb(t)
    t.mem.write(rlim, struct.pack("<QQ", *_getrlimit(t, res)))
    return 0


@syscall("setrlimit")
def sys_setrlimit(t, res: Int, rlim: Ptr):
    """Implements setrlimit(2)."""
    soft, hard = struct.unpack("<QQ", t.mem.read(rlim, 16))
    absorb(t)
    _setrlimit(t, res, soft, hard)
    return 0


def _prlimit_other(t, pid, res, new, old):
    """prlimit64 on another process: one of the session through its
    runtime's requests (kept limits) or the host (the others), any other
    process through the host."""
    if pid < 0:
        raise ESRCH()
    h = t.host
    rec = SESSION.read_record(h, pid)
    if rec is None:
        h.kill(pid, 0)                # ESRCH when there is no such process
    if not 0 <= res < 16:
        raise EINVAL()
    if rec is not None:
        cur = SESSION.remote_limit(h, rec, res)
    else:
        cur = h.prlimit(pid, res) or _RLIMIT_DEFAULTS.get(res, (RLIM_INFINITY, RLIM_INFINITY))
    if new is not None:
        soft, hard = new
        if soft > hard:
            raise EINVAL()
        if hard > cur[1] and not h.may_raise_limits() or res == RLIMIT_NOFILE and hard > RUNTIME_FD_BASE:
            raise EPERM()
        if rec is not None and (res in SESSION.KEPT_LIMITS or h.getrlimit(res) is None):
            SESSION.request(h, pid, limit=(res, soft, hard))
        elif h.prlimit(pid, res, new) is None and rec is None:
            raise EPERM()             # a host that cannot set it
    if old:
        t.mem.write(old, struct.pack("<QQ", *cur))
    return 0


@syscall("prlimit64")
def sys_prlimit64(t, pid: Int, res: Int, new: Ptr, old: Out[Ptr]):
    """Implements prlimit(2), for another process too.

    In Linux's order: the new limit is copied in first (EFAULT), then the
    process is looked up (ESRCH), then the resource is checked (EINVAL).
    Differences: a limit the unikernel keeps (RLIMIT_NOFILE, AS, DATA,
    STACK) set on another lxpack process is applied by it at its next
    limit or affinity call (Linux: at once)."""
    if new:
        soft, hard = struct.unpack("<QQ", t.mem.read(new, 16))
    if pid not in (0, t.process.pid):
        return _prlimit_other(t, pid, res, (soft, hard) if new else None, old)
    absorb(t)
    cur = _getrlimit(t, res)
    if new:
        _setrlimit(t, res, soft, hard)
    if old:
        t.mem.write(old, struct.pack("<QQ", *cur))
    return 0


@syscall("getrusage")
def sys_getrusage(t, who: Int, usage: Out[Ptr]):
    """Implements getrusage(2) from the host process's usage."""
    if who not in (0, -1, 1):
        raise EINVAL()
    r = t.host.getrusage(who)
    maxrss = r.ru_maxrss // 1024 if t.host.uname()[0] == "Darwin" else r.ru_maxrss
    data = pack_timeval_sec(r.ru_utime) + pack_timeval_sec(r.ru_stime) + struct.pack(
        "<14q", maxrss, r.ru_ixrss, r.ru_idrss, r.ru_isrss, r.ru_minflt, r.ru_majflt, r.ru_nswap, r.ru_inblock,
        r.ru_oublock, r.ru_msgsnd, r.ru_msgrcv, r.ru_nsignals, r.ru_nvcsw, r.ru_nivcsw)
    t.mem.write(usage, data)
    return 0


@syscall("times")
def sys_times(t, buf: Out[Ptr]):
    """Implements times(2) in clock ticks of 100 Hz."""
    tm = t.host.times()
    if buf:
        t.mem.write(buf, struct.pack("<qqqq", int(tm[0] * 100), int(tm[1] * 100), int(tm[2] * 100), int(tm[3] * 100)))
    return int(t.host.clock_gettime_ns(CLOCK_MONOTONIC) // 10**7) & 0x7fffffffffffffff


@syscall("getrandom")
def sys_getrandom(t, buf: Out[Ptr], count: Size, flags: UInt):
    """Implements getrandom(2) from the host's random source."""
    if flags & ~7 or (flags & GRND_RANDOM and flags & GRND_INSECURE):
        raise EINVAL()
    n = t.mem.write_prefix(buf, t.host.random(min(count, 1 << 25)))
    if n == 0 and count:
        raise EFAULT()
    t.kernel.refill_random_pool(t)       # a hardware backend serves small ones in the VM
    return n
