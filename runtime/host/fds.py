"""Moving the runtime's own descriptors out of the guest's way.

Owns: move_high(), the one way the runtime (host layer, vmm backends, the
composition root) keeps a descriptor it opened: duplicated close-on-exec to
the lowest free number at or above RUNTIME_FD_BASE (+ an offset that groups
one kind of descriptor), the original closed. The range itself is part of the
host contract (api.RUNTIME_FD_BASE, api.RUNTIME_FD_END). POSIX only.
"""
import fcntl
import os

from lxpack.runtime.host.api import RUNTIME_FD_BASE

# Offsets inside the range, so that one kind of descriptor is found together
# in /proc/<pid>/fd of the host process when debugging.
OFFSET_HOST = 0        # host-layer plumbing (signal pipes, emulated-object reservations)
OFFSET_LAUNCH = 10     # --strace/--stats/trace files of the composition root
OFFSET_VMM = 50        # /dev/kvm, the VM and vCPU descriptors


def move_high(fd, offset=OFFSET_HOST):
    """Return a close-on-exec duplicate of *fd* in the runtime's range; *fd*
    is closed."""
    nfd = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, RUNTIME_FD_BASE + offset)
    os.close(fd)
    return nfd
