"""File-system system calls: open/close, paths, stat, directories, links,
permissions, times, and the emulated /proc, /sys and /dev nodes.

Paths go through the VFS (kernel/vfs/resolve.py); host files through
t.host. Differences from Linux are noted per handler.
Travels inside bundles: Python 3.9.
"""
from lxpack.runtime.host.api import StatResult
from lxpack.unikernel.errors import (EACCES, EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EISDIR, ELOOP, ERANGE,
                                     EROFS, ENAMETOOLONG, LinuxError)
from lxpack.unikernel.kernel import structs
from lxpack.unikernel.kernel.fdtable import DirCursor, Emulated
from lxpack.unikernel.kernel.vfs import devfs, procfs
from lxpack.unikernel.syscall.args import CStr, Fd, Hex, Int, Oct, Out, Path, Ptr, Size, UInt, Long
from lxpack.unikernel.syscall.table import syscall
from lxpack.runtime.host.api import RUNTIME_FD_BASE, RUNTIME_FD_END

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_REMOVEDIR = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_EACCESS = 0x200
AT_EMPTY_PATH = 0x1000
AT_NO_AUTOMOUNT = 0x800
AT_STATX_SYNC_TYPE = 0x6000
_STAT_FLAGS = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE    # what fstatat/statx accept
O_ACCMODE = 3
O_CREAT = 0o100
O_EXCL = 0o200
O_TRUNC = 0o1000
O_NONBLOCK = 0o4000
O_DIRECTORY = 0o200000
O_NOFOLLOW = 0o400000
O_CLOEXEC = 0o2000000
O_PATH = 0o10000000
O_TMPFILE = 0o20000000 | O_DIRECTORY


class EmulatedDir(Emulated):
    """An open /proc or /sys directory: entries served by getdents64."""
    kind = "dir"

    def __init__(self, entries, link_name=b""):
        self.entries = entries
        self.link_name = link_name


class OPath(Emulated):
    """An O_PATH descriptor: it names a file without opening it for I/O
    (read/write are EBADF). O_PATH is Linux-only, so the host fd behind it
    is an ordinary read-only open of the file for directories and regular
    files (fstat, fchdir and *at lookups go straight to the host), and a
    /dev/null placeholder for what cannot be opened without side effects or
    at all: symlinks (O_NOFOLLOW), FIFOs, sockets, devices. Those are
    served from host_path."""
    kind = "opath"

    def __init__(self, host_path, link_name, flags, backed):
        self.host_path = host_path      # absolute host path of the file itself
        self.link_name = link_name      # what /proc/self/fd/N shows
        self.flags = flags              # what F_GETFL shows
        self.backed = backed            # the host fd is an open of the file


def _proc_stat(node, ino):
    mode = {"file": 0o100444, "dir": 0o40555, "link": 0o120777}[node.kind]
    return StatResult(st_dev=0x16, st_ino=ino, st_nlink=2 if node.kind == "dir" else 1, st_mode=mode,
                      st_uid=0, st_gid=0, st_size=0, st_blksize=1024, st_blocks=0)


def _proc_node(t, fs, parts, follow):
    node = fs.lookup(t, parts)
    hops = 0
    while follow and node.kind == "link":
        hops += 1
        if hops > 8:
            raise ELOOP()
        tgt = node.target
        if tgt.startswith(b"/"):
            return None, tgt
        if b":[" in tgt or tgt.startswith(b"anon_inode:"):
            return node, None
        # relative link inside /proc (self -> PID)
        parts = (tgt.split(b"/")) + list(parts[1:]) if parts and parts[0] in (b"self", b"thread-self") else parts
        node = fs.lookup(t, tuple(parts))
    return node, None


def _open_special(t, r, flags, mode):
    """open() of /proc, /sys or a /dev name the unikernel serves."""
    host = t.host
    cloexec = bool(flags & O_CLOEXEC)
    if r.kind == "dev":
        p = r.path
        if p == devfs.FULL:
            fd = host.openat(AT_FDCWD, devfs.HOST_ZERO, flags & ~(O_CREAT | O_TRUNC | O_EXCL), 0)
            t.files.install(fd, devfs.DevFull())
            return fd
        if p == devfs.PTMX:
            from lxpack.unikernel.syscall import tty
            return tty.open_ptmx(t, flags)
        if p == devfs.FD_DIR:
            return _open_special(t, t.kernel.vfs.resolve(AT_FDCWD, devfs.FD_DIR_TARGET), flags, mode)
        n = devfs.fd_of(p)
        if n < 0:
            raise ENOENT()
        return _reopen_fd(t, n, flags, mode)
    parts = r.parts
    if r.kind == "proc" and len(parts) == 3 and parts[1] == b"fd" and parts[2].isdigit() and \
            (parts[0] in (b"self", b"thread-self") or parts[0].isdigit()):
        return _reopen_fd(t, int(parts[2]), flags, mode)
    node, real = _proc_node(t, r.fs, parts, not (flags & O_NOFOLLOW))
    if real is not None:
        return _open_path(t, AT_FDCWD, real, flags, mode)
    if node.kind == "link":
        raise ELOOP()
    if (flags & O_ACCMODE) != 0 or flags & (O_CREAT | O_TRUNC):
        raise EACCES()
    if node.kind == "dir":
        fd = host.placeholder_fd(cloexec)
        # Linux lists at getdents time: /proc/self/fd includes this very fd.
        node, _ = _proc_node(t, r.fs, parts, not (flags & O_NOFOLLOW))
        t.files.install(fd, EmulatedDir(node.entries, r.fs.link_name(t, parts)))
        return fd
    if flags & O_DIRECTORY:
        raise ENOTDIR()
    return host.anon_file(node.content, cloexec)


def _reopen_fd(t, n, flags, mode):
    """open("/proc/self/fd/N"): Linux reopens the file; for a path-backed
    file we reopen the path, for pipes and sockets we duplicate."""
    if not t.kernel.fd_exists(t, n):
        raise ENOENT()
    sp = t.files.special(n)
    if sp is not None and sp.kind == "opath":
        return _open_path(t, AT_FDCWD, sp.host_path, flags, mode)
    if sp is None:
        try:
            p = t.host.fd_path(n)
        except LinuxError:
            p = b""
        st = t.host.fstat(n)
        if p.startswith(b"/") and (st.st_mode & 0o170000) in (0o100000, 0o040000) and not p.endswith(b" (deleted)"):
            fd = t.host.openat(AT_FDCWD, p, flags & ~(O_CREAT | O_EXCL), mode)
            return fd
    fd = t.host.dup(n, bool(flags & O_CLOEXEC))
    t.files.copy(n, fd)
    return fd


def _open_path(t, dirfd, path, flags, mode):
    if not path:
        raise ENOENT()
    r = t.kernel.vfs.resolve(dirfd, path, not (flags & O_NOFOLLOW))
    if r.kind != "host":
        return _open_special(t, r, flags, mode)
    if flags & O_PATH:
        return _open_o_path(t, r, flags)
    return t.host.openat(r.dirfd, r.path, flags, mode)


def _open_o_path(t, r, flags):
    """open(O_PATH): see OPath."""
    h = t.host
    st = h.stat(r.dirfd, r.path, not (flags & O_NOFOLLOW))
    kind = st.st_mode & 0o170000
    if flags & O_DIRECTORY and kind != 0o040000:
        raise ENOTDIR()
    cloexec = flags & O_CLOEXEC
    if r.path.startswith(b"/"):
        host_path = r.path
    else:
        base = h.getcwd() if r.dirfd == AT_FDCWD else h.fd_path(r.dirfd)
        host_path = base.rstrip(b"/") + b"/" + r.path
    backed = kind in (0o040000, 0o100000)
    if backed:
        fd = h.openat(r.dirfd, r.path, cloexec | (flags & (O_DIRECTORY | O_NOFOLLOW)), 0)
    else:
        fd = h.openat(AT_FDCWD, devfs.HOST_NULL, cloexec, 0)
    t.files.install(fd, OPath(host_path, t.kernel.vfs.guest_path(host_path), O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW)), backed))
    return fd


@syscall(2, "open")
def sys_open(t, path: Path, flags: Hex, mode: Oct):
    """Implements open(2)."""
    if path is None:
        raise EFAULT()
    return _open_path(t, AT_FDCWD, path, flags, mode)


@syscall(257, "openat")
def sys_openat(t, dirfd: Fd, path: Path, flags: Hex, mode: Oct):
    """Implements openat(2)."""
    if path is None:
        raise EFAULT()
    return _open_path(t, dirfd, path, flags, mode)


@syscall(437, "openat2", support="partial", note="resolve flags ignored")
def sys_openat2(t, dirfd: Fd, path: Path, how: Ptr, size: Size):
    """Implements openat2(2) without RESOLVE_* restrictions."""
    if size < 24:
        raise EINVAL()
    import struct
    flags, mode, _resolve = struct.unpack("<QQQ", t.mem.read(how, 24))
    return _open_path(t, dirfd, path, flags, mode)


@syscall(85, "creat")
def sys_creat(t, path: Path, mode: Oct):
    """Implements creat(2): open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)."""
    return _open_path(t, AT_FDCWD, path, O_CREAT | 1 | O_TRUNC, mode)


@syscall(3, "close")
def sys_close(t, fd: Int):
    """Implements close(2)."""
    if RUNTIME_FD_BASE <= fd < RUNTIME_FD_END:
        raise EBADF()   # the runtime's own descriptors are invisible to the guest
    t.host.close(fd)
    obj = t.files.forget(fd)
    if obj is not None:
        obj.close(t)
    return 0


@syscall(436, "close_range")
def sys_close_range(t, first: UInt, last: UInt, flags: UInt):
    """Implements close_range(2) (CLOSE_RANGE_CLOEXEC supported)."""
    if first > last or flags & ~6:
        raise EINVAL()
    last = min(last, 899)
    for fd in range(first, last + 1):
        try:
            if flags & 4:
                t.host.set_cloexec(fd, True)
            else:
                t.host.close(fd)
                t.files.forget(fd)
        except LinuxError:
            pass
    return 0


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
        fd = devfs.fd_of(r.path)
        if not follow:
            return _proc_stat(procfs.Node("link"), 0x100 + fd)
        return _fstat_of(t, fd)
    parts = r.parts
    if follow and r.kind == "proc" and len(parts) == 3 and parts[1] == b"fd" and parts[2].isdigit():
        return _fstat_of(t, int(parts[2]))
    node, real = _proc_node(t, r.fs, parts, follow)
    if real is not None:
        return _stat_of(t, AT_FDCWD, real, 0)
    return _proc_stat(node, r.fs.inode(parts))


def _fstat_of(t, fd):
    sp = t.files.special(fd)
    if sp is not None and sp.kind == "dir":
        return _proc_stat(procfs.Node("dir"), fd)
    if sp is not None and sp.kind == "opath" and not sp.backed:
        return t.host.stat(AT_FDCWD, sp.host_path, False)
    st = t.host.fstat(fd)
    if sp is not None and sp.kind == "full":
        st.st_rdev = sp.rdev
    return st


@syscall(4, "stat")
def sys_stat(t, path: Path, buf: Out[Ptr]):
    """Implements stat(2)."""
    t.mem.write(buf, structs.pack_stat(_stat_of(t, AT_FDCWD, path, 0)))
    return 0


@syscall(6, "lstat")
def sys_lstat(t, path: Path, buf: Out[Ptr]):
    """Implements lstat(2)."""
    t.mem.write(buf, structs.pack_stat(_stat_of(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)))
    return 0


@syscall(5, "fstat")
def sys_fstat(t, fd: Int, buf: Out[Ptr]):
    """Implements fstat(2)."""
    t.mem.write(buf, structs.pack_stat(_fstat_of(t, fd)))
    return 0


@syscall(262, "newfstatat")
def sys_newfstatat(t, dirfd: Fd, path: Path, buf: Out[Ptr], flags: Hex):
    """Implements fstatat(2)."""
    if flags & ~_STAT_FLAGS:
        raise EINVAL()
    t.mem.write(buf, structs.pack_stat(_stat_of(t, dirfd, path or b"", flags)))
    return 0


@syscall(332, "statx")
def sys_statx(t, dirfd: Fd, path: Path, flags: Hex, mask: Hex, buf: Out[Ptr]):
    """Implements statx(2): the basic stats and btime where the host has it."""
    if mask & 0x80000000 or flags & ~_STAT_FLAGS or flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
        raise EINVAL()
    st = _stat_of(t, dirfd, path or b"", flags)
    t.mem.write(buf, structs.pack_statx(st, mask))
    return 0


@syscall(137, "statfs")
def sys_statfs(t, path: Path, buf: Out[Ptr]):
    """Implements statfs(2). Differences: f_type is ext4's magic for host
    file systems, proc's for /proc."""
    r = t.kernel.vfs.resolve(AT_FDCWD, path)
    if r.kind != "host":
        from lxpack.runtime.host.api import StatfsResult
        s = StatfsResult(f_type=0x9fa0, f_bsize=4096, f_namelen=255, f_frsize=4096)
    else:
        s = t.host.statfs(r.path if r.dirfd == AT_FDCWD else r.path)
    t.mem.write(buf, structs.pack_statfs(s))
    return 0


@syscall(138, "fstatfs")
def sys_fstatfs(t, fd: Int, buf: Out[Ptr]):
    """Implements fstatfs(2)."""
    t.mem.write(buf, structs.pack_statfs(t.host.statfs(fd)))
    return 0


# ---- access, readlink, cwd -----------------------------------------------------------------

def _access(t, dirfd, path, mode, flags):
    if mode & ~7:
        raise EINVAL()
    if path is None:
        raise EFAULT()
    r = t.kernel.vfs.resolve(dirfd, path, not (flags & AT_SYMLINK_NOFOLLOW))
    if r.kind != "host":
        _stat_of(t, dirfd, path, flags)
        if mode & 2 and r.fs is not None:
            raise EACCES()
        return 0
    t.host.access(r.dirfd, r.path, mode, effective=bool(flags & AT_EACCESS),
                  follow=not (flags & AT_SYMLINK_NOFOLLOW))
    return 0


@syscall(21, "access")
def sys_access(t, path: Path, mode: Int):
    """Implements access(2)."""
    return _access(t, AT_FDCWD, path, mode, 0)


@syscall(269, "faccessat")
def sys_faccessat(t, dirfd: Fd, path: Path, mode: Int):
    """Implements faccessat(2) (the raw syscall has no flags)."""
    return _access(t, dirfd, path, mode, 0)


@syscall(439, "faccessat2")
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


@syscall(89, "readlink")
def sys_readlink(t, path: Path, buf: Out[Ptr], size: Size):
    """Implements readlink(2)."""
    return _copy_link(t, _readlink(t, AT_FDCWD, path), buf, size)


@syscall(267, "readlinkat")
def sys_readlinkat(t, dirfd: Fd, path: Path, buf: Out[Ptr], size: Size):
    """Implements readlinkat(2)."""
    return _copy_link(t, _readlink(t, dirfd, path or b""), buf, size)


@syscall(79, "getcwd")
def sys_getcwd(t, buf: Out[Ptr], size: Size):
    """Implements getcwd(2): the host cwd, minus the bundle root prefix."""
    cwd = t.kernel.vfs.guest_path(t.host.getcwd())
    if len(cwd) + 1 > size:
        raise ERANGE()
    t.mem.write(buf, cwd + b"\0")
    return len(cwd) + 1


@syscall(80, "chdir")
def sys_chdir(t, path: Path):
    """Implements chdir(2)."""
    r = t.kernel.vfs.resolve(AT_FDCWD, path)
    if r.kind != "host":
        raise EACCES()   # a cwd inside the emulated /proc is not supported
    t.host.chdir(r.path)
    return 0


@syscall(81, "fchdir")
def sys_fchdir(t, fd: Int):
    """Implements fchdir(2)."""
    sp = t.files.special(fd)
    if sp is not None and not (sp.kind == "opath" and sp.backed):
        raise ENOTDIR() if sp.kind == "opath" else EACCES()
    t.host.fchdir(fd)
    return 0


# ---- directories -------------------------------------------------------------------------------

@syscall(217, "getdents64")
def sys_getdents64(t, fd: Int, buf: Out[Ptr], count: Size):
    """Implements getdents64(2). The listing is taken at the first call and
    served from a cursor (rewound by lseek(fd, 0, SEEK_SET))."""
    cur = t.files.cursors.get(fd)
    if cur is None:
        sp = t.files.special(fd)
        if sp is not None and sp.kind == "opath":
            raise EBADF()
        if sp is not None and sp.kind == "dir":
            entries = [(b".", 1, 4), (b"..", 1, 4)] + [(n, 1000 + i, d) for i, (n, d) in enumerate(sp.entries)]
        else:
            st = t.host.fstat(fd)
            if (st.st_mode & 0o170000) != 0o040000:
                raise ENOTDIR()
            entries = t.host.listdir(fd)
            if t.kernel.vfs.listing_names:
                entries = t.kernel.vfs.listing(t.host.fd_path(fd), entries)
        cur = DirCursor(entries)
        t.files.cursors[fd] = cur
    out = []
    used = 0
    while cur.pos < len(cur.entries):
        name, ino, dtype = cur.entries[cur.pos]
        rec = structs.dirent64(ino, cur.pos + 1, dtype, name)
        if used + len(rec) > count:
            if not out:
                raise EINVAL()
            break
        out.append(rec)
        used += len(rec)
        cur.pos += 1
    data = b"".join(out)
    t.mem.write(buf, data)
    return len(data)


@syscall(78, "getdents", support="partial", note="old 32-bit dirent layout")
def sys_getdents(t, fd: Int, buf: Out[Ptr], count: Size):
    """Implements getdents(2) (struct linux_dirent: d_type in the last byte)."""
    import struct
    cur = t.files.cursors.get(fd)
    if cur is None:
        entries = t.host.listdir(fd)
        if t.kernel.vfs.listing_names:
            entries = t.kernel.vfs.listing(t.host.fd_path(fd), entries)
        cur = DirCursor(entries)
        t.files.cursors[fd] = cur
    out = b""
    while cur.pos < len(cur.entries):
        name, ino, dtype = cur.entries[cur.pos]
        reclen = (18 + len(name) + 2 + 7) & ~7
        rec = struct.pack("<QqH", ino, cur.pos + 1, reclen) + name + b"\0" * (reclen - 18 - len(name) - 1) + bytes([dtype])
        if len(out) + reclen > count:
            if not out:
                raise EINVAL()
            break
        out += rec
        cur.pos += 1
    t.mem.write(buf, out)
    return len(out)


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


@syscall(83, "mkdir")
def sys_mkdir(t, path: Path, mode: Oct):
    """Implements mkdir(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.mkdir(r.dirfd, r.path, mode)
    return 0


@syscall(258, "mkdirat")
def sys_mkdirat(t, dirfd: Fd, path: Path, mode: Oct):
    """Implements mkdirat(2)."""
    r = _host_only(t, dirfd, path)
    t.host.mkdir(r.dirfd, r.path, mode)
    return 0


def _mknod(t, dirfd, path, mode, dev):
    kind = mode & 0o170000
    if kind not in (0, 0o100000, 0o010000, 0o020000, 0o060000, 0o140000):
        raise EINVAL()
    r = _host_only(t, dirfd, path)
    dev &= 0xFFFFFFFF      # the kernel takes a 32-bit dev_t here
    t.host.mknod(r.dirfd, r.path, mode, (dev >> 8) & 0xFFF, (dev & 0xFF) | ((dev >> 12) & 0xFFF00))
    return 0


@syscall(133, "mknod")
def sys_mknod(t, path: Path, mode: Oct, dev: Hex):
    """Implements mknod(2): FIFOs, regular files, sockets and (as root)
    devices, on the host file system."""
    return _mknod(t, AT_FDCWD, path, mode, dev)


@syscall(259, "mknodat")
def sys_mknodat(t, dirfd: Fd, path: Path, mode: Oct, dev: Hex):
    """Implements mknodat(2)."""
    return _mknod(t, dirfd, path, mode, dev)


@syscall(84, "rmdir")
def sys_rmdir(t, path: Path):
    """Implements rmdir(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.unlink(r.dirfd, r.path, rmdir=True)
    return 0


@syscall(87, "unlink")
def sys_unlink(t, path: Path):
    """Implements unlink(2)."""
    r = _host_only(t, AT_FDCWD, path)
    t.host.unlink(r.dirfd, r.path)
    return 0


@syscall(263, "unlinkat")
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


@syscall(82, "rename")
def sys_rename(t, old: Path, new: Path):
    """Implements rename(2)."""
    return _rename(t, AT_FDCWD, old, AT_FDCWD, new, 0)


@syscall(264, "renameat")
def sys_renameat(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path):
    """Implements renameat(2)."""
    return _rename(t, olddirfd, old, newdirfd, new, 0)


@syscall(316, "renameat2")
def sys_renameat2(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path, flags: Hex):
    """Implements renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE (the
    host's renameat2, or renameatx_np on macOS). Differences: RENAME_WHITEOUT
    works only on a Linux host."""
    return _rename(t, olddirfd, old, newdirfd, new, flags)


@syscall(86, "link")
def sys_link(t, old: Path, new: Path):
    """Implements link(2)."""
    a = _host_only(t, AT_FDCWD, old)
    b = _host_only(t, AT_FDCWD, new)
    t.host.link(a.dirfd, a.path, b.dirfd, b.path, follow=False)
    return 0


@syscall(265, "linkat")
def sys_linkat(t, olddirfd: Fd, old: Path, newdirfd: Fd, new: Path, flags: Hex):
    """Implements linkat(2)."""
    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        raise EINVAL()
    a = _host_only(t, olddirfd, old)
    b = _host_only(t, newdirfd, new)
    t.host.link(a.dirfd, a.path, b.dirfd, b.path, follow=bool(flags & AT_SYMLINK_FOLLOW))
    return 0


@syscall(88, "symlink")
def sys_symlink(t, target: Path, path: Path):
    """Implements symlink(2)."""
    r = _host_only(t, AT_FDCWD, path)
    if not target:
        raise ENOENT()
    t.host.symlink(target, r.dirfd, r.path)
    return 0


@syscall(266, "symlinkat")
def sys_symlinkat(t, target: Path, dirfd: Fd, path: Path):
    """Implements symlinkat(2)."""
    r = _host_only(t, dirfd, path)
    if not target:
        raise ENOENT()
    t.host.symlink(target, r.dirfd, r.path)
    return 0


# ---- permissions, ownership, times ----------------------------------------------------------

@syscall(90, "chmod")
def sys_chmod(t, path: Path, mode: Oct):
    """Implements chmod(2)."""
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.chmod(r.dirfd, r.path, mode & 0o7777)
    return 0


@syscall(91, "fchmod")
def sys_fchmod(t, fd: Int, mode: Oct):
    """Implements fchmod(2)."""
    t.host.fchmod(fd, mode & 0o7777)
    return 0


@syscall(268, "fchmodat")
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


@syscall(92, "chown")
def sys_chown(t, path: Path, uid: UInt, gid: UInt):
    """Implements chown(2)."""
    return _chown(t, AT_FDCWD, path, uid, gid, 0)


@syscall(94, "lchown")
def sys_lchown(t, path: Path, uid: UInt, gid: UInt):
    """Implements lchown(2)."""
    return _chown(t, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)


@syscall(93, "fchown")
def sys_fchown(t, fd: Int, uid: UInt, gid: UInt):
    """Implements fchown(2)."""
    t.host.fchown(fd, _id(uid), _id(gid))
    return 0


@syscall(260, "fchownat")
def sys_fchownat(t, dirfd: Fd, path: Path, uid: UInt, gid: UInt, flags: Hex):
    """Implements fchownat(2)."""
    return _chown(t, dirfd, path or b"", uid, gid, flags)


UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


@syscall(280, "utimensat")
def sys_utimensat(t, dirfd: Fd, path: Path, times: Ptr, flags: Hex):
    """Implements utimensat(2) with UTIME_NOW and UTIME_OMIT."""
    import struct
    now = t.host.clock_gettime_ns(0)
    if times:
        a_s, a_ns, m_s, m_ns = struct.unpack("<qqqq", t.mem.read(times, 32))
        vals = []
        for s, ns in ((a_s, a_ns), (m_s, m_ns)):
            if ns == UTIME_NOW:
                vals.append(now)
            elif ns == UTIME_OMIT:
                vals.append(None)
            elif not 0 <= ns < 10**9:
                raise EINVAL()
            else:
                vals.append(s * 10**9 + ns)
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


@syscall(235, "utimes")
def sys_utimes(t, path: Path, times: Ptr):
    """Implements utimes(2) (struct timeval pairs)."""
    import struct
    if times:
        a_s, a_us, m_s, m_us = struct.unpack("<qqqq", t.mem.read(times, 32))
        atime, mtime = a_s * 10**9 + a_us * 1000, m_s * 10**9 + m_us * 1000
    else:
        atime = mtime = t.host.clock_gettime_ns(0)
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.utimens(r.path, r.dirfd, atime, mtime)
    return 0


@syscall(132, "utime")
def sys_utime(t, path: Path, times: Ptr):
    """Implements utime(2) (struct utimbuf)."""
    import struct
    if times:
        a, m = struct.unpack("<qq", t.mem.read(times, 16))
        atime, mtime = a * 10**9, m * 10**9
    else:
        atime = mtime = t.host.clock_gettime_ns(0)
    r = _host_only(t, AT_FDCWD, path, True)
    t.host.utimens(r.path, r.dirfd, atime, mtime)
    return 0


@syscall(76, "truncate")
def sys_truncate(t, path: Path, length: Long):
    """Implements truncate(2)."""
    if length < 0:
        raise EINVAL()
    r = _host_only(t, AT_FDCWD, path, True)
    if r.dirfd != AT_FDCWD:
        fd = t.host.openat(r.dirfd, r.path, 1 | O_CLOEXEC, 0)
        try:
            t.host.ftruncate(fd, length)
        finally:
            t.host.close(fd)
        return 0
    t.host.truncate(r.path, length)
    return 0


@syscall(77, "ftruncate")
def sys_ftruncate(t, fd: Int, length: Long):
    """Implements ftruncate(2)."""
    if length < 0:
        raise EINVAL()
    if t.process.memfd_seals:
        from lxpack.unikernel.kernel import memfd_seals
        memfd_seals.check_resize(t, fd, length)
    t.host.ftruncate(fd, length)
    return 0


@syscall(95, "umask")
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


@syscall(191, "getxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_getxattr(t, path: Path, name: CStr, value: Ptr, size: Size):
    """Implements getxattr(2): no attributes exist."""
    return _xattr_get(t, path, True)


@syscall(192, "lgetxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_lgetxattr(t, path: Path, name: CStr, value: Ptr, size: Size):
    """Implements lgetxattr(2): no attributes exist."""
    return _xattr_get(t, path, False)


@syscall(193, "fgetxattr", support="partial", note="files have no extended attributes (ENODATA)")
def sys_fgetxattr(t, fd: Int, name: CStr, value: Ptr, size: Size):
    """Implements fgetxattr(2): no attributes exist."""
    from lxpack.unikernel.errors import ENODATA
    _fstat_of(t, fd)
    raise ENODATA()


@syscall(194, "listxattr", support="partial", note="always an empty list")
def sys_listxattr(t, path: Path, lst: Ptr, size: Size):
    """Implements listxattr(2): an empty list."""
    _xattr_target(t, path, True)
    return 0


@syscall(195, "llistxattr", support="partial", note="always an empty list")
def sys_llistxattr(t, path: Path, lst: Ptr, size: Size):
    """Implements llistxattr(2): an empty list."""
    _xattr_target(t, path, False)
    return 0


@syscall(196, "flistxattr", support="partial", note="always an empty list")
def sys_flistxattr(t, fd: Int, lst: Ptr, size: Size):
    """Implements flistxattr(2): an empty list."""
    _fstat_of(t, fd)
    return 0


def _xattr_set(t):
    from lxpack.unikernel.errors import EOPNOTSUPP
    raise EOPNOTSUPP()


@syscall(188, "setxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_setxattr(t, path: Path, name: CStr, value: Ptr, size: Size, flags: Int):
    """setxattr(2) is refused (EOPNOTSUPP)."""
    _xattr_target(t, path, True)
    return _xattr_set(t)


@syscall(189, "lsetxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_lsetxattr(t, path: Path, name: CStr, value: Ptr, size: Size, flags: Int):
    """lsetxattr(2) is refused (EOPNOTSUPP)."""
    _xattr_target(t, path, False)
    return _xattr_set(t)


@syscall(190, "fsetxattr", support="stub", note="refused: EOPNOTSUPP")
def sys_fsetxattr(t, fd: Int, name: CStr, value: Ptr, size: Size, flags: Int):
    """fsetxattr(2) is refused (EOPNOTSUPP)."""
    _fstat_of(t, fd)
    return _xattr_set(t)


@syscall(197, "removexattr", support="partial", note="no attributes: ENODATA")
def sys_removexattr(t, path: Path, name: CStr):
    """removexattr(2): there is nothing to remove (ENODATA)."""
    return _xattr_get(t, path, True)


@syscall(198, "lremovexattr", support="partial", note="no attributes: ENODATA")
def sys_lremovexattr(t, path: Path, name: CStr):
    """lremovexattr(2): there is nothing to remove (ENODATA)."""
    return _xattr_get(t, path, False)


@syscall(199, "fremovexattr", support="partial", note="no attributes: ENODATA")
def sys_fremovexattr(t, fd: Int, name: CStr):
    """fremovexattr(2): there is nothing to remove (ENODATA)."""
    from lxpack.unikernel.errors import ENODATA
    _fstat_of(t, fd)
    raise ENODATA()
