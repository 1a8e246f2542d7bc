"""The processes of one lxpack session as the host sees them: a small
registry the runtimes of a process tree share, and the host's live facts
about a process (its state, times, parent) and about the CPUs.

Owns: Session. A session is the process tree one `lxpack run` (or bundle)
starts: the first runtime makes a private directory
(/tmp/lxpack-UID/sessions/<pid>-<random>, mode 0700) on its first publish;
forked runtimes inherit the path with the rest of the process. Each
runtime keeps one file there named by its pid, holding an opaque record
the unikernel writes (what /proc/<pid> of another process shows: argv,
comm, exe, cwd...), replaced atomically (write, then rename) at fork,
exec, chdir and PR_SET_NAME, and removed at exit. A record whose host
process is gone (a runtime killed by a signal) or whose pid was reused
(another start time) is dropped by the reader.
The facts come from the host's /proc on a Linux host; macOS has none, and
there a live process is reported sleeping with no times (a fallback).
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import binascii
import os
import stat as _stat
import sys

from lxpack.abi import errno as E
from lxpack.runtime.host._common import oserror_to_linux
from lxpack.runtime.host.api import LinuxError

_LINUX = sys.platform.startswith("linux")


def _proc_fields(pid):
    """The fields of the host's /proc/<pid>/stat after the command name
    (state first), or None if there is no such process."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2:].split()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                                 # exists, not ours to signal
    return True


def _prune_dead_sessions(sub):
    """Remove the directories of sessions none of whose processes lives
    (a runtime killed by SIGKILL never removes its record): checked once,
    when a new session starts."""
    try:
        names = os.listdir(sub)
    except OSError:
        return
    for name in names:
        d = os.path.join(sub, name)
        try:
            files = os.listdir(d)
        except OSError:
            continue
        pids = [int(f.split(".")[0]) for f in files if f.split(".")[0].isdigit()]
        root = name.split("-")[0]
        if root.isdigit():
            pids.append(int(root))
        if any(_alive(p) for p in pids):
            continue
        for f in files:
            try:
                os.unlink(os.path.join(d, f))
            except OSError:
                pass
        try:
            os.rmdir(d)
        except OSError:
            pass


class Session(object):
    """The session registry and the host's process facts."""

    def __init__(self):
        self._dir = None

    # -- the registry --------------------------------------------------------------------
    def _directory(self, create):
        d = self._dir
        if d is None:
            if not create:
                return None
            base = "/tmp/lxpack-%d" % os.getuid()
            sub = os.path.join(base, "sessions")
            for p in (base, sub):
                try:
                    os.mkdir(p, 0o700)
                except FileExistsError:
                    pass
                st = os.lstat(p)
                if not _stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
                    raise LinuxError(E.EACCES)          # someone else's directory: never use it
            d = os.path.join(sub, "%d-%s" % (os.getpid(), binascii.hexlify(os.urandom(6)).decode()))
            self._dir = d
            _prune_dead_sessions(sub)
        if create:
            try:
                os.mkdir(d, 0o700)
            except FileExistsError:
                pass
        return d

    def session_publish(self, pid, record):
        try:
            d = self._directory(True)
            path = os.path.join(d, str(pid))
            tmp = path + ".new"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, self._start_token(pid) + b"\n" + record)
            finally:
                os.close(fd)
            os.rename(tmp, path)
        except (OSError, LinuxError):
            pass                                    # /proc of other processes is best effort

    def session_forget(self, pid):
        d = self._directory(False)
        if d is None:
            return
        for name in (str(pid), "%d.req" % pid):
            try:
                os.unlink(os.path.join(d, name))
            except OSError:
                pass
        if os.path.basename(d).startswith("%d-" % pid):
            for other in self.session_pids():      # the first one drops the records of the dead
                self.session_record(other)
        try:
            os.rmdir(d)                             # the last one out removes the directory
        except OSError:
            pass

    def session_request(self, pid, data):
        """Leave a request for pid's runtime (limits or affinity another
        process set on it), replacing an earlier one it has not taken."""
        d = self._directory(True)
        path = os.path.join(d, "%d.req" % pid)
        try:
            with open(path + ".new", "wb") as f:
                f.write(data)
            os.rename(path + ".new", path)
        except OSError as e:
            raise oserror_to_linux(e)

    def session_pending(self, pid, take=False):
        """The request left for pid (bytes) or None; take: remove it."""
        d = self._directory(False)
        if d is None:
            return None
        path = os.path.join(d, "%d.req" % pid)
        try:
            with open(path, "rb") as f:
                data = f.read()
            if take:
                os.unlink(path)
        except OSError:
            return None
        return data

    def session_pids(self):
        d = self._directory(False)
        if d is None:
            return []
        try:
            names = os.listdir(d)
        except OSError:
            return []
        return sorted(int(n) for n in names if n.isdigit())

    def session_record(self, pid):
        d = self._directory(False)
        if d is None:
            return None
        path = os.path.join(d, str(pid))
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError:
            return None
        token, _nl, record = raw.partition(b"\n")
        if self._start_token(pid) != token:         # gone, or the pid was reused
            try:
                os.unlink(path)
            except OSError:
                pass
            return None
        return record

    def _start_token(self, pid):
        """What tells this incarnation of pid from a later one: its start
        time on a Linux host; empty while it lives elsewhere; b"gone"."""
        if _LINUX:
            f = _proc_fields(pid)
            return b"gone" if f is None or len(f) < 20 else f[19]
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return b"gone"
        except OSError:
            pass
        return b""

    # -- live facts --------------------------------------------------------------------------
    def process_facts(self, pid):
        """The fields of Linux's /proc/<pid>/stat after the command name
        (state, ppid, pgrp, session, tty_nr, ..., utime, stime, ...,
        num_threads, itrealvalue, starttime, vsize, rss, ...) as bytes, or
        None if no such process. Elsewhere: sleeping, the rest unknown (0)."""
        if _LINUX:
            return _proc_fields(pid)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except OSError:
            pass
        try:
            pgrp, sid = os.getpgid(pid), os.getsid(pid)
        except OSError:
            pgrp = sid = 0
        return [b"S", b"0", str(pgrp).encode(), str(sid).encode()] + [b"0"] * 40

    def process_fds(self, pid):
        """{fd: what its /proc link shows} of another process, where the host
        tells (a Linux host); {} elsewhere."""
        if not _LINUX:
            return {}
        out = {}
        try:
            names = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            return {}
        for n in names:
            try:
                out[int(n)] = os.readlink("/proc/%d/fd/%s" % (pid, n)).encode()
            except (OSError, ValueError):
                pass
        return out

    def cpu_times(self):
        """The host's /proc/stat lines as {name: [fields]} (cpu, cpu0...,
        ctxt, btime, processes, procs_running, procs_blocked), or None where
        the host has no such file."""
        if not _LINUX:
            return None
        try:
            with open("/proc/stat", "rb") as f:
                raw = f.read()
        except OSError:
            return None
        out = {}
        for line in raw.splitlines():
            parts = line.split()
            if parts:
                out[parts[0]] = parts[1:]
        return out
