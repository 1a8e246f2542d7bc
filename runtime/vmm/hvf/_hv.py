"""The Intel Hypervisor.framework C ABI, as ctypes (the one place it lives).

Owns: the function prototypes, return codes, register ids (hv_x86_reg_t),
VMCS field encodings, VMX capability ids, control bits and exit reasons the
hvf backend uses, and load(): the framework loaded by path on macOS, or the
KVM-backed test double (double.py) when LXPACK_HVF_DOUBLE=kvm.

Where the values come from (each checked by tests/unit/test_hvf_abi.py
against the value quoted there):
  - return codes, hv_x86_reg_t, hv_vmx_capability_t, memory flags,
    prototypes: Apple's SDK headers hv_error.h, hv_types.h, hv_arch_x86.h,
    hv_vmx.h, hv.h (as quoted by applevisor, the Rust hv-sys bindings and
    QEMU's target/i386/hvf, which includes them);
  - VMCS encodings, exit reasons, control bits: Intel SDM vol. 3 appendices
    A-C, as quoted by QEMU target/i386/hvf/vmcs.h and xhyve
    include/xhyve/vmm/intel/vmcs.h (both after FreeBSD bhyve).
Data only plus load(); Travels inside bundles: Python 3.9.
"""
import ctypes
import os

FRAMEWORK = "/System/Library/Frameworks/Hypervisor.framework/Hypervisor"

# ---- hv_return_t (hv_error.h: err_common_hypervisor = 0xfae94000) ----------------
HV_SUCCESS = 0
HV_ERROR = 0xFAE94001
HV_BUSY = 0xFAE94002
HV_BAD_ARGUMENT = 0xFAE94003
HV_ILLEGAL_GUEST_STATE = 0xFAE94004
HV_NO_RESOURCES = 0xFAE94005
HV_NO_DEVICE = 0xFAE94006
HV_DENIED = 0xFAE94007
HV_EXISTS = 0xFAE94008
HV_UNSUPPORTED = 0xFAE9400F
RETURN_NAMES = {HV_SUCCESS: "HV_SUCCESS", HV_ERROR: "HV_ERROR", HV_BUSY: "HV_BUSY",
                HV_BAD_ARGUMENT: "HV_BAD_ARGUMENT", HV_ILLEGAL_GUEST_STATE: "HV_ILLEGAL_GUEST_STATE",
                HV_NO_RESOURCES: "HV_NO_RESOURCES", HV_NO_DEVICE: "HV_NO_DEVICE", HV_DENIED: "HV_DENIED",
                HV_EXISTS: "HV_EXISTS", HV_UNSUPPORTED: "HV_UNSUPPORTED"}

# ---- hv_types.h ----------------------------------------------------------------
HV_VM_DEFAULT = 0
HV_VCPU_DEFAULT = 0
HV_MEMORY_READ = 1 << 0
HV_MEMORY_WRITE = 1 << 1
HV_MEMORY_EXEC = 1 << 2
HV_DEADLINE_FOREVER = 0xFFFFFFFFFFFFFFFF

# ---- hv_x86_reg_t (hv_arch_x86.h: enum in this order) ---------------------------
_REGS = ("RIP RFLAGS RAX RCX RDX RBX RSI RDI RSP RBP R8 R9 R10 R11 R12 R13 R14 R15 "
         "CS SS DS ES FS GS IDT_BASE IDT_LIMIT GDT_BASE GDT_LIMIT LDTR LDT_BASE LDT_LIMIT LDT_AR "
         "TR TSS_BASE TSS_LIMIT TSS_AR CR0 CR1 CR2 CR3 CR4 DR0 DR1 DR2 DR3 DR4 DR5 DR6 DR7 TPR XCR0 "
         "REGISTERS_MAX").split()
REG = {n: i for i, n in enumerate(_REGS)}
globals().update({"HV_X86_" + n: i for n, i in REG.items()})
# the general registers in kvm's REG_NAMES order (runtime/vmm/kvm/_abi.py)
GPR_IDS = tuple(REG[n.upper()] for n in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9",
                                         "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"))

# ---- hv_vmx_capability_t (hv_vmx.h; CR*_FIXED* since macOS 11) ------------------
HV_VMX_CAP_PINBASED = 0
HV_VMX_CAP_PROCBASED = 1
HV_VMX_CAP_PROCBASED2 = 2
HV_VMX_CAP_ENTRY = 3
HV_VMX_CAP_EXIT = 4
HV_VMX_CAP_BASIC = 5
HV_VMX_CAP_TRUE_PINBASED = 6
HV_VMX_CAP_TRUE_PROCBASED = 7
HV_VMX_CAP_TRUE_ENTRY = 8
HV_VMX_CAP_TRUE_EXIT = 9
HV_VMX_CAP_MISC = 10
HV_VMX_CAP_CR0_FIXED0 = 11
HV_VMX_CAP_CR0_FIXED1 = 12
HV_VMX_CAP_CR4_FIXED0 = 13
HV_VMX_CAP_CR4_FIXED1 = 14
HV_VMX_CAP_VMCS_ENUM = 15
HV_VMX_CAP_EPT_VPID_CAP = 16
HV_VMX_CAP_PREEMPTION_TIMER = 32

# ---- VMCS field encodings (Intel SDM vol. 3 appendix B) --------------------------
VMCS_GUEST_ES_SELECTOR = 0x0800
VMCS_GUEST_CS_SELECTOR = 0x0802
VMCS_GUEST_SS_SELECTOR = 0x0804
VMCS_GUEST_DS_SELECTOR = 0x0806
VMCS_GUEST_FS_SELECTOR = 0x0808
VMCS_GUEST_GS_SELECTOR = 0x080A
VMCS_GUEST_LDTR_SELECTOR = 0x080C
VMCS_GUEST_TR_SELECTOR = 0x080E
VMCS_TSC_OFFSET = 0x2010
VMCS_GUEST_PHYSICAL_ADDRESS = 0x2400
VMCS_LINK_POINTER = 0x2800
VMCS_GUEST_IA32_EFER = 0x2806
VMCS_PIN_BASED_CTLS = 0x4000
VMCS_PRI_PROC_BASED_CTLS = 0x4002
VMCS_EXCEPTION_BITMAP = 0x4004
VMCS_EXIT_CTLS = 0x400C
VMCS_ENTRY_CTLS = 0x4012
VMCS_ENTRY_INTR_INFO = 0x4016
VMCS_SEC_PROC_BASED_CTLS = 0x401E
VMCS_INSTRUCTION_ERROR = 0x4400
VMCS_EXIT_REASON = 0x4402
VMCS_EXIT_INTR_INFO = 0x4404
VMCS_EXIT_INSTRUCTION_LENGTH = 0x440C
VMCS_GUEST_ES_LIMIT = 0x4800
VMCS_GUEST_CS_LIMIT = 0x4802
VMCS_GUEST_SS_LIMIT = 0x4804
VMCS_GUEST_DS_LIMIT = 0x4806
VMCS_GUEST_FS_LIMIT = 0x4808
VMCS_GUEST_GS_LIMIT = 0x480A
VMCS_GUEST_LDTR_LIMIT = 0x480C
VMCS_GUEST_TR_LIMIT = 0x480E
VMCS_GUEST_GDTR_LIMIT = 0x4810
VMCS_GUEST_IDTR_LIMIT = 0x4812
VMCS_GUEST_ES_ACCESS_RIGHTS = 0x4814
VMCS_GUEST_CS_ACCESS_RIGHTS = 0x4816
VMCS_GUEST_SS_ACCESS_RIGHTS = 0x4818
VMCS_GUEST_DS_ACCESS_RIGHTS = 0x481A
VMCS_GUEST_FS_ACCESS_RIGHTS = 0x481C
VMCS_GUEST_GS_ACCESS_RIGHTS = 0x481E
VMCS_GUEST_LDTR_ACCESS_RIGHTS = 0x4820
VMCS_GUEST_TR_ACCESS_RIGHTS = 0x4822
VMCS_GUEST_INTERRUPTIBILITY = 0x4824
VMCS_GUEST_ACTIVITY = 0x4826
VMCS_CR0_MASK = 0x6000
VMCS_CR4_MASK = 0x6002
VMCS_CR0_SHADOW = 0x6004
VMCS_CR4_SHADOW = 0x6006
VMCS_EXIT_QUALIFICATION = 0x6400
VMCS_GUEST_LINEAR_ADDRESS = 0x640A
VMCS_GUEST_CR0 = 0x6800
VMCS_GUEST_CR3 = 0x6802
VMCS_GUEST_CR4 = 0x6804
VMCS_GUEST_ES_BASE = 0x6806
VMCS_GUEST_CS_BASE = 0x6808
VMCS_GUEST_SS_BASE = 0x680A
VMCS_GUEST_DS_BASE = 0x680C
VMCS_GUEST_FS_BASE = 0x680E
VMCS_GUEST_GS_BASE = 0x6810
VMCS_GUEST_LDTR_BASE = 0x6812
VMCS_GUEST_TR_BASE = 0x6814
VMCS_GUEST_GDTR_BASE = 0x6816
VMCS_GUEST_IDTR_BASE = 0x6818
VMCS_GUEST_RSP = 0x681C
VMCS_GUEST_RIP = 0x681E
VMCS_GUEST_RFLAGS = 0x6820

# segment name -> (selector, base, limit, access rights) VMCS fields
SEG_FIELDS = {
    "es": (VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_ACCESS_RIGHTS),
    "cs": (VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_ACCESS_RIGHTS),
    "ss": (VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_ACCESS_RIGHTS),
    "ds": (VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_ACCESS_RIGHTS),
    "fs": (VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_ACCESS_RIGHTS),
    "gs": (VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_ACCESS_RIGHTS),
    "ldt": (VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT,
            VMCS_GUEST_LDTR_ACCESS_RIGHTS),
    "tr": (VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_ACCESS_RIGHTS),
}

# ---- control bits (Intel SDM vol. 3 appendix A) -----------------------------------
PIN_EXTINT_EXITING = 1 << 0
PIN_NMI_EXITING = 1 << 3
PROC_HLT_EXITING = 1 << 7
PROC_UNCOND_IO_EXITING = 1 << 24
PROC_USE_IO_BITMAPS = 1 << 25
PROC_USE_MSR_BITMAPS = 1 << 28
PROC_SECONDARY_CTLS = 1 << 31
PROC2_ENABLE_RDTSCP = 1 << 3
ENTRY_IA32E_MODE_GUEST = 1 << 9
ENTRY_LOAD_EFER = 1 << 15
EXIT_HOST_ADDR_SPACE_64 = 1 << 9
EXIT_SAVE_EFER = 1 << 20
EXIT_LOAD_EFER = 1 << 21
CR4_VMXE = 1 << 13


def cap2ctrl(cap, wanted):
    """A control word from a capability (low 32 bits: must be 1, high 32:
    may be 1) and the bits wanted: the must-be-1 bits added, bits that may
    not be 1 dropped (as QEMU's and Noah's cap2ctrl)."""
    return (wanted | (cap & 0xFFFFFFFF)) & (cap >> 32)


# ---- basic exit reasons (Intel SDM vol. 3 appendix C) ----------------------------
EXIT_REASON_EXCEPTION = 0
EXIT_REASON_EXT_INTR = 1
EXIT_REASON_TRIPLE_FAULT = 2
EXIT_REASON_INTR_WINDOW = 7
EXIT_REASON_CPUID = 10
EXIT_REASON_HLT = 12
EXIT_REASON_RDTSC = 16
EXIT_REASON_VMCALL = 18
EXIT_REASON_CR_ACCESS = 28
EXIT_REASON_INOUT = 30
EXIT_REASON_RDMSR = 31
EXIT_REASON_WRMSR = 32
EXIT_REASON_INVAL_VMCS = 33            # VM entry failed: invalid guest state
EXIT_REASON_INVAL_MSR = 34             # VM entry failed: MSR loading
EXIT_REASON_EPT_FAULT = 48
EXIT_REASON_EPT_MISCONFIG = 49
EXIT_REASON_VMX_PREEMPT = 52
EXIT_REASON_XSETBV = 55
EXIT_REASON_ENTRY_FAIL = 1 << 31       # set with the basic reason: the VM entry failed
EXIT_NAMES = {0: "EXCEPTION", 1: "EXT_INTR", 2: "TRIPLE_FAULT", 7: "INTR_WINDOW", 10: "CPUID", 12: "HLT",
              16: "RDTSC", 18: "VMCALL", 28: "CR_ACCESS", 30: "INOUT", 31: "RDMSR", 32: "WRMSR",
              33: "INVAL_VMCS", 34: "INVAL_MSR", 48: "EPT_FAULT", 49: "EPT_MISCONFIG", 52: "VMX_PREEMPT",
              55: "XSETBV"}

# I/O exit qualification (SDM table 27-5): size-1 in bits 0-2, IN in bit 3,
# string bit 4, REP bit 5, immediate operand bit 6, port in bits 16-31.
IO_QUAL_IN = 1 << 3
IO_QUAL_STRING = 1 << 4
IO_QUAL_IMM = 1 << 6


def io_port(qual):
    return (qual >> 16) & 0xFFFF


# ---- VMX segment access rights (SDM 24.4.1) ------------------------------------------
AR_UNUSABLE = 1 << 16


def seg_ar(typ, s, dpl, present, avl, l, db, g, unusable=0):
    return (typ | s << 4 | dpl << 5 | present << 7 | avl << 12 | l << 13 | db << 14 | g << 15 |
            (AR_UNUSABLE if unusable else 0))


# ---- prototypes (hv.h, hv_vmx.h) -------------------------------------------------------
_u32, _u64, _sz, _vp = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_void_p
_pu32, _pu64 = ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint64)
PROTOTYPES = {
    "hv_vm_create": [_u64],                              # hv_vm_options_t
    "hv_vm_destroy": [],
    "hv_vm_map": [_vp, _u64, _sz, _u64],                 # uva, gpa, size, hv_memory_flags_t
    "hv_vm_unmap": [_u64, _sz],
    "hv_vm_protect": [_u64, _sz, _u64],
    "hv_vm_sync_tsc": [_u64],
    "hv_vcpu_create": [_pu32, _u64],                     # hv_vcpuid_t *, hv_vcpu_options_t
    "hv_vcpu_destroy": [_u32],
    "hv_vcpu_read_register": [_u32, _u32, _pu64],
    "hv_vcpu_write_register": [_u32, _u32, _u64],
    "hv_vcpu_read_fpstate": [_u32, _vp, _sz],
    "hv_vcpu_write_fpstate": [_u32, _vp, _sz],
    "hv_vcpu_enable_native_msr": [_u32, _u32, ctypes.c_bool],
    "hv_vcpu_read_msr": [_u32, _u32, _pu64],
    "hv_vcpu_write_msr": [_u32, _u32, _u64],
    "hv_vcpu_flush": [_u32],
    "hv_vcpu_invalidate_tlb": [_u32],
    "hv_vcpu_run": [_u32],
    "hv_vcpu_run_until": [_u32, _u64],                   # macOS 10.15+
    "hv_vcpu_interrupt": [_pu32, ctypes.c_uint],
    "hv_vcpu_get_exec_time": [_u32, _pu64],
    "hv_vmx_vcpu_read_vmcs": [_u32, _u32, _pu64],
    "hv_vmx_vcpu_write_vmcs": [_u32, _u32, _u64],
    "hv_vmx_read_capability": [_u32, _pu64],
}


class HvError(Exception):
    """A Hypervisor.framework call answered something else than HV_SUCCESS."""

    def __init__(self, call, ret):
        Exception.__init__(self, "%s: %s" % (call, RETURN_NAMES.get(ret, "%#x" % ret)))
        self.call = call
        self.ret = ret


class FrameworkApi(object):
    """The real framework: each prototype a ctypes function of the library
    loaded by path (never found through a search path)."""

    needs_kick_signal = False     # hv_vcpu_interrupt needs no host signal
    name = "Hypervisor.framework"

    def __init__(self, lib):
        self.lib = lib
        for fname, args in PROTOTYPES.items():
            try:
                f = getattr(lib, fname)
            except AttributeError:        # hv_vcpu_run_until before 10.15
                continue
            f.argtypes = args
            f.restype = ctypes.c_uint32
            setattr(self, fname, f)

    def set_kick_signal(self, sig):
        pass


_API = None


def double_requested():
    """The KVM test double is asked for: LXPACK_HVF_DOUBLE=kvm, or
    `python -X lxpack_hvf_double=kvm` (the e2e suite: an -X option does not
    reach the guest's environment)."""
    import sys
    return os.environ.get("LXPACK_HVF_DOUBLE") == "kvm" or \
        getattr(sys, "_xoptions", {}).get("lxpack_hvf_double") == "kvm"


def load():
    """The API object (the framework, or the KVM double with
    LXPACK_HVF_DOUBLE=kvm); OSError when neither can be loaded."""
    global _API
    if _API is None:
        if double_requested():
            from lxpack.runtime.vmm.hvf import double
            _API = double.KvmDoubleApi()
        else:
            _API = FrameworkApi(ctypes.CDLL(FRAMEWORK))
        if os.environ.get("LXPACK_HVF_TRACE"):
            from lxpack.runtime.vmm.hvf import trace
            _API = trace.wrap(_API)
    return _API


def check(api_ret, call):
    if api_ret != HV_SUCCESS:
        raise HvError(call, api_ret)
