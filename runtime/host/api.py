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
import sys as _sys



# The runtime's own descriptors (the VM, /dev/kvm, its pipes, --strace and
# --stats files) live at RUNTIME_FD_BASE and above; guest descriptors are below
# (the unikernel enforces the guest's RLIMIT_NOFILE, at most RUNTIME_FD_BASE),
# and a guest call naming one of the runtime's is EBADF. The host process's
# soft limit is raised to RUNTIME_FD_END for them when lower (fds.reserve;
# 4096 is Linux's default hard limit; waits on it use poll(), which has no
# FD_SETSIZE), while getrlimit(RLIMIT_NOFILE) keeps
# showing the limit the process started with. fds.move_high() puts one there.
# On macOS the range stays below FD_SETSIZE (1024): select() is the wait that
# works on ttys there, and programs start with a soft limit of 256 (below it).
if _sys.platform == "darwin":
    RUNTIME_FD_BASE, RUNTIME_FD_END = 900, 1024
else:
    RUNTIME_FD_BASE, RUNTIME_FD_END = 2048, 4096


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


class Host(object):
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

    # -- processes, identity, limits, host facts (processes.py) ------------------------------------
    def fork(self):
        """A host fork (one host process per Linux process): the child pid, 0 in the child, whose
        host signals stay blocked until SignalBridge.after_fork_child / fork_child_unblock."""
        raise NotImplementedError

    def fork_child_unblock(self):
        """In a fork child without a SignalBridge: the mask from before fork."""
        raise NotImplementedError

    def vfork_pipe(self):
        """A close-on-exec pipe the vfork parent waits on (EOF = child exec'd or exited)."""
        raise NotImplementedError

    def wait_readable_eof(self, fd):
        """Wait (without the CPU) until fd reads end of file (vfork: the child exec'd or exited)."""
        raise NotImplementedError

    def execve(self, path, argv, envp, sigmask_linux=0):
        """Replace this process with a host program (host-native exec). The guest's signal mask
        becomes the host mask, as Linux keeps it."""
        raise NotImplementedError

    def wait4(self, pid, options):
        """options: Linux WNOHANG, WUNTRACED, WCONTINUED (__WALL, __WCLONE, __WNOTHREAD dropped:
        every host child is a process). Returns (pid, linux_status, rusage) or (0, 0, None) with
        WNOHANG."""
        raise NotImplementedError

    def waitid(self, idtype, ident, options):
        """idtype: 'all'|'pid'|'pgid'; options Linux WEXITED, WSTOPPED, WCONTINUED, WNOHANG,
        WNOWAIT (other bits ignored). Returns None (nothing with WNOHANG) or (pid, uid, linux
        si_code, linux status-or-signal)."""
        raise NotImplementedError

    def getpgid(self, pid):
        """getpgid(2)."""
        raise NotImplementedError

    def getsid(self, pid):
        """getsid(2)."""
        raise NotImplementedError

    def setpgid(self, pid, pgid):
        """setpgid(2)."""
        raise NotImplementedError

    def setsid(self):
        """Returns the new session id (Python's os.setsid returns None)."""
        raise NotImplementedError

    def getrlimit(self, linux_res):
        """(soft, hard) as Linux rlim_t values, or None when the host has no such resource (the
        kernel keeps those itself)."""
        raise NotImplementedError

    def setrlimit(self, linux_res, soft, hard):
        """Set a limit from Linux rlim_t values (RLIM_INFINITY translated)."""
        raise NotImplementedError

    def may_raise_limits(self):
        """Whether the process may raise a hard resource limit (CAP_SYS_RESOURCE; root elsewhere)."""
        raise NotImplementedError

    def prlimit(self, pid, linux_res, new=None):
        """Another process's resource limit (soft, hard), Linux values, set to new (soft, hard) if
        given; None when the host has no such resource (or cannot tell: macOS, where setting is
        EPERM)."""
        raise NotImplementedError

    def getpriority(self, linux_which, who):
        """The nice value (-20..19) of a process, process group or user."""
        raise NotImplementedError

    def setpriority(self, linux_which, who, nice):
        """setpriority(2) with Linux PRIO_* which; EINVAL for one the host lacks."""
        raise NotImplementedError

    def getrusage(self, who):
        """Linux RUSAGE_SELF or RUSAGE_CHILDREN (anything else: self)."""
        raise NotImplementedError

    def times(self):
        """os.times() of the host process (user, system, children's user, children's system,
        elapsed)."""
        raise NotImplementedError

    def uname(self):
        """The host's uname (sysname, nodename, release, version, machine)."""
        raise NotImplementedError

    def cpu_count(self):
        """The number of CPUs this process may run on."""
        raise NotImplementedError

    def memory(self):
        """(total bytes, available bytes)."""
        raise NotImplementedError

    def loadavg(self):
        """(1, 5, 15 minute) load averages."""
        raise NotImplementedError

    # -- the session's processes (session.py): /proc/<pid> of other lxpack processes ------------
    def session_publish(self, pid, record):
        """Publish (replace) this process's record in the session registry, shared with the
        other runtimes of the process tree; best effort."""
        raise NotImplementedError

    def session_forget(self, pid):
        """Remove pid's record from the session registry (at exit)."""
        raise NotImplementedError

    def session_request(self, pid, data):
        """Leave pid's runtime a request (limits or CPU affinity another process set on it),
        replacing one it has not taken yet."""
        raise NotImplementedError

    def session_pending(self, pid, take=False):
        """The request left for pid, or None; take: remove it (pid's own runtime takes it)."""
        raise NotImplementedError

    def session_pids(self):
        """The pids with a record in the session registry, sorted."""
        raise NotImplementedError

    def session_record(self, pid):
        """pid's record (bytes), or None if none or its process is gone."""
        raise NotImplementedError

    def process_facts(self, pid):
        """Linux /proc/<pid>/stat fields after the command name (state, ppid, pgrp, ...) as
        bytes of the host process pid, or None if it does not exist."""
        raise NotImplementedError

    def process_fds(self, pid):
        """{fd: link text} of another process's descriptors, where the host tells ({} if not)."""
        raise NotImplementedError

    def cpu_times(self):
        """The host's CPU and scheduler counters as Linux /proc/stat lines {name: [fields]},
        or None where the host has none."""
        raise NotImplementedError

    def random(self, n):
        """n random bytes from the host."""
        raise NotImplementedError

    def report_internal_error(self, line, detail):
        """One line on stderr; the traceback only when LXPACK_DEBUG is set."""
        raise NotImplementedError

    def getpid(self):
        """getpid(2) (PIDs are host PIDs)."""
        raise NotImplementedError

    def getppid(self):
        """getppid(2)."""
        raise NotImplementedError

    def getuid(self):
        """getuid(2)."""
        raise NotImplementedError

    def geteuid(self):
        """geteuid(2)."""
        raise NotImplementedError

    def getgid(self):
        """getgid(2)."""
        raise NotImplementedError

    def getegid(self):
        """getegid(2)."""
        raise NotImplementedError

    def getgroups(self):
        """getgroups(2): the supplementary group ids."""
        raise NotImplementedError

    # -- signals (signals.py); signal numbers are Linux's ------------------------------------------
    def kill(self, pid, linux_sig):
        """kill(2) with a Linux signal number (0: existence check); EINVAL when the host has no
        such signal."""
        raise NotImplementedError

    def exit(self, status):
        """End this host process with status & 0xff (no cleanup)."""
        raise NotImplementedError

    def die_by_signal(self, linux_sig):
        """End this host process by the signal's default action (the parent sees it)."""
        raise NotImplementedError

    # -- sockets (sockets.py); addresses are Linux struct sockaddr bytes ---------------------------
    def socket(self, domain, type_, protocol):
        """socket(2) with Linux domain/type(+SOCK_NONBLOCK|SOCK_CLOEXEC)/protocol."""
        raise NotImplementedError

    def socketpair(self, domain, type_, protocol):
        """socketpair(2) with Linux domain/type/protocol: (fd, fd). Only AF_UNIX."""
        raise NotImplementedError

    def bind(self, fd, addr):
        """bind(2) with Linux sockaddr bytes (abstract names emulated where the host has none)."""
        raise NotImplementedError

    def connect(self, fd, addr, blocking=True):
        """connect(2). blocking: the fd is a blocking socket (the wait may be long and
        interruptible)."""
        raise NotImplementedError

    def listen(self, fd, backlog):
        """listen(2) (backlog clamped to 0..4096)."""
        raise NotImplementedError

    def accept(self, fd, nonblock=False, cloexec=False, blocking=True):
        """accept4(2): (new fd, peer Linux sockaddr bytes). The new socket's O_NONBLOCK is set from
        `nonblock` only (BSDs inherit the listener's)."""
        raise NotImplementedError

    def getsockname(self, fd):
        """getsockname(2): Linux sockaddr bytes."""
        raise NotImplementedError

    def getpeername(self, fd):
        """getpeername(2): Linux sockaddr bytes."""
        raise NotImplementedError

    def socket_family(self, fd):
        """The Linux address family of a socket fd (ENOTSOCK otherwise)."""
        raise NotImplementedError

    def socket_type(self, fd):
        """The Linux SOCK_* type of a socket fd."""
        raise NotImplementedError

    def shutdown(self, fd, how):
        """shutdown(2) with Linux SHUT_*."""
        raise NotImplementedError

    def sendmsg(self, fd, buffers, addr=None, cmsgs=(), flags=0, blocking=True):
        """sendmsg(2): buffers (list of bytes), addr Linux sockaddr bytes or None, cmsgs [(level,
        type, data)] in Linux values, flags Linux MSG_* (MSG_NOSIGNAL is always given to the
        host when it has it: the caller raises SIGPIPE). Returns the byte count."""
        raise NotImplementedError

    def recvmsg(self, fd, size, ancsize=0, flags=0, blocking=True):
        """recvmsg(2): returns (n, data, cmsgs, msg_flags, addr): n is what the call returned (with
        MSG_TRUNC the real datagram length), data at most `size` bytes, cmsgs [(level, type,
        data)] in Linux values with received descriptors already installed (close-on-exec with
        MSG_CMSG_CLOEXEC), msg_flags Linux, addr Linux sockaddr bytes (b'' when none)."""
        raise NotImplementedError

    def send(self, fd, data, flags=0, blocking=True):
        """send(2): sendmsg with one buffer and no address."""
        raise NotImplementedError

    def setsockopt(self, fd, level, name, value):
        """setsockopt(2) with Linux level/name and the Linux value bytes. ENOPROTOOPT when the host
        has no such option."""
        raise NotImplementedError

    def getsockopt(self, fd, level, name, size):
        """getsockopt(2): the Linux value bytes (at most `size`, at least the option's natural size
        for the caller to cut)."""
        raise NotImplementedError

    def interfaces(self):
        """The host's network interfaces: [{index, name, flags (Linux IFF_*), mac, mtu, addrs:
        [(family 'inet'|'inet6', address bytes, prefix length, broadcast bytes or None,
        scope_id)]}]."""
        raise NotImplementedError

    # -- readiness (readiness.py) ------------------------------------------------------------------
    def poll(self, fds, timeout_ms):
        """Wait until one of [(fd, Linux POLL* events)] is ready or timeout_ms passes (-1: forever,
        0: just look): {fd: Linux revents}; interruptible (a waker poke ends it early)."""
        raise NotImplementedError

    def queued_bytes(self, fd):
        """(bytes waiting to be read, bytes not yet sent) on fd, each None where the host cannot
        tell (edge-triggered epoll fingerprints)."""
        raise NotImplementedError

    # -- terminals and pseudo-terminals (terminals.py) ---------------------------------------------
    def isatty(self, fd):
        """Whether fd is a terminal."""
        raise NotImplementedError

    def tcgetattr(self, fd):
        """abi.termios.Termios of a terminal (TCGETS)."""
        raise NotImplementedError

    def tcsetattr(self, fd, when, linux_termios):
        """TCSETS/TCSETSW/TCSETSF: when is Linux TCSANOW/TCSADRAIN/TCSAFLUSH."""
        raise NotImplementedError

    def get_winsize(self, fd):
        """TIOCGWINSZ: (rows, cols, xpixel, ypixel)."""
        raise NotImplementedError

    def set_winsize(self, fd, ws):
        """TIOCSWINSZ from (rows, cols, xpixel, ypixel)."""
        raise NotImplementedError

    def bytes_readable(self, fd):
        """FIONREAD: bytes waiting to be read."""
        raise NotImplementedError

    def tcgetpgrp(self, fd):
        """tcgetpgrp(3): the foreground process group."""
        raise NotImplementedError

    def tcsetpgrp(self, fd, pgrp):
        """tcsetpgrp(3)."""
        raise NotImplementedError

    def set_ctty(self, fd, steal):
        """TIOCSCTTY: make fd the controlling terminal (steal: take it from another session)."""
        raise NotImplementedError

    def release_ctty(self, fd):
        """TIOCNOTTY: give up the controlling terminal."""
        raise NotImplementedError

    def openpt(self, cloexec=False, nonblock=False):
        """A new host pseudo-terminal master (posix_openpt + grantpt), like opening Linux
        /dev/ptmx. Returns the fd."""
        raise NotImplementedError

    def ptsname(self, fd):
        """(N, host path) of a master's slave, N as Linux's TIOCGPTN gives it."""
        raise NotImplementedError

    def unlockpt(self, fd):
        """unlockpt(3) of a pseudo-terminal master."""
        raise NotImplementedError

    def pts_path(self, n):
        """The host path of Linux /dev/pts/N."""
        raise NotImplementedError

    # -- memory (memory.py) ------------------------------------------------------------------------
    def mmap_shared(self, fd, size, offset, writable=True):
        """A host MAP_SHARED mapping (fd -1: anonymous) to map into the guest."""
        raise NotImplementedError

    def mmap_private(self, fd, size, offset):
        """A host MAP_PRIVATE, read-write mapping of a file (copy-on-write:
        the file's pages until written) to map into the guest."""
        raise NotImplementedError

    # -- clocks and timers (clocks.py) -------------------------------------------------------------
    def clock_gettime_ns(self, linux_clock):
        """clock_gettime(2) in ns for a Linux clock id (the backend's clock first, see Upcalls);
        EINVAL for an unknown one."""
        raise NotImplementedError

    def clock_getres_ns(self, linux_clock):
        """clock_getres(2) in ns for a Linux clock id."""
        raise NotImplementedError

    def sleep_ns(self, ns):
        """Sleep; interrupt_exc may come out of it (then the caller computes what remains)."""
        raise NotImplementedError

    def alarm(self, seconds):
        """alarm(2): returns the seconds left of the previous alarm."""
        raise NotImplementedError

    def setitimer(self, which, value, interval):
        """Returns the previous (value, interval)."""
        raise NotImplementedError

    def getitimer(self, which):
        """getitimer(2) with Linux ITIMER_*: (value, interval) in seconds."""
        raise NotImplementedError

    # -- waking blocked calls (waits.py): a poke makes the call ask Upcalls.should_interrupt -------
    def waker(self):
        """This host thread's waker pipe (read end, write end), made on first use."""
        raise NotImplementedError

    def wake(self, waker):
        """Poke a thread blocked in wait_ready (safe from signal handlers)."""
        raise NotImplementedError


# Every method of the interface, in the order above (the facade binds these).
HOST_METHODS = tuple(n for n, v in vars(Host).items() if callable(v) and not n.startswith("_"))
