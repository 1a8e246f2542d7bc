"""ptrace, the tracee's side: this process is traced by another lxpack
process, so its runtime stops where Linux would (syscall entry and exit,
signal delivery, exec, fork/vfork/clone, exit) and, while stopped, serves
the tracer's requests over their channel.

Every Linux process is its own host process with its own runtime and VM,
so a tracer cannot touch a tracee's registers or memory itself: the two
runtimes talk over a channel (Host.channel_*; a pair is made at every fork,
the child keeping one end and the parent the other, see
kernel/ptrace_tracer.py). A stop is one message to the tracer ("stop",
wait status, event message), a host SIGCHLD to the tracer (Linux's
CLD_TRAPPED notice: a debugger sleeping in sigsuspend or on a SIGCHLD
pipe wakes), then a loop answering requests (peek, poke, registers,
siginfo, options) until a resume (cont, syscall, singlestep, detach) or
kill. Messages are marshal-encoded tuples.

Owns: Tracee (per traced process; Kernel.tracee), encode/decode.
Travels inside bundles: Python 3.9.
"""
import marshal
import struct

from lxpack.abi import ptrace as P
from lxpack.abi.errno import EINVAL, EIO
from lxpack.abi.mman import PROT_WRITE
from lxpack.abi.signal import TRAP_TRACE, USER_CS, USER_DS, X86_EFLAGS_TF
from lxpack.unikernel.errors import LinuxError, ProcessExit
from lxpack.unikernel.kernel import signals as S

PAGE = 4096
# Registers user_regs_struct shows that the vCPU does not hold.
_SEGMENTS = {"cs": USER_CS, "ss": USER_DS, "ds": 0, "es": 0, "fs": 0, "gs": 0}
_RESUME = frozenset(("cont", "syscall", "singlestep", "detach"))


def encode(msg):
    return marshal.dumps(msg)


def decode(data):
    return marshal.loads(data)


def stop_status(sig, event=0):
    """The wait status of a ptrace stop: WIFSTOPPED, WSTOPSIG sig, event<<16."""
    return ((event << 8 | sig) << 8) | 0x7f


class Tracee(object):
    """The link of this process to its tracer. mode: what the last resume
    asked for ("cont", "syscall", "singlestep"); entry_done: a syscall-entry
    stop was reported for the call being served (its exit stop is owed)."""

    def __init__(self, kernel, fd, tracer_pid, options=0, seized=False):
        self.kernel = kernel
        self.fd = fd
        self.tracer_pid = tracer_pid
        self.options = options
        self.seized = seized
        self.mode = "cont"
        self.entry_done = False
        self.orig_rax = -1
        self.eventmsg = 0
        self.siginfo = None
        self.debugreg = [0] * 8

    # -- stopping ----------------------------------------------------------------------
    def stop(self, t, status, info=None, fds=()):
        """Report a stop and serve the tracer until it resumes this process.
        Returns the signal the resume carries (0: none). A tracer gone is a
        detach (PTRACE_O_EXITKILL: a SIGKILL)."""
        h = t.host
        self.siginfo = info
        try:
            h.channel_send(self.fd, encode(("stop", status, self.eventmsg)), fds)
        except LinuxError:
            return self._tracer_gone(t)
        try:
            h.kill(self.tracer_pid, S.SIGCHLD)
        except LinuxError:
            pass
        while True:
            try:
                got = h.channel_recv(self.fd, True)
            except LinuxError:
                return self._tracer_gone(t)
            msg = decode(got[0])
            op = msg[0]
            if op in _RESUME:
                sig = msg[1]
                if op == "detach":
                    self.kernel.ptrace_detached(t)
                else:
                    self.mode = op
                self._trap_flag(t, op == "singlestep")
                return sig
            if op == "kill":
                raise ProcessExit(signal=S.SIGKILL)
            try:
                reply = ("ok", self.serve(t, msg))
            except LinuxError as e:
                reply = ("err", e.errno)
            try:
                h.channel_send(self.fd, encode(reply))
            except LinuxError:
                return self._tracer_gone(t)

    def _trap_flag(self, t, on):
        """PTRACE_SINGLESTEP: the CPU's trap flag, a #DB after one
        instruction (the run loop makes it a SIGTRAP, TRAP_TRACE)."""
        v = t.vcpu
        fl = v.get_regs()["rflags"]
        want = (fl | X86_EFLAGS_TF) if on else (fl & ~X86_EFLAGS_TF)
        if want != fl:
            v.set_regs({"rflags": want})

    def stepped(self, t):
        """The single step ended (a #DB, or a syscall served meanwhile)."""
        self._trap_flag(t, False)
        self.mode = "cont"
        t.signals.queue(S.SIGTRAP, S.siginfo(S.SIGTRAP, TRAP_TRACE))
        t.wants_stop = True

    def _tracer_gone(self, t):
        if self.options & P.PTRACE_O_EXITKILL:
            raise ProcessExit(signal=S.SIGKILL)
        self.kernel.ptrace_detached(t)
        return 0

    def signal_stop(self, t, sig, info):
        """Signal-delivery-stop: the tracer may pass sig on, change or drop it."""
        return self.stop(t, stop_status(sig), info)

    def event_stop(self, t, event, msg=0, fds=()):
        self.eventmsg = msg
        return self.stop(t, stop_status(S.SIGTRAP, event), S.siginfo(S.SIGTRAP, S.SI_USER), fds)

    def syscall_stop(self, t):
        sig = S.SIGTRAP | (0x80 if self.options & P.PTRACE_O_TRACESYSGOOD else 0)
        self.stop(t, stop_status(sig), S.siginfo(S.SIGTRAP, sig))

    # -- serving requests --------------------------------------------------------------
    def serve(self, t, msg):
        op = msg[0]
        v = t.vcpu
        if op == "peek":
            return struct.unpack("<Q", self._read(t, msg[1], 8))[0]
        if op == "poke":
            force_write(t, msg[1], struct.pack("<Q", msg[2] & 0xFFFFFFFFFFFFFFFF))
            return 0
        if op == "readmem":
            return read_mem(t, msg[1], msg[2])
        if op == "writemem":
            force_write(t, msg[1], msg[2])
            return len(msg[2])
        if op == "procfile":
            return self.kernel.proc_file(t, msg[1])
        if op == "getregs":
            return P.USER_REGS_STRUCT.pack(*self._user_regs(v))
        if op == "setregs":
            self._set_user_regs(v, P.USER_REGS_STRUCT.unpack(msg[1]))
            return 0
        if op == "peekuser":
            return self._peek_user(v, msg[1])
        if op == "pokeuser":
            return self._poke_user(v, msg[1], msg[2])
        if op == "getfpregs":
            return bytes(v.get_fpu_state())
        if op == "setfpregs":
            v.set_fpu_state(msg[1])
            return 0
        if op == "getsiginfo":
            if self.siginfo is None:
                raise LinuxError(EINVAL)
            return self.siginfo
        if op == "setsiginfo":
            self.siginfo = msg[1]
            return 0
        if op == "setoptions":
            self.options = msg[1]
            return 0
        if op == "geteventmsg":
            return self.eventmsg
        if op == "getsigmask":
            return t.signals.mask
        if op == "readv":
            return self._readv(t, msg[1])
        if op == "writev":
            return self._writev(t, msg[1])
        raise LinuxError(EIO)

    def _read(self, t, addr, size):
        try:
            return t.mem.read(addr, size)
        except LinuxError:
            raise LinuxError(EIO)

    def _readv(self, t, ranges):
        out = []
        for addr, size in ranges:
            got = read_partial(t, addr, size)
            out.append(got)
            if len(got) < size:
                break
        return out

    def _writev(self, t, chunks):
        n = 0
        for addr, data in chunks:
            try:
                t.mem.write(addr, data)
            except LinuxError:
                break
            n += len(data)
        return n

    def _user_regs(self, v):
        r = v.get_regs()
        out = []
        for name in P.USER_REGS:
            if name == "orig_rax":
                val = self.orig_rax
            elif name == "eflags":
                val = r["rflags"]
            elif name in _SEGMENTS:
                val = _SEGMENTS[name]
            else:
                val = r[name]
            out.append(val & 0xFFFFFFFFFFFFFFFF)
        return out

    def _set_user_regs(self, v, vals):
        cur = self._user_regs(v)
        changed = {}
        for name, new, old in zip(P.USER_REGS, vals, cur):
            if new == old or name in _SEGMENTS:
                continue
            if name == "orig_rax":
                self.orig_rax = new - (1 << 64) if new >= 1 << 63 else new
            elif name == "eflags":
                changed["rflags"] = new
            else:
                changed[name] = new
        if changed:
            v.set_regs(changed)

    def _peek_user(self, v, off):
        if off & 7 or not 0 <= off < P.USER_SIZE:
            raise LinuxError(EIO)
        if off < P.USER_REGS_STRUCT.size:
            return self._user_regs(v)[off // 8]
        if P.USER_DEBUGREG_OFFSET <= off < P.USER_DEBUGREG_OFFSET + 64:
            return self.debugreg[(off - P.USER_DEBUGREG_OFFSET) // 8]
        return 0

    def _poke_user(self, v, off, val):
        if off & 7 or not 0 <= off < P.USER_SIZE:
            raise LinuxError(EIO)
        if off < P.USER_REGS_STRUCT.size:
            vals = self._user_regs(v)
            vals[off // 8] = val & 0xFFFFFFFFFFFFFFFF
            self._set_user_regs(v, vals)
        elif P.USER_DEBUGREG_OFFSET <= off < P.USER_DEBUGREG_OFFSET + 64:
            # Hardware watchpoints are not offered: kept, never armed.
            self.debugreg[(off - P.USER_DEBUGREG_OFFSET) // 8] = val
        return 0


def read_partial(t, addr, size):
    """As much of [addr, addr+size) as is readable, page by page."""
    try:
        return t.mem.read(addr, size)
    except LinuxError:
        pass
    got = b""
    a = addr
    while a < addr + size:
        n = min(PAGE - (a & (PAGE - 1)), addr + size - a)
        try:
            got += t.mem.read(a, n)
        except LinuxError:
            break
        a += n
    return got


def read_mem(t, addr, size):
    """/proc/PID/mem's read: EIO when nothing at addr is readable."""
    got = read_partial(t, addr, size)
    if size and not got:
        raise LinuxError(EIO)
    return got


def force_write(t, addr, data):
    """A debugger's write: read-only private pages too (breakpoints in
    text, as Linux's FOLL_FORCE), by lifting the protection meanwhile."""
    mm = t.mem
    try:
        mm.write(addr, data)
        return
    except LinuxError:
        pass
    v = mm.find(addr)
    if v is None or v.shared or mm.find(addr + len(data) - 1) is not v:
        raise LinuxError(EIO)
    lo = addr & ~(PAGE - 1)
    hi = (addr + len(data) + PAGE - 1) & ~(PAGE - 1)
    prot = v.prot
    try:
        mm.protect(lo, hi - lo, prot | PROT_WRITE)
        mm.write(addr, data)
    except LinuxError:
        raise LinuxError(EIO)
    finally:
        mm.protect(lo, hi - lo, prot)
    t.vcpu.vm.code_written(addr, len(data))
