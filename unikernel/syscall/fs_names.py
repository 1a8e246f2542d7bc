"""File-system calls that change names in directories: mkdir, mknod,
rmdir, unlink, rename (renameat2 flags), link, symlink and their *at forms.

Every one must name a host file (_host_only): the emulated /proc, /sys and
/dev are read-only, except that their magic links lead to the file they name.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW
from lxpack.abi.stat import S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK
from lxpack.unikernel.errors import EACCES, EFAULT, EINVAL, ENOENT
from lxpack.unikernel.kernel.vfs import devfs
from lxpack.unikernel.syscall.args import Fd, Hex, Oct, Path
from lxpack.unikernel.syscall.table import syscall


def _host_only(t, dirfd, path, follow=False):
    """Resolve a path that an operation changes: it must name a host file.
    The magic links /proc/self/fd/N, /proc/self/cwd, /proc/self/exe and
    /dev/fd/N lead to the file they name, as on Linux (tar's
    chmod("/proc/self/fd/3") on an O_PATH fd, for instance)."""
    if path is None:
        raise EFAULT()
    if not path:
        raise ENOENT()
    r = t.kernel.vfs.resolve(dirfd, path, follow)
    if r.kind == "host":
        return r
    if follow:
        target = None
        if r.fs is not None:
            node = r.fs.lookup(t, r.parts)
            if node.kind == "link" and node.target.startswith(b"/"):
                target = node.target
        elif r.kind == "dev":
            target = devfs.fd_target(t, r.path)
        if target is not None and target.startswith(b"/") and target != path:
            return _host_only(t, AT_FDCWD, target, True)
    raise EACCES()


@syscall("mkdir")
def sys_mkdir(t, path: Path, mode: Oct):
    """Implements mkdir(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.mkdir(r.dirfd, r.path, mode)
    return 0


@syscall("mkdirat")
def sys_mkdirat(t, dirfd: Fd, path: Path, mode: Oct):
    """Implements mkdirat(2)."""
    r = _host_only(t, dirfd, path)
    t.host.mkdir(r.dirfd, r.path, mode)
    return 0


def _mknod(t, dirfd, path, mode, dev):
    kind = mode & S_IFMT
    if kind not in (0, S_IFREG, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK):
        raise EINVAL()
    r = _host_only(t, dirfd, path)
    dev &= 0xFFFFFFFF      # the kernel takes a 32-bit dev_t here
    t.host.mknod(r.dirfd, r.path, mode, (dev >> 8) & 0xFFF, (dev & 0xFF) | ((dev >> 12) & 0xFFF00))
    return 0


@syscall("mknod")
def sys_mknod(t, path: Path, mode: Oct, dev: Hex):
    """Implements mknod(2): FIFOs, regular files, sockets and (as root)
    devices, on the host file system."""
    return _mknod(t, AT_FDCWD, path, mode, dev)


@syscall("mknodat")
def sys_mknodat(t, dirfd: Fd, path: Path, mode: Oct, dev: Hex):
    """Implements mknodat(2)."""
    return _mknod(t, dirfd, path, mode, dev)


@syscall("rmdir")
def sys_rmdir(t, path: Path):
    """Implements rmdir(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.unlink(r.dirfd, r.path, rmdir=True)
    return 0


@syscall("unlink")
def sys_unlink(t, path: Path):
    """Implements unlink(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.unlink(r.dirfd, r.path)
    return 0


@syscall("unlinkat")
def sys_unlinkat(t, dirfd: Fd, path: Path, flags: Hex):
    """Implements unlinkat(2)."""
    if flags & ~AT_REMOVEDIR:
        raise EINVAL()
    r = _host_only(t, dirfd, path)
    t.host.unlink(r.dirfd, r.path, rmdir=bool(flags & AT_REMOVEDIR))
    return 0


def _rename(t, olddirfd, old, newdirfd, new, flags):
    if flags & ~7 or (flags & 1 and flags & 2):
        raise EINVAL()
    a = _host_only(t, olddirfd, old)
    b = _host_only(t, newdirfd, new)
    t.host.rename(a.dirfd, a.path, b.dirfd, b.path, flags)
    return 0


@syscall("rename")
def sys_rename(t, old: Path, new: Path):
    """Implements rename(2)."""
    return _rename(t, AT_FDCWD, old, AT_FDCWD, new, 0)


@syscall("renameat")
def sys_renameat(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path):
    """Implements renameat(2)."""
    return _rename(t, olddirfd, old, newdirfd, new, 0)


@syscall("renameat2")
def sys_renameat2(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path, flags: Hex):
    """Implements renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE (the
    host's renameat2, or renameatx_np on macOS). Differences: RENAME_WHITEOUT
    works only on a Linux host."""
    return _rename(t, olddirfd, old, newdirfd, new, flags)


@syscall("link")
def sys_link(t, old: Path, new: Path):
    """Implements link(2)."""
    a = _host_only(t, AT_FDCWD, old)
    b = _host_only(t, AT_FDCWD, new)
    t.host.link(a.dirfd, a.path, b.dirfd, b.path, follow=False)
    return 0


@syscall("linkat")
def sys_linkat(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path, flags: Hex):
    """Implements linkat(2)."""
    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        raise EINVAL()
    a = _host_only(t, olddirfd, old)
    b = _host_only(t, newdirfd, new)
    t.host.link(a.dirfd, a.path, b.dirfd, b.path, follow=bool(flags & AT_SYMLINK_FOLLOW))
    return 0


@syscall("symlink")
def sys_symlink(t, target: Path, path: Path):
    """Implements symlink(2)."""
    r = _host_only(t, AT_FDCWD, path)
    if not target:
        raise ENOENT()
    t.host.symlink(target, r.dirfd, r.path)
    return 0


@syscall("symlinkat")
def sys_symlinkat(t, target: Path, dirfd: Fd, path: Path):
    """Implements symlinkat(2)."""
    r = _host_only(t, dirfd, path)
    if not target:
        raise ENOENT()
    t.host.symlink(target, r.dirfd, r.path)
    return 0
