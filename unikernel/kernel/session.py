"""What other processes of the lxpack session learn about this one: the
record published in the host's session registry (runtime/host/session.py)
for /proc/<pid> of another process (ps, pgrep, top), and its reading.

Owns: publish (at exec, fork, chdir, PR_SET_NAME), forget (at exit or a
host exec), read_record and the record's format: length-prefixed fields
(b"LEN:" + bytes) in a fixed order: pid, ppid, comm, exe, cwd, environ,
uid, euid, gid, egid, threads, the limits the unikernel keeps (RLIMIT_NOFILE,
AS, DATA, STACK: "res soft hard" lines), the main thread's CPU affinity
(hex, empty: all CPUs), then the arguments. Also the requests another
process leaves for this one (prlimit, sched_setaffinity on its pid:
"rlimit RES SOFT HARD" / "affinity HEX" lines), see resources.absorb. The live facts (state,
times, parent after a reparenting) are the host's (process_facts).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.resource import RLIM_INFINITY, RLIMIT_AS, RLIMIT_DATA, RLIMIT_NOFILE, RLIMIT_STACK
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.errors import LinuxError

_ENV_MAX = 1 << 16          # environ is kept to 64 KiB in the registry
KEPT_LIMITS = (RLIMIT_NOFILE, RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK)


def publish(t):
    """(Re)publish t's process in the session registry."""
    p = t.process
    h = t.host
    try:
        cwd = t.kernel.vfs.guest_path(h.getcwd())
    except LinuxError:
        cwd = b"/"
    env = b"".join(e + b"\0" for e in p.envp)[:_ENV_MAX]
    limits = []
    for res in KEPT_LIMITS:
        lim = p.rlimits.get(res) or h.getrlimit(res)
        if lim is not None and res == RLIMIT_NOFILE:
            lim = (min(lim[0], RUNTIME_FD_BASE), min(lim[1], RUNTIME_FD_BASE))   # as getrlimit shows it
        if lim is not None:
            limits.append(b"%d %d %d" % (res, lim[0], lim[1]))
    aff = p.affinity.get(p.pid)
    fields = [b"%d" % p.pid, b"%d" % h.getppid(), p.comm, p.exe or b"", cwd, env, b"%d" % h.getuid(),
              b"%d" % h.geteuid(), b"%d" % h.getgid(), b"%d" % h.getegid(), b"%d" % (len(p.tasks) or 1),
              b"\n".join(limits), b"%x" % aff if aff else b""]
    h.session_publish(p.pid, b"".join(b"%d:" % len(f) + f for f in fields + list(p.argv)))


def forget(host, pid):
    host.session_forget(pid)


class Record(object):
    """Another process's record, decoded."""
    __slots__ = ("pid", "ppid", "comm", "exe", "cwd", "env", "uid", "euid", "gid", "egid", "threads", "limits",
                 "affinity", "argv")

    def __init__(self, fields):
        (pid, ppid, self.comm, self.exe, self.cwd, self.env, uid, euid, gid, egid, threads, limits,
         aff) = fields[:13]
        self.pid, self.ppid, self.threads = int(pid), int(ppid), int(threads)
        self.uid, self.euid, self.gid, self.egid = int(uid), int(euid), int(gid), int(egid)
        self.limits = {}
        for line in limits.split(b"\n"):
            if line:
                res, soft, hard = (int(x) for x in line.split())
                self.limits[res] = (soft, hard)
        self.affinity = int(aff, 16) if aff else None
        self.argv = fields[13:]


def _fields(raw):
    out, i = [], 0
    while i < len(raw):
        j = raw.index(b":", i)
        n = int(raw[i:j])
        out.append(raw[j + 1:j + 1 + n])
        i = j + 1 + n
    return out


def read_record(host, pid):
    """pid's Record, or None if it is no live process of the session."""
    raw = host.session_record(pid)
    if raw is None:
        return None
    try:
        return Record(_fields(raw))
    except ValueError:
        return None


def pending(host, pid, take=False):
    """The requests left for pid: ({res: (soft, hard)}, affinity mask or
    None); take: remove them (pid's own runtime applies them)."""
    limits, aff = {}, None
    for line in (host.session_pending(pid, take) or b"").split(b"\n"):
        w = line.split()
        if len(w) == 4 and w[0] == b"rlimit":
            limits[int(w[1])] = (int(w[2]), int(w[3]))
        elif len(w) == 2 and w[0] == b"affinity":
            aff = int(w[1], 16)
    return limits, aff


def request(host, pid, limit=None, affinity=None):
    """Add to the requests left for pid: limit (res, soft, hard), affinity (mask)."""
    limits, aff = pending(host, pid)
    if limit is not None:
        limits[limit[0]] = limit[1:]
    if affinity is not None:
        aff = affinity
    lines = [b"rlimit %d %d %d" % (r, s, h) for r, (s, h) in sorted(limits.items())]
    if aff is not None:
        lines.append(b"affinity %x" % aff)
    host.session_request(pid, b"\n".join(lines))


def remote_limit(host, rec, res):
    """Another session process's limit res: what was requested for it and
    not yet taken, what it published, or the host's; None if unknown."""
    req = pending(host, rec.pid)[0].get(res)
    if req is not None:
        return req
    if res in rec.limits:
        return rec.limits[res]
    lim = host.prlimit(rec.pid, res)
    return lim if lim is not None else (RLIM_INFINITY, RLIM_INFINITY)


def remote_affinity(host, rec):
    """Another session process's CPU mask, or None (all CPUs)."""
    aff = pending(host, rec.pid)[1]
    return aff if aff is not None else rec.affinity
