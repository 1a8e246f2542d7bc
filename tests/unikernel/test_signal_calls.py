"""Signal bookkeeping calls (rt_sigaction, rt_sigprocmask, rt_sigpending,
sigaltstack, kill/tgkill to the own process), one delivery round trip
(frame set-up, rt_sigreturn), and signals arriving during blocking calls
(EINTR, SA_RESTART restarts, rt_sigtimedwait, rt_sigsuspend; the fake
host's on_wait hook sends them), against signal(7), sigaction(2),
sigprocmask(2), sigpending(2), sigaltstack(2) and sigtimedwait(2)."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import poll as P
from lxpack.abi import signal as S
from lxpack.abi.syscalls_x86_64 import (NR_getpid, NR_kill, NR_nanosleep, NR_pipe2, NR_poll, NR_read,
                                        NR_rt_sigaction, NR_rt_sigpending, NR_rt_sigprocmask, NR_rt_sigreturn,
                                        NR_rt_sigsuspend, NR_rt_sigtimedwait, NR_sigaltstack, NR_tgkill)
from lxpack.unikernel.kernel import signals as KS

pytestmark = pytest.mark.unikernel


def bit(sig):
    return 1 << (sig - 1)


def sigaction(g, sig, handler=None, flags=0, restorer=0, mask=0, size=8):
    """(result, old action tuple)."""
    act = g.put(S.SIGACTION.pack(handler, flags, restorer, mask)) if handler is not None else 0
    old = g.alloc(S.SIGACTION.size)
    res = g.call(NR_rt_sigaction, sig, act, old, size)
    return res, (S.SIGACTION.unpack(g.read(old, S.SIGACTION.size)) if res == 0 else None)


def sigprocmask(g, how, new=None, size=8):
    nset = g.put(struct.pack("<Q", new)) if new is not None else 0
    old = g.alloc(8)
    res = g.call(NR_rt_sigprocmask, how, nset, old, size)
    return res, (g.u64(old) if res == 0 else None)


def pending(g):
    buf = g.alloc(8)
    assert g.call(NR_rt_sigpending, buf, 8) == 0
    return g.u64(buf)


def altstack(g, sp=None, flags=0, size=0):
    ss = g.put(S.STACK_T.pack(sp, flags, size)) if sp is not None else 0
    old = g.alloc(S.STACK_T.size)
    res = g.call(NR_sigaltstack, ss, old)
    return res, (S.STACK_T.unpack(g.read(old, S.STACK_T.size)) if res == 0 else None)


# ---- rt_sigaction ----------------------------------------------------------------------------

def test_sigaction_starts_at_sig_dfl_and_returns_the_old_action(g):
    res, old = sigaction(g, S.SIGUSR1, 0x401000, S.SA_RESTORER | S.SA_SIGINFO, 0x402000, bit(S.SIGUSR2))
    assert res == 0 and old == (S.SIG_DFL, 0, 0, 0)
    res, old = sigaction(g, S.SIGUSR1)                 # query only
    assert old == (0x401000, S.SA_RESTORER | S.SA_SIGINFO, 0x402000, bit(S.SIGUSR2))


def test_sigaction_mask_cannot_hold_sigkill_or_sigstop(g):
    sigaction(g, S.SIGUSR1, 0x401000, mask=bit(S.SIGKILL) | bit(S.SIGSTOP) | bit(S.SIGINT))
    _res, old = sigaction(g, S.SIGUSR1)
    assert old[3] == bit(S.SIGINT)


def test_sigaction_einval_cases(g):
    assert sigaction(g, S.SIGUSR1, 0x401000, size=4)[0] == -E.EINVAL       # sigsetsize
    assert sigaction(g, 0, 0x401000)[0] == -E.EINVAL
    assert sigaction(g, 65, 0x401000)[0] == -E.EINVAL
    assert sigaction(g, S.SIGKILL, 0x401000)[0] == -E.EINVAL
    assert sigaction(g, S.SIGSTOP, S.SIG_IGN)[0] == -E.EINVAL


def test_sigaction_query_of_sigkill_is_allowed(g):
    assert sigaction(g, S.SIGKILL) == (0, (S.SIG_DFL, 0, 0, 0))


def test_sigaction_efault(g):
    assert g.call(NR_rt_sigaction, S.SIGUSR1, g.UNMAPPED, 0, 8) == -E.EFAULT
    assert g.call(NR_rt_sigaction, S.SIGUSR1, 0, g.UNMAPPED, 8) == -E.EFAULT


def test_sigaction_copies_act_before_checking_the_signal(g):
    assert g.call(NR_rt_sigaction, S.SIGKILL, g.UNMAPPED, 0, 8) == -E.EFAULT
    assert g.call(NR_rt_sigaction, 0, g.UNMAPPED, 0, 8) == -E.EFAULT


def test_sigaction_sigsetsize_is_checked_first(g):
    assert g.call(NR_rt_sigaction, 0, g.UNMAPPED, 0, 4) == -E.EINVAL


def test_setting_sig_ign_discards_a_pending_signal(g):
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR1))
    assert g.call(NR_kill, g.call(NR_getpid), S.SIGUSR1) == 0
    assert pending(g) & bit(S.SIGUSR1)
    sigaction(g, S.SIGUSR1, S.SIG_IGN)
    assert not pending(g) & bit(S.SIGUSR1)


# ---- rt_sigprocmask / rt_sigpending ----------------------------------------------------------

def test_sigprocmask_block_unblock_setmask(g):
    assert sigprocmask(g, S.SIG_BLOCK, bit(S.SIGINT) | bit(S.SIGTERM)) == (0, 0)
    assert sigprocmask(g, S.SIG_UNBLOCK, bit(S.SIGINT)) == (0, bit(S.SIGINT) | bit(S.SIGTERM))
    assert sigprocmask(g, S.SIG_SETMASK, bit(S.SIGHUP)) == (0, bit(S.SIGTERM))
    assert sigprocmask(g, S.SIG_BLOCK) == (0, bit(S.SIGHUP))                 # query


def test_sigprocmask_silently_ignores_sigkill_and_sigstop(g):
    sigprocmask(g, S.SIG_SETMASK, 0xFFFFFFFFFFFFFFFF)
    _res, cur = sigprocmask(g, S.SIG_BLOCK)
    assert cur == 0xFFFFFFFFFFFFFFFF & ~(bit(S.SIGKILL) | bit(S.SIGSTOP))


def test_sigprocmask_errors(g):
    assert sigprocmask(g, S.SIG_BLOCK, bit(S.SIGINT), size=4)[0] == -E.EINVAL
    assert sigprocmask(g, 7, bit(S.SIGINT))[0] == -E.EINVAL                  # bad how
    assert sigprocmask(g, 7)[0] == 0                                        # how is ignored without a set
    assert g.call(NR_rt_sigprocmask, S.SIG_BLOCK, g.UNMAPPED, 0, 8) == -E.EFAULT
    assert g.call(NR_rt_sigprocmask, 7, g.UNMAPPED, 0, 8) == -E.EFAULT      # the set is copied first
    assert g.call(NR_rt_sigprocmask, S.SIG_BLOCK, 0, g.UNMAPPED, 8) == -E.EFAULT


def test_sigpending_shows_blocked_pending_signals(g):
    pid = g.call(NR_getpid)
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR1) | bit(S.SIGUSR2))
    assert pending(g) == 0
    assert g.call(NR_kill, pid, S.SIGUSR2) == 0
    assert pending(g) == bit(S.SIGUSR2)


def test_sigpending_errors(g):
    assert g.call(NR_rt_sigpending, g.alloc(16), 16) == -E.EINVAL           # larger than sigset_t
    assert g.call(NR_rt_sigpending, g.UNMAPPED, 8) == -E.EFAULT


# ---- sigaltstack -----------------------------------------------------------------------------

def test_sigaltstack_starts_disabled_and_is_set(g):
    stack = g.alloc(S.SIGSTKSZ)
    assert altstack(g) == (0, (0, S.SS_DISABLE, 0))
    assert altstack(g, stack, 0, S.SIGSTKSZ)[0] == 0
    assert altstack(g) == (0, (stack, 0, S.SIGSTKSZ))
    assert altstack(g, 0, S.SS_DISABLE, 0)[0] == 0
    assert altstack(g)[1][1] == S.SS_DISABLE


def test_sigaltstack_errors(g):
    stack = g.alloc(S.SIGSTKSZ)
    assert altstack(g, stack, 0, S.MINSIGSTKSZ - 1)[0] == -E.ENOMEM          # smaller than MINSIGSTKSZ
    assert altstack(g, stack, 0x10, S.SIGSTKSZ)[0] == -E.EINVAL               # unknown flag
    assert g.call(NR_sigaltstack, g.UNMAPPED, 0) == -E.EFAULT
    assert g.call(NR_sigaltstack, 0, g.UNMAPPED) == -E.EFAULT


def test_sigaltstack_cannot_change_while_running_on_it(g):
    stack = g.alloc(S.SIGSTKSZ)
    altstack(g, stack, 0, S.SIGSTKSZ)
    g.vcpu.set_reg("rsp", stack + 1024)
    res, old = altstack(g)
    assert res == 0 and old[1] == S.SS_ONSTACK
    assert altstack(g, 0, S.SS_DISABLE, 0)[0] == -E.EPERM


# ---- kill / tgkill -----------------------------------------------------------------------------

def test_kill_signal_zero_checks_existence(g):
    assert g.call(NR_kill, g.call(NR_getpid), 0) == 0
    assert g.call(NR_kill, 99999, 0) == -E.ESRCH


def test_kill_errors(g):
    assert g.call(NR_kill, g.call(NR_getpid), 65) == -E.EINVAL
    assert g.call(NR_kill, g.call(NR_getpid), -1) == -E.EINVAL
    assert g.call(NR_tgkill, g.call(NR_getpid), 0, S.SIGUSR1) == -E.EINVAL  # tid must be positive
    assert g.call(NR_tgkill, g.call(NR_getpid), 123456, S.SIGUSR1) == -E.ESRCH


def test_tgkill_to_the_own_thread_queues_it(g):
    pid = g.call(NR_getpid)
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR1))
    assert g.call(NR_tgkill, pid, pid, S.SIGUSR1) == 0
    assert pending(g) == bit(S.SIGUSR1)


# ---- delivery round trip -------------------------------------------------------------------------

def test_handler_frame_and_sigreturn(g):
    handler, restorer = 0x401000, 0x402000
    sigaction(g, S.SIGUSR1, handler, S.SA_SIGINFO | S.SA_RESTORER, restorer, bit(S.SIGUSR2))
    top = g.SCRATCH + (1 << 20) - 4096
    before = {"rsp": top, "rip": 0x401234, "rbx": 0x1111, "r12": 0x2222}
    g.vcpu.set_regs(before)
    assert g.call(NR_kill, g.call(NR_getpid), S.SIGUSR1) == 0
    assert g.task.wants_stop                         # the run loop must deliver before resuming
    g.kernel.deliver_signals(g.task)
    regs = g.vcpu.get_regs()
    assert regs["rip"] == handler and regs["rdi"] == S.SIGUSR1
    assert (regs["rsp"] + 8) % 16 == 0               # as after a call: ABI stack alignment at entry
    assert regs["rsp"] < top - 128                   # below the red zone
    assert g.u64(regs["rsp"]) == restorer            # the handler returns into sa_restorer
    signo, _errno, code = struct.unpack("<iii", g.read(regs["rsi"], 12))
    assert (signo, code) == (S.SIGUSR1, S.SI_USER)
    assert g.task.signals.mask == bit(S.SIGUSR1) | bit(S.SIGUSR2)   # sa_mask plus the signal itself
    # The handler's `ret` pops the return address; the restorer calls rt_sigreturn.
    g.vcpu.set_reg("rsp", regs["rsp"] + 8)
    g.vcpu.set_reg("rax", NR_rt_sigreturn)
    g.kernel.dispatcher.syscall(g.vcpu)
    after = g.vcpu.get_regs()
    assert {k: after[k] for k in before} == before
    assert g.task.signals.mask == 0


# ---- a signal arriving during a blocking call ------------------------------------------------------

def signal_during_wait(g, sig, after_ns):
    """The next blocking wait lasts after_ns, then sig arrives for the process."""
    def hook(ns):
        g.host.on_wait = None
        g.kernel.send_process_signal(sig, KS.siginfo(sig, KS.SI_USER, pid=1))
        return after_ns
    g.host.on_wait = hook


def test_nanosleep_interrupted_by_a_handler_is_eintr_with_the_time_left(g):
    sigaction(g, S.SIGUSR1, 0x401000, S.SA_RESTORER | S.SA_RESTART, 0x402000)
    signal_during_wait(g, S.SIGUSR1, 10**9)
    rem = g.alloc(16)
    assert g.call(NR_nanosleep, g.put(struct.pack("<qq", 5, 0)), rem) == -E.EINTR   # never restarted after a handler
    assert struct.unpack("<qq", g.read(rem, 16)) == (4, 0)
    assert g.task.signals.has_deliverable() and g.vcpu.stop_requested


def test_an_ignored_signal_does_not_interrupt_a_sleep(g):
    signal_during_wait(g, S.SIGCHLD, 10**9)            # SIG_DFL of SIGCHLD: ignore
    before = g.host.clock_gettime_ns(1)
    assert g.call(NR_nanosleep, g.put(struct.pack("<qq", 2, 0)), 0) == 0
    assert g.host.clock_gettime_ns(1) - before >= 2 * 10**9


def test_poll_is_never_restarted(g):
    sigaction(g, S.SIGUSR1, 0x401000, S.SA_RESTORER | S.SA_RESTART, 0x402000)
    fds = g.alloc(8)
    g.call(NR_pipe2, fds, 0)
    r, _w = g.fds2(fds)
    signal_during_wait(g, S.SIGUSR1, 10**6)
    assert g.call(NR_poll, g.put(P.POLLFD.pack(r, P.POLLIN, 0)), 1, -1) == -E.EINTR   # signal(7)


@pytest.mark.parametrize("flags, restarted", [(S.SA_RESTART, True), (0, False)])
def test_read_restarts_after_an_sa_restart_handler(g, flags, restarted):
    sigaction(g, S.SIGUSR1, 0x401000, S.SA_RESTORER | flags, 0x402000)
    fds = g.alloc(8)
    g.call(NR_pipe2, fds, 0)
    r, _w = g.fds2(fds)
    rip = g.vcpu.get_reg("rip")
    signal_during_wait(g, S.SIGUSR1, 10**6)
    res = g.call(NR_read, r, g.alloc(8), 8)
    if restarted:
        # The syscall instruction runs again after the handler: rip back on it, rax the number.
        assert g.vcpu.get_reg("rip") == rip - 2 and res == NR_read
    else:
        assert res == -E.EINTR and g.vcpu.get_reg("rip") == rip


def test_sigtimedwait_takes_a_blocked_signal_that_arrives(g):
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR2))
    signal_during_wait(g, S.SIGUSR2, 10**6)
    info = g.alloc(128)
    assert g.call(NR_rt_sigtimedwait, g.put(struct.pack("<Q", bit(S.SIGUSR2))), info, 0, 8) == S.SIGUSR2
    assert struct.unpack("<i", g.read(info, 4))[0] == S.SIGUSR2
    assert pending(g) == 0                             # taken, not left pending


def test_sigtimedwait_times_out_with_eagain(g):
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR2))
    before = g.host.clock_gettime_ns(1)
    ts = g.put(struct.pack("<qq", 0, 50 * 10**6))
    assert g.call(NR_rt_sigtimedwait, g.put(struct.pack("<Q", bit(S.SIGUSR2))), 0, ts, 8) == -E.EAGAIN
    assert g.host.clock_gettime_ns(1) - before >= 50 * 10**6
    assert g.call(NR_rt_sigtimedwait, g.put(struct.pack("<Q", 0)), 0, ts, 4) == -E.EINVAL   # sigsetsize


def test_sigsuspend_returns_eintr_and_keeps_the_old_mask_for_after(g):
    sigaction(g, S.SIGUSR1, 0x401000, S.SA_RESTORER, 0x402000)
    sigprocmask(g, S.SIG_BLOCK, bit(S.SIGUSR1))
    signal_during_wait(g, S.SIGUSR1, 10**6)
    assert g.call(NR_rt_sigsuspend, g.put(struct.pack("<Q", 0)), 8) == -E.EINTR
    assert g.task.signals.mask == 0                    # the temporary mask, until the handler runs
    assert g.task.signals.saved_mask == bit(S.SIGUSR1)  # restored by the handler's frame
