"""Linux x86-64 file-control ABI: open flags, fcntl commands, *at() flags,
locks, seeks, access modes, memfd, fadvise, splice, fallocate, openat2.

Sources: asm-generic/fcntl.h (x86-64 uses the generic values), linux/fcntl.h,
linux/fs.h (SEEK_*, RENAME_*), linux/memfd.h, linux/fadvise.h,
linux/falloc.h, linux/close_range.h, linux/openat2.h, glibc <fcntl.h>
(SPLICE_F_*) and <unistd.h> (F_OK..X_OK); fcntl(2), open(2), flock(2).

Leaf module: constants and struct layouts only, no host access.
"""
import struct as _struct

from ._table import table as _table

# --- open(2) flags (octal, as in asm-generic/fcntl.h) -----------------------
O_ACCMODE = 0o3
O_RDONLY = 0o0
O_WRONLY = 0o1
O_RDWR = 0o2
O_CREAT = 0o100
O_EXCL = 0o200
O_NOCTTY = 0o400
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_NDELAY = O_NONBLOCK
O_DSYNC = 0o10000
FASYNC = 0o20000
O_ASYNC = FASYNC
O_DIRECT = 0o40000
O_LARGEFILE = 0o100000   # the kernel's value; glibc's userspace O_LARGEFILE is 0 on x86-64
O_DIRECTORY = 0o200000
O_NOFOLLOW = 0o400000
O_NOATIME = 0o1000000
O_CLOEXEC = 0o2000000
__O_SYNC = 0o4000000
O_SYNC = __O_SYNC | O_DSYNC
O_FSYNC = O_SYNC
O_RSYNC = O_SYNC
O_PATH = 0o10000000
__O_TMPFILE = 0o20000000
O_TMPFILE = __O_TMPFILE | O_DIRECTORY
O_TMPFILE_MASK = __O_TMPFILE | O_DIRECTORY | O_CREAT

# Order: the access mode values first, then single bits, then compound flags.
OPEN_FLAGS = _table(globals(), """
    O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK
    O_DSYNC O_ASYNC O_DIRECT O_LARGEFILE O_DIRECTORY O_NOFOLLOW O_NOATIME
    O_CLOEXEC O_PATH O_SYNC O_TMPFILE""")
# Flags F_SETFL may change (fs/fcntl.c SETFL_MASK); the rest are ignored.
SETFL_MASK = O_APPEND | O_NONBLOCK | O_NDELAY | FASYNC | O_DIRECT | O_NOATIME

# --- fcntl(2) commands -------------------------------------------------------
F_DUPFD = 0
F_GETFD = 1
F_SETFD = 2
F_GETFL = 3
F_SETFL = 4
F_GETLK = 5
F_SETLK = 6
F_SETLKW = 7
F_SETOWN = 8
F_GETOWN = 9
F_SETSIG = 10
F_GETSIG = 11
F_SETOWN_EX = 15
F_GETOWN_EX = 16
F_GETOWNER_UIDS = 17
F_OFD_GETLK = 36
F_OFD_SETLK = 37
F_OFD_SETLKW = 38
F_LINUX_SPECIFIC_BASE = 1024
F_SETLEASE = F_LINUX_SPECIFIC_BASE + 0
F_GETLEASE = F_LINUX_SPECIFIC_BASE + 1
F_NOTIFY = F_LINUX_SPECIFIC_BASE + 2
F_CANCELLK = F_LINUX_SPECIFIC_BASE + 5
F_DUPFD_CLOEXEC = F_LINUX_SPECIFIC_BASE + 6
F_SETPIPE_SZ = F_LINUX_SPECIFIC_BASE + 7
F_GETPIPE_SZ = F_LINUX_SPECIFIC_BASE + 8
F_ADD_SEALS = F_LINUX_SPECIFIC_BASE + 9
F_GET_SEALS = F_LINUX_SPECIFIC_BASE + 10
F_GET_RW_HINT = F_LINUX_SPECIFIC_BASE + 11
F_SET_RW_HINT = F_LINUX_SPECIFIC_BASE + 12
F_GET_FILE_RW_HINT = F_LINUX_SPECIFIC_BASE + 13
F_SET_FILE_RW_HINT = F_LINUX_SPECIFIC_BASE + 14

FCNTL_CMDS = _table(globals(), """
    F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL F_GETLK F_SETLK F_SETLKW F_SETOWN
    F_GETOWN F_SETSIG F_GETSIG F_SETOWN_EX F_GETOWN_EX F_GETOWNER_UIDS
    F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_SETLEASE F_GETLEASE F_NOTIFY
    F_CANCELLK F_DUPFD_CLOEXEC F_SETPIPE_SZ F_GETPIPE_SZ F_ADD_SEALS F_GET_SEALS
    F_GET_RW_HINT F_SET_RW_HINT F_GET_FILE_RW_HINT F_SET_FILE_RW_HINT""")

# F_ADD_SEALS / F_GET_SEALS bits (F_SEAL_EXEC: Linux 6.3, newer than 6.1 headers)
F_SEAL_SEAL = 0x0001
F_SEAL_SHRINK = 0x0002
F_SEAL_GROW = 0x0004
F_SEAL_WRITE = 0x0008
F_SEAL_FUTURE_WRITE = 0x0010
F_SEAL_EXEC = 0x0020
SEALS = _table(globals(), "F_SEAL_SEAL F_SEAL_SHRINK F_SEAL_GROW F_SEAL_WRITE F_SEAL_FUTURE_WRITE F_SEAL_EXEC")

# F_GETFD / F_SETFD
FD_CLOEXEC = 1
FD_FLAGS = _table(globals(), "FD_CLOEXEC")

# struct flock l_type, F_SETOWN_EX owner types
F_RDLCK = 0
F_WRLCK = 1
F_UNLCK = 2
F_EXLCK = 4
F_SHLCK = 8
LOCK_TYPES = _table(globals(), "F_RDLCK F_WRLCK F_UNLCK")
F_OWNER_TID = 0
F_OWNER_PID = 1
F_OWNER_PGRP = 2

# flock(2)
LOCK_SH = 1
LOCK_EX = 2
LOCK_NB = 4
LOCK_UN = 8
FLOCK_OPS = _table(globals(), "LOCK_SH LOCK_EX LOCK_NB LOCK_UN")

# F_NOTIFY
DN_ACCESS = 0x00000001
DN_MODIFY = 0x00000002
DN_CREATE = 0x00000004
DN_DELETE = 0x00000008
DN_RENAME = 0x00000010
DN_ATTRIB = 0x00000020
DN_MULTISHOT = 0x80000000

# --- *at() ---------------------------------------------------------------------
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_EACCESS = 0x200          # faccessat only
AT_REMOVEDIR = 0x200        # unlinkat only (same bit as AT_EACCESS)
AT_SYMLINK_FOLLOW = 0x400
AT_NO_AUTOMOUNT = 0x800
AT_EMPTY_PATH = 0x1000
AT_STATX_SYNC_TYPE = 0x6000
AT_STATX_SYNC_AS_STAT = 0x0000
AT_STATX_FORCE_SYNC = 0x2000
AT_STATX_DONT_SYNC = 0x4000
AT_RECURSIVE = 0x8000
# The three meanings of the AT_* bit space, by the syscalls that accept them.
AT_FLAGS = _table(globals(), """
    AT_SYMLINK_NOFOLLOW AT_SYMLINK_FOLLOW AT_NO_AUTOMOUNT AT_EMPTY_PATH
    AT_STATX_FORCE_SYNC AT_STATX_DONT_SYNC AT_RECURSIVE""")
AT_ACCESS_FLAGS = _table(globals(), "AT_EACCESS AT_SYMLINK_NOFOLLOW AT_EMPTY_PATH")
AT_UNLINK_FLAGS = _table(globals(), "AT_REMOVEDIR")

# renameat2(2)
RENAME_NOREPLACE = 1 << 0
RENAME_EXCHANGE = 1 << 1
RENAME_WHITEOUT = 1 << 2
RENAME_FLAGS = _table(globals(), "RENAME_NOREPLACE RENAME_EXCHANGE RENAME_WHITEOUT")

# lseek(2)
SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2
SEEK_DATA = 3
SEEK_HOLE = 4
SEEK_MAX = SEEK_HOLE
SEEK_WHENCE = _table(globals(), "SEEK_SET SEEK_CUR SEEK_END SEEK_DATA SEEK_HOLE")

# access(2)
F_OK = 0
X_OK = 1
W_OK = 2
R_OK = 4
ACCESS_MODES = _table(globals(), "X_OK W_OK R_OK")

# splice(2), tee(2), vmsplice(2)
SPLICE_F_MOVE = 1
SPLICE_F_NONBLOCK = 2
SPLICE_F_MORE = 4
SPLICE_F_GIFT = 8

# memfd_create(2) (MFD_NOEXEC_SEAL/MFD_EXEC: Linux 6.3)
MFD_CLOEXEC = 0x0001
MFD_ALLOW_SEALING = 0x0002
MFD_HUGETLB = 0x0004
MFD_NOEXEC_SEAL = 0x0008
MFD_EXEC = 0x0010
MFD_HUGE_SHIFT = 26
MFD_HUGE_MASK = 0x3f

# posix_fadvise(2) / fadvise64 on x86-64
POSIX_FADV_NORMAL = 0
POSIX_FADV_RANDOM = 1
POSIX_FADV_SEQUENTIAL = 2
POSIX_FADV_WILLNEED = 3
POSIX_FADV_DONTNEED = 4
POSIX_FADV_NOREUSE = 5
FADVISE = _table(globals(), """POSIX_FADV_NORMAL POSIX_FADV_RANDOM POSIX_FADV_SEQUENTIAL
    POSIX_FADV_WILLNEED POSIX_FADV_DONTNEED POSIX_FADV_NOREUSE""")

# fallocate(2)
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_NO_HIDE_STALE = 0x04
FALLOC_FL_COLLAPSE_RANGE = 0x08
FALLOC_FL_ZERO_RANGE = 0x10
FALLOC_FL_INSERT_RANGE = 0x20
FALLOC_FL_UNSHARE_RANGE = 0x40

# close_range(2)
CLOSE_RANGE_UNSHARE = 1 << 1
CLOSE_RANGE_CLOEXEC = 1 << 2

# openat2(2): struct open_how { u64 flags; u64 mode; u64 resolve; }
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10
RESOLVE_CACHED = 0x20
OPEN_HOW = _struct.Struct("<QQQ")          # 24 bytes (OPEN_HOW_SIZE_VER0)

# struct flock (x86-64): short l_type; short l_whence; [pad 4]; off_t l_start;
# off_t l_len; pid_t l_pid; [pad 4]  -> 32 bytes
FLOCK = _struct.Struct("<hh4xqqi4x")
# struct f_owner_ex { int type; pid_t pid; }
F_OWNER_EX = _struct.Struct("<ii")


def pack_flock(l_type, l_whence, l_start, l_len, l_pid=0):
    """Pack a Linux struct flock (32 bytes)."""
    return FLOCK.pack(l_type, l_whence, l_start, l_len, l_pid)


def unpack_flock(data):
    """(l_type, l_whence, l_start, l_len, l_pid) from a Linux struct flock."""
    return FLOCK.unpack_from(data)
