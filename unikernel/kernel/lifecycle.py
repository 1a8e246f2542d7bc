"""Process lifecycle: the first process and thread, loading a program
(exec_image), execve of a Linux ELF in place (a fresh address space; other
threads end first), the fork child's fresh start, and the vfork parent's
release.

Owns: ProcessLifecycle, a part of Kernel (kernel.py composes it).
Travels inside bundles: Python 3.9.
"""
import time

from lxpack.abi.fcntl import AT_FDCWD, O_CLOEXEC, O_RDONLY
from lxpack.abi.signal import SS_DISABLE, X86_EFLAGS_FIXED, X86_EFLAGS_IF
from lxpack.unikernel import errors as E
from lxpack.unikernel.errors import LinuxError, ProcessExit
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.fdtable import FdTable
from lxpack.unikernel.kernel.loader import load
from lxpack.unikernel.kernel.mm import Mm
from lxpack.unikernel.kernel.task import Process, Task


class ProcessLifecycle(object):
    """Kernel methods that create, replace and fork the process image."""

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
        if self.process_started is not None:
            self.process_started(t)
        return t

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
            r = self.vfs.resolve(AT_FDCWD, path)
            if r.kind != "host":
                raise E.ENOENT()
            return self.host.openat(r.dirfd, r.path, O_RDONLY | O_CLOEXEC, 0)

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
        regs["rflags"] = X86_EFLAGS_IF | X86_EFLAGS_FIXED      # interrupts on, as a new process starts
        t.vcpu.set_regs(regs)
        SESSION.publish(t)                    # what ps shows of this process elsewhere
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
        t.altstack = (0, SS_DISABLE, 0)
        t.clear_child_tid = 0
        if self.timers is not None:
            self.timers.clear()                # execve deletes the POSIX timers
        t.robust_list = 0
        # A single-threaded process keeps its VM, emptied (Vm.reset); else
        # a new one, and the old one goes once its threads are parked.
        if release_old and old_vm.reset():
            vm, vcpu = old_vm, t.vcpu
        else:
            vm = self.backend.create_vm()
            vcpu = vm.new_vcpu()
            if release_old:
                old_vm.close()
        total, _ = h.memory()
        as_limit = p.mm.as_limit if p.mm is not None else None
        old_mm = p.mm
        p.mm = Mm(vm, total)
        p.mm.as_limit = as_limit               # RLIMIT_AS survives execve
        t.mem = p.mm
        t.vcpu = vcpu
        t.vcpu.task = t
        if release_old and old_mm is not None:
            old_mm.release_host_mappings()     # after the VM let go of their slots (reset or closed)
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
        sched = self.sched
        others = [o for o in list(t.process.tasks.values()) if o is not t]
        for o in others:
            o.doomed = True
            self.wake_task(o)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if all(o in sched.parked or sched.lock.waiting(o) for o in others):
                return True
            time.sleep(0.002)
        return False

    def vfork_release(self):
        fd = self.vfork_release_fd
        if fd is not None:
            self.vfork_release_fd = None
            try:
                self.host.close(fd)
            except LinuxError:
                pass

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
        vm.after_fork_child()
        self.set_fast_paths(t)
        if self.signal_bridge is not None:
            self.signal_bridge.after_fork_child()    # also unblocks the host signals (PosixHost.fork)
        else:
            self.host.fork_child_unblock()
        self.update_blocked_mirror()
        SESSION.publish(t)
