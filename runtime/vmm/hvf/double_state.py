"""The hvf test double's VM and vCPU state (double.py): a KVM VM and vCPUs
plus what KVM has no place for (controls, CR shadows, the last exit), and
the framework's registers and VMCS guest fields read and written as KVM
register and segment state (the kvm_run page's synced registers).

Reuses the kvm backend's ioctl bindings (runtime/vmm/kvm/_abi.py). Knows
CPUs, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import threading

from lxpack.runtime.host import fds
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.kvm import _abi as K

_GPR_NAMES = {H.REG[n.upper()]: n for n in K.REG_NAMES}
_SEG_BY_REG = {H.HV_X86_CS: "cs", H.HV_X86_SS: "ss", H.HV_X86_DS: "ds", H.HV_X86_ES: "es", H.HV_X86_FS: "fs",
               H.HV_X86_GS: "gs", H.HV_X86_LDTR: "ldt", H.HV_X86_TR: "tr"}
_SEG_FIELD = {}
for _name, (_sel, _base, _lim, _ar) in H.SEG_FIELDS.items():
    _SEG_FIELD[_sel] = (_name, "selector")
    _SEG_FIELD[_base] = (_name, "base")
    _SEG_FIELD[_lim] = (_name, "limit")
    _SEG_FIELD[_ar] = (_name, "ar")
# VMCS exit fields: the double writes them, the VMM only reads them.
READ_ONLY_FIELDS = (H.VMCS_EXIT_REASON, H.VMCS_EXIT_QUALIFICATION, H.VMCS_EXIT_INSTRUCTION_LENGTH,
                    H.VMCS_INSTRUCTION_ERROR, H.VMCS_GUEST_PHYSICAL_ADDRESS)


def seg_to_ar(s):
    if s.unusable:
        return H.AR_UNUSABLE
    return H.seg_ar(s.type, s.s, s.dpl, s.present, s.avl, s.l, s.db, s.g)


def ar_to_seg(s, ar):
    s.type, s.s, s.dpl, s.present = ar & 15, ar >> 4 & 1, ar >> 5 & 3, ar >> 7 & 1
    s.avl, s.l, s.db, s.g = ar >> 12 & 1, ar >> 13 & 1, ar >> 14 & 1, ar >> 15 & 1
    s.unusable = ar >> 16 & 1


class DVcpu(object):
    """One vCPU of the double: a KVM vCPU plus the VMCS fields KVM has no
    place for (controls, CR shadows, the last exit)."""

    def __init__(self, dvm, vid):
        self.vid = vid
        self.owner = threading.get_ident()
        self.fd = fds.move_high(K.ioctl(dvm.fd, K.KVM_CREATE_VCPU, vid), fds.OFFSET_VMM)
        self.run_addr = K.mmap(dvm.run_size, K.PROT_READ | K.PROT_WRITE, K.MAP_SHARED, self.fd, 0)
        # SAFETY: the kvm_run page stays mapped while this vCPU exists (unmapped in destroy).
        self.run = K.KvmRunHead.from_address(self.run_addr)
        self.valid = ctypes.c_uint64.from_address(self.run_addr + K.RUN_VALID_REGS)
        self.dirty = ctypes.c_uint64.from_address(self.run_addr + K.RUN_DIRTY_REGS)
        self.valid.value = K.KVM_SYNC_X86_REGS | K.KVM_SYNC_X86_SREGS
        self.regs = K.KvmRegs.from_address(self.run_addr + K.RUN_SYNC_REGS)
        self.sregs = K.KvmSregs.from_address(self.run_addr + K.RUN_SYNC_REGS + ctypes.sizeof(K.KvmRegs))
        K.ioctl(self.fd, K.KVM_GET_REGS, self.regs)
        K.ioctl(self.fd, K.KVM_GET_SREGS, self.sregs)
        self.vmcs = {}                 # controls, CR0/CR4 as the VMM wrote them, exit fields
        self.native = set()
        self.pending_kick = False
        self.last_io = None            # (rip, qualification, length) of the last I/O exit
        self.in_run = False
        self.thread = None

    def set_cpuid(self, ents):
        T = K.cpuid2_type(len(ents))
        c = T()
        c.nent = len(ents)
        for i, (f, idx, fl, a, b, cc, d) in enumerate(ents):
            e = c.entries[i]
            e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx = f, idx, fl, a, b, cc, d
            if f == 1:
                e.ebx = (e.ebx & 0x00FFFFFF) | (self.vid << 24)
        K.ioctl(self.fd, K.KVM_SET_CPUID2, c)


class DVm(object):
    def __init__(self):
        self.pid = os.getpid()
        self.kvm = fds.move_high(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC), fds.OFFSET_VMM)
        self.fd = fds.move_high(K.ioctl(self.kvm, K.KVM_CREATE_VM, 0), fds.OFFSET_VMM)
        self.run_size = K.ioctl(self.kvm, K.KVM_GET_VCPU_MMAP_SIZE)
        self.maps = {}                 # gpa -> [size, uva, flags, slot]
        self.free_slots = []
        self.next_slot = 0
        self.vcpus = {}
        self.next_vid = 0
        self.tsc_offset = None         # guest TSC - host TSC once hv_vm_sync_tsc was called
        self.cpuid = None

    def close(self):
        for fd in (self.fd, self.kvm):
            try:
                os.close(fd)
            except OSError:
                pass


def get_reg(v, reg):
    """The framework register reg of vCPU v, or None for one it does not have."""
    name = _GPR_NAMES.get(reg)
    if name is not None:
        return getattr(v.regs, name)
    s = v.sregs
    if reg in _SEG_BY_REG:
        return getattr(s, _SEG_BY_REG[reg]).selector
    if reg == H.HV_X86_CR0:
        return v.vmcs.get(H.VMCS_GUEST_CR0, s.cr0)
    if reg == H.HV_X86_CR4:
        return v.vmcs.get(H.VMCS_GUEST_CR4, s.cr4)
    simple = {H.HV_X86_CR2: s.cr2, H.HV_X86_CR3: s.cr3, H.HV_X86_IDT_BASE: s.idt.base,
              H.HV_X86_IDT_LIMIT: s.idt.limit, H.HV_X86_GDT_BASE: s.gdt.base, H.HV_X86_GDT_LIMIT: s.gdt.limit,
              H.HV_X86_TSS_BASE: s.tr.base, H.HV_X86_TSS_LIMIT: s.tr.limit, H.HV_X86_TSS_AR: seg_to_ar(s.tr),
              H.HV_X86_LDT_BASE: s.ldt.base, H.HV_X86_LDT_LIMIT: s.ldt.limit,
              H.HV_X86_LDT_AR: seg_to_ar(s.ldt), H.HV_X86_XCR0: v.vmcs.get("xcr0", 1)}
    return simple.get(reg)


def set_reg(v, reg, value):
    """Write the framework register reg of vCPU v; False for one it does not have."""
    value &= 0xFFFFFFFFFFFFFFFF
    name = _GPR_NAMES.get(reg)
    if name is not None:
        setattr(v.regs, name, value)
        v.dirty.value |= K.KVM_SYNC_X86_REGS
        return True
    s = v.sregs
    if reg in _SEG_BY_REG:
        getattr(s, _SEG_BY_REG[reg]).selector = value
    elif reg == H.HV_X86_CR0:
        v.vmcs[H.VMCS_GUEST_CR0] = value
    elif reg == H.HV_X86_CR4:
        v.vmcs[H.VMCS_GUEST_CR4] = value
    elif reg == H.HV_X86_CR2:
        s.cr2 = value
    elif reg == H.HV_X86_CR3:
        s.cr3 = value
    elif reg == H.HV_X86_IDT_BASE:
        s.idt.base = value
    elif reg == H.HV_X86_IDT_LIMIT:
        s.idt.limit = value
    elif reg == H.HV_X86_GDT_BASE:
        s.gdt.base = value
    elif reg == H.HV_X86_GDT_LIMIT:
        s.gdt.limit = value
    elif reg == H.HV_X86_TSS_BASE:
        s.tr.base = value
    elif reg == H.HV_X86_TSS_LIMIT:
        s.tr.limit = value
    elif reg == H.HV_X86_TSS_AR:
        ar_to_seg(s.tr, value)
    elif reg == H.HV_X86_LDT_AR:
        ar_to_seg(s.ldt, value)
    elif reg == H.HV_X86_XCR0:
        xcrs = K.KvmXcrs()
        xcrs.nr_xcrs = 1
        xcrs.xcrs[0].xcr = 0
        xcrs.xcrs[0].value = value
        try:
            K.ioctl(v.fd, K.KVM_SET_XCRS, xcrs)
        except OSError:
            return False
        v.vmcs["xcr0"] = value
        return True
    else:
        return False
    v.dirty.value |= K.KVM_SYNC_X86_SREGS
    return True


def read_vmcs(v, field):
    """The VMCS field of vCPU v (0 for one never written)."""
    s = v.sregs
    if field in _SEG_FIELD:
        name, what = _SEG_FIELD[field]
        seg = getattr(s, name)
        return seg_to_ar(seg) if what == "ar" else getattr(seg, what)
    if field == H.VMCS_GUEST_RIP:
        return v.regs.rip
    if field == H.VMCS_GUEST_RSP:
        return v.regs.rsp
    if field == H.VMCS_GUEST_RFLAGS:
        return v.regs.rflags
    if field == H.VMCS_GUEST_CR3:
        return s.cr3
    if field == H.VMCS_GUEST_IA32_EFER:
        return s.efer
    if field == H.VMCS_GUEST_GDTR_BASE:
        return s.gdt.base
    if field == H.VMCS_GUEST_IDTR_BASE:
        return s.idt.base
    if field == H.VMCS_GUEST_GDTR_LIMIT:
        return s.gdt.limit
    if field == H.VMCS_GUEST_IDTR_LIMIT:
        return s.idt.limit
    return v.vmcs.get(field, 0)


def write_vmcs(v, field, value):
    """Write the VMCS field of vCPU v; False for a read-only (exit) field."""
    value &= 0xFFFFFFFFFFFFFFFF
    s = v.sregs
    if field in _SEG_FIELD:
        name, what = _SEG_FIELD[field]
        seg = getattr(s, name)
        if what == "ar":
            ar_to_seg(seg, value)
        else:
            setattr(seg, what, value)
    elif field in (H.VMCS_GUEST_RIP, H.VMCS_GUEST_RSP, H.VMCS_GUEST_RFLAGS):
        setattr(v.regs, {H.VMCS_GUEST_RIP: "rip", H.VMCS_GUEST_RSP: "rsp"}.get(field, "rflags"), value)
        v.dirty.value |= K.KVM_SYNC_X86_REGS
        return True
    elif field == H.VMCS_GUEST_CR3:
        s.cr3 = value
    elif field == H.VMCS_GUEST_IA32_EFER:
        s.efer = value
    elif field == H.VMCS_GUEST_GDTR_BASE:
        s.gdt.base = value
    elif field == H.VMCS_GUEST_IDTR_BASE:
        s.idt.base = value
    elif field == H.VMCS_GUEST_GDTR_LIMIT:
        s.gdt.limit = value
    elif field == H.VMCS_GUEST_IDTR_LIMIT:
        s.idt.limit = value
    elif field in READ_ONLY_FIELDS:
        return False
    else:
        v.vmcs[field] = value
        return True
    v.dirty.value |= K.KVM_SYNC_X86_SREGS
    return True
