"""The Linux personality of one host process: creates the process and its
first thread, loads the program, runs vCPUs and turns their exits into Linux
events (faults -> signals, stops -> signal delivery), and answers the
questions procfs asks about fds.

Owns: Kernel (host, backend, VFS, CPU facts, dispatcher, config) and the
run loop. Everything the guest asks for goes through the dispatcher
(syscall table, handed in by lxpack.unikernel.facade: this package never
imports unikernel/syscall/); everything the host does goes through `host`.

Kernel is one object composed of parts with one job each, as mixins, so
that handlers keep calling `t.kernel.<name>` at the cost of one attribute
lookup (no forwarding layer on the hot path):
  lifecycle.py       ProcessLifecycle: first process, exec, fork child, vfork release
  threads.py         ThreadGroup: CLONE_THREAD, thread exit, robust futexes, CPU hand-off
  signal_routing.py  SignalRouting: inbox, target choice, wake-ups, host mirror, delivery
  fastpath.py        FastPaths: in-VM service tables of hardware backends
  fdquery.py         FdQueries: what /proc asks about descriptors
  ptrace_links.py    PtraceLinks: tracer and tracee hooks of fork, exec, exit, signals
Shared state (set up in Kernel.__init__, documented there) belongs to the
Kernel; each part reads and writes only what its docstring names.
Travels inside bundles: Python 3.9.
"""
import collections
import threading

from lxpack.runtime.vmm import base as vmm
from lxpack.unikernel.errors import ExecImage, ProcessExit, TaskExit
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.fastpath import FastPaths
from lxpack.unikernel.kernel.fdquery import FdQueries
from lxpack.unikernel.kernel.lifecycle import ProcessLifecycle
from lxpack.unikernel.kernel.ptrace_links import PtraceLinks
from lxpack.unikernel.kernel.sched import LeaveHook
from lxpack.unikernel.kernel.signal_routing import SignalRouting
from lxpack.unikernel.kernel.threads import ThreadGroup

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
    """What the composition root chooses for a run: the --strace stream, the
    --stats counters, host_exec patterns (programs run on the host), extra
    environment, a warn(message) callback and the path tracer."""

    def __init__(self, strace=None, stats=None, host_exec=(), env_add=None, warn=None, pathtrace=None):
        self.strace = strace
        self.pathtrace = pathtrace    # a pathtrace.PathTrace (lxpack trace), or None
        self.stats = stats
        self.host_exec = tuple(host_exec)
        self.env_add = env_add or {}
        self.warn = warn


class Kernel(ProcessLifecycle, ThreadGroup, SignalRouting, FastPaths, FdQueries, PtraceLinks):
    """The Linux personality of this host process (see the module docstring
    for its parts). Built by lxpack.unikernel.facade.build_kernel."""

    def __init__(self, host, backend, vfs, cpu, vdso_image, config, dispatcher):
        self.host = host
        self.backend = backend
        self.vfs = vfs
        vfs.emulated_dir = self._emulated_dir
        self.cpu = cpu
        self.vdso_image = vdso_image
        self.config = config
        self.pathtrace = config.pathtrace
        self.dispatcher = dispatcher  # the syscall table's Dispatcher (built by lxpack.unikernel.facade)
        self.process = None
        self.process_started = None   # callable(t) after new_process (the facade: RLIMIT_NOFILE enforcement)
        self.current = None
        self._uname = None
        self.signal_bridge = None
        self.sched = None             # a Scheduler once the process has several threads
        self.tls = threading.local()  # .task: the guest task this host thread runs
        self.finisher = None          # ends the host process with a ProcessExit (launch.boot)
        self.next_tid = 0
        # Host signals for the guest, appended by the host handler (main
        # thread, any moment) and moved into the pending sets by
        # drain_signals under the unikernel lock (see signal_routing.py).
        self.inbox = collections.deque()
        self.fast_sigmask = False     # one thread, served in the VM: its mask, getrandom's pool (set_fast_paths)
        self.signal_words = None      # (pending, default-fatal) last written to the VM
        self.timers = None            # PosixTimers of the process, made at the first timer_create
        self.last_child = None        # siginfo of the last child reaped by wait4/waitid (SIGCHLD info)
        self.host_caught_dfl = 0      # SIG_DFL signals caught on the host while every thread blocks them
        self.vfork_release_fd = None  # the vfork child's hold on its parent (set by the vfork handler)
        self.tracer = None            # ptrace_tracer.Tracer: channels to children, tracees (first fork)
        self.tracee = None            # ptrace_tracee.Tracee while this process is traced
        self.up_channel = None        # our end of the channel to the parent (a fork child)

    def _emulated_dir(self, fd):
        """The guest path of the /proc or /sys directory open on fd, or None."""
        obj = self.process.files.emulated.get(fd) if self.process is not None else None
        if obj is not None and obj.kind == "dir" and obj.link_name:
            return obj.link_name
        return None

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
                old_pid = t.tid
                try:
                    t = self.exec_in_place(t, e.args[0])
                except ProcessExit as x:       # past the point of no return (a truncated ELF)
                    return self._process_exit(t, x)
                if self.tracee is not None:
                    try:
                        self.ptrace_after_exec(t, old_pid)
                        self.deliver_signals(t)
                    except ProcessExit as x:
                        return self._process_exit(t, x)
            except ProcessExit as e:
                return self._process_exit(t, e)
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

    def _process_exit(self, t, e):
        if self.tracee is not None:
            e = self.ptrace_exit(t, e)
        self.vfork_release()
        if self.sched is not None:
            self.finisher(e)
        return e

    @staticmethod
    def _park_forever():
        ev = threading.Event()
        while True:
            ev.wait(3600)

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
