"""The floor under a process start, an execve and a fork on the kvm
backend: what creating, resetting and rebuilding a VM costs here (the
backend's own code, from Python through ctypes), measured in the same run
as the results they sit beside:

  * KVM_CREATE_VM alone (open /dev/kvm, create, close both);
  * a process start's VM: KvmVm() (create, the first 1 GiB slot, the kernel
    half, kvmclock) + its vCPU (CPUID, XCR0, MSRs, FPU), then close;
  * execve's reuse of it: KvmVm.reset() after a small program's worth of
    mappings (what an execve pays instead of the line above);
  * a forked child's rebuild: KvmVm.after_fork_child() (a new VM over the
    copy-on-write memory, the vCPU's state moved across), timed in the child.

Minimum and median over N rounds, in ms.

    python -m bench.kvm_vm_cost [N]
"""
import os
import statistics
import sys
import time

from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.kvm import backend as B


def _stats(xs):
    return "min %6.2f  median %6.2f ms" % (min(xs) * 1e3, statistics.median(xs) * 1e3)


def _timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 20
    if not os.path.exists("/dev/kvm"):
        print("no /dev/kvm")
        return 1
    be = B.KvmBackend()

    def bare():
        kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
        os.close(K.ioctl(kvm, K.KVM_CREATE_VM, 0))
        os.close(kvm)

    def full():
        vm = be.create_vm()
        vm.new_vcpu()
        vm.close()

    vm = be.create_vm()
    vm.new_vcpu()

    def reset():
        vm.map(0x400000, 4 << 20, 7)                 # a small program's image, written
        vm.write(0x400000, b"\x90" * (1 << 20))
        vm.reset()

    bare()
    full()
    print("KVM_CREATE_VM (+ open/close):              " + _stats(_timed(bare, n)))
    print("VM + slot + kernel half + vCPU, then close: " + _stats(_timed(full, n)))
    print("execve's VM reset (KvmVm.reset):            " + _stats(_timed(reset, n)))
    forks = []
    for _ in range(n):
        vm.before_fork()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            t = time.perf_counter()
            vm.after_fork_child()
            os.write(w, repr(time.perf_counter() - t).encode())
            os._exit(0)
        os.close(w)
        forks.append(float(os.read(r, 64)))
        os.close(r)
        os.waitpid(pid, 0)
    print("fork child's VM rebuild (after_fork_child): " + _stats(forks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
