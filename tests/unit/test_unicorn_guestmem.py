"""The unicorn backend's guest memory (runtime/vmm/unicorn/guestmem.py): a
few large engine regions stand behind every mapping, yet the runtime's own
accesses still fault outside the mappings, unmapped memory reads zero when
mapped again (small ranges cleared in place, large ones dropped), and a
host-backed (shared) range is the host memory itself, both ways."""
import ctypes

import pytest

pytest.importorskip("unicorn")

from lxpack.runtime.host import memory as host_memory  # noqa: E402
from lxpack.runtime.vmm import base  # noqa: E402
from lxpack.runtime.vmm.unicorn.backend import UnicornVm  # noqa: E402

RW = base.PROT_READ | base.PROT_WRITE
A = 0x7FFF00000000


@pytest.mark.parametrize("size", [0x3000, 0x200000])
def test_unmapped_memory_faults_then_reads_zero_when_mapped_again(size):
    vm = UnicornVm()
    vm.map(A, size, RW)
    vm.write(A + size - 8, b"12345678")
    vm.unmap(A, size)
    with pytest.raises(base.GuestFault):
        vm.read(A + size - 8, 8)
    vm.map(A, size, base.PROT_READ)
    assert vm.read(A + size - 8, 8) == b"\0" * 8


def test_mappings_share_a_few_engine_regions():
    vm = UnicornVm()
    for i in range(200):
        vm.map(A + i * 0x2000, 0x1000, RW)
    vm.protect(A + 0x2000, 0x1000, base.PROT_READ)
    vm.unmap(A + 0x4000, 0x1000)
    assert len(vm.regions()) == 1
    with pytest.raises(base.GuestFault):
        vm.read(A + 0x1000, 1)          # the gap between two mappings


def test_a_host_range_is_the_host_memory():
    vm = UnicornVm()
    vm.map(A, 4 * 0x1000, RW)
    vm.unmap(A + 0x1000, 0x2000)
    host = host_memory.reserve(0x2000)
    vm.map_host(A + 0x1000, 0x2000, RW, host)
    ctypes.memmove(host + 0x1000, b"from host", 9)
    assert vm.read(A + 0x2000, 9) == b"from host"
    vm.write(A + 0x1008, b"guest")
    assert ctypes.string_at(host + 8, 5) == b"guest"
    vm.unmap(A + 0x1000, 0x2000)
    vm.map(A, 4 * 0x1000, RW)
    assert vm.read(A + 0x1000, 0x2000) == b"\0" * 0x2000
    assert ctypes.string_at(host + 0x1000, 9) == b"from host"     # the host memory is untouched
    host_memory.release(host, 0x2000)
