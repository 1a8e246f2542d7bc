"""The hypercall interface between the unikernel and the host: the only way
the Linux personality reaches files, sockets, processes and time.

Owns: LinuxError (a Linux errno as an exception; the unikernel adds a
subclass per errno name), the plain data records the host returns, and the
contract every host implementation (posix.py for macOS/Linux, a fake for
tests) follows:

  * Linux values in, Linux values out: flags, errno, stat fields, signal
    numbers and constants are Linux's; the implementation translates them by
    name to its own (xlat.py) and raises LinuxError on failure.
  * Guest fd N is host fd N: file descriptors pass through unchanged.
  * Paths are host paths (bytes); the unikernel's VFS has already applied the
    bundle overlay, /proc, /dev and the sandbox.

Imports only lxpack.abi. Travels inside bundles: Python 3.9.
"""


# The runtime's own descriptors (the VM, /dev/kvm, its pipes, --strace and
# --stats files) live at RUNTIME_FD_BASE and above; guest descriptors are below
# (the guest's RLIMIT_NOFILE is at most RUNTIME_FD_BASE), and a guest call
# naming one of the runtime's is EBADF. The host process keeps a descriptor
# limit of at least RUNTIME_FD_END for them. fds.move_high() puts one there.
RUNTIME_FD_BASE = 900
RUNTIME_FD_END = 1024


class LinuxError(Exception):
    """A failed operation, carrying the Linux errno to return to the guest."""

    errno = 5  # EIO unless a subclass says otherwise

    def __init__(self, *args):
        Exception.__init__(self, *args)
        if args and isinstance(args[0], int) and type(self) is LinuxError:
            self.errno = args[0]


class StatResult(object):
    """struct stat in Linux terms (dev numbers Linux-encoded, mode Linux bits)."""

    __slots__ = ("st_dev", "st_ino", "st_nlink", "st_mode", "st_uid", "st_gid", "st_rdev",
                 "st_size", "st_blksize", "st_blocks", "st_atime_ns", "st_mtime_ns",
                 "st_ctime_ns", "st_btime_ns")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k, 0))


class StatfsResult(object):
    __slots__ = ("f_type", "f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
                 "f_fsid", "f_namelen", "f_frsize", "f_flags")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k, 0))
