"""File-system calls that open and list: open, openat, openat2, creat,
close, close_range, getdents64, getdents, and the descriptors the
unikernel serves itself (an open /proc or /sys directory, O_PATH, /dev/full,
/proc/self/fd/N and /dev/fd/N reopens).

Paths go through the VFS (kernel/vfs/resolve.py); host files through
t.host. Differences from Linux are noted per handler.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import (AT_FDCWD, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, O_ACCMODE, O_CLOEXEC, O_CREAT,
                              O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_TRUNC, O_WRONLY, OPEN_HOW)
from lxpack.abi.stat import S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, pack_dirent, pack_dirent64
from lxpack.runtime.host.api import StatResult
from lxpack.unikernel.errors import EACCES, EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, ELOOP, LinuxError
from lxpack.unikernel.kernel.fdtable import DirCursor, Emulated
from lxpack.unikernel.kernel.procmem import ProcMem
from lxpack.unikernel.kernel.vfs import devfs
from lxpack.unikernel.syscall.args import Fd, Hex, Int, Oct, Out, Path, Ptr, Size, UInt
from lxpack.unikernel.syscall.table import syscall
from lxpack.runtime.host.api import RUNTIME_FD_BASE, RUNTIME_FD_END


class EmulatedDir(Emulated):
    """An open /proc or /sys directory: entries served by getdents64."""
    kind = "dir"

    def __init__(self, entries, link_name=b"", ino=1):
        self.entries = entries
        self.link_name = link_name
        self.ino = ino                  # what stat of its path gives (fstat must agree)


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
    mode = {"file": S_IFREG | 0o444, "dir": S_IFDIR | 0o555, "link": S_IFLNK | 0o777, "mem": S_IFREG | 0o600}[node.kind]
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
    if node.kind == "mem":
        fd = host.placeholder_fd(cloexec)
        t.files.install(fd, ProcMem(node.target, r.fs.link_name(t, parts)))
        return fd
    if (flags & O_ACCMODE) != 0 or flags & (O_CREAT | O_TRUNC):
        raise EACCES()
    if node.kind == "dir":
        fd = host.placeholder_fd(cloexec)
        # Linux lists at getdents time: /proc/self/fd includes this very fd.
        node, _ = _proc_node(t, r.fs, parts, not (flags & O_NOFOLLOW))
        t.files.install(fd, EmulatedDir(node.entries, r.fs.link_name(t, parts), r.fs.inode(parts)))
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
        if p.startswith(b"/") and (st.st_mode & S_IFMT) in (S_IFREG, S_IFDIR) and not p.endswith(b" (deleted)"):
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
    kind = st.st_mode & S_IFMT
    if flags & O_DIRECTORY and kind != S_IFDIR:
        raise ENOTDIR()
    cloexec = flags & O_CLOEXEC
    if r.path.startswith(b"/"):
        host_path = r.path
    else:
        base = h.getcwd() if r.dirfd == AT_FDCWD else h.fd_path(r.dirfd)
        host_path = base.rstrip(b"/") + b"/" + r.path
    backed = kind in (S_IFDIR, S_IFREG)
    if backed:
        fd = h.openat(r.dirfd, r.path, cloexec | (flags & (O_DIRECTORY | O_NOFOLLOW)), 0)
    else:
        fd = h.openat(AT_FDCWD, devfs.HOST_NULL, cloexec, 0)
    t.files.install(fd, OPath(host_path, t.kernel.vfs.guest_path(host_path),
                              O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW)), backed))
    return fd


@syscall("open")
def sys_open(t, path: Path, flags: Hex, mode: Oct):
    """Implements open(2)."""
    if path is None:
        raise EFAULT()
    return _open_path(t, AT_FDCWD, path, flags, mode)


@syscall("openat")
def sys_openat(t, dirfd: Fd, path: Path, flags: Hex, mode: Oct):
    """Implements openat(2)."""
    if path is None:
        raise EFAULT()
    return _open_path(t, dirfd, path, flags, mode)


@syscall("openat2", support="partial", note="resolve flags ignored")
def sys_openat2(t, dirfd: Fd, path: Path, how: Ptr, size: Size):
    """Implements openat2(2) without RESOLVE_* restrictions."""
    if size < 24:
        raise EINVAL()
    flags, mode, _resolve = OPEN_HOW.unpack(t.mem.read(how, OPEN_HOW.size))
    return _open_path(t, dirfd, path, flags, mode)


@syscall("creat")
def sys_creat(t, path: Path, mode: Oct):
    """Implements creat(2): open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)."""
    return _open_path(t, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)


@syscall("close")
def sys_close(t, fd: Int):
    """Implements close(2)."""
    if RUNTIME_FD_BASE <= fd < RUNTIME_FD_END:
        raise EBADF()   # the runtime's own descriptors are invisible to the guest
    t.host.close(fd)
    obj = t.files.forget(fd)
    if obj is not None:
        obj.close(t)
    return 0


@syscall("close_range")
def sys_close_range(t, first: UInt, last: UInt, flags: UInt):
    """Implements close_range(2) (CLOSE_RANGE_CLOEXEC supported)."""
    if first > last or flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC):
        raise EINVAL()
    last = min(last, RUNTIME_FD_BASE - 1)
    for fd in range(first, last + 1):
        try:
            if flags & CLOSE_RANGE_CLOEXEC:
                t.host.set_cloexec(fd, True)
            else:
                t.host.close(fd)
                t.files.forget(fd)
        except LinuxError:
            pass
    return 0


# ---- directories -------------------------------------------------------------------------------

@syscall("getdents64")
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
            if (st.st_mode & S_IFMT) != S_IFDIR:
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
        rec = pack_dirent64(ino, cur.pos + 1, dtype, name)
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


@syscall("getdents", support="partial", note="old 32-bit dirent layout")
def sys_getdents(t, fd: Int, buf: Out[Ptr], count: Size):
    """Implements getdents(2) (struct linux_dirent: d_type in the last byte)."""
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
        rec = pack_dirent(ino, cur.pos + 1, dtype, name)
        if len(out) + len(rec) > count:
            if not out:
                raise EINVAL()
            break
        out += rec
        cur.pos += 1
    t.mem.write(buf, out)
    return len(out)
