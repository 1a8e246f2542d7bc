"""File-change notification: inotify_init, inotify_init1, inotify_add_watch,
inotify_rm_watch (the instance itself, its events and what is approximated:
kernel/inotify.py). Errno in Linux's order (fs/notify/inotify/inotify_user.c).
Travels inside bundles: Python 3.9.
"""
from lxpack.abi import inotify as IN
from lxpack.abi.fcntl import AT_FDCWD
from lxpack.abi.stat import S_IFDIR, S_IFMT
from lxpack.unikernel.errors import EACCES, EFAULT, EINVAL, ENOENT, ENOTDIR
from lxpack.unikernel.kernel.inotify import Inotify
from lxpack.unikernel.syscall.args import Fd, Hex, Int, Path
from lxpack.unikernel.syscall.table import syscall

# Every bit inotify_add_watch accepts (ALL_INOTIFY_BITS).
_ALL_BITS = (IN.IN_ALL_EVENTS | IN.IN_UNMOUNT | IN.IN_Q_OVERFLOW | IN.IN_IGNORED | IN.IN_ONLYDIR
             | IN.IN_DONT_FOLLOW | IN.IN_EXCL_UNLINK | IN.IN_MASK_ADD | IN.IN_MASK_CREATE | IN.IN_ISDIR
             | IN.IN_ONESHOT)


def _new(t, flags):
    if flags & ~(IN.IN_CLOEXEC | IN.IN_NONBLOCK):
        raise EINVAL()
    obj = Inotify()
    fd = t.host.emulated_fd(cloexec=bool(flags & IN.IN_CLOEXEC), nonblock=bool(flags & IN.IN_NONBLOCK))
    obj.fd = fd
    t.files.install(fd, obj)
    return fd


@syscall("inotify_init")
def sys_inotify_init(t):
    """Implements inotify_init(2) (events from stat snapshots: kernel/inotify.py)."""
    return _new(t, 0)


@syscall("inotify_init1")
def sys_inotify_init1(t, flags: Hex):
    """Implements inotify_init1(2) (IN_CLOEXEC, IN_NONBLOCK)."""
    return _new(t, flags)


def _instance(t, fd):
    obj = t.files.emulated.get(fd)
    if not isinstance(obj, Inotify):
        t.host.fstat(fd)                # EBADF
        raise EINVAL()
    return obj


@syscall("inotify_add_watch")
def sys_inotify_add_watch(t, fd: Fd, path: Path, mask: Hex):
    """Implements inotify_add_watch(2) for host files and directories."""
    mask &= 0xFFFFFFFF
    if mask & IN.IN_MASK_ADD and mask & IN.IN_MASK_CREATE:
        raise EINVAL()
    if not mask & _ALL_BITS:
        raise EINVAL()
    ino = _instance(t, fd)
    if path is None:
        raise EFAULT()
    if not path:
        raise ENOENT()
    follow = not mask & IN.IN_DONT_FOLLOW
    r = t.kernel.vfs.resolve(AT_FDCWD, path, follow)
    h = t.host
    if r.kind != "host":
        raise EACCES()                  # /proc, /sys, /dev entries have no watchable host file here
    st = h.stat(r.dirfd, r.path, follow)            # ENOENT, ENOTDIR, ELOOP...
    if mask & IN.IN_ONLYDIR and st.st_mode & S_IFMT != S_IFDIR:
        raise ENOTDIR()
    h.access(r.dirfd, r.path, 4, follow=follow)     # Linux needs read permission (EACCES)
    hp = r.path
    if not hp.startswith(b"/"):
        hp = h.getcwd().rstrip(b"/") + b"/" + hp    # relative to the cwd of now, not of each scan
    return ino.add_watch(t, hp, st, mask)


@syscall("inotify_rm_watch")
def sys_inotify_rm_watch(t, fd: Fd, wd: Int):
    """Implements inotify_rm_watch(2) (the wd's IN_IGNORED is queued)."""
    _instance(t, fd).rm_watch(t, wd)
    return 0
