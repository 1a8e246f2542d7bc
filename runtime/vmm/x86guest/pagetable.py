"""Guest physical memory and 4-level page tables for one address space.

Owns: the physical allocator (ranges of the guest-physical window backed by
one host reservation), the user half of the page tables, and the mapping
from guest virtual ranges to guest physical ones (for the runtime's own
reads and writes of guest memory). Knows nothing of Linux: it maps, unmaps
and protects ranges of pages as the VMM interface asks.

Shaped so anonymous-memory management can later move into the guest: every
operation is a pure function of (virtual range, physical range, prot) over
tables the guest could walk itself.
Travels inside bundles: Python 3.9.
"""
import bisect
import ctypes
from array import array

from lxpack.runtime.vmm.base import GuestFault, PAGE_SIZE
from lxpack.runtime.vmm.kvm import _abi
from lxpack.runtime.vmm.x86guest.layout import (ALLOC_START, PML4, PTE_NX, PTE_P, PTE_U, PTE_W)

_U64x512 = ctypes.c_uint64 * 512


def _fill(pt, idx, entries):
    """Write consecutive PTEs into a page-table page at once (a memmove of
    a packed array is ~20x faster than assigning ctypes items one by one:
    a 200 MB mmap writes 51,200 of them)."""
    raw = entries if isinstance(entries, bytes) else entries.tobytes()
    # SAFETY: pt is a 512-entry table page; idx + len(raw) // 8 <= 512.
    ctypes.memmove(ctypes.addressof(pt) + 8 * idx, raw, len(raw))
ADDR_MASK = 0x000FFFFFFFFFF000


class PhysAllocator(object):
    """First-fit over freed ranges, else bump. Freed memory is returned to
    the host (MADV_DONTNEED), so it reads as zeros when reused."""

    def __init__(self, host_base, size, grow=None):
        self.host_base = host_base
        self.size = size
        self.grow = grow          # grow(upto): memory below upto must be usable by the guest
        self.bump = ALLOC_START
        self.free = []            # sorted [(start, length)]

    def alloc(self, length):
        for i, (s, ln) in enumerate(self.free):
            if ln >= length:
                if ln == length:
                    del self.free[i]
                else:
                    self.free[i] = (s + length, ln - length)
                return s
        if self.bump + length > self.size:
            raise MemoryError("guest physical memory exhausted")
        s = self.bump
        self.bump += length
        if self.grow is not None:
            self.grow(self.bump)
        return s

    def release(self, start, length):
        _abi.madvise_dontneed(self.host_base + start, length)
        i = bisect.bisect_left(self.free, (start, 0))
        self.free.insert(i, (start, length))
        # coalesce neighbours
        merged = []
        for s, ln in self.free:
            if merged and merged[-1][0] + merged[-1][1] == s:
                merged[-1] = (merged[-1][0], merged[-1][1] + ln)
            else:
                merged.append((s, ln))
        self.free = merged


class AddressSpace(object):
    """Virtual -> physical ranges plus the page tables that say the same."""

    def __init__(self, phys, extra_slots=None):
        self.phys = phys                  # PhysAllocator of slot 0
        self.hb = phys.host_base
        self.starts = []                  # sorted virtual starts
        self.ranges = []                  # [start, end, gpa, host_addr_or_None]
        self.dirty = False                # page tables changed since the last TLB flush

    # -- page-table pages ------------------------------------------------------
    def _table(self, gpa):
        # SAFETY: gpa is a page-table page inside slot 0 (allocated below).
        return _U64x512.from_address(self.hb + gpa)

    def _new_table(self):
        return self.phys.alloc(PAGE_SIZE)

    def _walk(self, va, create):
        """The PT page (as an array) covering va, or None."""
        tbl = PML4
        for shift in (39, 30, 21):
            arr = self._table(tbl)
            idx = (va >> shift) & 511
            e = arr[idx]
            if not e & PTE_P:
                if not create:
                    return None
                nt = self._new_table()
                arr[idx] = nt | PTE_P | PTE_W | PTE_U
                e = arr[idx]
            tbl = e & ADDR_MASK
        return self._table(tbl)

    def _set_ptes(self, va, npages, first_gpa, flags):
        """PTEs for npages from va: gpa first_gpa + i*4K with flags (0 = clear)."""
        i = 0
        while i < npages:
            cur = va + i * PAGE_SIZE
            pt = self._walk(cur, create=bool(flags))
            idx = (cur >> 12) & 511
            n = min(512 - idx, npages - i)
            if pt is not None:
                if flags:
                    base = (first_gpa + i * PAGE_SIZE) | flags      # flags sit below bit 12 or at 63: no carry
                    _fill(pt, idx, array("Q", range(base, base + n * PAGE_SIZE, PAGE_SIZE)))
                else:
                    _fill(pt, idx, bytes(8 * n))
            i += n
        self.dirty = True

    def _retag(self, va, npages, flags):
        i = 0
        while i < npages:
            cur = va + i * PAGE_SIZE
            pt = self._walk(cur, create=False)
            idx = (cur >> 12) & 511
            n = min(512 - idx, npages - i)
            if pt is not None:
                # Keep the physical address, change presence and permissions.
                pt[idx:idx + n] = [(e & ADDR_MASK) | flags if e & ADDR_MASK else 0 for e in pt[idx:idx + n]]
            i += n
        self.dirty = True

    @staticmethod
    def flags_for(prot):
        if prot == 0:
            return 0
        f = PTE_P | PTE_U
        if prot & 2:
            f |= PTE_W
        if not prot & 4:
            f |= PTE_NX
        return f

    # -- ranges -----------------------------------------------------------------------
    def _find(self, va):
        i = bisect.bisect_right(self.starts, va) - 1
        if i >= 0 and self.ranges[i][1] > va:
            return self.ranges[i]
        return None

    def map(self, va, size, prot, gpa=None, host_addr=None):
        """Map [va, va+size); fresh zeroed memory unless gpa (a slot of host
        memory such as a shared mapping) is given."""
        if gpa is None:
            gpa = self.phys.alloc(size)
            owned = True
        else:
            owned = False
        rng = [va, va + size, gpa, host_addr, owned, prot]
        i = bisect.bisect_left(self.starts, va)
        self.starts.insert(i, va)
        self.ranges.insert(i, rng)
        # PTEs keep the physical address even for PROT_NONE, in a non-present form.
        self._set_ptes(va, size // PAGE_SIZE, gpa, self.flags_for(prot) or 0)
        if prot == 0:
            self._mark_none(va, size // PAGE_SIZE, gpa)

    def map_absent(self, va, size, prot):
        """Map [va, va+size) with fresh zeroed frames whose PTEs carry the
        frame and the rights of prot but not the present bit: the guest
        code makes them present itself (brk grown in the VM)."""
        gpa = self.phys.alloc(size)
        i = bisect.bisect_left(self.starts, va)
        self.starts.insert(i, va)
        self.ranges.insert(i, [va, va + size, gpa, None, True, prot])
        self._set_ptes(va, size // PAGE_SIZE, gpa, self.flags_for(prot) & ~PTE_P)

    def pt_page_gpa(self, va):
        """The guest-physical address of the page-table page holding va's
        PTE (created if missing)."""
        return ctypes.addressof(self._walk(va, create=True)) - self.hb

    def _mark_none(self, va, npages, gpa):
        # Non-present PTEs that still remember their frame (bit 0 clear).
        i = 0
        while i < npages:
            cur = va + i * PAGE_SIZE
            pt = self._walk(cur, create=True)
            idx = (cur >> 12) & 511
            n = min(512 - idx, npages - i)
            base = gpa + i * PAGE_SIZE
            _fill(pt, idx, array("Q", range(base, base + n * PAGE_SIZE, PAGE_SIZE)))
            i += n
        self.dirty = True

    def _split(self, va):
        """Make va a range boundary."""
        r = self._find(va)
        if r is None or r[0] == va:
            return
        s, e, gpa, host, owned, prot = r
        r[1] = va
        tail = [va, e, gpa + (va - s), (host + (va - s)) if host else None, owned, prot]
        i = bisect.bisect_left(self.starts, va)
        self.starts.insert(i, va)
        self.ranges.insert(i, tail)

    def _covered(self, va, end):
        self._split(va)
        self._split(end)
        i = bisect.bisect_left(self.starts, va)
        out = []
        while i < len(self.ranges) and self.ranges[i][0] < end:
            out.append(self.ranges[i])
            i += 1
        return out

    def unmap(self, va, size):
        """Unmap [va, va+size); the physical addresses of the ranges of
        host memory (map_host) it removed, whose slots may now be unused."""
        end = va + size
        foreign = []
        for r in self._covered(va, end):
            s, e, gpa, host, owned, prot = r
            self._set_ptes(s, (e - s) // PAGE_SIZE, 0, 0)
            if owned:
                self.phys.release(gpa, e - s)
            elif host:
                # Host memory stays mapped (its slot may live on for other
                # ranges): its cached translations must go, as for protect.
                _abi.drop_guest_translations(host, e - s)
                foreign.append(gpa)
            i = self.ranges.index(r)
            del self.ranges[i]
            del self.starts[i]
        return foreign

    def uses_gpa(self, lo, hi):
        """Whether some range maps guest-physical memory in [lo, hi)."""
        for r in self.ranges:
            if r[2] < hi and r[2] + (r[1] - r[0]) > lo:
                return True
        return False

    def protect(self, va, size, prot):
        end = va + size
        for r in self._covered(va, end):
            old = r[5]
            r[5] = prot
            flags = self.flags_for(prot)
            if flags:
                self._set_ptes(r[0], (r[1] - r[0]) // PAGE_SIZE, r[2], flags)
            else:
                self._mark_none(r[0], (r[1] - r[0]) // PAGE_SIZE, r[2])
            if old & ~prot:
                # A permission taken away must not survive in a cached translation.
                _abi.drop_guest_translations(r[3] if r[3] else self.hb + r[2], r[1] - r[0])

    # -- runtime access to guest memory ------------------------------------------------
    def host_address(self, va):
        r = self._find(va)
        if r is None:
            raise GuestFault(va)
        s, e, gpa, host, owned, prot = r
        base = host if host else self.hb + gpa
        return base + (va - s), e - va

    def read(self, va, size):
        out = []
        while size > 0:
            addr, avail = self.host_address(va)
            n = min(size, avail)
            out.append(ctypes.string_at(addr, n))
            va += n
            size -= n
        return b"".join(out)

    def write(self, va, data):
        data = bytes(data)
        off = 0
        size = len(data)
        while off < size:
            addr, avail = self.host_address(va + off)
            n = min(size - off, avail)
            ctypes.memmove(addr, data[off:off + n], n)
            off += n
