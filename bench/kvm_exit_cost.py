"""The floor under a forwarded system call on the kvm backend: the cost of
one bare VM exit and re-entry (KVM_RUN returning KVM_EXIT_IO for an `out`
and being called again), measured with a 16-bit real-mode guest that does
nothing else, from Python through ctypes as the backend does and from C.

    python -m bench.kvm_exit_cost [N]

Prints microseconds per exit. Linux with a usable /dev/kvm only.
"""
import ctypes
import os
import sys
import time

from lxpack.runtime.vmm.kvm import _abi as K

CODE = bytes([0xE6, 0x10, 0xEB, 0xFC])      # out 0x10, al ; jmp back to it


def python_loop(n):
    kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    vm = K.ioctl(kvm, K.KVM_CREATE_VM, 0)
    mem = K.mmap(0x10000, K.PROT_READ | K.PROT_WRITE, K.MAP_PRIVATE | K.MAP_ANONYMOUS)
    ctypes.memmove(mem + 0x1000, CODE, len(CODE))
    K.ioctl(vm, K.KVM_SET_USER_MEMORY_REGION,
            K.KvmUserspaceMemoryRegion(slot=0, flags=0, guest_phys_addr=0, memory_size=0x10000, userspace_addr=mem))
    cpu = K.ioctl(vm, K.KVM_CREATE_VCPU, 0)
    size = K.ioctl(kvm, K.KVM_GET_VCPU_MMAP_SIZE)
    run = K.mmap(size, K.PROT_READ | K.PROT_WRITE, K.MAP_SHARED, cpu)
    s = K.KvmSregs()
    K.ioctl(cpu, K.KVM_GET_SREGS, s)
    s.cs.base, s.cs.selector = 0, 0
    K.ioctl(cpu, K.KVM_SET_SREGS, s)
    r = K.KvmRegs()
    K.ioctl(cpu, K.KVM_GET_REGS, r)
    r.rip, r.rflags = 0x1000, 2
    K.ioctl(cpu, K.KVM_SET_REGS, r)
    head = K.KvmRunHead.from_address(run)
    K.ioctl(cpu, K.KVM_RUN)
    assert head.exit_reason == K.KVM_EXIT_IO, head.exit_reason
    t0 = time.perf_counter()
    for _ in range(n):
        K.ioctl(cpu, K.KVM_RUN)
    dt = time.perf_counter() - t0
    for fd in (cpu, vm, kvm):
        os.close(fd)
    return dt / n * 1e6


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 20000
    if not os.path.exists("/dev/kvm"):
        print("no /dev/kvm")
        return 1
    print("bare VM exit + re-entry (KVM_RUN from Python/ctypes): %.2f us" % python_loop(n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
