"""Page permissions of a unicorn address space, kept outside the engine.

Owns: ProtMap, the guest's mappings as sorted non-overlapping intervals
(start, end, prot) updated by UnicornVm.map/unmap/protect, and looked up by
the TLB-fill hook on every engine TLB miss.

Why outside the engine: in its default mode unicorn treats every page as
read+write+exec, so every store to guest memory takes the slow
"not dirty" path (a region lookup per store); and mem_protect of part of
a region makes unicorn split it, copying its contents. With a virtual TLB
whose entries this map fills (read+write for data accesses, read+exec for
fetches, as the mapping allows), stores hit the fast path and a protection
change is an update here plus a TLB flush. Knows pages, not Linux.
Travels inside bundles: Python 3.9.
"""
import bisect


class ProtMap(object):
    """Sorted, non-overlapping [start, end) -> prot (base.PROT_* bits)."""

    __slots__ = ("starts", "ends", "prots")

    def __init__(self):
        self.starts = []
        self.ends = []
        self.prots = []

    def lookup(self, addr):
        """The prot of the mapping holding addr, or None if unmapped."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0 and addr < self.ends[i]:
            return self.prots[i]
        return None

    def set(self, start, end, prot):
        """[start, end) becomes one mapping with prot (None: unmapped),
        replacing whatever was there; neighbours are clipped."""
        starts, ends, prots = self.starts, self.ends, self.prots
        i = bisect.bisect_right(ends, start)        # first interval ending after start
        j = i
        keep = []
        while j < len(starts) and starts[j] < end:
            if starts[j] < start:
                keep.append((starts[j], start, prots[j]))
            if ends[j] > end:
                keep.append((end, ends[j], prots[j]))
            j += 1
        if prot is not None:
            keep.append((start, end, prot))
        keep.sort()
        starts[i:j] = [k[0] for k in keep]
        ends[i:j] = [k[1] for k in keep]
        prots[i:j] = [k[2] for k in keep]

    def covers(self, start, end):
        """True if every byte of [start, end) is mapped (any prot)."""
        starts, ends = self.starts, self.ends
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or ends[i] <= start:
            return False
        while ends[i] < end:
            if i + 1 >= len(starts) or starts[i + 1] != ends[i]:
                return False
            i += 1
        return True

    def lost(self, start, end, prot):
        """(bits, exec): whether some page of [start, end) has a permission
        bit that `prot` (None: unmapped) lacks, and whether some page there
        is executable (translated code may exist only for those)."""
        new = prot or 0
        starts, ends, prots = self.starts, self.ends, self.prots
        i = bisect.bisect_right(ends, start)
        lost = execd = False
        while i < len(starts) and starts[i] < end:
            p = prots[i]
            if p & ~new:
                lost = True
            if p & 4:
                execd = True
            i += 1
        return lost, execd
