"""Processes on the POSIX host: fork, host exec, waiting for children,
identity, sessions and process groups, resource limits and priorities, and
what the host says about itself (uname, CPUs, memory, load, randomness).

Owns: Processes. One host process per Linux process: fork is a host fork,
PIDs are host PIDs, wait statuses are the host's translated. Linux values
in, Linux values out: wait options, wait statuses, waitid id types and
si_code, signal numbers, resource and priority selectors go through xlat
(X). Waiting is polled through waits.Waits so a guest signal can interrupt
it before a child is reaped.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import os
import resource
import signal
import sys

from lxpack.abi import errno as E
from lxpack.abi import resource as R
from lxpack.abi import signal as S
from lxpack.runtime.host._common import X, call, high, oserror_to_linux
from lxpack.runtime.host.api import LinuxError
from lxpack.runtime.host.fds import give_back, guest_nofile
from lxpack.runtime.host.signals import fork_blocked

# The options that reach the host: __WALL, __WCLONE and __WNOTHREAD stay
# behind (every host child is a process that signals SIGCHLD; a Linux host
# would take __WCLONE to mean "clone children only" and find none), and
# waitid ignores bits it does not know.
_WAIT4_PASS = S.WNOHANG | S.WUNTRACED | S.WCONTINUED
_WAITID_PASS = S.WEXITED | S.WSTOPPED | S.WCONTINUED | S.WNOHANG | S.WNOWAIT
_IDTYPE = {"all": S.P_ALL, "pid": S.P_PID, "pgid": S.P_PGID}
_CAP_SYS_RESOURCE = []     # [bool] once asked (capabilities do not change under lxpack)
_RUSAGE = {R.RUSAGE_SELF: resource.RUSAGE_SELF, R.RUSAGE_CHILDREN: resource.RUSAGE_CHILDREN}


class Processes(object):
    """Process operations; waits: waits.Waits, clocks: clocks.Clocks (fork
    forgets the interval timers)."""

    def __init__(self, waits, clocks):
        self._waits = waits
        self._clocks = clocks
        self._fork_mask = None

    # -- fork and exec --------------------------------------------------------------------
    def fork(self):
        """A host fork of the runtime (DESIGN: one host process per Linux process).
        The child gets its own waker pipe (the parent's is shared after fork).
        Host signals stay blocked in the child until SignalBridge.after_fork_child:
        one sent to the new pid at once (a shell's `cmd & kill $!`) must wait
        until the child has dropped the parent's queued signals, not be
        dropped with them."""
        old = None
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, fork_blocked())
        except (OSError, ValueError):
            pass
        try:
            pid = os.fork()
        except OSError as e:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            raise oserror_to_linux(e)
        if pid != 0:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            return pid
        self._fork_mask = old
        self._waits.drop_waker()
        self._clocks.real_timer_used = False      # timers are not inherited
        return 0

    def fork_child_unblock(self):
        """In a fork child without a SignalBridge: the mask from before fork."""
        old, self._fork_mask = self._fork_mask, None
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def vfork_pipe(self):
        """A close-on-exec pipe the vfork parent waits on (EOF = child exec'd or exited)."""
        r, w = os.pipe()
        return high(r), high(w)

    def wait_readable_eof(self, fd):
        w = self._waits
        w.begin_block()
        try:
            _drain(fd)
        finally:
            w.end_block()

    def execve(self, path, argv, envp, sigmask_linux=0):
        """Replace this process with a host program (host-native exec). The
        guest's signal mask becomes the host mask, as Linux keeps it."""
        try:
            give_back()             # the host program gets the descriptor limit the process started with
            signal.pthread_sigmask(signal.SIG_SETMASK, X.sigmask_to_host_set(sigmask_linux))
            env = dict(e.split(b"=", 1) for e in envp if b"=" in e)
            os.execve(path, argv, env)
        except OSError as e:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            raise oserror_to_linux(e)

    # -- waiting for children --------------------------------------------------------------
    def wait4(self, pid, options):
        """options: Linux WNOHANG, WUNTRACED, WCONTINUED (others ignored).
        Returns (pid, linux_status, rusage) or (0, 0, None) with WNOHANG."""
        hopt = X.wait_options_to_host(options & _WAIT4_PASS) | os.WNOHANG

        def attempt():
            try:
                r = os.wait4(pid, hopt)
            except OSError as e:
                raise oserror_to_linux(e)
            return r if (r[0] != 0 or options & S.WNOHANG) else None
        # Polled so that a signal can interrupt it at a point where no child
        # has been reaped yet; SIGCHLD pokes the waker, the poll is a fallback.
        rpid, status, ru = self._waits.retry_until(attempt, poll=0.05)
        if rpid == 0:
            return 0, 0, None
        return rpid, X.wait_status_to_linux(status), ru

    def waitid(self, idtype, ident, options):
        """idtype: 'all'|'pid'|'pgid'; options Linux WEXITED, WSTOPPED,
        WCONTINUED, WNOHANG, WNOWAIT (other bits ignored). Returns None
        (nothing with WNOHANG) or (pid, uid, linux si_code, linux
        status-or-signal)."""
        if not hasattr(os, "waitid"):
            return self._waitid_by_wait4(idtype, ident, options)
        hid = X.idtype_to_host(_IDTYPE[idtype])
        hopt = X.waitid_options_to_host(options & _WAITID_PASS) | os.WNOHANG

        def attempt():
            try:
                r = os.waitid(hid, ident, hopt)
            except OSError as e:
                raise oserror_to_linux(e)
            if (r is None or r.si_pid == 0) and not options & S.WNOHANG:
                return None
            return (r,)
        r = self._waits.retry_until(attempt, poll=0.05)[0]
        if r is None or r.si_pid == 0:
            return None
        code = X.cld_code_to_linux(r.si_code)
        if code is None:
            code = r.si_code
        st = r.si_status if code == S.CLD_EXITED else (X.signal_to_linux(r.si_status) or r.si_status)
        return r.si_pid, r.si_uid, code, st

    def _waitid_by_wait4(self, idtype, ident, options):
        """waitid where Python has no os.waitid (macOS: CPython leaves it
        out there): wait4 gives the same events, except that WNOWAIT (peek
        without reaping) cannot be honoured and is EINVAL, and the child's
        uid is reported as ours."""
        if options & S.WNOWAIT:
            raise LinuxError(E.EINVAL)
        pid = {"all": -1, "pid": ident, "pgid": -ident}[idtype]
        rpid, status, _ru = self.wait4(pid, (options & S.WNOHANG) | (S.WUNTRACED if options & S.WSTOPPED else 0)
                                       | (options & S.WCONTINUED))
        if rpid == 0:
            return None
        uid = os.getuid()
        if S.WIFEXITED(status):
            return rpid, uid, S.CLD_EXITED, S.WEXITSTATUS(status)
        if S.WIFCONTINUED(status):
            return rpid, uid, S.CLD_CONTINUED, S.SIGCONT
        if S.WIFSTOPPED(status):
            return rpid, uid, S.CLD_STOPPED, S.WSTOPSIG(status)
        return rpid, uid, S.CLD_DUMPED if S.WCOREDUMP(status) else S.CLD_KILLED, S.WTERMSIG(status)

    # -- sessions and process groups --------------------------------------------------------
    def getpgid(self, pid):
        return call(os.getpgid, pid)

    def getsid(self, pid):
        return call(os.getsid, pid)

    def setpgid(self, pid, pgid):
        call(os.setpgid, pid, pgid)

    def setsid(self):
        """Returns the new session id (Python's os.setsid returns None)."""
        call(os.setsid)
        return os.getsid(0)

    # -- limits, priorities, usage --------------------------------------------------------------
    def getrlimit(self, linux_res):
        """(soft, hard) as Linux rlim_t values, or None when the host has no
        such resource (the kernel keeps those itself)."""
        res = X.rlimit_to_host(linux_res)
        if res is None:
            return None
        soft, hard = resource.getrlimit(res)
        if res == resource.RLIMIT_NOFILE:
            soft, hard = guest_nofile((soft, hard))     # not the room kept for the runtime's range
        return X.rlim_value_to_linux(soft), X.rlim_value_to_linux(hard)

    def setrlimit(self, linux_res, soft, hard):
        """Set a limit from Linux rlim_t values (RLIM_INFINITY translated)."""
        res = X.rlimit_to_host(linux_res)
        if res is None:
            return
        try:
            resource.setrlimit(res, (X.rlim_value_to_host(soft), X.rlim_value_to_host(hard)))
        except ValueError as e:
            # Python turns the kernel's EPERM (raising a hard limit) into
            # ValueError("not allowed to raise maximum limit").
            raise LinuxError(E.EPERM if "raise maximum" in str(e) else E.EINVAL)
        except OSError as e:
            raise oserror_to_linux(e)

    def may_raise_limits(self):
        """Whether this process may raise a hard resource limit (Linux:
        CAP_SYS_RESOURCE in its effective set; elsewhere: root)."""
        if _CAP_SYS_RESOURCE:
            return _CAP_SYS_RESOURCE[0]
        ok = os.geteuid() == 0
        if sys.platform.startswith("linux"):
            try:
                with open("/proc/self/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"CapEff:"):
                            ok = bool(int(line.split()[1], 16) >> 24 & 1)    # CAP_SYS_RESOURCE
            except (OSError, ValueError):
                pass
        _CAP_SYS_RESOURCE.append(ok)
        return ok

    def prlimit(self, pid, linux_res, new=None):
        """Another process's limit (soft, hard) as Linux values, set to new
        (soft, hard) if given; None when the host has no such resource.
        A Linux host has prlimit; elsewhere reading is None and setting EPERM."""
        res = X.rlimit_to_host(linux_res)
        if res is None:
            return None
        if not hasattr(resource, "prlimit"):
            if new is not None:
                raise LinuxError(E.EPERM)
            return None
        try:
            if new is None:
                soft, hard = resource.prlimit(pid, res)
            else:
                soft, hard = resource.prlimit(pid, res, (X.rlim_value_to_host(new[0]),
                                                          X.rlim_value_to_host(new[1])))
        except ValueError as e:
            raise LinuxError(E.EPERM if "raise maximum" in str(e) else E.EINVAL)
        except OSError as e:
            raise oserror_to_linux(e)
        return X.rlim_value_to_linux(soft), X.rlim_value_to_linux(hard)

    def getpriority(self, linux_which, who):
        """The nice value (-20..19) of a process, process group or user."""
        which = X.prio_which_to_host(linux_which)
        if which is None:
            raise LinuxError(E.EINVAL)
        return call(os.getpriority, which, who)

    def setpriority(self, linux_which, who, nice):
        which = X.prio_which_to_host(linux_which)
        if which is None:
            raise LinuxError(E.EINVAL)
        call(os.setpriority, which, who, nice)

    def getrusage(self, who):
        """Linux RUSAGE_SELF or RUSAGE_CHILDREN (anything else: self)."""
        return resource.getrusage(_RUSAGE.get(who, resource.RUSAGE_SELF))

    def times(self):
        return os.times()

    # -- what the host says about itself ---------------------------------------------------------
    def uname(self):
        return os.uname()

    def cpu_count(self):
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1

    def memory(self):
        """(total bytes, available bytes)."""
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * page
        except (ValueError, OSError):
            avail = total // 2
        return total, avail

    def loadavg(self):
        try:
            return os.getloadavg()
        except OSError:
            return (0.0, 0.0, 0.0)

    def random(self, n):
        return os.urandom(n)

    def report_internal_error(self, line, detail):
        """One line on stderr; the traceback only when LXPACK_DEBUG is set."""
        sys.stderr.write("lxpack: %s\n" % line)
        if os.environ.get("LXPACK_DEBUG"):
            sys.stderr.write(detail)
        else:
            sys.stderr.write("lxpack: set LXPACK_DEBUG=1 to see the details\n")
        sys.stderr.flush()


def _drain(fd):
    while True:
        try:
            if not os.read(fd, 4096):
                return
        except InterruptedError:
            continue
        except OSError:
            return
