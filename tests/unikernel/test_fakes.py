"""The tier's own tools: the fake host and VM keep the contracts the
unikernel relies on, and building a kernel on them needs no backend (a
fresh interpreter proves that neither KVM nor unicorn nor the POSIX host is
imported)."""
import os
import subprocess
import sys
import textwrap

import pytest

from fakehost import FakeHost, FakeWouldBlock, NotFaked
from fakevm import FakeVm
from lxpack.abi import errno as E
from lxpack.abi.syscalls_x86_64 import NR_getpid, NR_openat, NR_write
from lxpack.runtime.host.api import RUNTIME_FD_BASE, LinuxError
from lxpack.runtime.vmm.base import GuestFault

pytestmark = pytest.mark.unikernel

HERE = os.path.dirname(os.path.abspath(__file__))


def test_building_a_kernel_imports_no_backend_and_no_real_host():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from conftest import Guest, build_test_kernel
        g = Guest(*build_test_kernel())
        assert g.call(%d) == 4242
        assert g.call(%d, 1, g.put(b"hi"), 2) == 2
        bad = [m for m in ("lxpack.runtime.vmm.kvm", "unicorn", "lxpack.runtime.vmm.unicorn",
                           "lxpack.runtime.host.posix", "lxpack.launch.boot") if m in sys.modules]
        print("LOADED", bad)
    """) % (HERE, NR_getpid, NR_write)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout


def test_host_errors_are_linux_errnos():
    h = FakeHost()
    with pytest.raises(LinuxError) as info:
        h.openat(-100, b"/nope", 0, 0)
    assert info.value.errno == E.ENOENT
    with pytest.raises(LinuxError) as info:
        h.close(77)
    assert info.value.errno == E.EBADF


def test_unimplemented_host_methods_are_absent_not_silent():
    h = FakeHost()
    assert not hasattr(h, "pts_path")              # probes see it missing, as on a host without it
    with pytest.raises(NotFaked, match="socket"):
        h.socket(2, 1, 0)


def test_the_fake_host_never_blocks():
    h = FakeHost()
    r, w = h.pipe()
    with pytest.raises(FakeWouldBlock):
        h.read(r, 1)
    with pytest.raises(FakeWouldBlock):
        h.poll([(r, 1)], -1)
    assert h.poll([(r, 1)], 5) == {}                # a finite wait: the clock moves instead
    assert h.clock_gettime_ns(1) == 1000 * 10**9 + 5 * 10**6


def test_private_descriptors_live_in_the_runtime_range():
    h = FakeHost()
    r, w = h.wake_pipe()
    assert r >= RUNTIME_FD_BASE and w >= RUNTIME_FD_BASE
    assert h.pipe() == (3, 4)                       # guest numbers are not used up


def test_fake_vm_faults_on_unmapped_memory():
    vm = FakeVm()
    vm.map(0x10000, 0x2000, 3)
    vm.write(0x10ffe, b"abcd")                      # across a page boundary
    assert vm.read(0x10ffe, 4) == b"abcd"
    with pytest.raises(GuestFault):
        vm.read(0x11ffe, 4)                         # runs off the end
    with pytest.raises(GuestFault):
        vm.write(0x9000, b"x")
    vm.unmap(0x10000, 0x1000)
    with pytest.raises(GuestFault):
        vm.read(0x10ffe, 1)
    assert vm.read(0x11000, 2) == b"cd"


def test_guest_sees_the_fake_host_files(g):
    g.host.add_file(b"/etc/motd", b"hello")
    assert g.call(NR_openat, -100, g.cstr("/etc/motd"), 0, 0) == 3
