"""The kvm fast path: which system calls the guest entry code
(unikernel/guest/entry.S, assembled to entry.bin) serves inside the VM, and
how such a call is undone or finished when it is interrupted or faults.

Owns: the table of served functions keyed by Linux syscall number (NR_*
names of lxpack.abi), their offsets in entry.bin (checked against its
symbols by tests/unit/test_guest_entry.py), the CPU feature each needs, and
the undo and fault rules the vCPU applies (vcpu.py). The values of calls
answered from a table (getpid, getuid ... : FASTVALS) are the unikernel's
to choose (InVmAssist.set_fast_syscalls); the guest code serves any number.
Imports lxpack.abi only (never the unikernel). Travels inside bundles:
Python 3.9.

The rules, as entry.S's functions are written: a function changes no
register but rax until its `saved` label; from there to its end it has
saved state in SCRATCH that an interrupted or faulting call must undo.
  - Interrupted (a kick ended KVM_RUN inside it): undo, and run the
    `syscall` again from the start.
  - A spurious page fault (a stale translation): undo and run it again.
  - A real fault on a user address: finish the call as Linux would, with
    -EFAULT; getrandom returns the bytes it wrote before the fault, and a
    faulting rt_sigprocmask keeps the new mask it had set (a bad old-set
    pointer is found after the mask changed, as in Linux).
"""
import struct

from lxpack.abi.errno import EFAULT
from lxpack.abi.syscalls_x86_64 import (NR_arch_prctl, NR_brk, NR_getcpu, NR_getrandom, NR_mmap, NR_munmap,
                                        NR_rt_sigaction, NR_rt_sigprocmask, NR_set_tid_address)
from lxpack.runtime.vmm.x86guest import layout as L

# The served functions lie between these entry.bin offsets.
FN_START, FN_END = 0x90, 0x6A7
MUNMAP_TRIP = 0x64F          # the served munmap's ud2 (the #UD handler invalidates there)


class ServedFn(object):
    """One system call a function of entry.S serves in the VM."""
    __slots__ = ("nr", "start", "saved", "needs_fsgsbase", "undo", "partial_on_fault", "keeps_on_fault", "done")

    def __init__(self, nr, start, saved=None, needs_fsgsbase=False, undo=None, partial_on_fault=False,
                 keeps_on_fault=False, done=None):
        self.nr = nr                          # Linux syscall number
        self.start = start                    # offset of the function in entry.bin
        self.saved = saved                    # offset of its `saved` label (None: it saves nothing)
        self.needs_fsgsbase = needs_fsgsbase  # served only where CR4.FSGSBASE works (WRFSBASE at CPL 3)
        self.undo = undo                      # undo(vcpu): put back what it saved, past `saved`
        self.partial_on_fault = partial_on_fault  # a fault returns the bytes written so far
        self.keeps_on_fault = keeps_on_fault      # a fault keeps its effect (not undone)
        self.done = done                          # offset where the call is complete (rax is its result)


def _undo_getrandom(vcpu):
    r = vcpu.regs                               # the rdi, rsi, rdx it saved
    r.rdi, r.rsi, r.rdx = struct.unpack("<3Q", vcpu.vm.read_phys(L.SCRATCH, 24))


def _undo_rt_sigprocmask(vcpu):
    vcpu.vm.write_phys(L.SIGBLOCKED, vcpu.vm.read_phys(L.SCRATCH + 24, 8))    # the old mask


def _undo_brk(vcpu):
    r = vcpu.regs                               # the rsi, rdx it saved (PTEs set again are harmless)
    r.rsi, r.rdx = struct.unpack("<2Q", vcpu.vm.read_phys(L.SCRATCH, 16))


def _undo_mmap(vcpu):
    r = vcpu.regs                               # the rsi, rdx, r8 it saved
    r.rsi, r.rdx, r.r8 = struct.unpack("<3Q", vcpu.vm.read_phys(L.SCRATCH, 24))
    vcpu.vm.assist.mmap_undo_map()              # pages it made present below the window's top go back


def _undo_munmap(vcpu):
    r = vcpu.regs                               # the rsi, rdx, r8, r9 it saved
    r.rsi, r.rdx, r.r8, r.r9 = struct.unpack("<4Q", vcpu.vm.read_phys(L.SCRATCH, 32))
    vcpu.vm.assist.mmap_undo_unmap()            # the lowest pending mapping is present again


def _undo_rt_sigaction(vcpu):
    vcpu.regs.rsi = 0          # its temporary; the call is served with act == NULL only


SERVED = {fn.nr: fn for fn in (
    ServedFn(NR_set_tid_address, 0x90),
    ServedFn(NR_arch_prctl, 0xB1, needs_fsgsbase=True),
    ServedFn(NR_getcpu, 0xE7),
    ServedFn(NR_getrandom, 0x104, saved=0x15C, undo=_undo_getrandom, partial_on_fault=True),
    ServedFn(NR_rt_sigprocmask, 0x1C5, saved=0x255, undo=_undo_rt_sigprocmask, keeps_on_fault=True),
    ServedFn(NR_rt_sigaction, 0x2B3, saved=0x2EC, undo=_undo_rt_sigaction),
    ServedFn(NR_brk, 0x313, saved=0x35C, undo=_undo_brk),
    ServedFn(NR_mmap, 0x3D9, saved=0x444, undo=_undo_mmap, done=0x4FE),
    ServedFn(NR_munmap, 0x52D, saved=0x584, undo=_undo_munmap, done=0x615),
)}


def served_mask(served, has_fsgsbase):
    """The FNMASK bits for the syscalls in `served` that this CPU can serve."""
    fns = 0
    for nr in served:
        fn = SERVED.get(nr)
        if fn is not None and (not fn.needs_fsgsbase or has_fsgsbase):
            fns |= 1 << nr
    return fns


def fn_at(off):
    """The served function at entry offset off (None: not inside one)."""
    if not FN_START <= off < FN_END:
        return None
    best = None
    for fn in SERVED.values():
        if fn.start <= off and (best is None or fn.start > best.start):
            best = fn
    return best


def undo(vcpu, fn, off):
    """Undo what fn, stopped at offset `off`, has changed, so its `syscall`
    can run again from the start."""
    if fn.saved is None or off < fn.saved:
        return
    fn.undo(vcpu)


def fault_result(vcpu, fn, off, restart):
    """fn faulted at offset `off` on a user address: undo what must be
    undone and return the rax to resume with (restart: the syscall number,
    to run it again; else its result, -EFAULT or a partial count)."""
    r = vcpu.regs
    result = -EFAULT
    if fn.partial_on_fault and not restart and fn.saved is not None and off >= fn.saved:
        buf = struct.unpack("<Q", vcpu.vm.read_phys(L.SCRATCH, 8))[0]
        if r.rdi > buf:
            result = r.rdi - buf          # the bytes written before the fault
    if restart or not fn.keeps_on_fault:
        undo(vcpu, fn, off)
    return fn.nr if restart else result & 0xFFFFFFFFFFFFFFFF
