"""Packers for the Linux x86-64 structures the file-system calls return
(struct stat, statx, statfs, linux_dirent64). Layouts from
asm/stat.h, linux/stat.h, asm-generic/statfs.h and getdents64(2).
TODO(issue 3): move to lxpack.abi.stat once that package lands, and keep one copy.
Travels inside bundles: Python 3.9.
"""
import struct

_STAT = struct.Struct("<QQQIIIiQqqqqQqQqQ24x")   # times are signed (before 1970)
_STATFS = struct.Struct("<qqQQQQQiiqqq32x")


def pack_stat(st):
    a, m, c = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
    return _STAT.pack(st.st_dev, st.st_ino, st.st_nlink, st.st_mode, st.st_uid, st.st_gid, 0, st.st_rdev,
                      st.st_size, st.st_blksize, st.st_blocks, a // 10**9, a % 10**9, m // 10**9, m % 10**9,
                      c // 10**9, c % 10**9)


STATX_BASIC_STATS = 0x7ff
STATX_BTIME = 0x800
STATX_MNT_ID = 0x1000


def _ts(ns):
    return struct.pack("<qI4x", ns // 10**9, ns % 10**9)


def pack_statx(st, mask):
    rdev, dev = st.st_rdev, st.st_dev
    got = STATX_BASIC_STATS | (STATX_BTIME if st.st_btime_ns else 0)
    out = struct.pack("<IIQIIIH2xQQQQ", got, st.st_blksize, 0, st.st_nlink, st.st_uid, st.st_gid,
                      st.st_mode & 0xffff, st.st_ino, st.st_size, st.st_blocks, 0)
    out += _ts(st.st_atime_ns) + _ts(st.st_btime_ns) + _ts(st.st_ctime_ns) + _ts(st.st_mtime_ns)
    out += struct.pack("<IIII", (rdev >> 8) & 0xfff | ((rdev >> 32) & ~0xfff), (rdev & 0xff) | ((rdev >> 12) & ~0xff),
                       (dev >> 8) & 0xfff | ((dev >> 32) & ~0xfff), (dev & 0xff) | ((dev >> 12) & ~0xff))
    return out.ljust(256, b"\0")


def pack_statfs(s):
    return _STATFS.pack(s.f_type, s.f_bsize, s.f_blocks, s.f_bfree, s.f_bavail, s.f_files, s.f_ffree,
                        s.f_fsid & 0xffffffff, 0, s.f_namelen, s.f_frsize, s.f_flags)


def dirent64(ino, off, dtype, name):
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", ino, off, reclen, dtype) + name + b"\0" * (reclen - 19 - len(name))
