"""The hvf test double's questions to this machine's KVM (double.py): what
it does, found once on a scratch VM (TSC frequency, CR4.FSGSBASE, where RIP
is after an `out` exit), the CPUID table it supports, and the guest TSC
offset (hv_vm_sync_tsc).

Reuses the kvm backend's ioctl bindings (runtime/vmm/kvm/_abi.py). Knows
CPUs, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os

from lxpack.runtime.vmm.kvm import _abi as K

KVM_SET_DEVICE_ATTR = 0x4018AEE1
KVM_GET_TSC_KHZ = 0xAEA3


class _DeviceAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint32), ("group", ctypes.c_uint32), ("attr", ctypes.c_uint64),
                ("addr", ctypes.c_uint64)]


def probe():
    """What this KVM does: its TSC frequency (kHz), whether it takes
    CR4.FSGSBASE (the double's CR4_FIXED1), and whether an `out` exit
    reports RIP already past the instruction (this host's KVM) or still on
    it (KVM steps over it at the next KVM_RUN)."""
    kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    fds_ = [kvm]
    mem = K.mmap(4096, K.PROT_READ | K.PROT_WRITE, K.MAP_PRIVATE | K.MAP_ANONYMOUS)
    try:
        vm = K.ioctl(kvm, K.KVM_CREATE_VM, 0)
        fds_.append(vm)
        ctypes.memmove(mem, b"\xe6\x10\xf4", 3)              # out 0x10, al; hlt
        K.ioctl(vm, K.KVM_SET_USER_MEMORY_REGION, K.KvmUserspaceMemoryRegion(
            slot=0, flags=0, guest_phys_addr=0, memory_size=4096, userspace_addr=mem))
        vc = K.ioctl(vm, K.KVM_CREATE_VCPU, 0)
        fds_.append(vc)
        khz = K.ioctl(vc, KVM_GET_TSC_KHZ)
        s = K.KvmSregs()
        K.ioctl(vc, K.KVM_GET_SREGS, s)
        s.cs.base = 0
        s.cs.selector = 0
        K.ioctl(vc, K.KVM_SET_SREGS, s)
        r = K.KvmRegs()
        K.ioctl(vc, K.KVM_GET_REGS, r)
        r.rip = 0
        r.rflags = 2
        K.ioctl(vc, K.KVM_SET_REGS, r)
        size = K.ioctl(kvm, K.KVM_GET_VCPU_MMAP_SIZE)
        run = K.mmap(size, K.PROT_READ | K.PROT_WRITE, K.MAP_SHARED, vc, 0)
        K.ioctl(vc, K.KVM_RUN)
        K.ioctl(vc, K.KVM_GET_REGS, r)
        K._libc.munmap(run, size)
        return dict(tsc_khz=khz, rip_after_io=r.rip == 2, fsgsbase=_probe_fsgsbase(vc))
    finally:
        for fd in reversed(fds_):
            os.close(fd)
        K._libc.munmap(mem, 4096)


def _probe_fsgsbase(fd):
    """Does this KVM take CR4.FSGSBASE in long mode (the double's CR4_FIXED1)?"""
    s = K.KvmSregs()
    K.ioctl(fd, K.KVM_GET_SREGS, s)
    s.cr0 |= 0x80000001                       # long mode, as the guest runs
    s.cr4 |= 0x20 | 0x10000
    s.efer |= 0x500
    s.cs.l, s.cs.db = 1, 0
    try:
        K.ioctl(fd, K.KVM_SET_SREGS, s)
    except OSError:
        return False
    return True


def supported_cpuid(kvm_fd):
    """KVM's supported CPUID table as (function, index, flags, eax, ebx, ecx, edx) tuples."""
    n = 256
    c = K.cpuid2_type(n)()
    c.nent = n
    K.ioctl(kvm_fd, K.KVM_GET_SUPPORTED_CPUID, c)
    return [(e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx) for e in c.entries[:c.nent]]


def set_tsc_offset(vcpu_fd, offset):
    """The vCPU's guest TSC = host TSC + offset (KVM_VCPU_TSC_CTRL/OFFSET)."""
    off = ctypes.c_uint64(offset)
    attr = _DeviceAttr(flags=0, group=0, attr=0, addr=ctypes.addressof(off))
    K.ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, attr)
