"""What the hvf test double (double.py) lets a VMM ask for, as the real
framework does: the VMX capabilities it reports and the checks of a VM
entry against them (control words, CR0/CR4 fixed bits, IA-32e entry with
EFER.LMA, native SYSCALL MSRs). A failed check is a failed VM entry.

Approximated: the capability values are a typical Intel CPU's (the KVM host
here may be AMD); CR4.FSGSBASE is allowed only where this KVM takes it.
Knows CPUs, not Linux. Travels inside bundles: Python 3.9.
"""
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.kvm import _abi as K

# Capabilities: low 32 bits must be 1, high 32 bits may be 1 (IA32_VMX_* MSRs
# of a Skylake-class Intel CPU as a Mac's framework reports them; the
# framework adds external-interrupt and NMI exiting to the must-be-1 bits).
CAPS = {
    H.HV_VMX_CAP_PINBASED: (0x0000007F << 32) | 0x0000001F,
    H.HV_VMX_CAP_PROCBASED: (0xFFF9FFFE << 32) | 0x0401E172,
    H.HV_VMX_CAP_PROCBASED2: (0x001000FE << 32) | 0,
    H.HV_VMX_CAP_ENTRY: (0x0003FFFF << 32) | 0x000011FF,
    H.HV_VMX_CAP_EXIT: (0x007FFFFF << 32) | 0x00036FFF,
    H.HV_VMX_CAP_CR0_FIXED0: 0x80000021,
    H.HV_VMX_CAP_CR0_FIXED1: 0xFFFFFFFF,
    H.HV_VMX_CAP_CR4_FIXED0: 0x00002000,
    H.HV_VMX_CAP_CR4_FIXED1: 0x003767FF,
    H.HV_VMX_CAP_PREEMPTION_TIMER: 0,
}
_CTL_CAPS = ((H.VMCS_PIN_BASED_CTLS, H.HV_VMX_CAP_PINBASED), (H.VMCS_PRI_PROC_BASED_CTLS, H.HV_VMX_CAP_PROCBASED),
             (H.VMCS_ENTRY_CTLS, H.HV_VMX_CAP_ENTRY), (H.VMCS_EXIT_CTLS, H.HV_VMX_CAP_EXIT))
_SYSCALL_MSRS = (K.MSR_STAR, K.MSR_LSTAR, K.MSR_SFMASK)
NATIVE_OK = (K.MSR_STAR, K.MSR_LSTAR, K.MSR_CSTAR, K.MSR_SFMASK, K.MSR_KERNEL_GS_BASE, K.MSR_FS_BASE,
             K.MSR_GS_BASE, 0xC0000103)           # + IA32_TSC_AUX


def cap(field, fsgsbase):
    """Capability field's value; fsgsbase: whether this KVM takes CR4.FSGSBASE."""
    val = CAPS[field]
    if field == H.HV_VMX_CAP_CR4_FIXED1 and not fsgsbase:
        val &= ~0x10000
    return val


def entry_check(v, fsgsbase):
    """The basic reason of a failed VM entry of vCPU v (0: the entry is valid)."""
    for field, c in _CTL_CAPS:
        c = cap(c, fsgsbase)
        ctl = v.vmcs.get(field, 0)
        if ctl & (c & 0xFFFFFFFF) != (c & 0xFFFFFFFF) or ctl & ~(c >> 32) & 0xFFFFFFFF:
            return H.EXIT_REASON_INVAL_VMCS
    proc = v.vmcs.get(H.VMCS_PRI_PROC_BASED_CTLS, 0)
    if proc & H.PROC_SECONDARY_CTLS:
        c = cap(H.HV_VMX_CAP_PROCBASED2, fsgsbase)
        if v.vmcs.get(H.VMCS_SEC_PROC_BASED_CTLS, 0) & ~(c >> 32) & 0xFFFFFFFF:
            return H.EXIT_REASON_INVAL_VMCS
    for field, f0, f1 in ((H.VMCS_GUEST_CR0, H.HV_VMX_CAP_CR0_FIXED0, H.HV_VMX_CAP_CR0_FIXED1),
                          (H.VMCS_GUEST_CR4, H.HV_VMX_CAP_CR4_FIXED0, H.HV_VMX_CAP_CR4_FIXED1)):
        val = v.vmcs.get(field, 0)
        fixed0, fixed1 = cap(f0, fsgsbase), cap(f1, fsgsbase)
        if val & fixed0 != fixed0 or val & ~fixed1 & 0xFFFFFFFF:
            return H.EXIT_REASON_INVAL_VMCS
    entry = v.vmcs.get(H.VMCS_ENTRY_CTLS, 0)
    lma = bool(v.sregs.efer & 0x400)
    if bool(entry & H.ENTRY_IA32E_MODE_GUEST) != lma or (lma and not entry & H.ENTRY_LOAD_EFER):
        return H.EXIT_REASON_INVAL_VMCS
    if v.sregs.efer & 1 and not all(m in v.native for m in _SYSCALL_MSRS):
        return H.EXIT_REASON_INVAL_MSR
    return 0
