"""The host calls on paths, metadata and descriptors: what the unikernel may
ask of the host file system and of open files.

Part of the Host protocol declared in api.py (which composes it): Linux
values in, Linux values out; every method is implemented by posix.PosixHost
and by the unit tests' fake host. Travels inside bundles: Python 3.9.
"""
from lxpack.runtime.host.fdrange import RUNTIME_FD_BASE


class FileCalls(object):
    """Paths and metadata (posix: files.py), descriptors (descriptors.py)."""

    # -- paths and metadata (posix: files.py); dirfd may be AT_FDCWD; paths are bytes --------------
    def openat(self, dirfd, path, flags, mode):
        """openat(2): a new host fd for path (relative to dirfd, Linux AT_FDCWD allowed) with Linux
        open flags; inherited unless O_CLOEXEC."""
        raise NotImplementedError

    def fstat(self, fd):
        """fstat(2): StatResult of fd."""
        raise NotImplementedError

    def stat(self, dirfd, path, follow=True):
        """fstatat(2): StatResult of path (follow: follow a final symlink)."""
        raise NotImplementedError

    def listdir(self, fd):
        """Directory entries of an open directory fd: [(name, ino, linux d_type)], '.' and '..'
        first (as Linux's getdents gives them)."""
        raise NotImplementedError

    def readlink(self, dirfd, path):
        """readlinkat(2): the link's target (bytes)."""
        raise NotImplementedError

    def mkdir(self, dirfd, path, mode):
        """mkdirat(2)."""
        raise NotImplementedError

    def mknod(self, dirfd, path, linux_mode, major=0, minor=0):
        """mknodat: a FIFO through mkfifo (the portable call), an empty regular file, or a
        device/socket node through mknod with the type bits and device number translated."""
        raise NotImplementedError

    def unlink(self, dirfd, path, rmdir=False):
        """unlinkat(2) (rmdir: AT_REMOVEDIR)."""
        raise NotImplementedError

    def rename(self, olddirfd, old, newdirfd, new, flags=0):
        """rename/renameat/renameat2. flags: Linux RENAME_NOREPLACE, RENAME_EXCHANGE,
        RENAME_WHITEOUT, translated by name (macOS: RENAME_EXCL, RENAME_SWAP through
        renameatx_np)."""
        raise NotImplementedError

    def link(self, olddirfd, old, newdirfd, new, follow=False):
        """linkat(2) (follow: AT_SYMLINK_FOLLOW)."""
        raise NotImplementedError

    def symlink(self, target, dirfd, path):
        """symlinkat(2): path becomes a symlink to target."""
        raise NotImplementedError

    def chmod(self, dirfd, path, mode, follow=True):
        """fchmodat(2) with Linux mode bits (follow=False on a symlink: EOPNOTSUPP, as Linux)."""
        raise NotImplementedError

    def fchmod(self, fd, mode):
        """fchmod(2) with Linux mode bits."""
        raise NotImplementedError

    def chown(self, dirfd, path, uid, gid, follow=True):
        """fchownat(2) (-1 keeps an id)."""
        raise NotImplementedError

    def fchown(self, fd, uid, gid):
        """fchown(2) (-1 keeps an id)."""
        raise NotImplementedError

    def utimens(self, target, dirfd, atime_ns, mtime_ns, follow=True):
        """target is a path (with dirfd) or an int fd. None keeps the current time."""
        raise NotImplementedError

    def truncate(self, path, length):
        """truncate(2)."""
        raise NotImplementedError

    def ftruncate(self, fd, length):
        """ftruncate(2)."""
        raise NotImplementedError

    def fsync(self, fd):
        """fsync(2)."""
        raise NotImplementedError

    def fdatasync(self, fd):
        """fdatasync(2) (fsync where the host has none)."""
        raise NotImplementedError

    def sync(self):
        """sync(2)."""
        raise NotImplementedError

    def access(self, dirfd, path, mode, effective=False, follow=True):
        """faccessat2(2) with Linux R_OK/W_OK/X_OK (0: existence); EACCES when refused."""
        raise NotImplementedError

    def statfs(self, path_or_fd):
        """statfs(2)/fstatfs(2) of a path or fd: StatfsResult (f_type ext4's: the host does not say
        its type in Linux terms)."""
        raise NotImplementedError

    def getcwd(self):
        """The host process's working directory (bytes)."""
        raise NotImplementedError

    def chdir(self, path):
        """chdir(2)."""
        raise NotImplementedError

    def fchdir(self, fd):
        """fchdir(2)."""
        raise NotImplementedError

    def umask(self, mask):
        """umask(2): returns the previous mask."""
        raise NotImplementedError

    # -- descriptors (descriptors.py); guest fd N is host fd N -------------------------------------
    def close(self, fd):
        """close(2)."""
        raise NotImplementedError

    def read(self, fd, n):
        """read(2) that does not wait (the fd is ready or non-blocking)."""
        raise NotImplementedError

    def read_blocking(self, fd, n):
        """read(2) that may wait: without the CPU, interruptible by a guest signal."""
        raise NotImplementedError

    def write(self, fd, data):
        """write(2) that does not wait."""
        raise NotImplementedError

    def write_blocking(self, fd, data):
        """write(2) that may wait: without the CPU, interruptible by a guest signal."""
        raise NotImplementedError

    def pread(self, fd, n, off):
        """pread(2)."""
        raise NotImplementedError

    def pwrite(self, fd, data, off):
        """pwrite(2)."""
        raise NotImplementedError

    def lseek(self, fd, off, whence):
        """lseek(2) with Linux whence (SEEK_DATA/SEEK_HOLE translated); EINVAL for an unknown one."""
        raise NotImplementedError

    def fd_offset(self, fd):
        """The file offset of fd, 0 where it has none (/proc/PID/fdinfo)."""
        raise NotImplementedError

    def fd_path(self, fd):
        """What /proc/self/fd/N shows for a host fd."""
        raise NotImplementedError

    def dup(self, fd, cloexec=False):
        """dup(2) (cloexec: the new fd is close-on-exec)."""
        raise NotImplementedError

    def dup2(self, fd, fd2, cloexec=False):
        """dup3(2)/dup2(2)."""
        raise NotImplementedError

    def dupfd(self, fd, minfd, cloexec=False):
        """fcntl(F_DUPFD[_CLOEXEC]): the lowest free fd >= minfd."""
        raise NotImplementedError

    def get_cloexec(self, fd):
        """fcntl(F_GETFD) & FD_CLOEXEC, as a bool."""
        raise NotImplementedError

    def set_cloexec(self, fd, on):
        """fcntl(F_SETFD): set or clear close-on-exec."""
        raise NotImplementedError

    def get_status_flags(self, fd):
        """fcntl(F_GETFL): Linux open/status flags."""
        raise NotImplementedError

    def set_status_flags(self, fd, flags):
        """fcntl(F_SETFL) with Linux status flags."""
        raise NotImplementedError

    def set_nonblocking(self, fd, on):
        """Set or clear O_NONBLOCK."""
        raise NotImplementedError

    def is_nonblocking(self, fd):
        """Whether O_NONBLOCK is set."""
        raise NotImplementedError

    def tee(self, fd_in, fd_out, n, nonblock):
        """tee(2) between two pipes: up to n bytes of fd_in's content copied to fd_out without
        consuming them; waits for data and room (interruptibly) unless nonblock (EAGAIN).
        ENOSYS where the host has no such call (macOS)."""
        raise NotImplementedError

    def pipe(self, cloexec=False, nonblock=False):
        """pipe2(2): (read fd, write fd)."""
        raise NotImplementedError

    def anon_file(self, data, cloexec=False):
        """A host fd on an unlinked temporary file holding data (emulated /proc files: reads,
        seeks, fstat and exec inheritance work natively)."""
        raise NotImplementedError

    def placeholder_fd(self, cloexec=False):
        """A host fd that only reserves a number for an emulated object."""
        raise NotImplementedError

    def emulated_fd(self, cloexec=False, nonblock=False):
        """A host fd reserving a guest number for an object the unikernel serves (eventfd,
        epoll...): the read end of a pipe whose write end is closed, so F_SETFL O_NONBLOCK and
        close-on-exec behave as on any fd."""
        raise NotImplementedError

    def close_cloexec_fds(self, keep=(), limit=RUNTIME_FD_BASE):
        """What a real exec does to close-on-exec fds (an in-place exec of a Linux image is not a
        host exec). Returns the fds closed."""
        raise NotImplementedError

    def wake_pipe(self):
        """A runtime-private non-blocking pipe (r, w) above the guest's fds: a waiter polls r,
        whoever makes it ready writes w."""
        raise NotImplementedError

    def wake_fd(self, w):
        """Make a wake_pipe() ready (write end w); never blocks."""
        raise NotImplementedError

    def drain_fd(self, r):
        """Empty a wake_pipe() (read end r); never blocks."""
        raise NotImplementedError

    def close_private(self, fd):
        """Close a runtime-private fd, ignoring errors."""
        raise NotImplementedError

    def flock(self, fd, op):
        """flock(2) with Linux LOCK_* operation bits."""
        raise NotImplementedError

    def lock(self, fd, cmd, ltype, whence, start, length, ofd=False):
        """Record locks. cmd: 'get'|'set'|'setw'; ltype, whence Linux values; ofd: F_OFD_* where the
        host has them. Returns (ltype, whence, start, length, pid) in Linux values for 'get'."""
        raise NotImplementedError
