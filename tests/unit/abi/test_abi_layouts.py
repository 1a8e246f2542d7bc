"""Pure-Python checks of the lxpack.abi packers and helpers (no compiler
needed; the values themselves are proved against the headers in
test_abi_headers.py)."""
import os
import struct
import subprocess
import sys

import pytest

from lxpack.abi import (auxv, epoll, fcntl, futex, inotify, poll, resource, sched, signal,
                        signalfd, socket, stat, sysinfo, termios, time)
from lxpack.abi import _table


# --- sizes the kernel fixes ----------------------------------------------------------------
@pytest.mark.parametrize("st, size", [
    (stat.STAT, 144), (stat.STATX, 256), (stat.STATFS, 120), (stat.STATX_TIMESTAMP, 16),
    (fcntl.FLOCK, 32), (fcntl.OPEN_HOW, 24), (signal.SIGACTION, 32), (signal.STACK_T, 24),
    (termios.TERMIOS, 36), (termios.TERMIOS2, 44), (termios.WINSIZE, 8),
    (socket.SOCKADDR_IN, 16), (socket.SOCKADDR_IN6, 28), (socket.MSGHDR, 56), (socket.MMSGHDR, 64),
    (socket.CMSGHDR, 16), (socket.IOVEC, 16), (socket.UCRED, 12), (socket.NLMSGHDR, 16),
    (socket.IFINFOMSG, 16), (socket.IFADDRMSG, 8), (socket.RTATTR, 4), (resource.RUSAGE, 144),
    (resource.RLIMIT, 16), (time.TIMESPEC, 16), (time.ITIMERSPEC, 32), (time.SIGEVENT, 64),
    (sched.CLONE_ARGS, 88), (futex.ROBUST_LIST_HEAD, 24), (epoll.EPOLL_EVENT, 12),
    (poll.POLLFD, 8), (signalfd.SIGNALFD_SIGINFO, 128), (inotify.INOTIFY_EVENT, 16),
    (sysinfo.UTSNAME, 390), (sysinfo.SYSINFO, 112), (auxv.AUXV_ENTRY, 16),
], ids=lambda x: getattr(x, "format", x) if not isinstance(x, int) else str(x))
def test_struct_sizes(st, size):
    assert st.size == size


def test_tables_are_consistent():
    assert _table.invert({"A": 1, "B": 1, "C": 2}) == {1: "A", 2: "C"}
    assert _table.flag_names(fcntl.O_CREAT | fcntl.O_EXCL | 0x40000000, {"O_CREAT": fcntl.O_CREAT,
                                                                      "O_EXCL": fcntl.O_EXCL}) \
        == "O_CREAT|O_EXCL|0x40000000"
    assert _table.flag_names(0, {"X": 1}) == "0"
    for tbl in (fcntl.OPEN_FLAGS, fcntl.FCNTL_CMDS, signal.SIGNALS, socket.SOCKET_OPTIONS,
                termios.CC_INDICES, stat.FILE_TYPES):
        assert all(isinstance(v, int) for v in tbl.values())
    assert len(signal.SIGNALS) == 31 and sorted(signal.SIGNALS.values()) == list(range(1, 32))
    assert len(set(fcntl.FCNTL_CMDS.values())) == len(fcntl.FCNTL_CMDS)


# --- stat ------------------------------------------------------------------------------------
def test_makedev_roundtrip_and_kernel_encoding():
    for ma, mi in [(0, 0), (8, 1), (259, 0x12345), (0xFFF, 0xFF), (0x12345, 0xABCDEF), (0xFFFFFFFF, 0xFFFFFFFF)]:
        dev = stat.makedev(ma, mi)
        assert (stat.major(dev), stat.minor(dev)) == (ma, mi)
    # the kernel's 32-bit new_encode_dev for small numbers
    assert stat.makedev(8, 1) == 0x801
    assert stat.makedev(136, 3) == (3 & 0xFF) | (136 << 8)
    assert stat.makedev(1, 0x1234) == (0x34 | (1 << 8) | ((0x1234 & ~0xFF) << 12))


def test_pack_stat_from_os_stat_result_and_back(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"hello")
    st = os.stat(str(p))
    raw = stat.pack_stat(st)
    assert len(raw) == 144
    ls = stat.unpack_stat(raw)
    assert ls.st_size == 5 and ls.st_ino == st.st_ino and ls.st_mode == st.st_mode
    assert ls.st_mtime_ns == st.st_mtime_ns and ls.st_dev == st.st_dev
    # field offsets as asm/stat.h lays them out
    assert struct.unpack_from("<Q", raw, 8)[0] == st.st_ino
    assert struct.unpack_from("<I", raw, 24)[0] == st.st_mode
    assert struct.unpack_from("<q", raw, 48)[0] == 5
    assert struct.unpack_from("<QQ", raw, 88) == divmod(st.st_mtime_ns, 10 ** 9)


def test_pack_stat_from_mapping_with_sec_nsec_and_negative_times():
    m = dict(st_dev=1, st_ino=2, st_nlink=3, st_mode=0o100644, st_uid=4, st_gid=5, st_rdev=0,
             st_size=6, st_blksize=4096, st_blocks=8, st_atime=-1, st_atime_nsec=500,
             st_mtime=10, st_mtime_nsec=20, st_ctime=30, st_ctime_nsec=40)
    ls = stat.unpack_stat(stat.pack_stat(m))
    assert ls.st_atime_ns == -10 ** 9 + 500
    assert ls.st_mtime_ns == 10 * 10 ** 9 + 20 and ls.st_ctime_ns == 30 * 10 ** 9 + 40
    ls2 = stat.as_linux_stat(stat.LinuxStat(1, 2, 3, 0o100644, 4, 5, 0, 6, 4096, 8, -1, 0, 0))
    assert stat.pack_stat(ls2)[72:80] == struct.pack("<q", -1)


def test_pack_statx_fields():
    ls = stat.LinuxStat(stat.makedev(8, 1), 99, 2, 0o100755, 1000, 1000, stat.makedev(4, 64), 1234,
                        4096, 8, 1 * 10 ** 9 + 1, 2 * 10 ** 9 + 2, 3 * 10 ** 9 + 3, 4 * 10 ** 9 + 4)
    raw = stat.pack_statx(ls)
    assert len(raw) == 256
    f = stat.STATX.unpack(raw)
    mask, blksize, _attrs, nlink, uid, gid, mode = f[:7]
    assert mask == stat.STATX_BASIC_STATS | stat.STATX_BTIME
    assert (blksize, nlink, uid, gid, mode) == (4096, 2, 1000, 1000, 0o100755)
    assert f[8:11] == (99, 1234, 8)
    assert f[12:24] == (1, 1, 0, 4, 4, 0, 3, 3, 0, 2, 2, 0)   # atime, btime, ctime, mtime
    assert f[24:28] == (4, 64, 8, 1)
    # no birth time known -> no STATX_BTIME, zero btime
    raw = stat.pack_statx(ls._replace(st_btime_ns=None), mask=stat.STATX_ALL)
    f = stat.STATX.unpack(raw)
    assert f[0] == stat.STATX_BASIC_STATS and f[15:18] == (0, 0, 0)
    # only what was asked for is filled
    f = stat.STATX.unpack(stat.pack_statx(ls, mask=stat.STATX_SIZE))
    assert f[0] == stat.STATX_SIZE and f[9] == 1234 and f[8] == 0 and f[6] == 0


def test_result_packers_match_the_converting_ones():
    """pack_stat_result/pack_statx_result (no conversion, the handlers'
    path) give the bytes of pack_stat/pack_statx, before 1970 too."""
    ls = stat.LinuxStat(stat.makedev(259, 3), 7, 1, 0o40755, 0, 0, 0, 4096, 4096, 8,
                        -1 * 10 ** 9 - 5, 2 * 10 ** 9 + 2, 3 * 10 ** 9 + 3, 4 * 10 ** 9 + 4)
    assert stat.pack_stat_result(ls) == stat.pack_stat(ls)
    for btime in (4 * 10 ** 9 + 4, None):
        one = ls._replace(st_btime_ns=btime)
        for mask in (stat.STATX_BASIC_STATS, stat.STATX_BASIC_STATS | stat.STATX_BTIME, stat.STATX_SIZE):
            assert stat.pack_statx_result(one, mask) == stat.pack_statx(one, mask)


def test_pack_statfs():
    sf = stat.LinuxStatfs(stat.EXT4_SUPER_MAGIC, 4096, 100, 50, 40, 1000, 900, 0x1234567887654321,
                          255, 4096, stat.ST_VALID | stat.ST_RDONLY)
    raw = stat.pack_statfs(sf)
    assert len(raw) == 120
    v = stat.STATFS.unpack(raw)
    assert v[0] == 0xEF53 and v[7] & 0xFFFFFFFF == 0x87654321 and v[8] & 0xFFFFFFFF == 0x12345678
    assert v[9:] == (255, 4096, 33)
    assert stat.pack_statfs(dict(sf._asdict(), f_fsid=(1, 2)))[56:64] == struct.pack("<ii", 1, 2)


def test_dirent64_records():
    rec = stat.pack_dirent64(123, 7, stat.DT_REG, b"hell")      # 19 + 4 + 1 = 24
    assert len(rec) == 24 == stat.dirent64_reclen(4)
    assert struct.unpack_from("<QqHB", rec) == (123, 7, 24, stat.DT_REG)
    assert rec[19:24] == b"hell\0"
    long = stat.pack_dirent64(1, 2, stat.DT_DIR, "x" * 5)   # 19 + 5 + 1 = 25 -> 32
    assert len(long) == 32 == stat.dirent64_reclen(5)
    buf = rec + long + stat.pack_dirent64(3, 4, stat.DT_LNK, b"")
    assert list(stat.unpack_dirents64(buf)) == [(123, 7, 8, b"hell"), (1, 2, 4, b"xxxxx"), (3, 4, 10, b"")]
    with pytest.raises(ValueError):
        list(stat.unpack_dirents64(rec[:20] + b"\0" * 4 + struct.pack("<QqHB", 1, 1, 200, 0)))
    old = stat.pack_dirent(5, 6, stat.DT_FIFO, b"ab")
    assert len(old) % 8 == 0 and old[-1] == stat.DT_FIFO and struct.unpack_from("<QQH", old)[2] == len(old)


def test_dtype_mode_conversion():
    for dt, mode in [(stat.DT_REG, stat.S_IFREG), (stat.DT_DIR, stat.S_IFDIR), (stat.DT_LNK, stat.S_IFLNK),
                     (stat.DT_CHR, stat.S_IFCHR), (stat.DT_BLK, stat.S_IFBLK), (stat.DT_FIFO, stat.S_IFIFO),
                     (stat.DT_SOCK, stat.S_IFSOCK)]:
        assert stat.dtype_from_mode(mode | 0o755) == dt and stat.mode_from_dtype(dt) == mode
    assert stat.S_ISDIR(0o40755) and not stat.S_ISREG(0o40755) and stat.S_ISLNK(0o120777)


# --- signal -----------------------------------------------------------------------------------
def test_signal_names_and_sets():
    assert signal.signal_name(10) == "SIGUSR1" and signal.signal_name(32) == "SIGRTMIN"
    assert signal.signal_name(34) == "SIGRT_2" and signal.signal_name(99) == "99"
    assert signal.sigmask(signal.SIGKILL) == 1 << 8
    m = signal.list_to_sigset([1, 10, 64])
    assert m == 1 | 1 << 9 | 1 << 63 and signal.sigset_to_list(m) == [1, 10, 64]
    assert signal.default_action(signal.SIGSEGV) == signal.ACT_CORE
    assert signal.default_action(signal.SIGCHLD) == signal.ACT_IGNORE
    assert signal.default_action(signal.SIGTSTP) == signal.ACT_STOP
    assert signal.default_action(signal.SIGCONT) == signal.ACT_CONTINUE
    assert signal.default_action(40) == signal.ACT_TERM == signal.default_action(signal.SIGPIPE)


def test_wait_status_encoders_match_python_os_macros():
    for code in (0, 1, 127, 255):
        s = signal.w_exited(code)
        assert os.WIFEXITED(s) and os.WEXITSTATUS(s) == code
        assert signal.WIFEXITED(s) and signal.WEXITSTATUS(s) == code and not signal.WIFSIGNALED(s)
        assert signal.shell_status(s) == code
    for sig in (1, 9, 11, 15, 31, 64):
        for core in (False, True):
            s = signal.w_signaled(sig, core)
            assert os.WIFSIGNALED(s) and os.WTERMSIG(s) == sig and os.WCOREDUMP(s) == core
            assert signal.WIFSIGNALED(s) and signal.WTERMSIG(s) == sig and signal.WCOREDUMP(s) == core
            assert not signal.WIFEXITED(s) and not signal.WIFSTOPPED(s)
    assert signal.shell_status(signal.w_signaled(signal.SIGSEGV, True)) == 139
    s = signal.w_stopped(signal.SIGTSTP)
    assert os.WIFSTOPPED(s) and os.WSTOPSIG(s) == signal.SIGTSTP and signal.WIFSTOPPED(s)
    assert not signal.WIFSIGNALED(s)
    c = signal.w_continued()
    assert os.WIFCONTINUED(c) and signal.WIFCONTINUED(c)


def test_siginfo_layouts():
    raw = signal.pack_siginfo_fault(signal.SIGSEGV, signal.SEGV_MAPERR, 0xDEADBEEF000)
    assert len(raw) == 128
    assert struct.unpack_from("<iiiiQ", raw) == (11, 0, 1, 0, 0xDEADBEEF000)
    assert signal.unpack_siginfo(raw) == (11, 0, 1, {"addr": 0xDEADBEEF000})
    raw = signal.pack_siginfo_chld(signal.CLD_EXITED, 1234, 1000, 3, utime=5, stime=6)
    assert struct.unpack_from("<iiii", raw) == (17, 0, 1, 0)
    assert struct.unpack_from("<iIi4xqq", raw, 16) == (1234, 1000, 3, 5, 6)
    assert signal.unpack_siginfo(raw)[3]["status"] == 3
    raw = signal.pack_siginfo_kill(signal.SIGTERM, 42, 7, code=signal.SI_TKILL)
    assert signal.unpack_siginfo(raw)[2:] == (signal.SI_TKILL, {"pid": 42, "uid": 7, "value": 0})
    assert signal.unpack_siginfo(signal.pack_siginfo_kill(15, 42, 7))[3] == {"pid": 42, "uid": 7}
    raw = signal.pack_siginfo_rt(40, 1, 2, -1)
    assert signal.unpack_siginfo(raw)[3]["value"] == 0xFFFFFFFFFFFFFFFF
    raw = signal.pack_siginfo_timer(signal.SIGALRM, 3, 4, 5)
    assert signal.unpack_siginfo(raw)[3] == {"tid": 3, "overrun": 4, "value": 5}
    raw = signal.pack_siginfo_poll(signal.SIGIO, signal.POLL_IN, poll.POLLIN, 9)
    assert signal.unpack_siginfo(raw)[3] == {"band": 1, "fd": 9}
    raw = signal.pack_siginfo_sys(0x401000, 39)
    assert signal.unpack_siginfo(raw)[3] == {"call_addr": 0x401000, "syscall": 39, "arch": 0xC000003E}
    assert struct.unpack_from("<h", signal.pack_siginfo_fault(7, 4, 0x1000, addr_lsb=12), 24) == (12,)
    assert struct.unpack_from("<I", signal.pack_siginfo_fault(11, 4, 0x1000, pkey=3), 32) == (3,)


def test_sigaction_and_stack():
    raw = signal.pack_sigaction(0x401000, signal.SA_SIGINFO | signal.SA_RESTORER, 0x402000, 1 << 9)
    assert signal.unpack_sigaction(raw) == (0x401000, 0x04000004, 0x402000, 512)
    raw = signal.pack_stack(0x7000, signal.SS_DISABLE, 8192)
    assert raw[8:12] == b"\x02\0\0\0" and signal.unpack_stack(raw) == (0x7000, 2, 8192)


# --- termios ------------------------------------------------------------------------------------
def test_termios_pack_unpack_and_speeds():
    t = termios.Termios(termios.ICRNL | termios.IXON, termios.OPOST | termios.ONLCR,
                        termios.B38400 | termios.CS8 | termios.CREAD,
                        termios.ISIG | termios.ICANON | termios.ECHO, 0, bytes(range(19)))
    raw = termios.pack_termios(t)
    assert len(raw) == 36 and termios.unpack_termios(raw) == t
    assert termios.cflag_speeds(t.cflag) == (termios.B38400, termios.B38400)
    assert termios.cflag_speeds(termios.B9600 | (termios.B115200 << termios.IBSHIFT)) == \
        (termios.B115200, termios.B9600)
    assert termios.SPEED_BAUD[termios.B115200] == 115200 and termios.BAUD_SPEED[9600] == termios.B9600
    t2, i, o = termios.unpack_termios2(termios.pack_termios2(t, 9600, 19200))
    assert (t2, i, o) == (t, 9600, 19200)
    assert termios.unpack_winsize(termios.pack_winsize(24, 80)) == (24, 80, 0, 0)
    assert termios.TCGETS2 == 0x802C542A and termios.TIOCGPTN == 0x80045430


# --- sockets ------------------------------------------------------------------------------------
def test_sockaddr_roundtrips():
    raw = socket.pack_sockaddr_in("127.0.0.1", 8080)
    assert raw[:4] == b"\x02\x00\x1f\x90" and raw[4:8] == b"\x7f\0\0\1" and len(raw) == 16
    assert socket.unpack_sockaddr(raw) == (socket.AF_INET, ("127.0.0.1", 8080))
    raw6 = socket.pack_sockaddr_in6("fe80::1", 443, 0, 2)
    assert len(raw6) == 28 and socket.unpack_sockaddr(raw6) == (socket.AF_INET6, ("fe80::1", 443, 0, 2))
    un = socket.pack_sockaddr_un("/tmp/sock")
    assert un == b"\x01\x00/tmp/sock\0" and socket.unpack_sockaddr(un) == (socket.AF_UNIX, b"/tmp/sock")
    abstract = socket.pack_sockaddr_un(b"\0name")
    assert socket.unpack_sockaddr(abstract) == (socket.AF_UNIX, b"\0name")
    assert socket.unpack_sockaddr(socket.pack_sockaddr_un(b"")) == (socket.AF_UNIX, b"")
    nl = socket.SOCKADDR_NL.pack(socket.AF_NETLINK, 0, 123, 4)
    assert socket.unpack_sockaddr(nl) == (socket.AF_NETLINK, (123, 4))
    with pytest.raises(ValueError):
        socket.unpack_sockaddr(b"\x02\x00\x00")


@pytest.mark.parametrize("text", ["::", "::1", "1::", "2001:db8::8:800:200c:417a", "fe80::1:2",
                                  "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "2001:db8:0:0:1::1", "1:0:0:2::3"])
def test_ipv6_text_matches_host_inet(text):
    import socket as host_socket
    packed = host_socket.inet_pton(host_socket.AF_INET6, text)
    assert socket.str_to_ipv6(text) == packed
    assert socket.ipv6_to_str(packed) == host_socket.inet_ntop(host_socket.AF_INET6, packed)


def test_ipv4_text_and_errors():
    assert socket.str_to_ipv4("10.0.0.255") == b"\x0a\0\0\xff"
    assert socket.ipv4_to_str(b"\xc0\xa8\x01\x02") == "192.168.1.2"
    for bad in ("1.2.3", "1.2.3.256", "a.b.c.d"):
        with pytest.raises(ValueError):
            socket.str_to_ipv4(bad)
    for bad in ("1::2::3", "1:2:3:4:5:6:7:8:9", "12345::"):
        with pytest.raises(ValueError):
            socket.str_to_ipv6(bad)


def test_cmsg_and_netlink_helpers():
    fds = struct.pack("<ii", 3, 4)
    c = socket.pack_cmsg(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)
    assert len(c) == socket.CMSG_SPACE(8) == 24 and struct.unpack_from("<Qii", c) == (24, 1, 1)
    cred = socket.UCRED.pack(1, 2, 3)
    buf = c + socket.pack_cmsg(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, cred)
    assert list(socket.unpack_cmsgs(buf)) == [(1, 1, fds), (1, 2, cred)]
    assert list(socket.unpack_cmsgs(buf[:20])) == [] or True
    msg = socket.pack_nlmsg(socket.RTM_NEWLINK, socket.NLM_F_MULTI, 7, 99,
                            socket.IFINFOMSG.pack(socket.AF_UNSPEC, socket.ARPHRD_LOOPBACK, 1,
                                                  socket.IFF_UP | socket.IFF_LOOPBACK, 0)
                            + socket.pack_rtattr(socket.IFLA_IFNAME, b"lo\0")
                            + socket.pack_rtattr(socket.IFLA_MTU, struct.pack("<I", 65536)))
    done = socket.pack_nlmsg(socket.NLMSG_DONE, socket.NLM_F_MULTI, 7, 99, struct.pack("<i", 0))
    msgs = list(socket.unpack_nlmsgs(msg + done))
    assert [m[0] for m in msgs] == [socket.RTM_NEWLINK, socket.NLMSG_DONE]
    attrs = dict(socket.unpack_rtattrs(msgs[0][4][socket.IFINFOMSG.size:]))
    assert attrs[socket.IFLA_IFNAME] == b"lo\0" and attrs[socket.IFLA_MTU] == struct.pack("<I", 65536)
    assert len(msg) % 4 == 0


# --- misc ---------------------------------------------------------------------------------------
def test_futex_op_encoding_and_apply():
    enc = futex.FUTEX_OP(futex.FUTEX_OP_ADD, 1, futex.FUTEX_OP_CMP_GT, 0)
    assert futex.decode_futex_op(enc) == (futex.FUTEX_OP_ADD, 1, futex.FUTEX_OP_CMP_GT, 0)
    assert futex.futex_op_apply(enc, 0) == (1, False)
    assert futex.futex_op_apply(enc, 5) == (6, True)
    assert futex.futex_op_apply(enc, 0xFFFFFFFF) == (0, False)       # -1 > 0 is false (signed)
    shift = futex.FUTEX_OP(futex.FUTEX_OP_OR | futex.FUTEX_OP_OPARG_SHIFT, 4, futex.FUTEX_OP_CMP_EQ, 0)
    assert futex.futex_op_apply(shift, 1) == (17, False)
    neg = futex.FUTEX_OP(futex.FUTEX_OP_SET, -1, futex.FUTEX_OP_CMP_LT, -1)
    assert futex.decode_futex_op(neg)[1] == -1 and futex.futex_op_apply(neg, 0xFFFFFFFE) == (0xFFFFFFFF, True)
    with pytest.raises(ValueError):
        futex.futex_op_apply(futex.FUTEX_OP(7, 0, 0, 0), 0)


def test_misc_packers():
    assert time.timespec_from_ns(-1) == (-1, 999999999)
    assert time.unpack_timespec(time.pack_timespec_ns(1500000000)) == (1, 500000000)
    assert time.unpack_itimerspec(time.pack_itimerspec(10 ** 9, 5)) == (10 ** 9, 5)
    assert time.unpack_itimerval(time.pack_itimerval(1500000, 2)) == (1500000, 2)
    assert time.unpack_timeval(time.pack_timeval_ns(1234567890)) == (1, 234567)
    assert not time.timespec_valid(0, 10 ** 9) and time.timespec_valid(5, 0)
    assert resource.unpack_rlimit(resource.pack_rlimit(-1, 10)) == (resource.RLIM_INFINITY, 10)
    ru = resource.pack_rusage(1500000, 250000, ru_maxrss=1024, ru_nvcsw=3)
    assert resource.RUSAGE.unpack(ru)[:5] == (1, 500000, 0, 250000, 1024)
    with pytest.raises(TypeError):
        resource.pack_rusage(ru_bogus=1)
    ev = epoll.pack_epoll_event(epoll.EPOLLIN | epoll.EPOLLET, 0x1122334455667788)
    assert len(ev) == 12 and epoll.unpack_epoll_event(ev) == (0x80000001, 0x1122334455667788)
    assert poll.fdset_fds(poll.fdset_bytes([0, 5, 64], 65), 65) == [0, 5, 64]
    assert len(poll.fdset_bytes([1], 1)) == 8 and len(poll.fdset_bytes([1], 65)) == 16
    assert sched.cpuset_cpus(sched.cpuset_bytes([0, 3, 9], 8)) == [0, 3, 9]
    assert sched.unpack_clone_args(struct.pack("<8Q", 0x100, 0, 0, 0, 17, 0, 0, 0))["exit_signal"] == 17
    u = sysinfo.pack_utsname("Linux", "host", "6.1.0", "#1", "x86_64")
    assert len(u) == 390 and u[65:69] == b"host" and u[325:331] == b"(none)"
    si = sysinfo.pack_sysinfo(100, loads=(1.0, 0.5, 0.0), totalram=1 << 30, procs=7, mem_unit=1)
    f = sysinfo.SYSINFO.unpack(si)
    assert f[:4] == (100, 65536, 32768, 0) and f[10] == 7 and f[-1] == 1
    assert auxv.pack_auxv([(auxv.AT_PAGESZ, 4096)]) == struct.pack("<4Q", 6, 4096, 0, 0)
    ss = signalfd.pack_signalfd_siginfo(10, ssi_pid=5, ssi_addr=0x1000)
    assert len(ss) == 128 and struct.unpack_from("<I", ss, 12) == (5,) and struct.unpack_from("<Q", ss, 72) == (0x1000,)
    ie = inotify.pack_inotify_event(1, inotify.IN_CREATE, 0, b"name")
    assert len(ie) == 32 and struct.unpack_from("<iIII", ie) == (1, 0x100, 0, 16)
    assert fcntl.unpack_flock(fcntl.pack_flock(fcntl.F_WRLCK, fcntl.SEEK_SET, 10, 20, 30)) == (1, 0, 10, 20, 30)


def test_abi_is_python39_syntax_and_imports_no_host_modules():
    """The package travels in bundles (python3.9) and is imported by the
    unikernel, so it must not import os/socket/fcntl/select/subprocess."""
    code = ("import sys, importlib, pkgutil, lxpack.abi as a\n"
            "before = set(sys.modules)\n"
            "for m in pkgutil.iter_modules(a.__path__):\n"
            "    importlib.import_module('lxpack.abi.' + m.name)\n"
            "new = set(sys.modules) - before\n"
            "bad = sorted(n for n in new if n.split('.')[0] in ('os', 'socket', 'fcntl', 'select', 'subprocess', 'termios', 'posix'))\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bundled_code_runs_on_python39():
    """abi, xlat and the macOS table travel in bundles: macOS's python3 is 3.9."""
    vermin = pytest.importorskip("vermin")
    root = os.path.dirname(os.path.dirname(stat.__file__))
    host = os.path.join(os.path.dirname(root), "runtime", "host")
    paths = [os.path.join(root, "abi"), os.path.join(host, "xlat.py"), os.path.join(host, "macos_constants.py")]
    p = subprocess.run([sys.executable, "-c", "import sys, vermin; sys.argv[0] = 'vermin'; sys.exit(vermin.main())",
                        "-t=3.9-", "--no-tips", "--violations"] + paths, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert vermin
