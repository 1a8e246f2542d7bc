"""Scheduling calls: sched_yield, CPU affinity (kept by the unikernel: a
Mac has no CPU affinity), scheduling policies and parameters (SCHED_OTHER
only), getcpu, and nice values (the host process's).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.time import pack_timespec
from lxpack.unikernel.errors import LinuxError, EINVAL, EPERM, ESRCH
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.syscall.args import Int, Out, Ptr, UInt
from lxpack.unikernel.syscall.resources import absorb
from lxpack.unikernel.syscall.table import syscall


@syscall("sched_yield")
def sys_sched_yield(t):
    """Implements sched_yield(2)."""
    t.kernel.yield_cpu(t)
    return 0


def _sched_target(t, pid, negative=EINVAL):
    """The task a sched_* call names (pid 0: the caller), or None for
    another process that exists; a negative pid is EINVAL (ESRCH for the
    affinity calls, as Linux), a missing one ESRCH."""
    if pid < 0:
        raise negative()
    if pid == 0:
        return t
    own = t.process.tasks.get(pid)
    if own is not None:
        return own
    if pid == t.process.pid:
        return t
    try:
        t.host.kill(pid, 0)           # ESRCH if there is no such process
    except LinuxError as e:
        if e.errno != EPERM.errno:
            raise
    return None


def _all_cpus(t):
    return (1 << t.host.cpu_count()) - 1


@syscall("sched_getaffinity")
def sys_sched_getaffinity(t, pid: Int, size: UInt, mask: Out[Ptr]):
    """Implements sched_getaffinity(2): the mask the thread set (kept by the
    unikernel: a Mac has no CPU affinity), else all host CPUs."""
    n = t.host.cpu_count()
    if size * 8 < n or size & 7:
        raise EINVAL()
    task = _sched_target(t, pid, ESRCH)
    if task is not None:
        absorb(t)
        bits = t.process.affinity.get(task.tid, _all_cpus(t))
    else:
        rec = SESSION.read_record(t.host, pid)
        aff = SESSION.remote_affinity(t.host, rec) if rec is not None else None
        bits = aff if aff is not None else _all_cpus(t)
    data = bits.to_bytes((n + 63) // 64 * 8, "little")
    t.mem.write(mask, data[:size])
    return min(len(data), size)


@syscall("sched_setaffinity")
def sys_sched_setaffinity(t, pid: Int, size: UInt, mask: Ptr):
    """Implements sched_setaffinity(2): recorded for the thread (and read
    back by sched_getaffinity), not applied to the host; for another
    process of the session left as a request its runtime takes up at its
    next limit or affinity call."""
    n = t.host.cpu_count()
    raw = t.mem.read(mask, min(size, (n + 63) // 64 * 8))
    task = _sched_target(t, pid, ESRCH)
    bits = int.from_bytes(raw, "little") & _all_cpus(t)
    if not bits:
        raise EINVAL()                # no CPU of this machine in the set
    if task is not None:
        absorb(t)
        t.process.affinity[task.tid] = bits
        if task.tid == t.process.pid:
            SESSION.publish(t)
    else:
        rec = SESSION.read_record(t.host, pid)
        if rec is not None:
            SESSION.request(t.host, pid, affinity=bits)    # another process of the session
    return 0


@syscall("sched_rr_get_interval")
def sys_sched_rr_get_interval(t, pid: Int, interval: Out[Ptr]):
    """Implements sched_rr_get_interval(2): 0 for SCHED_OTHER, as Linux."""
    _sched_target(t, pid)
    t.mem.write(interval, pack_timespec(0, 0))
    return 0


@syscall("getcpu")
def sys_getcpu(t, cpu: Out[Ptr], node: Out[Ptr], cache: Ptr):
    """Implements getcpu(2): CPU 0, node 0."""
    if cpu:
        t.mem.write_u32(cpu, 0)
    if node:
        t.mem.write_u32(node, 0)
    return 0


@syscall("sched_getscheduler")
def sys_sched_getscheduler(t, pid: Int):
    """Implements sched_getscheduler(2): SCHED_OTHER."""
    if pid < 0:
        raise EINVAL()
    return 0


@syscall("sched_getparam")
def sys_sched_getparam(t, pid: Int, param: Out[Ptr]):
    """Implements sched_getparam(2): priority 0."""
    t.mem.write_i32(param, 0)
    return 0


@syscall("sched_setscheduler")
def sys_sched_setscheduler(t, pid: Int, policy: Int, param: Ptr):
    """Implements sched_setscheduler(2) for SCHED_OTHER/BATCH/IDLE only."""
    if policy & ~0x40000000 not in (0, 3, 5):
        raise EPERM()
    return 0


@syscall("sched_get_priority_max")
def sys_sched_get_priority_max(t, policy: Int):
    """Implements sched_get_priority_max(2)."""
    return 99 if policy in (1, 2) else 0


@syscall("sched_get_priority_min")
def sys_sched_get_priority_min(t, policy: Int):
    """Implements sched_get_priority_min(2)."""
    return 1 if policy in (1, 2) else 0


def _prio_target(t, which, who):
    """(which, who) for the host: a guest thread id is its process on the
    host (one host process per Linux process)."""
    if which not in (0, 1, 2):
        raise EINVAL()
    if which == 0 and who in t.process.tasks:
        who = 0
    return which, who


@syscall("getpriority")
def sys_getpriority(t, which: Int, who: Int):
    """Implements getpriority(2) on the host process, process group or user;
    the raw call returns 20 - nice (1..40), as Linux's does."""
    return 20 - t.host.getpriority(*_prio_target(t, which, who))


@syscall("setpriority")
def sys_setpriority(t, which: Int, who: Int, prio: Int):
    """Implements setpriority(2) on the host (nice clamped to -20..19;
    raising priority needs the host's privilege, else EACCES)."""
    which, who = _prio_target(t, which, who)
    t.host.setpriority(which, who, max(-20, min(19, prio)))
    return 0
