"""The Hypervisor.framework ABI module (runtime/vmm/hvf/_hv.py) against the
SDK values as open projects quote them.

Each row: (name in _hv, value, where it is quoted). Sources:
  [hv_error]  Apple hv_error.h (err_common_hypervisor 0xfae94000), quoted by
              Noah's src/vmm hvf backend and QEMU's error strings (HV_DENIED
              0xfae94007, HV_UNSUPPORTED 0xfae9400f)
  [hv_x86]    Apple hv_arch_x86.h, `#define __HV_X86_*` (macOS 10.15+ SDK)
  [hv_vmx]    Apple hv_vmx.h hv_vmx_capability_t; the macOS 11 members as in
              the Rust hv-sys bindings (HV_VMX_CAP_MISC = 10 ... EPT_VPID_CAP = 16)
  [vmcs]      QEMU target/i386/hvf/vmcs.h (from bhyve; Intel SDM vol. 3 app. B, C)
  [hv_types]  Apple hv_types.h (HV_MEMORY_READ/WRITE/EXEC = 1 << 0/1/2)
"""
import pytest

from lxpack.runtime.vmm.hvf import _hv as H

QUOTED = [
    ("HV_SUCCESS", 0, "hv_error"), ("HV_ERROR", 0xFAE94001, "hv_error"), ("HV_BUSY", 0xFAE94002, "hv_error"),
    ("HV_BAD_ARGUMENT", 0xFAE94003, "hv_error"), ("HV_NO_RESOURCES", 0xFAE94005, "hv_error"),
    ("HV_NO_DEVICE", 0xFAE94006, "hv_error"), ("HV_DENIED", 0xFAE94007, "hv_error"),
    ("HV_ILLEGAL_GUEST_STATE", 0xFAE94004, "hv_error"), ("HV_EXISTS", 0xFAE94008, "hv_error"),
    ("HV_UNSUPPORTED", 0xFAE9400F, "hv_error"),
    ("HV_MEMORY_READ", 1, "hv_types"), ("HV_MEMORY_WRITE", 2, "hv_types"), ("HV_MEMORY_EXEC", 4, "hv_types"),
    ("HV_X86_RIP", 0, "hv_x86"), ("HV_X86_RFLAGS", 1, "hv_x86"), ("HV_X86_RAX", 2, "hv_x86"),
    ("HV_X86_RCX", 3, "hv_x86"), ("HV_X86_RDX", 4, "hv_x86"), ("HV_X86_RBX", 5, "hv_x86"),
    ("HV_X86_RSI", 6, "hv_x86"), ("HV_X86_RDI", 7, "hv_x86"), ("HV_X86_RSP", 8, "hv_x86"),
    ("HV_X86_RBP", 9, "hv_x86"), ("HV_X86_R8", 10, "hv_x86"), ("HV_X86_R15", 17, "hv_x86"),
    ("HV_X86_CS", 18, "hv_x86"), ("HV_X86_SS", 19, "hv_x86"), ("HV_X86_DS", 20, "hv_x86"),
    ("HV_X86_ES", 21, "hv_x86"), ("HV_X86_FS", 22, "hv_x86"), ("HV_X86_GS", 23, "hv_x86"),
    ("HV_X86_IDT_BASE", 24, "hv_x86"), ("HV_X86_IDT_LIMIT", 25, "hv_x86"), ("HV_X86_GDT_BASE", 26, "hv_x86"),
    ("HV_X86_GDT_LIMIT", 27, "hv_x86"), ("HV_X86_LDTR", 28, "hv_x86"), ("HV_X86_LDT_AR", 31, "hv_x86"),
    ("HV_X86_TR", 32, "hv_x86"), ("HV_X86_TSS_BASE", 33, "hv_x86"), ("HV_X86_TSS_LIMIT", 34, "hv_x86"),
    ("HV_X86_TSS_AR", 35, "hv_x86"), ("HV_X86_CR0", 36, "hv_x86"), ("HV_X86_CR2", 38, "hv_x86"),
    ("HV_X86_CR3", 39, "hv_x86"), ("HV_X86_CR4", 40, "hv_x86"), ("HV_X86_DR0", 41, "hv_x86"),
    ("HV_X86_DR7", 48, "hv_x86"), ("HV_X86_TPR", 49, "hv_x86"), ("HV_X86_XCR0", 50, "hv_x86"),
    ("HV_X86_REGISTERS_MAX", 51, "hv_x86"),
    ("HV_VMX_CAP_PINBASED", 0, "hv_vmx"), ("HV_VMX_CAP_PROCBASED", 1, "hv_vmx"),
    ("HV_VMX_CAP_PROCBASED2", 2, "hv_vmx"), ("HV_VMX_CAP_ENTRY", 3, "hv_vmx"), ("HV_VMX_CAP_EXIT", 4, "hv_vmx"),
    ("HV_VMX_CAP_MISC", 10, "hv_vmx"), ("HV_VMX_CAP_CR0_FIXED0", 11, "hv_vmx"),
    ("HV_VMX_CAP_CR0_FIXED1", 12, "hv_vmx"), ("HV_VMX_CAP_CR4_FIXED0", 13, "hv_vmx"),
    ("HV_VMX_CAP_CR4_FIXED1", 14, "hv_vmx"), ("HV_VMX_CAP_VMCS_ENUM", 15, "hv_vmx"),
    ("HV_VMX_CAP_EPT_VPID_CAP", 16, "hv_vmx"), ("HV_VMX_CAP_PREEMPTION_TIMER", 32, "hv_vmx"),
    ("VMCS_GUEST_ES_SELECTOR", 0x800, "vmcs"), ("VMCS_GUEST_CS_SELECTOR", 0x802, "vmcs"),
    ("VMCS_GUEST_TR_SELECTOR", 0x80E, "vmcs"), ("VMCS_TSC_OFFSET", 0x2010, "vmcs"),
    ("VMCS_GUEST_PHYSICAL_ADDRESS", 0x2400, "vmcs"), ("VMCS_LINK_POINTER", 0x2800, "vmcs"),
    ("VMCS_GUEST_IA32_EFER", 0x2806, "vmcs"), ("VMCS_PIN_BASED_CTLS", 0x4000, "vmcs"),
    ("VMCS_PRI_PROC_BASED_CTLS", 0x4002, "vmcs"), ("VMCS_EXCEPTION_BITMAP", 0x4004, "vmcs"),
    ("VMCS_EXIT_CTLS", 0x400C, "vmcs"), ("VMCS_ENTRY_CTLS", 0x4012, "vmcs"),
    ("VMCS_ENTRY_INTR_INFO", 0x4016, "vmcs"), ("VMCS_SEC_PROC_BASED_CTLS", 0x401E, "vmcs"),
    ("VMCS_INSTRUCTION_ERROR", 0x4400, "vmcs"), ("VMCS_EXIT_REASON", 0x4402, "vmcs"),
    ("VMCS_EXIT_INTR_INFO", 0x4404, "vmcs"), ("VMCS_EXIT_INSTRUCTION_LENGTH", 0x440C, "vmcs"),
    ("VMCS_GUEST_ES_LIMIT", 0x4800, "vmcs"), ("VMCS_GUEST_GDTR_LIMIT", 0x4810, "vmcs"),
    ("VMCS_GUEST_IDTR_LIMIT", 0x4812, "vmcs"), ("VMCS_GUEST_ES_ACCESS_RIGHTS", 0x4814, "vmcs"),
    ("VMCS_GUEST_TR_ACCESS_RIGHTS", 0x4822, "vmcs"), ("VMCS_GUEST_INTERRUPTIBILITY", 0x4824, "vmcs"),
    ("VMCS_GUEST_ACTIVITY", 0x4826, "vmcs"), ("VMCS_CR0_MASK", 0x6000, "vmcs"), ("VMCS_CR4_MASK", 0x6002, "vmcs"),
    ("VMCS_CR0_SHADOW", 0x6004, "vmcs"), ("VMCS_CR4_SHADOW", 0x6006, "vmcs"),
    ("VMCS_EXIT_QUALIFICATION", 0x6400, "vmcs"), ("VMCS_GUEST_LINEAR_ADDRESS", 0x640A, "vmcs"),
    ("VMCS_GUEST_CR0", 0x6800, "vmcs"), ("VMCS_GUEST_CR3", 0x6802, "vmcs"), ("VMCS_GUEST_CR4", 0x6804, "vmcs"),
    ("VMCS_GUEST_ES_BASE", 0x6806, "vmcs"), ("VMCS_GUEST_FS_BASE", 0x680E, "vmcs"),
    ("VMCS_GUEST_GS_BASE", 0x6810, "vmcs"), ("VMCS_GUEST_TR_BASE", 0x6814, "vmcs"),
    ("VMCS_GUEST_GDTR_BASE", 0x6816, "vmcs"), ("VMCS_GUEST_IDTR_BASE", 0x6818, "vmcs"),
    ("VMCS_GUEST_RSP", 0x681C, "vmcs"), ("VMCS_GUEST_RIP", 0x681E, "vmcs"), ("VMCS_GUEST_RFLAGS", 0x6820, "vmcs"),
    ("EXIT_REASON_EXCEPTION", 0, "vmcs"), ("EXIT_REASON_EXT_INTR", 1, "vmcs"),
    ("EXIT_REASON_TRIPLE_FAULT", 2, "vmcs"), ("EXIT_REASON_CPUID", 10, "vmcs"), ("EXIT_REASON_HLT", 12, "vmcs"),
    ("EXIT_REASON_INOUT", 30, "vmcs"), ("EXIT_REASON_INVAL_VMCS", 33, "vmcs"),
    ("EXIT_REASON_INVAL_MSR", 34, "vmcs"), ("EXIT_REASON_EPT_FAULT", 48, "vmcs"),
    ("EXIT_REASON_VMX_PREEMPT", 52, "vmcs"), ("EXIT_REASON_XSETBV", 55, "vmcs"),
    # control bits (SDM vol. 3 A.3-A.5; QEMU vmx.h / vmcs.h names)
    ("PIN_EXTINT_EXITING", 1 << 0, "vmcs"), ("PIN_NMI_EXITING", 1 << 3, "vmcs"),
    ("PROC_HLT_EXITING", 1 << 7, "vmcs"), ("PROC_UNCOND_IO_EXITING", 1 << 24, "vmcs"),
    ("PROC_SECONDARY_CTLS", 1 << 31, "vmcs"), ("ENTRY_IA32E_MODE_GUEST", 1 << 9, "vmcs"),
    ("ENTRY_LOAD_EFER", 1 << 15, "vmcs"), ("EXIT_HOST_ADDR_SPACE_64", 1 << 9, "vmcs"),
]


@pytest.mark.parametrize("name,value,source", QUOTED, ids=[q[0] for q in QUOTED])
def test_abi_value_as_quoted(name, value, source):
    assert getattr(H, name) == value, "%s: %#x, %s says %#x" % (name, getattr(H, name), source, value)


def test_register_enum_is_dense_and_ordered():
    # hv_x86_reg_t is a plain C enum: every value from RIP to REGISTERS_MAX once.
    assert sorted(H.REG.values()) == list(range(H.HV_X86_REGISTERS_MAX + 1))


def test_cap2ctrl_adds_must_bits_and_drops_forbidden_ones():
    cap = (0x0000FF0F << 32) | 0x00000003       # bits 0-1 must be 1; 4-7 may not be 1
    assert H.cap2ctrl(cap, 0) == 0x3
    assert H.cap2ctrl(cap, 0xF0 | 0x100) == 0x103


def test_io_qualification_fields():
    qual = (0x10 << 16) | H.IO_QUAL_IMM         # out 0x10, al
    assert H.io_port(qual) == 0x10 and not qual & H.IO_QUAL_IN and qual & 7 == 0


def test_every_prototype_named_once():
    assert len(H.PROTOTYPES) == len(set(H.PROTOTYPES))
    for required in ("hv_vm_create", "hv_vm_map", "hv_vcpu_create", "hv_vcpu_run_until", "hv_vcpu_interrupt",
                     "hv_vmx_vcpu_read_vmcs", "hv_vmx_read_capability", "hv_vcpu_enable_native_msr",
                     "hv_vcpu_read_fpstate", "hv_vm_sync_tsc", "hv_vcpu_invalidate_tlb"):
        assert required in H.PROTOTYPES
