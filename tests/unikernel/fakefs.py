"""The file side of the fake host: an in-memory file system (regular
files, directories, symlinks, character devices), pipes and the fd table.

Owns: Inode / Pipe / OpenFile (an open file description shared by dup'ed
fds), FakeMapping, and FakeFiles, the mixin of FakeHost (fakehost.py) with
the host's path, file and descriptor methods, following runtime/host/api.py
as PosixHost does: Linux flags and modes in, Linux errno out (a plain
LinuxError), guest fd N = host fd N, the runtime's private descriptors at
RUNTIME_FD_BASE and above. Paths are walked as Linux's path lookup does
(symlinks followed up to 40 hops, ENOTDIR through a non-directory, a
trailing slash only on a directory); permissions are the owner's (or
other's) mode bits for a uid other than 0.
"""
from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import stat as ST
from lxpack.runtime.host.api import RUNTIME_FD_BASE, RUNTIME_FD_END, LinuxError, StatResult

AT_FDCWD = F.AT_FDCWD
PIPE_CAPACITY = 65536
FS_DEV = (8 << 8) | 3            # /dev/sda3, Linux-encoded
PIPE_DEV = 0xC                   # pipefs
NS = 10**9
_STATUS_SETTABLE = F.O_APPEND | F.O_NONBLOCK | F.O_DIRECT | F.O_NOATIME | F.O_ASYNC
_STATUS_KEPT = F.O_ACCMODE | _STATUS_SETTABLE | F.O_SYNC | F.O_PATH


class FakeWouldBlock(AssertionError):
    """The call would block forever in a single-threaded test."""


def _err(errno):
    return LinuxError(errno)


class Inode(object):
    __slots__ = ("kind", "perm", "ino", "data", "entries", "parent", "target", "nlink", "uid", "gid",
                 "atime", "mtime", "ctime", "rdev", "pipe")

    def __init__(self, kind, perm, ino, now, uid, gid):
        self.kind = kind          # 'reg' | 'dir' | 'lnk' | 'fifo' | 'chr'
        self.perm = perm & 0o7777
        self.ino = ino
        self.data = bytearray()
        self.entries = {} if kind == "dir" else None
        self.parent = None
        self.target = b""
        self.nlink = 2 if kind == "dir" else 1
        self.uid, self.gid = uid, gid
        self.atime = self.mtime = self.ctime = now
        self.rdev = 0
        self.pipe = None

    @property
    def mode(self):
        return {"reg": ST.S_IFREG, "dir": ST.S_IFDIR, "lnk": ST.S_IFLNK, "fifo": ST.S_IFIFO,
                "chr": ST.S_IFCHR}[self.kind] | self.perm


class Pipe(object):
    def __init__(self, ino):
        self.ino = ino
        self.buf = bytearray()
        self.readers = 0
        self.writers = 0


class OpenFile(object):
    """An open file description (shared by dup'ed fds)."""

    def __init__(self, inode, flags, path, side=None):
        self.inode = inode
        self.flags = flags & _STATUS_KEPT
        self.path = path
        self.pos = 0
        self.refs = 0
        self.side = side          # pipes: 'r' or 'w'
        if side == "r":
            inode.pipe.readers += 1
        elif side == "w":
            inode.pipe.writers += 1

    def release(self):
        self.refs -= 1
        if self.refs == 0 and self.side is not None:
            if self.side == "r":
                self.inode.pipe.readers -= 1
            else:
                self.inode.pipe.writers -= 1


class FakeMapping(object):
    """What mmap_shared returns (PosixHost: HostMapping)."""

    def __init__(self, size, writable):
        self.address = 0
        self.size = size
        self.writable = writable
        self.closed = False

    def sync(self):
        pass

    def close(self):
        self.closed = True

class FakeFiles(object):
    """Files and descriptors of FakeHost (which sets up root, cwd, fds,
    _umask, _next_ino, uid/gid, the clock and on_wait)."""

    # -- test helpers (not host methods) ------------------------------------------------------
    def add_file(self, path, data=b"", perm=0o644):
        """Create a regular file with contents (parents must exist)."""
        parent, name, node = self._walk(AT_FDCWD, path, True)
        if node is not None:
            raise ValueError("exists: %r" % path)
        node = self._new("reg", perm)
        node.data[:] = data
        parent.entries[name] = node
        return node

    def contents(self, path):
        return bytes(self._find(path).data)

    def exists(self, path):
        try:
            return self._walk(AT_FDCWD, path, False)[2] is not None
        except LinuxError:
            return False

    def advance(self, ns):
        self.mono_ns += ns

    # -- internals -------------------------------------------------------------------------
    def _new(self, kind, perm):
        self._next_ino += 1
        return Inode(kind, perm, self._next_ino, self.realtime_offset_ns + self.mono_ns, self.uid, self.gid)

    def _find(self, path, follow=True):
        node = self._walk(AT_FDCWD, path, follow)[2]
        if node is None:
            raise _err(E.ENOENT)
        return node

    def _entry(self, fd):
        ent = self.fds.get(fd)
        if ent is None:
            raise _err(E.EBADF)
        return ent

    def _ofd(self, fd):
        return self._entry(fd)[0]

    def _alloc(self, minfd=0, limit=RUNTIME_FD_BASE):
        fd = max(minfd, 0)
        while fd in self.fds:
            fd += 1
        if fd >= limit:
            raise _err(E.EMFILE)
        return fd

    def _install(self, ofd, fd, cloexec):
        if fd in self.fds:
            self._drop(fd)
        ofd.refs += 1
        self.fds[fd] = [ofd, bool(cloexec)]
        return fd

    def _drop(self, fd):
        ofd = self.fds.pop(fd)[0]
        ofd.release()

    def _start(self, dirfd, path):
        if path.startswith(b"/"):
            return self.root
        if dirfd == AT_FDCWD:
            return self.cwd
        node = self._ofd(dirfd).inode
        if node.kind != "dir":
            raise _err(E.ENOTDIR)
        return node

    def _walk(self, dirfd, path, follow_last):
        """(parent dir, last name, inode or None when only the last is missing)."""
        if not path:
            raise _err(E.ENOENT)
        return self._lookup(self._start(dirfd, path), path, follow_last, 0)

    def _lookup(self, cur, path, follow_last, hops):
        parts = [p for p in path.split(b"/") if p]
        trailing = path.endswith(b"/")
        if not parts:
            return cur, b".", cur
        parent = cur
        for i, name in enumerate(parts):
            last = i == len(parts) - 1
            if cur.kind != "dir":
                raise _err(E.ENOTDIR)
            parent = cur
            if name == b".":
                nxt = cur
            elif name == b"..":
                nxt = cur.parent
            else:
                nxt = cur.entries.get(name)
            if nxt is None:
                if last:
                    return cur, name, None
                raise _err(E.ENOENT)
            if nxt.kind == "lnk" and (not last or follow_last or trailing):
                if hops >= 40:
                    raise _err(E.ELOOP)
                start = self.root if nxt.target.startswith(b"/") else cur
                p2, n2, node = self._lookup(start, nxt.target, True, hops + 1)
                if node is None:
                    if last:
                        return p2, n2, None
                    raise _err(E.ENOENT)
                nxt = node
            cur = nxt
        if trailing and cur.kind != "dir":
            raise _err(E.ENOTDIR)
        return parent, parts[-1], cur

    def _path_of_dir(self, node):
        parts = []
        while node is not self.root:
            par = node.parent
            name = next(n for n, v in par.entries.items() if v is node)
            parts.append(name)
            node = par
        return b"/" + b"/".join(reversed(parts))

    def _full_path(self, dirfd, path):
        if path.startswith(b"/"):
            return path
        base = self._path_of_dir(self._start(dirfd, path))
        return base.rstrip(b"/") + b"/" + path

    def _stat(self, node):
        if node.kind == "fifo" and node.pipe is not None:
            dev, size = PIPE_DEV, 0
        else:
            dev, size = FS_DEV, len(node.data) if node.kind in ("reg", "lnk") else 4096
        if node.kind == "lnk":
            size = len(node.target)
        return StatResult(st_dev=dev, st_ino=node.ino, st_nlink=node.nlink, st_mode=node.mode,
                          st_uid=node.uid, st_gid=node.gid, st_rdev=node.rdev, st_size=size,
                          st_blksize=4096, st_blocks=(size + 511) // 512, st_atime_ns=node.atime,
                          st_mtime_ns=node.mtime, st_ctime_ns=node.ctime)

    def _may(self, node, want):
        """Owner/other permission bits (want: 4 read, 2 write, 1 exec); root may all."""
        if self.uid == 0:
            return True
        bits = (node.perm >> 6) & 7 if node.uid == self.uid else node.perm & 7
        return bits & want == want

    def _now(self):
        return self.realtime_offset_ns + self.mono_ns

    # -- files ---------------------------------------------------------------------------------
    def openat(self, dirfd, path, flags, mode):
        acc = flags & F.O_ACCMODE
        excl = flags & F.O_CREAT and flags & F.O_EXCL        # O_EXCL never follows a final symlink
        parent, name, node = self._walk(dirfd, path, not (flags & F.O_NOFOLLOW or excl))
        if node is None:
            if not flags & F.O_CREAT:
                raise _err(E.ENOENT)
            if path.endswith(b"/"):
                raise _err(E.EISDIR)
            if not self._may(parent, 2):
                raise _err(E.EACCES)
            node = self._new("reg", mode & ~self._umask)
            parent.entries[name] = node
            parent.mtime = self._now()
        else:
            if flags & F.O_CREAT and flags & F.O_EXCL:
                raise _err(E.EEXIST)
            if node.kind == "lnk":
                raise _err(E.ELOOP)           # O_NOFOLLOW on a symlink
            if flags & F.O_DIRECTORY and node.kind != "dir":
                raise _err(E.ENOTDIR)
            if node.kind == "dir" and (acc != F.O_RDONLY or flags & F.O_CREAT):
                raise _err(E.EISDIR)
            need = {F.O_RDONLY: 4, F.O_WRONLY: 2, F.O_RDWR: 6}.get(acc, 6)
            if flags & F.O_TRUNC:
                need |= 2             # build_open_flags: O_TRUNC needs MAY_WRITE, whatever the access mode
            if not self._may(node, need):
                raise _err(E.EACCES)
            if flags & F.O_TRUNC and node.kind == "reg":
                del node.data[:]
                node.mtime = self._now()
        full = self._full_path(dirfd, path)
        ofd = OpenFile(node, flags, full)
        return self._install(ofd, self._alloc(), flags & F.O_CLOEXEC)

    def close(self, fd):
        self._entry(fd)
        self._drop(fd)

    def read(self, fd, n):
        ofd = self._ofd(fd)
        if ofd.flags & F.O_ACCMODE == F.O_WRONLY or ofd.flags & F.O_PATH:
            raise _err(E.EBADF)
        node = ofd.inode
        if node.kind == "dir":
            raise _err(E.EISDIR)
        if ofd.side is not None:
            pipe = node.pipe
            if not pipe.buf:
                if pipe.writers == 0:
                    return b""
                if ofd.flags & F.O_NONBLOCK:
                    raise _err(E.EAGAIN)
                if self.on_wait is None:
                    raise FakeWouldBlock("read of an empty pipe that has a writer")
                self._wait(None)                   # may raise the unikernel's interruption
                if not pipe.buf and pipe.writers:
                    raise FakeWouldBlock("on_wait neither interrupted the read nor filled the pipe")
                return self.read(fd, n)
            data = bytes(pipe.buf[:n])
            del pipe.buf[:len(data)]
            return data
        if node.kind == "chr":
            return b""
        data = bytes(node.data[ofd.pos:ofd.pos + n])
        ofd.pos += len(data)
        return data

    read_blocking = read

    def write(self, fd, data):
        ofd = self._ofd(fd)
        if ofd.flags & F.O_ACCMODE == F.O_RDONLY or ofd.flags & F.O_PATH:
            raise _err(E.EBADF)
        node = ofd.inode
        data = bytes(data)
        if ofd.side is not None:
            pipe = node.pipe
            if pipe.readers == 0:
                raise _err(E.EPIPE)
            room = PIPE_CAPACITY - len(pipe.buf)
            if room == 0 and data:
                if ofd.flags & F.O_NONBLOCK:
                    raise _err(E.EAGAIN)
                raise FakeWouldBlock("write to a full pipe")
            pipe.buf += data[:room]
            return min(room, len(data))
        if node.kind == "chr":
            node.data += data
            return len(data)
        if ofd.flags & F.O_APPEND:
            ofd.pos = len(node.data)
        self._put(node, ofd.pos, data)
        ofd.pos += len(data)
        return len(data)

    write_blocking = write

    def _put(self, node, off, data):
        if off > len(node.data):
            node.data += bytes(off - len(node.data))
        node.data[off:off + len(data)] = data
        node.mtime = self._now()

    def _seekable(self, fd, write):
        ofd = self._ofd(fd)
        acc = ofd.flags & F.O_ACCMODE
        if (acc == F.O_RDONLY) if write else (acc == F.O_WRONLY):
            raise _err(E.EBADF)
        if ofd.side is not None or ofd.inode.kind == "chr":
            raise _err(E.ESPIPE)
        if ofd.inode.kind == "dir":
            raise _err(E.EISDIR)
        return ofd

    def pread(self, fd, n, off):
        node = self._seekable(fd, False).inode
        if off < 0:
            raise _err(E.EINVAL)
        return bytes(node.data[off:off + n])

    def pwrite(self, fd, data, off):
        ofd = self._seekable(fd, True)
        if off < 0:
            raise _err(E.EINVAL)
        self._put(ofd.inode, off, bytes(data))
        return len(data)

    def lseek(self, fd, off, whence):
        ofd = self._ofd(fd)
        if ofd.side is not None or ofd.inode.kind == "chr":
            raise _err(E.ESPIPE)
        size = len(ofd.inode.data)
        if whence == F.SEEK_SET:
            new = off
        elif whence == F.SEEK_CUR:
            new = ofd.pos + off
        elif whence == F.SEEK_END:
            new = size + off
        elif whence in (F.SEEK_DATA, F.SEEK_HOLE):
            if off < 0 or off >= size:
                raise _err(E.ENXIO)
            new = off if whence == F.SEEK_DATA else size
        else:
            raise _err(E.EINVAL)
        if new < 0:
            raise _err(E.EINVAL)
        ofd.pos = new
        return new

    def fstat(self, fd):
        return self._stat(self._ofd(fd).inode)

    def stat(self, dirfd, path, follow=True):
        node = self._walk(dirfd, path, follow)[2]
        if node is None:
            raise _err(E.ENOENT)
        return self._stat(node)

    def listdir(self, fd):
        node = self._ofd(fd).inode
        if node.kind != "dir":
            raise _err(E.ENOTDIR)
        out = [(b".", node.ino, ST.DT_DIR), (b"..", node.parent.ino, ST.DT_DIR)]
        for name, child in node.entries.items():
            out.append((name, child.ino, ST.dtype_from_mode(child.mode)))
        return out

    def readlink(self, dirfd, path):
        node = self._walk(dirfd, path, False)[2]
        if node is None:
            raise _err(E.ENOENT)
        if node.kind != "lnk":
            raise _err(E.EINVAL)
        return node.target

    def _create(self, dirfd, path, kind, perm):
        parent, name, node = self._walk(dirfd, path, False)
        if node is not None:
            raise _err(E.EEXIST)
        if not self._may(parent, 3):
            raise _err(E.EACCES)
        node = self._new(kind, perm)
        parent.entries[name] = node
        parent.mtime = self._now()
        if kind == "dir":
            node.parent = parent
            parent.nlink += 1
        return node

    def mkdir(self, dirfd, path, mode):
        self._create(dirfd, path, "dir", mode & ~self._umask & 0o7777)

    def symlink(self, target, dirfd, path):
        self._create(dirfd, path, "lnk", 0o777).target = target

    def link(self, olddirfd, old, newdirfd, new, follow=False):
        node = self._walk(olddirfd, old, follow)[2]
        if node is None:
            raise _err(E.ENOENT)
        if node.kind == "dir":
            raise _err(E.EPERM)
        parent, name, existing = self._walk(newdirfd, new, False)
        if existing is not None:
            raise _err(E.EEXIST)
        parent.entries[name] = node
        node.nlink += 1

    def unlink(self, dirfd, path, rmdir=False):
        parent, name, node = self._walk(dirfd, path, False)
        if node is None:
            raise _err(E.ENOENT)
        if rmdir:
            if node.kind != "dir":
                raise _err(E.ENOTDIR)
            if name == b".":
                raise _err(E.EINVAL)
            if node.entries:
                raise _err(E.ENOTEMPTY)
            if node is self.root:
                raise _err(E.EBUSY)
            parent.nlink -= 1
        elif node.kind == "dir":
            raise _err(E.EISDIR)
        if not self._may(parent, 3):
            raise _err(E.EACCES)
        del parent.entries[name]
        node.nlink -= 1

    def rename(self, olddirfd, old, newdirfd, new, flags=0):
        if flags & ~(F.RENAME_NOREPLACE | F.RENAME_EXCHANGE):
            raise _err(E.EINVAL)
        sp, sname, src = self._walk(olddirfd, old, False)
        if src is None:
            raise _err(E.ENOENT)
        dp, dname, dst = self._walk(newdirfd, new, False)
        if src is dst:
            return
        if flags & F.RENAME_NOREPLACE and dst is not None:
            raise _err(E.EEXIST)
        if flags & F.RENAME_EXCHANGE:
            if dst is None:
                raise _err(E.ENOENT)
            sp.entries[sname], dp.entries[dname] = dst, src
            return
        if src.kind == "dir":
            anc = dp
            while True:
                if anc is src:
                    raise _err(E.EINVAL)     # into its own subdirectory
                if anc is self.root:
                    break
                anc = anc.parent
        if dst is not None:
            if src.kind == "dir" and dst.kind != "dir":
                raise _err(E.ENOTDIR)
            if src.kind != "dir" and dst.kind == "dir":
                raise _err(E.EISDIR)
            if dst.kind == "dir" and dst.entries:
                raise _err(E.ENOTEMPTY)
        del sp.entries[sname]
        dp.entries[dname] = src
        if src.kind == "dir":
            src.parent = dp

    def chmod(self, dirfd, path, mode, follow=True):
        node = self._walk(dirfd, path, follow)[2]
        if node is None:
            raise _err(E.ENOENT)
        node.perm = mode & 0o7777

    def fchmod(self, fd, mode):
        self._ofd(fd).inode.perm = mode & 0o7777

    def access(self, dirfd, path, mode, effective=False, follow=True):
        node = self._walk(dirfd, path, follow)[2]
        if node is None:
            raise _err(E.ENOENT)
        if mode and not self._may(node, mode):
            raise _err(E.EACCES)

    def ftruncate(self, fd, length):
        ofd = self._ofd(fd)
        if ofd.inode.kind != "reg" or ofd.flags & F.O_ACCMODE == F.O_RDONLY:
            raise _err(E.EINVAL)
        node = ofd.inode
        if length < len(node.data):
            del node.data[length:]
        else:
            node.data += bytes(length - len(node.data))

    def truncate(self, path, length):
        node = self._find(path)
        if node.kind == "dir":
            raise _err(E.EISDIR)
        if length < len(node.data):
            del node.data[length:]
        else:
            node.data += bytes(length - len(node.data))

    def fsync(self, fd):
        self._ofd(fd)

    fdatasync = fsync

    def sync(self):
        pass

    def getcwd(self):
        return self._path_of_dir(self.cwd)

    def chdir(self, path):
        node = self._find(path)
        if node.kind != "dir":
            raise _err(E.ENOTDIR)
        self.cwd = node

    def fchdir(self, fd):
        node = self._ofd(fd).inode
        if node.kind != "dir":
            raise _err(E.ENOTDIR)
        self.cwd = node

    def umask(self, mask):
        old, self._umask = self._umask, mask & 0o777
        return old

    def anon_file(self, data, cloexec=False):
        node = self._new("reg", 0o600)
        node.data[:] = data
        node.nlink = 0
        return self._install(OpenFile(node, F.O_RDWR, b"/tmp/lxpack-anon (deleted)"), self._alloc(), cloexec)

    def placeholder_fd(self, cloexec=False):
        return self._install(OpenFile(self.root, F.O_RDONLY, b"/"), self._alloc(), cloexec)

    def mmap_shared(self, fd, size, offset, writable=True):
        """A MAP_SHARED mapping; the fake VM gives it private zero pages (what
        the tests need: the mapping's bookkeeping, not sharing)."""
        if fd != -1:
            self._ofd(fd)
        return FakeMapping(size, writable)

    def mmap_private(self, fd, size, offset):
        """A MAP_PRIVATE file mapping; like mmap_shared, zero pages in the fake VM."""
        self._ofd(fd)
        return FakeMapping(size, True)

    def fd_path(self, fd):
        ofd = self._ofd(fd)
        if ofd.side is not None:
            return b"pipe:[%d]" % ofd.inode.ino
        if ofd.inode.kind == "dir":
            return self._path_of_dir(ofd.inode)
        return ofd.path

    def fd_offset(self, fd):
        try:
            return self._ofd(fd).pos
        except LinuxError:
            return 0

    def isatty(self, fd):
        self._ofd(fd)
        return False

    # -- descriptors -----------------------------------------------------------------------------
    def dup(self, fd, cloexec=False):
        ofd = self._ofd(fd)
        return self._install(ofd, self._alloc(), cloexec)

    def dup2(self, fd, fd2, cloexec=False):
        ofd = self._ofd(fd)
        if fd == fd2:
            return fd2
        return self._install(ofd, fd2, cloexec)

    def dupfd(self, fd, minfd, cloexec=False):
        ofd = self._ofd(fd)
        if minfd >= RUNTIME_FD_END:
            raise _err(E.EINVAL)
        return self._install(ofd, self._alloc(minfd, RUNTIME_FD_END), cloexec)

    def get_cloexec(self, fd):
        return self._entry(fd)[1]

    def set_cloexec(self, fd, on):
        self._entry(fd)[1] = bool(on)

    def get_status_flags(self, fd):
        return self._ofd(fd).flags & ~F.O_PATH

    def set_status_flags(self, fd, flags):
        ofd = self._ofd(fd)
        ofd.flags = (ofd.flags & ~_STATUS_SETTABLE) | (flags & _STATUS_SETTABLE)

    def is_nonblocking(self, fd):
        return bool(self._ofd(fd).flags & F.O_NONBLOCK)

    def set_nonblocking(self, fd, on):
        ofd = self._ofd(fd)
        ofd.flags = (ofd.flags | F.O_NONBLOCK) if on else (ofd.flags & ~F.O_NONBLOCK)

    def pipe(self, cloexec=False, nonblock=False):
        node = self._new("fifo", 0o600)
        node.pipe = Pipe(node.ino)
        nb = F.O_NONBLOCK if nonblock else 0
        r = self._install(OpenFile(node, F.O_RDONLY | nb, b"", "r"), self._alloc(), cloexec)
        w = self._install(OpenFile(node, F.O_WRONLY | nb, b"", "w"), self._alloc(), cloexec)
        return r, w

    def emulated_fd(self, cloexec=False, nonblock=False):
        """As PosixHost: the read end of a pipe whose write end is closed."""
        r, w = self.pipe(cloexec=cloexec, nonblock=nonblock)
        self.close(w)
        return r

    def close_cloexec_fds(self, keep=(), limit=RUNTIME_FD_BASE):
        closed = [fd for fd, (_o, cx) in sorted(self.fds.items()) if fd < limit and cx and fd not in keep]
        for fd in closed:
            self._drop(fd)
        return closed

    # -- the runtime's private descriptors -----------------------------------------------------
    def _private_pipe(self):
        node = self._new("fifo", 0o600)
        node.pipe = Pipe(node.ino)
        r = self._install(OpenFile(node, F.O_RDONLY | F.O_NONBLOCK, b"", "r"),
                          self._alloc(RUNTIME_FD_BASE, RUNTIME_FD_END), True)
        w = self._install(OpenFile(node, F.O_WRONLY | F.O_NONBLOCK, b"", "w"),
                          self._alloc(RUNTIME_FD_BASE, RUNTIME_FD_END), True)
        return r, w

    def wake_pipe(self):
        return self._private_pipe()

    def wake_fd(self, w):
        try:
            self.write(w, b"!")
        except LinuxError:
            pass

    def drain_fd(self, r):
        try:
            while self.read(r, 512):
                pass
        except LinuxError:
            pass

    def close_private(self, fd):
        try:
            self.close(fd)
        except LinuxError:
            pass

    def waker(self):
        w = self.__dict__.get("_waker")
        if w is None:
            w = self._waker = self._private_pipe()
        return w

    def wake(self, waker):
        self.wake_fd(waker[1])
