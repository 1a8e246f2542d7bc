"""The one system call table, and dispatch(): every guest system call passes
through here.

Owns: TABLE (Linux x86-64 number -> Entry), the @syscall registration
decorator that builds each entry's argument decoder once from the handler's
annotations, stub() for deliberate refusals, and the Dispatcher that decodes
a call, runs its handler and writes the result (the only place that writes
-errno). docs/SYSCALLS.md is generated from TABLE (tools/gen_syscalls_doc.py).

Hot path: Dispatcher.syscall() does one batch register read, one list
index, one call and one register write. Tracing and timing (--strace,
--stats, and the path record of `lxpack trace`) live in a separate, slower
method chosen once at start-up.

Families are imported on first use (families.py puts an Unbound slot for
each of their numbers): the first call of any of a family's system calls
imports it, its @syscall registrations replace the Unbound slots with real
Entries, and later calls index the real Entry directly (no extra step).
Travels inside bundles: Python 3.9.
"""
import sys
import time

from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES, SYSCALL_NUMBERS
from lxpack.unikernel import errors
from lxpack.unikernel.errors import LinuxError, Interrupted
from lxpack.unikernel.syscall import args as A
from lxpack.runtime.host.api import RUNTIME_FD_BASE

NR_MAX = 512
TABLE = [None] * NR_MAX
# Called with each Entry as it is registered (fdlimit wraps the calls that
# create descriptors, also in families bound after it was installed).
BIND_HOOKS = []
ENOSYS = errors.ENOSYS.errno
EINTR = errors.EINTR.errno
EFAULT = errors.EFAULT.errno

# Descriptor arguments, by parameter name: the guest's descriptors are below
# RUNTIME_FD_BASE, the runtime's own (the VM, /dev/kvm, its pipes and
# streams) above it, where the guest must find nothing (EBADF), as a Linux
# program finds only what it opened or inherited.
FD_PARAMS = frozenset(("fd", "fd2", "dirfd", "olddirfd", "newdirfd", "epfd", "in_fd", "out_fd",
                       "oldfd", "newfd", "sockfd"))
NOT_FD_CHECKED = frozenset(("mmap",))      # mmap ignores fd for anonymous maps


class NoReturn(object):
    """Returned by handlers that set the registers themselves (rt_sigreturn,
    execve): the dispatcher must not write rax."""


NORETURN = NoReturn()


class Entry(object):
    __slots__ = ("nr", "name", "fn", "support", "note", "kinds", "nargs", "decode", "restartable")

    def __init__(self, nr, name, fn, support, note, kinds, restartable, fd_slots=()):
        self.nr = nr
        self.name = name
        self.fn = fn
        self.support = support
        self.note = note
        self.kinds = kinds
        self.nargs = len(kinds)
        self.restartable = restartable
        self.decode = _make_decoder(kinds, fd_slots)


def _make_decoder(kinds, fd_slots=()):
    """A function (task, raw_args) -> handler args, built once per entry.
    fd_slots: the indexes of descriptor arguments (checked against the
    runtime's range before anything else, as Linux looks fds up first)."""
    n = len(kinds)
    convs = [(i, k) for i, k in enumerate(kinds) if k.conv is not None or k.copy_in]
    fds = tuple(i + 1 for i in fd_slots)
    if not convs and not fds:
        return lambda t, raw: raw[1:n + 1]

    def decode(t, raw):
        for i in fds:
            if RUNTIME_FD_BASE <= raw[i] & 0xFFFFFFFF < 0x80000000:
                raise LinuxError(errors.EBADF.errno)
        out = raw[1:n + 1]
        for i, k in convs:
            if k.copy_in:
                v = out[i]
                out[i] = None if v == 0 else t.mem.read_cstr(v, k.limit, k is A.Path)
            else:
                out[i] = k.conv(out[i])
        return out
    return decode


class Unbound(object):
    """A slot whose family is not imported yet. Its first call imports the
    family, whose registrations replace this slot (and its siblings) with
    real Entries, then runs the real handler; the dispatcher never sees it
    again for this number."""
    __slots__ = ("nr", "name", "module", "fn", "restartable")

    def __init__(self, nr, name, module):
        self.nr = nr
        self.name = name
        self.module = module
        self.fn = self._first_call
        self.restartable = True

    @staticmethod
    def decode(t, raw):
        return (raw,)

    def _first_call(self, t, raw):
        e = self.bind()
        return e.fn(t, *e.decode(t, raw))

    def bind(self):
        """Import the family; the real Entry (None if the family did not
        register this number after all: ENOSYS, reported as unimplemented)."""
        __import__(self.module)         # (not importlib: -X importtime shows this one)
        e = TABLE[self.nr]
        if e is self:           # a stale family_index.py: any family may have it
            from lxpack.unikernel.syscall import families
            families.import_all()
            e = TABLE[self.nr]
        if e is self:
            TABLE[self.nr] = e = None
        if e is None:
            raise LinuxError(ENOSYS)
        return e


def bound(nr):
    """TABLE[nr] with its family imported (None: unimplemented)."""
    e = TABLE[nr] if 0 <= nr < NR_MAX else None
    if type(e) is Unbound:
        try:
            e = e.bind()
        except LinuxError:
            return None
    return e


def syscall(name, support="full", note="", restartable=True):
    """Register `fn` as the handler of the Linux system call `name` (its
    number is the guest architecture's, from lxpack.abi).
    restartable: what a signal interrupting it does (Dispatcher._interrupted):
    True restarts it after a handler with SA_RESTART (Linux's ERESTARTSYS),
    "nohand" only when no handler runs (ERESTARTNOHAND and
    ERESTART_RESTARTBLOCK: nanosleep, sigsuspend), False never (EINTR)."""
    nr = SYSCALL_NUMBERS.get(name)
    if nr is None:
        raise ValueError("no Linux system call is named %r" % name)

    def register(fn):
        if TABLE[nr] is not None and type(TABLE[nr]) is not Unbound:
            raise ValueError("syscall %s registered twice" % name)
        ann = fn.__annotations__
        params = fn.__code__.co_varnames[1:fn.__code__.co_argcount]
        kinds = []
        for p in params:
            k = ann.get(p)
            if not (isinstance(k, type) and issubclass(k, A.Kind)):
                raise TypeError("%s: parameter %s has no argument kind" % (fn.__name__, p))
            kinds.append(k)
        fd_slots = () if name in NOT_FD_CHECKED else tuple(i for i, p in enumerate(params) if p in FD_PARAMS)
        TABLE[nr] = e = Entry(nr, name, fn, support, note or (fn.__doc__ or "").strip().split("\n")[0],
                              tuple(kinds), restartable, fd_slots)
        for hook in BIND_HOOKS:
            hook(e)
        return fn
    return register


def stub(name, errno, note):
    """A deliberate refusal: the call always fails with `errno` (documented)."""
    def refuse(t):
        raise LinuxError(errno)
    refuse.__name__ = "sys_" + name
    refuse.__module__ = sys._getframe(1).f_globals["__name__"]    # the family that declared it
    syscall(name, support="stub", note=note)(refuse)


class Stats(object):
    """Counters for --stats: calls, errors and time by syscall number."""

    def __init__(self):
        self.count = [0] * NR_MAX
        self.errors = [0] * NR_MAX
        self.time = [0.0] * NR_MAX
        self.unimplemented = {}


class Dispatcher(object):
    """Calls handlers for one process's tasks. `vcpu.task` names the caller."""

    def __init__(self, strace=None, stats=None, on_unimplemented=None, pathtrace=None):
        self.strace = strace          # a writable text stream, or None
        self.stats = stats            # a Stats, or None
        self.pathtrace = pathtrace    # a kernel.pathtrace.PathTrace (lxpack trace), or None
        self.warned = set()
        self.on_unimplemented = on_unimplemented
        # Parallel backends (kvm): called around guest execution so the
        # unikernel lock is free while this vCPU runs guest code.
        self.guest_enter = None
        self.guest_leave = None
        if strace is not None or stats is not None or pathtrace is not None:
            self.syscall = self._syscall_traced
        self._unptraced = self.syscall

    def set_ptraced(self, on):
        """A traced process (ptrace) passes every call through
        _syscall_ptraced, which stops at entry and exit for its tracer."""
        self.syscall = self._syscall_ptraced if on else self._unptraced

    def syscall(self, vcpu):
        raw = vcpu.syscall_args()
        nr = raw[0] & 0xFFFFFFFF       # the number is eax (Linux: movslq %eax)
        t = vcpu.task
        e = TABLE[nr] if nr < NR_MAX else None
        if e is None:
            vcpu.set_rax(-self._unimplemented(nr))
        else:
            try:
                res = e.fn(t, *e.decode(t, raw))
            except LinuxError as err:
                res = -err.errno
            except Interrupted:
                res = self._interrupted(t, vcpu, e)
            if res is not NORETURN:
                vcpu.set_rax(res)
        if t.wants_stop:
            vcpu.request_stop()

    def _interrupted(self, t, vcpu, e):
        """A blocking call was cut short by a signal: restart it after the
        handler (SA_RESTART) or fail it with EINTR."""
        e = TABLE[e.nr]                      # the real Entry if `e` was Unbound
        t.wants_stop = True
        if t.kernel.inbox:
            t.kernel.drain_signals(t)        # host signals decide too
        if e.restartable and t.signals.should_restart(e.restartable is True):
            t.restart_syscall(vcpu, e.nr)
            return NORETURN
        return -EINTR

    def _unimplemented(self, nr):
        if nr not in self.warned:
            self.warned.add(nr)
            name = SYSCALL_NAMES.get(nr, "?")
            if self.on_unimplemented:
                self.on_unimplemented(nr, name)
        if self.stats is not None:
            self.stats.unimplemented[nr] = self.stats.unimplemented.get(nr, 0) + 1
        return ENOSYS

    def _syscall_traced(self, vcpu):
        raw = vcpu.syscall_args()
        nr = raw[0] & 0xFFFFFFFF       # the number is eax (Linux: movslq %eax)
        t = vcpu.task
        e = bound(nr)           # the family imported before timing starts
        t0 = time.perf_counter()
        args = None
        if e is None:
            res = -self._unimplemented(nr)
            vcpu.set_rax(res)
        else:
            try:
                args = e.decode(t, raw)
                res = e.fn(t, *args)
            except LinuxError as err:
                res = -err.errno
            except Interrupted:
                res = self._interrupted(t, vcpu, e)
            except BaseException as exc:
                if self.strace is not None and type(exc).__name__ != "LeaveHook":
                    self._trace_line(t, nr, e, raw, args, exc)
                raise
            if res is not NORETURN:
                vcpu.set_rax(res)
        if self.stats is not None and nr < NR_MAX:
            self.stats.count[nr] += 1
            self.stats.time[nr] += time.perf_counter() - t0
            if isinstance(res, int) and res < 0:
                self.stats.errors[nr] += 1
        if self.strace is not None:
            self._trace_line(t, nr, e, raw, args, res)
        if self.pathtrace is not None and nr in self.pathtrace.watch:
            self.pathtrace.syscall(t, nr, args, res)
        if t.wants_stop:
            vcpu.request_stop()

    def _syscall_ptraced(self, vcpu):
        """A call of a ptrace tracee: syscall-entry stop (rax -ENOSYS,
        orig_rax the number; the tracer may change the arguments, or skip
        the call with orig_rax -1), the call, syscall-exit stop. An entry
        stop already reported stays owed its exit when the call leaves the
        hook to run again (LeaveHook) or becomes an exec (the run loop)."""
        t = vcpu.task
        tr = t.kernel.tracee
        if tr is None:
            return self._unptraced(vcpu)
        if not tr.entry_done:
            nr = vcpu.syscall_args()[0] & 0xFFFFFFFF
            tr.orig_rax = nr
            if tr.mode == "syscall":
                tr.entry_done = True
                vcpu.set_rax(-ENOSYS)
                tr.syscall_stop(t)
                tr = t.kernel.tracee
                if tr is None:
                    vcpu.set_rax(nr)
                    return self._unptraced(vcpu)
                if tr.orig_rax == -1 or tr.orig_rax < 0:
                    tr.entry_done = False
                    if tr.mode == "syscall":
                        tr.syscall_stop(t)
                    return None
                vcpu.set_rax(tr.orig_rax)
        self._unptraced(vcpu)
        tr = t.kernel.tracee
        if tr is not None and tr.mode == "singlestep":
            tr.stepped(t)                    # the step was the syscall instruction
        if tr is not None and tr.entry_done:
            tr.entry_done = False
            if tr.mode == "syscall":
                tr.syscall_stop(t)
        return None

    def _trace_line(self, t, nr, e, raw, args, res):
        from lxpack.unikernel.syscall import strace
        self.strace.write(strace.format_call(t, nr, e, raw, args, res) + "\n")
        self.strace.flush()
