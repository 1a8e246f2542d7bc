"""The unikernel facade (lxpack.unikernel.facade) builds a kernel from plain
objects: no KVM, no unicorn, no host access of its own."""
import subprocess
import sys

from lxpack.runtime.host.api import Upcalls
from lxpack.runtime.vmm import base
from lxpack.unikernel import facade as U


class _Vcpu(base.Vcpu):
    task = None

    def __init__(self, vm):
        self.vm = vm


class _Vm(base.Vm):
    def new_vcpu(self):
        return _Vcpu(self)


class _Backend(base.Backend):
    name = "fake"

    def create_vm(self):
        return _Vm()


class _Host(object):
    def __init__(self):
        self.upcalls = Upcalls()

    def memory(self):
        return 1 << 30, 1 << 29

    def getpid(self):
        return 4242

    def getrlimit(self, linux_res):
        return 1024, 4096           # RLIMIT_NOFILE: enforced from the start of a process


def test_build_kernel_from_plain_objects():
    host = _Host()
    k = U.build_kernel(host, _Backend(), U.Vfs(host, None), U.Config())
    t = k.new_process()
    assert (t.tid, t.process.pid, t.kernel) == (4242, 4242, k)
    assert k.dispatcher.on_unimplemented is not None and k.cpu is not None


def test_unimplemented_syscalls_reach_config_warn():
    seen = []
    host = _Host()
    k = U.build_kernel(host, _Backend(), U.Vfs(host, None), U.Config(warn=seen.append))
    k.dispatcher.on_unimplemented(999, "nosuch")
    assert seen == ["unimplemented syscall nosuch (999)"]


def test_importing_the_facade_loads_no_backend_or_host_implementation():
    code = ("import sys; import lxpack.unikernel.facade; "
            "print(sorted(m for m in sys.modules if m.startswith(('lxpack.runtime', 'unicorn', 'lxpack.launch'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # only the packages on the way to the two interfaces the unikernel may use
    assert set(eval(out)) <= {"lxpack.runtime", "lxpack.runtime.host", "lxpack.runtime.host.api",
                              "lxpack.runtime.host.api_files", "lxpack.runtime.host.api_io",
                              "lxpack.runtime.host.api_process", "lxpack.runtime.host.fdrange",
                              "lxpack.runtime.vmm", "lxpack.runtime.vmm.base"}
