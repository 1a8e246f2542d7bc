"""Threads of the process: CLONE_THREAD (a guest thread on a new host
thread, the Scheduler made at the first one), thread exit (clear_child_tid,
robust futexes), runtime host threads, and the hand-off of the CPU lock
around blocking host calls.

Owns: ThreadGroup, a part of Kernel (kernel.py composes it). The lock
protocol itself is sched.py's.
Travels inside bundles: Python 3.9.
"""
import threading

from lxpack.abi.futex import (FUTEX_BITSET_MATCH_ANY, FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS,
                              ROBUST_LIST_HEAD, ROBUST_LIST_LIMIT)
from lxpack.abi.sched import (CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_SETTLS,
                              CLONE_SIGHAND, CLONE_VM)
from lxpack.abi.signal import SS_DISABLE
from lxpack.unikernel import errors as E
from lxpack.unikernel.errors import LinuxError
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.sched import LeaveHook, Scheduler
from lxpack.unikernel.kernel.task import Task


class ThreadGroup(object):
    """Kernel methods for the threads of the process."""

    @property
    def futexes(self):
        return self.sched.futexes if self.sched is not None else None

    def yield_cpu(self, t):
        if self.sched is not None and not t.vcpu.in_guest():
            self.sched.yield_cpu(t)
        elif self.sched is not None:
            t.vcpu.request_stop()      # the run loop yields after this syscall

    def start_thread(self, target, args, name):
        """A host thread for the runtime (guest threads, the preemption
        timer), with the asynchronous host signals blocked."""
        if self.signal_bridge is not None:
            return self.signal_bridge.start_thread(target, args, name)
        th = threading.Thread(target=target, args=args, name=name, daemon=True)
        th.start()
        return th

    def clone_thread(self, t, flags, stack, ptid, ctid, tls):
        """CLONE_THREAD: a new guest thread on a new host thread."""
        if not (flags & CLONE_VM and flags & CLONE_SIGHAND):      # both are required
            raise E.EINVAL()
        p = t.process
        if self.sched is None:
            parallel = self.backend.parallel
            self.sched = Scheduler(self, t, preempt=not parallel)
            self.host.upcalls.block_hooks = (self._block_enter, self._block_exit)
            if parallel:
                sched = self.sched
                self.dispatcher.guest_enter = lambda v: sched.lock.release(v.task)
                self.dispatcher.guest_leave = lambda v: sched.take(v.task)
            self.set_fast_paths(t)             # gettid is no longer a process constant
        vcpu = t.vcpu.clone()
        tid = self._new_tid()
        child = Task(p, vcpu, tid)
        child.signals = S.SignalState(p.sigactions, p.shared_pending)
        child.signals.mask = t.signals.mask
        child.altstack = (0, SS_DISABLE, 0)
        regs = {"rax": 0, "rip": t.vcpu.syscall_insn_addr() + 2}
        if stack:
            regs["rsp"] = stack
        if flags & CLONE_SETTLS:
            regs["fs_base"] = tls
        child.pending_regs = regs
        if flags & CLONE_CHILD_CLEARTID:
            child.clear_child_tid = ctid
        if flags & CLONE_CHILD_SETTID and ctid:
            t.mem.write_u32(ctid, tid)
        if flags & CLONE_PARENT_SETTID and ptid:
            t.mem.write_u32(ptid, tid)
        p.tasks[tid] = child
        self.start_thread(self._thread_main, (child,), "guest-%d" % tid)
        return tid

    def _new_tid(self):
        # Host PIDs are the guest PIDs; thread ids are drawn above them in a
        # range the process owns, so they never name another host process.
        self.next_tid += 1
        return self.process.pid + (1 << 22) + self.next_tid

    def _thread_main(self, t):
        self.tls.task = t
        self.sched.take(t)
        t.vcpu.set_regs(t.pending_regs)
        t.pending_regs = None
        res = self.run(t)
        if res is not None and self.finisher is not None:
            # This thread ended the process after becoming its only one
            # (fork or execve from it): the host main thread is gone or parked.
            self.finisher(res)

    def thread_exit(self, t):
        """A thread ends: clear_child_tid + futex wake, robust futexes, CPU hand-off."""
        p = t.process
        if t.clear_child_tid:
            try:
                t.mem.write_u32(t.clear_child_tid, 0)
                self.sched.futexes.wake(t, t.clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY)
            except LinuxError:
                pass
        self._robust_cleanup(t)
        p.tasks.pop(t.tid, None)
        # Signals sent to this thread die with it; ones it alone did not
        # block may now be blocked by every thread left.
        t.signals.own.clear()
        self.update_blocked_mirror()
        if p.shared_pending.bits:
            for sig in S.sigs_of(p.shared_pending.bits):
                target = self._pick_target(sig)
                if target is not None:
                    self.wake_task(target)
        self.sched.lock.release(t)

    def _robust_cleanup(self, t):
        """Mark futexes a dying thread holds as FUTEX_OWNER_DIED and wake one waiter."""
        if not t.robust_list:
            return
        try:
            head = t.robust_list
            nxt, offset, pending = ROBUST_LIST_HEAD.unpack(t.mem.read(head, ROBUST_LIST_HEAD.size))
            seen = 0
            entry = nxt
            while entry != head and seen < ROBUST_LIST_LIMIT:
                self._robust_one(t, entry + offset)
                entry = t.mem.read_u64(entry)
                seen += 1
            if pending:
                self._robust_one(t, pending + offset)
        except LinuxError:
            pass

    def _robust_one(self, t, uaddr):
        val = t.mem.read_u32(uaddr)
        if (val & FUTEX_TID_MASK) == (t.tid & FUTEX_TID_MASK):
            t.mem.write_u32(uaddr, (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED)
            if self.sched is not None:
                self.sched.futexes.wake(t, uaddr, 1, FUTEX_BITSET_MATCH_ANY)

    def _block_enter(self):
        t = getattr(self.tls, "task", None)
        if t is not None and self.sched is not None:
            if t.vcpu.in_guest():
                raise LeaveHook()
            self.sched.give_up(t)

    def _block_exit(self):
        t = getattr(self.tls, "task", None)
        if t is not None and self.sched is not None:
            self.sched.take(t)
