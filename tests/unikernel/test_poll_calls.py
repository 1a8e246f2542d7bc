"""Readiness calls: poll (timeout 0 and a short timeout on the fake clock)
and epoll_create1/epoll_ctl/epoll_wait on fake pipes and on an eventfd
(an object the unikernel serves itself, eventfd(2)), with the
EBADF/EEXIST/ENOENT/EINVAL/EPERM/EFAULT cases of poll(2), epoll_create(2),
epoll_ctl(2) and epoll_wait(2). Error orders were checked on Linux 6.18."""
import struct

import pytest

from lxpack.abi import epoll as EP
from lxpack.abi import errno as E
from lxpack.abi import eventfd as EFD
from lxpack.abi import fcntl as F
from lxpack.abi import poll as P
from lxpack.abi import resource as R
from lxpack.abi.syscalls_x86_64 import (NR_setrlimit, NR_close, NR_epoll_create, NR_epoll_create1, NR_epoll_ctl,
                                        NR_epoll_wait, NR_eventfd2, NR_fcntl, NR_openat, NR_pipe2, NR_poll, NR_read,
                                        NR_write)

pytestmark = pytest.mark.unikernel


def pipe(g, flags=0):
    p = g.alloc(8)
    assert g.call(NR_pipe2, p, flags) == 0
    return g.fds2(p)


def regular_fd(g):
    g.host.add_file(b"/tmp/reg", b"x")
    return g.call(NR_openat, F.AT_FDCWD, g.cstr("/tmp/reg"), F.O_RDONLY, 0)


def poll(g, items, timeout=0):
    """(result, [revents]) for items [(fd, events)]."""
    raw = b"".join(P.POLLFD.pack(fd, ev, 0) for fd, ev in items)
    addr = g.put(raw)
    res = g.call(NR_poll, addr, len(items), timeout)
    out = g.read(addr, len(raw))
    return res, [P.POLLFD.unpack_from(out, i * P.POLLFD.size)[2] for i in range(len(items))]


def ctl(g, epfd, op, fd, events=EP.EPOLLIN, data=None):
    ev = g.put(EP.pack_epoll_event(events, fd if data is None else data)) if events is not None else 0
    return g.call(NR_epoll_ctl, epfd, op, fd, ev)


def wait(g, epfd, maxevents=8, timeout=0):
    buf = g.alloc(EP.EPOLL_EVENT.size * maxevents)
    n = g.call(NR_epoll_wait, epfd, buf, maxevents, timeout)
    if n < 0:
        return n
    return [EP.unpack_epoll_event(g.read(buf + i * EP.EPOLL_EVENT.size, EP.EPOLL_EVENT.size)) for i in range(n)]


# ---- poll ------------------------------------------------------------------------------------

def test_poll_timeout_zero_reports_what_is_ready_now(g):
    r, w = pipe(g)
    res, rev = poll(g, [(r, P.POLLIN), (w, P.POLLOUT)])
    assert res == 1 and rev == [0, P.POLLOUT]
    g.call(NR_write, w, g.put(b"x"), 1)
    res, rev = poll(g, [(r, P.POLLIN), (w, P.POLLOUT)])
    assert res == 2 and rev == [P.POLLIN, P.POLLOUT]


def test_poll_hangup_is_reported_without_being_asked(g):
    r, w = pipe(g)
    g.call(NR_close, w)
    res, rev = poll(g, [(r, 0)])
    assert res == 1 and rev == [P.POLLHUP]


def test_poll_negative_fd_is_ignored_and_a_closed_fd_is_pollnval(g):
    r, _w = pipe(g)
    res, rev = poll(g, [(-1, P.POLLIN), (77, P.POLLIN), (r, P.POLLIN)])
    assert res == 1 and rev == [0, P.POLLNVAL, 0]


def test_poll_with_a_timeout_waits_it_out(g):
    r, _w = pipe(g)
    t0 = g.host.clock_gettime_ns(1)
    res, rev = poll(g, [(r, P.POLLIN)], timeout=25)
    assert res == 0 and rev == [0]
    assert g.host.clock_gettime_ns(1) - t0 >= 25 * 10**6


def test_poll_errors(g):
    assert g.call(NR_poll, g.UNMAPPED, 1, 0) == -E.EFAULT
    assert g.call(NR_poll, g.alloc(8), 1 << 21, 0) == -E.EINVAL     # nfds over RLIMIT_NOFILE's ceiling


def test_poll_nfds_over_rlimit_nofile_is_einval(g):
    # fs/select.c do_sys_poll: nfds > rlimit(RLIMIT_NOFILE) (the soft limit) is EINVAL.
    res, _rev = poll(g, [(-1, 0)] * 1025)
    assert res == -E.EINVAL
    res, _rev = poll(g, [(-1, 0)] * 1024)
    assert res == 0


def test_poll_nfds_over_a_lowered_soft_limit_is_einval(g):
    assert g.call(NR_setrlimit, R.RLIMIT_NOFILE, g.put(struct.pack("<QQ", 8, 1024))) == 0
    assert poll(g, [(-1, 0)] * 9)[0] == -E.EINVAL
    assert poll(g, [(-1, 0)] * 8)[0] == 0


def test_poll_with_no_fds_is_a_sleep(g):
    assert g.call(NR_poll, 0, 0, 10) == 0


# ---- epoll_create ------------------------------------------------------------------------------

def test_epoll_create1(g):
    ep = g.call(NR_epoll_create1, 0)
    assert ep == 3 and g.call(NR_fcntl, ep, F.F_GETFD, 0) == 0
    ep2 = g.call(NR_epoll_create1, EP.EPOLL_CLOEXEC)
    assert g.call(NR_fcntl, ep2, F.F_GETFD, 0) == F.FD_CLOEXEC


def test_epoll_create_errors(g):
    assert g.call(NR_epoll_create1, 1) == -E.EINVAL
    assert g.call(NR_epoll_create, 0) == -E.EINVAL                  # size must be positive
    assert g.call(NR_epoll_create, 1) >= 0


# ---- epoll_ctl / epoll_wait ----------------------------------------------------------------------

def test_epoll_level_triggered(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, r, EP.EPOLLIN, data=0xDEADBEEF) == 0
    assert wait(g, ep) == []
    g.call(NR_write, w, g.put(b"ab"), 2)
    assert wait(g, ep) == [(EP.EPOLLIN, 0xDEADBEEF)]
    assert wait(g, ep) == [(EP.EPOLLIN, 0xDEADBEEF)]                # still readable: reported again
    g.call(NR_read, r, g.alloc(8), 8)
    assert wait(g, ep) == []


def test_epoll_edge_triggered_reports_once(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    ctl(g, ep, EP.EPOLL_CTL_ADD, r, EP.EPOLLIN | EP.EPOLLET)
    g.call(NR_write, w, g.put(b"a"), 1)
    assert wait(g, ep) == [(EP.EPOLLIN, r)]
    assert wait(g, ep) == []                                         # no new edge


def test_epoll_oneshot_until_mod(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    ctl(g, ep, EP.EPOLL_CTL_ADD, r, EP.EPOLLIN | EP.EPOLLONESHOT)
    g.call(NR_write, w, g.put(b"a"), 1)
    assert wait(g, ep) == [(EP.EPOLLIN, r)]
    assert wait(g, ep) == []                                         # disabled after one report
    assert ctl(g, ep, EP.EPOLL_CTL_MOD, r, EP.EPOLLIN | EP.EPOLLONESHOT) == 0
    assert wait(g, ep) == [(EP.EPOLLIN, r)]


def test_epoll_reports_hangup_and_maxevents(g):
    ep = g.call(NR_epoll_create1, 0)
    pipes = [pipe(g) for _ in range(3)]
    for r, w in pipes:
        ctl(g, ep, EP.EPOLL_CTL_ADD, r, EP.EPOLLIN)
        g.call(NR_close, w)
    got = wait(g, ep, maxevents=2)
    assert len(got) == 2 and all(ev == EP.EPOLLHUP for ev, _d in got)
    assert len(wait(g, ep, maxevents=8)) == 3


def test_epoll_del_stops_reports(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    ctl(g, ep, EP.EPOLL_CTL_ADD, r)
    g.call(NR_write, w, g.put(b"a"), 1)
    assert ctl(g, ep, EP.EPOLL_CTL_DEL, r, None) == 0
    assert wait(g, ep) == []


def test_epoll_wait_timeout_on_the_fake_clock(g):
    ep = g.call(NR_epoll_create1, 0)
    r, _w = pipe(g)
    ctl(g, ep, EP.EPOLL_CTL_ADD, r)
    t0 = g.host.clock_gettime_ns(1)
    assert wait(g, ep, timeout=30) == []
    assert g.host.clock_gettime_ns(1) - t0 >= 30 * 10**6


def test_epoll_ctl_errors(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    f = regular_fd(g)
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, r) == 0
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, r) == -E.EEXIST
    assert ctl(g, ep, EP.EPOLL_CTL_MOD, w, EP.EPOLLOUT) == -E.ENOENT
    assert ctl(g, ep, EP.EPOLL_CTL_DEL, w, None) == -E.ENOENT
    assert ctl(g, 77, EP.EPOLL_CTL_ADD, w) == -E.EBADF               # bad epfd
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, 77) == -E.EBADF              # bad fd
    assert ctl(g, r, EP.EPOLL_CTL_ADD, w) == -E.EINVAL               # epfd is not an epoll
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, ep) == -E.EINVAL             # itself
    assert ctl(g, ep, 9, w) == -E.EINVAL                             # unknown op
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, f) == -E.EPERM               # a regular file cannot be polled
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, w, None) == -E.EFAULT        # NULL event
    assert g.call(NR_epoll_ctl, ep, EP.EPOLL_CTL_ADD, w, g.UNMAPPED) == -E.EFAULT


def test_epoll_ctl_copies_the_event_before_the_descriptors(g):
    r, _w = pipe(g)
    assert ctl(g, 77, EP.EPOLL_CTL_ADD, r, None) == -E.EFAULT
    ep = g.call(NR_epoll_create1, 0)
    assert ctl(g, ep, 9, r, None) == -E.EFAULT


def test_epoll_ctl_eperm_before_einval(g):
    # fs/eventpoll.c do_epoll_ctl: EBADF (epfd, fd), EPERM (!file_can_poll), then EINVAL.
    r, _w = pipe(g)
    f = regular_fd(g)
    assert ctl(g, r, EP.EPOLL_CTL_ADD, f) == -E.EPERM
    ep = g.call(NR_epoll_create1, 0)
    assert ctl(g, ep, EP.EPOLL_CTL_DEL, f, None) == -E.EPERM               # for every op
    assert ctl(g, ep, 9, f) == -E.EPERM                                    # before the unknown op
    assert ctl(g, r, EP.EPOLL_CTL_ADD, 77) == -E.EBADF                     # EBADF before EINVAL


def test_epoll_wait_errors(g):
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    assert g.call(NR_epoll_wait, ep, g.alloc(12), 0, 0) == -E.EINVAL     # maxevents must be positive
    assert g.call(NR_epoll_wait, ep, g.alloc(12), -1, 0) == -E.EINVAL
    assert wait(g, 77) == -E.EBADF
    assert wait(g, r) == -E.EINVAL                                     # not an epoll
    ctl(g, ep, EP.EPOLL_CTL_ADD, r)
    g.call(NR_write, w, g.put(b"a"), 1)
    assert g.call(NR_epoll_wait, ep, g.UNMAPPED, 1, 0) == -E.EFAULT


def test_epoll_event_layout_is_packed(g):
    # struct epoll_event is __attribute__((packed)) on x86-64: 12 bytes, data at offset 4.
    ep = g.call(NR_epoll_create1, 0)
    r, w = pipe(g)
    ctl(g, ep, EP.EPOLL_CTL_ADD, r, EP.EPOLLIN, data=0x1122334455667788)
    g.call(NR_write, w, g.put(b"a"), 1)
    buf = g.alloc(24)
    assert g.call(NR_epoll_wait, ep, buf, 2, 0) == 1
    assert struct.unpack("<IQ", g.read(buf, 12)) == (EP.EPOLLIN, 0x1122334455667788)


# ---- eventfd (served by the unikernel itself) -------------------------------------------------------

def efd_read(g, fd, n=8):
    buf = g.alloc(max(n, 8))
    res = g.call(NR_read, fd, buf, n)
    return res if res < 0 else struct.unpack("<Q", g.read(buf, 8))[0]


def efd_write(g, fd, value, n=8):
    return g.call(NR_write, fd, g.put(struct.pack("<Q", value)), n)


def test_eventfd_counter(g):
    fd = g.call(NR_eventfd2, 3, EFD.EFD_NONBLOCK)
    assert efd_write(g, fd, 4) == 8
    assert efd_read(g, fd) == 7                                       # the whole count, reset to 0
    assert efd_read(g, fd) == -E.EAGAIN


def test_eventfd_semaphore_reads_one_at_a_time(g):
    fd = g.call(NR_eventfd2, 2, EFD.EFD_SEMAPHORE | EFD.EFD_NONBLOCK)
    assert [efd_read(g, fd), efd_read(g, fd), efd_read(g, fd)] == [1, 1, -E.EAGAIN]


def test_eventfd_errors(g):
    fd = g.call(NR_eventfd2, 0, EFD.EFD_NONBLOCK)
    assert g.call(NR_eventfd2, 0, 0x2) == -E.EINVAL                  # unknown flag
    assert efd_read(g, fd, n=4) == -E.EINVAL                          # buffer under 8 bytes
    assert efd_write(g, fd, 1, n=4) == -E.EINVAL
    assert efd_write(g, fd, 0xFFFFFFFFFFFFFFFF) == -E.EINVAL          # the one value never added
    assert efd_write(g, fd, 0xFFFFFFFFFFFFFFFE) == 8                  # the maximum count
    assert efd_write(g, fd, 1) == -E.EAGAIN                           # would overflow


def test_eventfd_readiness_in_poll_and_epoll(g):
    fd = g.call(NR_eventfd2, 0, EFD.EFD_NONBLOCK)
    assert poll(g, [(fd, P.POLLIN | P.POLLOUT)]) == (1, [P.POLLOUT])
    ep = g.call(NR_epoll_create1, 0)
    assert ctl(g, ep, EP.EPOLL_CTL_ADD, fd, EP.EPOLLIN | EP.EPOLLET) == 0
    assert wait(g, ep) == []
    efd_write(g, fd, 1)
    assert poll(g, [(fd, P.POLLIN)]) == (1, [P.POLLIN])
    assert wait(g, ep) == [(EP.EPOLLIN, fd)]
    assert wait(g, ep) == []                                          # edge-triggered: once
    efd_write(g, fd, 1)
    assert wait(g, ep) == [(EP.EPOLLIN, fd)]                          # a write is a new edge
