"""FakeHost: an in-memory host for the unikernel unit tier.

Owns: FakeHost (the files, pipes and descriptors come from its mixin
FakeFiles in fakefs.py; here: readiness, a fake clock, fixed process facts,
resource limits) and FakeSignalBridge. It follows the contract of
runtime/host/api.py as runtime/host/posix.py implements it:

  * Linux values in, Linux values out (flags, modes, errno, clock ids).
  * Errors are raised as `LinuxError(errno)` with the Linux errno, exactly as
    PosixHost does (a plain LinuxError, not the unikernel's per-errno
    subclasses: the host layer cannot import the unikernel).
  * Guest fd N is host fd N: the fd table is the one the guest sees. The
    runtime's private descriptors (wake-up pipes, wakers) are allocated at
    RUNTIME_FD_BASE and above, as fds.move_high does.

Nothing here blocks: a call that would block on a real host (read of an
empty pipe that still has a writer, poll with an infinite timeout and
nothing ready) raises FakeWouldBlock, a test bug. A finite poll timeout or
sleep advances the fake clock instead of waiting; a test that needs
something to happen during a wait (a signal arriving) sets on_wait.
FakeSignalBridge stands in for posix.SignalBridge.

Only what the tests need is implemented; any other host method raises
NotFaked (an AttributeError, so `hasattr(host, "pts_path")`-style probes in
the unikernel see the method as absent, as they would on a host without it).
"""
import random as _random

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import poll as P
from lxpack.abi import time as TM
from lxpack.runtime.host import api
from fakefs import (AT_FDCWD, NS, PIPE_CAPACITY, FakeFiles, FakeMapping, FakeWouldBlock,  # noqa: F401
                    OpenFile, _err)

_KNOWN_CLOCKS = frozenset(TM.CLOCKS.values()) if isinstance(TM.CLOCKS, dict) else frozenset(TM.CLOCKS)


class NotFaked(AttributeError):
    """A host method the fake does not implement (add it here if a test needs it)."""

class _Upcalls(object):
    """api.Upcalls where the host api does not declare it yet."""

    def __init__(self):
        self.block_hooks = self.should_interrupt = self.interrupt_exc = self.clock_override = None

class FakeHost(FakeFiles):
    """The host of one fake Linux process.

    upcalls: the unikernel's callbacks (api.Upcalls), filled in by the
    unikernel as on PosixHost; the unikernel may also set them as host
    attributes (clock_override, block_hooks...), both are honoured."""

    clock_override = None
    block_hooks = None
    interrupt_exc = None
    should_interrupt = None
    real_timer_used = False

    def __init__(self, upcalls=None, pid=4242, ppid=4241, uid=1000, gid=1000, cwd=b"/home/user"):
        self.upcalls = upcalls if upcalls is not None else getattr(api, "Upcalls", _Upcalls)()
        self.pid, self.ppid, self.uid, self.gid = pid, ppid, uid, gid
        self.pgid, self.sid = pid, ppid
        self.groups = [gid, 27]
        self.mono_ns = 1000 * NS                  # CLOCK_MONOTONIC
        self.realtime_offset_ns = 1700000000 * NS  # CLOCK_REALTIME = offset + monotonic
        self._umask = 0o022
        self._next_ino = 100
        self.fds = {}                             # fd -> [OpenFile, cloexec]
        self.killed = []                          # (pid, sig) sent with kill()
        # Test hook for blocking waits (sleep_ns, poll with a timeout):
        # on_wait(ns or None) runs "while" the call waits (it may send the
        # guest a signal) and returns the ns that pass (None: all of them).
        self.on_wait = None
        self.internal_errors = []
        self.rlimits = dict(_DEFAULT_RLIMITS)
        self._rng = _random.Random(1234)
        self.root = self._new("dir", 0o755)
        self.root.parent = self.root
        for d in (b"/home", b"/home/user", b"/tmp", b"/dev", b"/etc"):
            self.mkdir(AT_FDCWD, d, 0o755)
        self._find(b"/tmp").perm = 0o1777
        self.cwd = self._find(cwd)
        # stdin (empty: reads see EOF), stdout and stderr (collected).
        for fd, acc in ((0, F.O_RDONLY), (1, F.O_WRONLY), (2, F.O_WRONLY)):
            tty = self._new("chr", 0o620)
            tty.rdev = (136 << 8) | 0
            self._install(OpenFile(tty, acc, b"/dev/pts/0"), fd, False)
        self.output = {1: self.fds[1][0].inode.data, 2: self.fds[2][0].inode.data}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotFaked("FakeHost does not implement %r (tests/unikernel/fakehost.py, fakefs.py)" % name)


    # -- readiness ---------------------------------------------------------------------------------
    def _revents(self, fd):
        ent = self.fds.get(fd)
        if ent is None:
            return P.POLLNVAL
        ofd = ent[0]
        if ofd.side == "r":
            pipe = ofd.inode.pipe
            return (P.POLLIN | P.POLLRDNORM if pipe.buf else 0) | (P.POLLHUP if pipe.writers == 0 else 0)
        if ofd.side == "w":
            pipe = ofd.inode.pipe
            if pipe.readers == 0:
                return P.POLLOUT | P.POLLWRNORM | P.POLLERR
            return P.POLLOUT | P.POLLWRNORM if len(pipe.buf) < PIPE_CAPACITY else 0
        return P.POLLIN | P.POLLRDNORM | P.POLLOUT | P.POLLWRNORM

    def poll(self, fds, timeout_ms):
        """{fd: Linux revents} of the ready ones; nothing can become ready
        while a single-threaded test waits, so a finite timeout just
        advances the clock and an infinite one is a test bug."""
        want = {}
        for fd, ev in fds:
            want[fd] = want.get(fd, 0) | ev
        out = {}
        for fd, ev in want.items():
            r = self._revents(fd) & (ev | P.POLL_ALWAYS)
            if r:
                out[fd] = r
        if out or timeout_ms == 0:
            return out
        if timeout_ms < 0 and self.on_wait is None:
            raise FakeWouldBlock("poll without a timeout and nothing ready")
        self._wait(None if timeout_ms < 0 else timeout_ms * 10**6)
        out = {}
        for fd, ev in want.items():
            r = self._revents(fd) & (ev | P.POLL_ALWAYS)
            if r:
                out[fd] = r
        return out

    def _wait(self, ns):
        """Let ns pass on the clock (None: until the hook says), then, as
        PosixHost.wait_ready does when its waker is poked, raise the
        unikernel's interruption if a signal must end the call."""
        hook = self.on_wait
        if hook is None:
            self.mono_ns += ns
            return
        elapsed = hook(ns)
        if elapsed is None:
            if ns is None:
                raise FakeWouldBlock("on_wait must say how long an endless wait lasted")
            elapsed = ns
        self.mono_ns += elapsed
        should = self.upcalls.should_interrupt or self.should_interrupt
        if should is not None and should():
            raise (self.upcalls.interrupt_exc or self.interrupt_exc)()

    def queued_bytes(self, fd):
        ofd = self._ofd(fd)
        if ofd.side is not None:
            return len(ofd.inode.pipe.buf), None
        return None, None

    # -- time -------------------------------------------------------------------------------------
    def clock_gettime_ns(self, linux_clock):
        override = self.upcalls.clock_override or self.clock_override
        if override is not None:
            ns = override(linux_clock)
            if ns is not None:
                return ns
        if linux_clock not in _KNOWN_CLOCKS:
            raise _err(E.EINVAL)
        if linux_clock in (TM.CLOCK_REALTIME, TM.CLOCK_REALTIME_COARSE, TM.CLOCK_REALTIME_ALARM, TM.CLOCK_TAI):
            return self.realtime_offset_ns + self.mono_ns
        if linux_clock in (TM.CLOCK_PROCESS_CPUTIME_ID, TM.CLOCK_THREAD_CPUTIME_ID):
            return 5 * 10**6
        return self.mono_ns

    def clock_getres_ns(self, linux_clock):
        if linux_clock not in _KNOWN_CLOCKS:
            raise _err(E.EINVAL)
        return 1

    def sleep_ns(self, ns):
        self._wait(max(0, ns))

    # -- processes and identity --------------------------------------------------------------------
    def getpid(self):
        return self.pid

    def getppid(self):
        return self.ppid

    def getuid(self):
        return self.uid

    geteuid = getuid

    def getgid(self):
        return self.gid

    getegid = getgid

    def getgroups(self):
        return list(self.groups)

    def getpgid(self, pid):
        if pid not in (0, self.pid):
            raise _err(E.ESRCH)
        return self.pgid

    def getsid(self, pid):
        if pid not in (0, self.pid):
            raise _err(E.ESRCH)
        return self.sid

    def kill(self, pid, linux_sig):
        if not 0 <= linux_sig <= 64:
            raise _err(E.EINVAL)
        if pid not in (self.pid, 0, -1, -self.pgid):
            raise _err(E.ESRCH)
        self.killed.append((pid, linux_sig))

    def getrlimit(self, linux_res):
        return self.rlimits.get(linux_res)

    def setrlimit(self, linux_res, soft, hard):
        if linux_res not in self.rlimits:
            return
        if hard > self.rlimits[linux_res][1] and self.uid != 0:
            raise _err(E.EPERM)
        self.rlimits[linux_res] = (soft, hard)

    def uname(self):
        return ("Linux", "fakehost", "6.1.0-fake", "#1 SMP PREEMPT_DYNAMIC fake", "x86_64")

    def cpu_count(self):
        return 4

    def memory(self):
        return 8 << 30, 6 << 30

    def loadavg(self):
        return 0.5, 0.25, 0.125

    # the session registry: one fake process alone in its session
    def session_publish(self, pid, record):
        self.session_records = getattr(self, "session_records", {})
        self.session_records[pid] = record

    def session_forget(self, pid):
        getattr(self, "session_records", {}).pop(pid, None)

    def session_pids(self):
        return sorted(getattr(self, "session_records", {}))

    def session_record(self, pid):
        return getattr(self, "session_records", {}).get(pid)

    def session_request(self, pid, data):
        pass

    def session_pending(self, pid, take=False):
        return None

    def may_raise_limits(self):
        return self.geteuid() == 0

    def prlimit(self, pid, res, new=None):
        return None

    def process_facts(self, pid):
        return None

    def process_fds(self, pid):
        return {}

    def cpu_times(self):
        return None

    def random(self, n):
        return bytes(self._rng.getrandbits(8) for _ in range(n))

    def report_internal_error(self, line, detail):
        self.internal_errors.append((line, detail))


_INF = 0xFFFFFFFFFFFFFFFF
# Linux's defaults for an unprivileged shell (RLIMIT_* numbers from lxpack.abi.resource).
_DEFAULT_RLIMITS = {0: (_INF, _INF), 1: (_INF, _INF), 2: (_INF, _INF), 3: (8 << 20, _INF), 4: (0, _INF),
                    5: (_INF, _INF), 6: (31000, 31000), 7: (1024, 4096), 8: (8 << 20, 8 << 20),
                    9: (_INF, _INF), 10: (_INF, _INF), 11: (31000, 31000), 12: (819200, 819200),
                    13: (0, 0), 14: (0, 0), 15: (_INF, _INF)}


class FakeSignalBridge(object):
    """posix.SignalBridge without host signals: records the host
    dispositions the unikernel asks for (Linux signal -> 'default' |
    'ignore' | 'catch'). Kernel.start_signals(FakeSignalBridge)."""

    def __init__(self, kick):
        self.kick = kick
        self.modes = {}

    def inherited_ignored(self):
        return []

    def set(self, linux_sig, mode, callback):
        self.modes[linux_sig] = mode

    def start_thread(self, target, args, name):
        import threading
        th = threading.Thread(target=target, args=args, name=name, daemon=True)
        th.start()
        return th

    def after_fork_child(self):
        pass
