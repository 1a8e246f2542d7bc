"""Signal calls: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack,
kill, tkill, tgkill, rt_sigpending, rt_sigsuspend, pause,
rt_sigtimedwait, rt_sigqueueinfo.

The mechanics (frames, delivery, host mirroring) are in kernel/signals.py.
A signal sent to the own process is queued here directly so it is
delivered before the call returns to the guest, as on Linux.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.signal import (MINSIGSTKSZ, SIGACTION, SIGSET_SIZE, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK,
                               SS_AUTODISARM, STACK_T)
from lxpack.abi.time import CLOCK_MONOTONIC, NSEC_PER_SEC, TIMESPEC, unpack_timespec_ns
from lxpack.unikernel.errors import EAGAIN, EINVAL, EINTR, ENOMEM, EPERM, ESRCH, Interrupted
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.sched import LeaveHook
from lxpack.unikernel.syscall.args import Int, Out, Ptr, Size
from lxpack.unikernel.syscall.table import NORETURN, syscall


def _check_sig(sig):
    if not 1 <= sig <= S.NSIG:
        raise EINVAL()


@syscall("rt_sigaction")
def sys_rt_sigaction(t, sig: Int, act: Ptr, oact: Out[Ptr], sigsetsize: Size):
    """Implements rt_sigaction(2).

    Checked in Linux's order: the set size, then copying act in (EFAULT),
    then the signal number (EINVAL)."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    if act:
        handler, flags, restorer, mask = SIGACTION.unpack(t.mem.read(act, SIGACTION.size))
    _check_sig(sig)
    acts = t.process.sigactions
    old = acts.get(sig)
    if act:
        if sig in (S.SIGKILL, S.SIGSTOP):
            raise EINVAL()
        acts.set(sig, S.Action(handler, flags, restorer, mask & ~S.UNBLOCKABLE))
        # Setting SIG_IGN discards a pending instance (POSIX), in every thread.
        if S.is_ignored(acts, sig):
            t.process.shared_pending.discard(sig)
            for o in list(t.process.tasks.values()):
                o.signals.own.discard(sig)
        if (old.handler == S.SIG_DFL) != (handler == S.SIG_DFL):
            t.kernel.update_blocked_mirror()
    if oact:
        t.mem.write(oact, old.pack())
    return 0


@syscall("rt_sigprocmask")
def sys_rt_sigprocmask(t, how: Int, nset: Ptr, oset: Out[Ptr], sigsetsize: Size):
    """Implements rt_sigprocmask(2)."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    sigs = t.signals
    old = sigs.mask
    if nset:
        m = t.mem.read_u64(nset)
        if how == SIG_BLOCK:
            sigs.mask = old | m
        elif how == SIG_UNBLOCK:
            sigs.mask = old & ~m
        elif how == SIG_SETMASK:
            sigs.mask = m
        else:
            raise EINVAL()
        sigs.mask &= ~S.UNBLOCKABLE
        changed = old ^ sigs.mask
        if changed & t.process.sigactions.default_fatal_mask():
            t.kernel.update_blocked_mirror()
        if changed & old:
            t.kernel.expire_timers(changed & old)
            if t.kernel.inbox or sigs.has_deliverable():
                t.wants_stop = True
    if oset:
        t.mem.write_u64(oset, old)
    return 0


@syscall("rt_sigreturn")
def sys_rt_sigreturn(t):
    """Implements rt_sigreturn(2): restores the frame of the handler returning."""
    S.sigreturn(t)
    if t.signals.pending and t.signals.has_deliverable():
        t.wants_stop = True
    return NORETURN


@syscall("sigaltstack")
def sys_sigaltstack(t, ss: Ptr, old: Out[Ptr]):
    """Implements sigaltstack(2)."""
    sp, flags, size = t.altstack
    rsp = t.vcpu.get_reg("rsp")
    on = size and sp <= rsp < sp + size and not (flags & S.SS_DISABLE)
    if ss:
        nsp, nflags, nsize = STACK_T.unpack(t.mem.read(ss, STACK_T.size))
        if on:
            raise EPERM()
        mode = nflags & ~SS_AUTODISARM
        if mode not in (0, S.SS_DISABLE, S.SS_ONSTACK):
            raise EINVAL()
        if mode == S.SS_DISABLE:
            t.altstack = (0, S.SS_DISABLE, 0)
        else:
            if nsize < MINSIGSTKSZ:
                raise ENOMEM()
            t.altstack = (nsp, nflags & SS_AUTODISARM, nsize)
    if old:
        t.mem.write(old, STACK_T.pack(sp, (flags & ~S.SS_ONSTACK) | (S.SS_ONSTACK if on else 0), size))
    return 0


def _send_self(t, sig, info):
    """kill/sigqueue to the own process: process-directed, queued here so
    that it is delivered before the call returns (to this thread when it
    does not block the signal), as on Linux."""
    if sig == 0:
        return 0
    if sig == S.SIGKILL or (sig == S.SIGSTOP and t.kernel.tracee is None):
        t.host.kill(t.process.pid, sig)     # the host acts on these itself
        return 0
    # (A traced process's SIGSTOP is a signal-delivery-stop for its tracer.)
    t.kernel.send_process_signal(sig, info)
    return 0


@syscall("kill")
def sys_kill(t, pid: Int, sig: Int):
    """Implements kill(2); signals to the own process are queued directly,
    others (groups, other processes) go through the host."""
    if not 0 <= sig <= S.NSIG:
        raise EINVAL()
    if pid == t.process.pid:
        return _send_self(t, sig, S.siginfo(sig, S.SI_USER, pid=t.process.pid, uid=t.host.getuid()))
    t.host.kill(pid, sig)
    if pid <= 0 and sig:
        # The own process may be among the receivers: its handler should
        # run before kill returns, as on Linux.
        t.wants_stop = True
    return 0


def _thread_signal(t, tid, sig, info):
    target = t.process.tasks.get(tid)
    if target is None:
        raise ESRCH()
    if sig == 0:
        return 0
    if sig == S.SIGKILL or (sig == S.SIGSTOP and t.kernel.tracee is None):
        t.host.kill(t.process.pid, sig)     # whole-process actions
        return 0
    t.kernel.send_thread_signal(target, sig, info)
    return 0


@syscall("tkill")
def sys_tkill(t, tid: Int, sig: Int):
    """Implements tkill(2)."""
    return sys_tgkill(t, t.process.pid if tid in t.process.tasks else tid, tid, sig)


@syscall("tgkill")
def sys_tgkill(t, tgid: Int, tid: Int, sig: Int):
    """Implements tgkill(2) for threads of this process (per-thread
    delivery; a thread blocked in the host is woken), and for the main
    thread of another process (through the host)."""
    if not 0 <= sig <= S.NSIG or tid <= 0 or tgid <= 0:
        raise EINVAL()
    if tgid == t.process.pid:
        info = S.siginfo(sig, S.SI_TKILL, pid=t.process.pid, uid=t.host.getuid())
        return _thread_signal(t, tid, sig, info)
    if tgid != tid:
        raise ESRCH()
    t.host.kill(tid, sig)
    return 0


def _user_info(t, sig, info):
    raw = t.mem.read(info, 128)
    code = struct.unpack_from("<i", raw, 8)[0]
    if code >= 0 or code == S.SI_TKILL:
        raise EPERM()
    return struct.pack("<i", sig) + raw[4:]


@syscall("rt_sigqueueinfo")
def sys_rt_sigqueueinfo(t, pid: Int, sig: Int, info: Ptr):
    """Implements rt_sigqueueinfo(2). Differences: to another process the
    signal goes through the host, and the value is lost."""
    _check_sig(sig)
    data = _user_info(t, sig, info)
    if pid == t.process.pid:
        return _send_self(t, sig, data)
    t.host.kill(pid, sig)
    return 0


@syscall("rt_tgsigqueueinfo")
def sys_rt_tgsigqueueinfo(t, tgid: Int, tid: Int, sig: Int, info: Ptr):
    """Implements rt_tgsigqueueinfo(2) for threads of this process."""
    _check_sig(sig)
    data = _user_info(t, sig, info)
    if tgid != t.process.pid:
        if tgid != tid or tgid <= 0:
            raise ESRCH()
        t.host.kill(tid, sig)
        return 0
    return _thread_signal(t, tid, sig, data)


@syscall("rt_sigpending")
def sys_rt_sigpending(t, out: Out[Ptr], sigsetsize: Size):
    """Implements rt_sigpending(2): blocked signals pending for the thread
    or the process."""
    if sigsetsize > SIGSET_SIZE:
        raise EINVAL()
    k = t.kernel
    k.expire_timers()
    if k.inbox:
        k.drain_signals(t)
    t.mem.write(out, struct.pack("<Q", t.signals.pending_mask() & t.signals.mask)[:sigsetsize])
    return 0


def _leave_hook(t):
    """A call that changes state and then blocks must leave the engine's
    hook before it changes anything (the call is re-run outside it)."""
    if t.kernel.sched is not None and t.vcpu.in_guest():
        raise LeaveHook()


def _wait_for_signal(t):
    """Block until a signal for the guest arrives (host sleep, interrupted)."""
    k = t.kernel
    while True:
        k.expire_timers()
        if k.inbox:
            k.drain_signals(t)
        if t.signals.has_deliverable():
            break
        try:
            t.host.sleep_ns(3600 * NSEC_PER_SEC)
        except Interrupted:
            pass
    t.wants_stop = True
    raise EINTR()


@syscall("rt_sigsuspend", restartable="nohand")
def sys_rt_sigsuspend(t, mask: Ptr, sigsetsize: Size):
    """Implements rt_sigsuspend(2): always ends with EINTR after a handler."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    _leave_hook(t)
    new = t.mem.read_u64(mask) & ~S.UNBLOCKABLE
    sigs = t.signals
    sigs.saved_mask = sigs.mask
    sigs.mask = new
    return _wait_for_signal(t)


@syscall("pause", restartable="nohand")
def sys_pause(t):
    """Implements pause(2)."""
    return _wait_for_signal(t)


@syscall("rt_sigtimedwait", restartable=False)
def sys_rt_sigtimedwait(t, sset: Ptr, info: Out[Ptr], timeout: Ptr, sigsetsize: Size):
    """Implements rt_sigtimedwait(2)."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    want = t.mem.read_u64(sset) & ~S.UNBLOCKABLE
    deadline = None
    if timeout:
        ns = unpack_timespec_ns(t.mem.read(timeout, TIMESPEC.size))
        if ns is None:
            raise EINVAL()
        deadline = t.host.clock_gettime_ns(CLOCK_MONOTONIC) + ns
    sigs = t.signals
    sigs.waitset = want
    k = t.kernel
    try:
        while True:
            k.expire_timers()
            if k.inbox:
                k.drain_signals(t)
            b = sigs.pending_mask() & want
            if b & S.SYNCHRONOUS_MASK:
                b &= S.SYNCHRONOUS_MASK
            for sig in S.sigs_of(b):
                if want & S.bit(sig):
                    data = sigs.take(sig) or S.siginfo(sig, S.SI_USER)
                    if info:
                        t.mem.write(info, data)
                    return sig
            if sigs.has_deliverable():
                t.wants_stop = True
                raise EINTR()
            if deadline is not None:
                left = deadline - t.host.clock_gettime_ns(CLOCK_MONOTONIC)
                if left <= 0:
                    raise EAGAIN()
            else:
                left = 3600 * NSEC_PER_SEC
            try:
                t.host.sleep_ns(left)
            except Interrupted:
                pass
    finally:
        sigs.waitset = 0
