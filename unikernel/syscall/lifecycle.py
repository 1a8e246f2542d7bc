"""Process and thread life cycle: fork, vfork, clone, clone3 (new
processes; threads are made by the kernel's clone_thread), execve,
execveat, wait4, waitid, exit, exit_group, and the thread bookkeeping
clone and exit use: set_tid_address, the robust futex list, rseq.

One host process per Linux process (DESIGN): fork is a host fork of the
runtime made from inside the syscall, so parent and child both return from
it with the emulated CPU and memory duplicated (copy-on-write by the host);
PIDs are host PIDs and wait4/waitid are the host's. Threads (CLONE_THREAD)
are created by the kernel (Kernel.clone_thread); futex waits are futex.py.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.fcntl import AT_EMPTY_PATH, AT_FDCWD
from lxpack.abi.sched import (CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_NEWNS, CLONE_PARENT_SETTID,
                              CLONE_PIDFD, CLONE_SETTLS, CLONE_THREAD, CLONE_VFORK, CLONE_VM, CSIGNAL)
from lxpack.abi.signal import (P_ALL, P_PGID, P_PID, SIGCHLD, WALL, WCLONE, WCONTINUED, WEXITED, WNOHANG, WNOTHREAD,
                               WNOWAIT, WSTOPPED, WUNTRACED)
from lxpack.abi.time import pack_timeval_sec
from lxpack.unikernel.errors import EFAULT, EINVAL, ENOSYS, ESRCH, ExecImage, ProcessExit, TaskExit
from lxpack.unikernel.kernel import execve as X
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.sched import LeaveHook
from lxpack.unikernel.syscall.args import Hex, Int, Out, Path, Ptr, Size, ULong
from lxpack.unikernel.syscall.table import NORETURN, stub, syscall


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
    # A channel to the child (ptrace: its tracer's end, should it call
    # PTRACE_TRACEME); a traced parent with the event option also makes
    # one for its tracer, who auto-attaches the child.
    up, attach = k.ptrace_fork_channels(flags)
    event = k.ptrace_fork_event(flags) if attach is not None else 0
    vm = t.vcpu.vm
    vm.before_fork()
    pid = t.host.fork()
    if pid == 0:
        if up is not None:
            t.host.close_private(up[0])
        if attach is not None:
            t.host.close_private(attach[0])
        k.after_fork_child(t)
        k.ptrace_fork_child(t, up[1] if up is not None else None, attach[1] if attach is not None else None)
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
    if up is not None:
        t.host.close_private(up[1])
        k.ptrace_tracer().add_child(pid, up[0])
    if attach is not None:
        t.host.close_private(attach[1])
        t.vcpu.set_rax(pid)                  # the tracer sees the result at the event stop
        try:
            k.tracee.event_stop(t, event, pid, fds=(attach[0],))
        finally:
            t.host.close_private(attach[0])
    if vfork_pipe is not None:
        # Like vfork: the parent waits until the child execs or exits.
        t.host.close(vfork_pipe[1])
        t.host.wait_readable_eof(vfork_pipe[0])
        t.host.close(vfork_pipe[0])
    return pid


@syscall("fork")
def sys_fork(t):
    """Implements fork(2) as a host fork."""
    return fork_process(t, SIGCHLD, 0, 0, 0, 0)


@syscall("vfork")
def sys_vfork(t):
    """Implements vfork(2): a fork whose parent waits for the child's exec or
    exit. Differences: memory is not shared with the parent meanwhile."""
    return fork_process(t, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0)


@syscall("clone", support="partial", note="processes and threads; namespaces are EINVAL")
def sys_clone(t, flags: Hex, stack: Ptr, ptid: Ptr, ctid: Ptr, tls: ULong):
    """Implements clone(2). With CLONE_THREAD a thread (Kernel.clone_thread), else a
    process (a host fork; CLONE_VM without CLONE_THREAD is run as vfork)."""
    if flags & CLONE_THREAD:
        return t.kernel.clone_thread(t, flags, stack, ptid, ctid, tls)
    if flags & (CLONE_NEWNS | 0x7e000000):
        raise EINVAL()
    if flags & CLONE_VM:
        flags |= CLONE_VFORK
    return fork_process(t, flags, stack, ptid, ctid, tls)


@syscall("clone3", support="partial", note="as clone")
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
    if flags & AT_EMPTY_PATH and not path:      # exec the fd itself
        path = t.kernel.fd_path(t, dirfd)
        dirfd = AT_FDCWD
    p = X.plan(t.kernel, dirfd, path, argv, envp)
    if p.kind == "host":
        # Host-native exec: the runtime process becomes the host program
        # (returns only on failure, with the error for the guest).
        SESSION.forget(t.host, t.process.pid)     # it leaves the session
        try:
            t.host.execve(p.hostpath, p.argv, p.envp, t.signals.mask)
        finally:
            SESSION.publish(t)
    raise ExecImage(p)


@syscall("execve")
def sys_execve(t, path: Path, argv: Ptr, envp: Ptr):
    """Implements execve(2): ELF in place, shebang scripts, host programs."""
    return _execve(t, AT_FDCWD, path, argv, envp, 0)


@syscall("execveat")
def sys_execveat(t, dirfd: Int, path: Path, argv: Ptr, envp: Ptr, flags: Hex):
    """Implements execveat(2) (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW)."""
    return _execve(t, dirfd, path or b"", argv, envp, flags)


def _pack_rusage(ru):
    if ru is None:
        return b"\0" * 144

    return pack_timeval_sec(ru.ru_utime) + pack_timeval_sec(ru.ru_stime) + struct.pack(
        "<14q", ru.ru_maxrss, ru.ru_ixrss, ru.ru_idrss, ru.ru_isrss, ru.ru_minflt, ru.ru_majflt, ru.ru_nswap,
        ru.ru_inblock, ru.ru_oublock, ru.ru_msgsnd, ru.ru_msgrcv, ru.ru_nsignals, ru.ru_nvcsw, ru.ru_nivcsw)


@syscall("wait4")
def sys_wait4(t, pid: Int, status: Out[Ptr], options: Hex, rusage: Out[Ptr]):
    """Implements wait4(2) (the host's, with the Linux status encoding)."""
    if options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE):
        raise EINVAL()
    tracer = t.kernel.tracer
    if tracer is None or not (tracer.channels or tracer.tracees):
        rpid, st, ru = t.host.wait4(pid, options)
    else:
        # Children may be tracees: their ptrace stops come on channels.
        rpid, st, r = tracer.wait(pid, options, lambda o: t.host.wait4(pid, o))
        ru = r[2] if r is not None else None
        if r is not None and rpid and not _stopped_or_continued(st):
            tracer.child_gone(rpid)
    if rpid:
        _note_child(t, rpid, st)
    if rpid and status:
        t.mem.write_i32(status, st)
    if rpid and rusage:
        t.mem.write(rusage, _pack_rusage(ru))
    return rpid


@syscall("waitid")
def sys_waitid(t, idtype: Int, ident: Int, infop: Out[Ptr], options: Hex, rusage: Out[Ptr]):
    """Implements waitid(2) (P_ALL, P_PID, P_PGID)."""
    kinds = {P_ALL: "all", P_PID: "pid", P_PGID: "pgid"}
    if idtype not in kinds or not options & (WSTOPPED | WEXITED | WCONTINUED):
        raise EINVAL()
    if idtype == P_PGID and ident == 0:
        ident = t.host.getpgid(0)
    tracer = t.kernel.tracer
    if tracer is not None and tracer.tracees and idtype != P_PGID:
        r = _waitid_traced(t, tracer, kinds[idtype], ident, options)
    else:
        r = t.host.waitid(kinds[idtype], ident, options)
        if r is not None and tracer is not None and not options & WNOWAIT and r[2] in _REAPED:
            tracer.child_gone(r[0])
    if infop:
        if r is None:
            t.mem.write(infop, b"\0" * 128)
        else:
            pid, uid, code, st = r
            t.mem.write(infop, struct.pack("<iii4xiIi", SIGCHLD, 0, code, pid, uid, st).ljust(128, b"\0"))
    if r is not None and not options & WNOWAIT:
        t.kernel.last_child = S.siginfo(S.SIGCHLD, r[2], pid=r[0], uid=r[1], status=r[3])
    return 0


_REAPED = (S.CLD_EXITED, S.CLD_KILLED, S.CLD_DUMPED)


def _waitid_traced(t, tracer, kind, ident, options):
    """waitid when tracees may have ptrace stops to report (CLD_TRAPPED)."""
    def host_wait(o):
        r = t.host.waitid(kind, ident, o)
        return (r[0], 0, r) if r is not None else (0, 0, None)
    rpid, st, r = tracer.wait(ident if kind == "pid" else -1, options, host_wait)
    if not rpid:
        return None
    if r is not None:
        r = r[2]
        if not options & WNOWAIT and r[2] in _REAPED:
            tracer.child_gone(rpid)
        return r
    uid = t.host.getuid()
    if st & 0xff == 0x7f:
        return rpid, uid, S.CLD_TRAPPED, (st >> 8) & 0xff
    if st & 0x7f == 0:
        return rpid, uid, S.CLD_EXITED, (st >> 8) & 0xff
    return rpid, uid, S.CLD_KILLED, st & 0x7f


def _stopped_or_continued(st):
    return st & 0xff == 0x7f or st == 0xffff


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


@syscall("exit")
def sys_exit(t, status: Int):
    """Implements exit(2): ends the calling thread (the process when it is the last)."""
    if len(t.process.tasks) <= 1:
        raise ProcessExit(status & 0xff)
    raise TaskExit(status & 0xff)


@syscall("exit_group")
def sys_exit_group(t, status: Int):
    """Implements exit_group(2)."""
    raise ProcessExit(status & 0xff)


@syscall("set_tid_address")
def sys_set_tid_address(t, tidptr: Ptr):
    """Implements set_tid_address(2)."""
    t.clear_child_tid = tidptr
    return t.tid


@syscall("set_robust_list")
def sys_set_robust_list(t, head: Ptr, length: Size):
    """Implements set_robust_list(2) (the list is walked at thread death)."""
    if length != 24:
        raise EINVAL()
    t.robust_list = head
    t.robust_len = length
    return 0


@syscall("get_robust_list")
def sys_get_robust_list(t, pid: Int, head: Out[Ptr], length: Out[Ptr]):
    """Implements get_robust_list(2) for the calling thread."""
    if pid not in (0, t.tid):
        raise ESRCH()
    t.mem.write_u64(head, t.robust_list)
    t.mem.write_u64(length, t.robust_len or 24)
    return 0


stub("rseq", ENOSYS.errno, "restartable sequences are not offered; glibc falls back")
