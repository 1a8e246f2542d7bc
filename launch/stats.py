"""--stats plumbing of the composition root: the host wrapper that counts
hypercalls (CountingHost) and the lines --stats prints below the syscall
table (stats_extra: hypercalls, VM exits, in-VM service, the wall-time split).
Travels inside bundles: Python 3.9.
"""
import time


class CountingHost(object):
    """--stats: counts hypercalls (every call into the host layer) by name,
    and the time spent in them (blocking waits included)."""

    def __init__(self, host):
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "counts", {})
        object.__setattr__(self, "seconds", [0.0])

    def __getattr__(self, name):
        val = getattr(self._host, name)
        if callable(val):
            counts = self.counts
            seconds = self.seconds
            clock = time.perf_counter

            def counted(*a, **kw):
                counts[name] = counts.get(name, 0) + 1
                t0 = clock()
                try:
                    return val(*a, **kw)
                finally:
                    seconds[0] += clock() - t0
            object.__setattr__(self, name, counted)
            return counted
        return val

    def __setattr__(self, name, value):
        setattr(self._host, name, value)


def served_inside(t):
    """{nr: calls the guest code served inside the VM} (hardware backends
    with in-VM assistance; {} elsewhere), for the --stats table's in-VM
    and exited columns."""
    assist = t.vcpu.vm.assist
    return assist.fast_counts() if assist is not None else {}


def stats_extra(host, t, t_start, st=None):
    """The lines --stats adds below the syscall table: hypercalls (calls into
    the host layer), VM exits, what the guest code served itself, and the
    wall time split between the guest, the unikernel and the host."""
    from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
    counts = getattr(host, "counts", {})
    total = sum(counts.values())
    top = ", ".join("%s %d" % kv for kv in sorted(counts.items(), key=lambda kv: -kv[1])[:12])
    lines = ["hypercalls: %d (%s)" % (total, top)]
    vcpu = t.vcpu
    vm = vcpu.vm
    exits = vcpu.exits
    if exits is None:
        lines.append("vm exits: none (unicorn: every syscall is served by the emulator's hook)")
    else:
        fast = vm.assist.fast_counts() if vm.assist is not None else {}
        nfast = sum(fast.values())
        lines.append("vm exits: %d; syscalls served inside the VM: %d (%s)" % (
            exits, nfast, ", ".join("%s %d" % (SYSCALL_NAMES.get(nr, nr), c) for nr, c in sorted(fast.items()))
            or "none"))
        lines.append("clock_gettime/gettimeofday/time through the vDSO time page never exit (not counted)")
    sched = t.kernel.sched
    if sched is not None:
        lines.append("threads: %d CPU hand-offs; %d preemptions asked of running guest code (exact), "
                     "%d hard stops (inexact)" % (sched.hand_offs, sched.preemptions, sched.hard_stops))
    wall = time.perf_counter() - t_start
    in_calls = sum(st.time) if st is not None else 0.0
    in_host = min(getattr(host, "seconds", [0.0])[0], in_calls)
    lines.append("wall time: %.3f s = guest %.3f s (its own code, VM entries and exits) + unikernel %.3f s "
                 "(serving system calls) + host %.3f s (hypercalls, blocking waits included)"
                 % (wall, max(0.0, wall - in_calls), in_calls - in_host, in_host))
    return lines
