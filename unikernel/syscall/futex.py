"""futex(2): the wait/wake primitive threads synchronise with.

futex keys are guest virtual addresses of this process (FUTEX_PRIVATE_FLAG
is accepted either way: one host process per Linux process means no other
process shares them, except through shared mappings: there a wait watches
the word itself, since the waker may be another host process). The wait queue lives in
t.kernel.futexes when a scheduler with several threads exists; with one
thread a matching wait can only end by timeout or signal.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.futex import (FUTEX_BITSET_MATCH_ANY, FUTEX_CLOCK_REALTIME, FUTEX_CMP_REQUEUE, FUTEX_PRIVATE_FLAG,
                              FUTEX_REQUEUE, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_BITSET,
                              FUTEX_WAKE_OP)
from lxpack.abi.time import CLOCK_MONOTONIC, CLOCK_REALTIME, NSEC_PER_SEC, TIMESPEC, unpack_timespec_ns
from lxpack.unikernel.errors import EAGAIN, EINVAL, ENOSYS, ETIMEDOUT
from lxpack.unikernel.syscall.args import Int, Ptr, UInt, ULong
from lxpack.unikernel.syscall.table import syscall


def _timeout_deadline(t, op, utime, clock_realtime):
    """Absolute deadline in ns on the clock used, or None for no timeout."""
    if not utime:
        return None, CLOCK_MONOTONIC
    ns = unpack_timespec_ns(t.mem.read(utime, TIMESPEC.size))
    if ns is None:
        raise EINVAL()
    if op == FUTEX_WAIT_BITSET:
        clock = CLOCK_REALTIME if clock_realtime else CLOCK_MONOTONIC
        return ns, clock
    return t.host.clock_gettime_ns(CLOCK_MONOTONIC) + ns, CLOCK_MONOTONIC


SHARED_POLL_MIN_NS = 20 * 1000
SHARED_POLL_MAX_NS = 2 * 1000 * 1000


def _shared_wait(t, uaddr, val, deadline, clock):
    """FUTEX_WAIT on memory shared with other processes (MAP_SHARED): the
    waker may be another host process, so watch the word itself, backing
    off to 2 ms. Every futex user changes the word before waking (a
    spurious 0 is allowed), so a changed word ends the wait."""
    delay = SHARED_POLL_MIN_NS
    host = t.host
    while True:
        if t.mem.read_u32(uaddr) != val:
            return 0
        if deadline is None:
            nap = delay
        else:
            left = deadline - host.clock_gettime_ns(clock)
            if left <= 0:
                raise ETIMEDOUT()
            nap = min(delay, left)
        host.sleep_ns(nap)           # without the CPU; a signal ends it (Interrupted)
        delay = min(delay * 2, SHARED_POLL_MAX_NS)


@syscall("futex", support="partial", note="no PI futexes; across processes (shared memory) by polling")
def sys_futex(t, uaddr: Ptr, op: Int, val: UInt, utime: ULong, uaddr2: Ptr, val3: UInt):
    """Implements futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE,
    CMP_REQUEUE, WAKE_OP."""
    cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
    if uaddr & 3:
        raise EINVAL()
    sched = getattr(t.kernel, "futexes", None)
    if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        if cmd == FUTEX_WAIT_BITSET and val3 == 0:
            raise EINVAL()
        bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAIT else val3
        deadline, clock = _timeout_deadline(t, cmd, utime, op & FUTEX_CLOCK_REALTIME)
        if t.mem.read_u32(uaddr) != val:
            raise EAGAIN()
        v = t.mem.find(uaddr)
        if v is not None and v.shared:
            return _shared_wait(t, uaddr, val, deadline, clock)
        if sched is not None:
            return sched.wait(t, uaddr, bitset, deadline, clock)
        # A single thread: nobody can wake us but a signal or the clock.
        while True:
            if deadline is None:
                left = 3600 * NSEC_PER_SEC
            else:
                left = deadline - t.host.clock_gettime_ns(clock)
                if left <= 0:
                    raise ETIMEDOUT()
            t.host.sleep_ns(left)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        if cmd == FUTEX_WAKE_BITSET and val3 == 0:
            raise EINVAL()
        if sched is None:
            return 0
        return sched.wake(t, uaddr, val, FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAKE else val3)
    if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        if cmd == FUTEX_CMP_REQUEUE and t.mem.read_u32(uaddr) != val3:
            raise EAGAIN()
        if sched is None:
            return 0
        return sched.requeue(t, uaddr, uaddr2, val, utime & 0x7fffffff)
    if cmd == FUTEX_WAKE_OP:
        old = t.mem.read_u32(uaddr2)
        encoded_op = val3
        opn = (encoded_op >> 28) & 7
        oparg = (encoded_op >> 12) & 0xfff
        if encoded_op & (8 << 28):
            oparg = 1 << oparg
        cmp_ = (encoded_op >> 24) & 15
        cmparg = encoded_op & 0xfff
        if oparg & 0x800:
            oparg -= 0x1000
        if cmparg & 0x800:
            cmparg -= 0x1000
        new = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg, 4: old ^ oparg}.get(opn)
        if new is None:
            raise ENOSYS()
        t.mem.write_u32(uaddr2, new & 0xFFFFFFFF)
        sold = old - (1 << 32) if old & 0x80000000 else old
        cond = {0: sold == cmparg, 1: sold != cmparg, 2: sold < cmparg, 3: sold <= cmparg,
                4: sold > cmparg, 5: sold >= cmparg}.get(cmp_)
        if cond is None:
            raise ENOSYS()
        if sched is None:
            return 0
        n = sched.wake(t, uaddr, val, FUTEX_BITSET_MATCH_ANY)
        if cond:
            n += sched.wake(t, uaddr2, utime & 0x7fffffff, FUTEX_BITSET_MATCH_ANY)
        return n
    raise ENOSYS()
