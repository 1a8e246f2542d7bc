"""Signals: dispositions, masks, pending sets, delivery on the guest stack
(a real rt_sigframe), rt_sigreturn, synchronous faults, and host signals
forwarded to the guest.

Owns: SignalActions (per process), SignalState (per thread), the frame
layout glibc and musl expect (struct rt_sigframe: pretcode, ucontext with
sigcontext and an FXSAVE fpstate, siginfo), and the mirroring of
dispositions on the host process: SIG_DFL and SIG_IGN are set on the host
too (so a default-action death is a real host death the parent sees, and
ignored signals stay ignored across exec of host programs); a guest handler
becomes a host handler that queues the signal and kicks the vCPU.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.unikernel.errors import EINVAL, EFAULT, ProcessExit, Interrupted

NSIG = 64
SIG_DFL, SIG_IGN = 0, 1
SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO = 1, 2, 4
SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND = 0x04000000, 0x08000000, 0x10000000, 0x40000000, 0x80000000
SS_ONSTACK, SS_DISABLE = 1, 2
SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGCHLD, SIGCONT = 9, 19, 11, 7, 8, 4, 5, 17, 18
SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGRTMIN, SIGCANCEL = 14, 20, 21, 22, 32, 32

SI_USER, SI_KERNEL, SI_TKILL, SI_QUEUE, SI_TIMER = 0, 0x80, -6, -1, -2
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = 1, 2, 3, 4, 5, 6
SEGV_MAPERR, SEGV_ACCERR = 1, 2
BUS_ADRALN, BUS_ADRERR = 1, 2
ILL_ILLOPN = 2
FPE_INTDIV = 1
TRAP_BRKPT = 1

_CORE = {3, 4, 5, 6, 7, 8, 11, 24, 25, 31}
_IGNORE = {17, 23, 28}
_STOP = {19, 20, 21, 22}
STOP_MASK = (1 << 18) | (1 << 19) | (1 << 20) | (1 << 21)
_CONT = {18}


def default_action(sig):
    if sig in _CORE:
        return "core"
    if sig in _IGNORE:
        return "ignore"
    if sig in _STOP:
        return "stop"
    if sig in _CONT:
        return "continue"
    return "term"


def bit(sig):
    return 1 << (sig - 1)


UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP)
ALL_SIGNALS = (1 << NSIG) - 1


def siginfo(signo, code, errno=0, pid=0, uid=0, addr=None, status=None, value=0):
    """A 128-byte siginfo_t."""
    head = struct.pack("<iii4x", signo, errno, code)
    if addr is not None:
        body = struct.pack("<Q", addr)
    elif status is not None:
        body = struct.pack("<iIiQQ", pid, uid, status, 0, 0)
    else:
        body = struct.pack("<iIQ", pid, uid, value)
    return (head + body).ljust(128, b"\0")


class Action(object):
    __slots__ = ("handler", "flags", "restorer", "mask")

    def __init__(self, handler=SIG_DFL, flags=0, restorer=0, mask=0):
        self.handler = handler
        self.flags = flags
        self.restorer = restorer
        self.mask = mask

    def pack(self):
        return struct.pack("<QQQQ", self.handler, self.flags, self.restorer, self.mask)


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
SYNCHRONOUS_MASK = (1 << (SIGSEGV - 1)) | (1 << (SIGBUS - 1)) | (1 << (SIGILL - 1)) | (1 << (SIGTRAP - 1)) | \
    (1 << (SIGFPE - 1)) | (1 << (31 - 1))


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
_SC_ORDER = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx", "rdx",
             "rax", "rcx", "rsp", "rip")
UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 2, 4
FRAME_SIZE = 8 + 304 + 128          # pretcode + ucontext + siginfo


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
    sp = (sp - 512) & ~63                           # FXSAVE area, 64-aligned
    fp_addr = sp
    frame = ((sp - FRAME_SIZE) & ~15) - 8
    sc = struct.pack("<17Q", *[regs[n] for n in _SC_ORDER])
    sc += struct.pack("<Q", regs["rflags"])
    sc += struct.pack("<HHHH", 0x33, 0, 0, 0x2b)   # cs, gs, fs, ss
    saved = t.signals.mask if frame_mask is None else frame_mask
    sc += struct.pack("<QQQQ", 0, 14 if sig == SIGSEGV else 0,
                      saved & 0xFFFFFFFFFFFFFFFF, info_addr_of(info))
    sc += struct.pack("<Q", fp_addr) + b"\0" * 64
    stack = struct.pack("<Qi4xQ", ss_sp, (SS_ONSTACK if on_alt else 0) | (ss_flags & SS_DISABLE), ss_size)
    uc = struct.pack("<QQ", UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, 0) + stack + sc + \
        struct.pack("<Q", saved)
    assert len(uc) == 304, len(uc)
    restorer = act.restorer if act.flags & SA_RESTORER else 0
    try:
        t.mem.write(fp_addr, fp)
        t.mem.write(frame, struct.pack("<Q", restorer) + uc + info)
    except EFAULT:
        # Could not build the frame (stack overflow without an alternate stack).
        raise ProcessExit(signal=SIGSEGV, core=True)
    new_mask = t.signals.mask | act.mask
    if not (act.flags & SA_NODEFER):
        new_mask |= bit(sig)
    t.signals.mask = new_mask & ~UNBLOCKABLE
    if act.flags & SA_RESETHAND:
        t.process.sigactions.set(sig, Action())
    vcpu.set_regs({"rsp": frame, "rip": act.handler, "rdi": sig, "rsi": frame + 8 + 304,
                   "rdx": frame + 8, "rax": 0, "rflags": regs["rflags"] & ~0x40400})


def info_addr_of(info):
    """cr2 slot: the faulting address for SIGSEGV/SIGBUS, from the siginfo."""
    signo = struct.unpack_from("<i", info, 0)[0]
    if signo in (SIGSEGV, SIGBUS):
        return struct.unpack_from("<Q", info, 16)[0]
    return 0


def sigreturn(t):
    """rt_sigreturn: restore what setup_frame saved."""
    vcpu = t.vcpu
    frame = vcpu.get_reg("rsp") - 8
    uc = t.mem.read(frame + 8, 304)
    ss_sp, ss_flags, ss_size = struct.unpack_from("<Qi4xQ", uc, 16)
    vals = struct.unpack_from("<17Q", uc, 40)
    regs = dict(zip(_SC_ORDER, vals))
    rflags = struct.unpack_from("<Q", uc, 40 + 136)[0]
    fp_addr = struct.unpack_from("<Q", uc, 40 + 184)[0]
    mask = struct.unpack_from("<Q", uc, 296)[0]
    # Only user-modifiable flags are restored (as Linux's FIX_EFLAGS).
    cur = vcpu.get_reg("rflags")
    regs["rflags"] = (cur & ~0x50dd5) | (rflags & 0x50dd5)
    if fp_addr:
        vcpu.set_fpu_state(t.mem.read(fp_addr, 512))
    t.signals.mask = mask & ~UNBLOCKABLE
    vcpu.set_regs(regs)
