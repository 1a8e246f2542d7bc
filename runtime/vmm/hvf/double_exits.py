"""How the hvf test double (double.py) runs a vCPU: the VM-entry check, one
KVM_RUN, and KVM's exit told as VMX tells it (exit reason, qualification,
instruction length, RIP left on an `in`/`out`), decoding the I/O
instruction from guest memory through the guest's page tables.

Reuses the kvm backend's ioctl bindings (runtime/vmm/kvm/_abi.py). Knows
CPUs and memory, not Linux. Travels inside bundles: Python 3.9.
"""
import ctypes
import errno
import struct
import threading

from lxpack.runtime.vmm.hvf import _hv as H
from lxpack.runtime.vmm.hvf import double_vmx
from lxpack.runtime.vmm.kvm import _abi as K


def set_exit(v, reason, qual=0, length=0, gpa=0):
    """Record an exit in vCPU v's VMCS exit fields; the run call's result."""
    v.vmcs[H.VMCS_EXIT_REASON] = reason
    v.vmcs[H.VMCS_EXIT_QUALIFICATION] = qual
    v.vmcs[H.VMCS_EXIT_INSTRUCTION_LENGTH] = length
    v.vmcs[H.VMCS_GUEST_PHYSICAL_ADDRESS] = gpa
    return H.HV_SUCCESS


def run(vm, v, facts):
    """Enter the guest of vCPU v once (a failed entry does not run it) and
    record the exit; an hv_return_t."""
    bad = double_vmx.entry_check(v, facts["fsgsbase"])
    if bad:
        return set_exit(v, H.EXIT_REASON_ENTRY_FAIL | bad)
    s = v.sregs
    s.cr0 = v.vmcs.get(H.VMCS_GUEST_CR0, s.cr0)
    s.cr4 = v.vmcs.get(H.VMCS_GUEST_CR4, s.cr4) & ~H.CR4_VMXE
    v.dirty.value |= K.KVM_SYNC_X86_SREGS if _sregs_changed(v) else 0
    v.thread = threading.get_ident()
    v.in_run = True
    try:
        if v.pending_kick:
            v.pending_kick = False
            v.run.immediate_exit = 0
            return set_exit(v, H.EXIT_REASON_EXT_INTR)
        K.ioctl(v.fd, K.KVM_RUN)
    except OSError as e:
        if e.errno == errno.EINTR:
            v.run.immediate_exit = 0
            v.pending_kick = False
            return set_exit(v, H.EXIT_REASON_EXT_INTR)
        if e.errno == errno.EFAULT:
            return set_exit(v, H.EXIT_REASON_EPT_FAULT)
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
        length, imm = _io_insn(vm, v, io.port, facts["rip_after_io"])
        qual = (io.size - 1) | (H.IO_QUAL_IN if io.direction == 0 else 0) | \
            (H.IO_QUAL_IMM if imm else 0) | (io.port << 16)
        v.last_io = (v.regs.rip, qual, length)
        return set_exit(v, H.EXIT_REASON_INOUT, qual, length)
    if reason == K.KVM_EXIT_SHUTDOWN:
        return set_exit(v, H.EXIT_REASON_TRIPLE_FAULT)
    if reason == K.KVM_EXIT_HLT:
        return set_exit(v, H.EXIT_REASON_HLT, 0, 1)
    if reason == K.KVM_EXIT_FAIL_ENTRY:
        return set_exit(v, H.EXIT_REASON_ENTRY_FAIL | H.EXIT_REASON_INVAL_VMCS)
    if reason == K.KVM_EXIT_MMIO:
        return set_exit(v, H.EXIT_REASON_EPT_FAULT, 0, 0, 0)
    if reason == K.KVM_EXIT_INTR:
        return set_exit(v, H.EXIT_REASON_EXT_INTR)
    return H.HV_ERROR


def _sregs_changed(v):
    s = v.sregs
    return getattr(v, "last_cr", None) != (s.cr0, s.cr4, s.cr3, s.efer)


def _io_insn(vm, v, port, rip_after_io):
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
    if rip_after_io:
        for back in (1, 2, 3):
            code = read_va(vm, v, rip - back, 3)
            m = match(code) if code is not None else None
            if m is not None and m[0] == back:
                break
        else:
            back = 0
    code = read_va(vm, v, rip - back, 3)
    m = match(code) if code is not None else None
    if m is None:
        return 1, False
    if back:
        v.regs.rip = rip - back
        v.dirty.value |= K.KVM_SYNC_X86_REGS
    return m


def read_va(vm, v, va, n):
    """n bytes at guest-virtual va, through the guest's page tables and
    the VM's maps (None when unmapped)."""
    out = b""
    while n > 0:
        pa = _translate(vm, v, va)
        if pa is None:
            return None
        k = min(n, 4096 - (va & 0xFFF))
        host = _host(vm, pa, k)
        if host is None:
            return None
        out += ctypes.string_at(host, k)
        va += k
        n -= k
    return out


def _host(vm, pa, n):
    for g, m in vm.maps.items():
        if g <= pa and pa + n <= g + m[0]:
            return m[1] + (pa - g)
    return None


def _translate(vm, v, va):
    tbl = v.sregs.cr3 & 0x000FFFFFFFFFF000
    for shift in (39, 30, 21, 12):
        h = _host(vm, tbl + ((va >> shift) & 511) * 8, 8)
        if h is None:
            return None
        e = struct.unpack("<Q", ctypes.string_at(h, 8))[0]
        if not e & 1:
            return None
        if shift in (30, 21) and e & 0x80:
            return (e & 0x000FFFFFFFFFF000 & ~((1 << shift) - 1)) | (va & ((1 << shift) - 1))
        tbl = e & 0x000FFFFFFFFFF000
    return tbl | (va & 0xFFF)
