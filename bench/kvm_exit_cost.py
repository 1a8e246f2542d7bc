"""The floor under a forwarded system call on the kvm backend: what one
bare VM exit and re-entry costs (KVM_RUN returning KVM_EXIT_IO for an
`out` and being called again, from Python through ctypes as the backend
does), taken from the places a guest could take it:

  * from user mode (CPL 3), as lxpack's syscall entry does on a host where
    SYSCALL leaves CPL at 3 (this machine's paravirtual PVM KVM);
  * from the guest's ring 0, which such a host makes far cheaper;
  * from user mode through an exception into a ring-0 stub that does the
    `out` and returns with iretq (the only way to ring 0 from user mode
    there: `int N` is refused) -- the price of reaching the cheap exit;
  * the ring-0 trip the served munmap takes to invalidate touched pages
    (its ud2 -> the #UD handler -> iretq, with and without one invlpg),
    timed in batches between two exits like the fast path: where it costs
    less than an exit plus the host serving the call, munmap stays in the VM;
  * and the in-VM fast-path floor: a getpid answered by the guest entry
    code (unikernel/guest/entry.S) without leaving the VM, as lxpack serves
    it (SYSCALL to LSTAR, the fast-value table, back to user mode), timed
    over batches of K calls between two exits. Any result that is "served
    inside the VM" is read against this number; the exits against the
    first two.

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
from lxpack.runtime.vmm.x86guest import layout as L

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


def _set_code(vm, code):
    vm.write(USER_CODE, code)


def _fast_getpid(vm, v, runs, batch=1000):
    """The cost of one getpid served by the guest entry code: runs of
    `batch` calls each ending with one exit, minus that exit's cost."""
    vm.assist.set_fast_syscalls({39: 4242})                  # NR_getpid answered in the VM
    # mov eax, 500 ; syscall  (not served: leaves with `out` from the entry
    # code, which tells whether SYSCALL left CPL at 3, as the backend's first call does)
    _set_code(vm, bytes([0xB8, 0xF4, 0x01, 0x00, 0x00, 0x0F, 0x05, 0xEB, 0xF7]))
    s = v.sregs
    v._user_segments(s)
    K.ioctl(v.fd, K.KVM_SET_SREGS, s)
    r = K.KvmRegs()
    K.ioctl(v.fd, K.KVM_GET_REGS, r)
    r.rip, r.rflags, r.rsp = USER_CODE, 2, USER_CODE + 0x800
    K.ioctl(v.fd, K.KVM_SET_REGS, r)
    K.ioctl(v.fd, K.KVM_RUN)
    K.ioctl(v.fd, K.KVM_GET_SREGS, s)
    if s.cs.dpl == 3 and not vm.backend.cpl3_syscall:
        vm.patch_cpl3_syscall()
    # start: mov r12d, batch ; 1: mov eax, 39 ; syscall ; cmp rax, 4242 ; jne bad ;
    #        dec r12d ; jnz 1b ; out 0x10, al ; jmp start ; bad: ud2
    code = bytes([0x41, 0xBC]) + struct.pack("<I", batch) + bytes([
        0xB8, 0x27, 0x00, 0x00, 0x00,         # mov eax, 39
        0x0F, 0x05,                           # syscall
        0x48, 0x3D, 0x92, 0x10, 0x00, 0x00,   # cmp rax, 4242
        0x75, 0x09,                           # jne bad
        0x41, 0xFF, 0xCC,                     # dec r12d
        0x75, 0xEC,                           # jnz 1b
        0xE6, 0x10,                           # out 0x10, al
        0xEB, 0xE2,                           # jmp start
        0x0F, 0x0B])                          # bad: ud2
    _set_code(vm, code)
    K.ioctl(v.fd, K.KVM_GET_SREGS, s)
    v._user_segments(s)
    K.ioctl(v.fd, K.KVM_SET_SREGS, s)
    K.ioctl(v.fd, K.KVM_GET_REGS, r)
    r.rip, r.rflags, r.rsp = USER_CODE, 2, USER_CODE + 0x800
    K.ioctl(v.fd, K.KVM_SET_REGS, r)
    head = K.KvmRunHead.from_address(v.run_addr)

    def timed(k):
        t0 = time.perf_counter()
        for _ in range(k):
            K.ioctl(v.fd, K.KVM_RUN)
            if head.exit_reason != K.KVM_EXIT_IO or head.io.port != 0x10:
                raise RuntimeError("unexpected exit %d (a served getpid did not return its value?)"
                                   % head.exit_reason)
        return time.perf_counter() - t0

    timed(2)
    total = timed(runs)
    _set_code(vm, bytes([0xE6, 0x10, 0xEB, 0xFC]))          # the bare exit, same place, same mode
    K.ioctl(v.fd, K.KVM_GET_REGS, r)
    r.rip = USER_CODE
    K.ioctl(v.fd, K.KVM_SET_REGS, r)
    bare = timed(runs)
    return max(0.0, total - bare) / (runs * batch) * 1e6, batch


def _ring0_trip(vm, v, runs, invlpg, batch=1000):
    """One ring-0 trip as the served munmap takes it: user code jumps to
    its ud2 (TRAMPOLINE + fastpath's trip offset), the #UD handler does
    [rdi, rdi + rsi)'s invlpg and returns, the function's tail returns to
    rcx; `batch` of them between two exits, minus the bare exit."""
    from lxpack.runtime.vmm.x86guest import fastpath as F
    # start: mov r12d, batch ; 1: lea rcx, [rip + 2f] ; mov edi, USER_CODE ; mov esi, len ;
    #        mov eax, trip ; jmp rax ; 2: dec r12d ; jnz 1b ; out 0x10, al ; jmp start
    code = bytes([0x41, 0xBC]) + struct.pack("<I", batch) + bytes([0x48, 0x8D, 0x0D, 0x11, 0, 0, 0, 0xBF]) + \
        struct.pack("<I", USER_CODE) + b"\xBE" + struct.pack("<I", 0x1000 if invlpg else 0) + b"\xB8" + \
        struct.pack("<I", L.TRAMPOLINE + F.MUNMAP_TRIP) + bytes([0xFF, 0xE0, 0x41, 0xFF, 0xCC, 0x75, 0xE3, 0xE6,
                                                                 0x10, 0xEB, 0xD9])
    _set_code(vm, code)
    head = K.KvmRunHead.from_address(v.run_addr)
    s = v.sregs
    r = K.KvmRegs()

    def timed(k):
        K.ioctl(v.fd, K.KVM_GET_SREGS, s)
        v._user_segments(s)
        K.ioctl(v.fd, K.KVM_SET_SREGS, s)
        K.ioctl(v.fd, K.KVM_GET_REGS, r)
        r.rip, r.rflags, r.rsp = USER_CODE, 2, USER_CODE + 0x800
        K.ioctl(v.fd, K.KVM_SET_REGS, r)
        t0 = time.perf_counter()
        for _ in range(k):
            K.ioctl(v.fd, K.KVM_RUN)
            if head.exit_reason != K.KVM_EXIT_IO or head.io.port != 0x10:
                raise RuntimeError("unexpected exit %d (the #UD trip did not return?)" % head.exit_reason)
        return time.perf_counter() - t0

    timed(2)
    total = timed(runs)
    _set_code(vm, bytes([0xE6, 0x10, 0xEB, 0xFC]))          # the bare exit, same place, same mode
    bare = timed(runs)
    return max(0.0, total - bare) / (runs * batch) * 1e6


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
    idt6 = ctypes.string_at(vm.host_base + L.IDT + 16 * 6, 16)
    ctypes.memmove(vm.host_base + L.IDT + 16 * 6, gate, 16)
    vm.write(USER_CODE, bytes([0x0F, 0x0B, 0xEB, 0xFC]))     # ud2 ; jmp back
    print("user mode -> #UD -> ring-0 stub: out, iretq:       %6.2f us" % _measure(v, False, USER_CODE, n))
    ctypes.memmove(vm.host_base + L.IDT + 16 * 6, idt6, 16)     # the guest code's #UD handler again
    per_call, batch = _fast_getpid(vm, v, max(n // 20, 50))
    print("in-VM fast path: getpid served by the guest code:  %6.2f us  (batches of %d between exits)"
          % (per_call, batch))
    for invlpg in (False, True):
        print("ring-0 trip of the served munmap (ud2, #UD, iretq)%s %6.2f us"
              % (", 1 invlpg:" if invlpg else ":          ", _ring0_trip(vm, v, max(n // 20, 50), invlpg)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
