"""Descriptor I/O calls (read, write, pread64, lseek, dup/dup2/dup3, fcntl,
pipe2, close) against an in-memory host: results and errors as the Linux
man pages give them, in Linux's order (the descriptor is looked up before
the user buffer is copied)."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import signal as SIG
from lxpack.abi.syscalls_x86_64 import (NR_close, NR_dup, NR_dup2, NR_dup3, NR_fcntl, NR_lseek, NR_openat,
                                        NR_pipe, NR_pipe2, NR_pread64, NR_pwrite64, NR_read, NR_readv,
                                        NR_write, NR_writev)
from lxpack.runtime.host.api import RUNTIME_FD_BASE

pytestmark = pytest.mark.unikernel


def open_file(g, path=b"/tmp/f", data=None, flags=F.O_RDWR):
    if data is not None:
        g.host.add_file(path, data)
    return g.call(NR_openat, F.AT_FDCWD, g.cstr(path), flags, 0o644)


def read(g, fd, n=64):
    buf = g.alloc(max(n, 1))
    res = g.call(NR_read, fd, buf, n)
    return g.read(buf, res) if res >= 0 else res


def write(g, fd, data):
    return g.call(NR_write, fd, g.put(data), len(data))


def pipe2(g, flags=0):
    p = g.alloc(8)
    assert g.call(NR_pipe2, p, flags) == 0
    return g.fds2(p)


# ---- read / write ----------------------------------------------------------------------------

def test_read_advances_the_offset(g):
    fd = open_file(g, data=b"hello world")
    assert read(g, fd, 5) == b"hello"
    assert read(g, fd, 64) == b" world"
    assert read(g, fd, 64) == b""                          # end of file: 0


def test_read_zero_bytes_is_zero(g):
    fd = open_file(g, data=b"x")
    assert g.call(NR_read, fd, g.alloc(1), 0) == 0


def test_read_errors(g):
    g.host.add_file(b"/tmp/w", b"data")
    wfd = open_file(g, b"/tmp/w", flags=F.O_WRONLY)
    assert read(g, 77) == -E.EBADF
    assert read(g, -1) == -E.EBADF
    assert read(g, wfd) == -E.EBADF                        # not open for reading
    d = g.call(NR_openat, F.AT_FDCWD, g.cstr("/tmp"), F.O_RDONLY | F.O_DIRECTORY, 0)
    assert read(g, d) == -E.EISDIR
    assert g.call(NR_read, RUNTIME_FD_BASE, g.alloc(8), 8) == -E.EBADF   # the runtime's fds are not the guest's


def test_read_into_a_bad_buffer_is_efault_and_keeps_the_offset(g):
    fd = open_file(g, data=b"abcdef")
    assert g.call(NR_read, fd, g.UNMAPPED, 3) == -E.EFAULT
    assert read(g, fd, 3) == b"abc"


def test_read_bad_fd_and_bad_buffer_is_ebadf(g):
    assert g.call(NR_read, 77, g.UNMAPPED, 8) == -E.EBADF


def test_write_then_read_back(g):
    fd = open_file(g, data=b"")
    assert write(g, fd, b"0123456789") == 10
    assert g.host.contents(b"/tmp/f") == b"0123456789"
    assert g.call(NR_lseek, fd, 0, F.SEEK_CUR) == 10


def test_write_to_stdout(g):
    assert write(g, 1, b"to stdout\n") == 10
    assert bytes(g.host.output[1]) == b"to stdout\n"


def test_write_errors(g):
    g.host.add_file(b"/tmp/r", b"")
    rfd = open_file(g, b"/tmp/r", flags=F.O_RDONLY)
    assert write(g, 77, b"x") == -E.EBADF
    assert write(g, rfd, b"x") == -E.EBADF                 # not open for writing
    fd = open_file(g, data=b"")
    assert g.call(NR_write, fd, g.UNMAPPED, 4) == -E.EFAULT
    assert g.call(NR_write, 77, g.UNMAPPED, 4) == -E.EBADF  # the fd first
    assert g.call(NR_write, fd, g.UNMAPPED, 0) == 0         # nothing to copy


def test_pwrite_then_pread_do_not_move_the_offset(g):
    fd = open_file(g, data=b"..........")
    assert g.call(NR_pwrite64, fd, g.put(b"XY"), 2, 4) == 2
    buf = g.alloc(16)
    assert g.call(NR_pread64, fd, buf, 4, 3) == 4 and g.read(buf, 4) == b".XY."
    assert g.call(NR_lseek, fd, 0, F.SEEK_CUR) == 0
    assert g.host.contents(b"/tmp/f") == b"....XY...."


def test_pread_errors(g):
    fd = open_file(g, data=b"abc")
    r, _w = pipe2(g)
    assert g.call(NR_pread64, fd, g.alloc(4), 4, -1) == -E.EINVAL
    assert g.call(NR_pread64, r, g.alloc(4), 4, 0) == -E.ESPIPE
    assert g.call(NR_pread64, 77, g.alloc(4), 4, 0) == -E.EBADF
    assert g.call(NR_pread64, fd, g.UNMAPPED, 3, 0) == -E.EFAULT


def test_readv_and_writev_scatter_gather(g):
    fd = open_file(g, data=b"")
    a, b = g.put(b"head-"), g.put(b"tail")
    iov = g.put(struct.pack("<QQQQ", a, 5, b, 4))
    assert g.call(NR_writev, fd, iov, 2) == 9
    assert g.host.contents(b"/tmp/f") == b"head-tail"
    g.call(NR_lseek, fd, 0, F.SEEK_SET)
    x, y = g.alloc(3), g.alloc(16)
    assert g.call(NR_readv, fd, g.put(struct.pack("<QQQQ", x, 3, y, 16)), 2) == 9
    assert g.read(x, 3) + g.read(y, 6) == b"head-tail"
    assert g.call(NR_writev, fd, iov, -1) == -E.EINVAL
    assert g.call(NR_writev, fd, iov, 1025) == -E.EINVAL   # more than IOV_MAX


# ---- lseek -----------------------------------------------------------------------------------

def test_lseek_whence(g):
    fd = open_file(g, data=b"0123456789")
    assert g.call(NR_lseek, fd, 4, F.SEEK_SET) == 4
    assert g.call(NR_lseek, fd, 2, F.SEEK_CUR) == 6
    assert g.call(NR_lseek, fd, -3, F.SEEK_END) == 7
    assert read(g, fd, 8) == b"789"


def test_lseek_past_the_end_then_write_leaves_a_hole(g):
    fd = open_file(g, data=b"ab")
    assert g.call(NR_lseek, fd, 6, F.SEEK_SET) == 6
    assert write(g, fd, b"Z") == 1
    assert g.host.contents(b"/tmp/f") == b"ab\0\0\0\0Z"


def test_lseek_errors(g):
    fd = open_file(g, data=b"abc")
    r, w = pipe2(g)
    assert g.call(NR_lseek, fd, 0, 7) == -E.EINVAL               # bad whence
    assert g.call(NR_lseek, fd, -1, F.SEEK_SET) == -E.EINVAL     # negative offset
    assert g.call(NR_lseek, fd, -10, F.SEEK_END) == -E.EINVAL
    assert g.call(NR_lseek, r, 0, F.SEEK_SET) == -E.ESPIPE
    assert g.call(NR_lseek, w, 0, F.SEEK_CUR) == -E.ESPIPE
    assert g.call(NR_lseek, 77, 0, F.SEEK_SET) == -E.EBADF
    assert g.call(NR_lseek, 77, 0, 7) == -E.EBADF                # the fd before whence


# ---- dup family ------------------------------------------------------------------------------

def test_dup_shares_the_offset_and_takes_the_lowest_fd(g):
    fd = open_file(g, data=b"abcdef")
    nfd = g.call(NR_dup, fd)
    assert nfd == fd + 1
    assert read(g, fd, 2) == b"ab"
    assert read(g, nfd, 2) == b"cd"                       # one open file description


def test_dup_clears_cloexec(g):
    fd = g.call(NR_openat, F.AT_FDCWD, g.cstr("/tmp/c"), F.O_CREAT | F.O_WRONLY | F.O_CLOEXEC, 0o644)
    nfd = g.call(NR_dup, fd)
    assert g.call(NR_fcntl, nfd, F.F_GETFD, 0) == 0


def test_dup_bad_fd_is_ebadf(g):
    assert g.call(NR_dup, 77) == -E.EBADF
    assert g.call(NR_dup, -1) == -E.EBADF


def test_dup2_replaces_the_target(g):
    a = open_file(g, b"/tmp/a", b"AAA", flags=F.O_RDONLY)
    b = open_file(g, b"/tmp/b", b"BBB", flags=F.O_RDONLY)
    assert g.call(NR_dup2, a, b) == b
    assert read(g, b, 3) == b"AAA"
    assert g.call(NR_dup2, a, 10) == 10
    assert read(g, 10, 3) == b""                          # shares a's offset (at its end now)


def test_dup2_same_fd_returns_it_when_valid(g):
    fd = open_file(g, data=b"x")
    assert g.call(NR_dup2, fd, fd) == fd
    assert g.call(NR_dup2, 77, 77) == -E.EBADF


def test_dup2_errors(g):
    fd = open_file(g, data=b"x")
    assert g.call(NR_dup2, 77, 10) == -E.EBADF
    assert g.call(NR_dup2, fd, -1) == -E.EBADF
    assert g.call(NR_dup2, fd, 1024) == -E.EBADF               # at the soft RLIMIT_NOFILE (1024)


@pytest.mark.skipif(RUNTIME_FD_BASE < 1024, reason="macOS host: the runtime's range stays below FD_SETSIZE")
def test_descriptors_up_to_the_soft_limit_are_usable(g):
    # Linux: any descriptor below the soft RLIMIT_NOFILE (1024 here) can be used; the
    # runtime's own descriptors live above it, out of the program's reach.
    fd = open_file(g, data=b"x")
    soft = 1024
    assert g.call(NR_dup2, fd, soft - 1) == soft - 1
    assert g.call(NR_fcntl, fd, F.F_DUPFD, 900) == 900
    assert g.call(NR_fcntl, fd, F.F_DUPFD, soft - 2) == soft - 2
    assert g.call(NR_fcntl, fd, F.F_DUPFD, soft - 2) == -E.EMFILE    # 1022, 1023 taken: none left
    assert g.call(NR_fcntl, fd, F.F_DUPFD, soft) == -E.EINVAL
    assert g.call(NR_dup2, fd, soft) == -E.EBADF
    assert g.call(NR_close, RUNTIME_FD_BASE) == -E.EBADF


def test_dup3(g):
    fd = open_file(g, data=b"x")
    assert g.call(NR_dup3, fd, 20, F.O_CLOEXEC) == 20
    assert g.call(NR_fcntl, 20, F.F_GETFD, 0) == F.FD_CLOEXEC
    assert g.call(NR_dup3, fd, 21, 0) == 21
    assert g.call(NR_fcntl, 21, F.F_GETFD, 0) == 0


def test_dup3_errors_in_linux_order(g):
    fd = open_file(g, data=b"x")
    assert g.call(NR_dup3, fd, fd, 0) == -E.EINVAL             # oldfd == newfd (unlike dup2)
    assert g.call(NR_dup3, fd, 20, F.O_NONBLOCK) == -E.EINVAL  # only O_CLOEXEC
    assert g.call(NR_dup3, 77, 77, 0) == -E.EINVAL             # flags and equality before the fd
    assert g.call(NR_dup3, 77, 20, 0) == -E.EBADF


# ---- fcntl -----------------------------------------------------------------------------------

def test_fcntl_fd_flags(g):
    fd = open_file(g, data=b"")
    assert g.call(NR_fcntl, fd, F.F_GETFD, 0) == 0
    assert g.call(NR_fcntl, fd, F.F_SETFD, F.FD_CLOEXEC) == 0
    assert g.call(NR_fcntl, fd, F.F_GETFD, 0) == F.FD_CLOEXEC


def test_fcntl_status_flags(g):
    fd = open_file(g, data=b"")
    fl = g.call(NR_fcntl, fd, F.F_GETFL, 0)
    assert fl & F.O_ACCMODE == F.O_RDWR and fl & F.O_LARGEFILE        # 64-bit: O_LARGEFILE is shown
    assert g.call(NR_fcntl, fd, F.F_SETFL, F.O_NONBLOCK | F.O_APPEND | F.O_WRONLY) == 0
    fl = g.call(NR_fcntl, fd, F.F_GETFL, 0)
    assert fl & (F.O_NONBLOCK | F.O_APPEND) == F.O_NONBLOCK | F.O_APPEND
    assert fl & F.O_ACCMODE == F.O_RDWR                                # the access mode cannot change


def test_fcntl_dupfd_takes_the_lowest_fd_at_or_above(g):
    fd = open_file(g, data=b"")
    assert g.call(NR_fcntl, fd, F.F_DUPFD, 10) == 10
    assert g.call(NR_fcntl, fd, F.F_DUPFD, 10) == 11
    nfd = g.call(NR_fcntl, fd, F.F_DUPFD_CLOEXEC, 0)
    assert nfd == fd + 1 and g.call(NR_fcntl, nfd, F.F_GETFD, 0) == F.FD_CLOEXEC


def test_fcntl_errors(g):
    fd = open_file(g, data=b"")
    assert g.call(NR_fcntl, 77, F.F_GETFD, 0) == -E.EBADF
    assert g.call(NR_fcntl, fd, 9999, 0) == -E.EINVAL
    assert g.call(NR_fcntl, 77, 9999, 0) == -E.EBADF                 # the fd before the command
    assert g.call(NR_fcntl, fd, F.F_DUPFD, 1024) == -E.EINVAL          # at or past RLIMIT_NOFILE
    assert g.call(NR_fcntl, fd, F.F_GETLK, g.UNMAPPED) == -E.EFAULT
    assert g.call(NR_fcntl, 77, F.F_GETLK, g.UNMAPPED) == -E.EBADF


# ---- pipes -----------------------------------------------------------------------------------

def test_pipe_carries_data_then_eof(g):
    p = g.alloc(8)
    assert g.call(NR_pipe, p) == 0
    r, w = g.fds2(p)
    assert (r, w) == (3, 4)
    assert write(g, w, b"through") == 7
    assert read(g, r, 64) == b"through"
    assert g.call(NR_close, w) == 0
    assert read(g, r, 64) == b""                          # no writer left: end of file


def test_pipe2_flags(g):
    r, w = pipe2(g, F.O_CLOEXEC | F.O_NONBLOCK)
    assert g.call(NR_fcntl, r, F.F_GETFD, 0) == F.FD_CLOEXEC
    assert g.call(NR_fcntl, w, F.F_GETFD, 0) == F.FD_CLOEXEC
    assert g.call(NR_fcntl, r, F.F_GETFL, 0) & F.O_NONBLOCK
    assert read(g, r, 8) == -E.EAGAIN                     # empty, a writer still open


def test_pipe2_bad_flags_is_einval(g):
    assert g.call(NR_pipe2, g.alloc(8), F.O_APPEND) == -E.EINVAL


def test_pipe2_bad_pointer_is_efault_and_leaks_nothing(g):
    assert g.call(NR_pipe2, g.UNMAPPED, 0) == -E.EFAULT
    assert open_file(g, data=b"") == 3                    # fds 3 and 4 were given back


def test_pipe2_bad_pointer_is_efault(g):
    assert g.call(NR_pipe2, g.UNMAPPED, 0) == -E.EFAULT


def test_pipe_ends_are_one_way(g):
    r, w = pipe2(g)
    assert write(g, r, b"x") == -E.EBADF
    assert read(g, w, 1) == -E.EBADF


def test_write_to_a_pipe_without_reader_is_epipe(g):
    r, w = pipe2(g)
    g.call(NR_close, r)
    assert write(g, w, b"x") == -E.EPIPE


@pytest.mark.xfail(strict=True, reason="by design on real hosts the host kernel raises the write's SIGPIPE and "
                                       "the signal bridge hands it to the guest, exactly once (e2e: exitstatus "
                                       "sigpipe-caught); queueing it here as well would deliver it twice. The "
                                       "fake host raises no host signal")
def test_write_to_a_pipe_without_reader_queues_sigpipe(g):
    r, w = pipe2(g)
    g.call(NR_close, r)
    assert write(g, w, b"x") == -E.EPIPE
    assert g.task.signals.pending_mask() & (1 << (SIG.SIGPIPE - 1))


# ---- close -----------------------------------------------------------------------------------

def test_close(g):
    fd = open_file(g, data=b"")
    assert g.call(NR_close, fd) == 0
    assert g.call(NR_close, fd) == -E.EBADF               # already closed
    assert g.call(NR_close, 77) == -E.EBADF
    assert g.call(NR_close, -1) == -E.EBADF
    assert g.call(NR_close, RUNTIME_FD_BASE) == -E.EBADF  # the runtime's own descriptors are invisible
    assert read(g, fd) == -E.EBADF
