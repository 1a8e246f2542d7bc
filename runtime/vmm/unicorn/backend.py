"""The unicorn backend: x86-64 guest code emulated by the Unicorn engine.

Owns: one Uc engine per address space (UnicornVm), register access for the
unikernel (UnicornVcpu) and the translation of unicorn's stops and errors
into Exit records. Knows nothing of Linux: the syscall hook hands each
`syscall` instruction to the handler given to Vcpu.run().

Speed: every guest system call passes through _on_syscall, so register
access bypasses unicorn's high-level Python API (about 10 us a call) and uses
the C library through ctypes with preallocated buffers (about 1 us). There
are no per-instruction or per-block hooks. With lxpack's patched libunicorn
(enginelib.py, tools/build_unicorn.py) translated code also checks for
stops once per block instead of after every load and store, and chains
jumps across pages; PyPI's library runs the same code a little slower.
Memory (guestmem.py): a few large
read+write+exec engine regions over lazily reserved host memory; the
guest's page permissions (pageprot.ProtMap) reach the engine through a
virtual TLB filled by a hook on each TLB miss, so stores stay on the
engine's fast path (in the default TLB mode every page is executable and
every store took the slow dirty-tracking path) and mmap/munmap/mprotect
never map, split or copy engine regions; a denied access ends in a hole
page whose bounded hook reports the exact fault address.

Threads: one engine runs one guest thread at a time; each Vcpu keeps its own
saved context and the scheduler (unikernel) switches them, at system calls
or, from another thread, at a translated block's start (stopper.py).
Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import struct as _struct

from lxpack.runtime.vmm.unicorn import enginelib

enginelib.select()      # before unicorn loads its library: the patched build if carried

import unicorn  # noqa: E402
from unicorn import x86_const as X  # noqa: E402
from unicorn.unicorn_py3 import unicorn as _ucpy  # noqa: E402

from lxpack.runtime.vmm import base  # noqa: E402
from lxpack.runtime.vmm.unicorn.guestmem import GuestMemory  # noqa: E402
from lxpack.runtime.vmm.unicorn.regbatch import RegBatch, WideBatch  # noqa: E402
from lxpack.runtime.vmm.unicorn.stopper import BlockStopper  # noqa: E402

# SAFETY: uclib is the loaded libunicorn with prototypes set by the binding;
# we call it with the engine handle owned by a live Uc object only.
_lib = _ucpy.uclib
# uc_ctl(UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0)): the Python binding has no wrapper.
_CTL_TLB_FLUSH = unicorn.unicorn_const.UC_CTL_TLB_FLUSH | (unicorn.unicorn_const.UC_CTL_IO_WRITE << 30)
# uc_ctl(UC_CTL_WRITE(UC_CTL_LXPACK_FAST, 1), flags): only lxpack's patched
# library (third_party/unicorn/patches) knows it; PyPI's answers UC_ERR_ARG.
# Bit 0: exit requests checked inline once per block instead of a helper
# call after every guest load and store; bit 1: direct jumps chain across
# pages (safe here: the TLB is an identity map and translated code of any
# page that loses exec or its mapping is dropped, guestmem.py).
_CTL_LXPACK_FAST = 0x1000 | (unicorn.unicorn_const.UC_CTL_IO_WRITE << 30) | (1 << 26)
# LXPACK_UNICORN_FAST=N overrides the bits (0: the patched library runs as
# PyPI's does), to tell which change a misbehaving program depends on.
_FAST_FLAGS = int(os.environ.get("LXPACK_UNICORN_FAST", "3") or 3)
_HOOK_INSN_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_HOOK_CPUID_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class _TlbEntry(ctypes.Structure):
    """uc_tlb_entry: what a TLB-fill hook answers for one virtual page."""
    _fields_ = [("paddr", ctypes.c_uint64), ("perms", ctypes.c_int)]


_HOOK_TLB_CB = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int,
                                ctypes.POINTER(_TlbEntry), ctypes.c_void_p)
# A denied data access is pointed at this guest-physical page, where nothing
# is ever mapped (above the 47-bit user address space, below unicorn's 52-bit
# physical limit): the engine then calls the unmapped-memory hook bound to
# this page alone with the exact address (the fill hook only sees the page).
# A hook bound to one page leaves every other page on the fast path.
_HOLE = (1 << 52) - 0x1000
# A denied page's TLB entry points at one of these pages (below _HOLE) and
# stays until the page's permissions grow (or all are in use): a program
# that faults on the same pages again and again (a JVM's safepoint polls
# and null checks) neither refills its TLB nor re-runs the fill hook.
_HOLE_SLOTS = 16
_HOLES = _HOLE - _HOLE_SLOTS * 0x1000
_UNTIL = 0xFFFFFFFFFFFFFFFF         # run()'s end address: never reached
_UNTIL_PAGE = _UNTIL & ~0xFFF
_UC_MEM_FETCH = unicorn.UC_MEM_FETCH
_UC_MEM_WRITE = unicorn.UC_MEM_WRITE
_PERM_RX = unicorn.UC_PROT_READ | unicorn.UC_PROT_EXEC
_PERM_RW = unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE
_PERM_R = unicorn.UC_PROT_READ
_PERM_ALL = unicorn.UC_PROT_ALL
_ACCESS_NAME = {unicorn.UC_MEM_READ: "read", unicorn.UC_MEM_WRITE: "write", unicorn.UC_MEM_FETCH: "exec"}

# Register names the unikernel uses, in the order of Vcpu.get_regs()/set_regs().
GPR_NAMES = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
             "rip", "rflags", "fs_base", "gs_base")
_GPR_IDS = [getattr(X, "UC_X86_REG_" + ("EFLAGS" if n == "rflags" else n.upper())) for n in GPR_NAMES]
_GPR_ID = dict(zip(GPR_NAMES, _GPR_IDS))
# The FPU/SSE registers a signal frame saves, in 16-byte slots (XMM: 16 bytes,
# ST: uc_x86_float80), and those sigreturn restores (as before: not ST0-7).
_XMM_IDS = [getattr(X, "UC_X86_REG_XMM%d" % i) for i in range(16)]
_FPU_READ_IDS = ([X.UC_X86_REG_FPCW, X.UC_X86_REG_FPSW, X.UC_X86_REG_FPTAG, X.UC_X86_REG_MXCSR]
                 + [getattr(X, "UC_X86_REG_ST%d" % i) for i in range(8)] + _XMM_IDS)
_FPU_WRITE_IDS = [X.UC_X86_REG_FPCW, X.UC_X86_REG_FPSW, X.UC_X86_REG_MXCSR] + _XMM_IDS
_SYSCALL_IDS = [X.UC_X86_REG_RAX, X.UC_X86_REG_RDI, X.UC_X86_REG_RSI, X.UC_X86_REG_RDX,
                X.UC_X86_REG_R10, X.UC_X86_REG_R8, X.UC_X86_REG_R9]

# Unicorn reports the idiv overflow (INT_MIN / -1) as interrupt 8, where the
# CPU raises #DE (vector 0): both are a divide error for the guest.
_INTR_KIND = {0: "divide", 1: "debug", 3: "breakpoint", 4: "overflow", 5: "bound", 6: "invalid_opcode",
              7: "device_na", 8: "divide", 13: "general_protection", 14: "page", 16: "fpu", 17: "alignment",
              19: "simd"}
_FACTS = None      # cpu_facts() of the emulated CPU, found once per process


def _u(raw, off, size):
    return int.from_bytes(raw[off:off + size], "little")


class UnicornBackend(base.Backend):
    """No in-VM assistance (UnicornVm.assist is None): the syscall hook hands
    every call to the handler; one engine runs one guest thread at a time."""
    name = "unicorn"

    def create_vm(self):
        return UnicornVm()

    def cpu_facts(self):
        global _FACTS
        if _FACTS is None:
            _FACTS = cpu_facts()
        return _FACTS


class UnicornVm(base.Vm):
    """One Uc engine = one guest address space."""

    def __init__(self):
        self.uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        self.handle = self.uc._uch
        # True with the patched library: then a stop from another thread is
        # exact too (seen at the next block start, see request_stop).
        self.fast = enable_fast(self.handle)
        self._fault = None          # (exact address, access, unmapped) recorded by the hole hook
        self._intr = None           # interrupt number recorded by the interrupt hook
        # The FPU state Linux gives a new program (FNINIT, MXCSR reset); the
        # engine starts with FCW 0 (single precision, exceptions unmasked),
        # which changed long double results (sqlite3 sums).
        self.uc.reg_write(X.UC_X86_REG_FPCW, 0x37F)
        self.uc.reg_write(X.UC_X86_REG_MXCSR, 0x1F80)
        # Page permissions live in self.prot and reach the engine through a
        # virtual TLB filled by _on_tlb_fill (pageprot.py says why).
        self.mem = GuestMemory(self)
        self.prot = self.mem.prot
        self._denied = None         # (page, access, unmapped) the fill hook refused
        self._hole_of = {}          # page -> hole slot its TLB entry points at (until a TLB flush)
        self._hole_rec = [None] * _HOLE_SLOTS   # slot -> (page, access, unmapped)
        self._hole_full = False     # a slot was taken from another page: flush at the fault
        # Writable+executable pages code was fetched from (a JIT's code):
        # their TLB entries carry all rights (see _on_tlb_fill).
        self.code_pages = set()
        # True while the runtime (not the guest) makes the engine translate
        # addresses: dropping translated code looks its pages up through
        # the TLB, and a refusal there would stop the guest with an error.
        self._lenient = True
        self.uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        self._fill_cb = _HOOK_TLB_CB(self._on_tlb_fill)   # keep a reference: ctypes callback
        fill = _ucpy.uc_hook_h()
        # SAFETY: self._fill_cb lives as long as this Vm; global hook (begin=1 > end=0).
        err = _lib.uc_hook_add(self.handle, ctypes.byref(fill), unicorn.UC_HOOK_TLB_FILL,
                               ctypes.cast(self._fill_cb, ctypes.c_void_p), None,
                               ctypes.c_uint64(1), ctypes.c_uint64(0))
        if err:
            raise unicorn.UcError(err)
        self._fill_hook = fill
        self.uc.hook_add(unicorn.UC_HOOK_MEM_READ_UNMAPPED | unicorn.UC_HOOK_MEM_WRITE_UNMAPPED,
                         self._on_hole, begin=_HOLES, end=_HOLE - 1)
        self.uc.hook_add(unicorn.UC_HOOK_INTR, self._on_intr)
        self._lenient = False
        self.vcpus = []
        self.running = None         # the Vcpu currently inside emu_start
        # Exact stops from another thread (stopper.py): installed once the
        # process has threads (they cost every block), by the engine's
        # thread before a run.
        self.stopper = BlockStopper(self.handle)
        self._stopper_wanted = False
        # One syscall hook per engine, handing the call to the running vCPU.
        self._hook_cb = _HOOK_INSN_CB(self._on_syscall)   # keep a reference: ctypes callback
        h = _ucpy.uc_hook_h()
        # SAFETY: self._hook_cb lives as long as this Vm; the hook is global
        # (begin=1 > end=0) for the syscall instruction only.
        err = _lib.uc_hook_add(self.handle, ctypes.byref(h), unicorn.UC_HOOK_INSN,
                               ctypes.cast(self._hook_cb, ctypes.c_void_p), None,
                               ctypes.c_uint64(1), ctypes.c_uint64(0), ctypes.c_int(X.UC_X86_INS_SYSCALL))
        if err:
            raise unicorn.UcError(err)
        self._hook = h

    def _on_syscall(self, uch, user_data):
        self.running._on_syscall(uch, user_data)

    # -- memory (guestmem.py) ----------------------------------------------------
    def map(self, addr, size, prot):
        self.mem.map(addr, size, prot)

    def map_host(self, addr, size, prot, host_address):
        """Map host memory (e.g. a host mmap of a shared file) at addr."""
        self.mem.map_host(addr, size, prot, host_address)

    def unmap(self, addr, size):
        self.mem.unmap(addr, size)

    def protect(self, addr, size, prot):
        self.mem.protect(addr, size, prot)

    def code_written(self, addr, size):
        self.mem.drop_code(addr & ~0xfff, (addr + size + 0xfff) & ~0xfff)

    def read(self, addr, size):
        # Engine regions (slots) also hold unmapped pages: the map decides.
        if not self.mem.covers(addr, size):
            raise base.GuestFault(addr, size)
        buf = ctypes.create_string_buffer(size)
        # SAFETY: buf has size bytes.
        if _lib.uc_mem_read(self.handle, addr, buf, size) != 0:
            raise base.GuestFault(addr, size)
        return buf.raw

    def write(self, addr, data):
        if not self.mem.covers(addr, len(data)):
            raise base.GuestFault(addr, len(data))
        # SAFETY: data is a bytes-like object of len(data) bytes.
        if _lib.uc_mem_write(self.handle, addr, bytes(data), len(data)) != 0:
            raise base.GuestFault(addr, len(data))

    def regions(self):
        return list(self.uc.mem_regions())

    def new_vcpu(self):
        v = UnicornVcpu(self)
        self.vcpus.append(v)
        return v

    def enable_preemption(self):
        """The block stopper (stopper.py), installed at the next run."""
        if self.stopper.slot is None:
            self._stopper_wanted = True

    # -- hooks -------------------------------------------------------------------
    def _on_tlb_fill(self, uch, vaddr, access, entry, user_data):
        """An engine TLB miss on the page vaddr: identity-map it with what
        the mapping allows for this kind of access (x86: PROT_WRITE and
        PROT_EXEC imply read). Data entries carry exec only for writable
        and executable pages code was fetched from, so stores elsewhere
        stay on the engine's fast path; a fetch entry carries write only
        there."""
        prot = self.prot.lookup(vaddr)
        e = entry[0]
        if self._lenient:
            e.paddr = vaddr
            e.perms = _PERM_RX
            return True
        if prot:
            # A writable and executable page code was fetched from (a JIT's
            # code) gets entries with all three rights: the engine then sends
            # every store there through its self-modifying-code check. A
            # store through an entry without exec clears the entry's check
            # after the first store, and later stores to other translated
            # code on the page left it stale (a JIT re-emitting its functions
            # ran the old ones). Before the first fetch its stores stay fast
            # (a JIT emitting into fresh pages, ~1 store per byte): that
            # fetch misses the TLB and replaces every entry of the page.
            if access == _UC_MEM_FETCH:
                if prot & 4:
                    e.paddr = vaddr
                    if prot & 2:
                        self.code_pages.add(vaddr & ~0xFFF)
                        e.perms = _PERM_ALL
                    else:
                        e.perms = _PERM_RX
                    return True
            elif access == _UC_MEM_WRITE:
                if prot & 2:
                    e.paddr = vaddr
                    e.perms = _PERM_ALL if prot & 4 and (vaddr & ~0xFFF) in self.code_pages else _PERM_RW
                    return True
            else:
                e.paddr = vaddr
                if prot & 2:
                    e.perms = _PERM_ALL if prot & 4 and (vaddr & ~0xFFF) in self.code_pages else _PERM_RW
                else:
                    e.perms = _PERM_R
                return True
        if vaddr == _UNTIL_PAGE and access == _UC_MEM_FETCH:
            # emu_start drops any code cached at its end address (run()'s
            # `until`, never reached) by looking that page up: not a fault.
            e.paddr = _HOLE
            e.perms = _PERM_RX
            return True
        if self._denied is None:
            # The first refusal is the fault: after a refused fetch the
            # engine's exception path fetches again from a bogus address.
            self._denied = (vaddr, access, prot is None)
        if access == _UC_MEM_FETCH:
            return False                  # the address is RIP (run() reads it)
        # The hole hook learns the exact address. The entry carries only the
        # denied kind of access: the other kind refills (and may be allowed).
        slot = self._hole_of.get(vaddr)
        if slot is None:
            slot = len(self._hole_of)
            if slot >= _HOLE_SLOTS:
                slot = 0
                self._hole_full = True    # another page's entry still points there
            self._hole_of[vaddr] = slot
        self._hole_rec[slot] = (vaddr, access, prot is None)
        e.paddr = _HOLES + (slot << 12)
        e.perms = unicorn.UC_PROT_WRITE if access == _UC_MEM_WRITE else _PERM_R
        return True

    def _on_hole(self, uc, access, addr, size, value, user_data):
        rec = self._hole_rec[((addr - _HOLES) >> 12) % _HOLE_SLOTS]
        if rec is None:
            rec = self._denied
        page, acc, unmapped = rec
        self._denied = rec
        self._fault = (page | (addr & 0xFFF), _ACCESS_NAME.get(acc, "read"), unmapped)
        return False

    def _flush_tlb(self):
        """Drop every engine TLB entry (the hole entries with them)."""
        # SAFETY: a control call on our engine handle with no arguments.
        _lib.uc_ctl(self.handle, _CTL_TLB_FLUSH)
        if self._hole_of:
            self._hole_of = {}
            self._hole_rec = [None] * _HOLE_SLOTS
        self._hole_full = False

    def _holes_in(self, start, end):
        """True if a page of [start, end) has a hole TLB entry (it must go
        before the page's permissions grow)."""
        for page in self._hole_of:
            if start <= page < end:
                return True
        return False

    def _on_intr(self, uc, intno, user_data):
        self._intr = intno
        uc.emu_stop()


class UnicornVcpu(base.Vcpu):
    """A guest CPU on a UnicornVm. Only one Vcpu of a Vm runs at a time."""

    def __init__(self, vm):
        self.vm = vm
        self.uc = vm.uc
        self.handle = vm.handle
        self._args = RegBatch(_SYSCALL_IDS)
        self._gprs = RegBatch(_GPR_IDS)
        self._set = RegBatch(_GPR_IDS)           # ids rewritten per set_regs call
        self._fpu = WideBatch(_FPU_READ_IDS)
        self._fpu_in = WideBatch(_FPU_WRITE_IDS)
        self._one = ctypes.c_uint64()
        self._one_ref = ctypes.byref(self._one)
        self._stop = False
        self._exc = None
        self._handler = None
        self.context = None        # saved uc context while another thread runs
        self._next_rip = None      # RIP set from inside a hook, applied after the stop
        self.runs = 0              # how many times run() returned (kick() watches it)
        self.task = None           # the unikernel's Task running on this vCPU

    # -- registers -------------------------------------------------------------
    def syscall_args(self):
        """[nr, a0, a1, a2, a3, a4, a5] as unsigned 64-bit ints."""
        b = self._args
        _lib.uc_reg_read_batch(self.handle, b.ids, b.ptrs, 7)
        return b.vals[0:7]

    def set_rax(self, value):
        self._one.value = value & 0xFFFFFFFFFFFFFFFF
        _lib.uc_reg_write(self.handle, X.UC_X86_REG_RAX, self._one_ref)

    def get_regs(self):
        """All general registers as a dict name -> unsigned int (GPR_NAMES)."""
        b = self._gprs
        _lib.uc_reg_read_batch(self.handle, b.ids, b.ptrs, b.n)
        return dict(zip(GPR_NAMES, b.vals[0:b.n]))

    def set_regs(self, regs):
        """Write the registers named in the dict `regs`. A RIP change asked
        for from inside a hook takes effect when the run loop resumes (unicorn
        does not honour PC writes from an instruction hook reliably)."""
        b = self._set
        n = 0
        for name, value in regs.items():
            if name == "rip" and self.vm.running is self:
                self._next_rip = value
                self.request_stop()
                continue
            b.ids[n] = _GPR_ID[name]
            b.vals[n] = value & 0xFFFFFFFFFFFFFFFF
            n += 1
        if n:
            _lib.uc_reg_write_batch(self.handle, b.ids, b.ptrs, n)

    def get_reg(self, name):
        if name == "rip" and self._next_rip is not None:
            return self._next_rip
        _lib.uc_reg_read(self.handle, _GPR_IDS[GPR_NAMES.index(name)], self._one_ref)
        return self._one.value

    def set_reg(self, name, value):
        self.set_regs({name: value})

    def get_fpu_state(self):
        """The FXSAVE-format 512-byte FPU/SSE area (for signal frames).
        One batched engine call (the binding's reg_read per register cost
        ~0.9 ms a frame: signal delivery is a hot path for programs that
        fault on purpose)."""
        b = self._fpu
        ctypes.memset(b.buf, 0, len(b.buf))
        _lib.uc_reg_read_batch(self.handle, b.ids, b.ptrs, b.n)
        raw = bytes(b.buf)
        area = bytearray(512)
        _struct.pack_into("<HHBxHQQII", area, 0, _u(raw, 0, 2), _u(raw, 16, 2), _abridged_tag(_u(raw, 32, 2)),
                          0, 0, 0, _u(raw, 48, 4), 0xFFFF)
        for i in range(8):              # ST0-7: 64-bit mantissa, 16-bit sign+exponent
            o = 64 + 16 * i
            area[32 + 16 * i:42 + 16 * i] = raw[o:o + 10]
        o = 64 + 16 * 8
        area[160:416] = raw[o:o + 256]   # XMM0-15
        return bytes(area)

    def set_fpu_state(self, area):
        fcw, fsw, _tag, _op, _ip, _dp, mxcsr = _struct.unpack_from("<HHBxHQQI", area, 0)
        b = self._fpu_in
        buf = b.buf
        ctypes.memset(buf, 0, len(buf))
        _struct.pack_into("<H", buf, 0, fcw)
        _struct.pack_into("<H", buf, 16, fsw)
        _struct.pack_into("<I", buf, 32, mxcsr & 0xFFFF)
        ctypes.memmove(ctypes.addressof(buf) + 48, bytes(area[160:416]), 256)
        _lib.uc_reg_write_batch(self.handle, b.ids, b.ptrs, b.n)

    # -- running ---------------------------------------------------------------
    def request_stop(self):
        """Make run() return StopExit. From inside a hook on the engine's
        thread (the syscall hook) this is exact: the stop is seen at the
        next block start. From another thread it is not: unicorn 2.1
        checks for an exit request after every guest load and store, in
        the middle of an instruction, and then rolls RIP back to the start
        of that instruction (cpu_loop_exit_restore in the check_exit_request
        helper) although its store is done; resuming there runs a
        read-modify-write twice (`add [m], 1`, `lock cmpxchg`, `xchg`).
        Measured on a bare engine: 80% of such stops in an `add [m], 1`
        loop re-ran it. So another thread stops the guest at its next
        system call or, exactly, at a block start (preempt(), stopper.py);
        this stop is only the fallback where the block stopper is missing
        (with lxpack's patched library, vm.fast, the engine checks for a
        stop only at block starts, so even that fallback is exact)."""
        self._stop = True
        self.uc.emu_stop()

    def kick(self, grace=0.02):
        """Stop the guest soon, from another thread: softly, at the end of
        its next system call (exact); if it makes none within `grace`
        seconds (a loop without syscalls), at its next block start (exact,
        preempt()) or, before the process has the block stopper, the hard
        way (not exact, see request_stop). grace=0: at once."""
        serial = self.runs
        task = self.task
        if task is not None:
            task.wants_stop = True
        if self.vm.running is not self:
            return
        if grace:
            import time
            time.sleep(grace)
        if self.runs == serial and self.vm.running is self and not self.preempt():
            self.request_stop()

    def preempt(self):
        """From another thread: stop this vCPU's guest code at its next
        block start, exactly (stopper.py). False without a block stopper
        (not enabled yet, or an engine whose hook record it cannot find).
        A stop armed just as the run ends stops the next run at its first
        block: a spurious but exact stop."""
        vm = self.vm
        if vm.stopper.slot is None:
            return False
        if vm.running is self:
            vm.stopper.arm()
        return True

    def syscall_insn_addr(self):
        """Address of the `syscall` instruction being served (to restart it,
        or to resume a new thread after it). Inside the unicorn hook RIP still
        points at the instruction; after a stop it points past it."""
        rip = self.get_reg("rip")
        return rip if self.vm.running is self else rip - 2

    def in_guest(self):
        """True while inside emu_start (i.e. called from the syscall hook)."""
        return self.vm.running is self

    def _on_syscall(self, uch, user_data):
        # Called by unicorn for every guest `syscall`; exceptions cannot cross
        # the C boundary, so they are stashed and re-raised by run().
        try:
            self._handler.syscall(self)
        except BaseException as e:  # noqa: B902 - re-raised in run()
            self._exc = e
            self._stop = True
            _lib.uc_emu_stop(self.handle)

    def run(self, handler):
        """Execute guest code from the current RIP until an Exit."""
        vm = self.vm
        self._handler = handler
        self._stop = False
        vm._fault = None
        vm._denied = None
        vm._intr = None
        stopper = vm.stopper
        if vm._stopper_wanted:
            vm._stopper_wanted = False
            if stopper.install():
                # Blocks translated so far have no call to the hooks.
                self.uc.ctl_flush_tb()
        stopper.disarm()              # armed for a run that has ended
        vm.running = self
        rip = self.get_reg("rip")
        try:
            self.uc.emu_start(rip, _UNTIL)
            err = None
        except unicorn.UcError as e:
            err = e
        finally:
            vm.running = None
            self.runs += 1
            if stopper.disarm():
                self._stop = True
        if self._next_rip is not None:
            rip, self._next_rip = self._next_rip, None
            self.set_regs({"rip": rip})
        if self._exc is not None:
            exc, self._exc = self._exc, None
            raise exc
        rip = self.get_reg("rip")
        if vm._denied is not None:
            return self._denied_exit(rip)
        if err is not None:
            return self._error_exit(err, rip)
        if vm._intr is not None:
            kind = _INTR_KIND.get(vm._intr, "interrupt_%d" % vm._intr)
            return base.FaultExit(kind, rip)
        if self._stop:
            return base.StopExit()
        return base.HaltExit(rip)

    def _denied_exit(self, rip):
        """The page fault the TLB-fill hook raised (a data access ends in
        the hole with its exact address; a refused fetch stops the engine
        with an error or as interrupt 14, at RIP)."""
        vm = self.vm
        if vm._hole_full or vm._fault is None:
            # A slot serves two pages, or a refused fetch / unexplained
            # refusal: no stale entry may outlive this fault.
            vm._flush_tlb()
        page, acc, unmapped = vm._denied
        vm._denied = None
        reason = "unmapped" if unmapped else "protection"
        if vm._fault is not None:
            addr, access, _ = vm._fault
            return base.FaultExit("page", rip, addr=addr, access=access, reason=reason)
        # An instruction that starts before the page faults on the page.
        addr = rip if rip >= page else page
        return base.FaultExit("page", rip, addr=addr, access=_ACCESS_NAME.get(acc, "read"), reason=reason)

    def _error_exit(self, err, rip):
        code = err.errno
        if code == unicorn.UC_ERR_INSN_INVALID:
            return base.FaultExit("invalid_opcode", rip)
        if code in (unicorn.UC_ERR_FETCH_UNMAPPED, unicorn.UC_ERR_FETCH_PROT):
            return base.FaultExit("page", rip, addr=rip, access="exec",
                                  reason="unmapped" if code == unicorn.UC_ERR_FETCH_UNMAPPED else "protection")
        if code in (unicorn.UC_ERR_READ_UNMAPPED, unicorn.UC_ERR_WRITE_UNMAPPED, unicorn.UC_ERR_READ_PROT,
                    unicorn.UC_ERR_WRITE_PROT):
            return base.FaultExit("page", rip, addr=0, access="read", reason="unmapped")
        if code in (unicorn.UC_ERR_READ_UNALIGNED, unicorn.UC_ERR_WRITE_UNALIGNED, unicorn.UC_ERR_FETCH_UNALIGNED):
            return base.FaultExit("alignment", rip)
        if code == unicorn.UC_ERR_EXCEPTION:
            return base.FaultExit("general_protection", rip)
        return base.FaultExit("general_protection", rip)

    def clone(self):
        """A new vCPU of this VM starting from this one's register state."""
        v = self.vm.new_vcpu()
        v.context = self.uc.context_save()
        return v

    # -- thread switching (one engine, many guest threads) ---------------------
    def save(self):
        self.context = self.uc.context_save()

    def restore(self):
        if self.context is not None:
            self.uc.context_restore(self.context)


def enable_fast(handle):
    """Turn on the patched library's faster translated code for the engine
    `handle` (before it runs); False with PyPI's library."""
    # SAFETY: a control call with one int argument on a live engine handle.
    return _lib.uc_ctl(handle, _CTL_LXPACK_FAST, ctypes.c_int(_FAST_FLAGS)) == 0


def engine_library():
    """(path of the loaded libunicorn, True if it is lxpack's patched build)."""
    u = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    try:
        return getattr(_lib, "_name", "?"), enable_fast(u._uch)
    finally:
        del u


def _abridged_tag(ftw):
    """x87 full tag word -> FXSAVE abridged tag byte (1 = valid)."""
    out = 0
    for i in range(8):
        if ((ftw >> (2 * i)) & 3) != 3:
            out |= 1 << i
    return out


_scratch = []      # the engine probe() made, used once more by cpuid_leaves()


def probe():
    """(ok, reason) for `lxpack doctor`."""
    try:
        _scratch[:] = [unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)]   # cpu_facts' engine next
    except Exception as e:  # the engine library failed to load or open
        return False, "unicorn engine unusable: %s" % e
    patched = " + lxpack patches" if engine_library()[1] else ""
    return True, "Unicorn %s%s (emulated x86-64, portable)" % (unicorn.__version__, patched)


def cpuid(leaf, subleaf=0):
    """(eax, ebx, ecx, edx) of the emulated CPU, by running CPUID in a
    scratch engine: what the guest's own CPUID will see."""
    return cpuid_leaves([(leaf, subleaf)])[0]


def cpuid_leaves(leaves):
    """cpuid() of each (leaf, subleaf), all in one scratch engine (an
    engine costs milliseconds to make and to free, a CPUID microseconds)."""
    u = _scratch.pop() if _scratch else unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    u.mem_map(0x1000, 0x1000)
    u.mem_write(0x1000, b"\x0f\xa2")            # cpuid
    out = []
    for leaf, subleaf in leaves:
        u.reg_write(X.UC_X86_REG_RAX, leaf)
        u.reg_write(X.UC_X86_REG_RCX, subleaf)
        u.emu_start(0x1000, 0x1002)
        out.append(tuple(u.reg_read(r) & 0xFFFFFFFF for r in (X.UC_X86_REG_EAX, X.UC_X86_REG_EBX,
                                                               X.UC_X86_REG_ECX, X.UC_X86_REG_EDX)))
    return out


def cpu_facts():
    """dict(hwcap, hwcap2, vendor, model_name, flags) for AT_HWCAP and /proc/cpuinfo."""
    import struct
    (_, b, c, d), (_, _, ecx1, edx1), (_, ebx7, _, _) = cpuid_leaves([(0, 0), (1, 0), (7, 0)])
    vendor = struct.pack("<III", b, d, c).decode("ascii", "replace")
    flags = base.cpuinfo_flags(edx1, ecx1, ebx7)
    return dict(hwcap=edx1, hwcap2=0, vendor=vendor, model_name="lxpack unicorn x86-64 (emulated)",
                flags=" ".join(flags))
