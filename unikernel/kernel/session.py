"""What other processes of the lxpack session learn about this one: the
record published in the host's session registry (runtime/host/session.py)
for /proc/<pid> of another process (ps, pgrep, top), and its reading.

Owns: publish (at exec, fork, chdir, PR_SET_NAME), forget (at exit or a
host exec), read_record and the record's format: length-prefixed fields
(b"LEN:" + bytes) in a fixed order: pid, ppid, comm, exe, cwd, environ,
uid, euid, gid, egid, threads, then the arguments. The live facts (state,
times, parent after a reparenting) are the host's (process_facts).
Travels inside bundles: Python 3.9.
"""
from lxpack.unikernel.errors import LinuxError

_ENV_MAX = 1 << 16          # environ is kept to 64 KiB in the registry


def publish(t):
    """(Re)publish t's process in the session registry."""
    p = t.process
    h = t.host
    try:
        cwd = t.kernel.vfs.guest_path(h.getcwd())
    except LinuxError:
        cwd = b"/"
    env = b"".join(e + b"\0" for e in p.envp)[:_ENV_MAX]
    fields = [b"%d" % p.pid, b"%d" % h.getppid(), p.comm, p.exe or b"", cwd, env, b"%d" % h.getuid(),
              b"%d" % h.geteuid(), b"%d" % h.getgid(), b"%d" % h.getegid(), b"%d" % (len(p.tasks) or 1)]
    h.session_publish(p.pid, b"".join(b"%d:" % len(f) + f for f in fields + list(p.argv)))


def forget(host, pid):
    host.session_forget(pid)


class Record(object):
    """Another process's record, decoded."""
    __slots__ = ("pid", "ppid", "comm", "exe", "cwd", "env", "uid", "euid", "gid", "egid", "threads", "argv")

    def __init__(self, fields):
        (pid, ppid, self.comm, self.exe, self.cwd, self.env, uid, euid, gid, egid, threads) = fields[:11]
        self.pid, self.ppid, self.threads = int(pid), int(ppid), int(threads)
        self.uid, self.euid, self.gid, self.egid = int(uid), int(euid), int(gid), int(egid)
        self.argv = fields[11:]


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
