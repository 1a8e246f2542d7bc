"""Task (a Linux thread) and Process (what threads of one thread group share).

Owns: per-thread state (tid, signal mask and pending set via SignalState,
clear_child_tid, robust list, alternate stack, the vCPU it runs on) and
per-process state (address space, fd table, signal actions, rlimits, name,
exe path, argv/env for /proc). A Process is one host process (DESIGN:
one host process per Linux process), so pid, cwd, umask and credentials are
the host's own and are not duplicated here.

Locking: these objects have no locks of their own. Threads of the process
change them only while holding the Scheduler's CpuLock (sched.py; a
single-threaded process has no Scheduler), and never hold it across a
hypercall that blocks (Scheduler.block and the host's block hooks give it
up).
Travels inside bundles: Python 3.9.
"""


class Process(object):
    def __init__(self, kernel, mm, files, pid):
        self.kernel = kernel
        self.host = kernel.host
        self.mm = mm
        self.files = files
        self.pid = pid
        self.sigactions = None      # SignalActions, set by Kernel.new_process (lifecycle.py)
        self.shared_pending = None  # PendingSet of process-directed signals (any thread takes them)
        self.tasks = {}
        self.exe = b""              # the guest path of the running program (/proc/self/exe)
        self.argv = []
        self.envp = []
        self.comm = b""             # PR_SET_NAME / /proc/self/comm (16 bytes max)
        self.auxv = b""
        self.personality = 0
        self.affinity = {}          # tid -> CPU mask set by sched_setaffinity (the program's view)
        self.memfd_seals = {}       # (dev, ino) of a memfd -> its seals (memfd_seals.py)
        self.pipe_sizes = {}        # (dev, ino) of a pipe -> F_SETPIPE_SZ capacity (the program's view)
        self.rlimits = {}           # overrides not pushed to the host (RLIMIT_STACK...)
        self.pdeathsig = 0
        self.dumpable = 1
        self.start_time = 0.0


class Task(object):
    __slots__ = ("process", "kernel", "host", "mem", "vcpu", "tid", "signals", "clear_child_tid",
                 "robust_list", "robust_len", "altstack", "wants_stop", "name", "pending_regs", "waker",
                 "doomed", "__weakref__")

    def __init__(self, process, vcpu, tid):
        self.process = process
        self.kernel = process.kernel
        self.host = process.host
        self.mem = process.mm
        self.vcpu = vcpu
        self.tid = tid
        vcpu.task = self
        self.signals = None         # SignalState, set by new_process / clone_thread
        self.clear_child_tid = 0
        self.robust_list = 0
        self.robust_len = 0
        self.altstack = (0, 2, 0)   # (ss_sp, ss_flags=SS_DISABLE, ss_size)
        self.wants_stop = False     # ask the vCPU to return to the run loop after this syscall
        self.name = b""
        self.pending_regs = None    # registers a new thread sets when it first runs
        self.waker = None           # the host waker of the thread running this task (Kernel.run)
        self.doomed = False         # another thread's execve ends this one (Kernel._end_other_threads)

    @property
    def files(self):
        return self.process.files

    def restart_syscall(self, vcpu, nr):
        """Re-execute the interrupted `syscall` instruction after the signal
        handler returns (Linux's -ERESTARTSYS path)."""
        vcpu.set_regs({"rax": nr, "rip": vcpu.syscall_insn_addr()})
