"""The unikernel unit tier: system call handlers driven through
Dispatcher.syscall with a FakeHost (fakehost.py) and a fake vCPU and guest
memory (fakevm.py). No KVM, no unicorn, no host files: seconds, anywhere.

Owns: build_test_kernel(), the ONE place this tier builds a kernel (when
the unikernel gets its facade, only this function changes), the Guest
harness that puts a call's number and arguments in the vCPU registers and
returns rax as a signed result, and the check that the tier never imports
a real backend.

Writing a test (one file per family, named test_<family>_calls.py: tests
without __init__.py share one module namespace, so names must differ from
tests/e2e's):

    from lxpack.abi import errno as E, fcntl as F
    from lxpack.abi.syscalls_x86_64 import NR_openat

    def test_openat_missing_file_is_enoent(g):          # g: a fresh Guest
        g.host.add_file(b"/tmp/f", b"data")              # the fake host's files
        assert g.call(NR_openat, F.AT_FDCWD, g.cstr("/tmp/f"), F.O_RDONLY, 0) == 3
        assert g.call(NR_openat, F.AT_FDCWD, g.cstr("/tmp/x"), F.O_RDONLY, 0) == -E.ENOENT

Assert what the man page (and Linux, when in doubt: run the call natively)
says; where lxpack differs, mark that one test xfail(strict=True) with the
reason. g.UNMAPPED is an address that always faults (EFAULT); g.put/alloc
/cstr place data in a 1 MiB read-write scratch mapping.
"""
import os
import struct
import sys

import pytest

from lxpack.abi import mman

# The fakes are plain modules of this folder (no package: tests/ has no
# __init__.py); make them importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakehost import FakeHost, FakeSignalBridge  # noqa: E402
from fakevm import FakeBackend  # noqa: E402

SCRATCH = 0x10000000              # user buffers of a test: 1 MiB, read-write
SCRATCH_SIZE = 1 << 20
BRK_START = 0x20000000            # where the program's break starts (after its "ELF")
UNMAPPED = 0x1000                 # never mapped (below mmap_min_addr): EFAULT


def build_test_kernel(host=None, backend=None):
    """A Kernel and its first task over a fake host and a fake backend:
    what launch/boot.py's run_program builds, minus the ELF (no exec_image:
    the task starts with an empty address space), with a signal bridge
    that only records the host dispositions asked for."""
    host = FakeHost() if host is None else host
    backend = FakeBackend() if backend is None else backend
    try:
        from lxpack.unikernel import facade
    except ImportError:           # before the unikernel facade lands: drop this branch then
        facade = None
    if facade is not None:
        kernel = facade.build_kernel(host, backend, facade.Vfs(host, None), facade.Config(), facade.CpuInfo())
    else:
        from lxpack.unikernel.kernel.kernel import Config, CpuInfo, Kernel
        from lxpack.unikernel.kernel.vfs.resolve import Vfs
        kernel = Kernel(host, backend, Vfs(host, None), CpuInfo(), b"", Config())
    task = kernel.new_process()
    kernel.start_signals(FakeSignalBridge)   # as boot does; wires the host's interruption upcalls
    kernel.tls.task = task                    # as Kernel.run does for the thread running the task
    return kernel, task


class Guest(object):
    """One fake Linux process: call(NR_x, args...) -> the signed result."""

    UNMAPPED = UNMAPPED
    SCRATCH = SCRATCH
    BRK_START = BRK_START

    def __init__(self, kernel, task):
        self.kernel = kernel
        self.task = task
        self.host = kernel.host
        self.vcpu = task.vcpu
        self.mem = task.mem
        self.mem.map(SCRATCH, SCRATCH_SIZE, mman.PROT_READ | mman.PROT_WRITE, name="[scratch]")
        self.mem.set_brk_start(BRK_START)
        self._next = SCRATCH

    def call(self, nr, *args):
        if len(args) > 6:
            raise TypeError("at most 6 syscall arguments")
        regs = {"rax": nr}
        for name, value in zip(("rdi", "rsi", "rdx", "r10", "r8", "r9"), args + (0,) * (6 - len(args))):
            regs[name] = value & 0xFFFFFFFFFFFFFFFF
        self.vcpu.set_regs(regs)
        self.vcpu.stop_requested = False
        self.kernel.dispatcher.syscall(self.vcpu)
        rax = self.vcpu.get_reg("rax")
        return rax - (1 << 64) if rax >= 1 << 63 else rax

    # -- guest memory ------------------------------------------------------------------------
    def alloc(self, size, align=16):
        addr = (self._next + align - 1) & ~(align - 1)
        self._next = addr + max(size, 1)
        if self._next > SCRATCH + SCRATCH_SIZE:
            raise MemoryError("scratch area used up")
        return addr

    def put(self, data, align=16):
        addr = self.alloc(len(data), align)
        self.mem.vm.write(addr, data)
        return addr

    def cstr(self, s):
        if isinstance(s, str):
            s = s.encode()
        return self.put(s + b"\0", 1)

    def read(self, addr, size):
        return self.mem.vm.read(addr, size)

    def u32(self, addr):
        return struct.unpack("<I", self.read(addr, 4))[0]

    def i32(self, addr):
        return struct.unpack("<i", self.read(addr, 4))[0]

    def u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]

    def fds2(self, addr):
        return struct.unpack("<ii", self.read(addr, 8))


@pytest.fixture
def g():
    """A fresh fake process for each test."""
    kernel, task = build_test_kernel()
    yield Guest(kernel, task)
    from lxpack.unikernel.syscall import fdlimit
    fdlimit.remove()              # a test that lowered RLIMIT_NOFILE wrapped the global table


_FORBIDDEN = ("lxpack.runtime.vmm.kvm", "unicorn", "lxpack.runtime.vmm.unicorn", "lxpack.runtime.host.posix")


@pytest.fixture(scope="session", autouse=True)
def _no_real_backend(request):
    """The tier must run where there is no /dev/kvm and no unicorn: when
    only this tier runs, none of them may have been imported by its end."""
    yield
    items = getattr(request.session, "items", [])
    if items and all("tests/unikernel/" in it.nodeid.replace("\\", "/") for it in items):
        loaded = [m for m in _FORBIDDEN if m in sys.modules]
        assert not loaded, "the unikernel tier imported %s" % ", ".join(loaded)
