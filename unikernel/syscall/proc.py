"""Process and system information calls: exit, ids, uname, sysinfo,
rlimits, rusage, times, arch_prctl, set_tid_address, robust lists, rseq,
prctl, getrandom, scheduling, personality, capabilities.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.resource import RLIMIT_AS, RLIMIT_DATA, RLIMIT_NOFILE, RLIMIT_STACK
from lxpack.unikernel.errors import LinuxError, EFAULT, EINVAL, ENODEV, ENOSYS, EPERM, ESRCH, ProcessExit, TaskExit
from lxpack.unikernel.kernel.mm import TASK_SIZE
from lxpack.unikernel.syscall.args import CStr, Hex, Int, Long, Out, Ptr, Size, UInt, ULong
from lxpack.unikernel.syscall.table import syscall, stub
from lxpack.runtime.host.api import RUNTIME_FD_END


@syscall(60, "exit")
def sys_exit(t, status: Int):
    """Implements exit(2): ends the calling thread (the process when it is the last)."""
    if len(t.process.tasks) <= 1:
        raise ProcessExit(status & 0xff)
    raise TaskExit(status & 0xff)


@syscall(231, "exit_group")
def sys_exit_group(t, status: Int):
    """Implements exit_group(2)."""
    raise ProcessExit(status & 0xff)


@syscall(39, "getpid")
def sys_getpid(t):
    """Implements getpid(2): the host PID (one host process per Linux process)."""
    return t.process.pid


@syscall(186, "gettid")
def sys_gettid(t):
    """Implements gettid(2)."""
    return t.tid


@syscall(110, "getppid")
def sys_getppid(t):
    """Implements getppid(2) (asks the host: it changes when the parent dies)."""
    return t.host.getppid()


@syscall(102, "getuid")
def sys_getuid(t):
    """Implements getuid(2)."""
    return t.host.getuid()


@syscall(107, "geteuid")
def sys_geteuid(t):
    """Implements geteuid(2)."""
    return t.host.geteuid()


@syscall(104, "getgid")
def sys_getgid(t):
    """Implements getgid(2)."""
    return t.host.getgid()


@syscall(108, "getegid")
def sys_getegid(t):
    """Implements getegid(2)."""
    return t.host.getegid()


@syscall(118, "getresuid")
def sys_getresuid(t, ruid: Out[Ptr], euid: Out[Ptr], suid: Out[Ptr]):
    """Implements getresuid(2) (saved = effective)."""
    h = t.host
    for p, v in ((ruid, h.getuid()), (euid, h.geteuid()), (suid, h.geteuid())):
        t.mem.write_u32(p, v)
    return 0


@syscall(120, "getresgid")
def sys_getresgid(t, rgid: Out[Ptr], egid: Out[Ptr], sgid: Out[Ptr]):
    """Implements getresgid(2) (saved = effective)."""
    h = t.host
    for p, v in ((rgid, h.getgid()), (egid, h.getegid()), (sgid, h.getegid())):
        t.mem.write_u32(p, v)
    return 0


@syscall(115, "getgroups")
def sys_getgroups(t, size: Int, lst: Out[Ptr]):
    """Implements getgroups(2)."""
    groups = t.host.getgroups()
    if size == 0:
        return len(groups)
    if size < len(groups) or size < 0:
        raise EINVAL()
    t.mem.write(lst, struct.pack("<%dI" % len(groups), *groups))
    return len(groups)


@syscall(105, "setuid", support="partial", note="succeeds only for the current uid")
def sys_setuid(t, uid: UInt):
    """Implements setuid(2) for the current uid (no privilege changes)."""
    if uid not in (t.host.getuid(), t.host.geteuid()):
        raise EPERM()
    return 0


@syscall(106, "setgid", support="partial", note="succeeds only for the current gid")
def sys_setgid(t, gid: UInt):
    """Implements setgid(2) for the current gid."""
    if gid not in (t.host.getgid(), t.host.getegid()):
        raise EPERM()
    return 0


@syscall(116, "setgroups", support="partial", note="succeeds only when unchanged")
def sys_setgroups(t, size: Int, lst: Ptr):
    """Implements setgroups(2) when the list is the current one."""
    cur = sorted(t.host.getgroups())
    new = sorted(struct.unpack("<%dI" % size, t.mem.read(lst, 4 * size))) if size > 0 else []
    if new != cur:
        raise EPERM()
    return 0


def _ids_ok(t, vals, allowed):
    for v in vals:
        if v != 0xFFFFFFFF and v not in allowed:
            raise EPERM()
    return 0


@syscall(113, "setreuid", support="partial", note="no privilege changes")
def sys_setreuid(t, ruid: UInt, euid: UInt):
    """Implements setreuid(2) for unchanged ids."""
    return _ids_ok(t, (ruid, euid), (t.host.getuid(), t.host.geteuid()))


@syscall(114, "setregid", support="partial", note="no privilege changes")
def sys_setregid(t, rgid: UInt, egid: UInt):
    """Implements setregid(2) for unchanged ids."""
    return _ids_ok(t, (rgid, egid), (t.host.getgid(), t.host.getegid()))


@syscall(117, "setresuid", support="partial", note="no privilege changes")
def sys_setresuid(t, ruid: UInt, euid: UInt, suid: UInt):
    """Implements setresuid(2) for unchanged ids."""
    return _ids_ok(t, (ruid, euid, suid), (t.host.getuid(), t.host.geteuid()))


@syscall(119, "setresgid", support="partial", note="no privilege changes")
def sys_setresgid(t, rgid: UInt, egid: UInt, sgid: UInt):
    """Implements setresgid(2) for unchanged ids."""
    return _ids_ok(t, (rgid, egid, sgid), (t.host.getgid(), t.host.getegid()))


@syscall(122, "setfsuid")
def sys_setfsuid(t, uid: UInt):
    """Implements setfsuid(2): returns the current fsuid (the euid)."""
    return t.host.geteuid()


@syscall(123, "setfsgid")
def sys_setfsgid(t, gid: UInt):
    """Implements setfsgid(2): returns the current fsgid (the egid)."""
    return t.host.getegid()


@syscall(111, "getpgrp")
def sys_getpgrp(t):
    """Implements getpgrp(2)."""
    return t.host.getpgid(0)


@syscall(121, "getpgid")
def sys_getpgid(t, pid: Int):
    """Implements getpgid(2)."""
    return t.host.getpgid(pid)


@syscall(124, "getsid")
def sys_getsid(t, pid: Int):
    """Implements getsid(2)."""
    return t.host.getsid(pid)


@syscall(109, "setpgid")
def sys_setpgid(t, pid: Int, pgid: Int):
    """Implements setpgid(2)."""
    if pgid < 0:
        raise EINVAL()
    t.host.setpgid(pid, pgid)
    return 0


@syscall(112, "setsid")
def sys_setsid(t):
    """Implements setsid(2)."""
    return t.host.setsid()


def _utsfield(s):
    return s[:64].ljust(65, b"\0")


@syscall(63, "uname")
def sys_uname(t, buf: Out[Ptr]):
    """Implements uname(2): sysname Linux, machine x86_64, the host's node
    name; on a Linux host its release and version, else lxpack's."""
    sysname, node, rel, ver, machine = t.kernel.uname()
    t.mem.write(buf, b"".join(_utsfield(x) for x in (sysname, node, rel, ver, machine, b"(none)")))
    return 0


@syscall(170, "sethostname")
def sys_sethostname(t, name: Ptr, length: Size):
    """Implements sethostname(2): refused, as for an unprivileged process."""
    raise EPERM()


@syscall(99, "sysinfo")
def sys_sysinfo(t, info: Out[Ptr]):
    """Implements sysinfo(2) from host facts."""
    h = t.host
    total, avail = h.memory()
    up = h.clock_gettime_ns(7) // 10**9
    loads = [int(x * 65536) for x in h.loadavg()]
    data = struct.pack("<q3Q6QH6xQQI", up, loads[0], loads[1], loads[2], total, avail, 0, 0, 0, 0, 200, 0, 0, 1)
    t.mem.write(info, data.ljust(112, b"\0"))
    return 0


RLIM_INFINITY = 0xFFFFFFFFFFFFFFFF
_RLIMIT_DEFAULTS = {3: (8 << 20, RLIM_INFINITY)}


def _getrlimit(t, res):
    if not 0 <= res < 16:
        raise EINVAL()
    if res in t.process.rlimits:
        return t.process.rlimits[res]
    lim = t.host.getrlimit(res)
    if lim is None:
        return _RLIMIT_DEFAULTS.get(res, (RLIM_INFINITY, RLIM_INFINITY))
    return lim


# Limits the program sets on itself must not break the runtime that hosts
# it: the address-space limits describe the guest's memory, not the runtime
# process's (Python, the VM's RAM), so they are kept in the guest's view and
# enforced by the unikernel's mm; the runtime keeps descriptors up to
# RUNTIME_FD_END for itself, so the host never gets a lower RLIMIT_NOFILE.
VIEW_ONLY = frozenset((RLIMIT_STACK, RLIMIT_AS, RLIMIT_DATA))


def _setrlimit(t, res, soft, hard):
    if not 0 <= res < 16 or soft > hard:
        raise EINVAL()
    cur_soft, cur_hard = _getrlimit(t, res)
    if hard > cur_hard and t.host.geteuid() != 0:
        raise EPERM()                    # raising a hard limit needs CAP_SYS_RESOURCE
    if res in VIEW_ONLY or t.host.getrlimit(res) is None:
        t.process.rlimits[res] = (soft, hard)
        if res == RLIMIT_AS:
            t.process.mm.as_limit = None if soft == RLIM_INFINITY else soft
        return
    if res == RLIMIT_NOFILE:
        t.host.setrlimit(res, max(soft, RUNTIME_FD_END), max(hard, RUNTIME_FD_END))
        t.process.rlimits[res] = (soft, hard)
        from lxpack.unikernel.syscall import fdlimit
        if soft < RUNTIME_FD_END:
            fdlimit.install(soft)          # enforced by the unikernel
        else:
            fdlimit.remove()
        return
    t.host.setrlimit(res, soft, hard)


@syscall(97, "getrlimit")
def sys_getrlimit(t, res: Int, rlim: Out[Ptr]):
    """Implements getrlimit(2)."""
    t.mem.write(rlim, struct.pack("<QQ", *_getrlimit(t, res)))
    return 0


@syscall(160, "setrlimit")
def sys_setrlimit(t, res: Int, rlim: Ptr):
    """Implements setrlimit(2)."""
    soft, hard = struct.unpack("<QQ", t.mem.read(rlim, 16))
    _setrlimit(t, res, soft, hard)
    return 0


@syscall(302, "prlimit64")
def sys_prlimit64(t, pid: Int, res: Int, new: Ptr, old: Out[Ptr]):
    """Implements prlimit(2) for the calling process."""
    if pid not in (0, t.process.pid):
        raise ESRCH() if pid < 0 else EPERM()
    cur = _getrlimit(t, res)
    if new:
        soft, hard = struct.unpack("<QQ", t.mem.read(new, 16))
        _setrlimit(t, res, soft, hard)
    if old:
        t.mem.write(old, struct.pack("<QQ", *cur))
    return 0


def _timeval(sec):
    s = int(sec)
    return struct.pack("<qq", s, int((sec - s) * 1e6))


@syscall(98, "getrusage")
def sys_getrusage(t, who: Int, usage: Out[Ptr]):
    """Implements getrusage(2) from the host process's usage."""
    if who not in (0, -1, 1):
        raise EINVAL()
    r = t.host.getrusage(who)
    maxrss = r.ru_maxrss // 1024 if t.host.uname()[0] == "Darwin" else r.ru_maxrss
    data = _timeval(r.ru_utime) + _timeval(r.ru_stime) + struct.pack(
        "<14q", maxrss, r.ru_ixrss, r.ru_idrss, r.ru_isrss, r.ru_minflt, r.ru_majflt, r.ru_nswap, r.ru_inblock,
        r.ru_oublock, r.ru_msgsnd, r.ru_msgrcv, r.ru_nsignals, r.ru_nvcsw, r.ru_nivcsw)
    t.mem.write(usage, data)
    return 0


@syscall(100, "times")
def sys_times(t, buf: Out[Ptr]):
    """Implements times(2) in clock ticks of 100 Hz."""
    tm = t.host.times()
    if buf:
        t.mem.write(buf, struct.pack("<qqqq", int(tm[0] * 100), int(tm[1] * 100), int(tm[2] * 100), int(tm[3] * 100)))
    return int(t.host.clock_gettime_ns(1) // 10**7) & 0x7fffffffffffffff


ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS = 0x1001, 0x1002, 0x1003, 0x1004
ARCH_GET_CPUID, ARCH_SET_CPUID = 0x1011, 0x1012


@syscall(158, "arch_prctl")
def sys_arch_prctl(t, code: Int, addr: ULong):
    """Implements arch_prctl(2): FS/GS bases and CPUID faulting queries."""
    v = t.vcpu
    if code == ARCH_SET_FS:
        if addr >= TASK_SIZE:
            raise EPERM()
        v.set_regs({"fs_base": addr})
        return 0
    if code == ARCH_SET_GS:
        if addr >= TASK_SIZE:
            raise EPERM()
        v.set_regs({"gs_base": addr})
        return 0
    if code == ARCH_GET_FS:
        t.mem.write_u64(addr, v.get_reg("fs_base"))
        return 0
    if code == ARCH_GET_GS:
        t.mem.write_u64(addr, v.get_reg("gs_base"))
        return 0
    if code == ARCH_GET_CPUID:
        return 1
    if code == ARCH_SET_CPUID:
        raise ENODEV()
    raise EINVAL()


@syscall(218, "set_tid_address")
def sys_set_tid_address(t, tidptr: Ptr):
    """Implements set_tid_address(2)."""
    t.clear_child_tid = tidptr
    return t.tid


@syscall(273, "set_robust_list")
def sys_set_robust_list(t, head: Ptr, length: Size):
    """Implements set_robust_list(2) (the list is walked at thread death)."""
    if length != 24:
        raise EINVAL()
    t.robust_list = head
    t.robust_len = length
    return 0


@syscall(274, "get_robust_list")
def sys_get_robust_list(t, pid: Int, head: Out[Ptr], length: Out[Ptr]):
    """Implements get_robust_list(2) for the calling thread."""
    if pid not in (0, t.tid):
        raise ESRCH()
    t.mem.write_u64(head, t.robust_list)
    t.mem.write_u64(length, t.robust_len or 24)
    return 0


stub(334, "rseq", ENOSYS.errno, "restartable sequences are not offered; glibc falls back")

PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 2, 3, 4
PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP, PR_SET_SECCOMP = 15, 16, 21, 22
PR_CAPBSET_READ, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 23, 38, 39
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_VMA, PR_SET_THP_DISABLE = 36, 37, 0x53564d41, 41
PR_GET_THP_DISABLE, PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_KEEPCAPS, PR_GET_KEEPCAPS = 42, 29, 30, 8, 7
PR_MCE_KILL, PR_SET_MM, PR_SET_PTRACER, PR_GET_TSC, PR_CAP_AMBIENT = 33, 35, 0x59616d61, 25, 47


@syscall(157, "prctl", support="partial", note="names, death signal, dumpable, no_new_privs, subreaper, queries")
def sys_prctl(t, option: Int, a2: ULong, a3: ULong, a4: ULong, a5: ULong):
    """Implements the prctl(2) options programs use."""
    p = t.process
    if option == PR_SET_NAME:
        name = t.mem.read_cstr(a2, 1 << 20)[:15]     # Linux copies at most 15 bytes
        p.comm = name
        t.name = name
        return 0
    if option == PR_GET_NAME:
        t.mem.write(a2, (t.name or p.comm)[:15].ljust(16, b"\0"))
        return 0
    if option == PR_SET_PDEATHSIG:
        if a2 > 64:
            raise EINVAL()
        p.pdeathsig = a2
        return 0
    if option == PR_GET_PDEATHSIG:
        t.mem.write_i32(a2, p.pdeathsig)
        return 0
    if option == PR_GET_DUMPABLE:
        return p.dumpable
    if option == PR_SET_DUMPABLE:
        if a2 not in (0, 1):
            raise EINVAL()
        p.dumpable = a2
        return 0
    if option == PR_SET_NO_NEW_PRIVS:
        if a2 != 1:
            raise EINVAL()
        p.no_new_privs = 1
        return 0
    if option == PR_GET_NO_NEW_PRIVS:
        return getattr(p, "no_new_privs", 0)
    if option == PR_GET_SECCOMP:
        return 0
    if option == PR_CAPBSET_READ:
        if a2 > 40:
            raise EINVAL()
        return 1
    if option == PR_SET_CHILD_SUBREAPER:
        p.subreaper = bool(a2)
        return 0
    if option == PR_GET_CHILD_SUBREAPER:
        t.mem.write_i32(a2, int(getattr(p, "subreaper", False)))
        return 0
    if option in (PR_SET_VMA, PR_SET_THP_DISABLE, PR_SET_TIMERSLACK, PR_SET_KEEPCAPS, PR_MCE_KILL, PR_SET_PTRACER):
        return 0
    if option in (PR_GET_THP_DISABLE, PR_GET_KEEPCAPS):
        return 0
    if option == PR_GET_TIMERSLACK:
        return 50000
    if option == PR_CAP_AMBIENT:
        return 0
    raise EINVAL()


GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE = 1, 2, 4


@syscall(318, "getrandom")
def sys_getrandom(t, buf: Out[Ptr], count: Size, flags: UInt):
    """Implements getrandom(2) from the host's random source."""
    if flags & ~7 or (flags & GRND_RANDOM and flags & GRND_INSECURE):
        raise EINVAL()
    n = t.mem.write_prefix(buf, t.host.random(min(count, 1 << 25)))
    if n == 0 and count:
        raise EFAULT()
    t.kernel.refill_random_pool(t)       # a hardware backend serves small ones in the VM
    return n


@syscall(24, "sched_yield")
def sys_sched_yield(t):
    """Implements sched_yield(2)."""
    t.kernel.yield_cpu(t) if hasattr(t.kernel, "yield_cpu") else None
    return 0


def _sched_target(t, pid, negative=EINVAL):
    """The task a sched_* call names (pid 0: the caller), or None for
    another process that exists; a negative pid is EINVAL (ESRCH for the
    affinity calls, as Linux), a missing one ESRCH."""
    if pid < 0:
        raise negative()
    if pid == 0:
        return t
    own = t.process.tasks.get(pid)
    if own is not None:
        return own
    try:
        t.host.kill(pid, 0)           # ESRCH if there is no such process
    except LinuxError as e:
        if e.errno != EPERM.errno:
            raise
    return None


def _all_cpus(t):
    return (1 << t.host.cpu_count()) - 1


@syscall(204, "sched_getaffinity")
def sys_sched_getaffinity(t, pid: Int, size: UInt, mask: Out[Ptr]):
    """Implements sched_getaffinity(2): the mask the thread set (kept by the
    unikernel: a Mac has no CPU affinity), else all host CPUs."""
    n = t.host.cpu_count()
    if size * 8 < n or size & 7:
        raise EINVAL()
    task = _sched_target(t, pid, ESRCH)
    bits = t.process.affinity.get(task.tid, _all_cpus(t)) if task is not None else _all_cpus(t)
    data = bits.to_bytes((n + 63) // 64 * 8, "little")
    t.mem.write(mask, data[:size])
    return min(len(data), size)


@syscall(203, "sched_setaffinity")
def sys_sched_setaffinity(t, pid: Int, size: UInt, mask: Ptr):
    """Implements sched_setaffinity(2): recorded for the thread (and read
    back by sched_getaffinity), not applied to the host."""
    n = t.host.cpu_count()
    raw = t.mem.read(mask, min(size, (n + 63) // 64 * 8))
    task = _sched_target(t, pid, ESRCH)
    bits = int.from_bytes(raw, "little") & _all_cpus(t)
    if not bits:
        raise EINVAL()                # no CPU of this machine in the set
    if task is not None:
        t.process.affinity[task.tid] = bits
    return 0


@syscall(148, "sched_rr_get_interval")
def sys_sched_rr_get_interval(t, pid: Int, interval: Out[Ptr]):
    """Implements sched_rr_get_interval(2): 0 for SCHED_OTHER, as Linux."""
    _sched_target(t, pid)
    t.mem.write(interval, struct.pack("<qq", 0, 0))
    return 0


@syscall(309, "getcpu")
def sys_getcpu(t, cpu: Out[Ptr], node: Out[Ptr], cache: Ptr):
    """Implements getcpu(2): CPU 0, node 0."""
    if cpu:
        t.mem.write_u32(cpu, 0)
    if node:
        t.mem.write_u32(node, 0)
    return 0


@syscall(145, "sched_getscheduler")
def sys_sched_getscheduler(t, pid: Int):
    """Implements sched_getscheduler(2): SCHED_OTHER."""
    if pid < 0:
        raise EINVAL()
    return 0


@syscall(143, "sched_getparam")
def sys_sched_getparam(t, pid: Int, param: Out[Ptr]):
    """Implements sched_getparam(2): priority 0."""
    t.mem.write_i32(param, 0)
    return 0


@syscall(144, "sched_setscheduler")
def sys_sched_setscheduler(t, pid: Int, policy: Int, param: Ptr):
    """Implements sched_setscheduler(2) for SCHED_OTHER/BATCH/IDLE only."""
    if policy & ~0x40000000 not in (0, 3, 5):
        raise EPERM()
    return 0


@syscall(146, "sched_get_priority_max")
def sys_sched_get_priority_max(t, policy: Int):
    """Implements sched_get_priority_max(2)."""
    return 99 if policy in (1, 2) else 0


@syscall(147, "sched_get_priority_min")
def sys_sched_get_priority_min(t, policy: Int):
    """Implements sched_get_priority_min(2)."""
    return 1 if policy in (1, 2) else 0


def _prio_target(t, which, who):
    """(which, who) for the host: a guest thread id is its process on the
    host (one host process per Linux process)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    if which == 0 and who in t.process.tasks:
        who = 0
    return which, who


@syscall(140, "getpriority")
def sys_getpriority(t, which: Int, who: Int):
    """Implements getpriority(2) on the host process, process group or user;
    the raw call returns 20 - nice (1..40), as Linux's does."""
    return 20 - t.host.getpriority(*_prio_target(t, which, who))


@syscall(141, "setpriority")
def sys_setpriority(t, which: Int, who: Int, prio: Int):
    """Implements setpriority(2) on the host (nice clamped to -20..19;
    raising priority needs the host's privilege, else EACCES)."""
    which, who = _prio_target(t, which, who)
    t.host.setpriority(which, who, max(-20, min(19, prio)))
    return 0


@syscall(135, "personality")
def sys_personality(t, persona: UInt):
    """Implements personality(2): 0xffffffff queries; others are recorded."""
    old = t.process.personality
    if persona != 0xFFFFFFFF:
        t.process.personality = persona
    return old


@syscall(125, "capget")
def sys_capget(t, hdr: Ptr, data: Out[Ptr]):
    """Implements capget(2): no capabilities."""
    version = t.mem.read_u32(hdr)
    if version not in (0x19980330, 0x20071026, 0x20080522):
        t.mem.write_u32(hdr, 0x20080522)
        raise EINVAL()
    if data:
        t.mem.write(data, b"\0" * (12 if version == 0x19980330 else 24))
    return 0


@syscall(126, "capset")
def sys_capset(t, hdr: Ptr, data: Ptr):
    """Implements capset(2): only dropping (to none) is allowed."""
    raw = t.mem.read(data, 24)
    if any(raw):
        raise EPERM()
    return 0
