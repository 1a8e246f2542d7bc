"""A test double of the Intel Hypervisor.framework C API, executing through
KVM, so the hvf backend runs on Linux (LXPACK_HVF_DOUBLE=kvm).

Owns: KvmDoubleApi, one object with the framework's functions (same names,
arguments and hv_return_t results as _hv.PROTOTYPES; out-parameters are
ctypes byref()s as with the real library). VMCS and register writes become
KVM register/segment state (the kvm_run page's synced registers); KVM exits
become VMX exit reasons, qualifications and instruction lengths.

It enforces what the real framework enforces, failing as it fails:
  - one VM per process (a second hv_vm_create is HV_BUSY; in a fork child
    the parent's VM is gone: every call but hv_vm_create is HV_NO_DEVICE);
  - hv_vm_map/unmap/protect: page-aligned host and guest addresses and
    sizes (HV_BAD_ARGUMENT), no overlapping maps (HV_BAD_ARGUMENT);
  - a vCPU is used only by the thread that created it (HV_BAD_ARGUMENT;
    hv_vcpu_interrupt may come from any thread);
  - capability masks: a control word with a must-be-1 bit clear or a
    may-not-be-1 bit set, CR0/CR4 outside their fixed bits, IA-32e entry
    without EFER.LMA: the run returns with exit reason bit 31 set (a
    failed VM entry, basic reason 33) and the guest does not run;
  - native MSRs: SYSCALL with EFER.SCE needs STAR/LSTAR/SFMASK enabled
    natively (else a failed entry, reason 34);
  - I/O exits leave RIP at the `in`/`out` instruction (the VMM advances it
    by VMCS_EXIT_INSTRUCTION_LENGTH; resumed unchanged, the instruction runs
    again and exits again) and need unconditional I/O exiting;
  - spurious external-interrupt exits (reason 1) at random (1 in 40 runs,
    LXPACK_HVF_DOUBLE_SPURIOUS=0 turns them off), and one after
    hv_vcpu_interrupt.
Approximated: the capability values are a typical Intel CPU's (the KVM host
here may be AMD), CR4.FSGSBASE is allowed only where this KVM takes it;
CPUID and XSETBV never exit (KVM answers CPUID itself, from its supported
table); error codes for misuse the framework does not document are our
choice. Reuses the kvm backend's ioctl bindings (runtime/vmm/kvm/_abi.py).
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import random
import struct
import threading

from lxpack.runtime.host import fds
from lxpack.runtime.vmm.hvf import _cpu
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.kvm import _abi as K

# Capabilities: low 32 bits must be 1, high 32 bits may be 1 (IA32_VMX_* MSRs
# of a Skylake-class Intel CPU as a Mac's framework reports them; the
# framework adds external-interrupt and NMI exiting to the must-be-1 bits).
_CAPS = {
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
_NATIVE_OK = (K.MSR_STAR, K.MSR_LSTAR, K.MSR_CSTAR, K.MSR_SFMASK, K.MSR_KERNEL_GS_BASE, K.MSR_FS_BASE,
              K.MSR_GS_BASE, 0xC0000103)           # + IA32_TSC_AUX
_GPR_NAMES = {H.REG[n.upper()]: n for n in K.REG_NAMES}
_SEG_BY_REG = {H.HV_X86_CS: "cs", H.HV_X86_SS: "ss", H.HV_X86_DS: "ds", H.HV_X86_ES: "es", H.HV_X86_FS: "fs",
               H.HV_X86_GS: "gs", H.HV_X86_LDTR: "ldt", H.HV_X86_TR: "tr"}
_SEG_FIELD = {}
for _name, (_sel, _base, _lim, _ar) in H.SEG_FIELDS.items():
    _SEG_FIELD[_sel] = (_name, "selector")
    _SEG_FIELD[_base] = (_name, "base")
    _SEG_FIELD[_lim] = (_name, "limit")
    _SEG_FIELD[_ar] = (_name, "ar")
KVM_SET_DEVICE_ATTR = 0x4018AEE1
KVM_GET_TSC_KHZ = 0xAEA3


class _DeviceAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint32), ("group", ctypes.c_uint32), ("attr", ctypes.c_uint64),
                ("addr", ctypes.c_uint64)]


def _out(ptr, value):
    """Write an out-parameter given as ctypes.byref(x) or a pointer."""
    obj = getattr(ptr, "_obj", None)
    if obj is not None:
        obj.value = value
    else:
        ptr[0] = value


def _seg_to_ar(s):
    if s.unusable:
        return H.AR_UNUSABLE
    return H.seg_ar(s.type, s.s, s.dpl, s.present, s.avl, s.l, s.db, s.g)


def _ar_to_seg(s, ar):
    s.type, s.s, s.dpl, s.present = ar & 15, ar >> 4 & 1, ar >> 5 & 3, ar >> 7 & 1
    s.avl, s.l, s.db, s.g = ar >> 12 & 1, ar >> 13 & 1, ar >> 14 & 1, ar >> 15 & 1
    s.unusable = ar >> 16 & 1


class _DVcpu(object):
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


class _DVm(object):
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


class KvmDoubleApi(object):
    """The framework's functions over KVM (see the module docstring)."""

    needs_kick_signal = True           # hv_vcpu_interrupt pulls KVM_RUN out with the kick signal
    name = "Hypervisor.framework test double (KVM)"

    def __init__(self):
        self._vm = None
        self._lock = threading.Lock()
        self._kick = None
        self._spurious = float(os.environ.get("LXPACK_HVF_DOUBLE_SPURIOUS", "0.025"))
        self._rng = random.Random()
        self._facts = None             # _kvm_facts()

    def set_kick_signal(self, sig):
        self._kick = sig

    # -- the VM ---------------------------------------------------------------------------------
    def _cur(self):
        vm = self._vm
        if vm is None or vm.pid != os.getpid():
            return None
        return vm

    def hv_vm_create(self, flags):
        with self._lock:
            if self._cur() is not None:
                return H.HV_BUSY
            if flags != H.HV_VM_DEFAULT:
                return H.HV_BAD_ARGUMENT
            try:
                self._vm = _DVm()
            except OSError:
                return H.HV_NO_DEVICE
            return H.HV_SUCCESS

    def hv_vm_destroy(self):
        with self._lock:
            vm = self._cur()
            if vm is None:
                return H.HV_NO_DEVICE
            if vm.vcpus:
                return H.HV_BUSY
            vm.close()
            self._vm = None
            return H.HV_SUCCESS

    @staticmethod
    def _aligned(*vals):
        return all(v % 4096 == 0 for v in vals)

    def hv_vm_map(self, uva, gpa, size, flags):
        uva = uva.value if isinstance(uva, ctypes.c_void_p) else uva
        with self._lock:
            vm = self._cur()
            if vm is None:
                return H.HV_NO_DEVICE
            if not uva or not size or not self._aligned(uva, gpa, size) or flags & ~7:
                return H.HV_BAD_ARGUMENT
            for g, m in vm.maps.items():
                if g < gpa + size and gpa < g + m[0]:
                    return H.HV_BAD_ARGUMENT
            slot = vm.free_slots.pop() if vm.free_slots else vm.next_slot
            if slot == vm.next_slot:
                vm.next_slot += 1
            self._slot(vm, slot, gpa, size, uva, flags)
            vm.maps[gpa] = [size, uva, flags, slot]
            return H.HV_SUCCESS

    @staticmethod
    def _slot(vm, slot, gpa, size, uva, flags):
        r = K.KvmUserspaceMemoryRegion(slot=slot, flags=0 if flags & H.HV_MEMORY_WRITE or not size else 2,
                                       guest_phys_addr=gpa, memory_size=size, userspace_addr=uva)
        K.ioctl(vm.fd, K.KVM_SET_USER_MEMORY_REGION, r)

    def _exact(self, vm, gpa, size):
        m = vm.maps.get(gpa)
        return m if m is not None and m[0] == size else None

    def hv_vm_unmap(self, gpa, size):
        with self._lock:
            vm = self._cur()
            if vm is None:
                return H.HV_NO_DEVICE
            if not self._aligned(gpa, size):
                return H.HV_BAD_ARGUMENT
            m = self._exact(vm, gpa, size)
            if m is None:                       # only whole maps (what this backend does)
                return H.HV_BAD_ARGUMENT
            self._slot(vm, m[3], gpa, 0, m[1], 0)
            vm.free_slots.append(m[3])
            del vm.maps[gpa]
            return H.HV_SUCCESS

    def hv_vm_protect(self, gpa, size, flags):
        with self._lock:
            vm = self._cur()
            if vm is None:
                return H.HV_NO_DEVICE
            if not self._aligned(gpa, size) or flags & ~7:
                return H.HV_BAD_ARGUMENT
            m = self._exact(vm, gpa, size)
            if m is None:
                return H.HV_BAD_ARGUMENT
            if bool(m[2] & H.HV_MEMORY_WRITE) != bool(flags & H.HV_MEMORY_WRITE):
                self._slot(vm, m[3], gpa, 0, m[1], 0)
                self._slot(vm, m[3], gpa, size, m[1], flags)
            m[2] = flags
            return H.HV_SUCCESS

    def hv_vm_sync_tsc(self, tsc):
        vm = self._cur()
        if vm is None:
            return H.HV_NO_DEVICE
        vm.tsc_offset = (tsc - _cpu.rdtsc()) & 0xFFFFFFFFFFFFFFFF
        for v in list(vm.vcpus.values()):
            self._apply_tsc(vm, v)
        return H.HV_SUCCESS

    @staticmethod
    def _apply_tsc(vm, v):
        if vm.tsc_offset is None:
            return
        off = ctypes.c_uint64(vm.tsc_offset)
        attr = _DeviceAttr(flags=0, group=0, attr=0, addr=ctypes.addressof(off))   # KVM_VCPU_TSC_CTRL/OFFSET
        K.ioctl(v.fd, KVM_SET_DEVICE_ATTR, attr)

    def tsc_hz(self):
        """Not a framework call: the TSC frequency (a Mac's sysctl
        machdep.tsc.frequency), here from KVM."""
        return self._kvm_facts()["tsc_khz"] * 1000

    def _kvm_facts(self):
        """What this KVM does, found once per process on a scratch VM: its
        TSC frequency, whether it takes CR4.FSGSBASE (the double's
        CR4_FIXED1), and whether an `out` exit reports RIP already past the
        instruction (this host's KVM) or still on it (KVM steps over it at
        the next KVM_RUN)."""
        if self._facts is None:
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
                self._facts = dict(tsc_khz=khz, rip_after_io=r.rip == 2, fsgsbase=self._probe_fsgsbase(vc))
            finally:
                for fd in reversed(fds_):
                    os.close(fd)
                K._libc.munmap(mem, 4096)
        return self._facts

    # -- vCPUs ------------------------------------------------------------------------------
    def _own(self, vid):
        """The vCPU if the calling thread owns it, else None."""
        vm = self._cur()
        if vm is None:
            return None
        v = vm.vcpus.get(vid)
        if v is None or v.owner != threading.get_ident():
            return None
        return v

    def hv_vcpu_create(self, pvid, flags):
        with self._lock:
            vm = self._cur()
            if vm is None:
                return H.HV_NO_DEVICE
            if flags != H.HV_VCPU_DEFAULT:
                return H.HV_BAD_ARGUMENT
            vid = vm.next_vid
            v = _DVcpu(vm, vid)
            vm.next_vid += 1
            if vm.cpuid is None:
                vm.cpuid = self._kvm_cpuid(vm)
            v.set_cpuid(vm.cpuid)
            self._apply_tsc(vm, v)
            vm.vcpus[vid] = v
            _out(pvid, vid)
            return H.HV_SUCCESS

    @staticmethod
    def _kvm_cpuid(vm):
        n = 256
        c = K.cpuid2_type(n)()
        c.nent = n
        K.ioctl(vm.kvm, K.KVM_GET_SUPPORTED_CPUID, c)
        return [(e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx) for e in c.entries[:c.nent]]

    @staticmethod
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

    def hv_vcpu_destroy(self, vid):
        with self._lock:
            v = self._own(vid)
            if v is None:
                return H.HV_BAD_ARGUMENT
            K._libc.munmap(v.run_addr, self._vm.run_size)
            os.close(v.fd)
            del self._vm.vcpus[vid]
            return H.HV_SUCCESS

    def hv_vmx_read_capability(self, field, pval):
        if field not in _CAPS:
            return H.HV_BAD_ARGUMENT
        _out(pval, self._cap(field))
        return H.HV_SUCCESS

    def _cap(self, field):
        val = _CAPS[field]
        if field == H.HV_VMX_CAP_CR4_FIXED1 and not self._kvm_facts()["fsgsbase"]:
            val &= ~0x10000
        return val

    # registers ------------------------------------------------------------------------------
    def hv_vcpu_read_register(self, vid, reg, pval):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        val = self._get_reg(v, reg)
        if val is None:
            return H.HV_BAD_ARGUMENT
        _out(pval, val)
        return H.HV_SUCCESS

    def hv_vcpu_write_register(self, vid, reg, value):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        return H.HV_SUCCESS if self._set_reg(v, reg, value) else H.HV_BAD_ARGUMENT

    def _get_reg(self, v, reg):
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
                  H.HV_X86_TSS_BASE: s.tr.base, H.HV_X86_TSS_LIMIT: s.tr.limit, H.HV_X86_TSS_AR: _seg_to_ar(s.tr),
                  H.HV_X86_LDT_BASE: s.ldt.base, H.HV_X86_LDT_LIMIT: s.ldt.limit,
                  H.HV_X86_LDT_AR: _seg_to_ar(s.ldt), H.HV_X86_XCR0: v.vmcs.get("xcr0", 1)}
        return simple.get(reg)

    def _set_reg(self, v, reg, value):
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
            _ar_to_seg(s.tr, value)
        elif reg == H.HV_X86_LDT_AR:
            _ar_to_seg(s.ldt, value)
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

    # VMCS -------------------------------------------------------------------------------------
    def hv_vmx_vcpu_read_vmcs(self, vid, field, pval):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        s = v.sregs
        if field in _SEG_FIELD:
            name, what = _SEG_FIELD[field]
            seg = getattr(s, name)
            val = _seg_to_ar(seg) if what == "ar" else getattr(seg, what)
        elif field == H.VMCS_GUEST_RIP:
            val = v.regs.rip
        elif field == H.VMCS_GUEST_RSP:
            val = v.regs.rsp
        elif field == H.VMCS_GUEST_RFLAGS:
            val = v.regs.rflags
        elif field == H.VMCS_GUEST_CR3:
            val = s.cr3
        elif field == H.VMCS_GUEST_IA32_EFER:
            val = s.efer
        elif field == H.VMCS_GUEST_GDTR_BASE:
            val = s.gdt.base
        elif field == H.VMCS_GUEST_IDTR_BASE:
            val = s.idt.base
        elif field == H.VMCS_GUEST_GDTR_LIMIT:
            val = s.gdt.limit
        elif field == H.VMCS_GUEST_IDTR_LIMIT:
            val = s.idt.limit
        else:
            val = v.vmcs.get(field, 0)
        _out(pval, val)
        return H.HV_SUCCESS

    def hv_vmx_vcpu_write_vmcs(self, vid, field, value):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        value &= 0xFFFFFFFFFFFFFFFF
        s = v.sregs
        if field in _SEG_FIELD:
            name, what = _SEG_FIELD[field]
            seg = getattr(s, name)
            if what == "ar":
                _ar_to_seg(seg, value)
            else:
                setattr(seg, what, value)
        elif field in (H.VMCS_GUEST_RIP, H.VMCS_GUEST_RSP, H.VMCS_GUEST_RFLAGS):
            setattr(v.regs, {H.VMCS_GUEST_RIP: "rip", H.VMCS_GUEST_RSP: "rsp"}.get(field, "rflags"), value)
            v.dirty.value |= K.KVM_SYNC_X86_REGS
            return H.HV_SUCCESS
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
        elif field in (H.VMCS_EXIT_REASON, H.VMCS_EXIT_QUALIFICATION, H.VMCS_EXIT_INSTRUCTION_LENGTH,
                       H.VMCS_INSTRUCTION_ERROR, H.VMCS_GUEST_PHYSICAL_ADDRESS):
            return H.HV_BAD_ARGUMENT            # read-only fields
        else:
            v.vmcs[field] = value
            return H.HV_SUCCESS
        v.dirty.value |= K.KVM_SYNC_X86_SREGS
        return H.HV_SUCCESS

    # MSRs, FPU -----------------------------------------------------------------------------
    def hv_vcpu_enable_native_msr(self, vid, msr, enable):
        v = self._own(vid)
        if v is None or msr not in _NATIVE_OK:
            return H.HV_BAD_ARGUMENT
        (v.native.add if enable else v.native.discard)(msr)
        return H.HV_SUCCESS

    def _msr(self, v, msr, value=None):
        M = K.msrs_type(1)
        m = M()
        m.nmsrs = 1
        m.entries[0].index = msr
        if value is None:
            K.ioctl(v.fd, K.KVM_GET_MSRS, m)
            return m.entries[0].data
        m.entries[0].data = value
        K.ioctl(v.fd, K.KVM_SET_MSRS, m)

    def hv_vcpu_read_msr(self, vid, msr, pval):
        v = self._own(vid)
        if v is None or msr not in v.native:
            return H.HV_BAD_ARGUMENT
        _out(pval, self._msr(v, msr))
        return H.HV_SUCCESS

    def hv_vcpu_write_msr(self, vid, msr, value):
        v = self._own(vid)
        if v is None or msr not in v.native:
            return H.HV_BAD_ARGUMENT
        self._msr(v, msr, value)
        return H.HV_SUCCESS

    def hv_vcpu_read_fpstate(self, vid, buf, size):
        v = self._own(vid)
        if v is None or size < 4096:
            return H.HV_BAD_ARGUMENT
        x = K.KvmXsave()
        K.ioctl(v.fd, K.KVM_GET_XSAVE, x)
        ctypes.memmove(buf, ctypes.addressof(x), 4096)
        return H.HV_SUCCESS

    def hv_vcpu_write_fpstate(self, vid, buf, size):
        v = self._own(vid)
        if v is None or size < 4096:
            return H.HV_BAD_ARGUMENT
        x = K.KvmXsave()
        ctypes.memmove(ctypes.addressof(x), buf, 4096)
        K.ioctl(v.fd, K.KVM_SET_XSAVE, x)
        return H.HV_SUCCESS

    def hv_vcpu_invalidate_tlb(self, vid):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        v.dirty.value |= K.KVM_SYNC_X86_SREGS        # KVM flushes the guest TLB when CR3 is set
        return H.HV_SUCCESS

    def hv_vcpu_flush(self, vid):
        return H.HV_SUCCESS if self._own(vid) is not None else H.HV_BAD_ARGUMENT

    def hv_vcpu_get_exec_time(self, vid, pval):
        if self._own(vid) is None:
            return H.HV_BAD_ARGUMENT
        _out(pval, 0)
        return H.HV_SUCCESS

    # running ----------------------------------------------------------------------------------
    def hv_vcpu_interrupt(self, pvids, count):
        vm = self._cur()
        if vm is None:
            return H.HV_NO_DEVICE
        ids = [pvids._obj.value] if hasattr(pvids, "_obj") and count == 1 and \
            isinstance(pvids._obj, ctypes.c_uint32) else [pvids[i] for i in range(count)]
        for vid in ids:
            v = vm.vcpus.get(vid)
            if v is None:
                return H.HV_BAD_ARGUMENT
            v.pending_kick = True
            v.run.immediate_exit = 1
            if v.in_run and v.thread is not None and v.thread != threading.get_ident() and self._kick:
                import signal
                try:
                    signal.pthread_kill(v.thread, self._kick)
                except (OSError, ValueError):
                    pass
        return H.HV_SUCCESS

    def hv_vcpu_run(self, vid):
        return self.hv_vcpu_run_until(vid, H.HV_DEADLINE_FOREVER)

    def _exit(self, v, reason, qual=0, length=0, gpa=0):
        v.vmcs[H.VMCS_EXIT_REASON] = reason
        v.vmcs[H.VMCS_EXIT_QUALIFICATION] = qual
        v.vmcs[H.VMCS_EXIT_INSTRUCTION_LENGTH] = length
        v.vmcs[H.VMCS_GUEST_PHYSICAL_ADDRESS] = gpa
        return H.HV_SUCCESS

    def _entry_check(self, v):
        """The basic reason of a failed VM entry (0: the entry is valid)."""
        for field, cap in _CTL_CAPS:
            c = self._cap(cap)
            ctl = v.vmcs.get(field, 0)
            if ctl & (c & 0xFFFFFFFF) != (c & 0xFFFFFFFF) or ctl & ~(c >> 32) & 0xFFFFFFFF:
                return H.EXIT_REASON_INVAL_VMCS
        proc = v.vmcs.get(H.VMCS_PRI_PROC_BASED_CTLS, 0)
        if proc & H.PROC_SECONDARY_CTLS:
            c = self._cap(H.HV_VMX_CAP_PROCBASED2)
            if v.vmcs.get(H.VMCS_SEC_PROC_BASED_CTLS, 0) & ~(c >> 32) & 0xFFFFFFFF:
                return H.EXIT_REASON_INVAL_VMCS
        for field, f0, f1 in ((H.VMCS_GUEST_CR0, H.HV_VMX_CAP_CR0_FIXED0, H.HV_VMX_CAP_CR0_FIXED1),
                              (H.VMCS_GUEST_CR4, H.HV_VMX_CAP_CR4_FIXED0, H.HV_VMX_CAP_CR4_FIXED1)):
            val = v.vmcs.get(field, 0)
            if val & self._cap(f0) != self._cap(f0) or val & ~self._cap(f1) & 0xFFFFFFFF:
                return H.EXIT_REASON_INVAL_VMCS
        entry = v.vmcs.get(H.VMCS_ENTRY_CTLS, 0)
        lma = bool(v.sregs.efer & 0x400)
        if bool(entry & H.ENTRY_IA32E_MODE_GUEST) != lma or (lma and not entry & H.ENTRY_LOAD_EFER):
            return H.EXIT_REASON_INVAL_VMCS
        if v.sregs.efer & 1 and not all(m in v.native for m in _SYSCALL_MSRS):
            return H.EXIT_REASON_INVAL_MSR
        return 0

    def hv_vcpu_run_until(self, vid, deadline):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        if v.pending_kick:
            v.pending_kick = False
            v.run.immediate_exit = 0
            return self._exit(v, H.EXIT_REASON_EXT_INTR)
        if self._spurious and self._rng.random() < self._spurious:
            return self._exit(v, H.EXIT_REASON_EXT_INTR)   # a host interrupt arrived while in the guest
        io = v.last_io
        v.last_io = None
        if io is not None and v.regs.rip == io[0]:
            # The VMM did not advance RIP: the `out` runs again and exits again.
            return self._exit(v, H.EXIT_REASON_INOUT, io[1], io[2])
        bad = self._entry_check(v)
        if bad:
            return self._exit(v, H.EXIT_REASON_ENTRY_FAIL | bad)
        s = v.sregs
        s.cr0 = v.vmcs.get(H.VMCS_GUEST_CR0, s.cr0)
        s.cr4 = v.vmcs.get(H.VMCS_GUEST_CR4, s.cr4) & ~H.CR4_VMXE
        v.dirty.value |= K.KVM_SYNC_X86_SREGS if self._sregs_changed(v) else 0
        v.thread = threading.get_ident()
        v.in_run = True
        try:
            if v.pending_kick:
                v.pending_kick = False
                v.run.immediate_exit = 0
                return self._exit(v, H.EXIT_REASON_EXT_INTR)
            K.ioctl(v.fd, K.KVM_RUN)
        except OSError as e:
            import errno as _errno
            if e.errno == _errno.EINTR:
                v.run.immediate_exit = 0
                v.pending_kick = False
                return self._exit(v, H.EXIT_REASON_EXT_INTR)
            if e.errno == _errno.EFAULT:
                return self._exit(v, H.EXIT_REASON_EPT_FAULT)
            return H.HV_ERROR
        finally:
            v.in_run = False
            v.dirty.value = 0
        v.last_cr = (s.cr0, s.cr4, s.cr3, s.efer)
        reason = v.run.exit_reason
        if reason == K.KVM_EXIT_IO:
            if not v.vmcs.get(H.VMCS_PRI_PROC_BASED_CTLS, 0) & (H.PROC_UNCOND_IO_EXITING | H.PROC_USE_IO_BITMAPS):
                return H.HV_ERROR                 # the I/O would have gone to real hardware
            io = v.run.io
            length, imm = self._io_insn(v, io.port)
            qual = (io.size - 1) | (H.IO_QUAL_IN if io.direction == 0 else 0) | \
                (H.IO_QUAL_IMM if imm else 0) | (io.port << 16)
            v.last_io = (v.regs.rip, qual, length)
            return self._exit(v, H.EXIT_REASON_INOUT, qual, length)
        if reason == K.KVM_EXIT_SHUTDOWN:
            return self._exit(v, H.EXIT_REASON_TRIPLE_FAULT)
        if reason == K.KVM_EXIT_HLT:
            return self._exit(v, H.EXIT_REASON_HLT, 0, 1)
        if reason == K.KVM_EXIT_FAIL_ENTRY:
            return self._exit(v, H.EXIT_REASON_ENTRY_FAIL | H.EXIT_REASON_INVAL_VMCS)
        if reason == K.KVM_EXIT_MMIO:
            return self._exit(v, H.EXIT_REASON_EPT_FAULT, 0, 0, 0)
        if reason == K.KVM_EXIT_INTR:
            return self._exit(v, H.EXIT_REASON_EXT_INTR)
        return H.HV_ERROR

    @staticmethod
    def _sregs_changed(v):
        s = v.sregs
        return getattr(v, "last_cr", None) != (s.cr0, s.cr4, s.cr3, s.efer)

    def _io_insn(self, v, port):
        """(length, immediate form) of the `in`/`out` that exited, decoded
        from guest memory as the CPU reports it (KVM does not say), with
        RIP put back on it: some KVMs (this host's) report the exit with RIP
        already past the instruction, others step over it at the next
        KVM_RUN; VMX leaves it on the instruction."""
        rip = v.regs.rip
        dx = v.regs.rdx & 0xFFFF

        def match(code):
            pre = 1 if code[0] == 0x66 else 0
            op = code[pre]
            if op in (0xE4, 0xE5, 0xE6, 0xE7) and code[pre + 1] == port:
                return pre + 2, True
            if op in (0xEC, 0xED, 0xEE, 0xEF) and dx == port:
                return pre + 1, False
            return None

        back = 0
        if self._kvm_facts()["rip_after_io"]:
            for back in (1, 2, 3):
                code = self._read_va(v, rip - back, 3)
                m = match(code) if code is not None else None
                if m is not None and m[0] == back:
                    break
            else:
                back = 0
        code = self._read_va(v, rip - back, 3)
        m = match(code) if code is not None else None
        if m is None:
            return 1, False
        if back:
            v.regs.rip = rip - back
            v.dirty.value |= K.KVM_SYNC_X86_REGS
        return m

    def _read_va(self, v, va, n):
        """n bytes at guest-virtual va, through the guest's page tables and
        the VM's maps (None when unmapped)."""
        out = b""
        while n > 0:
            pa = self._translate(v, va)
            if pa is None:
                return None
            k = min(n, 4096 - (va & 0xFFF))
            host = self._host(pa, k)
            if host is None:
                return None
            out += ctypes.string_at(host, k)
            va += k
            n -= k
        return out

    def _host(self, pa, n):
        for g, m in self._vm.maps.items():
            if g <= pa and pa + n <= g + m[0]:
                return m[1] + (pa - g)
        return None

    def _translate(self, v, va):
        tbl = v.sregs.cr3 & 0x000FFFFFFFFFF000
        for shift in (39, 30, 21, 12):
            h = self._host(tbl + ((va >> shift) & 511) * 8, 8)
            if h is None:
                return None
            e = struct.unpack("<Q", ctypes.string_at(h, 8))[0]
            if not e & 1:
                return None
            if shift in (30, 21) and e & 0x80:
                return (e & 0x000FFFFFFFFFF000 & ~((1 << shift) - 1)) | (va & ((1 << shift) - 1))
            tbl = e & 0x000FFFFFFFFFF000
        return tbl | (va & 0xFFF)
