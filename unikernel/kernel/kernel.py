"""The Linux personality of one host process: creates the process and its
first thread, loads the program, runs vCPUs and turns their exits into Linux
events (faults -> signals, stops -> signal delivery), and answers the
questions procfs asks about fds.

Owns: Kernel (host, backend, VFS, CPU facts, dispatcher, config) and the
run loop. Everything the guest asks for goes through the dispatcher
(syscall table); everything the host does goes through `host`.
Travels inside bundles: Python 3.9.
"""
import collections
import struct
import threading

from lxpack.runtime.vmm import base as vmm
from lxpack.unikernel import errors as E
from lxpack.unikernel.errors import ExecImage, LinuxError, ProcessExit, TaskExit
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.fdtable import FdTable
from lxpack.unikernel.kernel.loader import load
from lxpack.unikernel.kernel.mm import Mm
from lxpack.unikernel.kernel.sched import LeaveHook, Scheduler
from lxpack.unikernel.kernel.task import Process, Task
from lxpack.unikernel.syscall.table import Dispatcher

# Importing the families registers their handlers in the table.
from lxpack.unikernel.syscall import families  # noqa: F401
from lxpack.runtime.host.api import RUNTIME_FD_BASE


INTERNAL_ERROR_STATUS = 70     # EX_SOFTWARE: lxpack itself failed


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


class CpuInfo(object):
    """What the guest is told about the CPU (AT_HWCAP, /proc/cpuinfo)."""

    def __init__(self, hwcap=0x78bfbff, hwcap2=0, vendor="GenuineIntel", model_name="lxpack virtual CPU",
                 flags_text="fpu tsc cx8 cmov mmx fxsr sse sse2"):
        self.hwcap = hwcap
        self.hwcap2 = hwcap2
        self.vendor = vendor
        self.model_name = model_name
        self.flags_text = flags_text


class Config(object):
    def __init__(self, strace=None, stats=None, host_exec=(), env_add=None, warn=None, pathtrace=None):
        self.strace = strace
        self.pathtrace = pathtrace    # a pathtrace.PathTrace (lxpack trace), or None
        self.stats = stats
        self.host_exec = tuple(host_exec)
        self.env_add = env_add or {}
        self.warn = warn


class Kernel(object):
    def __init__(self, host, backend, vfs, cpu, vdso_image, config):
        self.host = host
        self.backend = backend
        self.vfs = vfs
        self.cpu = cpu
        self.vdso_image = vdso_image
        self.config = config
        self.pathtrace = config.pathtrace
        self.dispatcher = Dispatcher(strace=config.strace, stats=config.stats,
                                     on_unimplemented=self._warn_unimplemented, pathtrace=config.pathtrace)
        self.process = None
        self.current = None
        self._uname = None
        self.signal_bridge = None
        self.sched = None             # a Scheduler once the process has several threads
        self.tls = threading.local()  # .task: the guest task this host thread runs
        self.finisher = None          # ends the host process with a ProcessExit (boot)
        self.next_tid = 0
        # Host signals for the guest, appended by the host handler (main
        # thread, any moment) and moved into the pending sets by
        # drain_signals under the unikernel lock (see signal_state()).
        self.inbox = collections.deque()
        self.fast_sigmask = False     # one thread, served in the VM: its mask, getrandom's pool (set_fast_paths)
        self.signal_words = None      # (pending, default-fatal) last written to the VM
        self.timers = None            # PosixTimers of the process, made at the first timer_create
        self.last_child = None        # siginfo of the last child reaped by wait4/waitid (SIGCHLD info)
        self.host_caught_dfl = 0      # SIG_DFL signals caught on the host while every thread blocks them

    def _warn_unimplemented(self, nr, name):
        if self.config.warn:
            self.config.warn("unimplemented syscall %s (%d)" % (name, nr))

    # -- facts -----------------------------------------------------------------------
    def uname(self):
        """(sysname, nodename, release, version, machine) as Linux reports them."""
        if self._uname is None:
            u = self.host.uname()
            from lxpack.unikernel.kernel.vfs.procfs import KERNEL_RELEASE, KERNEL_VERSION
            node = u[1].encode() if isinstance(u[1], str) else u[1]
            if u[0] == "Linux":
                rel, ver = u[2].encode(), u[3].encode()
            else:
                rel, ver = KERNEL_RELEASE, KERNEL_VERSION
            self._uname = (b"Linux", node, rel, ver, b"x86_64")
        return self._uname

    def fd_exists(self, t, fd):
        try:
            self.host.get_cloexec(fd)
            return True
        except LinuxError:
            return False

    def open_fds(self, t):
        out = []
        for fd in range(0, RUNTIME_FD_BASE):
            try:
                self.host.get_cloexec(fd)
                out.append(fd)
            except LinuxError:
                pass
        return out

    def fd_path(self, t, fd):
        path = t.files.special(fd)
        if path is not None and getattr(path, "link_name", None):
            return path.link_name
        label = t.files.labels.get(fd)
        if label is not None:
            return label
        return self.vfs.guest_path(self.host.fd_path(fd))

    def fd_info(self, t, fd):
        flags = self.host.get_status_flags(fd)
        if self.host.get_cloexec(fd):
            flags |= 0o2000000
        return b"pos:\t%d\nflags:\t0%o\nmnt_id:\t1\nino:\t%d\n" % (
            self.host.fd_offset(fd), flags, self.host.fstat(fd).st_ino)

    # -- process creation ------------------------------------------------------------------
    def new_process(self):
        vm = self.backend.create_vm()
        total, _ = self.host.memory()
        mm = Mm(vm, total)
        p = Process(self, mm, FdTable(), self.host.getpid())
        p.sigactions = S.SignalActions(self._mirror_disposition)
        p.shared_pending = S.PendingSet()
        self.process = p
        vcpu = vm.new_vcpu()
        t = Task(p, vcpu, p.pid)
        t.signals = S.SignalState(p.sigactions, p.shared_pending)
        p.tasks[t.tid] = t
        self.current = t
        self.set_fast_paths(t)
        return t

    def set_fast_paths(self, t):
        """Tell a hardware backend's guest code which syscalls it may answer
        itself (results that are constant for this process). Not with
        --strace, which must see every call. Also use the backend's clock
        (kvmclock) for time syscalls, so they agree with its vDSO."""
        vm = t.vcpu.vm
        self.host.upcalls.clock_override = getattr(vm, "clock_ns", None)
        if not hasattr(vm, "set_fast_syscalls"):
            return
        tidptr = vm.take_tid_address()           # set_tid_address served in the VM so far
        if tidptr is not None:
            t.clear_child_tid = tidptr
        t.signals.bind_mask(None)
        self.fast_sigmask = False
        if self.sched is None:
            self.dispatcher.guest_enter = None
        if self.config.strace is not None:
            vm.set_fast_syscalls({})
            return
        h = self.host
        vals = {39: t.process.pid, 102: h.getuid(), 107: h.geteuid(), 104: h.getgid(), 108: h.getegid(),
                334: -E.ENOSYS.errno}
        # Served by the guest code: arch_prctl(ARCH_SET_FS), getcpu; while
        # the process has one thread also set_tid_address, getrandom (they
        # use one scratch area / tid slot; getrandom hands out a pool of host
        # random bytes, refilled here, so a fork child gets its own) and
        # sched_yield (nothing in the process to yield to; its host thread
        # is preempted like any other).
        # rt_sigprocmask too, on a mask kept in guest memory (SignalState.
        # bind_mask), leaving the VM when it unblocks a pending signal or
        # changes one the host must mirror (_fast_signal_words), and
        # rt_sigaction queries from a copy of the actions kept current there.
        served = [158, 309]
        if self.sched is None:
            vals[186] = vals[218] = t.tid
            vals[24] = 0
            served += [218, 318, 14, 13]
            self.fast_sigmask = True
            self.refill_random_pool(t, force=True)
            t.signals.bind_mask(vm.sigmask_cell())
            t.process.sigactions.changed = S.ALL_SIGNALS   # the VM's copy is written at the next entry
            self.signal_words = None                        # and the signal words
            self.dispatcher.guest_enter = self._fast_signal_words
        vm.set_fast_syscalls(vals, served)

    def refill_random_pool(self, t, force=False):
        """Fresh host bytes for getrandom's pool in the VM (served there
        while the process has one thread): at set-up, and when a call that
        left the VM finds it nearly used up."""
        vm = t.vcpu.vm
        if self.fast_sigmask and (force or vm.random_pool_left() < 256):
            vm.refill_random_pool(self.host.random(vm.random_pool_size))

    def _fast_signal_words(self, vcpu):
        """Before each entry while rt_sigprocmask is served in the VM: the
        pending signals (all of them while host signals wait in the inbox)
        and the default-fatal ones (the host mirrors their blocking),
        written only when they changed (this runs at every entry)."""
        t = vcpu.task
        sigs = t.signals
        acts = t.process.sigactions
        if acts.changed:
            vcpu.vm.set_sigactions({sig: acts.get(sig).pack() for sig in S.sigs_of(acts.changed)})
            acts.changed = 0
        # A blocked signal of an armed POSIX timer may be due while the
        # guest runs: unblocking it must leave the VM (see expire_timers).
        pend = sigs.own.bits | sigs.shared.bits
        if self.timers is not None:
            pend |= self.timers.sigbits & sigs.mask
        words = (-1 if self.inbox else pend, acts.default_fatal_mask())
        if words != self.signal_words:
            self.signal_words = words
            vcpu.vm.set_signal_words(*words)

    def _canonical(self, host_fd, guest_path):
        try:
            real = self.vfs.guest_path(self.host.fd_path(host_fd))
        except E.LinuxError:
            return guest_path
        return real if real.startswith(b"/") else guest_path

    def exec_image(self, t, host_fd, guest_path, argv, envp, execfn=None):
        """Load the program open at host_fd into t's process (fresh address space)."""
        p = t.process

        def open_interp(path):
            r = self.vfs.resolve(-100, path)
            if r.kind != "host":
                raise E.ENOENT()
            return self.host.openat(r.dirfd, r.path, 0o2000000, 0)   # O_RDONLY|O_CLOEXEC

        # /proc/self/exe is the file's canonical path (symlinks and ./
        # resolved, as Linux's d_path), read before load() may close host_fd.
        exe = self._canonical(host_fd, guest_path)
        res = load(self, p, host_fd, guest_path, argv, envp, execfn or guest_path, open_interp)
        p.exe = exe
        p.argv = list(argv)
        p.envp = list(envp)
        base = guest_path.rsplit(b"/", 1)[-1]
        p.comm = base[:15]
        regs = {n: 0 for n in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11",
                               "r12", "r13", "r14", "r15", "fs_base", "gs_base")}
        regs["rsp"] = res.sp
        regs["rip"] = res.entry
        regs["rflags"] = 0x202
        t.vcpu.set_regs(regs)
        return res

    def exec_in_place(self, t, plan):
        """execve of a Linux ELF: a fresh address space in this process.
        From a multithreaded process the other threads end first (Linux's
        de_thread) and the caller takes over the thread-group leader's tid."""
        h = self.host
        closed = h.close_cloexec_fds(keep=(plan.fd,))
        t.files.cloexec_closed(closed)
        p = t.process
        old_vm = t.vcpu.vm
        t.signals.bind_mask(None)                # its memory goes with the old VM
        release_old = True
        if self.sched is not None:
            release_old = self._end_other_threads(t)
            self.sched.stop = True
            self.sched = None
            self.host.upcalls.block_hooks = None
            self.dispatcher.guest_enter = self.dispatcher.guest_leave = None
            t.tid = p.pid
            p.tasks = {t.tid: t}
        p.sigactions.reset_for_exec()
        t.altstack = (0, 2, 0)
        t.clear_child_tid = 0
        if self.timers is not None:
            self.timers.clear()                # execve deletes the POSIX timers
        t.robust_list = 0
        vm = self.backend.create_vm()
        total, _ = h.memory()
        as_limit = p.mm.as_limit if p.mm is not None else None
        p.mm = Mm(vm, total)
        p.mm.as_limit = as_limit               # RLIMIT_AS survives execve
        t.mem = p.mm
        t.vcpu = vm.new_vcpu()
        t.vcpu.task = t
        if release_old and hasattr(old_vm, "close"):
            old_vm.close()
        self.set_fast_paths(t)
        self.update_blocked_mirror()
        try:
            self.exec_image(t, plan.fd, plan.path, plan.argv, plan.envp, execfn=plan.execfn)
        except LinuxError:
            raise ProcessExit(signal=S.SIGSEGV)
        finally:
            h.close(plan.fd)
        self.vfork_release()
        return t

    def _end_other_threads(self, t, wait=1.0):
        """Stop every other thread of t's process for good: each is marked
        doomed, woken and kicked out of guest code, and parks (Scheduler.take)
        without running guest code or serving calls again. Returns True when
        all parked within `wait` seconds, so the old address space may go."""
        import time
        sched = self.sched
        others = [o for o in list(t.process.tasks.values()) if o is not t]
        for o in others:
            o.doomed = True
            self.wake_task(o)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if all(o in sched.parked or o in sched.lock.queue for o in others):
                return True
            time.sleep(0.002)
        return False

    def vfork_release(self):
        fd = getattr(self, "vfork_release_fd", None)
        if fd is not None:
            self.vfork_release_fd = None
            try:
                self.host.close(fd)
            except LinuxError:
                pass

    @property
    def futexes(self):
        return self.sched.futexes if self.sched is not None else None

    def yield_cpu(self, t):
        if self.sched is not None and not t.vcpu.in_guest():
            self.sched.yield_cpu(t)
        elif self.sched is not None:
            t.vcpu.request_stop()      # the run loop yields after this syscall

    def after_fork_child(self, t):
        """In the child of a fork: own PID, one thread (the one that forked),
        no pending signals, own signal watcher and waker."""
        p = t.process
        p.pid = self.host.getpid()
        t.tid = p.pid
        p.tasks = {t.tid: t}
        if self.sched is not None:
            self.sched.stop = True
            self.sched = None
            self.host.upcalls.block_hooks = None
            self.dispatcher.guest_enter = self.dispatcher.guest_leave = None
        self.next_tid = 0
        t.signals.own.clear()
        p.shared_pending.clear()
        self.inbox.clear()
        self.timers = None                     # timers are not inherited (nor their thread)
        self.last_child = None
        t.waker = self.host.waker()
        vm = t.vcpu.vm
        if hasattr(vm, "after_fork_child"):
            vm.after_fork_child()
        self.set_fast_paths(t)
        if self.signal_bridge is not None:
            self.signal_bridge.after_fork_child()    # also unblocks the host signals (PosixHost.fork)
        elif hasattr(self.host, "fork_child_unblock"):
            self.host.fork_child_unblock()
        self.update_blocked_mirror()

    # -- host signals ----------------------------------------------------------------------
    # A host signal for the guest (one whose host disposition is 'catch')
    # runs _host_signal in the main host thread, at any point of its Python
    # code. It only appends to self.inbox and wakes the thread chosen to
    # take it; drain_signals, called under the unikernel lock, turns inbox
    # entries into pending signals. Every other host thread of the runtime
    # blocks the asynchronous host signals (SignalBridge.start_thread), so
    # the host kernel interrupts the main thread wherever it waits.
    #
    # Waking a guest thread (wake_task): its host thread's waker pipe is
    # poked (every blocking host call also polls it, and then asks
    # _should_interrupt whether to raise Interrupted), and a vCPU running
    # guest code is kicked (kvm: a signal to that host thread ends KVM_RUN;
    # unicorn: the engine's owner stops at its next system call, or the hard
    # way after a grace period).
    def start_signals(self, bridge_factory):
        self.signal_bridge = bridge_factory(self._kick)
        p = self.process
        if p is not None:
            for sig in self.signal_bridge.inherited_ignored():
                p.sigactions.set_initial(sig, S.Action(S.SIG_IGN))
        self.host.upcalls.interrupt_exc = E.Interrupted
        self.host.upcalls.should_interrupt = self._should_interrupt
        self.signal_bridge.set(S.SIGCHLD, "default", self._host_signal)

    def start_thread(self, target, args, name):
        """A host thread for the runtime (guest threads, the preemption
        timer), with the asynchronous host signals blocked."""
        if self.signal_bridge is not None:
            return self.signal_bridge.start_thread(target, args, name)
        th = threading.Thread(target=target, args=args, name=name, daemon=True)
        th.start()
        return th

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
        if getattr(self.backend, "parallel", False):
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
        if target is not getattr(self.tls, "task", None) and getattr(self.backend, "parallel", False):
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
                r = self.host.waitid("all", 0, 1 | 2 | 4 | 8 | 0x01000000)   # peek, WNOWAIT
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
            code = struct.unpack_from("<i", info, 8)[0]
            act = self.process.sigactions.get(S.SIGCHLD)
            if code in (S.CLD_STOPPED, S.CLD_CONTINUED) and act.flags & S.SA_NOCLDSTOP:
                return None
            return info
        if sig == S.SIGALRM and getattr(self.host, "real_timer_used", False):
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

    # -- running ---------------------------------------------------------------------------
    def run(self, t):
        """Run the task until its thread or process ends. Returns the
        ProcessExit (single-threaded); with several threads the process is
        ended through self.finisher by whichever thread ends it."""
        self.tls.task = t
        t.waker = self.host.waker()
        disp = self.dispatcher
        outside = False          # re-run the current syscall outside the hook (it blocks)
        while True:
            vcpu = t.vcpu
            try:
                if outside:
                    outside = False
                    disp.syscall(vcpu)
                else:
                    ex = vcpu.run(disp)
                    if isinstance(ex, vmm.FaultExit):
                        self.fault_to_signal(t, ex)
                    elif isinstance(ex, vmm.HaltExit):
                        # HLT at ring 3 is a #GP: SIGSEGV with si_code SI_KERNEL.
                        self.force_signal(t, S.SIGSEGV, S.siginfo(S.SIGSEGV, S.SI_KERNEL, addr=0))
                t.wants_stop = False
                if self.sched is not None:
                    self.sched.yield_cpu(t)
                self.deliver_signals(t)
            except LeaveHook:
                outside = True
            except ExecImage as e:
                t = self.exec_in_place(t, e.args[0])
            except ProcessExit as e:
                self.vfork_release()
                if self.sched is not None:
                    self.finisher(e)
                return e
            except TaskExit as e:
                if self.sched is None or len(t.process.tasks) <= 1:
                    if self.sched is not None:
                        self.finisher(ProcessExit(e.status))
                    return ProcessExit(e.status)
                self.thread_exit(t)
                if threading.current_thread() is threading.main_thread():
                    # The process lives on in its other threads; the main
                    # host thread keeps serving signals until the end.
                    self._park_forever()
                return None
            except Exception as e:    # a bug in lxpack, not in the guest
                res = self.internal_error(t, e)
                if self.sched is not None:
                    self.finisher(res)
                return res

    @staticmethod
    def _park_forever():
        ev = threading.Event()
        while True:
            ev.wait(3600)

    # -- threads ---------------------------------------------------------------------------
    def clone_thread(self, t, flags, stack, ptid, ctid, tls):
        """CLONE_THREAD: a new guest thread on a new host thread."""
        from lxpack.unikernel.syscall.process import (CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID,
                                                      CLONE_PARENT_SETTID, CLONE_SETTLS)
        if not (flags & 0x100 and flags & 0x800):      # CLONE_VM and CLONE_SIGHAND are required
            raise E.EINVAL()
        p = t.process
        if self.sched is None:
            parallel = getattr(self.backend, "parallel", False)
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
        child.altstack = (0, 2, 0)
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
                self.sched.futexes.wake(t, t.clear_child_tid, 1, 0xFFFFFFFF)
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
            nxt, offset = t.mem.read_u64(head), struct.unpack("<q", t.mem.read(head + 8, 8))[0]
            pending = t.mem.read_u64(head + 16)
            seen = 0
            entry = nxt
            while entry != head and seen < 2048:
                self._robust_one(t, entry + offset)
                entry = t.mem.read_u64(entry)
                seen += 1
            if pending:
                self._robust_one(t, pending + offset)
        except LinuxError:
            pass

    def _robust_one(self, t, uaddr):
        val = t.mem.read_u32(uaddr)
        if (val & 0x3FFFFFFF) == (t.tid & 0x3FFFFFFF):
            t.mem.write_u32(uaddr, (val & 0x80000000) | 0x40000000)
            if self.sched is not None:
                self.sched.futexes.wake(t, uaddr, 1, 0xFFFFFFFF)

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

    def internal_error(self, t, exc):
        """One line for the user (a traceback only with LXPACK_DEBUG=1), and
        the status 70 (EX_SOFTWARE) for the program."""
        import traceback
        name = "?"
        try:
            from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
            name = SYSCALL_NAMES.get(t.vcpu.syscall_args()[0], "?")
        except Exception:
            pass
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.host.report_internal_error("internal error in lxpack while serving %s: %s: %s"
                                        % (name, type(exc).__name__, exc), detail)
        return ProcessExit(INTERNAL_ERROR_STATUS)

    def fault_to_signal(self, t, ex):
        kind = ex.kind
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
            self.force_signal(t, S.SIGBUS, S.siginfo(S.SIGBUS, 1, addr=ex.rip))
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
