"""Threads of one process: scheduling guest threads on one emulated CPU
engine, and futex wait queues.

Owns: CpuLock (which task owns the engine; FIFO hand-off), preemption (the
owner yields once its 10 ms slice is over, or once another thread becomes
runnable after it ran 1 ms: at the end of its next system call or, where
the backend can stop guest code exactly (Vcpu.preempt: unicorn's block
stopper), at once; an inexact hard stop only where it cannot, after 0.5 s
without a system call), LeaveHook (a blocking call made from inside the
engine's syscall hook must first leave it, because another thread cannot
enter the engine while this one is suspended inside it), and FutexTable.

Model: each guest thread is a host thread (DESIGN: threads are host
threads) that runs guest code only while it owns the CpuLock. A thread
blocking in the host (read on a pipe, sleep, futex wait) releases the lock,
so other guest threads run meanwhile; the engine's live registers belong to
the owner, and a hand-off saves and restores vCPU contexts.
Lock order: CpuLock, then FutexTable (only touched by the CpuLock owner).
Travels inside bundles: Python 3.9.
"""
import collections
import threading
import time

from lxpack.abi.futex import FUTEX_BITSET_MATCH_ANY
from lxpack.unikernel.errors import ETIMEDOUT, Interrupted

TIME_SLICE = 0.010
# Where the backend cannot preempt exactly, a thread that makes no system
# call for this long while others wait is stopped the hard way (Vcpu.kick
# with no grace). That stop is not exact on unicorn (UnicornVcpu.request_stop
# says why), so it is only a liveness fallback for spin-waits, far above any
# time slice (2 s made a program whose thread spins while another waits
# crawl: 12 s for exit_with_threads; 0.5 s: 3 s). With exact preemption the
# slice applies to guest code too: a JVM's workers computing without system
# calls held the engine 0.5 s each time (java_threads: ~700 inexact stops in
# 300 s, and a crash).
SPIN_FALLBACK = 0.5
# A thread that becomes runnable (a futex wake, a host wait ending) asks
# the owner to yield once the owner has run this long, instead of waiting
# for the end of the time slice.
MIN_RUN = 0.001


class LeaveHook(Exception):
    """Internal: re-run this syscall outside the engine's hook (it blocks)."""


class CpuLock(object):
    def __init__(self, owner):
        self.cond = threading.Condition()
        self.owner = owner
        self.queue = collections.deque()   # (task, woken, since when) waiting, in turn order
        self.since = time.monotonic()

    def acquire(self, task, nudge=None):
        """Wait for the engine. A woken task (nudge given) queues ahead of
        the tasks that were preempted less than a time slice ago, so a
        futex hand-off does not wait behind a thread that only computes;
        otherwise FIFO. nudge(owner) is called (under the lock: it must
        not block) once for each holder that has held the engine MIN_RUN
        while this task waits."""
        with self.cond:
            q = self.queue
            entry = (task, nudge is not None, time.monotonic())
            if nudge is None:
                q.append(entry)
            else:
                young = entry[2] - TIME_SLICE
                i = 0
                while i < len(q) and (q[i][1] or q[i][2] <= young):
                    i += 1
                q.insert(i, entry)
            nudged = None
            while self.owner is not None or q[0] is not entry:
                owner = self.owner
                if nudge is None or owner is None or nudged == (owner, self.since):
                    self.cond.wait()
                    continue
                left = self.since + MIN_RUN - time.monotonic()
                if left > 0:
                    self.cond.wait(left)
                else:
                    nudged = (owner, self.since)
                    nudge(owner)
            q.popleft()
            self.owner = task
            self.since = time.monotonic()
            if q:
                # Woken waiters time their nudge from this owner's start.
                self.cond.notify_all()

    def release(self, task):
        with self.cond:
            if self.owner is task:
                self.owner = None
                self.cond.notify_all()

    def contended(self):
        return bool(self.queue)

    def waiting(self, task):
        """True if task is queued for the engine."""
        return any(e[0] is task for e in self.queue)


class Scheduler(object):
    """Created at the first CLONE_THREAD; from then on every guest thread
    follows the lock protocol."""

    def __init__(self, kernel, first_owner, preempt=True):
        self.kernel = kernel
        self.lock = CpuLock(first_owner)
        self.futexes = FutexTable(self)
        self.stop = False
        self.parked = set()        # doomed tasks that will never run again (execve from another thread)
        self.preempt = preempt
        # --stats: CPU hand-offs, exact stops asked of guest code (a switch
        # at the next block start), inexact hard stops.
        self.hand_offs = self.preemptions = self.hard_stops = 0
        if preempt:
            # Only for backends where threads share one engine (unicorn); on
            # kvm each thread has its own vCPU and the lock is only held
            # while the unikernel serves a call. The first owner leaves the
            # engine after this call, so the next run has the means to stop.
            first_owner.mem.vm.enable_preemption()
            first_owner.wants_stop = True
            kernel.start_thread(self._preempt_loop, (), "lxpack-preempt")

    def _preempt_loop(self):
        lock = self.lock
        while not self.stop:
            time.sleep(TIME_SLICE / 2)
            owner = lock.owner
            if owner is None or not lock.contended():
                continue
            held = time.monotonic() - lock.since
            if held >= TIME_SLICE:
                # Exact: the owner stops at the end of its next system call,
                # or at its next block start where the backend can.
                owner.wants_stop = True
                if owner.vcpu.preempt():
                    self.preemptions += 1
                elif held >= SPIN_FALLBACK:
                    self.hard_stops += 1
                    owner.vcpu.kick(grace=0)

    # -- hand-off ---------------------------------------------------------------------
    def give_up(self, t):
        t.vcpu.save()
        self.hand_offs += 1
        self.lock.release(t)

    def take(self, t, woken=True):
        """Wait for the CPU. A woken thread (its host wait ended, or it is
        new) has each holder yield once it has run MIN_RUN; a thread that
        was preempted waits its turn."""
        if t.doomed:
            self._park(t)
        self.lock.acquire(t, self._nudge if woken and self.preempt else None)
        self.kernel.current = t
        t.vcpu.restore()

    def _nudge(self, owner):
        owner.wants_stop = True        # exact: at the end of its next system call,
        if owner.vcpu.preempt():       # or at its next block start
            self.preemptions += 1

    def _park(self, t):
        """A doomed thread stops here for good, without the CPU."""
        self.parked.add(t)
        ev = threading.Event()
        while True:
            ev.wait(3600)

    def yield_cpu(self, t):
        """Let waiting threads run (preemption or sched_yield outside the hook)."""
        if self.lock.contended():
            self.give_up(t)
            self.take(t, woken=False)

    def block(self, t, fn, *args):
        """Run a blocking host wait without the CPU."""
        if t.vcpu.in_guest():
            raise LeaveHook()
        self.give_up(t)
        try:
            return fn(*args)
        finally:
            self.take(t)


class _Waiter(object):
    __slots__ = ("task", "bitset", "woken")

    def __init__(self, task, bitset):
        self.task = task
        self.bitset = bitset
        self.woken = False


class FutexTable(object):
    """Futex wait queues by guest address (only the CpuLock owner touches them).

    A waiter sleeps in a host poll on its thread's waker pipe (without the
    CPU); FUTEX_WAKE marks it woken and pokes that pipe. A signal for the
    waiting thread pokes the same pipe, so the wait ends with Interrupted
    (EINTR or a restart, see Dispatcher._interrupted), as on Linux."""

    def __init__(self, sched):
        self.sched = sched
        self.queues = {}

    def wait(self, t, addr, bitset, deadline_ns, clock):
        if t.vcpu.in_guest():
            raise LeaveHook()
        w = _Waiter(t, bitset)
        self.queues.setdefault(addr, []).append(w)
        host = t.host
        try:
            while not w.woken:
                if deadline_ns is None:
                    ms = -1
                else:
                    left = deadline_ns - host.clock_gettime_ns(clock)
                    if left <= 0:
                        break
                    ms = max(1, (left + 999999) // 1000000)
                host.poll([], ms)          # without the CPU; ends early on a poke
        except Interrupted:
            if w.woken:
                return 0                   # woken first: the signal comes after
            self._remove(addr, w)
            raise
        if w.woken:
            return 0
        self._remove(addr, w)
        raise ETIMEDOUT()

    def _remove(self, addr, w):
        q = self.queues.get(addr)
        if q and w in q:
            q.remove(w)
            if not q:
                del self.queues[addr]

    def wake(self, t, addr, n, bitset):
        q = self.queues.get(addr)
        if not q:
            return 0
        woken = 0
        for w in list(q):
            if woken >= n:
                break
            if w.bitset & bitset:
                q.remove(w)
                w.woken = True
                waker = w.task.waker
                if waker is not None:
                    w.task.host.wake(waker)
                woken += 1
        if not q:
            self.queues.pop(addr, None)
        return woken

    def requeue(self, t, addr, addr2, n_wake, n_requeue):
        woken = self.wake(t, addr, n_wake, FUTEX_BITSET_MATCH_ANY)
        q = self.queues.get(addr)
        moved = 0
        if q:
            while q and moved < n_requeue:
                w = q.pop(0)
                self.queues.setdefault(addr2, []).append(w)
                moved += 1
            if not q:
                self.queues.pop(addr, None)
        return woken + moved
