"""Signals: dispositions, masks, pending sets, delivery on the guest stack
(a real rt_sigframe), rt_sigreturn, synchronous faults, and host signals
forwarded to the guest.

Owns: SignalActions (per process), SignalState (per thread), building and
reading the frame glibc and musl expect (struct rt_sigframe: pretcode,
ucontext with sigcontext and an FXSAVE fpstate, siginfo; the layouts and
the siginfo packer are lxpack.abi.signal's, re-exported here as S.<NAME>
and S.siginfo), and the rules for mirroring dispositions on the host
process (the mirror itself: signal_routing.py): SIG_DFL and SIG_IGN are set on the host
too (so a default-action death is a real host death the parent sees, and
ignored signals stay ignored across exec of host programs); a guest handler
becomes a host handler that queues the signal and kicks the vCPU.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi.signal import (  # noqa: F401  (re-exported: handlers use them as S.<NAME>)
    BUS_ADRALN, BUS_ADRERR, CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, CLD_TRAPPED,
    FPE_INTDIV, ILL_ILLOPN, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART,
    SA_RESTORER, SA_SIGINFO, SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, SI_QUEUE, SI_TIMER, SI_TKILL, SI_USER,
    SIG_DFL, SIG_IGN, SIGALRM, SIGBUS, SIGCHLD, SIGCONT, SIGFPE, SIGILL, SIGKILL, SIGRTMAX, SIGRTMIN, SIGSEGV,
    SIGSTOP, SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU, SIGSET_FULL, SS_DISABLE, SS_ONSTACK, SYNCHRONOUS, TRAP_BRKPT,
    UNBLOCKABLE, default_action, list_to_sigset)
from lxpack.abi.signal import pack_siginfo as siginfo  # noqa: F401  (S.siginfo: a 128-byte siginfo_t)
from lxpack.abi.signal import sigmask as bit  # bit(sig): the signal's bit in a mask
from lxpack.abi.signal import (ACT_CONTINUE, ACT_IGNORE, DEFAULT_ACTIONS, FXSAVE_SIZE, RT_SIGFRAME_SIZE,
                               SIGCONTEXT_REGS, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS, UCONTEXT, USER_CS,
                               USER_DS, X86_EFLAGS_AC, X86_EFLAGS_DF, X86_TRAP_PF, FIX_EFLAGS, SIGINFO_HEADER,
                               pack_sigaction, pack_ucontext, siginfo_addr, unpack_ucontext)
from lxpack.unikernel.errors import EFAULT, ProcessExit

NSIG = SIGRTMAX                 # signals are 1..64
_IGNORE = frozenset(s for s, a in DEFAULT_ACTIONS.items() if a == ACT_IGNORE)
_CONT = frozenset(s for s, a in DEFAULT_ACTIONS.items() if a == ACT_CONTINUE)
STOP_MASK = list_to_sigset((SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU))
ALL_SIGNALS = SIGSET_FULL
_U64 = struct.Struct("<Q")      # rt_sigframe.pretcode


class Action(object):
    __slots__ = ("handler", "flags", "restorer", "mask")

    def __init__(self, handler=SIG_DFL, flags=0, restorer=0, mask=0):
        self.handler = handler
        self.flags = flags
        self.restorer = restorer
        self.mask = mask

    def pack(self):
        return pack_sigaction(self.handler, self.flags, self.restorer, self.mask)


class SignalActions(object):
    """Dispositions of one process (shared by its threads)."""

    def __init__(self, host_mirror):
        self.actions = [Action() for _ in range(NSIG + 1)]
        self.mirror = host_mirror            # callable(sig, 'default'|'ignore'|'catch')
        self._fatal = None                   # cache of default_fatal_mask()
        self.changed = 0                     # signals set since a copy of the table was taken

    def get(self, sig):
        return self.actions[sig]

    def default_fatal_mask(self):
        """Signals whose action is SIG_DFL and ends or stops the process."""
        if self._fatal is None:
            self._fatal = fatal_default_mask(self)
        return self._fatal

    def set(self, sig, act):
        self.actions[sig] = act
        self._fatal = None
        self.changed |= bit(sig)
        if self.mirror is not None:
            self.mirror(sig, "default" if act.handler == SIG_DFL else "ignore" if act.handler == SIG_IGN else "catch")

    def set_initial(self, sig, act):
        """Record a disposition the host already has (no mirroring)."""
        self.actions[sig] = act
        self._fatal = None
        self.changed |= bit(sig)

    def reset_for_exec(self):
        """execve: caught signals go back to SIG_DFL; ignored stay ignored."""
        for sig in range(1, NSIG + 1):
            a = self.actions[sig]
            if a.handler not in (SIG_DFL, SIG_IGN):
                self.set(sig, Action())

    def ignored_mask(self):
        return sum(bit(s) for s in range(1, NSIG + 1) if self.actions[s].handler == SIG_IGN)

    def caught_mask(self):
        return sum(bit(s) for s in range(1, NSIG + 1) if self.actions[s].handler not in (SIG_DFL, SIG_IGN))


class PendingSet(object):
    """Pending signals of one thread, or of the whole process (Linux's
    shared_pending: process-directed signals any thread may take).

    bits is the set as a mask (fast checks); infos holds the siginfo records
    (a standard signal holds one, real-time signals queue). Mutated only by
    the thread owning the unikernel lock (or the only thread); host signal
    handlers never touch it (they append to the process's inbox)."""
    __slots__ = ("bits", "infos")

    def __init__(self):
        self.bits = 0
        self.infos = {}

    def __bool__(self):
        return self.bits != 0

    def __contains__(self, sig):
        return bool(self.bits & bit(sig))

    def __iter__(self):
        return iter(sigs_of(self.bits))

    def queue(self, sig, info):
        """Returns False when a standard signal was already pending (merged)."""
        q = self.infos.get(sig)
        if not q:
            self.infos[sig] = [info]
        elif sig >= SIGRTMIN:
            q.append(info)
        else:
            return False
        self.bits |= bit(sig)
        return True

    def take(self, sig):
        q = self.infos.get(sig)
        info = q.pop(0) if q else None
        if not q:
            self.infos.pop(sig, None)
            self.bits &= ~bit(sig)
        taken = getattr(info, "taken", None)      # a POSIX timer's: fills in the overrun
        return info if taken is None else taken()

    def discard(self, sig):
        for info in self.infos.pop(sig, ()):
            _dropped(info)
        self.bits &= ~bit(sig)

    def drop_where(self, pred):
        """Remove the queued signals whose siginfo matches pred."""
        for sig, q in list(self.infos.items()):
            keep = [info for info in q if not pred(info)]
            if len(keep) == len(q):
                continue
            if keep:
                self.infos[sig] = keep
            else:
                del self.infos[sig]
                self.bits &= ~bit(sig)

    def clear(self):
        for q in self.infos.values():
            for info in q:
                _dropped(info)
        self.infos.clear()
        self.bits = 0


def _dropped(info):
    dropped = getattr(info, "dropped", None)      # a POSIX timer's: it may fire again
    if dropped is not None:
        dropped()


class PendingView(object):
    """What `SignalState.pending` shows: the thread's own pending signals and
    the process's shared ones together (what rt_sigpending, signalfd and
    a blocked call's wake-up check look at)."""
    __slots__ = ("own", "shared")

    def __init__(self, own, shared):
        self.own = own
        self.shared = shared

    def __bool__(self):
        return (self.own.bits | self.shared.bits) != 0

    def __contains__(self, sig):
        return bool((self.own.bits | self.shared.bits) & bit(sig))

    def __iter__(self):
        return iter(sigs_of(self.own.bits | self.shared.bits))

    def pop(self, sig, default=None):
        had = sig in self
        self.own.discard(sig)
        self.shared.discard(sig)
        return True if had else default


def sigs_of(bits):
    """Signal numbers in a mask, lowest first."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length())
        bits ^= low
    return out


# Linux delivers these first (next_signal's SYNCHRONOUS_MASK).
SYNCHRONOUS_MASK = list_to_sigset(SYNCHRONOUS)


class SignalState(object):
    """Mask and pending signals of one thread (plus a view of the process's
    shared pending set)."""

    def __init__(self, actions, shared=None):
        self.actions = actions
        self._mask = 0
        self._cell = None          # guest memory holding the mask (see bind_mask)
        self.own = PendingSet()
        self.shared = shared if shared is not None else PendingSet()
        self.pending = PendingView(self.own, self.shared)
        self.restart_hint = False  # the last interruption asks for SA_RESTART
        self.saved_mask = None     # rt_sigsuspend / pselect restore this after the handler
        self.waitset = 0           # signals rt_sigtimedwait is waiting for (blocked, yet they wake it)

    @property
    def mask(self):
        """The blocked signals (a bit per signal, bit(sig))."""
        c = self._cell
        return self._mask if c is None else c.value

    @mask.setter
    def mask(self, value):
        c = self._cell
        if c is None:
            self._mask = value
        else:
            c.value = value

    def bind_mask(self, cell):
        """Keep the mask in `cell` (a ctypes u64 in guest memory: a hardware
        backend serves rt_sigprocmask in the VM while the process has one
        thread), or back in this object with None."""
        value = self.mask
        self._cell = cell
        self.mask = value

    def pending_mask(self):
        return self.own.bits | self.shared.bits

    def queue(self, sig, info):
        """A thread-directed signal (tgkill, a fault, SIGPIPE)."""
        return self.own.queue(sig, info)

    def deliverable(self):
        """The pending signal to deliver next (synchronous ones first, then
        the lowest number) that is not blocked, or 0."""
        b = (self.own.bits | self.shared.bits) & ~self.mask
        if not b:
            return 0
        if b & SYNCHRONOUS_MASK:
            b &= SYNCHRONOUS_MASK
        return (b & -b).bit_length()

    def has_deliverable(self):
        return ((self.own.bits | self.shared.bits) & ~self.mask) != 0

    def take(self, sig):
        if self.own.bits & bit(sig):
            return self.own.take(sig)
        return self.shared.take(sig)

    def should_restart(self, sa_restart=True):
        """Restart the interrupted call (no handler will run for the
        signal, or it has SA_RESTART and sa_restart allows that)?"""
        sig = self.deliverable()
        if not sig:
            return True
        a = self.actions.get(sig)
        if a.handler == SIG_IGN or (a.handler == SIG_DFL and default_action(sig) in ("ignore", "continue", "stop")):
            return True
        return sa_restart and bool(a.flags & SA_RESTART)


def is_ignored(actions, sig):
    """The signal's action is to do nothing (SIG_IGN, or SIG_DFL whose
    default is to ignore): Linux drops it when sent, unless blocked."""
    h = actions.get(sig).handler
    return h == SIG_IGN or (h == SIG_DFL and sig in _IGNORE)


def fatal_default_mask(actions):
    """Signals whose action is SIG_DFL with a default that ends or stops the
    process (the ones the host must not act on while every thread blocks them)."""
    m = 0
    for sig in range(1, NSIG + 1):
        if actions.actions[sig].handler == SIG_DFL and sig not in _IGNORE and sig not in _CONT \
                and sig not in (SIGKILL, SIGSTOP):
            m |= bit(sig)
    return m


# ---- frames ---------------------------------------------------------------------
# struct rt_sigframe and its ucontext: lxpack.abi.signal (UCONTEXT, pack_ucontext).
FRAME_SIZE = RT_SIGFRAME_SIZE          # pretcode + ucontext + siginfo


def setup_frame(t, sig, info, act, frame_mask=None):
    """Push an rt_sigframe and point the vCPU at the handler. frame_mask is
    the mask sigreturn restores (default: the current one)."""
    vcpu = t.vcpu
    regs = vcpu.get_regs()
    fp = vcpu.get_fpu_state()
    sp = regs["rsp"]
    ss_sp, ss_flags, ss_size = t.altstack
    on_alt = ss_size and ss_sp <= sp < ss_sp + ss_size
    if act.flags & SA_ONSTACK and not (ss_flags & SS_DISABLE) and not on_alt and ss_size:
        sp = ss_sp + ss_size
    else:
        sp -= 128                                   # the red zone
    sp = (sp - FXSAVE_SIZE) & ~63                   # FXSAVE area, 64-aligned
    fp_addr = sp
    frame = ((sp - FRAME_SIZE) & ~15) - 8
    saved = t.signals.mask if frame_mask is None else frame_mask
    uc = pack_ucontext(UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
                       (ss_sp, (SS_ONSTACK if on_alt else 0) | (ss_flags & SS_DISABLE), ss_size),
                       [regs[n] for n in SIGCONTEXT_REGS], regs["rflags"], X86_TRAP_PF if sig == SIGSEGV else 0,
                       saved & 0xFFFFFFFFFFFFFFFF, info_addr_of(info), fp_addr, saved, cs=USER_CS, ss=USER_DS)
    restorer = act.restorer if act.flags & SA_RESTORER else 0
    try:
        t.mem.write(fp_addr, fp)
        t.mem.write(frame, _U64.pack(restorer) + uc + info)
    except EFAULT:
        # Could not build the frame (stack overflow without an alternate stack).
        raise ProcessExit(signal=SIGSEGV, core=True)
    new_mask = t.signals.mask | act.mask
    if not (act.flags & SA_NODEFER):
        new_mask |= bit(sig)
    t.signals.mask = new_mask & ~UNBLOCKABLE
    if act.flags & SA_RESETHAND:
        t.process.sigactions.set(sig, Action())
    vcpu.set_regs({"rsp": frame, "rip": act.handler, "rdi": sig, "rsi": frame + 8 + UCONTEXT.size,
                   "rdx": frame + 8, "rax": 0, "rflags": regs["rflags"] & ~(X86_EFLAGS_DF | X86_EFLAGS_AC)})


def info_addr_of(info):
    """cr2 slot: the faulting address for SIGSEGV/SIGBUS, from the siginfo."""
    signo = SIGINFO_HEADER.unpack_from(info)[0]
    if signo in (SIGSEGV, SIGBUS):
        return siginfo_addr(info)
    return 0


def sigreturn(t):
    """rt_sigreturn: restore what setup_frame saved."""
    vcpu = t.vcpu
    frame = vcpu.get_reg("rsp") - 8
    uc = unpack_ucontext(t.mem.read(frame + 8, UCONTEXT.size))
    regs = dict(zip(SIGCONTEXT_REGS, uc["gregs"]))
    # Only user-modifiable flags are restored (as Linux's FIX_EFLAGS).
    cur = vcpu.get_reg("rflags")
    regs["rflags"] = (cur & ~FIX_EFLAGS) | (uc["eflags"] & FIX_EFLAGS)
    fp_addr = uc["fpstate"]
    if fp_addr:
        vcpu.set_fpu_state(t.mem.read(fp_addr, FXSAVE_SIZE))
    t.signals.mask = uc["sigmask"] & ~UNBLOCKABLE
    vcpu.set_regs(regs)
