"""Linux x86-64 file status ABI: mode bits, struct stat (144 bytes),
struct statx (256 bytes), struct statfs (120 bytes), dirent64/linux_dirent
records, DT_* types, dev_t encoding, UTIME_* and filesystem magics.

Sources: asm/stat.h (x86-64 struct stat), linux/stat.h (S_IF*, statx),
asm-generic/statfs.h, linux/magic.h, glibc <sys/sysmacros.h> (dev_t),
<sys/statvfs.h> (ST_*), getdents64(2), stat(2), statx(2), statfs(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct
from collections import namedtuple as _namedtuple

from . import x86_64 as _arch
from ._table import table as _table
from .time import (NSEC_PER_SEC, TIMESPEC, TIMEVAL, pack_timespec,  # noqa: F401 (re-exported)
                   pack_timeval, unpack_timespec, unpack_timeval, timespec_from_ns)

# --- mode bits -----------------------------------------------------------------
S_IFMT = 0o170000
S_IFSOCK = 0o140000
S_IFLNK = 0o120000
S_IFREG = 0o100000
S_IFBLK = 0o060000
S_IFDIR = 0o040000
S_IFCHR = 0o020000
S_IFIFO = 0o010000
S_ISUID = 0o4000
S_ISGID = 0o2000
S_ISVTX = 0o1000
S_IRWXU = 0o700
S_IRUSR = 0o400
S_IWUSR = 0o200
S_IXUSR = 0o100
S_IRWXG = 0o070
S_IRGRP = 0o040
S_IWGRP = 0o020
S_IXGRP = 0o010
S_IRWXO = 0o007
S_IROTH = 0o004
S_IWOTH = 0o002
S_IXOTH = 0o001

FILE_TYPES = _table(globals(), "S_IFSOCK S_IFLNK S_IFREG S_IFBLK S_IFDIR S_IFCHR S_IFIFO")
MODE_BITS = _table(globals(), """S_ISUID S_ISGID S_ISVTX S_IRUSR S_IWUSR S_IXUSR
    S_IRGRP S_IWGRP S_IXGRP S_IROTH S_IWOTH S_IXOTH""")


def S_ISDIR(m):
    return (m & S_IFMT) == S_IFDIR


def S_ISREG(m):
    return (m & S_IFMT) == S_IFREG


def S_ISLNK(m):
    return (m & S_IFMT) == S_IFLNK


def S_ISCHR(m):
    return (m & S_IFMT) == S_IFCHR


def S_ISBLK(m):
    return (m & S_IFMT) == S_IFBLK


def S_ISFIFO(m):
    return (m & S_IFMT) == S_IFIFO


def S_ISSOCK(m):
    return (m & S_IFMT) == S_IFSOCK


# utimensat(2)
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2

# --- dirent --------------------------------------------------------------------
DT_UNKNOWN = 0
DT_FIFO = 1
DT_CHR = 2
DT_DIR = 4
DT_BLK = 6
DT_REG = 8
DT_LNK = 10
DT_SOCK = 12
DT_WHT = 14
DIRENT_TYPES = _table(globals(), "DT_UNKNOWN DT_FIFO DT_CHR DT_DIR DT_BLK DT_REG DT_LNK DT_SOCK DT_WHT")


def dtype_from_mode(mode):
    """DT_* for a Linux st_mode (IFTODT: the file type bits shifted down)."""
    return (mode & S_IFMT) >> 12


def mode_from_dtype(dtype):
    """S_IF* for a DT_* value (DTTOIF)."""
    return dtype << 12


# struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
DIRENT64_HEADER = _struct.Struct("<QqHB")      # 19 bytes, name follows
# struct linux_dirent { unsigned long d_ino; unsigned long d_off; u16 d_reclen; char d_name[];
#                       ... char pad; char d_type; }  (d_type is the record's last byte)
DIRENT_HEADER = _struct.Struct("<QQH")         # 18 bytes, name follows


def dirent64_reclen(name_len):
    """Record length of a dirent64 whose name has *name_len* bytes (NUL and
    padding to 8 included)."""
    return (DIRENT64_HEADER.size + name_len + 1 + 7) & ~7


def pack_dirent64(d_ino, d_off, d_type, name, _pack=DIRENT64_HEADER.pack):
    """One linux_dirent64 record; *name* is bytes (str is encoded with
    surrogateescape). The record is NUL-terminated and padded to 8.
    (getdents64 packs one per entry: the header size, 19, is inlined.)"""
    if name.__class__ is str:
        name = name.encode("utf-8", "surrogateescape")
    n = len(name)
    reclen = (n + 27) & ~7                   # 19-byte header + name + NUL, padded to 8
    return _pack(d_ino & 0xFFFFFFFFFFFFFFFF, d_off, reclen, d_type) + name + b"\0" * (reclen - 19 - n)


def unpack_dirents64(buf):
    """Yield (d_ino, d_off, d_type, name) from a getdents64 buffer."""
    pos, end = 0, len(buf)
    while pos + DIRENT64_HEADER.size <= end:
        ino, off, reclen, dtype = DIRENT64_HEADER.unpack_from(buf, pos)
        if reclen < DIRENT64_HEADER.size or pos + reclen > end:
            raise ValueError("corrupt dirent64 record at %d" % pos)
        name = bytes(buf[pos + DIRENT64_HEADER.size:pos + reclen])
        yield ino, off, dtype, name[:name.index(b"\0")]
        pos += reclen


def pack_dirent(d_ino, d_off, d_type, name):
    """One legacy linux_dirent record (getdents(2)): d_type is the last byte."""
    if isinstance(name, str):
        name = name.encode("utf-8", "surrogateescape")
    reclen = (DIRENT_HEADER.size + len(name) + 2 + 7) & ~7
    pad = reclen - DIRENT_HEADER.size - len(name) - 1
    return (DIRENT_HEADER.pack(d_ino, d_off, reclen) + name + b"\0" * pad + bytes((d_type,)))


# --- dev_t (glibc's 64-bit encoding; the kernel's 32-bit new_encode_dev for
# major < 4096 and minor < 2**20 is the same number) --------------------------
def makedev(major, minor):
    return (((major & 0xFFFFF000) << 32) | ((major & 0xFFF) << 8)
            | ((minor & 0xFFFFFF00) << 12) | (minor & 0xFF))


def major(dev):
    return ((dev >> 32) & 0xFFFFF000) | ((dev >> 8) & 0xFFF)


def minor(dev):
    return ((dev >> 12) & 0xFFFFFF00) | (dev & 0xFF)


# --- struct stat ------------------------------------------------------------------
# The layout differs per architecture: x86_64.py owns it (an aarch64 port
# selects its own module here).
STAT = _arch.STAT
# Packer for objects that already carry st_*_ns fields (LinuxStat, the
# host's StatResult): no conversion, for the hot fstat/stat path.
pack_stat_result = _arch.pack_stat

# The Linux view of a file's status, produced by the host translation
# (runtime.host.xlat) and consumed by the packers below. Times in ns.
LinuxStat = _namedtuple("LinuxStat", [
    "st_dev", "st_ino", "st_nlink", "st_mode", "st_uid", "st_gid", "st_rdev",
    "st_size", "st_blksize", "st_blocks", "st_atime_ns", "st_mtime_ns",
    "st_ctime_ns", "st_btime_ns"])
LinuxStat.__new__.__defaults__ = (None,)          # st_btime_ns: unknown


def _get(st, name, default=0):
    if isinstance(st, dict):
        return st.get(name, default)
    return getattr(st, name, default)


def _time_ns(st, which):
    """Nanoseconds of time *which* ('atime', ...) from st_<which>_ns, or
    st_<which> (+ st_<which>_nsec) seconds."""
    ns = _get(st, "st_%s_ns" % which, None)
    if ns is not None:
        return ns
    sec = _get(st, "st_" + which, 0)
    nsec = _get(st, "st_%s_nsec" % which, 0)
    if isinstance(sec, float):                # os.stat_result.st_atime style
        return int(round(sec * NSEC_PER_SEC)) if not nsec else int(sec) * NSEC_PER_SEC + nsec
    return sec * NSEC_PER_SEC + nsec


def as_linux_stat(st):
    """A LinuxStat from a LinuxStat, a mapping or an object with st_* fields;
    times from st_atime_ns (or st_atime seconds + st_atime_nsec)."""
    if type(st) is LinuxStat:
        return st
    btime = _get(st, "st_btime_ns", None)
    if btime is None:
        btime = _get(st, "st_birthtime_ns", None)
    if btime is None and _get(st, "st_birthtime", None) is not None:
        btime = _time_ns(st, "birthtime")
    fields = [_get(st, f) for f in LinuxStat._fields[:10]]
    fields += [_time_ns(st, "atime"), _time_ns(st, "mtime"), _time_ns(st, "ctime"), btime]
    return LinuxStat(*fields)


def pack_stat(st):
    """The 144-byte Linux x86-64 struct stat for *st* (see as_linux_stat)."""
    return _arch.pack_stat(st if type(st) is LinuxStat else as_linux_stat(st))


def unpack_stat(data):
    """LinuxStat from a 144-byte struct stat."""
    (dev, ino, nlink, mode, uid, gid, _pad, rdev, size, blksize, blocks,
     asec, ansec, msec, mnsec, csec, cnsec) = STAT.unpack_from(data)

    def ns(sec, nsec):
        if sec >= 1 << 63:
            sec -= 1 << 64
        return sec * NSEC_PER_SEC + nsec
    return LinuxStat(dev, ino, nlink, mode, uid, gid, rdev, size, blksize, blocks,
                     ns(asec, ansec), ns(msec, mnsec), ns(csec, cnsec))


# --- struct statx -----------------------------------------------------------------
STATX_TYPE = 0x00000001
STATX_MODE = 0x00000002
STATX_NLINK = 0x00000004
STATX_UID = 0x00000008
STATX_GID = 0x00000010
STATX_ATIME = 0x00000020
STATX_MTIME = 0x00000040
STATX_CTIME = 0x00000080
STATX_INO = 0x00000100
STATX_SIZE = 0x00000200
STATX_BLOCKS = 0x00000400
STATX_BASIC_STATS = 0x000007FF
STATX_BTIME = 0x00000800
STATX_MNT_ID = 0x00001000
STATX_DIOALIGN = 0x00002000
STATX__RESERVED = 0x80000000
STATX_ALL = 0x00000FFF
STATX_MASK_BITS = _table(globals(), """STATX_TYPE STATX_MODE STATX_NLINK STATX_UID STATX_GID
    STATX_ATIME STATX_MTIME STATX_CTIME STATX_INO STATX_SIZE STATX_BLOCKS STATX_BTIME
    STATX_MNT_ID STATX_DIOALIGN""")

STATX_ATTR_COMPRESSED = 0x00000004
STATX_ATTR_IMMUTABLE = 0x00000010
STATX_ATTR_APPEND = 0x00000020
STATX_ATTR_NODUMP = 0x00000040
STATX_ATTR_ENCRYPTED = 0x00000800
STATX_ATTR_AUTOMOUNT = 0x00001000
STATX_ATTR_MOUNT_ROOT = 0x00002000
STATX_ATTR_VERITY = 0x00100000
STATX_ATTR_DAX = 0x00200000

# struct statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 __reserved; }  16 bytes
STATX_TIMESTAMP = _struct.Struct("<qIi")
# struct statx: mask, blksize (u32); attributes (u64); nlink, uid, gid (u32);
# mode, spare (u16); ino, size, blocks, attributes_mask (u64); 4 timestamps
# (atime, btime, ctime, mtime); rdev_major, rdev_minor, dev_major, dev_minor
# (u32); mnt_id (u64); dio_mem_align, dio_offset_align (u32); spare -> 256
STATX = _struct.Struct("<IIQIIIHHQQQQ" + "qIi" * 4 + "IIIIQII96x")


def pack_statx(st, mask=None, attributes=0, attributes_mask=0, mnt_id=0):
    """The 256-byte struct statx for *st* (see as_linux_stat). *mask* defaults
    to STATX_BASIC_STATS, plus STATX_BTIME when a birth time is known; fields
    outside the mask are zeroed as the kernel does."""
    s = st if type(st) is LinuxStat else as_linux_stat(st)
    if mask is None:
        mask = STATX_BASIC_STATS | (STATX_BTIME if s.st_btime_ns is not None else 0)
        if mnt_id:
            mask |= STATX_MNT_ID
    elif s.st_btime_ns is None:
        mask &= ~STATX_BTIME
    mask &= STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID

    def ts(ns, bit):
        if not (mask & bit) or ns is None:
            return 0, 0, 0
        sec, nsec = divmod(ns, NSEC_PER_SEC)
        return sec, nsec, 0
    rdev, dev = s.st_rdev, s.st_dev
    return STATX.pack(
        mask, s.st_blksize, attributes,
        s.st_nlink if mask & STATX_NLINK else 0,
        s.st_uid if mask & STATX_UID else 0,
        s.st_gid if mask & STATX_GID else 0,
        s.st_mode & ((S_IFMT if mask & STATX_TYPE else 0) | (0o7777 if mask & STATX_MODE else 0)), 0,
        s.st_ino if mask & STATX_INO else 0,
        s.st_size if mask & STATX_SIZE else 0,
        s.st_blocks if mask & STATX_BLOCKS else 0,
        attributes_mask,
        *(ts(s.st_atime_ns, STATX_ATIME) + ts(s.st_btime_ns, STATX_BTIME)
          + ts(s.st_ctime_ns, STATX_CTIME) + ts(s.st_mtime_ns, STATX_MTIME)),
        major(rdev), minor(rdev), major(dev), minor(dev),
        mnt_id if mask & STATX_MNT_ID else 0, 0, 0)


def pack_statx_result(st, mask, _pack=STATX.pack):
    """pack_statx for an object that already carries st_* and st_*_ns
    fields (LinuxStat, the host's StatResult), without conversion: the statx
    handler's path. *mask* must hold STATX_BASIC_STATS (else pack_statx);
    STATX_BTIME is kept when st_btime_ns is known."""
    if mask & STATX_BASIC_STATS != STATX_BASIC_STATS:
        return pack_statx(st, mask)
    b = st.st_btime_ns if mask & STATX_BTIME else None
    mask &= STATX_BASIC_STATS | STATX_BTIME
    if b is None:
        mask &= ~STATX_BTIME
        bs = bn = 0
    else:
        bs, bn = b // NSEC_PER_SEC, b % NSEC_PER_SEC
    a, m, c = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
    rdev, dev = st.st_rdev, st.st_dev
    return _pack(mask, st.st_blksize, 0, st.st_nlink, st.st_uid, st.st_gid, st.st_mode & 0o177777, 0,
                 st.st_ino, st.st_size, st.st_blocks, 0,
                 a // NSEC_PER_SEC, a % NSEC_PER_SEC, 0, bs, bn, 0,
                 c // NSEC_PER_SEC, c % NSEC_PER_SEC, 0, m // NSEC_PER_SEC, m % NSEC_PER_SEC, 0,
                 major(rdev), minor(rdev), major(dev), minor(dev), 0, 0, 0)


# --- struct statfs -------------------------------------------------------------------
# f_type, f_bsize (long); f_blocks, f_bfree, f_bavail, f_files, f_ffree (u64);
# f_fsid (2 x int); f_namelen, f_frsize, f_flags (long); f_spare[4] -> 120 bytes
STATFS = _struct.Struct("<qqQQQQQiiqqq32x")
LinuxStatfs = _namedtuple("LinuxStatfs", [
    "f_type", "f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
    "f_fsid", "f_namelen", "f_frsize", "f_flags"])

# statfs f_flags (glibc <sys/statvfs.h>; the kernel's ST_* in linux/statfs.h)
ST_RDONLY = 1
ST_NOSUID = 2
ST_NODEV = 4
ST_NOEXEC = 8
ST_SYNCHRONOUS = 16
ST_VALID = 32              # f_flags is meaningful (set by the kernel's statfs)
ST_MANDLOCK = 64
ST_NOATIME = 1024
ST_NODIRATIME = 2048
ST_RELATIME = 4096
ST_NOSYMFOLLOW = 8192
STATFS_FLAGS = _table(globals(), """ST_RDONLY ST_NOSUID ST_NODEV ST_NOEXEC ST_SYNCHRONOUS
    ST_MANDLOCK ST_NOATIME ST_NODIRATIME ST_RELATIME ST_NOSYMFOLLOW""")

# f_type magics (linux/magic.h)
EXT4_SUPER_MAGIC = 0xEF53
TMPFS_MAGIC = 0x01021994
RAMFS_MAGIC = 0x858458F6
PROC_SUPER_MAGIC = 0x9FA0
SYSFS_MAGIC = 0x62656572
DEVPTS_SUPER_MAGIC = 0x1CD1
NFS_SUPER_MAGIC = 0x6969
BTRFS_SUPER_MAGIC = 0x9123683E
XFS_SUPER_MAGIC = 0x58465342
OVERLAYFS_SUPER_MAGIC = 0x794C7630
FUSE_SUPER_MAGIC = 0x65735546
CGROUP2_SUPER_MAGIC = 0x63677270
PIPEFS_MAGIC = 0x50495045
SOCKFS_MAGIC = 0x534F434B
ANON_INODE_FS_MAGIC = 0x09041934


def pack_statfs(sf):
    """The 120-byte struct statfs from a LinuxStatfs (or mapping/object with
    the same f_* names; f_fsid is one 64-bit int or a pair of ints)."""
    g = (lambda n: sf[n]) if isinstance(sf, dict) else (lambda n: getattr(sf, n))
    fsid = g("f_fsid")
    if isinstance(fsid, (tuple, list)):
        fsid0, fsid1 = fsid
    else:
        fsid0, fsid1 = fsid & 0xFFFFFFFF, (fsid >> 32) & 0xFFFFFFFF
    as_int = lambda v: v - (1 << 32) if v >= 1 << 31 else v  # noqa: E731
    return STATFS.pack(g("f_type"), g("f_bsize"), g("f_blocks"), g("f_bfree"), g("f_bavail"),
                       g("f_files"), g("f_ffree"), as_int(fsid0), as_int(fsid1),
                       g("f_namelen"), g("f_frsize"), g("f_flags"))
