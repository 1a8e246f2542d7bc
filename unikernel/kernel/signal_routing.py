"""Signal routing between the host, the runtime's threads and the guest
threads: host signals and POSIX timer signals through the inbox, choosing
the thread that takes a process-directed signal, waking and kicking it,
mirroring dispositions on the host, faults turned into signals, and acting
on deliverable signals (default actions, handler frames from signals.py).

Owns: SignalRouting, a part of Kernel (kernel.py composes it), and the
inbox entries (AsyncSignal).

A host signal for the guest (one whose host disposition is 'catch')
runs _host_signal in the main host thread, at any point of its Python
code. It only appends to self.inbox and wakes the thread chosen to
take it; drain_signals, called under the unikernel lock, turns inbox
entries into pending signals. Every other host thread of the runtime
blocks the asynchronous host signals (SignalBridge.start_thread), so
the host kernel interrupts the main thread wherever it waits.

Waking a guest thread (wake_task): its host thread's waker pipe is
poked (every blocking host call also polls it, and then asks
_should_interrupt whether to raise Interrupted), and a vCPU running
guest code is kicked (kvm: a signal to that host thread ends KVM_RUN;
unicorn: the engine's owner stops at its next system call, or the hard
way after a grace period).
Travels inside bundles: Python 3.9.
"""
import threading

from lxpack.abi.signal import BUS_ADRALN, SIGINFO_HEADER, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED
from lxpack.unikernel import errors as E
from lxpack.unikernel.errors import LinuxError, ProcessExit
from lxpack.unikernel.kernel import signals as S


def _blocked_mode(sig):
    """The host disposition of a SIG_DFL signal every guest thread blocks.
    Caught, so it waits in the guest's pending set; but SIGTTIN/SIGTTOU
    ignored: the host's terminal driver then lets a background process's
    access through (or fails a read with EIO) without raising them, as
    Linux does for a blocked one (a caught SIGTTOU would have stayed
    pending and stopped a tcsetpgrp caller once unblocked)."""
    return "ignore" if sig in (S.SIGTTIN, S.SIGTTOU) else "catch"


class AsyncSignal(object):
    """An inbox entry from a runtime thread: signal, siginfo, target tid."""
    __slots__ = ("sig", "info", "tid")

    def __init__(self, sig, info, tid):
        self.sig = sig
        self.info = info
        self.tid = tid


def _inbox_sig(item):
    """The signal of an inbox entry (a host signal number or an
    AsyncSignal); None for a POSIX timer's signal dropped since it was
    posted (the timer was re-armed or deleted)."""
    if isinstance(item, AsyncSignal):
        stale = getattr(item.info, "stale", None)
        return None if stale is not None and stale() else item.sig
    return item


class SignalRouting(object):
    """Kernel methods that route signals to and from the guest threads."""

    def start_signals(self, bridge_factory):
        self.signal_bridge = bridge_factory(self._kick)
        p = self.process
        if p is not None:
            for sig in self.signal_bridge.inherited_ignored():
                p.sigactions.set_initial(sig, S.Action(S.SIG_IGN))
        self.host.upcalls.interrupt_exc = E.Interrupted
        self.host.upcalls.should_interrupt = self._should_interrupt
        self.signal_bridge.set(S.SIGCHLD, "default", self._host_signal)

    def _kick(self):
        """A host signal arrived (watcher thread): stop the running guest
        soon, and wake threads blocked in the host so they re-check."""
        t = self.current
        if t is not None and t.process is not None:
            for other in list(t.process.tasks.values()):
                if other.waker is not None:
                    self.host.wake(other.waker)
            t.vcpu.kick()

    def _should_interrupt(self):
        """Asked by a blocking host call: must a signal end it now?"""
        t = getattr(self.tls, "task", None)
        if t is None:
            return False
        if t.doomed:
            return True
        sigs = t.signals
        pend = sigs.own.bits | sigs.shared.bits
        if self.inbox:
            acts = t.process.sigactions
            for item in list(self.inbox):
                sig = _inbox_sig(item)
                if sig is None:
                    continue
                if not S.is_ignored(acts, sig) or sigs.mask & S.bit(sig):
                    pend |= S.bit(sig)
        if not pend:
            return False
        return bool(pend & ~sigs.mask or pend & sigs.waitset)

    def _mirror_disposition(self, sig, mode):
        if self.signal_bridge is not None:
            if mode == "default" and self.host_caught_dfl & S.bit(sig):
                mode = _blocked_mode(sig)
            self.signal_bridge.set(sig, mode, self._host_signal)

    def update_blocked_mirror(self):
        """A signal with the default action that every thread blocks must
        wait in the pending set, so the host must not act on it: catch it
        on the host meanwhile (and give it back its default action when a
        thread unblocks it)."""
        p = self.process
        if p is None or self.signal_bridge is None:
            return
        m = -1
        for o in list(p.tasks.values()):
            m &= o.signals.mask
        want = m & p.sigactions.default_fatal_mask()
        have = self.host_caught_dfl
        if want == have:
            return
        self.host_caught_dfl = want
        for sig in S.sigs_of(want ^ have):
            if p.sigactions.get(sig).handler == S.SIG_DFL:
                self.signal_bridge.set(sig, _blocked_mode(sig) if want & S.bit(sig) else "default",
                                       self._host_signal)

    def _host_signal(self, sig):
        """A host signal arrived for the guest (runs in the main thread, at
        any point of its Python code): queue it in the inbox, wake a thread
        that will take it. Never raises, never touches pending sets."""
        self.inbox.append(sig)
        target = self._pick_target(sig)
        if target is not None:
            self.wake_task(target)
        else:
            t = self.current
            if t is not None:
                t.wants_stop = True
                if t.waker is not None:
                    self.host.wake(t.waker)

    def post_async_signal(self, sig, info, tid=None, kick=True):
        """A signal from a runtime thread (a POSIX timer): like a host
        signal, it waits in the inbox until a guest thread drains it; sent
        to thread tid if given, else to the process. kick=False: posted by
        a guest thread that looks at the inbox next."""
        self.inbox.append(AsyncSignal(sig, info, tid))
        if not kick:
            return
        p = self.process
        target = p.tasks.get(tid) if (p is not None and tid is not None) else self._pick_target(sig)
        if target is None and p is not None:
            target = p.tasks.get(p.pid) or next(iter(list(p.tasks.values())), None)
        if target is not None:
            self.wake_task(target)
        if self.backend.parallel:
            self._kick()              # blocked calls re-check
        else:
            # unicorn: stopping the engine may wait out a grace period; the
            # poster (a timer thread) must not wait for it.
            threading.Thread(target=self._kick, name="kick", daemon=True).start()

    def expire_timers(self, bits=-1):
        """Before a guest thread looks at its pending signals: fire the
        POSIX timers for signals in bits that are due (the timer thread may
        be running late on a busy host)."""
        tt = self.timers
        if tt is not None and tt.sigbits & bits:
            tt.expire_due()

    def drop_signals_where(self, pred):
        """Forget queued signals whose siginfo matches pred (a POSIX timer's
        after it is re-armed or deleted; one still in the inbox is stale)."""
        p = self.process
        if p is not None:
            p.shared_pending.drop_where(pred)
            for o in list(p.tasks.values()):
                o.signals.own.drop_where(pred)

    def _pick_target(self, sig):
        """The thread that takes a process-directed signal: the leader, else
        the current one, else any that does not block it (None: all block)."""
        p = self.process
        if p is None:
            return None
        b = S.bit(sig)
        lead = p.tasks.get(p.pid)
        # A thread waiting for the signal in rt_sigtimedwait (or a signalfd
        # poll) takes it although it blocks it (Linux unblocks it meanwhile).
        if lead is not None and (not lead.signals.mask & b or lead.signals.waitset & b):
            return lead
        cur = self.current
        if cur is not None and cur.process is p and cur.tid in p.tasks and \
                (not cur.signals.mask & b or cur.signals.waitset & b):
            return cur
        for o in list(p.tasks.values()):
            if not o.signals.mask & b or o.signals.waitset & b:
                return o
        return None

    def wake_task(self, target):
        """Make target look at its pending signals soon (see above)."""
        target.wants_stop = True
        if target.waker is not None:
            self.host.wake(target.waker)
        if target is not getattr(self.tls, "task", None) and self.backend.parallel:
            target.vcpu.kick()

    def drain_signals(self, t):
        """Move host signals from the inbox to the pending sets (under the
        unikernel lock)."""
        inbox = self.inbox
        while inbox:
            try:
                sig = inbox.popleft()
            except IndexError:
                break
            if isinstance(sig, AsyncSignal):
                item = sig
                if _inbox_sig(item) is None:
                    continue                  # a timer's signal dropped meanwhile
                target = self.process.tasks.get(item.tid) if item.tid is not None else None
                if target is not None:
                    queued = self.send_thread_signal(target, item.sig, item.info)
                else:
                    queued = self.send_process_signal(item.sig, item.info)
                dropped = getattr(item.info, "dropped", None)
                if not queued and dropped is not None:
                    dropped()                 # a timer may fire again
                continue
            info = self._host_info(sig)
            if info is not None:
                self.send_process_signal(sig, info)

    def _host_info(self, sig):
        """The siginfo a host signal gets (the host does not tell us the
        sender): SIGCHLD names a child that changed state, SIGALRM from the
        guest's own timer is SI_KERNEL, anything else SI_USER."""
        if sig == S.SIGCHLD:
            info = None
            try:
                r = self.host.waitid("all", 0, WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT)   # peek
            except LinuxError:
                r = None
            if r:
                pid, uid, code, status = r
                info = S.siginfo(S.SIGCHLD, code, pid=pid, uid=uid, status=status)
            elif self.last_child is not None:
                info = self.last_child
            self.last_child = None
            if info is None:
                info = S.siginfo(S.SIGCHLD, S.CLD_EXITED)
            code = SIGINFO_HEADER.unpack_from(info)[2]
            act = self.process.sigactions.get(S.SIGCHLD)
            if code in (S.CLD_STOPPED, S.CLD_CONTINUED) and act.flags & S.SA_NOCLDSTOP:
                return None
            return info
        if sig == S.SIGALRM and self.host.real_timer_used:
            return S.siginfo(sig, S.SI_KERNEL)
        return S.siginfo(sig, S.SI_USER)

    def send_process_signal(self, sig, info):
        """A process-directed signal (kill to this process, a host signal):
        queued in the shared set, taken by any thread that does not block it."""
        p = self.process
        target = self._pick_target(sig)
        # Blocked signals are never dropped as ignored (Linux's sig_ignored):
        # the target may be waiting for it (signalfd, rt_sigtimedwait).
        if target is not None and S.is_ignored(p.sigactions, sig) and \
                not (target.signals.mask | target.signals.waitset) & S.bit(sig):
            return False
        self._stop_cont(p, sig)
        queued = p.shared_pending.queue(sig, info)
        if target is None and self.fast_sigmask:
            # The guest may unblock it without leaving the VM: have it look
            # at the pending set it is given at its next entry.
            target = p.tasks.get(p.pid)
        if target is not None:
            self.wake_task(target)
        return queued

    def send_thread_signal(self, target, sig, info):
        """A thread-directed signal (tgkill, tkill). False: not queued
        (ignored, or a standard signal already pending)."""
        p = target.process
        if S.is_ignored(p.sigactions, sig) and not target.signals.mask & S.bit(sig):
            return False
        self._stop_cont(p, sig)
        queued = target.signals.queue(sig, info)
        self.wake_task(target)
        return queued

    @staticmethod
    def _stop_cont(p, sig):
        """SIGCONT discards pending stop signals and a stop signal a pending
        SIGCONT (Linux's prepare_signal)."""
        if sig == S.SIGCONT:
            drop = S.STOP_MASK
        elif S.bit(sig) & S.STOP_MASK:
            drop = S.bit(S.SIGCONT)
        else:
            return
        for sets in [p.shared_pending] + [o.signals.own for o in list(p.tasks.values())]:
            if sets.bits & drop:
                for s in S.sigs_of(sets.bits & drop):
                    sets.discard(s)

    def fault_to_signal(self, t, ex):
        kind = ex.kind
        if self.tracee is not None:
            self.tracee.orig_rax = -1         # not in a system call (a tracer's syscall-restart logic)
            if kind == "debug" and self.tracee.mode == "singlestep":
                self.tracee.stepped(t)
                return
        if kind == "page":
            code = S.SEGV_ACCERR if ex.reason == "protection" else S.SEGV_MAPERR
            v = t.mem.find(ex.addr)
            if v is not None and v.sigbus:       # past the end of a mapped file
                self.force_signal(t, S.SIGBUS, S.siginfo(S.SIGBUS, S.BUS_ADRERR, addr=ex.addr))
                return
            if v is not None and ex.reason == "unmapped":
                code = S.SEGV_ACCERR
            self.force_signal(t, S.SIGSEGV, S.siginfo(S.SIGSEGV, code, addr=ex.addr))
        elif kind == "invalid_opcode":
            self.force_signal(t, S.SIGILL, S.siginfo(S.SIGILL, S.ILL_ILLOPN, addr=ex.rip))
        elif kind == "divide":
            self.force_signal(t, S.SIGFPE, S.siginfo(S.SIGFPE, S.FPE_INTDIV, addr=ex.rip))
        elif kind in ("fpu", "simd"):
            self.force_signal(t, S.SIGFPE, S.siginfo(S.SIGFPE, 0, addr=ex.rip))
        elif kind == "breakpoint":
            self.force_signal(t, S.SIGTRAP, S.siginfo(S.SIGTRAP, S.SI_KERNEL))
        elif kind == "alignment":
            self.force_signal(t, S.SIGBUS, S.siginfo(S.SIGBUS, BUS_ADRALN, addr=ex.rip))
        else:
            self.force_signal(t, S.SIGSEGV, S.siginfo(S.SIGSEGV, S.SI_KERNEL, addr=0))

    def force_signal(self, t, sig, info):
        """A synchronous fault: if blocked or ignored it cannot be, so the
        process dies (Linux's force_sig_info)."""
        act = t.process.sigactions.get(sig)
        if t.signals.mask & S.bit(sig) or act.handler == S.SIG_IGN:
            t.signals.mask &= ~S.bit(sig)
            t.process.sigactions.set(sig, S.Action())
        t.signals.queue(sig, info)

    def deliver_signals(self, t):
        """Act on t's deliverable signals: default actions, or handler
        frames. As Linux does before returning to user mode, a frame is set
        up for every signal still deliverable under the mask of the handler
        before it, each on top of the last (so the last one runs first)."""
        if self.inbox:
            self.drain_signals(t)
        sigs = t.signals
        while True:
            sig = sigs.deliverable()
            if not sig:
                if sigs.saved_mask is not None:
                    sigs.mask, sigs.saved_mask = sigs.saved_mask, None
                return
            info = sigs.take(sig) or S.siginfo(sig, S.SI_USER)
            tr = self.tracee
            if tr is not None and sig != S.SIGKILL:
                # Signal-delivery-stop: the tracer passes it on, changes or drops it.
                new = tr.signal_stop(t, sig, info)
                if not new:
                    continue
                if new != sig:
                    sig, info = new, S.siginfo(new, S.SI_USER)
                if self.tracee is not None and S.default_action(sig) == "stop" \
                        and t.process.sigactions.get(sig).handler == S.SIG_DFL:
                    continue                 # a group-stop would stop the runtime: reported, not acted on
            act = t.process.sigactions.get(sig)
            if act.handler == S.SIG_IGN:
                continue
            if act.handler == S.SIG_DFL:
                what = S.default_action(sig)
                if what in ("ignore", "continue"):
                    continue
                if what == "stop":
                    # The host stops the whole process (its parent sees
                    # WIFSTOPPED); SIGSTOP if the host would hand sig back.
                    caught = self.host_caught_dfl & S.bit(sig) or self.signal_bridge is None
                    self.host.kill(self.host.getpid(), S.SIGSTOP if caught else sig)
                    continue
                raise ProcessExit(signal=sig, core=(what == "core"))
            if sigs.saved_mask is not None:
                # rt_sigsuspend/ppoll/pselect: the handler runs with the
                # temporary mask; its frame restores the one from before.
                old, sigs.saved_mask = sigs.saved_mask, None
                S.setup_frame(t, sig, info, act, frame_mask=old)
            else:
                S.setup_frame(t, sig, info, act)
