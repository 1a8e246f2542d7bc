"""The emulated /proc (DESIGN: never the host's /proc, which macOS does not
have).

Owns: the tree of nodes under /proc (other processes of the session:
procfs_others.py; self and the own PID: exe, cwd, root,
cmdline, environ, maps, fd/, fdinfo/, stat, statm, status, comm, auxv,
mounts, mountinfo; cpuinfo, meminfo, stat, uptime, loadavg, filesystems,
mounts, version, sys/kernel/*), what an open /proc directory is called
(link_name), and /proc inode numbers (inode: a digest of the path, so every
process sees the same number for the same file, as on Linux). The node
kinds are nodes.py's; /sys is sysfs.py, /dev devfs.py.
Travels inside bundles: Python 3.9.
"""

from lxpack.abi.stat import DT_DIR, DT_LNK
from lxpack.abi.time import CLOCK_BOOTTIME
from lxpack.unikernel.errors import ENOENT, LinuxError
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel.vfs import procfs_others as OTHERS
from lxpack.unikernel.kernel.vfs.nodes import Node, dtype as _dtype, file as _file, path_inode, walk as _walk

KERNEL_RELEASE = b"6.1.0-lxpack"
KERNEL_VERSION = b"#1 SMP PREEMPT_DYNAMIC lxpack"


def _cpuinfo(t):
    k = t.kernel
    n = t.host.cpu_count()
    out = []
    for i in range(n):
        out.append("processor\t: %d\nvendor_id\t: %s\ncpu family\t: 6\nmodel\t\t: 0\nmodel name\t: %s\n"
                   "stepping\t: 0\ncpu MHz\t\t: 2000.000\ncache size\t: 512 KB\nphysical id\t: 0\n"
                   "siblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\nfpu\t\t: yes\n"
                   "fpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\nflags\t\t: %s\nbogomips\t: 4000.00\n"
                   "clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\n"
                   "power management:\n\n" % (i, k.cpu.vendor, k.cpu.model_name, n, i, n, i, k.cpu.flags_text))
    return "".join(out).encode()


def _meminfo(t):
    total, avail = t.host.memory()
    kb = lambda v: v // 1024
    rows = [("MemTotal", kb(total)), ("MemFree", kb(avail)), ("MemAvailable", kb(avail)), ("Buffers", 0),
            ("Cached", 0), ("SwapCached", 0), ("Active", 0), ("Inactive", 0), ("SwapTotal", 0), ("SwapFree", 0),
            ("Dirty", 0), ("Shmem", 0), ("CommitLimit", kb(total)), ("Committed_AS", 0),
            ("VmallocTotal", 34359738367), ("HugePages_Total", 0), ("Hugepagesize", 2048)]
    return "".join("%-16s%8d kB\n" % (k + ":", v) if not k.startswith("HugePages") else "%-16s%8d\n" % (k + ":", v)
                   for k, v in rows).encode()


def _uptime(t):
    up = t.host.clock_gettime_ns(CLOCK_BOOTTIME) / 1e9
    return ("%.2f %.2f\n" % (up, up * t.host.cpu_count())).encode()


def _loadavg(t):
    a, b, c = t.host.loadavg()
    return ("%.2f %.2f %.2f 1/100 %d\n" % (a, b, c, t.process.pid)).encode()


def _mounts(t):
    return b"/dev/root / ext4 rw,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n" \
           b"sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\ntmpfs /dev tmpfs rw,nosuid 0 0\n"


def _mountinfo(t):
    return b"1 0 0:1 / / rw,relatime - ext4 /dev/root rw\n2 1 0:2 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n" \
           b"3 1 0:3 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n4 1 0:4 / /dev rw,nosuid - tmpfs tmpfs rw\n"


def _version(t):
    u = t.kernel.uname()
    return b"Linux version " + u[2] + b" (lxpack) " + u[3] + b"\n"


def _cmdline(t):
    return b"".join(a + b"\0" for a in t.process.argv)


def _environ(t):
    return b"".join(e + b"\0" for e in t.process.envp)


def _comm(t):
    return t.process.comm + b"\n"


def _proc_stat(t):
    p = t.process
    f = OTHERS.stat_fields(t.host, p.pid, state=b"R", threads=len(p.tasks) or 1)
    if f is None:           # no live facts from the host: what the process knows itself
        h = t.host
        fields = ["R", h.getppid(), h.getpgid(0), h.getsid(0), 0, -1, 4194304, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0,
                  len(p.tasks) or 1, 0, 0, 0, 0, 18446744073709551615, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0,
                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        f = [str(x).encode() for x in fields]
    return OTHERS.stat_line(p.pid, p.comm, f)


def _statm(t):
    pages = sum(v.end - v.start for v in t.process.mm.synced_vmas()) // 4096
    return ("%d 0 0 0 0 0 0\n" % pages).encode()


def _status(t):
    p = t.process
    h = t.host
    uid, euid, gid, egid = h.getuid(), h.geteuid(), h.getgid(), h.getegid()
    vm = sum(v.end - v.start for v in p.mm.synced_vmas()) // 1024
    sigs = t.signals
    lines = [
        "Name:\t%s" % p.comm.decode("utf-8", "replace"), "Umask:\t0022", "State:\tR (running)",
        "Tgid:\t%d" % p.pid, "Ngid:\t0", "Pid:\t%d" % t.tid, "PPid:\t%d" % h.getppid(), "TracerPid:\t0",
        "Uid:\t%d\t%d\t%d\t%d" % (uid, euid, euid, euid), "Gid:\t%d\t%d\t%d\t%d" % (gid, egid, egid, egid),
        "FDSize:\t64", "Groups:\t" + " ".join(str(g) for g in h.getgroups()),
        "VmPeak:\t%8d kB" % vm, "VmSize:\t%8d kB" % vm, "VmRSS:\t%8d kB" % vm, "Threads:\t%d" % (len(p.tasks) or 1),
        "SigQ:\t0/127431", "SigPnd:\t%016x" % (sigs.pending_mask() if sigs else 0),
        "ShdPnd:\t0000000000000000", "SigBlk:\t%016x" % (sigs.mask if sigs else 0),
        "SigIgn:\t%016x" % (p.sigactions.ignored_mask() if p.sigactions else 0),
        "SigCgt:\t%016x" % (p.sigactions.caught_mask() if p.sigactions else 0),
        "CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
        "CapBnd:\t000001ffffffffff", "NoNewPrivs:\t0", "Seccomp:\t0",
        "Cpus_allowed_list:\t0-%d" % (h.cpu_count() - 1), "voluntary_ctxt_switches:\t0",
        "nonvoluntary_ctxt_switches:\t0"]
    return ("\n".join(lines) + "\n").encode()


def _maps(t):
    return t.process.mm.maps_text().encode()


def _auxv(t):
    return t.process.auxv


def _uname_field(i):
    return lambda t: t.kernel.uname()[i] + b"\n"


_GLOBAL = {
    b"cpuinfo": _file(_cpuinfo), b"meminfo": _file(_meminfo), b"uptime": _file(_uptime),
    b"loadavg": _file(_loadavg), b"stat": _file(OTHERS.global_stat), b"mounts": _file(_mounts),
    b"version": _file(_version), b"filesystems": _file(lambda t: b"nodev\tsysfs\nnodev\tproc\nnodev\ttmpfs\n\text4\n"),
    b"sys": ("dir", {
        b"kernel": ("dir", {
            b"osrelease": _file(_uname_field(2)), b"ostype": _file(lambda t: b"Linux\n"),
            b"version": _file(_uname_field(3)), b"hostname": _file(_uname_field(1)),
            b"pid_max": _file(lambda t: b"4194304\n"), b"ngroups_max": _file(lambda t: b"65536\n"),
            b"random": ("dir", {b"boot_id": _file(lambda t: b"00000000-0000-4000-8000-000000000000\n"),
                                b"uuid": _file(lambda t: _uuid(t))}),
        }),
        b"vm": ("dir", {b"overcommit_memory": _file(lambda t: b"0\n")}),
        b"fs": ("dir", {b"file-max": _file(lambda t: b"9223372036854775807\n")}),
    }),
}

_PER_PROCESS = {
    b"cmdline": _file(_cmdline), b"environ": _file(_environ), b"maps": _file(_maps), b"stat": _file(_proc_stat),
    b"statm": _file(_statm), b"status": _file(_status), b"comm": _file(_comm), b"auxv": _file(_auxv),
    b"mounts": _file(_mounts), b"mountinfo": _file(_mountinfo),
    b"exe": ("link", lambda t: t.process.exe), b"cwd": ("link", lambda t: t.host.getcwd()),
    b"root": ("link", lambda t: b"/"),
    b"fd": ("fds", None), b"fdinfo": ("fdinfo", None),
    b"limits": _file(lambda t: b"Limit                     Soft Limit           Hard Limit           Units     \n"),
    b"oom_score_adj": _file(lambda t: b"0\n"), b"loginuid": _file(lambda t: b"4294967295\n"),
    b"mem": ("mem", None),
}

# what /proc/<pid>/X reads the same for every process of the session
_SHARED = {k: _PER_PROCESS[k] for k in (b"mounts", b"mountinfo", b"limits", b"oom_score_adj", b"loginuid")}


# What a tracer sees of its tracee (ptrace): asked of the tracee's runtime.
_REMOTE = (b"auxv", b"cmdline", b"comm", b"environ", b"exe", b"maps", b"mem", b"stat", b"status")


def _remote(t, pid, rest):
    """/proc/<pid>/... of a process this one traces (it must be stopped)."""
    if rest[:1] == (b"task",):
        if len(rest) == 1:
            return Node("dir", entries=[(str(pid).encode(), DT_DIR)])
        if rest[1] != str(pid).encode():
            raise ENOENT()
        rest = rest[2:]
    if not rest:
        return Node("dir", entries=[(n, DT_LNK if n == b"exe" else DT_REG) for n in _REMOTE] + [(b"task", DT_DIR)])
    if len(rest) != 1 or rest[0] not in _REMOTE:
        raise ENOENT()
    if rest[0] == b"mem":
        return Node("mem", target=pid)
    try:
        kind, val = t.kernel.tracer.request(pid, "procfile", rest[0])
    except LinuxError:
        raise ENOENT()
    return Node("link", target=val) if kind == "link" else Node("file", content=val)


def _uuid(t):
    b = bytearray(t.host.random(16))
    b[6] = (b[6] & 0x0f) | 0x40
    b[8] = (b[8] & 0x3f) | 0x80
    h = b.hex()
    return ("%s-%s-%s-%s-%s\n" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])).encode()


def lookup(t, parts):
    """The Node for /proc/<parts...>."""
    if not parts:
        ents = [(k, _dtype(v)) for k, v in sorted(_GLOBAL.items())]
        ents += [(b"self", DT_LNK), (b"thread-self", DT_LNK)]
        ents += [(str(pid).encode(), DT_DIR) for pid in OTHERS.session_pids(t)]
        return Node("dir", entries=ents)
    head = parts[0]
    if head == b"self" or head == b"thread-self":
        if len(parts) == 1:
            return Node("link", target=str(t.process.pid).encode() if head == b"self"
                        else ("%d/task/%d" % (t.process.pid, t.tid)).encode())
        return _walk(t, ("dir", _PER_PROCESS), parts[1:])
    if head.isdigit():
        rest = parts[1:]
        if int(head) != t.process.pid and int(head) not in t.process.tasks:
            tracer = t.kernel.tracer
            if tracer is not None and int(head) in tracer.tracees:
                return _remote(t, int(head), rest)     # a stopped tracee answers itself
            rec = SESSION.read_record(t.host, int(head))
            if rec is None:
                raise ENOENT()
            return _walk(t, OTHERS.others_spec(t, rec, _SHARED, rest[:1] == (b"fd",) or rest[2:3] == (b"fd",)),
                         rest)
        if rest[:1] == (b"task",):
            if len(rest) == 1:
                return Node("dir", entries=[(str(tid).encode(), DT_DIR) for tid in sorted(t.process.tasks or [t.tid])])
            return _walk(t, ("dir", _PER_PROCESS), rest[2:])
        return _walk(t, ("dir", _PER_PROCESS), rest)
    return _walk(t, ("dir", _GLOBAL), parts)


def link_name(t, parts):
    """What /proc/self/fd/N shows for an open /proc directory: its canonical
    path (self and thread-self spelled out, as Linux's d_path)."""
    ps = list(parts)
    if ps and ps[0] == b"self":
        ps[0] = b"%d" % t.process.pid
    elif ps and ps[0] == b"thread-self":
        ps[0:1] = [b"%d" % t.process.pid, b"task", b"%d" % t.tid]
    return b"/proc" + b"".join(b"/" + x for x in ps if x)


def inode(parts):
    """The inode number stat gives /proc/<parts...>: the same in every
    process (Python's hash() of bytes is randomized per process)."""
    return path_inode(b"/proc", parts)
