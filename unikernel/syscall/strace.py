"""strace-style lines for --strace, and the --stats table, both derived from
the syscall table's entries (names and argument kinds): no second table.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.errno import ERRNO_NAMES
from lxpack.abi.syscalls_x86_64 import SYSCALL_NAMES
from lxpack.unikernel.syscall import table as T
from lxpack.unikernel.errors import ProcessExit, TaskExit


def _fmt_args(e, raw, args):
    if e is None:
        return ", ".join("%#x" % v for v in raw[1:7])
    vals = args if args is not None else raw[1:e.nargs + 1]
    return ", ".join(k.fmt(v) for k, v in zip(e.kinds, vals))


def format_result(res):
    if res is T.NORETURN:
        return "?"
    if isinstance(res, ProcessExit):
        return "?\n+++ exited with %d +++" % res.status if not res.signal else "?\n+++ killed by signal %d +++" % res.signal
    if isinstance(res, TaskExit):
        return "?"
    if isinstance(res, BaseException):
        return "? <%s>" % type(res).__name__
    if -4096 < res < 0:
        return "-1 %s" % ERRNO_NAMES.get(-res, str(-res))
    if res > 0xffff:
        return "%#x" % res
    return str(res)


def format_call(t, nr, e, raw, args, res):
    name = e.name if e is not None else SYSCALL_NAMES.get(nr, "syscall_%d" % nr)
    line = "[pid %d] %s(%s) = %s" % (t.tid, name, _fmt_args(e, raw, args), format_result(res))
    if e is None:
        line += " (unimplemented)"
    return line


def format_stats(stats, extra=None, inside=None):
    """The --stats table as text lines. inside: {nr: calls served inside
    the VM} (hardware backends): then each row also says how many of its
    calls the guest code served without an exit and how many exited (the
    time columns are the exited calls', the only ones the unikernel saw)."""
    rows = []
    total_calls = 0
    total_time = 0.0
    inside = inside or {}
    for nr in range(T.NR_MAX):
        c = stats.count[nr]
        if c or inside.get(nr):
            rows.append((stats.time[nr], c, stats.errors[nr], SYSCALL_NAMES.get(nr, str(nr)), inside.get(nr, 0)))
            total_calls += c
            total_time += stats.time[nr]
    rows.sort(reverse=True)
    head = "% time     seconds  usecs/call     calls    errors syscall"
    rule = "------ ----------- ----------- --------- --------- ----------------"
    if inside:
        head = "% time     seconds  usecs/call     calls    errors    in-VM    exited syscall"
        rule = "------ ----------- ----------- --------- --------- -------- --------- ----------------"
    out = [head, rule]
    for tm, c, err, name, vm in rows:
        pct = 100.0 * tm / total_time if total_time else 0.0
        if inside:
            out.append("%6.2f %11.6f %11d %9d %9s %8d %9d %s" % (pct, tm, int(tm * 1e6 / c) if c else 0, c + vm,
                                                            err or "", vm, c, name))
        else:
            out.append("%6.2f %11.6f %11d %9d %9s %s" % (pct, tm, int(tm * 1e6 / c), c, err or "", name))
    out.append(rule)
    if inside:
        nvm = sum(inside.values())
        out.append("100.00 %11.6f %11s %9d %9s %8d %9d total" % (total_time, "", total_calls + nvm, "", nvm,
                                                                total_calls))
    else:
        out.append("100.00 %11.6f %11s %9d %9s total" % (total_time, "", total_calls, ""))
    if stats.unimplemented:
        out.append("unimplemented: " + ", ".join(
            "%s(%d) x%d" % (SYSCALL_NAMES.get(nr, "?"), nr, c) for nr, c in sorted(stats.unimplemented.items())))
    if extra:
        out.extend(extra)
    return out
