"""waitid on hosts where Python has no os.waitid (macOS): the wait4-based
fallback must report what os.waitid reports on this Linux machine."""
import os
import signal

import pytest

from lxpack.runtime.host.posix import PosixHost


def _child(action):
    pid = os.fork()
    if pid == 0:
        if action == "exit7":
            os._exit(7)
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(0)
    return pid


@pytest.mark.parametrize("action", ["exit7", "kill"])
def test_fallback_matches_os_waitid(action):
    host = PosixHost()
    a = _child(action)
    b = _child(action)
    want = host.waitid("pid", a, 4)                  # os.waitid here
    got = host._processes._waitid_by_wait4("pid", b, 4)         # what macOS gets
    assert got[0] == b and want[0] == a
    assert got[1:] == want[1:]


def test_fallback_refuses_wnowait_and_nohang_returns_none():
    host = PosixHost()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.read(r, 1)
        os._exit(0)
    try:
        assert host._processes._waitid_by_wait4("pid", pid, 4 | 1) is None          # WNOHANG, still running
        with pytest.raises(Exception):
            host._processes._waitid_by_wait4("pid", pid, 4 | 0x01000000)            # WNOWAIT
    finally:
        os.write(w, b"x")
        os.waitpid(pid, 0)
