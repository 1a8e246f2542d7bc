"""Paths and file metadata on the POSIX host: open, stat, directories,
links, permissions, times, the working directory, filesystem statistics.

Owns: Files (the path half of the host interface; descriptors.py has the
fd half) and stat_to_linux (a host os.stat_result as api.StatResult). Linux
values in, Linux values out: open flags, modes, rename flags, dev numbers
and errno go through xlat (X); AT_FDCWD is Linux's and becomes Python's
dir_fd=None. Python makes new fds non-inheritable; a Linux fd is inherited
unless O_CLOEXEC, so openat sets inheritability from the Linux flag.
Private to runtime/host (the facade is posix.PosixHost). Python 3.9.
"""
import os
import stat as _stat
import sys

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import stat as ST
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import IS_MACOS, X, call, oserror_to_linux
from lxpack.runtime.host.api import LinuxError, StatResult, StatfsResult

_dev = X.dev_to_linux
_mode = X.mode_to_linux
_fstat = os.fstat


def stat_to_linux(st):
    """api.StatResult (Linux dev encoding and mode bits) of a host os.stat_result."""
    return StatResult(
        st_dev=_dev(st.st_dev), st_ino=st.st_ino, st_nlink=st.st_nlink, st_mode=_mode(st.st_mode),
        st_uid=st.st_uid, st_gid=st.st_gid, st_rdev=_dev(st.st_rdev), st_size=st.st_size,
        st_blksize=getattr(st, "st_blksize", 4096), st_blocks=getattr(st, "st_blocks", 0),
        st_atime_ns=st.st_atime_ns, st_mtime_ns=st.st_mtime_ns, st_ctime_ns=st.st_ctime_ns,
        st_btime_ns=int(getattr(st, "st_birthtime", 0) * 1e9))


def _dirfd(fd):
    """Python's dir_fd for a Linux dirfd (AT_FDCWD is None)."""
    return None if fd == F.AT_FDCWD else fd


def _host_dirfd(fd):
    """The C library's dirfd for a Linux dirfd (AT_FDCWD is the host's)."""
    return X.at_fdcwd if fd == F.AT_FDCWD else fd


# Host file type -> Linux d_type for getdents.
_DTYPE = {_stat.S_IFDIR: ST.DT_DIR, _stat.S_IFREG: ST.DT_REG, _stat.S_IFLNK: ST.DT_LNK,
          _stat.S_IFCHR: ST.DT_CHR, _stat.S_IFBLK: ST.DT_BLK, _stat.S_IFIFO: ST.DT_FIFO,
          _stat.S_IFSOCK: ST.DT_SOCK}


def _is_fifo(dirfd, path):
    try:
        return _stat.S_ISFIFO(os.stat(path, dir_fd=_dirfd(dirfd)).st_mode)
    except (OSError, ValueError):
        return False


class Files(object):
    """Path operations of the host process (stateless but for `waits`,
    the blocking-call bracket: waits.Waits, or None)."""

    def __init__(self, waits=None):
        self._waits = waits

    def openat(self, dirfd, path, flags, mode):
        hflags, cloexec = X.open_flags_to_host(flags)
        # Opening a FIFO without O_NONBLOCK waits for the other end, which
        # may be another thread of this process: wait without the CPU.
        w = self._waits
        fifo = w is not None and not hflags & os.O_NONBLOCK and _is_fifo(dirfd, path)
        if fifo:
            w.begin_block()
        try:
            fd = os.open(path, hflags, mode, dir_fd=_dirfd(dirfd))
        except OSError as e:
            raise oserror_to_linux(e)
        finally:
            if fifo:
                w.end_block()
        if not cloexec:
            os.set_inheritable(fd, True)
        return fd

    def fstat(self, fd):
        try:
            return stat_to_linux(_fstat(fd))
        except OSError as e:
            raise oserror_to_linux(e)

    def stat(self, dirfd, path, follow=True):
        try:
            return stat_to_linux(os.stat(path, dir_fd=_dirfd(dirfd), follow_symlinks=follow))
        except OSError as e:
            raise oserror_to_linux(e)

    def listdir(self, fd):
        """Directory entries of an open directory fd: [(name, ino, linux d_type)],
        '.' and '..' first (as Linux's getdents gives them)."""
        try:
            out = [(b".", os.fstat(fd).st_ino, ST.DT_DIR)]
            try:
                dotdot = os.stat("..", dir_fd=fd).st_ino
            except OSError:
                dotdot = out[0][1]
            out.append((b"..", dotdot, ST.DT_DIR))
            with os.scandir(fd) as it:
                for ent in it:
                    try:
                        t = _DTYPE.get(_stat.S_IFMT(ent.stat(follow_symlinks=False).st_mode), ST.DT_UNKNOWN)
                    except OSError:
                        t = ST.DT_UNKNOWN
                    name = ent.name if isinstance(ent.name, bytes) else os.fsencode(ent.name)
                    out.append((name, ent.inode(), t))
            return out
        except OSError as e:
            raise oserror_to_linux(e)

    def readlink(self, dirfd, path):
        try:
            return os.readlink(path, dir_fd=_dirfd(dirfd))
        except OSError as e:
            raise oserror_to_linux(e)

    def mkdir(self, dirfd, path, mode):
        call(os.mkdir, path, mode, dir_fd=_dirfd(dirfd))

    def mknod(self, dirfd, path, linux_mode, major=0, minor=0):
        """mknodat: a FIFO through mkfifo (the portable call), an empty
        regular file, or a device/socket node through mknod with the type
        bits and device number translated."""
        kind = linux_mode & ST.S_IFMT
        perm = linux_mode & 0o7777
        if kind == ST.S_IFIFO:
            call(os.mkfifo, path, perm, dir_fd=_dirfd(dirfd))
        elif kind in (0, ST.S_IFREG):
            fd = call(os.open, path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, perm,
                      dir_fd=_dirfd(dirfd))
            os.close(fd)
        else:
            call(os.mknod, path, X.mode_to_host(kind | perm), os.makedev(major, minor),
                 dir_fd=_dirfd(dirfd))

    def unlink(self, dirfd, path, rmdir=False):
        if rmdir:
            call(os.rmdir, path, dir_fd=_dirfd(dirfd))
        else:
            call(os.unlink, path, dir_fd=_dirfd(dirfd))

    def rename(self, olddirfd, old, newdirfd, new, flags=0):
        """rename/renameat/renameat2. flags: Linux RENAME_NOREPLACE,
        RENAME_EXCHANGE, RENAME_WHITEOUT, translated by name (macOS:
        RENAME_EXCL, RENAME_SWAP through renameatx_np)."""
        if not flags:
            call(os.rename, old, new, src_dir_fd=_dirfd(olddirfd), dst_dir_fd=_dirfd(newdirfd))
            return
        hflags = X.rename_flags_to_host(flags)
        fn = _renameat2()
        if fn is None:
            raise LinuxError(E.EINVAL)
        import ctypes
        # SAFETY: plain C call on bytes paths the caller owns; no memory is retained.
        rc = fn(_host_dirfd(olddirfd), os.fsencode(old), _host_dirfd(newdirfd), os.fsencode(new),
                ctypes.c_uint(hflags))
        if rc != 0:
            raise LinuxError(X.errno_to_linux(ctypes.get_errno()))

    def link(self, olddirfd, old, newdirfd, new, follow=False):
        call(os.link, old, new, src_dir_fd=_dirfd(olddirfd), dst_dir_fd=_dirfd(newdirfd),
             follow_symlinks=follow)

    def symlink(self, target, dirfd, path):
        call(os.symlink, target, path, dir_fd=_dirfd(dirfd))

    def chmod(self, dirfd, path, mode, follow=True):
        if not follow and not IS_MACOS:
            # Linux has no lchmod: fchmodat(AT_SYMLINK_NOFOLLOW) is EOPNOTSUPP on a symlink.
            st = self.stat(dirfd, path, follow=False)
            if (st.st_mode & ST.S_IFMT) == ST.S_IFLNK:
                raise LinuxError(E.EOPNOTSUPP)
            follow = True
        call(os.chmod, path, X.mode_to_host(mode), dir_fd=_dirfd(dirfd), follow_symlinks=follow)

    def fchmod(self, fd, mode):
        call(os.fchmod, fd, X.mode_to_host(mode))

    def chown(self, dirfd, path, uid, gid, follow=True):
        call(os.chown, path, uid, gid, dir_fd=_dirfd(dirfd), follow_symlinks=follow)

    def fchown(self, fd, uid, gid):
        call(os.fchown, fd, uid, gid)

    def utimens(self, target, dirfd, atime_ns, mtime_ns, follow=True):
        """target is a path (with dirfd) or an int fd. None keeps the current time."""
        try:
            if isinstance(target, int):
                st = os.fstat(target)
            else:
                st = os.stat(target, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
            ns = (st.st_atime_ns if atime_ns is None else atime_ns,
                  st.st_mtime_ns if mtime_ns is None else mtime_ns)
            if isinstance(target, int):
                os.utime(target, ns=ns)
            else:
                os.utime(target, ns=ns, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
        except OSError as e:
            raise oserror_to_linux(e)

    def truncate(self, path, length):
        call(os.truncate, path, length)

    def ftruncate(self, fd, length):
        call(os.ftruncate, fd, length)

    def fsync(self, fd):
        call(os.fsync, fd)

    def fdatasync(self, fd):
        call(getattr(os, "fdatasync", os.fsync), fd)

    def sync(self):
        os.sync()

    def access(self, dirfd, path, mode, effective=False, follow=True):
        try:
            os.stat(path, dir_fd=_dirfd(dirfd), follow_symlinks=follow)
        except OSError as e:
            raise oserror_to_linux(e)
        if mode == 0:
            return
        ok = os.access(path, X.access_mode_to_host(mode), dir_fd=_dirfd(dirfd),
                       effective_ids=effective and os.access in os.supports_effective_ids,
                       follow_symlinks=follow)
        if not ok:
            raise LinuxError(E.EACCES)

    def statfs(self, path_or_fd):
        try:
            v = os.statvfs(path_or_fd)
        except OSError as e:
            raise oserror_to_linux(e)
        # The host does not say its filesystem type in Linux terms: ext4's.
        return StatfsResult(f_type=ST.EXT4_SUPER_MAGIC, f_bsize=v.f_bsize, f_blocks=v.f_blocks,
                            f_bfree=v.f_bfree, f_bavail=v.f_bavail, f_files=v.f_files, f_ffree=v.f_ffree,
                            f_fsid=0, f_namelen=v.f_namemax, f_frsize=v.f_frsize, f_flags=0)

    def getcwd(self):
        return call(os.getcwdb)

    def chdir(self, path):
        call(os.chdir, path)

    def fchdir(self, fd):
        call(os.fchdir, fd)

    def umask(self, mask):
        return os.umask(mask)


_RENAMEAT2 = []


def _renameat2():
    """The host's atomic renameat with flags: Linux renameat2 (glibc 2.28+,
    else the raw system call), macOS renameatx_np; None elsewhere."""
    if _RENAMEAT2:
        return _RENAMEAT2[0]
    import ctypes
    fn = None
    lib = _clib.open_libc()
    argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if sys.platform.startswith("linux"):
        fn = getattr(lib, "renameat2", None)
        if fn is None:
            raw = lib.syscall
            raw.restype = ctypes.c_long

            def fn(a, b, c, d, f, _raw=raw):
                return _raw(ctypes.c_long(316), a, b, c, d, f)   # SYS_renameat2 on an x86-64 host
    elif IS_MACOS:
        fn = getattr(lib, "renameatx_np", None)
    if fn is not None and hasattr(fn, "argtypes"):
        fn.argtypes = argtypes
        fn.restype = ctypes.c_int
    _RENAMEAT2.append(fn)
    return fn
