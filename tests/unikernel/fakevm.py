"""A fake backend for the unikernel unit tier: guest memory as bytearray
pages and a vCPU that is only a register file.

Owns: FakeBackend / FakeVm / FakeVcpu, implementing the interface of
runtime/vmm/base.py (map/unmap/protect/read/write, GuestFault on unmapped
memory) and the vCPU methods the dispatcher and handlers call
(syscall_args, set_rax, get_regs/set_regs/get_reg/set_reg, request_stop,
kick, syscall_insn_addr, in_guest, clone). No guest code ever runs: tests
put the syscall number and arguments in the registers and call
Dispatcher.syscall(vcpu) themselves, so run() is refused.

Like the real backends, read/write check only that the pages are mapped
(the unikernel's Mm checks guest protections itself, as copy_to_user does).
Mappings are kept as regions and pages are allocated on first write (a
mapped page never written reads as zeros), so a 64 GiB MAP_NORESERVE map
costs one list entry.
"""
import bisect

from lxpack.runtime.vmm import base

PAGE = base.PAGE_SIZE
GPR_NAMES = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
             "rip", "rflags", "fs_base", "gs_base")
SYSCALL_REGS = ("rax", "rdi", "rsi", "rdx", "r10", "r8", "r9")   # nr, a0..a5 (x86-64 syscall ABI)
_ZERO_PAGE = bytes(PAGE)


class FakeBackend(base.Backend):
    name = "fake"

    def __init__(self):
        self.vms = []

    def create_vm(self):
        vm = FakeVm()
        self.vms.append(vm)
        return vm


class FakeVm(base.Vm):
    """One address space: sorted mapped regions [start, end, prot] and the
    pages written so far (page index -> bytearray)."""

    def __init__(self):
        self.regions = []         # [start, end, prot], sorted, non-overlapping
        self.data = {}            # page index -> bytearray(PAGE), written pages only
        self.vcpus = []
        self.closed = False

    # -- mapping ------------------------------------------------------------------
    @staticmethod
    def _check(addr, size):
        if addr % PAGE or size % PAGE or size <= 0:
            raise ValueError("bad mapping %#x+%#x" % (addr, size))

    def _index(self, addr):
        """Index of the region containing addr, or None."""
        i = bisect.bisect_right([r[0] for r in self.regions], addr) - 1
        if i >= 0 and self.regions[i][1] > addr:
            return i
        return None

    def _cut(self, addr, end):
        """Remove [addr, end) from the regions; returns the pieces removed."""
        keep, cut = [], []
        for start, stop, prot in self.regions:
            if stop <= addr or start >= end:
                keep.append([start, stop, prot])
                continue
            if start < addr:
                keep.append([start, addr, prot])
            if stop > end:
                keep.append([end, stop, prot])
            cut.append([max(start, addr), min(stop, end), prot])
        self.regions = sorted(keep)
        return cut

    def map(self, addr, size, prot):
        self._check(addr, size)
        if any(s < addr + size and e > addr for s, e, _p in self.regions):
            raise ValueError("%#x+%#x overlaps a mapping" % (addr, size))
        self.regions = sorted(self.regions + [[addr, addr + size, prot]])
        self._forget(addr, addr + size)

    def map_host(self, addr, size, prot, host_address):
        # Shared host memory (MAP_SHARED): the fake keeps its own zeroed pages;
        # sharing with the file or a fork child is not modelled.
        self.map(addr, size, prot)

    def unmap(self, addr, size):
        self._check(addr, size)
        self._cut(addr, addr + size)
        self._forget(addr, addr + size)

    def protect(self, addr, size, prot):
        self._check(addr, size)
        if not self.is_mapped(addr, size):
            raise base.GuestFault(addr, size)
        pieces = self._cut(addr, addr + size)
        self.regions = sorted(self.regions + [[s, e, prot] for s, e, _p in pieces])

    def _forget(self, addr, end):
        for p in [p for p in self.data if addr <= p * PAGE < end]:
            del self.data[p]

    def is_mapped(self, addr, size=1):
        end = addr + max(size, 1)
        cur = addr
        while cur < end:
            i = self._index(cur)
            if i is None:
                return False
            cur = self.regions[i][1]
        return True

    def prot_at(self, addr):
        i = self._index(addr)
        return None if i is None else self.regions[i][2]

    # -- access (the runtime's own: protections are not checked) --------------------
    def _first_hole(self, addr, size):
        end = addr + size
        cur = addr
        while cur < end:
            i = self._index(cur)
            if i is None:
                return cur
            cur = self.regions[i][1]
        return None

    def read(self, addr, size):
        hole = self._first_hole(addr, size)
        if hole is not None:
            raise base.GuestFault(hole, size)
        out = bytearray()
        end = addr + size
        cur = addr
        while cur < end:
            p, off = divmod(cur, PAGE)
            n = min(PAGE - off, end - cur)
            out += self.data.get(p, _ZERO_PAGE)[off:off + n]
            cur += n
        return bytes(out)

    def write(self, addr, data):
        data = bytes(data)
        hole = self._first_hole(addr, len(data)) if data else None
        if hole is not None:
            raise base.GuestFault(hole, len(data))      # all or nothing, as one engine copy
        end = addr + len(data)
        cur = addr
        i = 0
        while cur < end:
            p, off = divmod(cur, PAGE)
            n = min(PAGE - off, end - cur)
            page = self.data.get(p)
            if page is None:
                page = self.data[p] = bytearray(PAGE)
            page[off:off + n] = data[i:i + n]
            cur += n
            i += n

    def new_vcpu(self):
        v = FakeVcpu(self)
        self.vcpus.append(v)
        return v

    def close(self):
        self.closed = True


class FakeVcpu(getattr(base, "Vcpu", object)):      # base.Vcpu once the vmm interface declares it
    """A register file. The syscall being served is at rip - 2 (rip points
    past the 2-byte `syscall` instruction, as after a hardware exit)."""

    def __init__(self, vm):
        self.vm = vm
        self.regs = dict.fromkeys(GPR_NAMES, 0)
        self.regs["rip"] = 0x401002
        self.regs["rflags"] = 0x202
        self.stop_requested = False
        self.kicks = 0
        self.task = None
        self.fpu = bytes(512)

    def syscall_args(self):
        r = self.regs
        return [r[n] & 0xFFFFFFFFFFFFFFFF for n in SYSCALL_REGS]

    def set_rax(self, value):
        self.regs["rax"] = value & 0xFFFFFFFFFFFFFFFF

    def get_regs(self):
        return dict(self.regs)

    def set_regs(self, regs):
        for name, value in regs.items():
            if name not in self.regs:
                raise KeyError("no register %r" % name)
            self.regs[name] = value & 0xFFFFFFFFFFFFFFFF

    def get_reg(self, name):
        return self.regs[name]

    def set_reg(self, name, value):
        self.set_regs({name: value})

    def get_fpu_state(self):
        return self.fpu

    def set_fpu_state(self, area):
        self.fpu = bytes(area)

    def request_stop(self):
        self.stop_requested = True

    def kick(self, grace=0.0):
        self.kicks += 1
        if self.task is not None:
            self.task.wants_stop = True

    def syscall_insn_addr(self):
        return self.regs["rip"] - 2

    def in_guest(self):
        return False              # never inside an engine hook: no LeaveHook

    def clone(self):
        v = self.vm.new_vcpu()
        v.regs = dict(self.regs)
        return v

    def run(self, handler):
        raise NotImplementedError("the unit tier never runs guest code: call Dispatcher.syscall(vcpu)")
