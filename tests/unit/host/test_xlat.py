"""Xlat on the live host and on the synthetic Linux x86-64 host: where the
host is Linux, every translation is the identity, and the host's own
syscalls agree with the Linux view xlat builds (termios via TCGETS, wait
statuses of real children, F_GETFL, stat)."""
import errno as host_errno
import fcntl as host_fcntl
import os
import signal as host_signal
import sys
import termios as host_termios

import pytest

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import signal as S
from lxpack.abi import socket as SK
from lxpack.abi import stat as ST
from lxpack.abi import termios as T
from lxpack.runtime.host import xlat

LINUX = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not LINUX, reason="the live host is not Linux")


@pytest.fixture(scope="module")
def XL():
    return xlat.Xlat(xlat.live())


@pytest.fixture(scope="module")
def XS():
    return xlat.Xlat(xlat.linux_x86_64())


def test_live_is_cached_and_described():
    h = xlat.live()
    assert h is xlat.live()
    assert h.kind == ("linux" if LINUX else "darwin" if sys.platform == "darwin" else "other")
    assert "EAGAIN" in h and h["EAGAIN"] == host_errno.EAGAIN
    assert repr(h).startswith("<HostConstants live-")


def test_synthetic_linux_host_is_identity_everywhere(XS):
    for group, m in XS.maps.items():
        if isinstance(m, xlat.ValueMap):
            assert m.identity and not m.missing, group
            assert all(m.to_host(v) == v for v in xlat._SPECS[group].linux.values()), group
        else:
            spec = xlat._SPECS[group]
            for name, v in spec.linux.items():
                assert m.to_host(v) == v and m.to_linux(v) == v, (group, name)
    for s in range(1, 65):
        assert XS.signal_to_host(s) == s and XS.signal_to_linux(s) == s
    assert XS.sigmask_to_host_set(S.SIGSET_FULL) == set(range(1, 65))


@linux_only
def test_live_linux_values_agree_with_the_abi(XL):
    """On Linux every translated value group is the identity: Python's view
    of the host and the ABI tables name the same numbers."""
    for group, m in XL.maps.items():
        spec = xlat._SPECS[group]
        for name, v in spec.linux.items():
            if isinstance(m, xlat.ValueMap):
                assert m.to_host(v) in (v, None), (group, name)
                if m.to_host(v) is not None:
                    assert m.to_linux(v) == v or spec.linux.get(
                        next(n for n, x in spec.linux.items() if x == v)) == v, (group, name)
            else:
                assert m.to_host(v) == v, (group, name)
                assert m.to_linux(v) & v == v, (group, name)
        if isinstance(m, xlat.FlagMap) and spec.unknown == xlat.DROP:
            assert m.identity, group


@linux_only
def test_live_linux_python_constants_match(XL):
    assert XL.errno_to_linux(host_errno.ENOTSUP) == E.EOPNOTSUPP == host_errno.ENOTSUP
    for name in ("EPERM", "EAGAIN", "ENOSYS", "ELOOP", "ECONNREFUSED", "EOWNERDEAD"):
        assert XL.errno_to_linux(getattr(host_errno, name)) == getattr(E, name)
        assert XL.maps["errno"].to_host(getattr(E, name)) == getattr(host_errno, name)
    for name in ("O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECTORY",
                 "O_NOFOLLOW", "O_CLOEXEC", "O_PATH", "O_TMPFILE", "O_SYNC", "O_DSYNC", "O_NOATIME"):
        v = getattr(os, name)
        assert XL.open_flags_to_host(v)[0] == v == getattr(F, name), name
    assert XL.open_flags_to_host(F.O_LARGEFILE)[0] == F.O_LARGEFILE     # kernel value, not glibc's 0
    for s in host_signal.Signals:
        if s < 32:
            assert XL.signal_to_host(int(s)) == int(s) and XL.signal_to_linux(int(s)) == int(s), s.name
    # real-time signals: glibc keeps 32 and 33 for itself
    assert XL.signal_to_host(32) is None and XL.signal_to_host(33) is None
    assert XL.signal_to_host(host_signal.SIGRTMIN) == host_signal.SIGRTMIN
    assert XL.signal_to_host(64) == 64 == host_signal.SIGRTMAX
    assert XL.host_ioctl("TIOCGWINSZ") == host_termios.TIOCGWINSZ == T.TIOCGWINSZ
    assert XL.at_fdcwd == -100
    assert XL.sockopt_to_host(SK.SOL_SOCKET, SK.SO_PEERCRED) == (1, 17)
    assert XL.sock_type_to_host(SK.SOCK_STREAM | SK.SOCK_CLOEXEC) == (1, False, True)
    import resource
    assert XL.rlim_value_to_linux(resource.RLIM_INFINITY) == (1 << 64) - 1
    assert XL.rlim_value_to_host((1 << 64) - 1) == resource.RLIM_INFINITY
    assert XL.rlimit_to_host(7) == resource.RLIMIT_NOFILE
    import time as host_time
    assert XL.clock_to_host(1) == host_time.CLOCK_MONOTONIC
    assert XL.clock_to_host(7) == host_time.CLOCK_BOOTTIME
    assert XL.dev_to_linux(os.stat("/").st_dev) == os.stat("/").st_dev


@linux_only
def test_f_getfl_of_a_real_fd(XL, tmp_path):
    p = str(tmp_path / "f")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK, 0o600)
    try:
        flags = XL.open_flags_to_linux(host_fcntl.fcntl(fd, host_fcntl.F_GETFL))
        assert flags == F.O_WRONLY | F.O_APPEND | F.O_NONBLOCK | F.O_LARGEFILE
    finally:
        os.close(fd)


@linux_only
def test_stat_of_real_files(tmp_path):
    """The host's stat (runtime/host/files.py): dev numbers and mode by xlat."""
    from lxpack.runtime.host.files import Files
    host = Files()
    p = tmp_path / "f"
    p.write_bytes(b"x" * 1000)
    for path in (str(p), str(tmp_path), "/dev/null"):
        st = os.lstat(path)
        ls = host.stat(F.AT_FDCWD, path.encode(), follow=False)
        assert ls.st_mode == st.st_mode and ls.st_dev == st.st_dev and ls.st_rdev == st.st_rdev
        assert ls.st_ino == st.st_ino and ls.st_size == st.st_size and ls.st_blocks == st.st_blocks
        assert ls.st_mtime_ns == st.st_mtime_ns
        packed = ST.as_linux_stat(ls)
        assert ST.unpack_stat(ST.pack_stat(packed))[:13] == packed[:13]
    null = host.stat(F.AT_FDCWD, b"/dev/null")
    assert (ST.major(null.st_rdev), ST.minor(null.st_rdev)) == (1, 3)
    sf = host.statfs(str(tmp_path))
    assert sf.f_type == ST.EXT4_SUPER_MAGIC and sf.f_namelen > 0 and sf.f_bsize > 0


@linux_only
def test_wait_statuses_of_real_children(XL):
    """exit(3), a SIGUSR1 death, a SIGSEGV death, stop and continue: the
    host's raw status, translated, is what Linux reports (identity here)."""
    def child(action):
        pid = os.fork()
        if pid == 0:
            try:
                action()
            finally:
                os._exit(99)
        return pid

    pid = child(lambda: os._exit(3))
    _, status = os.waitpid(pid, 0)
    assert XL.wait_status_to_linux(status) == S.w_exited(3) == status
    pid = child(lambda: os.kill(os.getpid(), host_signal.SIGUSR1))
    _, status = os.waitpid(pid, 0)
    assert XL.wait_status_to_linux(status) == S.w_signaled(S.SIGUSR1) == status
    pid = child(lambda: (host_signal.pause(),))
    os.kill(pid, host_signal.SIGSTOP)
    _, status = os.waitpid(pid, XL.wait_options_to_host(S.WUNTRACED))
    assert XL.wait_status_to_linux(status) == S.w_stopped(S.SIGSTOP)
    os.kill(pid, host_signal.SIGCONT)
    _, status = os.waitpid(pid, XL.wait_options_to_host(S.WCONTINUED))
    assert XL.wait_status_to_linux(status) == S.W_CONTINUED
    os.kill(pid, host_signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert XL.wait_status_to_linux(status) == S.w_signaled(S.SIGKILL)


@linux_only
def test_termios_of_a_real_pty_matches_tcgets(XL):
    """termios_to_linux(tcgetattr(fd)) is byte for byte what the TCGETS
    ioctl returns, and termios_to_host of it gives tcgetattr's list back."""
    master, slave = os.openpty()
    try:
        attrs = host_termios.tcgetattr(slave)
        t = XL.termios_to_linux(attrs)
        raw = host_fcntl.ioctl(slave, T.TCGETS, b"\0" * T.TERMIOS.size)
        assert T.pack_termios(t) == raw
        back = XL.termios_to_host(t, attrs)
        assert back[:6] == attrs[:6]
        norm = lambda cc: [c if isinstance(c, int) else c[0] for c in cc]   # noqa: E731
        assert norm(back[6]) == norm(attrs[6])
        # set a raw mode through the Linux view and read it back natively
        rawmode = t._replace(lflag=t.lflag & ~(T.ICANON | T.ECHO | T.ISIG),
                             iflag=t.iflag & ~T.ICRNL,
                             cflag=(t.cflag & ~T.CBAUD) | T.B9600,
                             cc=t.cc[:T.VTIME] + b"\x03\x00" + t.cc[T.VMIN + 1:])
        host_termios.tcsetattr(slave, XL.tcsetattr_when_to_host(T.TCSANOW), XL.termios_to_host(rawmode, attrs))
        now = T.unpack_termios(host_fcntl.ioctl(slave, T.TCGETS, b"\0" * T.TERMIOS.size))
        assert now.lflag == rawmode.lflag and now.iflag == rawmode.iflag
        assert now.cflag & T.CBAUD == T.B9600 and now.cc[T.VMIN] == 0 and now.cc[T.VTIME] == 3
        assert XL.termios_to_linux(host_termios.tcgetattr(slave)) == now
        ws = host_fcntl.ioctl(slave, XL.host_ioctl("TIOCSWINSZ"), T.pack_winsize(33, 101))
        assert T.unpack_winsize(host_fcntl.ioctl(slave, XL.host_ioctl("TIOCGWINSZ"), b"\0" * 8))[:2] == (33, 101)
        assert ws is not None
    finally:
        os.close(master)
        os.close(slave)


@linux_only
def test_sigmasks_with_pthread_sigmask(XL):
    old = host_signal.pthread_sigmask(host_signal.SIG_BLOCK, [])
    try:
        lmask = S.sigmask(S.SIGUSR1) | S.sigmask(S.SIGUSR2) | S.sigmask(40)
        host_signal.pthread_sigmask(host_signal.SIG_SETMASK, XL.sigmask_to_host_set(lmask))
        now = host_signal.pthread_sigmask(host_signal.SIG_BLOCK, [])
        assert sum(1 << (XL.signal_to_linux(int(h)) - 1) for h in now) == lmask
    finally:
        host_signal.pthread_sigmask(host_signal.SIG_SETMASK, old)


def test_host_only_and_compare():
    mac = xlat.macos()
    lin = xlat.linux_x86_64()
    diffs = dict((n, (a, b)) for n, a, b in xlat.compare(lin, mac))
    assert diffs["EAGAIN"] == (11, 35) and diffs["SIGUSR1"] == (10, 30) and "EPERM" not in diffs
    assert xlat.from_mapping("x", {"EAGAIN": 1}, kind="other").get("EAGAIN") == 1
    names = xlat.all_names()
    assert "O_CREAT" in names and "TCP_KEEPALIVE" in names and "ENOTSUP" in names
    assert len(names) == len(set(names))


@pytest.mark.skipif(sys.platform != "darwin", reason="needs a Mac: checks the table against its Python")
def test_macos_table_matches_this_macs_python():
    live, table = xlat.live(), xlat.macos()
    import errno as e, os as o, signal as s, socket as so, termios as t  # noqa: E401
    disagree = []
    for name, value in table.values.items():
        for mod in (e, o, s, so, t, host_fcntl):
            v = getattr(mod, name, None)
            if isinstance(v, int) and not isinstance(v, bool):
                if int(v) != value:
                    disagree.append((name, value, int(v)))
                break
    assert not disagree
    assert not xlat.compare(live, table)


def test_translation_speed(XS):
    """Hot translations stay cheap (a loose bound: tens of microseconds
    would mean a table is rebuilt per call). CPU time, the minimum of
    several rounds: wall time on a busy 2-core machine is not the code's."""
    import time
    import timeit
    X = xlat.Xlat(xlat.macos())
    n = 20000
    per = min(timeit.repeat(lambda: (X.errno_to_linux(35), X.open_flags_to_host(0o2101102),
                                     X.mode_to_linux(0o100644), X.signal_to_host(17),
                                     X.sigmask_to_host_set(0x14a00)), number=n, repeat=5, timer=time.process_time)) / n
    assert per < 20e-6, per
