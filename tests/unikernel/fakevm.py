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
Pages are allocated on first write; a mapped page never written reads as
zeros, so a large anonymous mapping costs only its page-table entries.
"""
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
    """One address space: page number -> protection, page number -> data."""

    def __init__(self):
        self.prot = {}            # page index -> PROT_* bits (mapped pages only)
        self.data = {}            # page index -> bytearray(PAGE), written pages only
        self.vcpus = []
        self.closed = False

    # -- mapping ------------------------------------------------------------------
    @staticmethod
    def _pages(addr, size):
        if addr % PAGE or size % PAGE:
            raise ValueError("unaligned mapping %#x+%#x" % (addr, size))
        return range(addr // PAGE, (addr + size) // PAGE)

    def map(self, addr, size, prot):
        for p in self._pages(addr, size):
            if p in self.prot:
                raise ValueError("page %#x already mapped" % (p * PAGE))
            self.prot[p] = prot
            self.data.pop(p, None)

    def map_host(self, addr, size, prot, host_address):
        # Shared host memory (MAP_SHARED): the fake keeps its own zeroed pages;
        # sharing with the file or a fork child is not modelled.
        self.map(addr, size, prot)

    def unmap(self, addr, size):
        for p in self._pages(addr, size):
            self.prot.pop(p, None)
            self.data.pop(p, None)

    def protect(self, addr, size, prot):
        for p in self._pages(addr, size):
            if p not in self.prot:
                raise base.GuestFault(p * PAGE)
            self.prot[p] = prot

    def is_mapped(self, addr, size=1):
        first, last = addr // PAGE, (addr + max(size, 1) - 1) // PAGE
        return all(p in self.prot for p in range(first, last + 1))

    # -- access (the runtime's own: protections are not checked) --------------------
    def read(self, addr, size):
        out = bytearray()
        end = addr + size
        cur = addr
        while cur < end:
            p, off = divmod(cur, PAGE)
            if p not in self.prot:
                raise base.GuestFault(cur, size)
            n = min(PAGE - off, end - cur)
            page = self.data.get(p, _ZERO_PAGE)
            out += page[off:off + n]
            cur += n
        return bytes(out)

    def write(self, addr, data):
        data = bytes(data)
        end = addr + len(data)
        # All or nothing, as the real backends' single copy.
        if not self.is_mapped(addr, len(data)) and data:
            cur = addr
            while cur < end:
                if cur // PAGE not in self.prot:
                    raise base.GuestFault(cur, len(data))
                cur = (cur // PAGE + 1) * PAGE
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


class FakeVcpu(object):
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
