"""File-system calls on paths and metadata: stat, lstat, fstat,
newfstatat, statx, statfs, access, readlink, getcwd, chdir, permissions,
ownership, times, truncate, umask, and extended attributes (none exist).

Paths go through the VFS (kernel/vfs/resolve.py); host files through
t.host; opening and listing is fs_open.py, changing directory entries
fs_names.py. Differences from Linux are noted per handler.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import (AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE,
                              AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_WRONLY)
from lxpack.abi.stat import (STATX_BASIC_STATS, STATX_BTIME, STATX__RESERVED, UTIME_NOW, UTIME_OMIT,
                             pack_stat_result, pack_statfs, pack_statx_result)
from lxpack.abi.stat import S_IFDIR, S_IFMT
from lxpack.abi.time import CLOCK_REALTIME, NSEC_PER_SEC, TIMESPEC_PAIR, TIMEVAL_PAIR, UTIMBUF
from lxpack.unikernel.errors import EACCES, EFAULT, EINVAL, ENOENT, ENOTDIR, ERANGE
from lxpack.unikernel.kernel import session as SESSION
from lxpack.unikernel.kernel.vfs import devfs, procfs
from lxpack.unikernel.syscall.args import CStr, Fd, Hex, Int, Oct, Out, Path, Ptr, Size, UInt, Long
from lxpack.unikernel.syscall.fs_names import _host_only
from lxpack.unikernel.syscall.fs_open import _proc_node, _proc_stat
from lxpack.unikernel.syscall.table import syscall

_STAT_FLAGS = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE    # what fstatat/statx accept


# ---- stat ------------------------------------------------------------------------------------

def _stat_of(t, dirfd, path, flags):
    if not path:
        if flags & AT_EMPTY_PATH:
            return _fstat_of(t, dirfd)
        raise ENOENT()
    follow = not (flags & AT_SYMLINK_NOFOLLOW)
    r = t.kernel.vfs.resolve(dirfd, path, follow)
    if r.kind == "host":
        return t.host.stat(r.dirfd, r.path, follow)
    if r.kind == "dev":
        if r.path == devfs.FULL:
            st = t.host.stat(AT_FDCWD, devfs.HOST_ZERO, True)
            st.st_rdev = devfs.FULL_RDEV
            return st
        if r.path == devfs.FD_DIR:
            return _proc_stat(procfs.Node("dir"), 1)
        if r.path == devfs.PTMX:
            st = t.host.stat(AT_FDCWD, devfs.PTMX, True)
            st.st_rdev = devfs.PTMX_RDEV
            return st
        fd = devfs.fd_of(r.path)
        if not t.kernel.fd_exists(t, fd):
            raise ENOENT()          # /dev/fd/N of a closed fd or a name that is no number
        if not follow:
            return _proc_stat(procfs.Node("link"), 0x100 + fd)
        return _fstat_of(t, fd)
    parts = r.parts
    if follow and r.kind == "proc" and len(parts) == 3 and parts[1] == b"fd" and parts[2].isdigit():
        if not t.kernel.fd_exists(t, int(parts[2])):
            raise ENOENT()
        return _fstat_of(t, int(parts[2]))
    node, real = _proc_node(t, r.fs, parts, follow)
    if real is not None:
        return _stat_of(t, AT_FDCWD, real, 0)
    return _proc_stat(node, r.fs.inode(parts))


def _fstat_of(t, fd):
    sp = t.files.special(fd)
    if sp is not None and sp.kind == "dir":
        return _proc_stat(procfs.Node("dir"), sp.ino)
    if sp is not None and sp.kind == "opath" and not sp.backed:
        return t.host.stat(AT_FDCWD, sp.host_path, False)
    st = t.host.fstat(fd)
    if sp is not None and sp.kind == "full":
        st.st_rdev = sp.rdev
    return st


@syscall("stat")
def sys_stat(t, path: Path, buf: Out[Ptr]):
    """Implements stat(2)."""
    t.mem.write(buf, pack_stat_result(_stat_of(t, AT_FDCWD, path, 0)))
    return 0


@syscall("lstat")
def sys_lstat(t, path: Path, buf: Out[Ptr]):
    """Implements lstat(2)."""
    t.mem.write(buf, pack_stat_result(_stat_of(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)))
    return 0


@syscall("fstat")
def sys_fstat(t, fd: Int, buf: Out[Ptr]):
    """Implements fstat(2)."""
    t.mem.write(buf, pack_stat_result(_fstat_of(t, fd)))
    return 0


@syscall("newfstatat")
def sys_newfstatat(t, dirfd: Fd, path: Path, buf: Out[Ptr], flags: Hex):
    """Implements fstatat(2)."""
    if flags & ~_STAT_FLAGS:
        raise EINVAL()
    t.mem.write(buf, pack_stat_result(_stat_of(t, dirfd, path or b"", flags)))
    return 0


@syscall("statx")
def sys_statx(t, dirfd: Fd, path: Path, flags: Hex, mask: Hex, buf: Out[Ptr]):
    """Implements statx(2): the basic stats and btime where the host has it."""
    if mask & STATX__RESERVED or flags & ~_STAT_FLAGS or flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
        raise EINVAL()
    st = _stat_of(t, dirfd, path or b"", flags)
    # The basic stats always, btime when the host has one (the requested mask
    # is not narrowed, as before).
    t.mem.write(buf, pack_statx_result(st, STATX_BASIC_STATS | (STATX_BTIME if st.st_btime_ns else 0)))
    return 0


@syscall("statfs")
def sys_statfs(t, path: Path, buf: Out[Ptr]):
    """Implements statfs(2). Differences: f_type is ext4's magic for host
    file systems, proc's for /proc."""
    r = t.kernel.vfs.resolve(AT_FDCWD, path)
    if r.kind != "host":
        from lxpack.runtime.host.api import StatfsResult
        s = StatfsResult(f_type=0x9fa0, f_bsize=4096, f_namelen=255, f_frsize=4096)
    else:
        s = t.host.statfs(r.path if r.dirfd == AT_FDCWD else r.path)
    t.mem.write(buf, pack_statfs(s))
    return 0


@syscall("fstatfs")
def sys_fstatfs(t, fd: Int, buf: Out[Ptr]):
    """Implements fstatfs(2)."""
    t.mem.write(buf, pack_statfs(t.host.statfs(fd)))
    return 0


# ---- access, readlink, cwd -----------------------------------------------------------------

def _access(t, dirfd, path, mode, flags):
    if mode & ~7:
        raise EINVAL()
    if path is None:
        raise EFAULT()
    if not path:
        if not flags & AT_EMPTY_PATH:
            raise ENOENT()
        return _access_fd(t, dirfd, mode, flags)
    r = t.kernel.vfs.resolve(dirfd, path, not (flags & AT_SYMLINK_NOFOLLOW))
    if r.kind != "host":
        _stat_of(t, dirfd, path, flags)
        if mode & 2 and r.fs is not None:
            raise EACCES()
        return 0
    t.host.access(r.dirfd, r.path, mode, effective=bool(flags & AT_EACCESS),
                  follow=not (flags & AT_SYMLINK_NOFOLLOW))
    return 0


def _access_fd(t, dirfd, mode, flags):
    """faccessat2(fd, "", mode, AT_EMPTY_PATH): the file fd names, checked as
    Linux's generic_permission does from its mode and owner (the host has no
    AT_EMPTY_PATH; a read-only mount's EROFS is not seen)."""
    if dirfd == AT_FDCWD:
        t.host.access(AT_FDCWD, b".", mode, effective=bool(flags & AT_EACCESS))
        return 0
    st = _fstat_of(t, dirfd)                    # EBADF
    if not mode:
        return 0
    h = t.host
    uid, gid = (h.geteuid(), h.getegid()) if flags & AT_EACCESS else (h.getuid(), h.getgid())
    if uid == 0:                                # CAP_DAC_OVERRIDE: X needs a dir or some x bit
        if mode & 1 and not (st.st_mode & S_IFMT == S_IFDIR or st.st_mode & 0o111):
            raise EACCES()
        return 0
    if st.st_uid == uid:
        bits = st.st_mode >> 6
    elif st.st_gid == gid or st.st_gid in h.getgroups():
        bits = st.st_mode >> 3
    else:
        bits = st.st_mode
    if mode & ~bits & 7:
        raise EACCES()
    return 0


@syscall("access")
def sys_access(t, path: Path, mode: Int):
    """Implements access(2)."""
    return _access(t, AT_FDCWD, path, mode, 0)


@syscall("faccessat")
def sys_faccessat(t, dirfd: Fd, path: Path, mode: Int):
    """Implements faccessat(2) (the raw syscall has no flags)."""
    return _access(t, dirfd, path, mode, 0)


@syscall("faccessat2")
def sys_faccessat2(t, dirfd: Fd, path: Path, mode: Int, flags: Hex):
    """Implements faccessat2(2)."""
    if flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise EINVAL()
    return _access(t, dirfd, path, mode, flags)


def _readlink(t, dirfd, path):
    if not path:
        sp = t.files.special(dirfd)
        if sp is not None and sp.kind == "opath":     # readlinkat(O_PATH fd of a symlink, "")
            return t.host.readlink(AT_FDCWD, sp.host_path)
        raise ENOENT()
    r = t.kernel.vfs.resolve(dirfd, path, False)
    if r.kind == "host":
        target = t.host.readlink(r.dirfd, r.path)
        return target
    if r.kind == "dev":
        return devfs.readlink(t, r.path)
    node = r.fs.lookup(t, r.parts)
    if node.kind != "link":
        raise EINVAL()
    return node.target


def _copy_link(t, target, buf, size):
    if Long.conv(size) <= 0:
        raise EINVAL()
    data = target[:size]
    t.mem.write(buf, data)
    return len(data)


@syscall("readlink")
def sys_readlink(t, path: Path, buf: Out[Ptr], size: Size):
    """Implements readlink(2)."""
    return _copy_link(t, _readlink(t, AT_FDCWD, path), buf, size)


@syscall("readlinkat")
def sys_readlinkat(t, dirfd: Fd, path: Path, buf: Out[Ptr], size: Size):
    """Implements readlinkat(2)."""
    return _copy_link(t, _readlink(t, dirfd, path or b""), buf, size)


@syscall("getcwd")
def sys_getcwd(t, buf: Out[Ptr], size: Size):
    """Implements getcwd(2): the host cwd, minus the bundle root prefix."""
    cwd = t.kernel.vfs.guest_path(t.host.getcwd())
    if len(cwd) + 1 > size:
        raise ERANGE()
    t.mem.write(buf, cwd + b"\0")
    return len(cwd) + 1


@syscall("chdir")
def sys_chdir(t, path: Path):
    """Implements chdir(2)."""
    r = t.kernel.vfs.resolve(AT_FDCWD, path)
    if r.kind != "host":
        raise EACCES()   # a cwd inside the emulated /proc is not supported
    t.host.chdir(r.path)
    SESSION.publish(t)
    return 0


@syscall("fchdir")
def sys_fchdir(t, fd: Int):
    """Implements fchdir(2)."""
    sp = t.files.special(fd)
    if sp is not None and not (sp.kind == "opath" and sp.backed):
        raise ENOTDIR() if sp.kind == "opath" else EACCES()
    t.host.fchdir(fd)
    SESSION.publish(t)
    return 0


# ---- permissions, ownership, times ----------------------------------------------------------

@syscall("chmod")
def sys_chmod(t, path: Path, mode: Oct):
    """Implements chmod(2)."""
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.chmod(r.dirfd, r.path, mode & 0o7777)
    return 0


@syscall("fchmod")
def sys_fchmod(t, fd: Int, mode: Oct):
    """Implements fchmod(2)."""
    t.host.fchmod(fd, mode & 0o7777)
    return 0


@syscall("fchmodat")
def sys_fchmodat(t, dirfd: Fd, path: Path, mode: Oct):
    """Implements fchmodat(2) (the raw syscall has no flags argument)."""
    r = _host_only(t, dirfd, path, True)
    t.host.chmod(r.dirfd, r.path, mode & 0o7777)
    return 0


def _chown(t, dirfd, path, uid, gid, flags):
    follow = not (flags & AT_SYMLINK_NOFOLLOW)
    if not path and flags & AT_EMPTY_PATH:
        sp = t.files.special(dirfd)
        if sp is not None and sp.kind == "opath" and not sp.backed:
            t.host.chown(AT_FDCWD, sp.host_path, _id(uid), _id(gid), follow=False)
        else:
            t.host.fchown(dirfd, _id(uid), _id(gid))
        return 0
    r = _host_only(t, dirfd, path, follow)
    t.host.chown(r.dirfd, r.path, _id(uid), _id(gid), follow=follow)
    return 0


def _id(v):
    v &= 0xFFFFFFFF
    return -1 if v == 0xFFFFFFFF else v


@syscall("chown")
def sys_chown(t, path: Path, uid: UInt, gid: UInt):
    """Implements chown(2)."""
    return _chown(t, AT_FDCWD, path, uid, gid, 0)


@syscall("lchown")
def sys_lchown(t, path: Path, uid: UInt, gid: UInt):
    """Implements lchown(2)."""
    return _chown(t, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)


@syscall("fchown")
def sys_fchown(t, fd: Int, uid: UInt, gid: UInt):
    """Implements fchown(2)."""
    t.host.fchown(fd, _id(uid), _id(gid))
    return 0


@syscall("fchownat")
def sys_fchownat(t, dirfd: Fd, path: Path, uid: UInt, gid: UInt, flags: Hex):
    """Implements fchownat(2)."""
    return _chown(t, dirfd, path or b"", uid, gid, flags)


@syscall("utimensat")
def sys_utimensat(t, dirfd: Fd, path: Path, times: Ptr, flags: Hex):
    """Implements utimensat(2) with UTIME_NOW and UTIME_OMIT."""
    now = t.host.clock_gettime_ns(CLOCK_REALTIME)
    if times:
        a_s, a_ns, m_s, m_ns = TIMESPEC_PAIR.unpack(t.mem.read(times, TIMESPEC_PAIR.size))
        vals = []
        for s, ns in ((a_s, a_ns), (m_s, m_ns)):
            if ns == UTIME_NOW:
                vals.append(now)
            elif ns == UTIME_OMIT:
                vals.append(None)
            elif not 0 <= ns < NSEC_PER_SEC:
                raise EINVAL()
            else:
                vals.append(s * NSEC_PER_SEC + ns)
        atime, mtime = vals
    else:
        atime = mtime = now
    follow = not (flags & AT_SYMLINK_NOFOLLOW)
    if path is None or (not path and flags & AT_EMPTY_PATH):
        t.host.utimens(dirfd, AT_FDCWD, atime, mtime)
        return 0
    r = _host_only(t, dirfd, path, follow)
    t.host.utimens(r.path, r.dirfd, atime, mtime, follow=follow)
    return 0


@syscall("utimes")
def sys_utimes(t, path: Path, times: Ptr):
    """Implements utimes(2) (struct timeval pairs)."""
    if times:
        a_s, a_us, m_s, m_us = TIMEVAL_PAIR.unpack(t.mem.read(times, TIMEVAL_PAIR.size))
        atime, mtime = a_s * NSEC_PER_SEC + a_us * 1000, m_s * NSEC_PER_SEC + m_us * 1000
    else:
        atime = mtime = t.host.clock_gettime_ns(CLOCK_REALTIME)
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.utimens(r.path, r.dirfd, atime, mtime)
    return 0


@syscall("utime")
def sys_utime(t, path: Path, times: Ptr):
    """Implements utime(2) (struct utimbuf)."""
    if times:
        a, m = UTIMBUF.unpack(t.mem.read(times, UTIMBUF.size))
        atime, mtime = a * NSEC_PER_SEC, m * NSEC_PER_SEC
    else:
        atime = mtime = t.host.clock_gettime_ns(CLOCK_REALTIME)
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.utimens(r.path, r.dirfd, atime, mtime)
    return 0


@syscall("truncate")
def sys_truncate(t, path: Path, length: Long):
    """Implements truncate(2)."""
    if length < 0:
        raise EINVAL()
    r = _host_only(t, AT_FDCWD, path, True)
    if r.dirfd != AT_FDCWD:
        fd = t.host.openat(r.dirfd, r.path, O_WRONLY | O_CLOEXEC, 0)
        try:
            t.host.ftruncate(fd, length)
            _resized(t, lambda: t.host.fstat(fd), length)
        finally:
            t.host.close(fd)
        return 0
    t.host.truncate(r.path, length)
    _resized(t, lambda: t.host.stat(AT_FDCWD, r.path, True), length)
    return 0


@syscall("ftruncate")
def sys_ftruncate(t, fd: Int, length: Long):
    """Implements ftruncate(2)."""
    if length < 0:
        raise EINVAL()
    if t.process.memfd_seals:
        from lxpack.unikernel.kernel import memfd_seals
        memfd_seals.check_resize(t, fd, length)
    t.host.ftruncate(fd, length)
    _resized(t, lambda: t.host.fstat(fd), length)
    return 0


def _resized(t, stat, length):
    """Shared mappings of a file whose size changed (SIGBUS past its end);
    stat() gives the file's identity, asked only if the process has any."""
    if t.mem.maps_shared_files():
        st = stat()
        t.mem.file_resized(st.st_dev, st.st_ino, length)


@syscall("umask")
def sys_umask(t, mask: Oct):
    """Implements umask(2) (the host process's umask)."""
    return t.host.umask(mask & 0o777)


# ---- extended attributes ------------------------------------------------------------------------
# lxpack does not carry extended attributes across (macOS and Linux name
# spaces differ): every file has none. Lookups fail like an absent
# attribute (ENODATA), listings are empty, changes are refused (ENOTSUP).

def _xattr_target(t, path, follow):
    _stat_of(t, AT_FDCWD, path, 0 if follow else AT_SYMLINK_NOFOLLOW)


def _xattr_get(t, path, follow):
    from lxpack.unikernel.errors import ENODATA
    _xattr_target(t, path, follow)
    raise ENODATA()


@syscall("getxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_getxattr(t, path: Path, name: CStr, value: Ptr, size: Size):
    """Implements getxattr(2): no attributes exist."""
    return _xattr_get(t, path, True)


@syscall("lgetxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_lgetxattr(t, path: Path, name: CStr, value: Ptr, size: Size):
    """Implements lgetxattr(2): no attributes exist."""
    return _xattr_get(t, path, False)


@syscall("fgetxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_fgetxattr(t, fd: Int, name: CStr, value: Ptr, size: Size):
    """Implements fgetxattr(2): no attributes exist."""
    from lxpack.unikernel.errors import ENODATA
    _fstat_of(t, fd)
    raise ENODATA()


@syscall("listxattr", support="partial", note="always an empty list")
def sys_listxattr(t, path: Path, lst: Ptr, size: Size):
    """Implements listxattr(2): an empty list."""
    _xattr_target(t, path, True)
    return 0


@syscall("llistxattr", support="partial", note="always an empty list")
def sys_llistxattr(t, path: Path, lst: Ptr, size: Size):
    """Implements llistxattr(2): an empty list."""
    _xattr_target(t, path, False)
    return 0


@syscall("flistxattr", support="partial", note="always an empty list")
def sys_flistxattr(t, fd: Int, lst: Ptr, size: Size):
    """Implements flistxattr(2): an empty list."""
    _fstat_of(t, fd)
    return 0


def _xattr_set(t):
    from lxpack.unikernel.errors import EOPNOTSUPP
    raise EOPNOTSUPP()


@syscall("setxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_setxattr(t, path: Path, name: CStr, value: Ptr, size: Size, flags: Int):
    """setxattr(2) is refused (EOPNOTSUPP)."""
    _xattr_target(t, path, True)
    return _xattr_set(t)


@syscall("lsetxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_lsetxattr(t, path: Path, name: CStr, value: Ptr, size: Size, flags: Int):
    """lsetxattr(2) is refused (EOPNOTSUPP)."""
    _xattr_target(t, path, False)
    return _xattr_set(t)


@syscall("fsetxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_fsetxattr(t, fd: Int, name: CStr, value: Ptr, size: Size, flags: Int):
    """fsetxattr(2) is refused (EOPNOTSUPP)."""
    _fstat_of(t, fd)
    return _xattr_set(t)


@syscall("removexattr", support="partial", note="no attributes: ENODATA")
def sys_removexattr(t, path: Path, name: CStr):
    """removexattr(2): there is nothing to remove (ENODATA)."""
    return _xattr_get(t, path, True)


@syscall("lremovexattr", support="partial", note="no attributes: ENODATA")
def sys_lremovexattr(t, path: Path, name: CStr):
    """lremovexattr(2): there is nothing to remove (ENODATA)."""
    return _xattr_get(t, path, False)


@syscall("fremovexattr", support="partial", note="no attributes: ENODATA")
def sys_fremovexattr(t, fd: Int, name: CStr):
    """fremovexattr(2): there is nothing to remove (ENODATA)."""
    from lxpack.unikernel.errors import ENODATA
    _fstat_of(t, fd)
    raise ENODATA()
