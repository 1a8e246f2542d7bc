"""The declared host interface (runtime/host/api.py) and its POSIX
implementation: every method the unikernel may call exists on PosixHost
with a compatible signature, the unikernel calls nothing else, and the
upcalls given at construction are the ones the host reads."""
import inspect
import os
import re
from pathlib import Path

import pytest

from lxpack.runtime.host import api
from lxpack.runtime.host.posix import PosixHost

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def host():
    return PosixHost(api.Upcalls())


def _params(sig):
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", api.HOST_METHODS)
def test_posix_host_implements_the_protocol(host, name):
    impl = getattr(host, name)
    assert callable(impl)
    assert impl is not getattr(api.Host, name)
    want = _params(inspect.signature(getattr(api.Host, name)))[1:]     # without self
    assert _params(inspect.signature(impl)) == want


def test_the_unikernel_calls_only_protocol_methods():
    """Every host.NAME( call in unikernel/ and launch/ names a protocol method."""
    called = set()
    for d in ("unikernel", "launch"):
        for path in (ROOT / d).rglob("*.py"):
            called |= set(re.findall(r"\b(?:host|h)\.([a-z_0-9]+)\(", path.read_text()))
    missing = sorted(called - set(api.HOST_METHODS))
    assert not missing, "called on the host but not declared in api.Host: %s" % missing


def test_upcalls_given_at_construction_are_read(host):
    up = api.Upcalls()
    h = PosixHost(up)
    assert h.upcalls is up
    seen = []
    up.block_hooks = (lambda: seen.append("enter"), lambda: seen.append("leave"))
    h.sleep_ns(1000)
    assert seen == ["enter", "leave"]
    up.clock_override = lambda clock: 1234
    assert h.clock_gettime_ns(1) == 1234
    up.clock_override = None

    class Stop(Exception):
        pass
    up.should_interrupt = lambda: True
    up.interrupt_exc = Stop
    with pytest.raises(Stop):
        h.sleep_ns(10 ** 9)


def test_fresh_upcalls_when_none_given():
    h = PosixHost()
    assert isinstance(h.upcalls, api.Upcalls)
    assert h.upcalls.block_hooks is None


def test_real_timer_used_is_the_clocks(host):
    h = PosixHost()
    assert h.real_timer_used is False
    old = h.setitimer(0, 100.0, 0)
    try:
        assert h.real_timer_used is True
    finally:
        h.setitimer(0, *old)


def test_hot_calls_are_bound_once(host):
    """The facade binds its methods at construction (no lookup layer per call)."""
    from lxpack.runtime.host.descriptors import Descriptors
    assert isinstance(host.read.__self__, Descriptors) and isinstance(host.write.__self__, Descriptors)
    assert host.getpid is os.getpid
