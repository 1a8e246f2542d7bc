"""Signal calls: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack,
kill, tkill, tgkill, rt_sigpending, rt_sigsuspend, pause,
rt_sigtimedwait, rt_sigqueueinfo.

The mechanics (frames, delivery, host mirroring) are in kernel/signals.py.
A signal sent to the own process is queued here directly so it is
delivered before the call returns to the guest, as on Linux.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.unikernel.errors import EAGAIN, EINVAL, EINTR, ENOMEM, EPERM, ESRCH, Interrupted
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.syscall.args import Hex, Int, Out, Ptr, Size, UInt
from lxpack.unikernel.syscall.table import NORETURN, syscall

SIGSET_SIZE = 8
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
MINSIGSTKSZ = 2048
SS_AUTODISARM = 1 << 31


def _check_sig(sig):
    if not 1 <= sig <= S.NSIG:
        raise EINVAL()


@syscall(13, "rt_sigaction")
def sys_rt_sigaction(t, sig: Int, act: Ptr, oact: Out[Ptr], sigsetsize: Size):
    """Implements rt_sigaction(2)."""
    _check_sig(sig)
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    acts = t.process.sigactions
    old = acts.get(sig)
    if act:
        if sig in (S.SIGKILL, S.SIGSTOP):
            raise EINVAL()
        handler, flags, restorer, mask = struct.unpack("<QQQQ", t.mem.read(act, 32))
        acts.set(sig, S.Action(handler, flags, restorer, mask & ~S.UNBLOCKABLE))
        # Setting SIG_IGN discards a pending instance (POSIX).
        if handler == S.SIG_IGN or (handler == S.SIG_DFL and S.default_action(sig) == "ignore"):
            t.signals.pending.pop(sig, None)
    if oact:
        t.mem.write(oact, old.pack())
    return 0


@syscall(14, "rt_sigprocmask")
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
        if sigs.pending and sigs.has_deliverable():
            t.wants_stop = True
    if oset:
        t.mem.write_u64(oset, old)
    return 0


@syscall(15, "rt_sigreturn")
def sys_rt_sigreturn(t):
    """Implements rt_sigreturn(2): restores the frame of the handler returning."""
    S.sigreturn(t)
    if t.signals.pending and t.signals.has_deliverable():
        t.wants_stop = True
    return NORETURN


@syscall(131, "sigaltstack")
def sys_sigaltstack(t, ss: Ptr, old: Out[Ptr]):
    """Implements sigaltstack(2)."""
    sp, flags, size = t.altstack
    rsp = t.vcpu.get_reg("rsp")
    on = size and sp <= rsp < sp + size and not (flags & S.SS_DISABLE)
    if ss:
        nsp, nflags, nsize = struct.unpack("<Qi4xQ", t.mem.read(ss, 24))
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
        t.mem.write(old, struct.pack("<Qi4xQ", sp, (flags & ~S.SS_ONSTACK) | (S.SS_ONSTACK if on else 0), size))
    return 0


def _self_signal(t, sig, info):
    if sig == 0:
        return 0
    t.signals.queue(sig, info)
    t.wants_stop = True
    return 0


@syscall(62, "kill")
def sys_kill(t, pid: Int, sig: Int):
    """Implements kill(2); signals to the own process are queued directly."""
    if not 0 <= sig <= S.NSIG:
        raise EINVAL()
    if pid == t.process.pid:
        return _self_signal(t, sig, S.siginfo(sig, S.SI_USER, pid=t.process.pid, uid=t.host.getuid()))
    t.host.kill(pid, sig)
    return 0


@syscall(200, "tkill")
def sys_tkill(t, tid: Int, sig: Int):
    """Implements tkill(2)."""
    return sys_tgkill(t, t.process.pid if tid in t.process.tasks else tid, tid, sig)


@syscall(234, "tgkill")
def sys_tgkill(t, tgid: Int, tid: Int, sig: Int):
    """Implements tgkill(2) for threads of this process, and for the main
    thread of another process (through the host)."""
    if not 0 <= sig <= S.NSIG or tid <= 0 or tgid <= 0:
        raise EINVAL()
    info = S.siginfo(sig, S.SI_TKILL, pid=t.process.pid, uid=t.host.getuid())
    if tgid == t.process.pid:
        target = t.process.tasks.get(tid)
        if target is None:
            raise ESRCH()
        if sig == 0:
            return 0
        target.signals.queue(sig, info)
        target.wants_stop = True
        if target is not t:
            t.kernel.wake(target) if hasattr(t.kernel, "wake") else None
        return 0
    if tgid != tid:
        raise ESRCH()
    t.host.kill(tid, sig)
    return 0


@syscall(129, "rt_sigqueueinfo")
def sys_rt_sigqueueinfo(t, pid: Int, sig: Int, info: Ptr):
    """Implements rt_sigqueueinfo(2) (to other processes the value is lost)."""
    _check_sig(sig)
    raw = t.mem.read(info, 128)
    code = struct.unpack_from("<i", raw, 8)[0]
    if code >= 0 or code == S.SI_TKILL:
        raise EPERM()
    if pid == t.process.pid:
        return _self_signal(t, sig, struct.pack("<i", sig) + raw[4:])
    t.host.kill(pid, sig)
    return 0


@syscall(127, "rt_sigpending")
def sys_rt_sigpending(t, out: Out[Ptr], sigsetsize: Size):
    """Implements rt_sigpending(2)."""
    if sigsetsize > SIGSET_SIZE:
        raise EINVAL()
    t.mem.write(out, struct.pack("<Q", t.signals.pending_mask() & t.signals.mask)[:sigsetsize])
    return 0


def _wait_for_signal(t):
    """Block until a signal for the guest arrives (host sleep, interrupted)."""
    while not t.signals.has_deliverable():
        try:
            t.host.sleep_ns(3600 * 10**9)
        except Interrupted:
            pass
    t.wants_stop = True
    raise EINTR()


@syscall(130, "rt_sigsuspend", restartable=False)
def sys_rt_sigsuspend(t, mask: Ptr, sigsetsize: Size):
    """Implements rt_sigsuspend(2): always ends with EINTR after a handler."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    new = t.mem.read_u64(mask) & ~S.UNBLOCKABLE
    sigs = t.signals
    sigs.saved_mask = sigs.mask
    sigs.mask = new
    return _wait_for_signal(t)


@syscall(34, "pause", restartable=False)
def sys_pause(t):
    """Implements pause(2)."""
    return _wait_for_signal(t)


@syscall(128, "rt_sigtimedwait", restartable=False)
def sys_rt_sigtimedwait(t, sset: Ptr, info: Out[Ptr], timeout: Ptr, sigsetsize: Size):
    """Implements rt_sigtimedwait(2)."""
    if sigsetsize != SIGSET_SIZE:
        raise EINVAL()
    want = t.mem.read_u64(sset) & ~S.UNBLOCKABLE
    deadline = None
    if timeout:
        s, ns = struct.unpack("<qq", t.mem.read(timeout, 16))
        if s < 0 or not 0 <= ns < 10**9:
            raise EINVAL()
        deadline = t.host.clock_gettime_ns(1) + s * 10**9 + ns
    sigs = t.signals
    sigs.waitset = want
    try:
        while True:
            for sig in sorted(sigs.pending):
                if want & S.bit(sig):
                    data = sigs.take(sig)
                    if info:
                        t.mem.write(info, data)
                    return sig
            if sigs.has_deliverable():
                t.wants_stop = True
                raise EINTR()
            if deadline is not None:
                left = deadline - t.host.clock_gettime_ns(1)
                if left <= 0:
                    raise EAGAIN()
            else:
                left = 3600 * 10**9
            try:
                t.host.sleep_ns(left)
            except Interrupted:
                pass
    finally:
        sigs.waitset = 0
