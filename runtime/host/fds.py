"""Moving the runtime's own descriptors out of the guest's way.

Owns: move_high(), the one way the runtime (host layer, vmm backends, the
composition root) keeps a descriptor it opened: duplicated close-on-exec to
the lowest free number at or above RUNTIME_FD_BASE (+ an offset that groups
one kind of descriptor), the original closed. The range itself is part of the
host contract (api.RUNTIME_FD_BASE, api.RUNTIME_FD_END).

Also owns the room for that range: the first move_high (or the first look
at RLIMIT_NOFILE) raises the host's soft RLIMIT_NOFILE to RUNTIME_FD_END
when it is lower (Linux's default soft limit is 1024, macOS's 256), and
keeps the limit the process started with as the program's view
(guest_nofile): the program sees the limit it was given, the unikernel
enforces it, and the runtime has its range above it. POSIX only.
"""
import fcntl
import os
import resource

from lxpack.runtime.host.api import RUNTIME_FD_BASE, RUNTIME_FD_END

# Offsets inside the range, so that one kind of descriptor is found together
# in /proc/<pid>/fd of the host process when debugging.
OFFSET_HOST = 0        # host-layer plumbing (signal pipes, emulated-object reservations)
OFFSET_LAUNCH = 10     # --strace/--stats/trace files of the composition root
OFFSET_VMM = 50        # /dev/kvm, the VM and vCPU descriptors

_started_with = []     # [(soft, hard)] host RLIMIT_NOFILE before the runtime raised it


def reserve():
    """Make room for the runtime's range once per process tree (a forked
    child inherits both the raised limit and what it was before)."""
    if _started_with:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    _started_with.append((soft, hard))
    if soft == resource.RLIM_INFINITY or soft >= RUNTIME_FD_END:
        return
    new = RUNTIME_FD_END if hard == resource.RLIM_INFINITY or hard >= RUNTIME_FD_END else hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    except (ValueError, OSError):
        pass                # then move_high fails loudly at its first use


def guest_nofile(current):
    """The program's view of RLIMIT_NOFILE (host values): what the process
    started with while the host limit is the one reserve() set."""
    reserve()
    soft, hard = _started_with[0]
    if soft < current[0] and current[1] == hard:
        return soft, hard
    return current


def give_back():
    """Before exec of a host program: the soft limit the process started
    with, when the host limit is still the one reserve() set."""
    if not _started_with:
        return
    soft, hard = _started_with[0]
    if soft < RUNTIME_FD_END and resource.getrlimit(resource.RLIMIT_NOFILE) == (RUNTIME_FD_END, hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        except (ValueError, OSError):
            pass


def move_high(fd, offset=OFFSET_HOST):
    """Return a close-on-exec duplicate of *fd* in the runtime's range; *fd*
    is closed."""
    reserve()
    nfd = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, RUNTIME_FD_BASE + offset)
    os.close(fd)
    return nfd
