"""The Linux personality of one host process: creates the process and its
first thread, loads the program, runs vCPUs and turns their exits into Linux
events (faults -> signals, stops -> signal delivery), and answers the
questions procfs asks about fds.

Owns: Kernel (host, backend, VFS, CPU facts, dispatcher, config) and the
run loop. Everything the guest asks for goes through the dispatcher
(syscall table); everything the host does goes through `host`.
Travels inside bundles: Python 3.9.
"""
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


INTERNAL_ERROR_STATUS = 70     # EX_SOFTWARE: lxpack itself failed


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
    def __init__(self, strace=None, stats=None, host_exec=(), env_add=None, warn=None):
        self.strace = strace
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
        self.dispatcher = Dispatcher(strace=config.strace, stats=config.stats,
                                     on_unimplemented=self._warn_unimplemented)
        self.process = None
        self.current = None
        self._uname = None
        self.signal_bridge = None
        self.sched = None             # a Scheduler once the process has several threads
        self.tls = threading.local()  # .task: the guest task this host thread runs
        self.finisher = None          # ends the host process with a ProcessExit (boot)
        self.next_tid = 0

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
        for fd in range(0, 1024):
            if fd >= 900:
                break
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
        p = self.host.fd_path(fd)
        if self.vfs.root and p.startswith(self.vfs.root + b"/"):
            p = p[len(self.vfs.root):]
        return p

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
        self.process = p
        vcpu = vm.new_vcpu()
        t = Task(p, vcpu, p.pid)
        t.signals = S.SignalState(p.sigactions)
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
        self.host.clock_override = getattr(vm, "clock_ns", None)
        if not hasattr(vm, "set_fast_syscalls"):
            return
        if self.config.strace is not None:
            vm.set_fast_syscalls({})
            return
        h = self.host
        vals = {39: t.process.pid, 102: h.getuid(), 107: h.geteuid(), 104: h.getgid(), 108: h.getegid(),
                334: -E.ENOSYS.errno}
        if self.sched is None:
            vals[186] = t.tid
        vm.set_fast_syscalls(vals)

    def exec_image(self, t, host_fd, guest_path, argv, envp, execfn=None):
        """Load the program open at host_fd into t's process (fresh address space)."""
        p = t.process

        def open_interp(path):
            r = self.vfs.resolve(-100, path)
            if r.kind != "host":
                raise E.ENOENT()
            return self.host.openat(r.dirfd, r.path, 0o2000000, 0)   # O_RDONLY|O_CLOEXEC

        res = load(self, p, host_fd, guest_path, argv, envp, execfn or guest_path, open_interp)
        p.exe = guest_path
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
        """execve of a Linux ELF: a fresh address space in this process."""
        h = self.host
        closed = h.close_cloexec_fds(keep=(plan.fd,))
        t.files.cloexec_closed(closed)
        p = t.process
        if self.sched is not None:
            # Other threads vanish: they stay parked on the old CPU lock,
            # which this thread never gives back.
            self.sched.stop = True
            self.sched = None
            self.host.block_hooks = None
            self.dispatcher.guest_enter = self.dispatcher.guest_leave = None
            p.tasks = {t.tid: t}
        p.sigactions.reset_for_exec()
        t.altstack = (0, 2, 0)
        t.clear_child_tid = 0
        old_vm = t.vcpu.vm
        vm = self.backend.create_vm()
        total, _ = h.memory()
        p.mm = Mm(vm, total)
        t.mem = p.mm
        t.vcpu = vm.new_vcpu()
        t.vcpu.task = t
        if hasattr(old_vm, "close"):
            old_vm.close()
        self.set_fast_paths(t)
        try:
            self.exec_image(t, plan.fd, plan.path, plan.argv, plan.envp, execfn=plan.execfn)
        except LinuxError:
            raise ProcessExit(signal=S.SIGSEGV)
        finally:
            h.close(plan.fd)
        self.vfork_release()
        return t

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
        """In the child of a fork: own PID, one thread, own signal watcher."""
        p = t.process
        p.pid = self.host.getpid()
        t.tid = p.pid
        p.tasks = {t.tid: t}
        if self.sched is not None:
            self.sched.stop = True
            self.sched = None
            self.host.block_hooks = None
        self.next_tid = 0
        vm = t.vcpu.vm
        if hasattr(vm, "after_fork_child"):
            vm.after_fork_child()
        self.set_fast_paths(t)
        if self.signal_bridge is not None:
            self.signal_bridge.after_fork_child()

    # -- host signals ----------------------------------------------------------------------
    def start_signals(self, bridge_factory):
        self.signal_bridge = bridge_factory(self._kick)
        p = self.process
        if p is not None:
            for sig in self.signal_bridge.inherited_ignored():
                p.sigactions.actions[sig] = S.Action(S.SIG_IGN)
        self.host.interrupt_exc = E.Interrupted
        self.host.should_interrupt = self._should_interrupt
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
        sigs = t.signals
        if not sigs.pending:
            return False
        if sigs.waitset and any(sigs.waitset & S.bit(s) for s in sigs.pending):
            return True
        return sigs.has_deliverable()

    def _mirror_disposition(self, sig, mode):
        if self.signal_bridge is not None:
            self.signal_bridge.set(sig, mode, self._host_signal)

    def _host_signal(self, sig):
        """A host signal arrived for a guest handler (runs in the main thread)."""
        t = self.current
        if t is None:
            return
        if self.sched is not None and t.signals.mask & S.bit(sig):
            for other in list(t.process.tasks.values()):
                if not other.signals.mask & S.bit(sig):
                    t = other
                    break
        t.signals.queue(sig, S.siginfo(sig, S.SI_USER))
        t.wants_stop = True
        # Never raise from here (a completed host call would lose its
        # result): the blocked call wakes on the waker and re-checks.
        if t.waker is not None:
            self.host.wake(t.waker)

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
                self.deliver_signals(t)
                if self.sched is not None:
                    self.sched.yield_cpu(t)
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
                    threading.Event().wait()
                return None
            except Exception as e:    # a bug in lxpack, not in the guest
                res = self.internal_error(t, e)
                if self.sched is not None:
                    self.finisher(res)
                return res

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
            self.host.block_hooks = (self._block_enter, self._block_exit)
            if parallel:
                sched = self.sched
                self.dispatcher.guest_enter = lambda v: sched.lock.release(v.task)
                self.dispatcher.guest_leave = lambda v: sched.take(v.task)
            self.set_fast_paths(t)             # gettid is no longer a process constant
        vcpu = t.vcpu.clone()
        tid = self._new_tid()
        child = Task(p, vcpu, tid)
        child.signals = S.SignalState(p.sigactions)
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
        th = threading.Thread(target=self._thread_main, args=(child,), name="guest-%d" % tid, daemon=True)
        th.start()
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
        self.run(t)

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
        sigs = t.signals
        while True:
            sig = sigs.deliverable()
            if not sig:
                if sigs.saved_mask is not None:
                    sigs.mask, sigs.saved_mask = sigs.saved_mask, None
                return
            info = sigs.take(sig)
            act = t.process.sigactions.get(sig)
            if act.handler == S.SIG_IGN:
                continue
            if act.handler == S.SIG_DFL:
                what = S.default_action(sig)
                if what in ("ignore", "continue"):
                    continue
                if what == "stop":
                    self.host.kill(self.host.getpid(), sig)
                    continue
                raise ProcessExit(signal=sig, core=(what == "core"))
            if sigs.saved_mask is not None:
                # rt_sigsuspend: the handler's frame must restore the old mask.
                sigs.mask = sigs.saved_mask
                sigs.saved_mask = None
                S.setup_frame(t, sig, info, act)
            else:
                S.setup_frame(t, sig, info, act)
            return   # one frame at a time; the rest after the handler's sigreturn or next stop
