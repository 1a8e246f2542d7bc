"""TEMPORARY translation shim used by posix.py until xlat.py lands (issue 3)."""
import errno as _he
import os
import resource
import signal as _hs
import time

from lxpack.abi import errno as E

_LINUX_O = dict(O_WRONLY=0o1, O_RDWR=0o2, O_CREAT=0o100, O_EXCL=0o200, O_NOCTTY=0o400, O_TRUNC=0o1000,
                O_APPEND=0o2000, O_NONBLOCK=0o4000, O_DSYNC=0o10000, O_ASYNC=0o20000, O_DIRECT=0o40000,
                O_LARGEFILE=0o100000, O_DIRECTORY=0o200000, O_NOFOLLOW=0o400000, O_NOATIME=0o1000000,
                O_CLOEXEC=0o2000000, O_SYNC=0o4010000, O_PATH=0o10000000)
_SIGS = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
         "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
         "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
         "SIGIO", "SIGPWR", "SIGSYS"]


def live():
    return None


class Xlat(object):
    def __init__(self, consts):
        self._err = {}
        for code, name in _he.errorcode.items():
            self._err[code] = getattr(E, name, E.EIO)
        self._sig = {}
        for i, n in enumerate(_SIGS, 1):
            h = getattr(_hs, n, None)
            if h is not None:
                self._sig[i] = int(h)
        self._sig_back = {v: k for k, v in self._sig.items()}

    def errno_to_linux(self, e):
        return self._err.get(e, E.EIO)

    def mode_to_linux(self, m):
        return m

    def mode_to_host(self, m):
        return m

    def open_flags_to_host(self, flags):
        h = flags & 3
        cloexec = bool(flags & _LINUX_O["O_CLOEXEC"])
        for name, bit in _LINUX_O.items():
            if flags & bit and name not in ("O_CLOEXEC", "O_LARGEFILE", "O_WRONLY", "O_RDWR"):
                v = getattr(os, name, None)
                if v is not None:
                    h |= v
        if cloexec:
            h |= os.O_CLOEXEC
        return h, cloexec

    def open_flags_to_linux(self, h):
        out = h & 3
        for name, bit in _LINUX_O.items():
            v = getattr(os, name, None)
            if v and name not in ("O_WRONLY", "O_RDWR") and (h & v) == v:
                out |= bit
        return out

    def signal_to_host(self, s):
        return self._sig.get(s)

    def signal_to_linux(self, h):
        return self._sig_back.get(h)

    def rlimit_host(self, r):
        names = ["RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
                 "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS"]
        return getattr(resource, names[r], None) if r < len(names) else None

    def clock_to_host(self, c):
        names = {0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID",
                 3: "CLOCK_THREAD_CPUTIME_ID", 4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME",
                 6: "CLOCK_MONOTONIC", 7: "CLOCK_BOOTTIME"}
        n = names.get(c)
        v = getattr(time, n, None) if n else None
        if v is None and c == 7:
            v = time.CLOCK_MONOTONIC
        return v

    def termios_to_linux(self, t):
        return t

    def termios_to_host(self, t):
        return t
