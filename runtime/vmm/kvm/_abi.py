"""KVM's ioctl numbers and structures (linux/kvm.h, x86-64), as ctypes.

Data only, plus the one ioctl() wrapper. Every raw call into the kernel goes
through ioctl() below, whose SAFETY note covers all of them.
Travels inside bundles: Python 3.9.
"""
import ctypes
from lxpack.runtime.host import clib as _clib

_libc = _clib.open_libc()
_libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
_libc.ioctl.restype = ctypes.c_int
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.mmap.restype = ctypes.c_void_p
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CHECK_EXTENSION = 0xAE03
KVM_GET_VCPU_MMAP_SIZE = 0xAE04
KVM_GET_SUPPORTED_CPUID = 0xC008AE05
KVM_CREATE_VCPU = 0xAE41
KVM_SET_USER_MEMORY_REGION = 0x4020AE46
KVM_RUN = 0xAE80
KVM_GET_REGS = 0x8090AE81
KVM_SET_REGS = 0x4090AE82
KVM_GET_SREGS = 0x8138AE83
KVM_SET_SREGS = 0x4138AE84
KVM_GET_MSRS = 0xC008AE88
KVM_SET_MSRS = 0x4008AE89
KVM_GET_FPU = 0x81A0AE8C
KVM_SET_FPU = 0x41A0AE8D
KVM_SET_CPUID2 = 0x4008AE90
KVM_GET_XSAVE = 0x9000AEA4
KVM_SET_XSAVE = 0x5000AEA5
KVM_SET_XCRS = 0x4188AEA7

KVM_EXIT_IO = 2
KVM_EXIT_HLT = 5
KVM_EXIT_MMIO = 6
KVM_EXIT_SHUTDOWN = 8
KVM_EXIT_FAIL_ENTRY = 9
KVM_EXIT_INTR = 10
KVM_EXIT_INTERNAL_ERROR = 17
EXIT_NAMES = {2: "IO", 5: "HLT", 6: "MMIO", 8: "SHUTDOWN", 9: "FAIL_ENTRY", 10: "INTR", 17: "INTERNAL_ERROR"}

# struct kvm_run offsets (linux/kvm.h, checked with offsetof on 6.1 headers)
RUN_VALID_REGS = 288
RUN_DIRTY_REGS = 296
RUN_SYNC_REGS = 304
KVM_SYNC_X86_REGS = 1
KVM_SYNC_X86_SREGS = 2
KVM_GET_CLOCK = 0x8030AE7C
KVM_CLOCK_TSC_STABLE = 2
KVM_CLOCK_REALTIME = 4
MSR_KVM_SYSTEM_TIME_NEW = 0x4B564D01

MSR_EFER = 0xC0000080
MSR_STAR = 0xC0000081
MSR_LSTAR = 0xC0000082
MSR_CSTAR = 0xC0000083
MSR_SFMASK = 0xC0000084
MSR_FS_BASE = 0xC0000100
MSR_GS_BASE = 0xC0000101
MSR_KERNEL_GS_BASE = 0xC0000102

u8, u16, u32, u64 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64

REG_NAMES = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11",
             "r12", "r13", "r14", "r15", "rip", "rflags")


class KvmRegs(ctypes.Structure):
    _fields_ = [(n, u64) for n in REG_NAMES]


class KvmSegment(ctypes.Structure):
    _fields_ = [("base", u64), ("limit", u32), ("selector", u16), ("type", u8), ("present", u8),
                ("dpl", u8), ("db", u8), ("s", u8), ("l", u8), ("g", u8), ("avl", u8),
                ("unusable", u8), ("padding", u8)]


class KvmDtable(ctypes.Structure):
    _fields_ = [("base", u64), ("limit", u16), ("padding", u16 * 3)]


class KvmSregs(ctypes.Structure):
    _fields_ = [("cs", KvmSegment), ("ds", KvmSegment), ("es", KvmSegment), ("fs", KvmSegment),
                ("gs", KvmSegment), ("ss", KvmSegment), ("tr", KvmSegment), ("ldt", KvmSegment),
                ("gdt", KvmDtable), ("idt", KvmDtable), ("cr0", u64), ("cr2", u64), ("cr3", u64),
                ("cr4", u64), ("cr8", u64), ("efer", u64), ("apic_base", u64), ("interrupt_bitmap", u64 * 4)]


class KvmUserspaceMemoryRegion(ctypes.Structure):
    _fields_ = [("slot", u32), ("flags", u32), ("guest_phys_addr", u64), ("memory_size", u64),
                ("userspace_addr", u64)]


class KvmCpuidEntry2(ctypes.Structure):
    _fields_ = [("function", u32), ("index", u32), ("flags", u32), ("eax", u32), ("ebx", u32),
                ("ecx", u32), ("edx", u32), ("padding", u32 * 3)]


def cpuid2_type(n):
    class KvmCpuid2(ctypes.Structure):
        _fields_ = [("nent", u32), ("padding", u32), ("entries", KvmCpuidEntry2 * n)]
    return KvmCpuid2


class KvmMsrEntry(ctypes.Structure):
    _fields_ = [("index", u32), ("reserved", u32), ("data", u64)]


def msrs_type(n):
    class KvmMsrs(ctypes.Structure):
        _fields_ = [("nmsrs", u32), ("pad", u32), ("entries", KvmMsrEntry * n)]
    return KvmMsrs


class KvmFpu(ctypes.Structure):
    _fields_ = [("fpr", u8 * 128), ("fcw", u16), ("fsw", u16), ("ftwx", u8), ("pad1", u8),
                ("last_opcode", u16), ("last_ip", u64), ("last_dp", u64), ("xmm", u8 * 256),
                ("mxcsr", u32), ("pad2", u32)]


class KvmXcr(ctypes.Structure):
    _fields_ = [("xcr", u32), ("reserved", u32), ("value", u64)]


class KvmXcrs(ctypes.Structure):
    _fields_ = [("nr_xcrs", u32), ("flags", u32), ("xcrs", KvmXcr * 16), ("padding", u64 * 16)]


class KvmXsave(ctypes.Structure):
    _fields_ = [("region", u32 * 1024)]


class KvmClockData(ctypes.Structure):
    _fields_ = [("clock", u64), ("flags", u32), ("pad0", u32), ("realtime", u64), ("host_tsc", u64),
                ("pad", u32 * 4)]


class KvmRunIo(ctypes.Structure):
    _fields_ = [("direction", u8), ("size", u8), ("port", u16), ("count", u32), ("data_offset", u64)]


class KvmRunHead(ctypes.Structure):
    """The start of struct kvm_run (the mmap'd vCPU page); the exit union is at offset 32."""
    _fields_ = [("request_interrupt_window", u8), ("immediate_exit", u8), ("padding1", u8 * 6),
                ("exit_reason", u32), ("ready_for_interrupt_injection", u8), ("if_flag", u8),
                ("flags", u16), ("cr8", u64), ("apic_base", u64), ("io", KvmRunIo)]


def ioctl(fd, request, arg=None):
    """ioctl(2) through libc (ctypes releases the GIL, so KVM_RUN does not
    block other Python threads). Returns the result or raises OSError."""
    # SAFETY: arg is None, an int, or a ctypes object/pointer of the size the
    # request encodes (the structures above mirror linux/kvm.h).
    if arg is None:
        a = None
    elif isinstance(arg, int):
        a = ctypes.c_void_p(arg)
    else:
        a = ctypes.cast(ctypes.pointer(arg), ctypes.c_void_p)
    r = _libc.ioctl(fd, request, a)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "KVM ioctl %#x failed: %s" % (request, __import__("os").strerror(e)))
    return r


PROT_READ, PROT_WRITE = 1, 2
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 1, 2, 0x20, 0x4000
MADV_DONTNEED = 4


def mmap(length, prot, flags, fd=-1, offset=0):
    # SAFETY: a new mapping chosen by the kernel; the caller owns it.
    addr = _libc.mmap(None, length, prot, flags, fd, offset)
    if addr is None or addr == ctypes.c_void_p(-1).value:
        e = ctypes.get_errno()
        raise OSError(e, "mmap failed")
    return addr


_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_PROT_NONE, _PROT_READ, _PROT_RW = 0, 1, 3


def drop_guest_translations(addr, length):
    """Make KVM forget what it has cached about these host pages (its
    shadow or nested page-table entries for them, and so the guest TLB's):
    changing the host protection fires KVM's MMU notifier, which zaps them.
    Rewriting a guest PTE in place from the host is not enough on every
    KVM (a paravirtual PVM host keeps the old permission), while a freed
    page (madvise_dontneed) already goes through the notifier."""
    # SAFETY: addr..addr+length is page-aligned memory of the guest (slot 0
    # or a host mapping given to the VM); its protection is restored at once.
    _libc.mprotect(addr, length, _PROT_NONE)
    if _libc.mprotect(addr, length, _PROT_RW) != 0:
        _libc.mprotect(addr, length, _PROT_READ)      # a read-only host mapping (shared file opened O_RDONLY)


def madvise_dontneed(addr, length):
    # SAFETY: addr..addr+length lies inside the guest-memory reservation.
    _libc.madvise(addr, length, MADV_DONTNEED)
