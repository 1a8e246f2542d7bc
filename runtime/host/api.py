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

The Host class below declares the methods the unikernel may call, grouped
by concern; posix.PosixHost implements every one (a unit test checks names
and signatures), a fake for unit tests implements them in memory. Upward
calls from the host into the unikernel go only through Upcalls.

Imports only lxpack.abi. Travels inside bundles: Python 3.9.
"""
from lxpack.runtime.host.api_files import FileCalls
from lxpack.runtime.host.api_io import IoCalls
from lxpack.runtime.host.api_process import ProcessCalls
from lxpack.runtime.host.fdrange import RUNTIME_FD_BASE, RUNTIME_FD_END   # noqa: F401 (part of the contract)


class Upcalls(object):
    """The host's only calls up into the unikernel, declared in one place.

    The composition root (launch/boot.py) makes one, passes it to the host's
    constructor, and the unikernel fills it in (it finds it as host.upcalls);
    the host reads the fields at each use, so a change takes effect at once.
    Every field may be None (nothing is asked then):

      block_hooks       (enter, leave): called around every host call that
                        may block, so other guest threads run meanwhile (the
                        unikernel's CPU lock is released and taken back).
      should_interrupt  callable() -> bool, asked by a blocking call woken by
                        its thread's waker: must a guest signal end it now?
      interrupt_exc     the exception class the call then raises (the
                        unikernel's Interrupted: EINTR or a restart).
      clock_override    callable(linux_clock) -> ns or None: a hardware
                        backend's clock (kvmclock), so time syscalls served by
                        the host agree with the in-VM vDSO.
    """

    __slots__ = ("block_hooks", "should_interrupt", "interrupt_exc", "clock_override")

    def __init__(self):
        self.block_hooks = None
        self.should_interrupt = None
        self.interrupt_exc = None
        self.clock_override = None


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


class Host(FileCalls, ProcessCalls, IoCalls):
    """The hypercall interface: what the unikernel may ask of the host.

    Linux values in, Linux values out: flags, modes, errno, signal numbers,
    clock ids, socket constants and struct layouts are Linux's (x86-64); an
    implementation translates them by name (xlat.py) and fails with
    LinuxError carrying the Linux errno. Guest fd N is host fd N. Paths are
    host paths (bytes). Calls named *_blocking, and those with a blocking
    argument, may wait: they release the CPU through Upcalls.block_hooks and
    raise Upcalls.interrupt_exc when a guest signal must end them.

    upcalls: the Upcalls object given to the constructor (the unikernel
    fills it in). real_timer_used: alarm or ITIMER_REAL was armed (a SIGALRM
    then comes from the timer).
    """

    real_timer_used = False

    def __init__(self, upcalls=None):
        self.upcalls = upcalls if upcalls is not None else Upcalls()


# Every method of the interface, in declaration order, concern by concern
# (the facade binds these).
HOST_METHODS = tuple(n for part in (FileCalls, ProcessCalls, IoCalls)
                     for n, v in vars(part).items() if callable(v) and not n.startswith("_"))
