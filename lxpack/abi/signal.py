"""Linux x86-64 signal ABI: signal numbers and names, sigaction flags and the
kernel struct sigaction, sigset bitmasks, siginfo_t (128 bytes) packers for
the common si_code groups, stack_t, default actions, wait(2) status encoding
and options, waitid id types.

Sources: asm/signal.h (x86), asm-generic/signal-defs.h, asm-generic/siginfo.h,
linux/wait.h, signal(7), sigaction(2), wait(2), glibc <bits/waitstatus.h>.

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table
from . import x86_64 as _x86_64

SIGHUP = 1
SIGINT = 2
SIGQUIT = 3
SIGILL = 4
SIGTRAP = 5
SIGABRT = 6
SIGIOT = 6
SIGBUS = 7
SIGFPE = 8
SIGKILL = 9
SIGUSR1 = 10
SIGSEGV = 11
SIGUSR2 = 12
SIGPIPE = 13
SIGALRM = 14
SIGTERM = 15
SIGSTKFLT = 16
SIGCHLD = 17
SIGCONT = 18
SIGSTOP = 19
SIGTSTP = 20
SIGTTIN = 21
SIGTTOU = 22
SIGURG = 23
SIGXCPU = 24
SIGXFSZ = 25
SIGVTALRM = 26
SIGPROF = 27
SIGWINCH = 28
SIGIO = 29
SIGPOLL = SIGIO
SIGPWR = 30
SIGSYS = 31
SIGRTMIN = 32           # the kernel's; glibc reserves 32 and 33 (its SIGRTMIN is 34)
SIGRTMAX = 64
_NSIG = 64              # kernel sigset size in signals; sigset_t is 8 bytes

# The 31 classic signals by canonical name (aliases SIGIOT, SIGPOLL omitted).
SIGNALS = _table(globals(), """
    SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGKILL SIGUSR1
    SIGSEGV SIGUSR2 SIGPIPE SIGALRM SIGTERM SIGSTKFLT SIGCHLD SIGCONT SIGSTOP
    SIGTSTP SIGTTIN SIGTTOU SIGURG SIGXCPU SIGXFSZ SIGVTALRM SIGPROF SIGWINCH
    SIGIO SIGPWR SIGSYS""")


def _rt_name(n):
    # strace's spelling: SIGRTMIN, SIGRT_1 .. SIGRT_32
    return "SIGRTMIN" if n == SIGRTMIN else "SIGRT_%d" % (n - SIGRTMIN)


# number -> name for 1..64
SIGNAL_NAMES = {v: k for k, v in SIGNALS.items()}
SIGNAL_NAMES.update({n: _rt_name(n) for n in range(SIGRTMIN, SIGRTMAX + 1)})


def signal_name(n):
    return SIGNAL_NAMES.get(n, str(n))


def sigmask(sig):
    """The sigset_t bit of signal *sig* (1..64)."""
    return 1 << (sig - 1)


SIGSET_FULL = (1 << _NSIG) - 1
# SIGKILL and SIGSTOP can never be blocked, caught or ignored.
UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP)


def sigset_to_list(mask):
    """Signal numbers whose bit is set in a sigset bitmask, ascending."""
    out = []
    sig = 1
    while mask:
        if mask & 1:
            out.append(sig)
        mask >>= 1
        sig += 1
    return out


def list_to_sigset(sigs):
    mask = 0
    for s in sigs:
        mask |= 1 << (s - 1)
    return mask


# --- sigaction ---------------------------------------------------------------------
SA_NOCLDSTOP = 0x00000001
SA_NOCLDWAIT = 0x00000002
SA_SIGINFO = 0x00000004
SA_UNSUPPORTED = 0x00000400
SA_EXPOSE_TAGBITS = 0x00000800
SA_RESTORER = 0x04000000
SA_ONSTACK = 0x08000000
SA_RESTART = 0x10000000
SA_NODEFER = 0x40000000
SA_RESETHAND = 0x80000000
SA_NOMASK = SA_NODEFER
SA_ONESHOT = SA_RESETHAND
SA_FLAGS = _table(globals(), """SA_NOCLDSTOP SA_NOCLDWAIT SA_SIGINFO SA_UNSUPPORTED
    SA_EXPOSE_TAGBITS SA_RESTORER SA_ONSTACK SA_RESTART SA_NODEFER SA_RESETHAND""")

SIG_BLOCK = 0
SIG_UNBLOCK = 1
SIG_SETMASK = 2
SIGPROCMASK_HOW = _table(globals(), "SIG_BLOCK SIG_UNBLOCK SIG_SETMASK")

SIG_DFL = 0
SIG_IGN = 1
SIG_ERR = -1

# kernel struct sigaction (rt_sigaction, x86-64):
# { void *sa_handler; unsigned long sa_flags; void *sa_restorer; sigset_t sa_mask; }
SIGACTION = _struct.Struct("<QQQQ")        # 32 bytes
SIGSET_SIZE = 8                            # the sigsetsize rt_* syscalls require


def pack_sigaction(handler, flags, restorer, mask):
    return SIGACTION.pack(handler, flags, restorer, mask)


def unpack_sigaction(data):
    """(handler, flags, restorer, mask) from a kernel struct sigaction."""
    return SIGACTION.unpack_from(data)


# stack_t { void *ss_sp; int ss_flags; [pad]; size_t ss_size; }   24 bytes
STACK_T = _struct.Struct("<Qi4xQ")
SS_ONSTACK = 1
SS_DISABLE = 2
SS_AUTODISARM = 1 << 31
SS_FLAG_BITS = SS_AUTODISARM
MINSIGSTKSZ = 2048
SIGSTKSZ = 8192


def pack_stack(ss_sp, ss_flags, ss_size):
    return STACK_T.pack(ss_sp, ss_flags, ss_size)


def unpack_stack(data):
    """(ss_sp, ss_flags, ss_size) from a stack_t."""
    return STACK_T.unpack_from(data)


# --- siginfo_t ----------------------------------------------------------------------
SI_MAX_SIZE = 128
SI_USER = 0
SI_KERNEL = 0x80
SI_QUEUE = -1
SI_TIMER = -2
SI_MESGQ = -3
SI_ASYNCIO = -4
SI_SIGIO = -5
SI_TKILL = -6
SI_DETHREAD = -7
SI_ASYNCNL = -60

ILL_ILLOPC = 1
ILL_ILLOPN = 2
ILL_ILLADR = 3
ILL_ILLTRP = 4
ILL_PRVOPC = 5
ILL_PRVREG = 6
ILL_COPROC = 7
ILL_BADSTK = 8
ILL_BADIADDR = 9

FPE_INTDIV = 1
FPE_INTOVF = 2
FPE_FLTDIV = 3
FPE_FLTOVF = 4
FPE_FLTUND = 5
FPE_FLTRES = 6
FPE_FLTINV = 7
FPE_FLTSUB = 8
FPE_FLTUNK = 14
FPE_CONDTRAP = 15

SEGV_MAPERR = 1
SEGV_ACCERR = 2
SEGV_BNDERR = 3
SEGV_PKUERR = 4

BUS_ADRALN = 1
BUS_ADRERR = 2
BUS_OBJERR = 3
BUS_MCEERR_AR = 4
BUS_MCEERR_AO = 5

TRAP_BRKPT = 1
TRAP_TRACE = 2
TRAP_BRANCH = 3
TRAP_HWBKPT = 4
TRAP_UNK = 5

CLD_EXITED = 1
CLD_KILLED = 2
CLD_DUMPED = 3
CLD_TRAPPED = 4
CLD_STOPPED = 5
CLD_CONTINUED = 6

POLL_IN = 1
POLL_OUT = 2
POLL_MSG = 3
POLL_ERR = 4
POLL_PRI = 5
POLL_HUP = 6

SYS_SECCOMP = 1

# siginfo header: int si_signo; int si_errno; int si_code; [pad 4]; union at 16
SIGINFO_HEADER = _struct.Struct("<iii4x")
_SI_KILL = _struct.Struct("<iii4xiI")            # pid, uid
_SI_RT = _struct.Struct("<iii4xiIQ")             # pid, uid, sigval
_SI_TIMER = _struct.Struct("<iii4xiiQ")          # tid, overrun, sigval
_SI_CHLD = _struct.Struct("<iii4xiIi4xqq")       # pid, uid, status, utime, stime
_SI_FAULT = _struct.Struct("<iii4xQ")            # addr (then addr_lsb/bnd/pkey)
_SI_FAULT_LSB = _struct.Struct("<iii4xQh")       # addr, addr_lsb (BUS_MCEERR_*)
_SI_FAULT_PKEY = _struct.Struct("<iii4xQ8xI")    # addr, pkey (SEGV_PKUERR)
_SI_POLL = _struct.Struct("<iii4xqi")            # band, fd
_SI_SYS = _struct.Struct("<iii4xQiI")            # call_addr, syscall, arch


def _pad(b):
    return b + b"\0" * (SI_MAX_SIZE - len(b))


def pack_siginfo_kill(signo, pid, uid, code=SI_USER, errno=0):
    """kill(2)/tkill/tgkill (SI_USER, SI_TKILL) and kernel-sent (SI_KERNEL)."""
    return _pad(_SI_KILL.pack(signo, errno, code, pid, uid))


def pack_siginfo_rt(signo, pid, uid, value, code=SI_QUEUE, errno=0):
    """sigqueue(3)/rt_sigqueueinfo (SI_QUEUE, SI_MESGQ, SI_ASYNCIO): sigval."""
    return _pad(_SI_RT.pack(signo, errno, code, pid, uid, value & 0xFFFFFFFFFFFFFFFF))


def pack_siginfo_timer(signo, timerid, overrun, value, errno=0):
    """POSIX timer expiry (SI_TIMER)."""
    return _pad(_SI_TIMER.pack(signo, errno, SI_TIMER, timerid, overrun, value & 0xFFFFFFFFFFFFFFFF))


def pack_siginfo_chld(code, pid, uid, status, utime=0, stime=0, signo=SIGCHLD, errno=0):
    """SIGCHLD: *code* is CLD_*; *status* is the exit code for CLD_EXITED,
    else the signal number; utime/stime in clock ticks."""
    return _pad(_SI_CHLD.pack(signo, errno, code, pid, uid, status, utime, stime))


def pack_siginfo_fault(signo, code, addr, addr_lsb=None, pkey=None, errno=0):
    """SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP from a fault: si_addr is the
    faulting data address (SEGV, BUS) or instruction address (ILL, FPE,
    TRAP). addr_lsb for BUS_MCEERR_*, pkey for SEGV_PKUERR."""
    addr &= 0xFFFFFFFFFFFFFFFF
    if pkey is not None:
        return _pad(_SI_FAULT_PKEY.pack(signo, errno, code, addr, pkey))
    if addr_lsb is not None:
        return _pad(_SI_FAULT_LSB.pack(signo, errno, code, addr, addr_lsb))
    return _pad(_SI_FAULT.pack(signo, errno, code, addr))


def pack_siginfo_poll(signo, code, band, fd, errno=0):
    """SIGIO/SIGPOLL (POLL_*): si_band (POLL* event bits), si_fd."""
    return _pad(_SI_POLL.pack(signo, errno, code, band, fd))


def pack_siginfo_sys(call_addr, syscall, arch=_x86_64.AUDIT_ARCH_X86_64, signo=SIGSYS, code=SYS_SECCOMP, errno=0):
    """SIGSYS (seccomp); arch defaults to AUDIT_ARCH_X86_64."""
    return _pad(_SI_SYS.pack(signo, errno, code, call_addr, syscall, arch))


def unpack_siginfo(data):
    """(si_signo, si_errno, si_code, fields) where *fields* is a dict decoded
    by the layout the signal and code select (as the kernel's
    siginfo_layout() does)."""
    signo, errno, code = SIGINFO_HEADER.unpack_from(data)
    if code <= 0 or code == SI_KERNEL:
        if code in (SI_TIMER,):
            _, _, _, tid, overrun, val = _SI_TIMER.unpack_from(data)
            return signo, errno, code, {"tid": tid, "overrun": overrun, "value": val}
        if code in (SI_USER, SI_KERNEL):
            _, _, _, pid, uid = _SI_KILL.unpack_from(data)
            return signo, errno, code, {"pid": pid, "uid": uid}
        if code == SI_SIGIO:
            _, _, _, band, fd = _SI_POLL.unpack_from(data)
            return signo, errno, code, {"band": band, "fd": fd}
        _, _, _, pid, uid, val = _SI_RT.unpack_from(data)
        return signo, errno, code, {"pid": pid, "uid": uid, "value": val}
    if signo in (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP):
        _, _, _, addr = _SI_FAULT.unpack_from(data)
        return signo, errno, code, {"addr": addr}
    if signo == SIGCHLD:
        _, _, _, pid, uid, status, utime, stime = _SI_CHLD.unpack_from(data)
        return signo, errno, code, {"pid": pid, "uid": uid, "status": status,
                                    "utime": utime, "stime": stime}
    if signo == SIGIO:
        _, _, _, band, fd = _SI_POLL.unpack_from(data)
        return signo, errno, code, {"band": band, "fd": fd}
    if signo == SIGSYS:
        _, _, _, call_addr, nr, arch = _SI_SYS.unpack_from(data)
        return signo, errno, code, {"call_addr": call_addr, "syscall": nr, "arch": arch}
    _, _, _, pid, uid = _SI_KILL.unpack_from(data)
    return signo, errno, code, {"pid": pid, "uid": uid}


# --- default actions (signal(7)) -------------------------------------------------------
ACT_TERM = "term"
ACT_CORE = "core"
ACT_IGNORE = "ignore"
ACT_STOP = "stop"
ACT_CONTINUE = "continue"

DEFAULT_ACTIONS = {n: ACT_TERM for n in range(1, SIGRTMAX + 1)}
for _s in (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS):
    DEFAULT_ACTIONS[_s] = ACT_CORE
for _s in (SIGCHLD, SIGURG, SIGWINCH):
    DEFAULT_ACTIONS[_s] = ACT_IGNORE
for _s in (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU):
    DEFAULT_ACTIONS[_s] = ACT_STOP
DEFAULT_ACTIONS[SIGCONT] = ACT_CONTINUE
del _s


def default_action(sig):
    return DEFAULT_ACTIONS.get(sig, ACT_TERM)


# Synchronous (fault) signals: the kernel forces these even when blocked/ignored.
SYNCHRONOUS = frozenset((SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS))

# --- wait(2) ---------------------------------------------------------------------------
WNOHANG = 0x00000001
WUNTRACED = 0x00000002
WSTOPPED = WUNTRACED
WEXITED = 0x00000004
WCONTINUED = 0x00000008
WNOWAIT = 0x01000000
__WNOTHREAD = 0x20000000
__WALL = 0x40000000
__WCLONE = 0x80000000
WNOTHREAD = __WNOTHREAD
WALL = __WALL
WCLONE = __WCLONE
# wait4/waitpid options (WSTOPPED is WUNTRACED there); waitid(2) options
WAIT_OPTIONS = {"WNOHANG": WNOHANG, "WUNTRACED": WUNTRACED, "WCONTINUED": WCONTINUED,
                "__WNOTHREAD": __WNOTHREAD, "__WALL": __WALL, "__WCLONE": __WCLONE}
WAITID_OPTIONS = {"WNOHANG": WNOHANG, "WSTOPPED": WSTOPPED, "WEXITED": WEXITED,
                  "WCONTINUED": WCONTINUED, "WNOWAIT": WNOWAIT, "__WNOTHREAD": __WNOTHREAD,
                  "__WALL": __WALL, "__WCLONE": __WCLONE}

P_ALL = 0
P_PID = 1
P_PGID = 2
P_PIDFD = 3
IDTYPES = _table(globals(), "P_ALL P_PID P_PGID P_PIDFD")

WCOREFLAG = 0x80


def w_exited(code):
    """Wait status of a process that called exit(code)."""
    return (code & 0xFF) << 8


def w_signaled(sig, core=False):
    """Wait status of a process killed by *sig* (with a core dump if *core*)."""
    return (sig & 0x7F) | (WCOREFLAG if core else 0)


def w_stopped(sig):
    """Wait status of a process stopped by *sig*."""
    return ((sig & 0xFF) << 8) | 0x7F


W_CONTINUED = 0xFFFF


def w_continued():
    """Wait status of a process resumed by SIGCONT (WIFCONTINUED)."""
    return W_CONTINUED


def WIFEXITED(status):
    return (status & 0x7F) == 0


def WEXITSTATUS(status):
    return (status >> 8) & 0xFF


def WIFSIGNALED(status):
    t = status & 0x7F
    return t != 0 and t != 0x7F


def WTERMSIG(status):
    return status & 0x7F


def WCOREDUMP(status):
    return bool(status & WCOREFLAG)


def WIFSTOPPED(status):
    return (status & 0xFF) == 0x7F


def WSTOPSIG(status):
    return (status >> 8) & 0xFF


def WIFCONTINUED(status):
    return status == W_CONTINUED


def shell_status(status):
    """What a POSIX shell reports as $? for a wait status (128+sig for a
    signal death)."""
    if WIFEXITED(status):
        return WEXITSTATUS(status)
    if WIFSIGNALED(status):
        return 128 + WTERMSIG(status)
    return 128 + WSTOPSIG(status)


# --- siginfo by content (the unikernel's one packer) ------------------------------------
def pack_siginfo(signo, code, errno=0, pid=0, uid=0, addr=None, status=None, value=0):
    """A siginfo_t by what it carries: a fault address (addr), a child's
    state change (pid, uid, status), else a sender and a sigval (pid, uid,
    value; zero for the plain kill layout)."""
    if addr is not None:
        return pack_siginfo_fault(signo, code, addr, errno=errno)
    if status is not None:
        return pack_siginfo_chld(code, pid, uid, status, signo=signo, errno=errno)
    return pack_siginfo_rt(signo, pid, uid, value, code=code, errno=errno)


def siginfo_addr(data):
    """si_addr of a fault siginfo (the union's first field: the layout
    pack_siginfo_fault writes)."""
    return _SI_FAULT.unpack_from(data)[3]


# --- the x86-64 signal frame (asm/sigcontext.h, asm/ucontext.h, asm/processor-flags.h) ---
# struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
# struct ucontext { unsigned long uc_flags; struct ucontext *uc_link; stack_t uc_stack;
#                   struct sigcontext uc_mcontext; sigset_t uc_sigmask; }
# struct sigcontext { r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip; eflags;
#                     u16 cs, gs, fs, ss; err, trapno, oldmask, cr2; fpstate; reserved1[8] }
SIGCONTEXT_REGS = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp", "rbx", "rdx",
                   "rax", "rcx", "rsp", "rip")
UCONTEXT = _struct.Struct("<QQ" "Qi4xQ" "17QQHHHHQQQQQ64x" "Q")      # 304 bytes
UC_FP_XSTATE = 1
UC_SIGCONTEXT_SS = 2
UC_STRICT_RESTORE_SS = 4
RT_SIGFRAME_SIZE = 8 + UCONTEXT.size + SI_MAX_SIZE                  # pretcode + ucontext + siginfo
FXSAVE_SIZE = 512                                                   # the fpstate a frame points to (64-aligned)
USER_CS = 0x33                                                      # __USER_CS, __USER_DS (asm/segment.h)
USER_DS = 0x2B
X86_TRAP_PF = 14                                                    # sigcontext.trapno of a page fault
X86_EFLAGS_CF = 0x00000001
X86_EFLAGS_FIXED = 0x00000002                                       # bit 1 always reads 1
X86_EFLAGS_PF = 0x00000004
X86_EFLAGS_AF = 0x00000010
X86_EFLAGS_ZF = 0x00000040
X86_EFLAGS_SF = 0x00000080
X86_EFLAGS_TF = 0x00000100
X86_EFLAGS_IF = 0x00000200
X86_EFLAGS_DF = 0x00000400
X86_EFLAGS_OF = 0x00000800
X86_EFLAGS_RF = 0x00010000
X86_EFLAGS_AC = 0x00040000
# The flags rt_sigreturn takes from the frame (arch/x86/kernel/signal.c FIX_EFLAGS).
FIX_EFLAGS = (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF |
              X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)


def pack_ucontext(flags, stack, gregs, eflags, trapno, oldmask, cr2, fpstate, sigmask, err=0,
                  cs=USER_CS, ss=USER_DS):
    """struct ucontext (uc_link NULL): stack is (ss_sp, ss_flags, ss_size),
    gregs the 17 values in SIGCONTEXT_REGS order; gs and fs are 0."""
    return UCONTEXT.pack(flags, 0, stack[0], stack[1], stack[2], *gregs, eflags, cs, 0, 0, ss, err, trapno,
                         oldmask, cr2, fpstate, sigmask)


def unpack_ucontext(data):
    """A dict of struct ucontext's fields: flags, stack (ss_sp, ss_flags,
    ss_size), gregs (SIGCONTEXT_REGS order), eflags, cs, gs, fs, ss, err,
    trapno, oldmask, cr2, fpstate, sigmask."""
    v = UCONTEXT.unpack_from(data)
    return {"flags": v[0], "stack": v[2:5], "gregs": v[5:22], "eflags": v[22], "cs": v[23], "gs": v[24],
            "fs": v[25], "ss": v[26], "err": v[27], "trapno": v[28], "oldmask": v[29], "cr2": v[30],
            "fpstate": v[31], "sigmask": v[32]}
