"""Guest memory of a unicorn address space: few, large engine mappings over
host memory reserved lazily, with the guest's mappings kept outside the
engine.

Owns: the slots (aligned SLOT-byte windows of the guest address space, each
one engine region over one host reservation, made when a guest mapping first
touches the window and kept until the engine dies), the host-backed ranges
(vm.map_host: shared file or shared anonymous memory, their own engine
regions punched into a slot), and the ProtMap of the guest's mappings.

Why: an engine region per guest mapping made every mmap/munmap an engine
map/unmap, and a partial munmap/mprotect a region split that copies its
contents (hundreds of milliseconds for a JVM's multi-GiB reservations).
Here mmap is a ProtMap update (plus a slot the first time a window is
used), mprotect a ProtMap update plus, only when a permission is taken
away, a TLB flush; munmap also drops the host pages (they read as zero when
mapped again) and translated code, only of pages that were executable.
The guest's permissions reach the engine through the TLB-fill hook
(backend.py), so engine regions are all read+write+exec.

Engine calls here may drop translated code, which looks pages up through
the TLB: they run with the fill hook lenient (UnicornVm._lenient) and the
TLB is flushed after them (a lenient entry must not reach the guest).
Travels inside bundles: Python 3.9.
"""
import bisect
import ctypes
import weakref

import unicorn

from lxpack.runtime.host import memory as host_memory
from lxpack.runtime.vmm.unicorn.pageprot import ProtMap

# 64 MiB: a JVM's 6 GiB heap reservation is ~100 regions; punching a shared
# mapping into a slot costs ~20 us per MiB of slot (measured, unicorn 2.1).
SLOT = 64 << 20
# At most this many slots (256 GiB of guest address space backed by
# reservations): each is an engine region, and a fuzzer's 64 TiB
# MAP_NORESERVE mapping made a million of them (a hang). Beyond, mmap
# fails with ENOMEM, as an engine region per mapping did before.
MAX_SLOTS = 4096
_ALL = unicorn.UC_PROT_ALL
_CLEAR_MAX = 64 << 10       # munmap of up to this many bytes clears instead of dropping pages


class GuestMemory(object):
    """The memory of one UnicornVm (vm.uc, vm._lenient)."""

    def __init__(self, vm):
        self.vm = vm
        self.uc = vm.uc
        self.prot = ProtMap()
        self.slots = {}          # slot number -> host address of its reservation
        self.hosted = []         # sorted [start, end, host address of start]: map_host ranges
        # The reservations outlive this object only as long as the engine
        # that points into them: released when the Uc is collected.
        weakref.finalize(self.uc, _release_slots, self.slots)

    # -- the Vm interface ---------------------------------------------------------
    def map(self, addr, size, prot):
        end = addr + size
        self._cover(addr, end)
        if self._overlaps_hosted(addr, end):
            self._unhost(addr, end)
        self.prot.set(addr, end, prot & 7)
        # Not needed for correctness (a new mapping only grants), but the
        # engine resizes its TLB only when it is flushed: without a flush
        # per mmap (what an engine region per mapping did implicitly) the
        # TLB stayed small and cc1 took 3x the TLB fills (1.1M vs 368k, ~25%
        # more CPU, measured).
        self.flush_tlb()

    def map_host(self, addr, size, prot, host_address):
        end = addr + size
        self._cover(addr, end)
        if self._overlaps_hosted(addr, end):
            self._unhost(addr, end)
        # Unmapping part of a slot splits its region without copying (the
        # engine re-maps the pieces over the same host memory).
        self._engine(self.uc.mem_unmap, addr, size)
        # SAFETY: the caller keeps the host mapping alive until unmap().
        self._engine(self.uc.mem_map_ptr, addr, size, _ALL, host_address)
        i = bisect.bisect_left([h[0] for h in self.hosted], addr)
        self.hosted.insert(i, [addr, end, host_address])
        self.prot.set(addr, end, prot & 7)
        self.flush_tlb()

    def unmap(self, addr, size):
        end = addr + size
        _lost, execd = self.prot.lost(addr, end, None)
        self.prot.set(addr, end, None)
        if self._overlaps_hosted(addr, end):
            self._unhost(addr, end)
        self._discard(addr, end)
        if execd:
            self._drop_code(addr, end)
        self.flush_tlb()

    def protect(self, addr, size, prot):
        end = addr + size
        lost, execd = self.prot.lost(addr, end, prot & 7)
        self.prot.set(addr, end, prot & 7)
        if execd:
            # Translated code goes with any change to executable pages (as
            # before: a JIT's mprotect around its writes needs no reliance on
            # the engine's self-modifying-code detection).
            self._drop_code(addr, end)
        if lost or self.vm._holes_in(addr, end) or prot & 6 == 6:
            # A TLB entry may still grant what was taken away; granting more
            # needs nothing (a missing right is a TLB miss, refilled) unless
            # a denied page's entry still points at a hole page, or a page
            # becomes writable and executable: a store entry made without
            # exec would skip the self-modifying-code check (backend.py).
            self.flush_tlb()

    def covers(self, addr, size):
        """True if [addr, addr+size) is all mapped (the runtime's own
        accesses: whatever the guest's permissions)."""
        return self.prot.covers(addr, addr + size)

    # -- engine ---------------------------------------------------------------------
    def flush_tlb(self):
        self.vm._flush_tlb()

    def _engine(self, fn, *args):
        vm = self.vm
        vm._lenient = True
        try:
            return fn(*args)
        finally:
            vm._lenient = False

    def drop_code(self, addr, end):
        """Written from outside (a debugger's breakpoint): retranslate."""
        self._drop_code(addr, end)

    def _drop_code(self, addr, end):
        """Translated blocks of these pages must not run again."""
        try:
            self._engine(self.uc.ctl_remove_cache, addr, end)
        except unicorn.UcError:
            pass
        vm = self.vm
        if vm.code_pages:
            vm.code_pages = {p for p in vm.code_pages if not addr <= p < end}

    # -- slots --------------------------------------------------------------------------
    def _cover(self, addr, end):
        """Make the slots holding [addr, end); True if one was made."""
        made = False
        first, last = addr // SLOT, (end - 1) // SLOT
        if last - first + 1 > MAX_SLOTS or len(self.slots) + sum(
                1 for k in range(first, last + 1) if k not in self.slots) > MAX_SLOTS:
            raise MemoryError("guest mappings beyond %d GiB" % (MAX_SLOTS * SLOT >> 30))
        for k in range(first, last + 1):
            if k in self.slots:
                continue
            host = host_memory.reserve(SLOT)
            try:
                self._engine(self.uc.mem_map_ptr, k * SLOT, SLOT, _ALL, host)
            except Exception:
                host_memory.release(host, SLOT)
                raise
            self.slots[k] = host
            made = True
        return made

    def _slot_pieces(self, addr, end):
        """(guest start, guest end, host address) of [addr, end) per slot."""
        while addr < end:
            k = addr // SLOT
            stop = min(end, (k + 1) * SLOT)
            host = self.slots.get(k)
            if host is not None:
                yield addr, stop, host + (addr - k * SLOT)
            addr = stop

    def _discard(self, addr, end):
        """The slot pages of [addr, end) read as zero again. A small range
        is cleared in place (its host pages stay, for the next mapping
        there: a page dropped and touched again costs a host page fault,
        measured ~60 us on a nested VM against ~1 us to clear it); a large
        one gives its pages back to the host."""
        for lo, hi, host in self._slot_pieces(addr, end):
            if hi - lo <= _CLEAR_MAX:
                ctypes.memset(host, 0, hi - lo)
            else:
                host_memory.discard(host, hi - lo)

    # -- host-backed ranges ----------------------------------------------------------------
    def _overlaps_hosted(self, addr, end):
        for h in self.hosted:
            if h[0] < end and h[1] > addr:
                return True
        return False

    def _unhost(self, addr, end):
        """[addr, end) stops being host-backed: its engine regions go back to
        the slots' (zeroed) memory."""
        keep = []
        for start, stop, host in self.hosted:
            lo, hi = max(start, addr), min(stop, end)
            if lo >= hi:
                keep.append([start, stop, host])
                continue
            self._engine(self.uc.mem_unmap, lo, hi - lo)
            for plo, phi, phost in self._slot_pieces(lo, hi):
                host_memory.discard(phost, phi - plo)
                # SAFETY: slot memory lives as long as the engine.
                self._engine(self.uc.mem_map_ptr, plo, phi - plo, _ALL, phost)
            if start < lo:
                keep.append([start, lo, host])
            if hi < stop:
                keep.append([hi, stop, host + (hi - start)])
        self.hosted = keep


def _release_slots(slots):
    for host in slots.values():
        host_memory.release(host, SLOT)
    slots.clear()

