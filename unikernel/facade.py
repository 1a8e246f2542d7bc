"""The unikernel's front door: what the composition root (lxpack.launch) and
tests need to build and start a Linux personality, without reaching into
the packages below.

Owns: build_kernel(), the one place where the syscall table (unikernel/
syscall/) and the kernel objects (unikernel/kernel/) are put together: the
table gets a slot for every handler family's calls here (a family is
imported by its first call: syscall/families.py), and the
Dispatcher is built here and handed to the Kernel (kernel/ never imports
syscall/). Also re-exports the few types a caller passes in or catches:
Config, CpuInfo, Vfs, Stats, PathTrace, WrongFormat, LinuxError,
ProcessExit, and the start-up helpers plan_exec() and format_stats().

build_kernel takes plain objects and touches nothing itself: `host` is
anything with the host layer's methods (runtime/host/api.py; a fake host
in tests), `backend` anything with create_vm() (runtime/vmm/base.py; a
fake one in tests). No KVM, unicorn or host access is needed to build a
kernel; new_process() then asks the backend for a VM and the host for the
pid and memory size.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import AT_FDCWD
from lxpack.unikernel.errors import LinuxError, ProcessExit
from lxpack.unikernel.kernel import execve as _execve
from lxpack.unikernel.kernel.kernel import Config, CpuInfo, Kernel
from lxpack.unikernel.kernel.loader import SegmentPastEnd, WrongFormat
from lxpack.unikernel.kernel.pathtrace import PathTrace
from lxpack.unikernel.kernel.vfs.resolve import Vfs
from lxpack.unikernel.syscall import families
from lxpack.unikernel.syscall import resources as _resources
from lxpack.unikernel.syscall.strace import format_stats
from lxpack.unikernel.syscall.table import Dispatcher, Stats

# Each handler family is imported by its first system call (families.py).
families.install_lazy()

__all__ = ["build_kernel", "plan_exec", "format_stats", "Config", "CpuInfo", "Vfs", "Stats", "PathTrace",
           "WrongFormat", "SegmentPastEnd", "LinuxError", "ProcessExit", "Kernel"]


def build_kernel(host, backend, vfs, config, cpu=None, vdso=b""):
    """A Kernel for one host process, with its syscall Dispatcher.

    host: the host layer (runtime.host.api methods, Linux values in and out).
    backend: creates VMs (runtime.vmm.base.Backend).
    vfs: a Vfs over the same host. config: a Config (strace stream, --stats
    counters, host_exec patterns, warn callback, path tracer).
    cpu: what the guest is told about the CPU (CpuInfo; defaults to a
    generic x86-64). vdso: the vDSO image mapped into every program (needed
    to exec one; the loader maps it as given)."""
    def on_unimplemented(nr, name):
        if config.warn:
            config.warn("unimplemented syscall %s (%d)" % (name, nr))

    dispatcher = Dispatcher(strace=config.strace, stats=config.stats, on_unimplemented=on_unimplemented,
                            pathtrace=config.pathtrace)
    kernel = Kernel(host, backend, vfs, cpu if cpu is not None else CpuInfo(), vdso, config, dispatcher)
    kernel.process_started = _resources.enforce_nofile
    return kernel


def plan_exec(kernel, path, argv, envp):
    """How to run the program at `path` (a guest path, resolved from the
    current directory): an execve.ExecPlan (kind "elf" or "host"); raises
    LinuxError as execve(2) would fail."""
    return _execve.plan(kernel, AT_FDCWD, path, argv, envp)
