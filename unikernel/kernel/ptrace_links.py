"""ptrace in the Kernel: where the run loop, fork, exec, exit and signal
delivery meet the tracer and tracee sides (ptrace_tracer.py,
ptrace_tracee.py).

Owns: PtraceLinks, a part of Kernel (kernel.py composes it), and the
Kernel state it names: tracer (Tracer, made at the first fork), tracee
(Tracee while this process is traced) and up_channel (this process's end of
the channel to its parent, the tracer's end should it call TRACEME).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi import ptrace as P
from lxpack.abi.errno import EIO
from lxpack.abi.sched import CLONE_VFORK, CSIGNAL
from lxpack.unikernel.errors import LinuxError, ProcessExit
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.kernel.ptrace_tracee import Tracee, encode
from lxpack.unikernel.kernel.ptrace_tracer import Tracer


class PtraceLinks(object):
    """Kernel methods that connect processes for ptrace."""

    def ptrace_tracer(self):
        if self.tracer is None:
            self.tracer = Tracer(self)
        return self.tracer

    def become_traced(self, t, fd, tracer_pid, options=0, seized=False):
        """From now on this process stops for its tracer."""
        self.tracee = Tracee(self, fd, tracer_pid, options, seized)
        self.dispatcher.set_ptraced(True)
        self.set_fast_paths(t)                 # every syscall must leave the VM

    def ptrace_detached(self, t):
        tr, self.tracee = self.tracee, None
        if tr is not None and tr.fd != self.up_channel:
            self.host.close_private(tr.fd)
        self.dispatcher.set_ptraced(False)
        self.set_fast_paths(t)

    def proc_file(self, t, name):
        """/proc/self/<name> of this process for its tracer: (kind, value)."""
        from lxpack.unikernel.kernel.vfs import procfs
        node = procfs.lookup(t, (b"self", name))
        if node.kind == "link":
            return "link", node.target
        if node.kind != "file":
            raise LinuxError(EIO)
        return "file", node.content

    # -- fork --------------------------------------------------------------------------
    def ptrace_fork_channels(self, flags):
        """Before a fork: (up, attach) channel pairs, each None when the
        runtime's descriptors run out (the child then cannot be traced).
        Channels of children that ended unreaped (SIGCHLD ignored) go first."""
        tracer = self.tracer
        if tracer is not None and len(tracer.channels) >= 64:
            tracer.pump(0.0)
        try:
            up = self.host.channel_pair()
        except LinuxError:
            return None, None
        attach = None
        if self.ptrace_fork_event(flags):
            try:
                attach = self.host.channel_pair()
            except LinuxError:
                pass
        return up, attach

    def ptrace_fork_event(self, flags):
        """The PTRACE_EVENT_* a traced fork of these clone flags reports (0: none)."""
        tr = self.tracee
        if tr is None:
            return 0
        if flags & CLONE_VFORK:
            ev = P.PTRACE_EVENT_VFORK
        elif flags & CSIGNAL == S.SIGCHLD:
            ev = P.PTRACE_EVENT_FORK
        else:
            ev = P.PTRACE_EVENT_CLONE
        return ev if tr.options & (1 << ev) else 0

    def ptrace_fork_child(self, t, up, attach):
        """In a fork child: the parent's channels are not ours; up is our
        end of the channel to the parent; attach (or None) our end to the
        parent's tracer when auto-attached (we start in a SIGSTOP stop)."""
        old = self.tracee
        if self.tracer is not None:
            self.tracer.close_all()
            self.tracer = None
        for fd in {self.up_channel, old.fd if old is not None else None}:
            if fd is not None:
                self.host.close_private(fd)
        self.up_channel = up
        self.tracee = None
        if attach is not None:
            self.become_traced(t, attach, old.tracer_pid, old.options, old.seized)
            t.signals.queue(S.SIGSTOP, S.siginfo(S.SIGSTOP, S.SI_USER))
            t.wants_stop = True                # stop before any guest code runs
        elif old is not None:
            self.dispatcher.set_ptraced(False)

    # -- exec and exit -----------------------------------------------------------------
    def ptrace_after_exec(self, t, old_pid):
        """The exec stop (PTRACE_EVENT_EXEC, or a SIGTRAP for a tracer that
        did not ask), then the execve's syscall-exit stop."""
        tr = self.tracee
        t.vcpu.set_rax(0)
        if tr.options & P.PTRACE_O_TRACEEXEC:
            tr.event_stop(t, P.PTRACE_EVENT_EXEC, old_pid)
        elif not tr.seized:
            t.signals.queue(S.SIGTRAP, S.siginfo(S.SIGTRAP, S.SI_USER))
        tr = self.tracee
        if tr is not None and tr.entry_done:
            tr.entry_done = False
            if tr.mode == "syscall":
                tr.syscall_stop(t)

    def ptrace_exit(self, t, e):
        """A traced process ends: the PTRACE_EVENT_EXIT stop if asked, then
        the exit told to a tracer that is not our parent (the host tells a
        parent)."""
        tr = self.tracee
        status = (e.signal & 0x7f) | (0x80 if getattr(e, "core", False) else 0) if e.signal else (e.status & 0xff) << 8
        if tr.options & P.PTRACE_O_TRACEEXIT and not (e.signal == S.SIGKILL):
            try:
                tr.event_stop(t, P.PTRACE_EVENT_EXIT, status)
            except ProcessExit as k:
                e = k
        tr = self.tracee
        if tr is not None and tr.tracer_pid != self.host.getppid():
            try:
                self.host.channel_send(tr.fd, encode(("exit", status)))
            except LinuxError:
                pass
        return e
