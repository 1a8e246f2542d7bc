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
Approximated: the capabilities (double_vmx.py); CPUID and XSETBV never
exit (KVM answers CPUID itself, from its supported table); error codes for
misuse the framework does not document are our choice.

This module holds the framework's functions and their argument checks; the
parts are: double_state.py (VM and vCPU state, registers and VMCS fields on
KVM state), double_vmx.py (capabilities, VM-entry checks), double_exits.py
(running: KVM exits as VMX exits), double_kvm.py (what this KVM does).
Reuses the kvm backend's ioctl bindings (runtime/vmm/kvm/_abi.py). Knows
CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import random
import threading

from lxpack.runtime.vmm.hvf import _cpu, double_exits, double_kvm, double_state, double_vmx
from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.kvm import _abi as K


def _out(ptr, value):
    """Write an out-parameter given as ctypes.byref(x) or a pointer."""
    obj = getattr(ptr, "_obj", None)
    if obj is not None:
        obj.value = value
    else:
        ptr[0] = value


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
                self._vm = double_state.DVm()
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
        if vm.tsc_offset is not None:
            double_kvm.set_tsc_offset(v.fd, vm.tsc_offset)

    def tsc_hz(self):
        """Not a framework call: the TSC frequency (a Mac's sysctl
        machdep.tsc.frequency), here from KVM."""
        return self._kvm_facts()["tsc_khz"] * 1000

    def _kvm_facts(self):
        """What this KVM does (double_kvm.probe), found once per process."""
        if self._facts is None:
            self._facts = double_kvm.probe()
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
            v = double_state.DVcpu(vm, vid)
            vm.next_vid += 1
            if vm.cpuid is None:
                vm.cpuid = double_kvm.supported_cpuid(vm.kvm)
            v.set_cpuid(vm.cpuid)
            self._apply_tsc(vm, v)
            vm.vcpus[vid] = v
            _out(pvid, vid)
            return H.HV_SUCCESS

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
        if field not in double_vmx.CAPS:
            return H.HV_BAD_ARGUMENT
        _out(pval, double_vmx.cap(field, self._kvm_facts()["fsgsbase"]))
        return H.HV_SUCCESS

    # registers ------------------------------------------------------------------------------
    def hv_vcpu_read_register(self, vid, reg, pval):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        val = double_state.get_reg(v, reg)
        if val is None:
            return H.HV_BAD_ARGUMENT
        _out(pval, val)
        return H.HV_SUCCESS

    def hv_vcpu_write_register(self, vid, reg, value):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        return H.HV_SUCCESS if double_state.set_reg(v, reg, value) else H.HV_BAD_ARGUMENT

    # VMCS -------------------------------------------------------------------------------------
    def hv_vmx_vcpu_read_vmcs(self, vid, field, pval):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        _out(pval, double_state.read_vmcs(v, field))
        return H.HV_SUCCESS

    def hv_vmx_vcpu_write_vmcs(self, vid, field, value):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        return H.HV_SUCCESS if double_state.write_vmcs(v, field, value) else H.HV_BAD_ARGUMENT

    # MSRs, FPU -----------------------------------------------------------------------------
    def hv_vcpu_enable_native_msr(self, vid, msr, enable):
        v = self._own(vid)
        if v is None or msr not in double_vmx.NATIVE_OK:
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

    def hv_vcpu_run_until(self, vid, deadline):
        v = self._own(vid)
        if v is None:
            return H.HV_BAD_ARGUMENT
        if v.pending_kick:
            v.pending_kick = False
            v.run.immediate_exit = 0
            return double_exits.set_exit(v, H.EXIT_REASON_EXT_INTR)
        if self._spurious and self._rng.random() < self._spurious:
            return double_exits.set_exit(v, H.EXIT_REASON_EXT_INTR)   # a host interrupt arrived while in the guest
        io = v.last_io
        v.last_io = None
        if io is not None and v.regs.rip == io[0]:
            # The VMM did not advance RIP: the `out` runs again and exits again.
            return double_exits.set_exit(v, H.EXIT_REASON_INOUT, io[1], io[2])
        return double_exits.run(self._vm, v, self._kvm_facts())
