"""ptrace, the tracer's side: the channels to this process's children, the
tracees it holds, what wait4/waitid report about them, and the requests
it sends them (ptrace(2), process_vm_readv/writev).

A channel pair (Host.channel_pair) is made at every fork: the parent keeps
one end per child (`channels`), the child keeps the other (`up`, its
tracer's end should it call PTRACE_TRACEME). A traced process reports its
stops on that channel (kernel/ptrace_tracee.py); a child it forks while
traced with PTRACE_O_TRACEFORK/VFORK/CLONE is auto-attached: the parent
tracee makes a second pair, keeps one end for the child and passes the
other to the tracer with its fork event, so the tracer may hold tracees
that are not its host children. Their exits come as messages; a tracee
that dies without one (SIGKILL) is reported as killed by SIGKILL.

Waiting: wait4/waitid first collect the messages waiting on the channels
(cheap: one poll with no timeout), report a stop not yet reported, else ask
the host about exited children with WNOHANG, else sleep on the channels
and the thread's waker (SIGCHLD pokes it) with a short poll as a fallback.

Owns: Tracer (Kernel.tracer, made at the first fork), Traced.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.errno import ECHILD, EIO, ESRCH
from lxpack.abi.signal import WNOHANG
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.errors import LinuxError
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.ptrace_tracee import decode, encode

_POLL = 0.05


class Traced(object):
    """One tracee as its tracer sees it."""

    __slots__ = ("pid", "fd", "child", "stopped", "pending", "exit_status")

    def __init__(self, pid, fd, child):
        self.pid = pid
        self.fd = fd
        self.child = child          # a host child: its exit comes from the host's wait
        self.stopped = False        # in a ptrace stop, serving requests
        self.pending = None         # a stop's wait status not yet reported
        self.exit_status = None     # a non-child's exit, not yet reported


class Tracer(object):
    """This process's children channels and tracees."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.host = kernel.host
        self.channels = {}          # child pid -> our end of its channel
        self.tracees = {}           # pid -> Traced

    # -- channels ----------------------------------------------------------------------
    def add_child(self, pid, fd):
        self.channels[pid] = fd

    def child_gone(self, pid):
        """wait reaped pid: its channel and tracee record go."""
        fd = self.channels.pop(pid, None)
        tr = self.tracees.pop(pid, None)
        for f in {fd, tr.fd if tr is not None else None}:
            if f is not None:
                self.host.close_private(f)

    def close_all(self):
        """In a fork child: the parent's channels are not ours."""
        fds = set(self.channels.values()) | set(r.fd for r in self.tracees.values())
        for f in fds:
            self.host.close_private(f)
        self.channels.clear()
        self.tracees.clear()

    def _fd_pids(self):
        m = {}
        for pid, fd in self.channels.items():
            m[fd] = pid
        for pid, r in self.tracees.items():
            if r.fd >= 0:
                m[r.fd] = pid
        return m

    def pump(self, timeout=0.0):
        """Take in every message waiting on the channels (waiting up to
        timeout for the first). True if something changed."""
        m = self._fd_pids()
        if not m and not timeout:
            return False
        ready = self.host.channel_ready(list(m), timeout)     # no channel left: the waker alone
        changed = False
        for fd in ready:
            pid = m[fd]
            changed |= self._take(pid, fd)
        return changed

    def _take(self, pid, fd):
        tr = self.tracees.get(pid)
        try:
            got = self.host.channel_recv(fd, False)
        except LinuxError:
            got = None
            if tr is not None and not tr.child and tr.exit_status is None:
                tr.exit_status = S.SIGKILL             # gone without a word
                tr.stopped = False
                self.host.close_private(fd)
                tr.fd = -1
                return True
            if tr is None or tr.child:
                # A child's end closed (it exec'd a host program or died):
                # the host's wait will tell.
                if self.channels.get(pid) == fd:
                    self.channels.pop(pid)
                    self.host.close_private(fd)
                if tr is not None:
                    tr.fd = -1
            return False
        if got is None:
            return False
        msg = decode(got[0])
        op = msg[0]
        if tr is None:
            tr = self.tracees[pid] = Traced(pid, fd, pid in self.channels)
        if op == "stop":
            tr.stopped = True
            tr.pending = msg[1]
            eventmsg = msg[2]
            for nfd in got[1]:
                # An auto-attached child of the tracee: eventmsg is its pid.
                old = self.tracees.get(eventmsg)
                if old is None and nfd >= RUNTIME_FD_BASE:
                    self.tracees[eventmsg] = Traced(eventmsg, nfd, eventmsg in self.channels)
                else:
                    self.host.close_private(nfd)
            return True
        if op == "exit":
            if not tr.child:
                tr.exit_status = msg[1]
                tr.stopped = False
            return True
        return False

    # -- waiting -----------------------------------------------------------------------
    def _matching(self, pid):
        if pid > 0:
            r = self.tracees.get(pid)
            return [r] if r is not None else []
        return list(self.tracees.values())

    def _reportable(self, pid):
        for r in self._matching(pid):
            if r.pending is not None:
                st, r.pending = r.pending, None
                return r.pid, st
            if r.exit_status is not None:
                self.tracees.pop(r.pid, None)
                if r.fd >= 0:
                    self.host.close_private(r.fd)
                return r.pid, r.exit_status
        return None

    def wait(self, pid, options, host_wait):
        """wait4/waitid with tracees: (pid, linux status, extra) where extra
        is what host_wait returned for a host child (None for a ptrace
        report); (0, 0, None) with WNOHANG and nothing to report.
        host_wait(options) asks the host about real children (WNOHANG)."""
        while True:
            self.pump(0.0)
            got = self._reportable(pid)
            if got is not None:
                return got[0], got[1], None
            others = pid > 0 and pid in self.tracees and not self.tracees[pid].child
            if not others:
                try:
                    r = host_wait(options | WNOHANG)
                except LinuxError as e:
                    if e.errno != ECHILD or not self._matching(pid):
                        raise
                    r = None
                if r is not None and r[0]:
                    return r[0], r[1], r
            if options & WNOHANG:
                return 0, 0, None
            self.pump(_POLL)

    # -- requests ----------------------------------------------------------------------
    def traced(self, pid):
        r = self.tracees.get(pid)
        if r is None or r.fd < 0:
            raise LinuxError(ESRCH)
        return r

    def stopped(self, pid):
        """The tracee pid, which must be in a ptrace stop (else ESRCH)."""
        r = self.traced(pid)
        if not r.stopped:
            self.pump(0.0)
            if not r.stopped:
                raise LinuxError(ESRCH)
        return r

    def request(self, pid, *msg):
        """Send a request to a stopped tracee and return its answer."""
        r = self.stopped(pid)
        h = self.host
        try:
            h.channel_send(r.fd, encode(msg))
            got = h.channel_recv(r.fd, True)
        except LinuxError:
            raise LinuxError(ESRCH)
        kind, val = decode(got[0])
        if kind == "err":
            raise LinuxError(val or EIO)
        return val

    def resume(self, pid, how, sig):
        r = self.stopped(pid)
        try:
            self.host.channel_send(r.fd, encode((how, sig)))
        except LinuxError:
            raise LinuxError(ESRCH)
        r.stopped = False
        r.pending = None
        if how == "detach":
            self.tracees.pop(pid, None)
            if self.channels.get(pid) != r.fd:
                self.host.close_private(r.fd)

    def kill(self, pid):
        r = self.traced(pid)
        if r.stopped:
            try:
                self.host.channel_send(r.fd, encode(("kill",)))
            except LinuxError:
                pass
            r.stopped = False
        try:
            self.host.kill(pid, S.SIGKILL)
        except LinuxError:
            pass
