"""The floor under a forwarded system call on the kvm backend: what one
bare VM exit and re-entry costs (KVM_RUN returning KVM_EXIT_IO for an
`out` and being called again, from Python through ctypes as the backend
does), taken from the places a guest could take it:

  * from user mode (CPL 3), as lxpack's syscall entry does on a host where
    SYSCALL leaves CPL at 3 (this machine's paravirtual PVM KVM);
  * from the guest's ring 0, which such a host makes far cheaper;
  * from user mode through an exception into a ring-0 stub that does the
    `out` and returns with iretq (the only way to ring 0 from user mode
    there: `int N` is refused) -- the price of reaching the cheap exit.

The VM is the backend's own (same GDT, IDT, page tables, CPUID, XCR0).

    python -m bench.kvm_exit_cost [N]
"""
import ctypes
import os
import struct
import sys
import time

from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.kvm import backend as B
from lxpack.runtime.vmm.kvm import layout as L

USER_CODE = 0x400000
KERNEL_CODE = 0x1F000        # a free page of the kernel half (phys = kernel VA - KBASE)


def _measure(vcpu, ring0, rip, n):
    s = vcpu.sregs
    vcpu._flush()
    if ring0:
        vcpu._seg(s.cs, L.SEL_KCODE, 11, 0, code=True)
        vcpu._seg(s.ss, L.SEL_KDATA, 3, 0, code=False)
    else:
        vcpu._user_segments(s)
    K.ioctl(vcpu.fd, K.KVM_SET_SREGS, s)
    r = K.KvmRegs()
    K.ioctl(vcpu.fd, K.KVM_GET_REGS, r)
    r.rip, r.rflags, r.rsp = rip, 2, L.KBASE + L.KSTACKS + 0x1000
    K.ioctl(vcpu.fd, K.KVM_SET_REGS, r)
    head = K.KvmRunHead.from_address(vcpu.run_addr)
    K.ioctl(vcpu.fd, K.KVM_RUN)
    t0 = time.perf_counter()
    for _ in range(n):
        K.ioctl(vcpu.fd, K.KVM_RUN)
        if head.exit_reason != K.KVM_EXIT_IO or head.io.port != 0x10:
            raise RuntimeError("unexpected exit %d" % head.exit_reason)
    return (time.perf_counter() - t0) / n * 1e6


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 20000
    if not os.path.exists("/dev/kvm"):
        print("no /dev/kvm")
        return 1
    vm = B.KvmBackend().create_vm()
    v = vm.new_vcpu()
    loop = bytes([0xE6, 0x10, 0xEB, 0xFC])                 # out 0x10, al ; jmp back
    vm.map(USER_CODE, 0x1000, 5)
    vm.write(USER_CODE, loop)
    ctypes.memmove(vm.host_base + KERNEL_CODE, loop, len(loop))
    print("exit + re-entry, out from user mode (CPL 3):       %6.2f us" % _measure(v, False, USER_CODE, n))
    print("exit + re-entry, out from the guest's ring 0:      %6.2f us"
          % _measure(v, True, L.KBASE + KERNEL_CODE, n))
    # #UD in user code -> ring-0 stub: add qword [rsp], 2 ; out 0x10, al ; iretq
    stub = bytes([0x48, 0x83, 0x04, 0x24, 0x02, 0xE6, 0x10, 0x48, 0xCF])
    ctypes.memmove(vm.host_base + KERNEL_CODE + 0x100, stub, len(stub))
    off = L.KBASE + KERNEL_CODE + 0x100
    gate = struct.pack("<HHBBHIi", off & 0xFFFF, L.SEL_KCODE, 0, 0x8E, (off >> 16) & 0xFFFF, off >> 32, 0)
    ctypes.memmove(vm.host_base + L.IDT + 16 * 6, gate, 16)
    vm.write(USER_CODE, bytes([0x0F, 0x0B, 0xEB, 0xFC]))     # ud2 ; jmp back
    print("user mode -> #UD -> ring-0 stub: out, iretq:       %6.2f us" % _measure(v, False, USER_CODE, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
