"""signalfd objects: reads take the pending signals of the reading task
(then, for signals blocked there, of the other tasks of the process: Linux's
process-wide queue) that are in the object's mask, as signalfd_siginfo
records.

Owns: SignalFd (a Pollable behind a reserved host fd) and watch_on_host():
a signal watched by a signalfd whose guest disposition is SIG_DFL is caught
on the host (queued, not acted on), so a blocked SIGUSR1 sent by another
process waits in the pending set as on Linux instead of ending the host
process. The pending sets themselves are kernel/signals.py's SignalState.
Who may import this: unikernel/syscall/poll.py. Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import poll as P
from lxpack.abi.signal import WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED
from lxpack.abi.signalfd import SIGNALFD_SIGINFO
from lxpack.unikernel.errors import EAGAIN, EINVAL, LinuxError
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.readiness import Pollable, wait_object

RECORD = SIGNALFD_SIGINFO.size    # 128


class SignalFd(Pollable):
    kind = "signalfd"
    link_name = b"anon_inode:[signalfd]"

    def __init__(self, mask):
        Pollable.__init__(self)
        self.mask = mask & ~S.UNBLOCKABLE

    def set_mask(self, t, mask):
        self.mask = mask & ~S.UNBLOCKABLE
        watch_on_host(t, self.mask)
        self.changed(t)

    def _sources(self, t):
        yield t, 0
        for other in list(t.process.tasks.values()):
            if other is not t:
                yield other, other.signals.mask

    def _find(self, t):
        for task, need_blocked in self._sources(t):
            sigs = task.signals
            if not sigs.pending:
                continue
            for sig in sorted(sigs.pending):
                b = S.bit(sig)
                if self.mask & b and (not need_blocked or need_blocked & b):
                    return sigs, sig
        return None, 0

    def _has(self, t, sig):
        return any(sig in task.signals.pending for task, _ in self._sources(t))

    def poll_mask(self, t):
        sigs, _ = self._find(t)
        return P.POLLIN | P.POLLRDNORM if sigs is not None else 0

    def generation(self, t):
        out = []
        for task, _ in self._sources(t):
            out.extend(sorted(task.signals.pending))
        return tuple(out)

    def signal_watch(self, t):
        return self.mask

    def read(self, t, n):
        if n < RECORD:
            raise EINVAL()
        out = []

        def take():
            # Everything that may reach the host comes before the first signal
            # is taken: a blocking host call made inside the engine's hook
            # re-runs the whole system call (sched.LeaveHook).
            child = _peek_child(t) if self.mask & S.bit(S.SIGCHLD) and self._has(t, S.SIGCHLD) else None
            while len(out) < n // RECORD:
                sigs, sig = self._find(t)
                if sigs is None:
                    break
                info = sigs.take(sig)
                if sig == S.SIGCHLD and child is not None and not struct.unpack_from("<i", info, 16)[0]:
                    info, child = child, None
                out.append(_record(sig, info))
            if out:
                return b"".join(out)
            if self.nonblocking(t):
                raise EAGAIN()
            return None
        return wait_object(t, self, take)

    def write(self, t, data):
        raise EINVAL()


WAIT_PEEK = WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT


def _peek_child(t):
    """A SIGCHLD that came from the host carries no child: peek at one
    (waitid WNOWAIT, nothing is reaped) so ssi_pid/ssi_code/ssi_status say
    what Linux would. Returns a siginfo, or None."""
    try:
        r = t.host.waitid("all", 0, WAIT_PEEK)
    except LinuxError:
        return None
    if not r:
        return None
    pid, uid, code, status = r
    return S.siginfo(S.SIGCHLD, code, pid=pid, uid=uid, status=status)


def _record(sig, info):
    """struct signalfd_siginfo from a 128-byte Linux siginfo_t."""
    signo, errno, code = struct.unpack_from("<iii", info, 0)
    pid, uid = struct.unpack_from("<iI", info, 16)
    status = struct.unpack_from("<i", info, 24)[0] if sig == S.SIGCHLD else 0
    value = struct.unpack_from("<Q", info, 24)[0] if code in (S.SI_QUEUE, -4, -2) else 0
    addr = struct.unpack_from("<Q", info, 16)[0] if sig in (S.SIGSEGV, S.SIGBUS, S.SIGILL, S.SIGFPE) else 0
    timer_id = overrun = 0
    if code == S.SI_TIMER:            # a POSIX timer's id and overrun count
        timer_id, overrun = pid & 0xFFFFFFFF, uid
        pid = uid = 0
    if addr:
        pid = uid = 0
    sival_int = value & 0xFFFFFFFF
    if sival_int & 0x80000000:
        sival_int -= 1 << 32
    return SIGNALFD_SIGINFO.pack(sig, errno, code, pid & 0xFFFFFFFF, uid, 0, timer_id, 0, overrun, 0, status,
                                 sival_int, value, 0, 0, addr, 0, 0, 0, 0, 0)


def watch_on_host(t, mask):
    """Catch on the host the signals of mask whose guest action is SIG_DFL
    (see the module doc)."""
    k = t.kernel
    bridge = getattr(k, "signal_bridge", None)
    if bridge is None:
        return
    acts = t.process.sigactions
    for sig in range(1, S.NSIG + 1):
        if mask & S.bit(sig) and acts.get(sig).handler == S.SIG_DFL and sig not in (S.SIGKILL, S.SIGSTOP):
            bridge.set(sig, "catch", k._host_signal)
