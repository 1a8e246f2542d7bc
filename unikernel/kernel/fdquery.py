"""What /proc asks about a process's descriptors: which exist, what they
name (the fd table's emulated objects and labels first, else the host's
path seen through the VFS) and their fdinfo text.

Owns: FdQueries, a part of Kernel (kernel.py composes it).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import O_CLOEXEC
from lxpack.runtime.host.api import RUNTIME_FD_BASE
from lxpack.unikernel.errors import LinuxError


class FdQueries(object):
    """Kernel methods procfs (/proc/PID/fd, fdinfo) and the path tracer use."""

    def fd_exists(self, t, fd):
        if not 0 <= fd < RUNTIME_FD_BASE:
            return False            # the runtime's own descriptors are not the program's
        try:
            self.host.get_cloexec(fd)
            return True
        except LinuxError:
            return False

    def open_fds(self, t):
        out = []
        for fd in range(0, RUNTIME_FD_BASE):
            try:
                self.host.get_cloexec(fd)
                out.append(fd)
            except LinuxError:
                pass
        return out

    def fd_path(self, t, fd):
        path = t.files.special(fd)
        if path is not None and getattr(path, "link_name", None):
            return path.link_name
        label = t.files.labels.get(fd)
        if label is not None:
            return label
        return self.vfs.guest_path(self.host.fd_path(fd))

    def fd_info(self, t, fd):
        flags = self.host.get_status_flags(fd)
        if self.host.get_cloexec(fd):
            flags |= O_CLOEXEC
        return b"pos:\t%d\nflags:\t0%o\nmnt_id:\t1\nino:\t%d\n" % (
            self.host.fd_offset(fd), flags, self.host.fstat(fd).st_ino)
