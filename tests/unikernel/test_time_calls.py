"""Time calls on the fake clock: clock_gettime/clock_getres, gettimeofday,
time, nanosleep and clock_nanosleep (a sleep advances the fake clock), with
the EINVAL/EFAULT cases of clock_gettime(2) and nanosleep(2)."""
import struct

import pytest

from lxpack.abi import errno as E
from lxpack.abi import time as TM
from lxpack.abi.syscalls_x86_64 import (NR_clock_getres, NR_clock_gettime, NR_clock_nanosleep,
                                        NR_gettimeofday, NR_nanosleep, NR_time)

pytestmark = pytest.mark.unikernel

NS = 10**9


def gettime(g, clock):
    buf = g.alloc(16)
    res = g.call(NR_clock_gettime, clock, buf)
    return res if res < 0 else struct.unpack("<qq", g.read(buf, 16))


def timespec(g, sec, nsec):
    return g.put(struct.pack("<qq", sec, nsec))


def test_clock_gettime_reads_the_hosts_clocks(g):
    assert gettime(g, TM.CLOCK_MONOTONIC) == (1000, 0)
    g.host.advance(1500 * 10**6)
    assert gettime(g, TM.CLOCK_MONOTONIC) == (1001, 500 * 10**6)
    sec, nsec = gettime(g, TM.CLOCK_REALTIME)
    assert sec == 1700000000 + 1001 and nsec == 500 * 10**6


def test_clock_gettime_errors(g):
    assert gettime(g, 99) == -E.EINVAL
    assert g.call(NR_clock_gettime, TM.CLOCK_MONOTONIC, g.UNMAPPED) == -E.EFAULT


def test_clock_getres(g):
    buf = g.alloc(16)
    assert g.call(NR_clock_getres, TM.CLOCK_MONOTONIC, buf) == 0
    assert struct.unpack("<qq", g.read(buf, 16)) == (0, 1)
    assert g.call(NR_clock_getres, TM.CLOCK_MONOTONIC, 0) == 0     # res may be NULL
    assert g.call(NR_clock_getres, 99, buf) == -E.EINVAL


def test_gettimeofday_and_time(g):
    g.host.advance(250 * 10**6)
    tv = g.alloc(16)
    assert g.call(NR_gettimeofday, tv, 0) == 0
    assert struct.unpack("<qq", g.read(tv, 16)) == (1700001000, 250000)
    loc = g.alloc(8)
    assert g.call(NR_time, loc) == 1700001000 and g.u64(loc) == 1700001000
    assert g.call(NR_time, 0) == 1700001000


def test_nanosleep_waits_on_the_clock(g):
    before = g.host.clock_gettime_ns(TM.CLOCK_MONOTONIC)
    assert g.call(NR_nanosleep, timespec(g, 1, 500 * 10**6), 0) == 0
    assert g.host.clock_gettime_ns(TM.CLOCK_MONOTONIC) - before >= 1500 * 10**6


def test_nanosleep_errors(g):
    assert g.call(NR_nanosleep, timespec(g, 0, NS), 0) == -E.EINVAL          # tv_nsec out of range
    assert g.call(NR_nanosleep, timespec(g, 0, -1), 0) == -E.EINVAL
    assert g.call(NR_nanosleep, timespec(g, -1, 0), 0) == -E.EINVAL          # negative tv_sec
    assert g.call(NR_nanosleep, g.UNMAPPED, 0) == -E.EFAULT


def test_clock_nanosleep(g):
    now = g.host.clock_gettime_ns(TM.CLOCK_MONOTONIC)
    assert g.call(NR_clock_nanosleep, TM.CLOCK_MONOTONIC, 0, timespec(g, 0, 10**6), 0) == 0
    assert g.host.clock_gettime_ns(TM.CLOCK_MONOTONIC) >= now + 10**6
    past = timespec(g, 1, 0)                                                  # TIMER_ABSTIME, long gone
    assert g.call(NR_clock_nanosleep, TM.CLOCK_MONOTONIC, 1, past, 0) == 0
    assert g.call(NR_clock_nanosleep, 99, 0, timespec(g, 0, 1), 0) == -E.EINVAL
    assert g.call(NR_clock_nanosleep, TM.CLOCK_THREAD_CPUTIME_ID, 0, timespec(g, 0, 1), 0) == -E.EINVAL
