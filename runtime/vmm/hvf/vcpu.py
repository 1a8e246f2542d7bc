"""The hvf backend's vCPU: guest code under Hypervisor.framework, with the
kvm backend's exit protocol (runtime/vmm/kvm/vcpu.py's module docstring).

Owns: one framework vCPU (created lazily by the host thread that runs it:
framework vCPUs are thread-bound), its VMX set-up within the framework's
capabilities (IA-32e entry and load-EFER controls, unconditional I/O
exiting, CR0/CR4 inside their fixed bits with VMXE hidden by the CR4 shadow,
native SYSCALL MSRs, XCR0, the FPU), the register cache the unikernel sees
(kvm's KvmRegs/KvmSregs layout, so the kvm vCPU's exit decoding, fast-path
undo rules and register view are inherited, not copied), and the run loop:
port-I/O exits (reason 30: RIP advanced here by the instruction length),
CPUID exits answered from the host CPU, external-interrupt exits looped
over unless a stop was asked, bit 31 (a failed entry) a GuestCrash.
Knows CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import struct
import threading

from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import layout as L
from lxpack.runtime.vmm.kvm.vcpu import KvmVcpu

_FPSTATE_SIZE = 4096
_SEGS = ("cs", "ss", "ds", "es", "fs", "gs")
# the descriptors behind the selectors the guest code loads (SYSCALL/SYSRET): (type, dpl, code)
_SEL_DESC = {L.SEL_KCODE: (11, 0, True), L.SEL_KDATA: (3, 0, False), L.SEL_UCODE: (11, 3, True),
             L.SEL_UDATA: (3, 3, False), L.SEL_UCODE32: (11, 3, False)}
_GPRS = tuple(zip(K.REG_NAMES, H.GPR_IDS))


def _initial_fpstate():
    area = bytearray(_FPSTATE_SIZE)
    struct.pack_into("<H", area, 0, 0x37F)        # FCW as after FNINIT
    struct.pack_into("<I", area, 24, 0x1F80)      # MXCSR
    struct.pack_into("<Q", area, 512, 3)          # XSTATE_BV: x87 and SSE state present
    return area


class HvfVcpu(KvmVcpu):
    """One vCPU; the framework object exists from the first run on its thread."""

    def __init__(self, vm, index):
        self.vm = vm
        self.api = vm.api
        self.index = index
        self.task = None
        self.runs = 0
        self.exits = 0
        self.context = None
        self.vid = None
        self.owner = None
        self.regs = K.KvmRegs()
        self.sregs = K.KvmSregs()
        self.dirty_regs = ctypes.c_uint64(0)       # KvmVcpu._flush marks what to write here
        self.state = "user"
        self.frame = None
        self._last_spurious = None
        self._stop = False
        self.thread_ident = None
        self._fpu = _initial_fpstate()            # until the framework vCPU exists
        self._hv_seg = {}                          # segment -> (sel, base, limit, ar) as last written/read
        self._hv_cr3 = None
        self._out = ctypes.c_uint64(0)
        self._init_sregs()
        self.regs.rflags = 2
        self.regs_dirty = self.sregs_dirty = True

    def _init_sregs(self):
        s = self.sregs
        s.cr3 = L.PML4
        s.cr4 = L.CR4_PAE | L.CR4_PGE | L.CR4_OSFXSR | L.CR4_OSXMMEXCPT | L.CR4_OSXSAVE
        if self.vm.backend.has_fsgsbase:
            s.cr4 |= L.CR4_FSGSBASE
        s.cr0 = L.CR0_PE | L.CR0_MP | L.CR0_ET | L.CR0_NE | L.CR0_WP | L.CR0_AM | L.CR0_PG
        s.efer = L.EFER_SCE | L.EFER_LME | L.EFER_LMA | L.EFER_NXE
        tss = L.KBASE + L.TSS + self.index * L.TSS_SIZE
        self._seg(s.tr, L.SEL_TSS0 + 16 * self.index, 11, 0, code=False, system=True, base=tss, limit=L.TSS_LIMIT)
        self._user_segments(s)

    # -- framework calls ------------------------------------------------------------------------
    def _w(self, field, value):
        r = self.api.hv_vmx_vcpu_write_vmcs(self.vid, field, value)
        if r:
            raise H.HvError("hv_vmx_vcpu_write_vmcs(%#x)" % field, r)

    def _r(self, field):
        r = self.api.hv_vmx_vcpu_read_vmcs(self.vid, field, ctypes.byref(self._out))
        if r:
            raise H.HvError("hv_vmx_vcpu_read_vmcs(%#x)" % field, r)
        return self._out.value

    def _wreg(self, reg, value):
        r = self.api.hv_vcpu_write_register(self.vid, reg, value)
        if r:
            raise H.HvError("hv_vcpu_write_register(%d)" % reg, r)

    def _rreg(self, reg):
        r = self.api.hv_vcpu_read_register(self.vid, reg, ctypes.byref(self._out))
        if r:
            raise H.HvError("hv_vcpu_read_register(%d)" % reg, r)
        return self._out.value

    # -- creation on the running thread ---------------------------------------------------------------
    def _create_hv(self):
        be = self.vm.backend
        api = self.api
        vid = ctypes.c_uint32(0)
        H.check(api.hv_vcpu_create(ctypes.byref(vid), H.HV_VCPU_DEFAULT), "hv_vcpu_create")
        self.vid = vid.value
        self.owner = threading.get_ident()
        # Controls within the capabilities (must-be-1 bits added, may-not-be-1 dropped).
        self._w(H.VMCS_PIN_BASED_CTLS, H.cap2ctrl(be.cap(H.HV_VMX_CAP_PINBASED), 0))
        self._w(H.VMCS_PRI_PROC_BASED_CTLS, H.cap2ctrl(be.cap(H.HV_VMX_CAP_PROCBASED),
                                                       H.PROC_HLT_EXITING | H.PROC_UNCOND_IO_EXITING |
                                                       H.PROC_SECONDARY_CTLS))
        self._w(H.VMCS_SEC_PROC_BASED_CTLS, H.cap2ctrl(be.cap(H.HV_VMX_CAP_PROCBASED2), H.PROC2_ENABLE_RDTSCP))
        self._w(H.VMCS_ENTRY_CTLS, H.cap2ctrl(be.cap(H.HV_VMX_CAP_ENTRY),
                                              H.ENTRY_IA32E_MODE_GUEST | H.ENTRY_LOAD_EFER))
        self._w(H.VMCS_EXIT_CTLS, H.cap2ctrl(be.cap(H.HV_VMX_CAP_EXIT), H.EXIT_HOST_ADDR_SPACE_64))
        self._w(H.VMCS_EXCEPTION_BITMAP, 0)       # exceptions go through the guest's IDT (exit protocol)
        s = self.sregs
        cr0_fixed0 = be.cap(H.HV_VMX_CAP_CR0_FIXED0, 0x80000021)
        cr4_fixed0 = be.cap(H.HV_VMX_CAP_CR4_FIXED0, H.CR4_VMXE)
        self._w(H.VMCS_GUEST_CR0, s.cr0 | cr0_fixed0)
        self._w(H.VMCS_CR0_MASK, cr0_fixed0)
        self._w(H.VMCS_CR0_SHADOW, s.cr0)
        self._w(H.VMCS_GUEST_CR4, s.cr4 | cr4_fixed0)
        self._w(H.VMCS_CR4_MASK, cr4_fixed0)       # the guest reads CR4 without VMXE
        self._w(H.VMCS_CR4_SHADOW, s.cr4)
        self._w(H.VMCS_GUEST_IA32_EFER, s.efer)
        self._wreg(H.HV_X86_GDT_BASE, L.KBASE + L.GDT)
        self._wreg(H.HV_X86_GDT_LIMIT, L.SEL_TSS0 + 16 * L.MAX_VCPUS - 1)
        self._wreg(H.HV_X86_IDT_BASE, L.KBASE + L.IDT)
        self._wreg(H.HV_X86_IDT_LIMIT, 256 * 16 - 1)
        self._write_seg("tr", s.tr)
        self._w(H.VMCS_GUEST_LDTR_SELECTOR, 0)
        self._w(H.VMCS_GUEST_LDTR_BASE, 0)
        self._w(H.VMCS_GUEST_LDTR_LIMIT, 0)
        self._w(H.VMCS_GUEST_LDTR_ACCESS_RIGHTS, H.AR_UNUSABLE)
        self._w(H.VMCS_GUEST_INTERRUPTIBILITY, 0)
        self._w(H.VMCS_GUEST_ACTIVITY, 0)
        for msr in (K.MSR_STAR, K.MSR_LSTAR, K.MSR_CSTAR, K.MSR_SFMASK, K.MSR_KERNEL_GS_BASE,
                    K.MSR_FS_BASE, K.MSR_GS_BASE):
            H.check(api.hv_vcpu_enable_native_msr(self.vid, msr, True), "hv_vcpu_enable_native_msr")
        for msr, val in ((K.MSR_STAR, (L.SEL_UCODE32 << 48) | (L.SEL_KCODE << 32)), (K.MSR_LSTAR, L.TRAMPOLINE),
                         (K.MSR_CSTAR, 0), (K.MSR_SFMASK, 0x47700), (K.MSR_KERNEL_GS_BASE, 0)):
            H.check(api.hv_vcpu_write_msr(self.vid, msr, val), "hv_vcpu_write_msr")
        from lxpack.runtime.vmm.hvf import _cpu
        a, _, _, d = _cpu.cpuid(0xD, 0)
        self._wreg(H.HV_X86_XCR0, ((a | d << 32) & 0xE7) | 3)
        self._write_fpu(self._fpu)
        self._hv_seg = {}
        self._hv_cr3 = None
        self.regs_dirty = self.sregs_dirty = True

    def _write_fpu(self, area):
        buf = (ctypes.c_char * _FPSTATE_SIZE).from_buffer_copy(bytes(area))
        H.check(self.api.hv_vcpu_write_fpstate(self.vid, buf, _FPSTATE_SIZE), "hv_vcpu_write_fpstate")

    def _read_fpu(self):
        buf = (ctypes.c_char * _FPSTATE_SIZE)()
        H.check(self.api.hv_vcpu_read_fpstate(self.vid, buf, _FPSTATE_SIZE), "hv_vcpu_read_fpstate")
        return bytearray(buf.raw)

    def _mine(self):
        return self.vid is not None and self.owner == threading.get_ident()

    def destroy(self):
        if self._mine():
            self.api.hv_vcpu_destroy(self.vid)
        self.vid = None

    # -- state between the cache and the framework -------------------------------------------------------
    @staticmethod
    def _seg_tuple(seg):
        ar = H.AR_UNUSABLE if seg.unusable else H.seg_ar(seg.type, seg.s, seg.dpl, seg.present, seg.avl, seg.l,
                                                         seg.db, seg.g)
        return (seg.selector, seg.base, seg.limit, ar)

    def _write_seg(self, name, seg):
        t = self._seg_tuple(seg)
        if self._hv_seg.get(name) == t:
            return
        sel_f, base_f, lim_f, ar_f = H.SEG_FIELDS[name]
        old = self._hv_seg.get(name)
        if old is None or old[0] != t[0]:
            self._w(sel_f, t[0])
        if old is None or old[1] != t[1]:
            self._w(base_f, t[1])
        if old is None or old[2] != t[2]:
            self._w(lim_f, t[2])
        if old is None or old[3] != t[3]:
            self._w(ar_f, t[3])
        self._hv_seg[name] = t

    def _push(self):
        bits = self.dirty_regs.value
        self.dirty_regs.value = 0
        if bits & K.KVM_SYNC_X86_REGS:
            r = self.regs
            w = self.api.hv_vcpu_write_register
            vid = self.vid
            for name, reg in _GPRS:
                w(vid, reg, getattr(r, name))
        if bits & K.KVM_SYNC_X86_SREGS:
            s = self.sregs
            for name in _SEGS:
                self._write_seg(name, getattr(s, name))
            if self._hv_cr3 != s.cr3:
                self._wreg(H.HV_X86_CR3, s.cr3)
                self._hv_cr3 = s.cr3
            # the page tables may have changed (KvmVcpu._flush): drop cached translations
            H.check(self.api.hv_vcpu_invalidate_tlb(self.vid), "hv_vcpu_invalidate_tlb")

    def _pull(self):
        r = self.regs
        rd = self.api.hv_vcpu_read_register
        vid = self.vid
        out = self._out
        ref = ctypes.byref(out)
        for name, reg in _GPRS:
            rd(vid, reg, ref)
            setattr(r, name, out.value)
        s = self.sregs
        for name, sel_reg in (("cs", H.HV_X86_CS), ("ss", H.HV_X86_SS)):
            sel = self._rreg(sel_reg)
            seg = getattr(s, name)
            if sel != seg.selector:
                if sel in _SEL_DESC:
                    typ, dpl, code = _SEL_DESC[sel]
                    self._seg(seg, sel, typ, dpl, code=code)
                    self._hv_seg[name] = self._seg_tuple(seg)
                else:
                    # e.g. SS = 0 after an exception from user mode: unknown
                    # here, so the next write puts the whole segment back.
                    self._hv_seg.pop(name, None)
        for name, field in (("fs", H.VMCS_GUEST_FS_BASE), ("gs", H.VMCS_GUEST_GS_BASE)):
            base_ = self._r(field)
            seg = getattr(s, name)
            if base_ != seg.base:
                seg.base = base_
                old = self._hv_seg.get(name)
                if old is not None:
                    self._hv_seg[name] = (old[0], base_, old[2], old[3])

    # -- FPU (signal frames) ------------------------------------------------------------------------
    def get_fpu_state(self):
        if self._mine():
            self._fpu = self._read_fpu()
        return bytes(self._fpu[:512])

    def set_fpu_state(self, area):
        if self._mine():
            self._fpu = self._read_fpu()
        self._fpu[:512] = bytes(area[:512])
        struct.pack_into("<Q", self._fpu, 512, struct.unpack_from("<Q", self._fpu, 512)[0] | 3)
        if self._mine():
            self._write_fpu(self._fpu)

    # -- running ---------------------------------------------------------------------------------------
    def request_stop(self):
        self._stop = True
        if self.vid is not None and self.owner != threading.get_ident():
            vid = ctypes.c_uint32(self.vid)
            self.api.hv_vcpu_interrupt(ctypes.byref(vid), 1)

    def run(self, handler):
        self.thread_ident = threading.get_ident()
        if self.vid is None or self.owner != self.thread_ident:
            self._create_hv()
        self._stop = False
        api = self.api
        try:
            while True:
                if self.state == "exception":
                    self.set_regs({"rip": self.frame["rip"]})
                self._flush()
                if self._stop:
                    return base.StopExit()
                enter = handler.guest_enter
                leave = handler.guest_leave
                if enter is not None:
                    enter(self)
                try:
                    if self.vid is None:      # a fork child, back from the fork inside this loop
                        self._create_hv()
                        self._flush()
                    self._push()
                    r = api.hv_vcpu_run_until(self.vid, H.HV_DEADLINE_FOREVER)
                finally:
                    if leave is not None:
                        leave(self)
                if r != H.HV_SUCCESS:
                    raise base.GuestCrash("hv_vcpu_run_until: %s" % H.RETURN_NAMES.get(r, "%#x" % r))
                self.exits += 1
                reason = self._r(H.VMCS_EXIT_REASON)
                self._pull()
                basic = reason & 0xFFFF
                if reason & H.EXIT_REASON_ENTRY_FAIL:
                    self._crash("VM entry failed (exit reason %#x: %s)" % (reason, H.EXIT_NAMES.get(basic, basic)))
                if basic == H.EXIT_REASON_INOUT:
                    qual = self._r(H.VMCS_EXIT_QUALIFICATION)
                    # The framework leaves RIP at the instruction: step over it.
                    self.regs.rip += self._r(H.VMCS_EXIT_INSTRUCTION_LENGTH)
                    self.regs_dirty = True
                    port = H.io_port(qual)
                    if port == L.PORT_SYSCALL:
                        self.state = "syscall"
                        self._last_spurious = None
                        be = self.vm.backend
                        if not be.cpl_checked:
                            be.cpl_checked = True
                            if (self._r(H.VMCS_GUEST_CS_ACCESS_RIGHTS) >> 5) & 3 == 3:
                                self.vm.patch_cpl3_syscall()
                        handler.syscall(self)
                        if self._stop:
                            return base.StopExit()
                        continue
                    if port >= L.PORT_EXC:
                        self.sregs.cr2 = self._rreg(H.HV_X86_CR2)
                        ex = self._exception(port - L.PORT_EXC)
                        be = self.vm.backend
                        if isinstance(ex, base.FaultExit) and ex.kind == "general_protection" and \
                                not be.cpl3_syscall and \
                                ex.rip == L.TRAMPOLINE + L.SYSRET_OFFSET:
                            # SYSCALL left CPL at 3 (a KVM quirk the double may sit on) and a call served
                            # in the VM reached sysretq before any exit showed it: patch, run it again.
                            be.cpl_checked = True
                            self.vm.patch_cpl3_syscall()
                            continue
                        if ex is not None:
                            return ex
                        continue
                    self._crash("I/O to unexpected port %#x" % port)
                if basic in (H.EXIT_REASON_EXT_INTR, H.EXIT_REASON_VMX_PREEMPT, H.EXIT_REASON_INTR_WINDOW):
                    # A host interrupt or hv_vcpu_interrupt: stop only if asked to.
                    if self._stop:
                        if self._interrupted_at():
                            return base.StopExit()
                        self._stop = False        # inside an exception stub: let it exit first
                    continue
                if basic == H.EXIT_REASON_CPUID:
                    self._cpuid()
                    continue
                self._crash("unexpected VM exit %s" % H.EXIT_NAMES.get(basic, basic))
        finally:
            self.runs += 1

    def _cpuid(self):
        r = self.regs
        cr4 = self.sregs.cr4
        r.rax, r.rbx, r.rcx, r.rdx = self.vm.backend.guest_cpuid(r.rax & 0xFFFFFFFF, r.rcx & 0xFFFFFFFF,
                                                                 self.index, cr4)
        r.rip += self._r(H.VMCS_EXIT_INSTRUCTION_LENGTH)
        self.regs_dirty = True

    def _interrupted_at(self):
        ok = KvmVcpu._interrupted_at(self)
        if ok and self._stop:
            # the request was honoured; a later run starts afresh
            pass
        return ok

    def _kread(self, va, n):
        # SAFETY: kernel virtual addresses map phys 0-2 MiB of this image's reservation.
        return ctypes.string_at(self.vm.host_base + (va - L.KBASE), n)

    def _crash(self, what):
        r = self.regs
        regs = " ".join("%s=%#x" % (n, getattr(r, n)) for n in K.REG_NAMES)
        raise base.GuestCrash("%s; %s cs=%#x" % (what, regs, self.sregs.cs.selector))

    # -- fork ----------------------------------------------------------------------------------------
    def export_state(self):
        if self._mine():
            self._fpu = self._read_fpu()
        regs = K.KvmRegs()
        ctypes.memmove(ctypes.addressof(regs), ctypes.addressof(self.regs), ctypes.sizeof(regs))
        sregs = K.KvmSregs()
        ctypes.memmove(ctypes.addressof(sregs), ctypes.addressof(self.sregs), ctypes.sizeof(sregs))
        return (bytearray(self._fpu), self.state, regs, sregs, dict(self.frame) if self.frame else None)

    def recreate(self, st):
        fpu, state, regs, sregs, frame = st
        self.exits = self.runs = 0
        self.vid = None                   # the child's thread makes it at its next run
        self.owner = None
        self._fpu = fpu
        self.regs = regs
        self.sregs = sregs
        self.state = state
        self.frame = frame
        self._hv_seg = {}
        self._hv_cr3 = None
        self.regs_dirty = self.sregs_dirty = True
