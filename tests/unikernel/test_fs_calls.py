"""File-system calls (open/openat, stat family, getdents64, mkdir, unlink,
rename, getcwd/chdir, readlink, access) against an in-memory host, each
asserting what the Linux man page says, errors included, in the order
Linux checks them (flags, then the user pointer, then the path walk)."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import stat as ST
from lxpack.abi.syscalls_x86_64 import (NR_access, NR_chdir, NR_close, NR_fchdir, NR_fcntl, NR_fstat,
                                        NR_getcwd, NR_getdents64, NR_lseek, NR_lstat, NR_mkdir, NR_mkdirat,
                                        NR_newfstatat, NR_open, NR_openat, NR_read, NR_readlink, NR_rename,
                                        NR_renameat2, NR_rmdir, NR_stat, NR_symlink, NR_umask, NR_unlink,
                                        NR_unlinkat, NR_write)

pytestmark = pytest.mark.unikernel

O_RDONLY, O_WRONLY, O_RDWR = F.O_RDONLY, F.O_WRONLY, F.O_RDWR


def openat(g, path, flags=O_RDONLY, mode=0o666, dirfd=F.AT_FDCWD):
    return g.call(NR_openat, dirfd, g.cstr(path), flags, mode)


def stat_of(g, path, flags=0, dirfd=F.AT_FDCWD):
    buf = g.alloc(ST.STAT.size)
    res = g.call(NR_newfstatat, dirfd, g.cstr(path), buf, flags)
    return res, (ST.unpack_stat(g.read(buf, ST.STAT.size)) if res == 0 else None)


def fstat_of(g, fd):
    buf = g.alloc(ST.STAT.size)
    assert g.call(NR_fstat, fd, buf) == 0
    return ST.unpack_stat(g.read(buf, ST.STAT.size))


def dents(g, fd, size=4096):
    buf = g.alloc(size)
    n = g.call(NR_getdents64, fd, buf, size)
    if n < 0:
        return n
    return [(name, dtype) for _ino, _off, dtype, name in ST.unpack_dirents64(g.read(buf, n))]


# ---- open / openat ---------------------------------------------------------------------------

def test_openat_creat_makes_a_regular_file_with_mode_less_umask(g):
    fd = openat(g, "/tmp/new", O_WRONLY | F.O_CREAT, 0o666)
    assert fd == 3                                   # the lowest free descriptor
    st = fstat_of(g, fd)
    assert ST.S_ISREG(st.st_mode) and st.st_mode & 0o7777 == 0o644 and st.st_size == 0
    assert g.host.exists(b"/tmp/new")


def test_openat_returns_lowest_free_fd(g):
    a = openat(g, "/tmp/a", O_WRONLY | F.O_CREAT)
    b = openat(g, "/tmp/b", O_WRONLY | F.O_CREAT)
    assert (a, b) == (3, 4)
    assert g.call(NR_close, a) == 0
    assert openat(g, "/tmp/a") == 3


def test_openat_creat_excl_on_existing_is_eexist(g):
    g.host.add_file(b"/tmp/f", b"x")
    assert openat(g, "/tmp/f", O_WRONLY | F.O_CREAT | F.O_EXCL) == -E.EEXIST
    assert openat(g, "/tmp/f", O_WRONLY | F.O_CREAT) >= 0       # without O_EXCL it opens


def test_openat_creat_through_a_dangling_symlink(g):
    # open(2): with O_CREAT|O_EXCL a symlink is not followed, whatever it points to.
    assert g.call(NR_symlink, g.cstr("/tmp/target"), g.cstr("/tmp/dangling")) == 0
    assert openat(g, "/tmp/dangling", O_WRONLY | F.O_CREAT | F.O_EXCL) == -E.EEXIST
    assert not g.host.exists(b"/tmp/target")
    assert openat(g, "/tmp/dangling", O_WRONLY | F.O_CREAT) >= 0      # without O_EXCL: creates the target
    assert g.host.exists(b"/tmp/target")


def test_openat_missing_file_is_enoent(g):
    assert openat(g, "/tmp/nope") == -E.ENOENT


def test_openat_creat_in_missing_directory_is_enoent(g):
    assert openat(g, "/tmp/nodir/f", O_WRONLY | F.O_CREAT) == -E.ENOENT


def test_openat_through_a_regular_file_is_enotdir(g):
    g.host.add_file(b"/tmp/f")
    assert openat(g, "/tmp/f/x") == -E.ENOTDIR
    assert openat(g, "/tmp/f/", O_RDONLY) == -E.ENOTDIR


def test_openat_o_directory(g):
    g.host.add_file(b"/tmp/f")
    assert openat(g, "/tmp/f", O_RDONLY | F.O_DIRECTORY) == -E.ENOTDIR
    fd = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    assert fd >= 0 and ST.S_ISDIR(fstat_of(g, fd).st_mode)


def test_open_directory_for_writing_is_eisdir(g):
    assert openat(g, "/tmp", O_WRONLY) == -E.EISDIR
    assert openat(g, "/tmp", O_RDWR) == -E.EISDIR


def test_openat_relative_to_dirfd(g):
    g.host.add_file(b"/tmp/rel", b"hello")
    d = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    fd = openat(g, "rel", O_RDONLY, dirfd=d)
    buf = g.alloc(16)
    assert g.call(NR_read, fd, buf, 16) == 5 and g.read(buf, 5) == b"hello"


def test_openat_relative_path_with_bad_dirfd_is_ebadf(g):
    assert openat(g, "rel", dirfd=77) == -E.EBADF


def test_openat_absolute_path_ignores_dirfd(g):
    # openat(2): "If pathname is absolute, then dirfd is ignored."
    g.host.add_file(b"/tmp/abs")
    assert openat(g, "/tmp/abs", dirfd=77) >= 0


def test_openat_dirfd_naming_a_file_is_enotdir(g):
    g.host.add_file(b"/tmp/f")
    fd = openat(g, "/tmp/f")
    assert openat(g, "x", dirfd=fd) == -E.ENOTDIR


def test_openat_bad_path_pointer_is_efault(g):
    assert g.call(NR_openat, F.AT_FDCWD, 0, O_RDONLY, 0) == -E.EFAULT
    assert g.call(NR_openat, F.AT_FDCWD, g.UNMAPPED, O_RDONLY, 0) == -E.EFAULT
    # The name is copied in before dirfd is looked up.
    assert g.call(NR_openat, 77, g.UNMAPPED, O_RDONLY, 0) == -E.EFAULT


def test_open_empty_path_is_enoent(g):
    assert openat(g, "") == -E.ENOENT
    assert g.call(NR_open, g.cstr(""), O_RDONLY, 0) == -E.ENOENT


def test_openat_o_cloexec_sets_fd_cloexec(g):
    fd = openat(g, "/tmp/c", O_WRONLY | F.O_CREAT | F.O_CLOEXEC)
    assert g.call(NR_fcntl, fd, F.F_GETFD, 0) == F.FD_CLOEXEC
    fd2 = openat(g, "/tmp/c", O_RDONLY)
    assert g.call(NR_fcntl, fd2, F.F_GETFD, 0) == 0


def test_openat_o_trunc_empties_the_file(g):
    g.host.add_file(b"/tmp/t", b"old contents")
    openat(g, "/tmp/t", O_WRONLY | F.O_TRUNC)
    assert g.host.contents(b"/tmp/t") == b""


def test_openat_o_trunc_read_only_still_truncates(g):
    # open(2) leaves O_RDONLY|O_TRUNC unspecified; Linux truncates (build_open_flags
    # asks MAY_WRITE for O_TRUNC, do_open truncates a regular file), so write
    # permission is needed.
    g.host.add_file(b"/tmp/t", b"gone")
    assert openat(g, "/tmp/t", O_RDONLY | F.O_TRUNC) >= 0
    assert g.host.contents(b"/tmp/t") == b""
    g.host.add_file(b"/tmp/ro", b"kept", perm=0o444)
    assert openat(g, "/tmp/ro", O_RDONLY | F.O_TRUNC) == -E.EACCES
    assert g.host.contents(b"/tmp/ro") == b"kept"


def test_o_append_writes_at_the_end(g):
    g.host.add_file(b"/tmp/log", b"abc")
    fd = openat(g, "/tmp/log", O_WRONLY | F.O_APPEND)
    assert g.call(NR_lseek, fd, 0, F.SEEK_SET) == 0
    assert g.call(NR_write, fd, g.put(b"def"), 3) == 3
    assert g.host.contents(b"/tmp/log") == b"abcdef"


def test_open_without_read_permission_is_eacces(g):
    g.host.add_file(b"/tmp/secret", b"x", perm=0o200)
    assert openat(g, "/tmp/secret", O_RDONLY) == -E.EACCES
    assert openat(g, "/tmp/secret", O_WRONLY) >= 0


def test_symlink_loop_is_eloop(g):
    assert g.call(NR_symlink, g.cstr("/tmp/b"), g.cstr("/tmp/a")) == 0
    assert g.call(NR_symlink, g.cstr("/tmp/a"), g.cstr("/tmp/b")) == 0
    assert openat(g, "/tmp/a") == -E.ELOOP


def test_o_nofollow_on_a_symlink_is_eloop(g):
    g.host.add_file(b"/tmp/target")
    assert g.call(NR_symlink, g.cstr("target"), g.cstr("/tmp/link")) == 0
    assert openat(g, "/tmp/link", O_RDONLY | F.O_NOFOLLOW) == -E.ELOOP
    assert openat(g, "/tmp/link", O_RDONLY) >= 0


# ---- stat family -----------------------------------------------------------------------------

def test_newfstatat_reports_size_mode_and_inode(g):
    node = g.host.add_file(b"/tmp/s", b"12345", perm=0o640)
    res, st = stat_of(g, "/tmp/s")
    assert res == 0
    assert st.st_size == 5 and st.st_mode == ST.S_IFREG | 0o640 and st.st_ino == node.ino
    assert st.st_uid == 1000 and st.st_nlink == 1


def test_stat_and_fstat_agree(g):
    g.host.add_file(b"/tmp/s", b"abc")
    buf = g.alloc(ST.STAT.size)
    assert g.call(NR_stat, g.cstr("/tmp/s"), buf) == 0
    by_path = ST.unpack_stat(g.read(buf, ST.STAT.size))
    fd = openat(g, "/tmp/s")
    assert fstat_of(g, fd) == by_path


def test_lstat_and_at_symlink_nofollow_see_the_link(g):
    g.host.add_file(b"/tmp/target", b"abc")
    g.call(NR_symlink, g.cstr("target"), g.cstr("/tmp/link"))
    _res, st = stat_of(g, "/tmp/link", F.AT_SYMLINK_NOFOLLOW)
    assert ST.S_ISLNK(st.st_mode) and st.st_size == len(b"target")
    _res, st = stat_of(g, "/tmp/link")
    assert ST.S_ISREG(st.st_mode) and st.st_size == 3
    buf = g.alloc(ST.STAT.size)
    assert g.call(NR_lstat, g.cstr("/tmp/link"), buf) == 0
    assert ST.S_ISLNK(ST.unpack_stat(g.read(buf, ST.STAT.size)).st_mode)


def test_newfstatat_errors(g):
    g.host.add_file(b"/tmp/f")
    assert stat_of(g, "/tmp/missing")[0] == -E.ENOENT
    assert stat_of(g, "/tmp/f/x")[0] == -E.ENOTDIR
    assert stat_of(g, "")[0] == -E.ENOENT                  # empty path without AT_EMPTY_PATH
    assert stat_of(g, "rel", dirfd=77)[0] == -E.EBADF
    # Unknown flags are refused before the path is even looked at.
    assert stat_of(g, "/tmp/missing", 0x1)[0] == -E.EINVAL
    assert g.call(NR_newfstatat, F.AT_FDCWD, g.cstr("/tmp/f"), g.UNMAPPED, 0) == -E.EFAULT
    assert g.call(NR_newfstatat, F.AT_FDCWD, g.UNMAPPED, g.alloc(256), 0) == -E.EFAULT


def test_newfstatat_at_empty_path_stats_the_fd(g):
    g.host.add_file(b"/tmp/e", b"12")
    fd = openat(g, "/tmp/e")
    res, st = stat_of(g, "", F.AT_EMPTY_PATH, dirfd=fd)
    assert res == 0 and st.st_size == 2
    assert stat_of(g, "", F.AT_EMPTY_PATH, dirfd=77)[0] == -E.EBADF


def test_fstat_bad_fd_is_ebadf(g):
    assert g.call(NR_fstat, 77, g.alloc(256)) == -E.EBADF
    assert g.call(NR_fstat, -1, g.alloc(256)) == -E.EBADF


# ---- getdents64 ------------------------------------------------------------------------------

def test_getdents64_lists_dot_dotdot_and_entries_with_types(g):
    g.call(NR_mkdir, g.cstr("/tmp/d"), 0o755)
    g.host.add_file(b"/tmp/d/file")
    g.call(NR_mkdir, g.cstr("/tmp/d/sub"), 0o755)
    g.call(NR_symlink, g.cstr("file"), g.cstr("/tmp/d/ln"))
    fd = openat(g, "/tmp/d", O_RDONLY | F.O_DIRECTORY)
    got = dents(g, fd)
    assert sorted(got) == sorted([(b".", ST.DT_DIR), (b"..", ST.DT_DIR), (b"file", ST.DT_REG),
                                  (b"sub", ST.DT_DIR), (b"ln", ST.DT_LNK)])
    assert dents(g, fd) == []                          # end of directory: 0


def test_getdents64_small_buffer_is_einval(g):
    fd = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    assert dents(g, fd, size=8) == -E.EINVAL           # "Result buffer is too small."


def test_getdents64_continues_and_rewinds(g):
    g.call(NR_mkdir, g.cstr("/tmp/d"), 0o755)
    for i in range(20):
        g.host.add_file(b"/tmp/d/entry-%02d" % i)
    fd = openat(g, "/tmp/d", O_RDONLY | F.O_DIRECTORY)
    seen = []
    while True:
        part = dents(g, fd, size=96)                   # a few records per call
        assert part != -E.EINVAL
        if not part:
            break
        seen += part
    assert len(seen) == 22 and len(set(seen)) == 22
    assert g.call(NR_lseek, fd, 0, F.SEEK_SET) == 0
    assert len(dents(g, fd)) == 22


def test_getdents64_errors(g):
    g.host.add_file(b"/tmp/f")
    assert dents(g, 77) == -E.EBADF
    assert dents(g, openat(g, "/tmp/f")) == -E.ENOTDIR
    fd = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    assert g.call(NR_getdents64, fd, g.UNMAPPED, 4096) == -E.EFAULT


# ---- mkdir / unlink / rmdir / rename ---------------------------------------------------------

def test_mkdir_creates_with_mode_less_umask(g):
    assert g.call(NR_mkdir, g.cstr("/tmp/d"), 0o777) == 0
    res, st = stat_of(g, "/tmp/d")
    assert res == 0 and st.st_mode == ST.S_IFDIR | 0o755


def test_mkdir_errors(g):
    g.host.add_file(b"/tmp/f")
    assert g.call(NR_mkdir, g.cstr("/tmp"), 0o755) == -E.EEXIST
    assert g.call(NR_mkdir, g.cstr("/tmp/f"), 0o755) == -E.EEXIST
    assert g.call(NR_mkdir, g.cstr("/tmp/no/d"), 0o755) == -E.ENOENT
    assert g.call(NR_mkdir, g.cstr("/tmp/f/d"), 0o755) == -E.ENOTDIR
    assert g.call(NR_mkdir, g.UNMAPPED, 0o755) == -E.EFAULT
    assert g.call(NR_mkdirat, 77, g.cstr("rel"), 0o755) == -E.EBADF


def test_unlink_removes_the_name(g):
    g.host.add_file(b"/tmp/f")
    assert g.call(NR_unlink, g.cstr("/tmp/f")) == 0
    assert not g.host.exists(b"/tmp/f")
    assert g.call(NR_unlink, g.cstr("/tmp/f")) == -E.ENOENT


def test_unlink_of_an_open_file_keeps_it_readable(g):
    g.host.add_file(b"/tmp/f", b"data")
    fd = openat(g, "/tmp/f")
    assert g.call(NR_unlink, g.cstr("/tmp/f")) == 0
    buf = g.alloc(8)
    assert g.call(NR_read, fd, buf, 8) == 4 and g.read(buf, 4) == b"data"


def test_unlink_and_rmdir_errors(g):
    g.host.add_file(b"/tmp/f")
    g.call(NR_mkdir, g.cstr("/tmp/d"), 0o755)
    g.host.add_file(b"/tmp/d/inside")
    assert g.call(NR_unlink, g.cstr("/tmp/d")) == -E.EISDIR          # Linux's value (POSIX says EPERM)
    assert g.call(NR_rmdir, g.cstr("/tmp/f")) == -E.ENOTDIR
    assert g.call(NR_rmdir, g.cstr("/tmp/d")) == -E.ENOTEMPTY
    assert g.call(NR_unlinkat, F.AT_FDCWD, g.cstr("/tmp/f"), 0x1) == -E.EINVAL   # unknown flag
    assert g.call(NR_unlinkat, F.AT_FDCWD, g.cstr("/tmp/f"), F.AT_REMOVEDIR) == -E.ENOTDIR
    assert g.call(NR_unlink, g.cstr("/tmp/f/x")) == -E.ENOTDIR
    assert g.call(NR_unlink, g.UNMAPPED) == -E.EFAULT


def test_unlinkat_removedir(g):
    g.call(NR_mkdir, g.cstr("/tmp/d"), 0o755)
    d = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    assert g.call(NR_unlinkat, d, g.cstr("d"), F.AT_REMOVEDIR) == 0
    assert not g.host.exists(b"/tmp/d")


def test_rename_moves_and_replaces(g):
    g.host.add_file(b"/tmp/a", b"A")
    g.host.add_file(b"/tmp/b", b"B")
    assert g.call(NR_rename, g.cstr("/tmp/a"), g.cstr("/tmp/b")) == 0
    assert not g.host.exists(b"/tmp/a") and g.host.contents(b"/tmp/b") == b"A"


def test_rename_errors(g):
    g.host.add_file(b"/tmp/f")
    g.call(NR_mkdir, g.cstr("/tmp/d"), 0o755)
    g.call(NR_mkdir, g.cstr("/tmp/full"), 0o755)
    g.host.add_file(b"/tmp/full/x")
    assert g.call(NR_rename, g.cstr("/tmp/missing"), g.cstr("/tmp/x")) == -E.ENOENT
    assert g.call(NR_rename, g.cstr("/tmp/d"), g.cstr("/tmp/f")) == -E.ENOTDIR
    assert g.call(NR_rename, g.cstr("/tmp/f"), g.cstr("/tmp/d")) == -E.EISDIR
    assert g.call(NR_rename, g.cstr("/tmp/d"), g.cstr("/tmp/full")) == -E.ENOTEMPTY
    assert g.call(NR_rename, g.cstr("/tmp/d"), g.cstr("/tmp/d/sub")) == -E.EINVAL
    assert g.call(NR_rename, g.UNMAPPED, g.cstr("/tmp/x")) == -E.EFAULT


def test_renameat2_noreplace_and_flag_checks(g):
    g.host.add_file(b"/tmp/a")
    g.host.add_file(b"/tmp/b")
    a, b = g.cstr("/tmp/a"), g.cstr("/tmp/b")
    assert g.call(NR_renameat2, F.AT_FDCWD, a, F.AT_FDCWD, b, F.RENAME_NOREPLACE) == -E.EEXIST
    assert g.call(NR_renameat2, F.AT_FDCWD, a, F.AT_FDCWD, b,
                  F.RENAME_NOREPLACE | F.RENAME_EXCHANGE) == -E.EINVAL
    assert g.call(NR_renameat2, F.AT_FDCWD, a, F.AT_FDCWD, b, 0x100) == -E.EINVAL
    assert g.call(NR_renameat2, F.AT_FDCWD, a, F.AT_FDCWD, g.cstr("/tmp/c"), F.RENAME_NOREPLACE) == 0


# ---- cwd ------------------------------------------------------------------------------------

def test_getcwd_returns_length_with_nul(g):
    buf = g.alloc(64)
    n = g.call(NR_getcwd, buf, 64)
    assert n == len(b"/home/user") + 1 and g.read(buf, n) == b"/home/user\0"


def test_getcwd_errors(g):
    assert g.call(NR_getcwd, g.alloc(4), 4) == -E.ERANGE
    assert g.call(NR_getcwd, g.alloc(4), 0) == -E.ERANGE
    assert g.call(NR_getcwd, g.UNMAPPED, 64) == -E.EFAULT


def test_chdir_changes_where_relative_paths_start(g):
    g.host.add_file(b"/tmp/here", b"x")
    assert g.call(NR_chdir, g.cstr("/tmp")) == 0
    assert openat(g, "here") >= 0
    buf = g.alloc(64)
    assert g.call(NR_getcwd, buf, 64) == 5 and g.read(buf, 5) == b"/tmp\0"


def test_chdir_and_fchdir_errors(g):
    g.host.add_file(b"/tmp/f")
    assert g.call(NR_chdir, g.cstr("/tmp/missing")) == -E.ENOENT
    assert g.call(NR_chdir, g.cstr("/tmp/f")) == -E.ENOTDIR
    assert g.call(NR_chdir, g.UNMAPPED) == -E.EFAULT
    assert g.call(NR_fchdir, openat(g, "/tmp/f")) == -E.ENOTDIR
    assert g.call(NR_fchdir, 77) == -E.EBADF


def test_fchdir_to_an_open_directory(g):
    d = openat(g, "/tmp", O_RDONLY | F.O_DIRECTORY)
    assert g.call(NR_fchdir, d) == 0
    assert g.host.getcwd() == b"/tmp"


# ---- readlink, access, umask -----------------------------------------------------------------

def test_readlink_returns_the_target_without_nul(g):
    g.call(NR_symlink, g.cstr("some/target"), g.cstr("/tmp/l"))
    buf = g.put(b"\xff" * 32)
    assert g.call(NR_readlink, g.cstr("/tmp/l"), buf, 32) == 11
    assert g.read(buf, 12) == b"some/target\xff"
    assert g.call(NR_readlink, g.cstr("/tmp/l"), buf, 4) == 4      # truncated, no error


def test_readlink_errors(g):
    g.host.add_file(b"/tmp/f")
    g.call(NR_symlink, g.cstr("t"), g.cstr("/tmp/l"))
    assert g.call(NR_readlink, g.cstr("/tmp/f"), g.alloc(8), 8) == -E.EINVAL     # not a symlink
    assert g.call(NR_readlink, g.cstr("/tmp/missing"), g.alloc(8), 8) == -E.ENOENT
    assert g.call(NR_readlink, g.cstr("/tmp/l"), g.alloc(8), 0) == -E.EINVAL     # bufsiz not positive


def test_access(g):
    g.host.add_file(b"/tmp/ro", perm=0o444)
    assert g.call(NR_access, g.cstr("/tmp/ro"), F.F_OK) == 0
    assert g.call(NR_access, g.cstr("/tmp/ro"), F.R_OK) == 0
    assert g.call(NR_access, g.cstr("/tmp/ro"), F.W_OK) == -E.EACCES
    assert g.call(NR_access, g.cstr("/tmp/missing"), F.F_OK) == -E.ENOENT
    assert g.call(NR_access, g.cstr("/tmp/ro"), 0x10) == -E.EINVAL


def test_umask_returns_the_previous_mask_and_applies(g):
    assert g.call(NR_umask, 0o077) == 0o022
    assert g.call(NR_umask, 0o077) == 0o077
    fd = openat(g, "/tmp/private", O_WRONLY | F.O_CREAT, 0o666)
    assert fstat_of(g, fd).st_mode & 0o777 == 0o600
    assert g.call(NR_umask, 0o1777) == 0o077                      # only the permission bits are kept
    assert g.call(NR_umask, 0) == 0o777


def test_struct_stat_layout(g):
    g.host.add_file(b"/tmp/s", b"x" * 1000)
    buf = g.alloc(ST.STAT.size)
    assert g.call(NR_stat, g.cstr("/tmp/s"), buf) == 0
    raw = g.read(buf, ST.STAT.size)
    # struct stat (asm/stat.h, x86-64): st_size at offset 48, st_blksize at 56.
    assert struct.unpack_from("<q", raw, 48)[0] == 1000
    assert struct.unpack_from("<q", raw, 56)[0] == 4096
