"""The kvm backend's in-VM assistance (base.InVmAssist), reached as vm.assist.

Owns: the guest-physical pages the guest entry code serves system calls
from (layout.py: FASTMASK, FNMASK, FASTVALS, FASTCOUNT, TIDADDR, the signal
words, SIGACTS, getrandom's pool) as the unikernel sees them, and the guest
clock (kvmclock plus the offsets KvmVm.set_clock_offsets stored), so time
by system call agrees with the vDSO. Which functions the guest code has is
fastpath.py's table. Knows CPUs and memory, not Linux: syscall numbers and
signal values come from the unikernel. Travels inside bundles: Python 3.9.
"""
import ctypes
import os
import struct
import sys

from lxpack.abi.time import (CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
                             CLOCK_REALTIME, CLOCK_REALTIME_COARSE)
from lxpack.runtime.vmm import base
from lxpack.runtime.vmm.kvm import _abi as K
from lxpack.runtime.vmm.x86guest import fastpath
from lxpack.runtime.vmm.x86guest import layout as L

# The clocks the time page serves (as the vDSO does), and those of them
# that count real time.
_PAGE_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
                CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME)
_REALTIME_CLOCKS = (CLOCK_REALTIME, CLOCK_REALTIME_COARSE)
_PT_SPAN = 1 << 21            # the virtual span of one page-table page


class KvmAssist(base.InVmAssist):
    """The in-VM assistance of one KvmVm (its memory outlives a fork: the
    child's copy is at the same host address)."""

    random_pool_size = 0x1000 - L.RANDPOOL_DATA

    def __init__(self, vm):
        self.vm = vm
        self.hb = vm.host_base
        self._window = None           # (lo, hi): where the guest code may grow the break
        self._ptwin = None            # the page-table pages mapped at PTWIN_VA
        self._mwin = None             # (lo, hi): the mmap window (set_mmap_window)
        self._mmptwin = None          # the page-table pages mapped at MMPTWIN_VA
        self._pw(L.MMLO, struct.pack("<Q", 0xFFFFFFFFFFFFFFFF))      # no mmap window yet

    def _pw(self, gpa, data):
        # SAFETY: gpa lies in slot 0's reserved host memory.
        ctypes.memmove(self.hb + gpa, data, len(data))

    # -- fast syscalls served in the VM ----------------------------------------------------
    def set_fast_syscalls(self, values, served=()):
        """{nr: result} answered by the guest code without an exit, and the
        syscalls in `served` that entry.S's functions may serve (those this
        CPU can: see fastpath.SERVED); the masks are cleared first so a stale value
        is never used. A tid stored by set_tid_address in the VM must be
        taken (take_tid_address) before the tid value changes."""
        self._pw(L.FASTMASK, b"\0" * 128)
        fns = fastpath.served_mask(served, self.vm.backend.has_fsgsbase)
        mask = 0
        for nr, val in values.items():
            self._pw(L.FASTVALS + 8 * nr, struct.pack("<Q", val & 0xFFFFFFFFFFFFFFFF))
            if not fns >> nr & 1:            # a served function's value (set_tid_address: the tid)
                mask |= 1 << nr
        self._pw(L.FNMASK, fns.to_bytes(64, "little"))
        self._pw(L.FASTMASK, mask.to_bytes(64, "little"))

    def take_tid_address(self):
        """The pointer set_tid_address stored in the VM since the last call
        (None if it was not called there)."""
        flag = ctypes.c_uint64.from_address(self.hb + L.TIDADDR + 8)
        if not flag.value:
            return None
        flag.value = 0
        return ctypes.c_uint64.from_address(self.hb + L.TIDADDR).value

    def fast_counts(self):
        """How many times each fast-path syscall was served inside the VM."""
        raw = ctypes.string_at(self.hb + L.FASTCOUNT, 512 * 8)
        vals = struct.unpack("<512Q", raw)
        return {nr: c for nr, c in enumerate(vals) if c}

    # -- signals ---------------------------------------------------------------------------
    def sigmask_cell(self):
        """The u64 in guest memory that holds the signal mask of the
        process's one thread while rt_sigprocmask is served in the VM (the
        unikernel keeps its SignalState.mask there meanwhile)."""
        return ctypes.c_uint64.from_address(self.hb + L.SIGBLOCKED)

    def set_sigactions(self, packed):
        """{sig: 32-byte struct sigaction} for rt_sigaction queries in the VM."""
        for sig, data in packed.items():
            self._pw(L.SIGACTS + 32 * (sig - 1), data)

    def set_signal_words(self, pending, slow):
        """Before an entry: the signals pending for the one thread (an
        rt_sigprocmask that unblocks one leaves the VM) and those whose
        blocking must reach the host."""
        self._pw(L.SIGPENDING, struct.pack("<QQ", pending & 0xFFFFFFFFFFFFFFFF, slow & 0xFFFFFFFFFFFFFFFF))

    # -- brk served in the VM -------------------------------------------------------------
    def brk_cell(self):
        """The u64 in guest memory holding the program break while brk is
        served in the VM (the guest code grows it there)."""
        return ctypes.c_uint64.from_address(self.hb + L.BRKCUR)

    def forget_address_space(self):
        """The VM's page tables were rebuilt (execve reusing the VM,
        KvmVm.reset): nothing of the old brk window is mapped any more."""
        self._window = None
        self._ptwin = None
        self._mwin = None
        self._mmptwin = None
        self._pw(L.MMLO, struct.pack("<Q", 0xFFFFFFFFFFFFFFFF))
        self._pw(L.MMCOUNT, struct.pack("<Q", 0))

    def _map_ptwin(self, va, old, pts):
        # Map the page-table pages `pts` user-writable at va (replacing `old`).
        aspace = self.vm.aspace
        if old is not None:
            aspace.unmap(va, 0x1000 * len(old))
            for gpa in old:           # no stale alias of the old tables may survive
                K.drop_guest_translations(self.hb + gpa, 0x1000)
        for i, gpa in enumerate(pts):
            aspace.map(va + 0x1000 * i, 0x1000, 3, gpa=gpa)

    def set_brk_window(self, start, lo, hi):
        """Let the guest code grow the break (lowest value `start`) by making
        pages of [lo, hi) present: fresh zeroed frames are given to the range
        now, not present, within the PTWIN_PAGES page-table pages the guest
        code can write (mapped at PTWIN_VA). Returns the window's end (lo: none)."""
        vm = self.vm
        aspace = vm.aspace
        wbase = lo & ~(_PT_SPAN - 1)
        hi = min(hi, wbase + L.PTWIN_PAGES * _PT_SPAN)
        with vm.lock:
            self._pw(L.BRKWIN, struct.pack("<Q", 0))
            if hi <= lo:
                return lo
            aspace.map_absent(lo, hi - lo, 3)          # PROT_READ | PROT_WRITE
            pts = tuple(aspace.pt_page_gpa(wbase + i * _PT_SPAN) for i in range(L.PTWIN_PAGES))
            if pts != self._ptwin:
                self._map_ptwin(L.PTWIN_VA, self._ptwin, pts)
                self._ptwin = pts
            self._window = (lo, hi)
            self._pw(L.BRKSTART, struct.pack("<QQ", start, 0))
            self._pw(L.BRKBASE, struct.pack("<Q", wbase))
            self._pw(L.BRKWIN, struct.pack("<Q", hi))
        return hi

    def drop_brk_window(self):
        """brk is no longer grown in the VM: the window's pages above the
        break go back; those below it stay as ordinary memory."""
        vm = self.vm
        with vm.lock:
            self._pw(L.BRKWIN, struct.pack("<Q", 0))
            win = self._window
            if win is None:
                return
            self._window = None
            lo, hi = win
            top = max(lo, (self.brk_cell().value + 0xFFF) & ~0xFFF)
            if top < hi:
                vm.aspace.unmap(top, hi - top)

    # -- anonymous mmap/munmap served in the VM ---------------------------------------
    def serves_mmap(self):
        """Whether this backend's guest code serves anonymous mmap/munmap
        from a window (set_mmap_window)."""
        return True

    def _q(self, gpa):
        return ctypes.c_uint64.from_address(self.hb + gpa)

    def set_mmap_window(self, lo, hi, gap):
        """Let the guest code map anonymous memory top-down from hi within
        the free, page-aligned range [lo, hi), for lengths above `gap` (the
        largest hole above, which the host's first fit would take): fresh
        frames are given now, not present, within page-table pages the guest
        code can write. Returns the window's low end (hi: none). No mapping
        made in the VM may be pending (take_mmap_records)."""
        vm = self.vm
        aspace = vm.aspace
        base = (hi - 1) & ~(_PT_SPAN - 1)
        base -= (L.MMPTWIN_PAGES - 1) * _PT_SPAN       # the lowest 2 MiB region the page tables cover
        lo = max(lo, base, hi - L.MMWIN_MAX)
        with vm.lock:
            self._q(L.MMLO).value = 0xFFFFFFFFFFFFFFFF
            if hi <= lo:
                self._mwin = None
                return hi
            aspace.map_absent(lo, hi - lo, 3)            # PROT_READ | PROT_WRITE
            pts = tuple(aspace.pt_page_gpa(base + i * _PT_SPAN) for i in range(L.MMPTWIN_PAGES))
            if pts != self._mmptwin:
                self._map_ptwin(L.MMPTWIN_VA, self._mmptwin, pts)
                self._mmptwin = pts
            self._mwin = (lo, hi)
            self._q(L.MMPTOFF).value = (L.MMPTWIN_VA - (base >> 9)) & 0xFFFFFFFFFFFFFFFF
            self._q(L.MMTOP).value = hi
            self._q(L.MMGAP).value = gap
            self._q(L.MMCOUNT).value = 0
            self._q(L.MMRING0).value = 1 if self._ring0_unmap() else 0
            self._q(L.MMLO).value = lo
        return lo

    def _ring0_unmap(self):
        """Whether the served munmap invalidates touched pages at ring 0
        (a ud2 trip to the #UD handler) rather than leaving the VM. Where
        SYSCALL enters ring 0 the trip is a same-privilege exception; where
        it leaves CPL at 3 (this nested AMD PVM host) it is a user -> ring 0
        exception: dearer than a bare exit (bench/kvm_exit_cost.py: 314 vs
        273 us, loaded), but the exit also pays the unikernel's munmap, and
        the whole call measured cheaper through the trip (64 KiB map + touch
        + unmap: 1,150 vs 1,435 us a pair, 28 vs 5,028 exits for 5,000; see
        docs/IN_VM_MEMORY.md), so it is taken on every host so far.
        LXPACK_KVM_RING0_UNMAP=0/1 or `python -X lxpack_kvm_ring0_unmap=0/1`
        forces the choice (the -X form does not reach the guest's environment)."""
        forced = os.environ.get("LXPACK_KVM_RING0_UNMAP") or \
            getattr(sys, "_xoptions", {}).get("lxpack_kvm_ring0_unmap")
        return forced != "0"

    def mmap_cursor(self):
        """The window's free part ends here (the lowest mapping made in it)."""
        n = self._q(L.MMCOUNT).value
        return self._q(L.MMREC + 8 * (n - 1)).value if n else self._q(L.MMTOP).value

    def take_mmap_records(self):
        """The mappings the guest code made since the last call, [(start,
        end)] top-down; they are the caller's from now on (the guest code
        never unmaps them: munmap of them leaves the VM)."""
        cnt = self._q(L.MMCOUNT)
        n = cnt.value
        if not n:
            return ()
        top = self._q(L.MMTOP)
        starts = struct.unpack("<%dQ" % n, ctypes.string_at(self.hb + L.MMREC, 8 * n))
        ends = (top.value,) + starts[:-1]
        top.value = starts[-1]
        cnt.value = 0
        return tuple(zip(starts, ends))

    def set_mmap_gap(self, gap):
        self._q(L.MMGAP).value = gap

    def give_back_mmap(self, lo, hi):
        """[lo, hi), just above the window's free part, is unmapped: it
        becomes part of the window again (fresh frames, not present)."""
        with self.vm.lock:
            self.vm.aspace.map_absent(lo, hi - lo, 3)
            self._q(L.MMTOP).value = hi

    def drop_mmap_window(self):
        """Stop mapping in the VM (records must have been taken): the free
        part's pages go back."""
        vm = self.vm
        with vm.lock:
            self._q(L.MMLO).value = 0xFFFFFFFFFFFFFFFF
            win = self._mwin
            if win is None:
                return
            self._mwin = None
            top = self.mmap_cursor()
            if win[0] < top:
                vm.aspace.unmap(win[0], top - win[0])

    def _set_present(self, lo, hi, present):
        aspace = self.vm.aspace
        va = lo
        while va < hi:
            pt = aspace._walk(va, create=False)
            i = (va >> 12) & 511
            if pt is not None:
                pt[i] = pt[i] | L.PTE_P if present else pt[i] & ~L.PTE_P
            va += 0x1000
        if not present:
            aspace.dirty = True           # the next entry reloads CR3 (flushes the TLB)

    def mmap_undo_map(self):
        """An interrupted served mmap: the pages it may have made present
        below the free part's end are not present again."""
        if self._mwin is None:
            return
        n = self._q(L.MMCOUNT).value
        top = self.mmap_cursor()
        start = self._q(L.MMREC + 8 * n).value if n < L.MMREC_MAX else top
        if self._mwin[0] <= start < top:
            self._set_present(start, top, False)

    def mmap_undo_unmap(self):
        """An interrupted served munmap: the lowest pending mapping's pages
        are all present again."""
        n = self._q(L.MMCOUNT).value
        if self._mwin is None or not n:
            return
        start = self._q(L.MMREC + 8 * (n - 1)).value
        end = self._q(L.MMREC + 8 * (n - 2)).value if n > 1 else self._q(L.MMTOP).value
        self._set_present(start, end, True)

    # -- getrandom's pool --------------------------------------------------------------------
    def random_pool_left(self):
        """Unused bytes in getrandom's pool (served in the VM)."""
        return 0x1000 - ctypes.c_uint64.from_address(self.hb + L.RANDPOOL).value

    def refill_random_pool(self, data):
        """Fill getrandom's pool with fresh host random bytes (random_pool_size
        of them); called at process start, in a fork child (which must not
        hand out its parent's bytes) and when getrandom leaves the VM."""
        self._pw(L.RANDPOOL + L.RANDPOOL_DATA, data[:self.random_pool_size])
        self._pw(L.RANDPOOL, struct.pack("<Q", 0x1000 - min(len(data), self.random_pool_size)))

    # -- the guest clock ---------------------------------------------------------------------
    def clock_ns(self, linux_clock):
        """The time the vDSO would compute now (kvmclock + the same offsets),
        so clock_gettime by syscall and through the vDSO agree and stay
        ordered. None for clocks the time page does not serve."""
        vm = self.vm
        offs = vm.clock_offsets
        if offs is None or linux_clock not in _PAGE_CLOCKS:
            return None
        c = K.KvmClockData()
        try:
            K.ioctl(vm.fd, K.KVM_GET_CLOCK, c)
        except OSError:
            return None
        return c.clock + (offs[1] if linux_clock in _REALTIME_CLOCKS else offs[0])
