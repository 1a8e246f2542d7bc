"""Identity and per-process attributes: pids and tids, user and group ids,
process groups and sessions, uname and the host name, prctl, arch_prctl,
personality and capabilities.

Ids are the host process's (one host process per Linux process); privilege
changes are refused. Process life cycle (exit, fork, clone, exec, wait) is
lifecycle.py; limits and resource usage resources.py; scheduling sched.py.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.arch_prctl import (ARCH_GET_CPUID, ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_CPUID, ARCH_SET_FS,
                                   ARCH_SET_GS)
from lxpack.abi.prctl import (PR_CAP_AMBIENT, PR_CAPBSET_READ, PR_GET_CHILD_SUBREAPER, PR_GET_DUMPABLE,
                              PR_GET_KEEPCAPS, PR_GET_NAME, PR_GET_NO_NEW_PRIVS, PR_GET_PDEATHSIG, PR_GET_SECCOMP,
                              PR_GET_THP_DISABLE, PR_GET_TIMERSLACK, PR_MCE_KILL, PR_SET_CHILD_SUBREAPER,
                              PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_NAME, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG,
                              PR_SET_PTRACER, PR_SET_THP_DISABLE, PR_SET_TIMERSLACK, PR_SET_VMA)
from lxpack.unikernel.errors import EINVAL, ENODEV, EPERM
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel.mm import TASK_SIZE
from lxpack.unikernel.syscall.args import Int, Out, Ptr, Size, UInt, ULong
from lxpack.unikernel.syscall.table import syscall


@syscall("getpid")
def sys_getpid(t):
    """Implements getpid(2): the host PID (one host process per Linux process)."""
    return t.process.pid


@syscall("gettid")
def sys_gettid(t):
    """Implements gettid(2)."""
    return t.tid


@syscall("getppid")
def sys_getppid(t):
    """Implements getppid(2) (asks the host: it changes when the parent dies)."""
    return t.host.getppid()


@syscall("getuid")
def sys_getuid(t):
    """Implements getuid(2)."""
    return t.host.getuid()


@syscall("geteuid")
def sys_geteuid(t):
    """Implements geteuid(2)."""
    return t.host.geteuid()


@syscall("getgid")
def sys_getgid(t):
    """Implements getgid(2)."""
    return t.host.getgid()


@syscall("getegid")
def sys_getegid(t):
    """Implements getegid(2)."""
    return t.host.getegid()


@syscall("getresuid")
def sys_getresuid(t, ruid: Out[Ptr], euid: Out[Ptr], suid: Out[Ptr]):
    """Implements getresuid(2) (saved = effective)."""
    h = t.host
    for p, v in ((ruid, h.getuid()), (euid, h.geteuid()), (suid, h.geteuid())):
        t.mem.write_u32(p, v)
    return 0


@syscall("getresgid")
def sys_getresgid(t, rgid: Out[Ptr], egid: Out[Ptr], sgid: Out[Ptr]):
    """Implements getresgid(2) (saved = effective)."""
    h = t.host
    for p, v in ((rgid, h.getgid()), (egid, h.getegid()), (sgid, h.getegid())):
        t.mem.write_u32(p, v)
    return 0


@syscall("getgroups")
def sys_getgroups(t, size: Int, lst: Out[Ptr]):
    """Implements getgroups(2)."""
    groups = t.host.getgroups()
    if size == 0:
        return len(groups)
    if size < len(groups) or size < 0:
        raise EINVAL()
    t.mem.write(lst, struct.pack("<%dI" % len(groups), *groups))
    return len(groups)


@syscall("setuid", support="partial", note="succeeds only for the current uid")
def sys_setuid(t, uid: UInt):
    """Implements setuid(2) for the current uid (no privilege changes)."""
    if uid not in (t.host.getuid(), t.host.geteuid()):
        raise EPERM()
    return 0


@syscall("setgid", support="partial", note="succeeds only for the current gid")
def sys_setgid(t, gid: UInt):
    """Implements setgid(2) for the current gid."""
    if gid not in (t.host.getgid(), t.host.getegid()):
        raise EPERM()
    return 0


@syscall("setgroups", support="partial", note="succeeds only when unchanged")
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


@syscall("setreuid", support="partial", note="no privilege changes")
def sys_setreuid(t, ruid: UInt, euid: UInt):
    """Implements setreuid(2) for unchanged ids."""
    return _ids_ok(t, (ruid, euid), (t.host.getuid(), t.host.geteuid()))


@syscall("setregid", support="partial", note="no privilege changes")
def sys_setregid(t, rgid: UInt, egid: UInt):
    """Implements setregid(2) for unchanged ids."""
    return _ids_ok(t, (rgid, egid), (t.host.getgid(), t.host.getegid()))


@syscall("setresuid", support="partial", note="no privilege changes")
def sys_setresuid(t, ruid: UInt, euid: UInt, suid: UInt):
    """Implements setresuid(2) for unchanged ids."""
    return _ids_ok(t, (ruid, euid, suid), (t.host.getuid(), t.host.geteuid()))


@syscall("setresgid", support="partial", note="no privilege changes")
def sys_setresgid(t, rgid: UInt, egid: UInt, sgid: UInt):
    """Implements setresgid(2) for unchanged ids."""
    return _ids_ok(t, (rgid, egid, sgid), (t.host.getgid(), t.host.getegid()))


@syscall("setfsuid")
def sys_setfsuid(t, uid: UInt):
    """Implements setfsuid(2): returns the current fsuid (the euid)."""
    return t.host.geteuid()


@syscall("setfsgid")
def sys_setfsgid(t, gid: UInt):
    """Implements setfsgid(2): returns the current fsgid (the egid)."""
    return t.host.getegid()


@syscall("getpgrp")
def sys_getpgrp(t):
    """Implements getpgrp(2)."""
    return t.host.getpgid(0)


@syscall("getpgid")
def sys_getpgid(t, pid: Int):
    """Implements getpgid(2)."""
    return t.host.getpgid(pid)


@syscall("getsid")
def sys_getsid(t, pid: Int):
    """Implements getsid(2)."""
    return t.host.getsid(pid)


@syscall("setpgid")
def sys_setpgid(t, pid: Int, pgid: Int):
    """Implements setpgid(2)."""
    if pgid < 0:
        raise EINVAL()
    t.host.setpgid(pid, pgid)
    return 0


@syscall("setsid")
def sys_setsid(t):
    """Implements setsid(2)."""
    return t.host.setsid()


def _utsfield(s):
    return s[:64].ljust(65, b"\0")


@syscall("uname")
def sys_uname(t, buf: Out[Ptr]):
    """Implements uname(2): sysname Linux, machine x86_64, the host's node
    name; on a Linux host its release and version, else lxpack's."""
    sysname, node, rel, ver, machine = t.kernel.uname()
    t.mem.write(buf, b"".join(_utsfield(x) for x in (sysname, node, rel, ver, machine, b"(none)")))
    return 0


@syscall("sethostname")
def sys_sethostname(t, name: Ptr, length: Size):
    """Implements sethostname(2): refused, as for an unprivileged process."""
    raise EPERM()


@syscall("arch_prctl")
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


@syscall("prctl", support="partial", note="names, death signal, dumpable, no_new_privs, subreaper, queries")
def sys_prctl(t, option: Int, a2: ULong, a3: ULong, a4: ULong, a5: ULong):
    """Implements the prctl(2) options programs use."""
    p = t.process
    if option == PR_SET_NAME:
        name = t.mem.read_cstr(a2, 1 << 20)[:15]     # Linux copies at most 15 bytes
        p.comm = name
        t.name = name
        SESSION.publish(t)
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


@syscall("personality")
def sys_personality(t, persona: UInt):
    """Implements personality(2): 0xffffffff queries; others are recorded."""
    old = t.process.personality
    if persona != 0xFFFFFFFF:
        t.process.personality = persona
    return old


@syscall("capget")
def sys_capget(t, hdr: Ptr, data: Out[Ptr]):
    """Implements capget(2): no capabilities."""
    version = t.mem.read_u32(hdr)
    if version not in (0x19980330, 0x20071026, 0x20080522):
        t.mem.write_u32(hdr, 0x20080522)
        raise EINVAL()
    if data:
        t.mem.write(data, b"\0" * (12 if version == 0x19980330 else 24))
    return 0


@syscall("capset")
def sys_capset(t, hdr: Ptr, data: Ptr):
    """Implements capset(2): only dropping (to none) is allowed."""
    raw = t.mem.read(data, 24)
    if any(raw):
        raise EPERM()
    return 0
