"""Process tracing: ptrace, process_vm_readv, process_vm_writev.

Between lxpack processes only: the tracee is another host process with its
own runtime, reached over the channel its fork made (kernel/ptrace_tracer.py
sends the requests, kernel/ptrace_tracee.py serves them while the tracee is
stopped). A process can be traced by its parent (PTRACE_TRACEME) and, with
the fork event options, its tracer auto-attaches its children.
Travels inside bundles: Python 3.9.
"""
import struct

from lxpack.abi import ptrace as P
from lxpack.unikernel.kernel import signals as S
from lxpack.unikernel.errors import EFAULT, EINVAL, EIO, EPERM, ESRCH
from lxpack.unikernel.syscall.args import Int, Long, Ptr, ULong
from lxpack.unikernel.syscall.table import syscall

_PEEK = (P.PTRACE_PEEKTEXT, P.PTRACE_PEEKDATA)
_POKE = (P.PTRACE_POKETEXT, P.PTRACE_POKEDATA)
_RESUME = {P.PTRACE_CONT: "cont", P.PTRACE_SYSCALL: "syscall", P.PTRACE_SINGLESTEP: "singlestep",
           P.PTRACE_DETACH: "detach"}
_IOVEC = struct.Struct("<QQ")


def _regset(t, tracer, pid, note, iov, write):
    """PTRACE_GETREGSET/SETREGSET: NT_PRSTATUS (user_regs_struct) and
    NT_PRFPREG (the FXSAVE area), through a struct iovec whose length is
    updated as Linux does."""
    base, length = _IOVEC.unpack(t.mem.read(iov, 16))
    if note == P.NT_PRSTATUS:
        size, get, put = P.USER_REGS_STRUCT.size, "getregs", "setregs"
    elif note == P.NT_PRFPREG:
        size, get, put = P.USER_FPREGS_SIZE, "getfpregs", "setfpregs"
    else:
        raise EINVAL()                  # NT_X86_XSTATE & co: debuggers fall back to the FXSAVE area
    n = min(length, size)
    if write:
        if n < size:
            cur = tracer.request(pid, get)
            data = t.mem.read(base, n) + cur[n:]
        else:
            data = t.mem.read(base, size)
        tracer.request(pid, put, data)
    else:
        t.mem.write(base, tracer.request(pid, get)[:n])
    t.mem.write(iov + 8, struct.pack("<Q", n))
    return 0


@syscall("ptrace", support="partial",
         note="between lxpack processes: TRACEME, stops, peek/poke, registers, events; not ATTACH/SEIZE")
def sys_ptrace(t, request: Long, pid: Int, addr: Ptr, data: ULong):
    """Implements ptrace(2) between lxpack processes (TRACEME; syscall, signal,
    exec, fork/clone and exit stops; PEEK/POKE, registers, siginfo, options).
    Differences: ATTACH/SEIZE of a running process is EPERM, SINGLESTEP runs
    to the next stop, hardware debug registers are kept but never armed."""
    k = t.kernel
    if request == P.PTRACE_TRACEME:
        if k.tracee is not None or k.up_channel is None:
            raise EPERM()                  # already traced, or no lxpack parent
        k.become_traced(t, k.up_channel, t.host.getppid())
        return 0
    if request in (P.PTRACE_ATTACH, P.PTRACE_SEIZE, P.PTRACE_INTERRUPT):
        # Attaching needs the running tracee's runtime to notice at once.
        raise EPERM()
    tracer = k.tracer
    if tracer is None:
        raise ESRCH()
    if request == P.PTRACE_KILL:
        tracer.kill(pid)
        return 0
    if request in _PEEK or request == P.PTRACE_PEEKUSR:
        op = "peek" if request in _PEEK else "peekuser"
        val = tracer.request(pid, op, addr)
        t.mem.write_u64(data, val)
        return 0
    if request in _POKE:
        return tracer.request(pid, "poke", addr, data)
    if request == P.PTRACE_POKEUSR:
        return tracer.request(pid, "pokeuser", addr, data)
    if request == P.PTRACE_GETREGS:
        t.mem.write(data, tracer.request(pid, "getregs"))
        return 0
    if request == P.PTRACE_SETREGS:
        tracer.request(pid, "setregs", t.mem.read(data, P.USER_REGS_STRUCT.size))
        return 0
    if request == P.PTRACE_GETFPREGS:
        t.mem.write(data, tracer.request(pid, "getfpregs"))
        return 0
    if request == P.PTRACE_SETFPREGS:
        tracer.request(pid, "setfpregs", t.mem.read(data, P.USER_FPREGS_SIZE))
        return 0
    if request in (P.PTRACE_GETREGSET, P.PTRACE_SETREGSET):
        return _regset(t, tracer, pid, addr, data, request == P.PTRACE_SETREGSET)
    if request == P.PTRACE_GETSIGINFO:
        t.mem.write(data, tracer.request(pid, "getsiginfo"))
        return 0
    if request == P.PTRACE_SETSIGINFO:
        tracer.request(pid, "setsiginfo", t.mem.read(data, 128))
        return 0
    if request == P.PTRACE_SETOPTIONS:
        if data & ~P.PTRACE_O_MASK:
            raise EINVAL()
        return tracer.request(pid, "setoptions", data)
    if request == P.PTRACE_GETEVENTMSG:
        t.mem.write_u64(data, tracer.request(pid, "geteventmsg"))
        return 0
    if request == P.PTRACE_GETSIGMASK:
        if addr != 8:
            raise EINVAL()
        t.mem.write_u64(data, tracer.request(pid, "getsigmask"))
        return 0
    how = _RESUME.get(request)
    if how is not None:
        if data > S.NSIG:
            raise EIO()
        tracer.resume(pid, how, data)
        return 0
    raise EIO()


def _iov(t, addr, count):
    if count > 1024:
        raise EINVAL()
    if count == 0:
        return []
    raw = t.mem.read(addr, 16 * count)
    return [_IOVEC.unpack_from(raw, 16 * i) for i in range(count)]


def _remote(t, pid):
    tracer = t.kernel.tracer
    if tracer is None or pid not in tracer.tracees:
        raise ESRCH() if pid != t.process.pid else EPERM()
    return tracer


@syscall("process_vm_readv", support="partial", note="the own process or a stopped tracee")
def sys_process_vm_readv(t, pid: Int, local_iov: Ptr, liovcnt: ULong, remote_iov: Ptr, riovcnt: ULong,
                         flags: ULong):
    """Implements process_vm_readv(2) for the calling process and its stopped
    tracees (served by the tracee's runtime)."""
    if flags:
        raise EINVAL()
    local = _iov(t, local_iov, liovcnt)
    remote = _iov(t, remote_iov, riovcnt)
    if pid == t.process.pid:
        chunks = []
        for a, n in remote:
            try:
                chunks.append(t.mem.read(a, n))
            except EFAULT:
                break
    else:
        chunks = _remote(t, pid).request(pid, "readv", [(a, n) for a, n in remote if n])
    data = b"".join(chunks)
    if not data and any(n for _a, n in remote):
        raise EFAULT()
    off = 0
    for base, n in local:
        if off >= len(data):
            break
        part = data[off:off + n]
        t.mem.write(base, part)
        off += len(part)
    return off


@syscall("process_vm_writev", support="partial", note="the own process or a stopped tracee")
def sys_process_vm_writev(t, pid: Int, local_iov: Ptr, liovcnt: ULong, remote_iov: Ptr, riovcnt: ULong,
                          flags: ULong):
    """Implements process_vm_writev(2) for the calling process and its stopped tracees."""
    if flags:
        raise EINVAL()
    data = b"".join(t.mem.read(a, n) for a, n in _iov(t, local_iov, liovcnt) if n)
    out = []
    off = 0
    for a, n in _iov(t, remote_iov, riovcnt):
        if off >= len(data):
            break
        out.append((a, data[off:off + n]))
        off += n
    if pid == t.process.pid:
        done = 0
        for a, chunk in out:
            try:
                t.mem.write(a, chunk)
            except EFAULT:
                break
            done += len(chunk)
    else:
        done = _remote(t, pid).request(pid, "writev", out)
    if not done and data:
        raise EFAULT()
    return done
