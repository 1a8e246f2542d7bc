"""Process life cycle: fork, vfork, clone (new processes), execve,
execveat, wait4, waitid.

One host process per Linux process (DESIGN): fork is a host fork of the
runtime made from inside the syscall, so parent and child both return from
it with the emulated CPU and memory duplicated (copy-on-write by the host);
PIDs are host PIDs and wait4/waitid are the host's. Threads (CLONE_THREAD)
are in thread.py.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.unikernel.errors import EAGAIN, ECHILD, EFAULT, EINVAL, ENOSYS, ExecImage, LinuxError
from lxpack.unikernel.kernel import execve as X
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.sched import LeaveHook
from lxpack.unikernel.syscall.args import CStr, Hex, Int, Out, Path, Ptr, ULong
from lxpack.unikernel.syscall.table import NORETURN, syscall

CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT, CLONE_THREAD = 0x1000, 0x2000, 0x4000, 0x8000, 0x10000
CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID = 0x20000, 0x40000, 0x80000, 0x100000
CLONE_CHILD_CLEARTID, CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID = 0x200000, 0x400000, 0x800000, 0x1000000
CSIGNAL = 0xff


def fork_process(t, flags, stack, ptid, ctid, tls):
    """The common path of fork/vfork/clone without CLONE_THREAD."""
    k = t.kernel
    if k.sched is not None and t.vcpu.in_guest():
        # The parent may block below (vfork) and other threads must run
        # meanwhile: leave the engine's hook before anything is done.
        raise LeaveHook()
    vfork_pipe = None
    if flags & CLONE_VFORK:
        vfork_pipe = t.host.vfork_pipe()
    vm = t.vcpu.vm
    vm.before_fork()
    pid = t.host.fork()
    if pid == 0:
        k.after_fork_child(t)
        v = t.vcpu
        regs = {"rax": 0}
        if stack:
            regs["rsp"] = stack
        if flags & CLONE_SETTLS:
            regs["fs_base"] = tls
        v.set_regs(regs)
        if flags & CLONE_CHILD_SETTID and ctid:
            t.mem.write_u32(ctid, t.tid)
        if flags & CLONE_CHILD_CLEARTID:
            t.clear_child_tid = ctid
        if flags & CLONE_PARENT_SETTID and ptid:
            t.mem.write_u32(ptid, t.tid)
        if vfork_pipe is not None:
            t.host.close(vfork_pipe[0])
            k.vfork_release_fd = vfork_pipe[1]
        return NORETURN
    if flags & CLONE_PARENT_SETTID and ptid:
        t.mem.write_u32(ptid, pid)
    if vfork_pipe is not None:
        # Like vfork: the parent waits until the child execs or exits.
        t.host.close(vfork_pipe[1])
        t.host.wait_readable_eof(vfork_pipe[0])
        t.host.close(vfork_pipe[0])
    return pid


@syscall(57, "fork")
def sys_fork(t):
    """Implements fork(2) as a host fork."""
    return fork_process(t, 17, 0, 0, 0, 0)


@syscall(58, "vfork")
def sys_vfork(t):
    """Implements vfork(2): a fork whose parent waits for the child's exec or
    exit. Differences: memory is not shared with the parent meanwhile."""
    return fork_process(t, CLONE_VFORK | 17, 0, 0, 0, 0)


@syscall(56, "clone", support="partial", note="processes and threads; namespaces are EINVAL")
def sys_clone(t, flags: Hex, stack: Ptr, ptid: Ptr, ctid: Ptr, tls: ULong):
    """Implements clone(2). With CLONE_THREAD a thread (thread.py), else a
    process (a host fork; CLONE_VM without CLONE_THREAD is run as vfork)."""
    if flags & CLONE_THREAD:
        return t.kernel.clone_thread(t, flags, stack, ptid, ctid, tls)
    if flags & (CLONE_NEWNS | 0x7e000000):
        raise EINVAL()
    if flags & CLONE_VM:
        flags |= CLONE_VFORK
    return fork_process(t, flags, stack, ptid, ctid, tls)


@syscall(435, "clone3", support="partial", note="as clone")
def sys_clone3(t, args: Ptr, size: ULong):
    """Implements clone3(2) by decoding struct clone_args into clone."""
    if size < 64:
        raise EINVAL()
    flags, pidfd, ctid, ptid, exit_sig, stack, stack_size, tls = struct.unpack("<8Q", t.mem.read(args, 64))
    if flags & CLONE_PIDFD:
        raise EINVAL()
    top = stack + stack_size if stack else 0
    return sys_clone(t, flags | (exit_sig & CSIGNAL), top, ptid, ctid, tls)


def _read_strv(t, addr):
    out = []
    for p in t.mem.read_ptr_array(addr):
        out.append(t.mem.read_cstr(p, 1 << 17))
    return out


def _execve(t, dirfd, path, argv_p, envp_p, flags):
    if path is None:
        raise EFAULT()
    argv = _read_strv(t, argv_p) if argv_p else []
    envp = _read_strv(t, envp_p) if envp_p else []
    if flags & 0x1000 and not path:      # AT_EMPTY_PATH: exec the fd itself
        path = t.kernel.fd_path(t, dirfd)
        dirfd = -100
    p = X.plan(t.kernel, dirfd, path, argv, envp)
    if p.kind == "host":
        # Host-native exec: the runtime process becomes the host program
        # (returns only on failure, with the error for the guest).
        t.host.execve(p.hostpath, p.argv, p.envp, t.signals.mask)
    raise ExecImage(p)


@syscall(59, "execve")
def sys_execve(t, path: Path, argv: Ptr, envp: Ptr):
    """Implements execve(2): ELF in place, shebang scripts, host programs."""
    return _execve(t, -100, path, argv, envp, 0)


@syscall(322, "execveat")
def sys_execveat(t, dirfd: Int, path: Path, argv: Ptr, envp: Ptr, flags: Hex):
    """Implements execveat(2) (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW)."""
    return _execve(t, dirfd, path or b"", argv, envp, flags)


def _pack_rusage(ru):
    if ru is None:
        return b"\0" * 144

    def tv(x):
        s = int(x)
        return struct.pack("<qq", s, int((x - s) * 1e6))
    return tv(ru.ru_utime) + tv(ru.ru_stime) + struct.pack(
        "<14q", ru.ru_maxrss, ru.ru_ixrss, ru.ru_idrss, ru.ru_isrss, ru.ru_minflt, ru.ru_majflt, ru.ru_nswap,
        ru.ru_inblock, ru.ru_oublock, ru.ru_msgsnd, ru.ru_msgrcv, ru.ru_nsignals, ru.ru_nvcsw, ru.ru_nivcsw)


@syscall(61, "wait4")
def sys_wait4(t, pid: Int, status: Out[Ptr], options: Hex, rusage: Out[Ptr]):
    """Implements wait4(2) (the host's, with the Linux status encoding)."""
    if options & ~(1 | 2 | 8 | 0x20000000 | 0x40000000 | 0x80000000):
        raise EINVAL()
    rpid, st, ru = t.host.wait4(pid, options)
    if rpid:
        _note_child(t, rpid, st)
    if rpid and status:
        t.mem.write_i32(status, st)
    if rpid and rusage:
        t.mem.write(rusage, _pack_rusage(ru))
    return rpid


@syscall(247, "waitid")
def sys_waitid(t, idtype: Int, ident: Int, infop: Out[Ptr], options: Hex, rusage: Out[Ptr]):
    """Implements waitid(2) (P_ALL, P_PID, P_PGID)."""
    kinds = {0: "all", 1: "pid", 2: "pgid"}
    if idtype not in kinds or not options & (2 | 4 | 8):
        raise EINVAL()
    if idtype == 2 and ident == 0:
        ident = t.host.getpgid(0)
    r = t.host.waitid(kinds[idtype], ident, options)
    if infop:
        if r is None:
            t.mem.write(infop, b"\0" * 128)
        else:
            pid, uid, code, st = r
            t.mem.write(infop, struct.pack("<iii4xiIi", 17, 0, code, pid, uid, st).ljust(128, b"\0"))
    if r is not None and not options & 0x01000000:
        t.kernel.last_child = S.siginfo(S.SIGCHLD, r[2], pid=r[0], uid=r[1], status=r[3])
    return 0


def _note_child(t, pid, st):
    """Remember what wait4 reaped: a SIGCHLD that arrives from the host
    after its child was reaped still names it (Kernel._host_info)."""
    if st & 0x7f == 0:
        code, val = S.CLD_EXITED, (st >> 8) & 0xff
    elif st == 0xffff:
        code, val = S.CLD_CONTINUED, S.SIGCONT
    elif st & 0xff == 0x7f:
        code, val = S.CLD_STOPPED, (st >> 8) & 0xff
    else:
        code, val = (S.CLD_DUMPED if st & 0x80 else S.CLD_KILLED), st & 0x7f
    t.kernel.last_child = S.siginfo(S.SIGCHLD, code, pid=pid, uid=t.host.getuid(), status=val)
