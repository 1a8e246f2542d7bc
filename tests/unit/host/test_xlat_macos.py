"""Xlat(macos()) gives the right macOS values: known values translated both
ways, and round trips over every name Linux and macOS both know. The
expected numbers are the ones in the macOS SDK headers (xnu bsd/sys/*.h,
Libc), written out here independently of macos_constants.py."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import mman as M
from lxpack.abi import poll as P
from lxpack.abi import resource as R
from lxpack.abi import signal as S
from lxpack.abi import socket as SK
from lxpack.abi import stat as ST
from lxpack.abi import termios as T
from lxpack.abi import time as TM
from lxpack.runtime.host import xlat
from lxpack.runtime.host.macos_constants import MACOS


@pytest.fixture(scope="module")
def X():
    return xlat.Xlat(xlat.macos())


def raises(errno, fn, *args):
    with pytest.raises(xlat.XlatError) as ei:
        fn(*args)
    assert ei.value.errno == errno, ei.value
    return ei.value


# --- errno ------------------------------------------------------------------------------------
@pytest.mark.parametrize("linux, mac", [
    (E.EPERM, 1), (E.ENOENT, 2), (E.EAGAIN, 35), (E.EDEADLK, 11), (E.EINPROGRESS, 36),
    (E.EALREADY, 37), (E.ENOTSOCK, 38), (E.EADDRINUSE, 48), (E.ECONNREFUSED, 61), (E.ELOOP, 62),
    (E.ENAMETOOLONG, 63), (E.ENOTEMPTY, 66), (E.ENOLCK, 77), (E.ENOSYS, 78), (E.EOVERFLOW, 84),
    (E.ECANCELED, 89), (E.EILSEQ, 92), (E.ENODATA, 96), (E.ETIME, 101), (E.EOPNOTSUPP, 102),
    (E.EOWNERDEAD, 105), (E.ETIMEDOUT, 60), (E.EDQUOT, 69), (E.ESTALE, 70),
])
def test_errno_both_ways(X, linux, mac):
    assert X.maps["errno"].to_host(linux) == mac
    assert X.errno_to_linux(mac) == linux


def test_errno_host_only_and_unknown(X):
    assert X.errno_to_linux(45) == E.EOPNOTSUPP          # ENOTSUP
    assert X.errno_to_linux(93) == E.ENODATA             # ENOATTR (xattrs)
    assert X.errno_to_linux(86) == E.ENOEXEC             # EBADARCH
    assert X.errno_to_linux(67) == E.EAGAIN              # EPROCLIM (fork)
    assert X.errno_to_linux(72) == E.EIO                 # EBADRPC: unknown -> EIO
    assert X.errno_to_linux(9999) == E.EIO
    assert X.maps["errno"].to_host(E.ECHRNG) is None and X.maps["errno"].to_host(E.EHWPOISON) is None
    assert X.maps["errno"].to_host(E.EWOULDBLOCK) == 35


# --- open flags and friends -------------------------------------------------------------------
@pytest.mark.parametrize("linux, mac", [
    (F.O_RDONLY, 0), (F.O_WRONLY, 1), (F.O_RDWR, 2), (F.O_CREAT, 0x200), (F.O_EXCL, 0x800),
    (F.O_TRUNC, 0x400), (F.O_APPEND, 0x8), (F.O_NONBLOCK, 0x4), (F.O_NOFOLLOW, 0x100),
    (F.O_DIRECTORY, 0x100000), (F.O_CLOEXEC, 0x1000000), (F.O_NOCTTY, 0x20000), (F.O_ASYNC, 0x40),
    (F.O_DSYNC, 0x400000), (F.O_SYNC, 0x80),
    (F.O_RDWR | F.O_CREAT | F.O_TRUNC | F.O_CLOEXEC, 0x2 | 0x200 | 0x400 | 0x1000000),
    (F.O_WRONLY | F.O_APPEND | F.O_CREAT | F.O_SYNC, 0x1 | 0x8 | 0x200 | 0x80),
])
def test_open_flags_both_ways(X, linux, mac):
    assert X.open_flags_to_host(linux) == (mac, bool(linux & F.O_CLOEXEC))
    assert X.open_flags_to_linux(mac) == linux


def test_open_flags_policies(X):
    assert X.open_flags_to_host(F.O_RDONLY | F.O_LARGEFILE | F.O_NOATIME | F.O_DIRECT)[0] == 0
    assert X.open_flags_to_host(F.O_RDONLY | 0x40000000)[0] == 0          # unnamed bit: dropped
    assert X.open_flags_to_host(3)[0] == 3                                # O_ACCMODE 3 passes
    raises(E.EINVAL, X.open_flags_to_host, F.O_PATH | F.O_DIRECTORY)
    raises(E.EOPNOTSUPP, X.open_flags_to_host, F.O_TMPFILE | F.O_RDWR)
    assert X.open_flags_to_host(F.O_DIRECTORY)[0] == 0x100000             # not O_TMPFILE
    # host-only bits are dropped on the way back (F_GETFL on macOS)
    assert X.open_flags_to_linux(0x2 | 0x10 | 0x8000 | 0x200000) == F.O_RDWR
    assert X.open_flags_to_host(F.O_CREAT | F.O_CLOEXEC) == (0x1000200, True)


def test_error_factory_is_used():
    class Boom(Exception):
        def __init__(self, errno, name=None):
            Exception.__init__(self, errno, name)
            self.errno = errno

    X = xlat.Xlat(xlat.macos(), error=Boom)
    with pytest.raises(Boom) as ei:
        X.open_flags_to_host(F.O_PATH)
    assert ei.value.errno == E.EINVAL


@pytest.mark.parametrize("linux, mac", [
    (F.F_DUPFD, 0), (F.F_GETFD, 1), (F.F_SETFD, 2), (F.F_GETFL, 3), (F.F_SETFL, 4), (F.F_GETLK, 7),
    (F.F_SETLK, 8), (F.F_SETLKW, 9), (F.F_SETOWN, 6), (F.F_GETOWN, 5), (F.F_DUPFD_CLOEXEC, 67),
    (F.F_OFD_GETLK, 92), (F.F_OFD_SETLK, 90), (F.F_OFD_SETLKW, 91), (F.F_SETLEASE, 106),
    (F.F_SETSIG, None), (F.F_SETPIPE_SZ, None), (F.F_GETPIPE_SZ, None), (F.F_ADD_SEALS, None),
    (F.F_NOTIFY, None),
])
def test_fcntl_commands(X, linux, mac):
    assert X.fcntl_cmd_to_host(linux) == mac


def test_locks(X):
    assert [X.lock_type_to_host(t) for t in (F.F_RDLCK, F.F_WRLCK, F.F_UNLCK)] == [1, 3, 2]
    assert [X.lock_type_to_linux(t) for t in (1, 3, 2)] == [F.F_RDLCK, F.F_WRLCK, F.F_UNLCK]
    raw = X.pack_host_flock(F.F_WRLCK, F.SEEK_CUR, 100, 200)
    assert raw == struct.pack("=qqihh", 100, 200, 0, 3, 1) and len(raw) == 24
    assert X.unpack_host_flock(struct.pack("=qqihh", 5, 6, 77, 1, 2)) == (F.F_RDLCK, F.SEEK_END, 5, 6, 77)
    assert X.flock_op_to_host(F.LOCK_EX | F.LOCK_NB) == 2 | 4
    raises(E.EINVAL, X.flock_op_to_host, 0x10)
    assert X.maps["fd_flags"].to_host(F.FD_CLOEXEC) == 1


def test_at_rename_seek_access(X):
    assert X.at_fdcwd == -2
    assert X.maps["at"].to_host(F.AT_SYMLINK_NOFOLLOW) == 0x20
    assert X.maps["at"].to_host(F.AT_SYMLINK_FOLLOW) == 0x40
    assert X.maps["at"].to_host(F.AT_SYMLINK_NOFOLLOW | F.AT_NO_AUTOMOUNT | F.AT_STATX_DONT_SYNC) == 0x20
    raises(E.EINVAL, X.maps["at"].to_host, F.AT_EMPTY_PATH)
    raises(E.EINVAL, X.maps["at"].to_host, 0x1)
    assert X.maps["at_access"].to_host(F.AT_EACCESS | F.AT_SYMLINK_NOFOLLOW) == 0x10 | 0x20
    assert X.maps["at_unlink"].to_host(F.AT_REMOVEDIR) == 0x80
    raises(E.EINVAL, X.maps["at_unlink"].to_host, F.AT_SYMLINK_NOFOLLOW)
    assert X.rename_flags_to_host(F.RENAME_NOREPLACE) == 0x4       # RENAME_EXCL
    assert X.rename_flags_to_host(F.RENAME_EXCHANGE) == 0x2        # RENAME_SWAP
    raises(E.EINVAL, X.rename_flags_to_host, F.RENAME_WHITEOUT)
    assert [X.seek_whence_to_host(w) for w in (0, 1, 2, F.SEEK_DATA, F.SEEK_HOLE)] == [0, 1, 2, 4, 3]
    assert X.seek_whence_to_linux(3) == F.SEEK_HOLE
    assert X.access_mode_to_host(F.R_OK | F.W_OK | F.X_OK) == 7
    raises(E.EINVAL, X.access_mode_to_host, 8)


def test_mode_dtype_dev(X):
    for m in (0o100644, 0o40755, 0o120777, 0o20620, 0o60660, 0o10600, 0o140755, 0o104755, 0o2775, 0o1777):
        assert X.mode_to_host(m) == m and X.mode_to_linux(m) == m
    # a type field value with no Linux name (S_IFWHT) passes unchanged, as an
    # unnamed O_ACCMODE value does: the field masks are equal
    assert X.mode_to_linux(0o160000 | 0o644) == 0o160644
    assert X.maps["dtype"].to_linux(14) == ST.DT_WHT and X.maps["dtype"].to_linux(99) is None
    mac_dev = (1 << 24) | 4                                    # major 1, minor 4
    assert X.dev_to_linux(mac_dev) == ST.makedev(1, 4) == 0x104
    assert X.dev_to_linux((16 << 24) | 0x123456) == ST.makedev(16, 0x123456)



# --- signals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("linux, mac", [
    (S.SIGHUP, 1), (S.SIGINT, 2), (S.SIGQUIT, 3), (S.SIGILL, 4), (S.SIGTRAP, 5), (S.SIGABRT, 6),
    (S.SIGBUS, 10), (S.SIGFPE, 8), (S.SIGKILL, 9), (S.SIGUSR1, 30), (S.SIGSEGV, 11), (S.SIGUSR2, 31),
    (S.SIGPIPE, 13), (S.SIGALRM, 14), (S.SIGTERM, 15), (S.SIGCHLD, 20), (S.SIGCONT, 19),
    (S.SIGSTOP, 17), (S.SIGTSTP, 18), (S.SIGTTIN, 21), (S.SIGTTOU, 22), (S.SIGURG, 16),
    (S.SIGXCPU, 24), (S.SIGXFSZ, 25), (S.SIGVTALRM, 26), (S.SIGPROF, 27), (S.SIGWINCH, 28),
    (S.SIGIO, 23), (S.SIGSYS, 12),
])
def test_signals_both_ways(X, linux, mac):
    assert X.signal_to_host(linux) == mac
    assert X.signal_to_linux(mac) == linux


def test_signals_without_counterpart(X):
    assert X.signal_to_host(S.SIGSTKFLT) is None and X.signal_to_host(S.SIGPWR) is None
    assert all(X.signal_to_host(s) is None for s in range(32, 65))     # no real-time signals
    assert X.signal_to_linux(29) is None and X.signal_to_linux(7) is None   # SIGINFO, SIGEMT
    assert X.signal_to_host(0) is None and X.signal_to_host(65) is None


def test_sigmasks(X):
    lm = S.sigmask(S.SIGUSR1) | S.sigmask(S.SIGCHLD) | S.sigmask(S.SIGRTMIN) | S.sigmask(S.SIGPWR)
    assert X.sigmask_to_host_set(lm) == {30, 20}
    assert X.signal_to_linux(29) is None                        # SIGINFO
    assert [X.maps["sigmask_how"].to_host(h) for h in (S.SIG_BLOCK, S.SIG_UNBLOCK, S.SIG_SETMASK)] == [1, 2, 3]


def test_wait_status_and_options(X):
    assert X.wait_status_to_linux(3 << 8) == S.w_exited(3)
    assert X.wait_status_to_linux(30 | 0x80) == S.w_signaled(S.SIGUSR1, True)      # macOS SIGUSR1 + core
    assert X.wait_status_to_linux(11) == S.w_signaled(S.SIGSEGV)
    assert X.wait_status_to_linux((18 << 8) | 0x7F) == S.w_stopped(S.SIGTSTP)      # macOS SIGTSTP
    assert X.wait_status_to_linux((19 << 8) | 0x7F) == S.W_CONTINUED               # WIFCONTINUED
    assert X.wait_status_to_linux(29) == S.w_signaled(S.SIGKILL)                   # SIGINFO: no Linux twin
    assert X.wait_options_to_host(S.WNOHANG | S.WUNTRACED | S.WCONTINUED) == 1 | 2 | 0x10
    assert X.wait_options_to_host(S.WNOHANG | S.__WALL | S.__WCLONE | S.__WNOTHREAD) == 1
    raises(E.EINVAL, X.wait_options_to_host, 0x100)
    assert X.waitid_options_to_host(S.WEXITED | S.WSTOPPED | S.WNOWAIT | S.WCONTINUED) == 4 | 8 | 0x20 | 0x10
    assert X.idtype_to_host(S.P_PGID) == 2 and X.idtype_to_host(S.P_PIDFD) is None
    assert X.cld_code_to_linux(6) == S.CLD_CONTINUED


# --- terminals ---------------------------------------------------------------------------------
def test_termios_flags_by_name(X):
    m = X.maps
    assert m["termios_lflag"].to_host(T.ECHO) == 0x8
    assert m["termios_lflag"].to_host(T.ICANON | T.ISIG | T.IEXTEN) == 0x100 | 0x80 | 0x400
    assert m["termios_lflag"].to_host(T.ECHOE | T.ECHOK | T.ECHOKE | T.ECHOCTL) == 0x2 | 0x4 | 0x1 | 0x40
    assert m["termios_lflag"].to_host(T.TOSTOP | T.NOFLSH | T.XCASE) == 0x400000 | 0x80000000
    assert m["termios_lflag"].to_linux(0x100 | 0x8 | 0x2000000) == T.ICANON | T.ECHO     # NOKERNINFO dropped
    assert m["termios_iflag"].to_host(T.IXON | T.IXOFF | T.ICRNL | T.IUCLC) == 0x200 | 0x400 | 0x100
    assert m["termios_oflag"].to_host(T.OPOST | T.ONLCR) == 0x1 | 0x2
    assert m["termios_oflag"].to_host(T.TAB3) == 0x4 and m["termios_oflag"].to_linux(0x4) == T.TAB3
    assert m["termios_oflag"].to_host(T.CR2 | T.NL1) == 0x2000 | 0x100
    assert m["termios_oflag"].to_linux(0x300) == 0          # NL3 has no Linux value
    assert m["termios_cflag"].to_host(T.CS8 | T.CREAD | T.HUPCL) == 0x300 | 0x800 | 0x4000
    assert m["termios_cflag"].to_host(T.CS7 | T.PARENB | T.PARODD) == 0x200 | 0x1000 | 0x2000
    assert m["termios_cflag"].to_host(T.CRTSCTS) == 0x30000
    assert m["termios_cflag"].to_linux(0x30000) == T.CRTSCTS
    assert m["termios_cflag"].to_linux(0x10000) == 0        # CCTS_OFLOW alone
    assert X.maps["termios_cc"].to_host(T.VMIN) == 16 and X.maps["termios_cc"].to_host(T.VTIME) == 17
    assert X.maps["termios_cc"].to_host(T.VINTR) == 8 and X.maps["termios_cc"].to_host(T.VEOF) == 0
    assert X.maps["termios_cc"].to_host(T.VSWTC) is None
    assert X.maps["termios_speed"].to_host(T.B9600) == 9600 and X.maps["termios_speed"].to_host(T.B115200) == 115200
    assert X.maps["termios_speed"].to_host(T.B460800) is None and X.maps["termios_speed"].to_linux(230400) == T.B230400
    assert X.maps["termios_speed"].to_linux(7200) is None
    assert [X.maps["tcflush"].to_host(q) for q in (T.TCIFLUSH, T.TCOFLUSH, T.TCIOFLUSH)] == [1, 2, 3]
    assert [X.maps["tcflow"].to_host(a) for a in (T.TCOOFF, T.TCOON, T.TCIOFF, T.TCION)] == [1, 2, 3, 4]
    assert X.tcsetattr_when_to_host(T.TCSAFLUSH) == 2


def _mac_attrs(canonical=True):
    """A macOS tcgetattr() result for a terminal in its default state."""
    cc = [b"\xff"] * 20
    for idx, ch in ((0, 4), (1, 0xFF), (2, 0xFF), (3, 0x7F), (4, 0x17), (5, 0x15), (6, 0x12), (8, 3),
                    (9, 0x1C), (10, 0x1A), (11, 0x19), (12, 0x11), (13, 0x13), (14, 0x16), (15, 0x0F),
                    (18, 0x14)):
        cc[idx] = bytes((ch,))
    cc[16], cc[17] = (1, 0) if not canonical else (b"\x01", b"\x00")
    iflag = 0x2 | 0x100 | 0x200 | 0x800 | 0x2000 | 0x4000          # BRKINT ICRNL IXON IXANY IMAXBEL IUTF8
    oflag = 0x1 | 0x2                                              # OPOST ONLCR
    cflag = 0x300 | 0x800 | 0x4000                                 # CS8 CREAD HUPCL
    lflag = 0x1 | 0x2 | 0x8 | 0x40 | 0x80 | 0x400 | 0x2000000 | (0x100 if canonical else 0)
    return [iflag, oflag, cflag, lflag, 38400, 38400, cc]


def test_termios_to_linux_from_a_macos_tcgetattr(X):
    t = X.termios_to_linux(_mac_attrs())
    assert t.iflag == T.BRKINT | T.ICRNL | T.IXON | T.IXANY | T.IMAXBEL | T.IUTF8
    assert t.oflag == T.OPOST | T.ONLCR
    assert t.cflag == T.CS8 | T.CREAD | T.HUPCL | T.B38400
    assert t.lflag == T.ECHOKE | T.ECHOE | T.ECHO | T.ECHOCTL | T.ISIG | T.IEXTEN | T.ICANON
    assert t.line == 0 and len(t.cc) == 19
    assert t.cc[T.VINTR] == 3 and t.cc[T.VQUIT] == 0x1C and t.cc[T.VERASE] == 0x7F
    assert t.cc[T.VKILL] == 0x15 and t.cc[T.VEOF] == 4 and t.cc[T.VSUSP] == 0x1A
    assert t.cc[T.VMIN] == 1 and t.cc[T.VTIME] == 0
    assert t.cc[T.VEOL] == 0 and t.cc[T.VEOL2] == 0                  # disabled (0xff) -> 0
    assert t.cc[T.VSWTC] == 0
    raw = T.pack_termios(t)
    assert len(raw) == 36
    # raw mode: VMIN/VTIME come back as ints from Python
    t2 = X.termios_to_linux(_mac_attrs(canonical=False))
    assert not t2.lflag & T.ICANON and t2.cc[T.VMIN] == 1


def test_termios_to_host_roundtrip_keeps_host_only_state(X):
    base = _mac_attrs()
    t = X.termios_to_linux(base)
    back = X.termios_to_host(t, base)
    assert back[:6] == base[:6]                    # incl. NOKERNINFO, speeds
    assert [bytes(c) if not isinstance(c, int) else bytes((c,)) for c in back[6]] == \
        [bytes(c) if not isinstance(c, int) else bytes((c,)) for c in base[6]]
    # a Linux program turns off ICANON|ECHO and sets VMIN=0, VTIME=5 (cfmakeraw-ish)
    raw = t._replace(lflag=t.lflag & ~(T.ICANON | T.ECHO), cc=t.cc[:5] + b"\x05\x00" + t.cc[7:])
    h = X.termios_to_host(raw, base)
    assert h[3] & 0x100 == 0 and h[3] & 0x8 == 0 and h[3] & 0x2000000
    assert h[6][16] == 0 and h[6][17] == 5 and h[6][18] == base[6][18]     # VMIN, VTIME, VSTATUS kept
    # a speed change travels through c_cflag's CBAUD
    fast = t._replace(cflag=(t.cflag & ~T.CBAUD) | T.B115200)
    assert X.termios_to_host(fast, base)[4:6] == [115200, 115200]
    split = t._replace(cflag=(t.cflag & ~T.CBAUD) | T.B9600 | (T.B1200 << T.IBSHIFT))
    assert X.termios_to_host(split, base)[4:6] == [1200, 9600]
    assert X.termios_to_linux(X.termios_to_host(split, base)).cflag == split.cflag
    # no base: disabled slots, macOS NCCS entries
    nb = X.termios_to_host(t)
    assert len(nb[6]) == 20 and nb[6][18] == b"\xff" and nb[6][8] == b"\x03"


def test_ioctl_requests_are_host_values(X):
    assert X.host_ioctl("TIOCGWINSZ") == 0x40087468
    assert X.host_ioctl("TIOCSWINSZ") == 0x80087467
    assert X.host_ioctl("FIONREAD") == 0x4004667F
    assert X.host_ioctl("FIONBIO") == 0x8004667E
    assert X.host_ioctl("TIOCSCTTY") == 0x20007461
    assert X.host_ioctl("TIOCGETA") == 0x40487413
    assert X.host_ioctl("TCGETS") is None and X.host_ioctl("TIOCGPTN") is None


# --- sockets -----------------------------------------------------------------------------------
def test_socket_constants(X):
    assert X.af_to_host(SK.AF_INET6) == 30 and X.af_to_linux(30) == SK.AF_INET6
    assert X.af_to_host(SK.AF_UNIX) == 1 and X.af_to_host(SK.AF_NETLINK) is None
    assert X.af_to_host(SK.AF_PACKET) is None and X.af_to_linux(18) is None       # AF_LINK
    assert X.sock_type_to_host(SK.SOCK_STREAM | SK.SOCK_NONBLOCK | SK.SOCK_CLOEXEC) == (1, True, True)
    assert X.sock_type_to_host(SK.SOCK_DGRAM) == (2, False, False)
    assert X.sock_type_to_host(SK.SOCK_PACKET)[0] is None


@pytest.mark.parametrize("level, opt, want", [
    (SK.SOL_SOCKET, SK.SO_REUSEADDR, (0xFFFF, 0x4)), (SK.SOL_SOCKET, SK.SO_KEEPALIVE, (0xFFFF, 0x8)),
    (SK.SOL_SOCKET, SK.SO_BROADCAST, (0xFFFF, 0x20)), (SK.SOL_SOCKET, SK.SO_LINGER, (0xFFFF, 0x1080)),
    (SK.SOL_SOCKET, SK.SO_SNDBUF, (0xFFFF, 0x1001)), (SK.SOL_SOCKET, SK.SO_RCVBUF, (0xFFFF, 0x1002)),
    (SK.SOL_SOCKET, SK.SO_RCVTIMEO, (0xFFFF, 0x1006)), (SK.SOL_SOCKET, SK.SO_SNDTIMEO, (0xFFFF, 0x1005)),
    (SK.SOL_SOCKET, SK.SO_ERROR, (0xFFFF, 0x1007)), (SK.SOL_SOCKET, SK.SO_TYPE, (0xFFFF, 0x1008)),
    (SK.SOL_SOCKET, SK.SO_REUSEPORT, (0xFFFF, 0x200)), (SK.SOL_SOCKET, SK.SO_ACCEPTCONN, (0xFFFF, 0x2)),
    (SK.SOL_SOCKET, SK.SO_OOBINLINE, (0xFFFF, 0x100)), (SK.SOL_SOCKET, SK.SO_PEERCRED, None),
    (SK.SOL_SOCKET, SK.SO_PASSCRED, None), (SK.SOL_SOCKET, SK.SO_PRIORITY, None),
    (SK.IPPROTO_TCP, SK.TCP_NODELAY, (6, 1)), (SK.IPPROTO_TCP, SK.TCP_MAXSEG, (6, 2)),
    (SK.IPPROTO_TCP, SK.TCP_KEEPIDLE, (6, 0x10)), (SK.IPPROTO_TCP, SK.TCP_KEEPINTVL, (6, 0x101)),
    (SK.IPPROTO_TCP, SK.TCP_KEEPCNT, (6, 0x102)), (SK.IPPROTO_TCP, SK.TCP_CORK, (6, 0x4)),
    (SK.IPPROTO_TCP, SK.TCP_INFO, None),
    (SK.IPPROTO_IP, SK.IP_TOS, (0, 3)), (SK.IPPROTO_IP, SK.IP_TTL, (0, 4)),
    (SK.IPPROTO_IP, SK.IP_HDRINCL, (0, 2)), (SK.IPPROTO_IP, SK.IP_MULTICAST_TTL, (0, 10)),
    (SK.IPPROTO_IP, SK.IP_ADD_MEMBERSHIP, (0, 12)), (SK.IPPROTO_IP, SK.IP_PKTINFO, (0, 26)),
    (SK.IPPROTO_IP, SK.IP_RECVERR, None),
    (SK.IPPROTO_IPV6, SK.IPV6_V6ONLY, (41, 27)), (SK.IPPROTO_IPV6, SK.IPV6_JOIN_GROUP, (41, 12)),
    (SK.IPPROTO_IPV6, SK.IPV6_UNICAST_HOPS, (41, 4)), (SK.IPPROTO_IPV6, SK.IPV6_RECVPKTINFO, (41, 61)),
    (SK.IPPROTO_IPV6, SK.IPV6_TCLASS, (41, 36)),
    (SK.IPPROTO_UDP, SK.UDP_CORK, None), (999, 1, None),
])
def test_sockopts(X, level, opt, want):
    assert X.sockopt_to_host(level, opt) == want


def test_socket_flags_and_values(X):
    assert X.msg_flags_to_host(SK.MSG_DONTWAIT | SK.MSG_NOSIGNAL) == 0x80 | 0x80000
    assert X.msg_flags_to_host(SK.MSG_PEEK | SK.MSG_WAITALL | SK.MSG_TRUNC) == 0x2 | 0x40 | 0x10
    assert X.msg_flags_to_host(SK.MSG_MORE | SK.MSG_CMSG_CLOEXEC | SK.MSG_OOB) == 0x1
    raises(E.EAGAIN, X.msg_flags_to_host, SK.MSG_ERRQUEUE)
    raises(E.EOPNOTSUPP, X.msg_flags_to_host, SK.MSG_FASTOPEN)
    assert X.msg_flags_to_linux(0x10 | 0x20 | 0x8) == SK.MSG_TRUNC | SK.MSG_CTRUNC | SK.MSG_EOR
    assert X.shutdown_how_to_host(SK.SHUT_RDWR) == 2
    assert X.scm_type_to_host(SK.SCM_RIGHTS) == 1 and X.scm_type_to_host(SK.SCM_CREDENTIALS) is None
    assert X.sockopt_value_to_linux(SK.SOL_SOCKET, SK.SO_ERROR, 61) == E.ECONNREFUSED
    assert X.sockopt_value_to_linux(SK.SOL_SOCKET, SK.SO_TYPE, 2) == SK.SOCK_DGRAM
    assert X.sockopt_value_to_linux(SK.SOL_SOCKET, SK.SO_ERROR, 0) == 0
    assert X.sockopt_value_to_linux(SK.SOL_SOCKET, SK.SO_RCVBUF, 12345) == 12345
    assert X.ipproto_to_host(SK.IPPROTO_TCP) == 6 and X.ipproto_to_host(SK.IPPROTO_COMP) == 108
    assert X.ipproto_to_host(200) == 200


# --- poll, memory, resources, clocks ------------------------------------------------------------
def test_poll_events(X):
    assert X.poll_events_to_host(P.POLLIN | P.POLLOUT | P.POLLPRI) == 0x1 | 0x4 | 0x2
    assert X.poll_events_to_host(P.POLLRDHUP | P.POLLIN) == 0x1
    assert X.poll_events_to_host(P.POLLWRBAND) == 0x100 and X.poll_events_to_host(P.POLLWRNORM) == 0x4
    assert X.poll_events_to_linux(0x100) == P.POLLWRBAND
    assert X.poll_events_to_linux(0x4) == P.POLLOUT | P.POLLWRNORM
    assert X.poll_events_to_linux(0x8 | 0x10 | 0x20 | 0x1000) == P.POLLERR | P.POLLHUP | P.POLLNVAL


def test_memory_flags(X):
    assert X.prot_to_host(M.PROT_READ | M.PROT_WRITE | M.PROT_EXEC) == 7
    assert X.mmap_flags_to_host(M.MAP_PRIVATE | M.MAP_ANONYMOUS) == 0x2 | 0x1000
    assert X.mmap_flags_to_host(M.MAP_SHARED | M.MAP_FIXED) == 0x1 | 0x10
    assert X.mmap_flags_to_host(M.MAP_SHARED_VALIDATE) == 0x1
    assert X.mmap_flags_to_host(M.MAP_PRIVATE | M.MAP_STACK | M.MAP_POPULATE | M.MAP_NORESERVE) == 0x2 | 0x40
    raises(E.EOPNOTSUPP, X.mmap_flags_to_host, M.MAP_PRIVATE | M.MAP_FIXED_NOREPLACE)
    assert X.msync_flags_to_host(M.MS_SYNC | M.MS_INVALIDATE) == 0x10 | 0x2
    assert X.maps["madvise"].to_host(M.MADV_FREE) == 5 and X.maps["madvise"].to_host(M.MADV_DONTNEED) == 4
    assert X.maps["madvise"].to_host(M.MADV_DONTFORK) is None


@pytest.mark.parametrize("linux, mac", [
    (R.RLIMIT_CPU, 0), (R.RLIMIT_FSIZE, 1), (R.RLIMIT_DATA, 2), (R.RLIMIT_STACK, 3), (R.RLIMIT_CORE, 4),
    (R.RLIMIT_AS, 5), (R.RLIMIT_MEMLOCK, 6), (R.RLIMIT_NPROC, 7), (R.RLIMIT_NOFILE, 8),
    (R.RLIMIT_LOCKS, None), (R.RLIMIT_SIGPENDING, None), (R.RLIMIT_NICE, None), (R.RLIMIT_RTTIME, None),
])
def test_rlimits(X, linux, mac):
    assert X.rlimit_to_host(linux) == mac
    if mac is not None:
        assert X.maps["rlimit"].to_linux(mac) == linux


def test_rlimit_values_and_prio(X):
    assert X.rlimit_to_host(R.RLIMIT_RSS) == 5 and X.rlimit_to_host(R.RLIMIT_NOFILE) == 8
    assert X.rlim_value_to_linux((1 << 63) - 1) == R.RLIM_INFINITY
    assert X.rlim_value_to_linux(1024) == 1024
    assert X.rlim_value_to_host(R.RLIM_INFINITY) == (1 << 63) - 1
    assert X.rlim_value_to_host(1 << 63) == (1 << 63) - 1 and X.rlim_value_to_host(256) == 256
    assert X.prio_which_to_host(R.PRIO_USER) == 2


@pytest.mark.parametrize("linux, mac", [
    (TM.CLOCK_REALTIME, 0), (TM.CLOCK_MONOTONIC, 6), (TM.CLOCK_PROCESS_CPUTIME_ID, 12),
    (TM.CLOCK_THREAD_CPUTIME_ID, 16), (TM.CLOCK_MONOTONIC_RAW, 4), (TM.CLOCK_REALTIME_COARSE, 0),
    (TM.CLOCK_MONOTONIC_COARSE, 6), (TM.CLOCK_BOOTTIME, 6), (TM.CLOCK_TAI, 0), (TM.CLOCK_SGI_CYCLE, None),
    (99, None),
])
def test_clocks(X, linux, mac):
    assert X.clock_to_host(linux) == mac


# --- every name both sides know -----------------------------------------------------------------
def _groups(kind):
    return [g for g, spec in xlat._SPECS.items() if spec.kind == kind]


@pytest.mark.parametrize("group", _groups("value"))
def test_value_groups_roundtrip_every_shared_name(X, group):
    spec = xlat._SPECS[group]
    m = X.maps[group]
    shared = [n for n in spec.linux if any(a in MACOS for a in spec.aliases.get(n, (n,)))]
    for name in shared:
        lval = spec.linux[name]
        hval = X.maps[group].to_host(lval)
        assert hval is not None, name
        # the host value is the one the header gives for that name (or its stand-in)
        assert hval in [MACOS[a] for a in spec.aliases.get(name, (name,)) if a in MACOS], name
        back = m.to_linux(hval)
        # back to this name, or to another Linux name sharing the host value
        assert m.to_host(back) == hval, name
        if name == next(n for n in spec.linux if m.to_host(spec.linux[n]) == hval):
            assert back == lval or name in spec.aliases or group == "rlimit", name
    for name in spec.linux:
        if not any(a in MACOS for a in spec.aliases.get(name, (name,))):
            assert m.to_host(spec.linux[name]) is None or \
                any(spec.linux[o] == spec.linux[name] for o in spec.linux if o != name), name


@pytest.mark.parametrize("group", _groups("flags"))
def test_flag_groups_roundtrip_every_shared_name(X, group):
    spec = xlat._SPECS[group]
    m = X.maps[group]
    for name, lval in spec.linux.items():
        alts = [a for a in spec.aliases.get(name, (name,)) if a in MACOS]
        if not alts or not lval:
            continue
        hval = m.to_host(lval)
        assert hval == MACOS[alts[0]], name
        if MACOS[alts[0]]:
            assert m.to_linux(hval) & lval == lval, name
    for mask, members in spec.fields.items():
        for name in members:
            if name in MACOS:
                lval = xlat._LINUX_NS[name]
                assert m.to_host(lval) == MACOS[name], name
                assert m.to_linux(MACOS[name]) == lval, name


def test_table_is_plain_ints():
    assert all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
               for k, v in MACOS.items())
    # every translated name is spelled as in the Linux ABI or listed as a stand-in
    used = set(xlat.all_names())
    assert len(set(MACOS) & used) > 400
