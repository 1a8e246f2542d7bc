"""/proc/<pid> of the other processes of the lxpack session (what ps,
pgrep and top read), and the live /proc/<pid>/stat fields of any process.

Owns: others_spec (the node table of another process's directory, built
from its registry record, kernel/session.py, and the host's live facts),
session_pids (the pids /proc lists), stat_fields (the stat line's fields
after the command name, shared with /proc/self/stat) and global_stat
(/proc/stat). What another process alone knows (its signal masks, its
mappings, which descriptors are emulated) is not shown: zero masks, no
maps, its descriptors as the host names them.
Travels inside bundles: Python 3.9.
"""
import time

from lxpack.abi.time import CLOCK_BOOTTIME
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel.vfs.nodes import file as _file

_STATE_NAMES = {b"R": "R (running)", b"S": "S (sleeping)", b"D": "D (disk sleep)", b"T": "T (stopped)",
                b"t": "t (tracing stop)", b"Z": "Z (zombie)", b"X": "X (dead)", b"I": "I (idle)"}
_DEFAULT = [b"R", b"0", b"0", b"0", b"0", b"-1", b"4194304"] + [b"0"] * 10 + [b"1"] + [b"0"] * 3 + \
    [b"18446744073709551615"] + [b"0"] * 15 + [b"17"] + [b"0"] * 14
_THREADS, _VSIZE, _RSS = 17, 20, 21


def stat_fields(host, pid, state=None, threads=None, ppid=None):
    """Fields 3.. of /proc/<pid>/stat as bytes: the host's live ones (state,
    times, start time, sizes) where it has them, else defaults; state,
    threads and ppid override. None if the process is gone."""
    facts = host.process_facts(pid)
    if facts is None:
        return None
    f = list(facts) + _DEFAULT[len(facts):]
    if state is not None:
        f[0] = state
    if threads is not None:
        f[_THREADS] = b"%d" % threads
    if ppid is not None and f[1] == b"0":
        f[1] = b"%d" % ppid
    return f


def stat_line(pid, comm, fields):
    return b"%d (%s) " % (pid, comm) + b" ".join(fields) + b"\n"


def session_pids(t):
    """The pids of the session's live processes, this one included."""
    out = {t.process.pid}
    for pid in t.host.session_pids():
        if pid not in out and SESSION.read_record(t.host, pid) is not None:
            out.add(pid)
    return sorted(out)


def global_stat(t):
    """/proc/stat: the host's counters where it has them (a Linux host),
    else zeros; ps and top compute CPU use from their changes."""
    n = t.host.cpu_count()
    counters = t.host.cpu_times()
    boot = int(time.time() - t.host.clock_gettime_ns(CLOCK_BOOTTIME) / 1e9)
    zero = b"0 0 0 0 0 0 0 0 0 0"
    lines = [b"cpu  " + (b" ".join(counters[b"cpu"]) if counters and b"cpu" in counters else zero)]
    for i in range(n):
        key = b"cpu%d" % i
        lines.append(key + b" " + (b" ".join(counters[key]) if counters and key in counters else zero))
    one = lambda name, default: name + b" " + (counters[name][0] if counters and counters.get(name) else default)
    lines += [b"intr 0", one(b"ctxt", b"0"), b"btime %d" % boot, one(b"processes", b"1"),
              one(b"procs_running", b"1"), one(b"procs_blocked", b"0")]
    return b"\n".join(lines) + b"\n"


def _status(t, rec):
    f = stat_fields(t.host, rec.pid, threads=rec.threads, ppid=rec.ppid) or _DEFAULT
    vm = int(f[_VSIZE]) // 1024
    rss = int(f[_RSS]) * 4
    lines = [
        "Name:\t%s" % rec.comm.decode("utf-8", "replace"), "Umask:\t0022",
        "State:\t%s" % _STATE_NAMES.get(f[0], "S (sleeping)"), "Tgid:\t%d" % rec.pid, "Ngid:\t0",
        "Pid:\t%d" % rec.pid, "PPid:\t%s" % f[1].decode(), "TracerPid:\t0",
        "Uid:\t%d\t%d\t%d\t%d" % (rec.uid, rec.euid, rec.euid, rec.euid),
        "Gid:\t%d\t%d\t%d\t%d" % (rec.gid, rec.egid, rec.egid, rec.egid), "FDSize:\t64", "Groups:\t",
        "VmPeak:\t%8d kB" % vm, "VmSize:\t%8d kB" % vm, "VmRSS:\t%8d kB" % rss, "Threads:\t%d" % rec.threads,
        "SigQ:\t0/127431", "SigPnd:\t%016x" % 0, "ShdPnd:\t%016x" % 0, "SigBlk:\t%016x" % 0,
        "SigIgn:\t%016x" % 0, "SigCgt:\t%016x" % 0, "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
        "CapEff:\t0000000000000000", "CapBnd:\t000001ffffffffff", "NoNewPrivs:\t0", "Seccomp:\t0",
        "Cpus_allowed_list:\t0-%d" % (t.host.cpu_count() - 1), "voluntary_ctxt_switches:\t0",
        "nonvoluntary_ctxt_switches:\t0"]
    return ("\n".join(lines) + "\n").encode()


def _stat(t, rec):
    f = stat_fields(t.host, rec.pid, threads=rec.threads, ppid=rec.ppid) or _DEFAULT
    return stat_line(rec.pid, rec.comm, f)


def _statm(t, rec):
    f = stat_fields(t.host, rec.pid) or _DEFAULT
    return b"%d %s 0 0 0 0 0\n" % (int(f[_VSIZE]) // 4096, f[_RSS])


def _zombie(t, rec):
    f = t.host.process_facts(rec.pid)
    return f is not None and f[:1] == [b"Z"]


def _fds(t, rec):
    return {str(fd).encode(): ("link", (lambda target: lambda t: target)(path))
            for fd, path in t.host.process_fds(rec.pid).items() if 0 <= fd < RUNTIME_FD_BASE}


def others_spec(t, rec, shared, want_fds):
    """The ('dir', {...}) node table of another process's /proc directory.
    shared: the per-process entries that read the same for every process
    (mounts, limits...); want_fds: list its descriptors (a walk into fd/)."""
    d = dict(shared)
    d.update({
        b"cmdline": _file(lambda t: b"" if _zombie(t, rec) else b"".join(a + b"\0" for a in rec.argv)),
        b"environ": _file(lambda t: rec.env), b"comm": _file(lambda t: rec.comm + b"\n"),
        b"stat": _file(lambda t: _stat(t, rec)), b"status": _file(lambda t: _status(t, rec)),
        b"statm": _file(lambda t: _statm(t, rec)), b"maps": _file(lambda t: b""), b"auxv": _file(lambda t: b""),
        b"exe": ("link", lambda t: rec.exe), b"cwd": ("link", lambda t: rec.cwd), b"root": ("link", lambda t: b"/"),
        b"fd": ("dir", _fds(t, rec) if want_fds else {}), b"fdinfo": ("dir", {}),
    })
    d[b"task"] = ("dir", {b"%d" % rec.pid: ("dir", dict(d))})
    return ("dir", d)
