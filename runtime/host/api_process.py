"""The host calls on processes, identity, limits, signals, memory, clocks and
waits.

Part of the Host protocol declared in api.py (which composes it): Linux
values in, Linux values out; every method is implemented by posix.PosixHost
and by the unit tests' fake host. Travels inside bundles: Python 3.9.
"""


class ProcessCalls(object):
    """Processes and identity (processes.py), signals (signals.py), memory
    (memory.py), clocks and timers (clocks.py), waking blocked calls
    (waits.py), channels between lxpack processes (channels.py)."""

    # -- processes, identity, limits, host facts (processes.py) ------------------------------------
    def fork(self):
        """A host fork (one host process per Linux process): the child pid, 0 in the child, whose
        host signals stay blocked until SignalBridge.after_fork_child / fork_child_unblock."""
        raise NotImplementedError

    def fork_child_unblock(self):
        """In a fork child without a SignalBridge: the mask from before fork."""
        raise NotImplementedError

    def vfork_pipe(self):
        """A close-on-exec pipe the vfork parent waits on (EOF = child exec'd or exited)."""
        raise NotImplementedError

    def wait_readable_eof(self, fd):
        """Wait (without the CPU) until fd reads end of file (vfork: the child exec'd or exited)."""
        raise NotImplementedError

    def execve(self, path, argv, envp, sigmask_linux=0):
        """Replace this process with a host program (host-native exec). The guest's signal mask
        becomes the host mask, as Linux keeps it."""
        raise NotImplementedError

    def wait4(self, pid, options):
        """options: Linux WNOHANG, WUNTRACED, WCONTINUED (__WALL, __WCLONE, __WNOTHREAD dropped:
        every host child is a process). Returns (pid, linux_status, rusage) or (0, 0, None) with
        WNOHANG."""
        raise NotImplementedError

    def waitid(self, idtype, ident, options):
        """idtype: 'all'|'pid'|'pgid'; options Linux WEXITED, WSTOPPED, WCONTINUED, WNOHANG,
        WNOWAIT (other bits ignored). Returns None (nothing with WNOHANG) or (pid, uid, linux
        si_code, linux status-or-signal)."""
        raise NotImplementedError

    def getpgid(self, pid):
        """getpgid(2)."""
        raise NotImplementedError

    def getsid(self, pid):
        """getsid(2)."""
        raise NotImplementedError

    def setpgid(self, pid, pgid):
        """setpgid(2)."""
        raise NotImplementedError

    def setsid(self):
        """Returns the new session id (Python's os.setsid returns None)."""
        raise NotImplementedError

    def getrlimit(self, linux_res):
        """(soft, hard) as Linux rlim_t values, or None when the host has no such resource (the
        kernel keeps those itself)."""
        raise NotImplementedError

    def setrlimit(self, linux_res, soft, hard):
        """Set a limit from Linux rlim_t values (RLIM_INFINITY translated)."""
        raise NotImplementedError

    def may_raise_limits(self):
        """Whether the process may raise a hard resource limit (CAP_SYS_RESOURCE; root elsewhere)."""
        raise NotImplementedError

    def prlimit(self, pid, linux_res, new=None):
        """Another process's resource limit (soft, hard), Linux values, set to new (soft, hard) if
        given; None when the host has no such resource (or cannot tell: macOS, where setting is
        EPERM)."""
        raise NotImplementedError

    def getpriority(self, linux_which, who):
        """The nice value (-20..19) of a process, process group or user."""
        raise NotImplementedError

    def setpriority(self, linux_which, who, nice):
        """setpriority(2) with Linux PRIO_* which; EINVAL for one the host lacks."""
        raise NotImplementedError

    def getrusage(self, who):
        """Linux RUSAGE_SELF or RUSAGE_CHILDREN (anything else: self)."""
        raise NotImplementedError

    def times(self):
        """os.times() of the host process (user, system, children's user, children's system,
        elapsed)."""
        raise NotImplementedError

    def uname(self):
        """The host's uname (sysname, nodename, release, version, machine)."""
        raise NotImplementedError

    def cpu_count(self):
        """The number of CPUs this process may run on."""
        raise NotImplementedError

    def memory(self):
        """(total bytes, available bytes)."""
        raise NotImplementedError

    def loadavg(self):
        """(1, 5, 15 minute) load averages."""
        raise NotImplementedError

    # -- the session's processes (session.py): /proc/<pid> of other lxpack processes ------------
    def session_publish(self, pid, record):
        """Publish (replace) this process's record in the session registry, shared with the
        other runtimes of the process tree; best effort."""
        raise NotImplementedError

    def session_forget(self, pid):
        """Remove pid's record from the session registry (at exit)."""
        raise NotImplementedError

    def session_request(self, pid, data):
        """Leave pid's runtime a request (limits or CPU affinity another process set on it),
        replacing one it has not taken yet."""
        raise NotImplementedError

    def session_pending(self, pid, take=False):
        """The request left for pid, or None; take: remove it (pid's own runtime takes it)."""
        raise NotImplementedError

    def session_pids(self):
        """The pids with a record in the session registry, sorted."""
        raise NotImplementedError

    def session_record(self, pid):
        """pid's record (bytes), or None if none or its process is gone."""
        raise NotImplementedError

    def process_facts(self, pid):
        """Linux /proc/<pid>/stat fields after the command name (state, ppid, pgrp, ...) as
        bytes of the host process pid, or None if it does not exist."""
        raise NotImplementedError

    def process_fds(self, pid):
        """{fd: link text} of another process's descriptors, where the host tells ({} if not)."""
        raise NotImplementedError

    def cpu_times(self):
        """The host's CPU and scheduler counters as Linux /proc/stat lines {name: [fields]},
        or None where the host has none."""
        raise NotImplementedError

    def random(self, n):
        """n random bytes from the host."""
        raise NotImplementedError

    def report_internal_error(self, line, detail):
        """One line on stderr; the traceback only when LXPACK_DEBUG is set."""
        raise NotImplementedError

    def getpid(self):
        """getpid(2) (PIDs are host PIDs)."""
        raise NotImplementedError

    def getppid(self):
        """getppid(2)."""
        raise NotImplementedError

    def getuid(self):
        """getuid(2)."""
        raise NotImplementedError

    def geteuid(self):
        """geteuid(2)."""
        raise NotImplementedError

    def getgid(self):
        """getgid(2)."""
        raise NotImplementedError

    def getegid(self):
        """getegid(2)."""
        raise NotImplementedError

    def getgroups(self):
        """getgroups(2): the supplementary group ids."""
        raise NotImplementedError

    # -- signals (signals.py); signal numbers are Linux's ------------------------------------------
    def kill(self, pid, linux_sig):
        """kill(2) with a Linux signal number (0: existence check); EINVAL when the host has no
        such signal."""
        raise NotImplementedError

    def exit(self, status):
        """End this host process with status & 0xff (no cleanup)."""
        raise NotImplementedError

    def die_by_signal(self, linux_sig):
        """End this host process by the signal's default action (the parent sees it)."""
        raise NotImplementedError

    # -- memory (memory.py) ------------------------------------------------------------------------
    def mmap_shared(self, fd, size, offset, writable=True):
        """A host MAP_SHARED mapping (fd -1: anonymous) to map into the guest."""
        raise NotImplementedError

    def mmap_private(self, fd, size, offset):
        """A host MAP_PRIVATE, read-write mapping of a file (copy-on-write:
        the file's pages until written) to map into the guest."""
        raise NotImplementedError

    # -- clocks and timers (clocks.py) -------------------------------------------------------------
    def clock_gettime_ns(self, linux_clock):
        """clock_gettime(2) in ns for a Linux clock id (the backend's clock first, see Upcalls);
        EINVAL for an unknown one."""
        raise NotImplementedError

    def clock_getres_ns(self, linux_clock):
        """clock_getres(2) in ns for a Linux clock id."""
        raise NotImplementedError

    def sleep_ns(self, ns):
        """Sleep; interrupt_exc may come out of it (then the caller computes what remains)."""
        raise NotImplementedError

    def alarm(self, seconds):
        """alarm(2): returns the seconds left of the previous alarm."""
        raise NotImplementedError

    def setitimer(self, which, value, interval):
        """Returns the previous (value, interval)."""
        raise NotImplementedError

    def getitimer(self, which):
        """getitimer(2) with Linux ITIMER_*: (value, interval) in seconds."""
        raise NotImplementedError

    # -- channels between lxpack processes (channels.py): ptrace's tracer <-> tracee -------------
    def channel_pair(self):
        """(a, b): both ends of a new message channel, runtime-private and close-on-exec."""
        raise NotImplementedError

    def channel_send(self, fd, data, fds=()):
        """Send one message (bytes) and runtime-private descriptors on a channel; EPIPE when the
        other end is gone."""
        raise NotImplementedError

    def channel_recv(self, fd, block=True):
        """One whole message: (bytes, [fds received, in the runtime's range]); None when block is
        False and nothing waits; EPIPE when the other end is gone."""
        raise NotImplementedError

    def channel_ready(self, fds, timeout):
        """The channels among fds with a message or closed, waiting up to timeout seconds (None:
        forever); interruptible like every blocking call (a waker poke returns early)."""
        raise NotImplementedError

    # -- waking blocked calls (waits.py): a poke makes the call ask Upcalls.should_interrupt -------
    def waker(self):
        """This host thread's waker pipe (read end, write end), made on first use."""
        raise NotImplementedError

    def wake(self, waker):
        """Poke a thread blocked in wait_ready (safe from signal handlers)."""
        raise NotImplementedError
