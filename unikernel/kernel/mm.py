"""The address space of one Linux process: VMAs, brk, mmap placement, and
checked guest-memory access (copy_in / copy_out raising EFAULT).

Owns: the sorted VMA list (what /proc/self/maps shows), the no-ASLR layout
Linux uses under `setarch -R` (so addresses match native runs), and keeping
the backend's mappings (vm.map/unmap/protect) in step with the VMAs.
Page tables on hardware backends follow from the same calls.

On a backend whose guest code serves brk (InVmAssist.brk_cell), the break
lives in guest memory while the process has one thread (bind_brk): the guest
grows it inside a window of prepared pages, and the [heap] VMA is brought up
to it (_sync_brk) before any VMA is read. Host operations that would touch
the window take it back first and offer a new one after.

Where the guest code also serves anonymous mmap/munmap (InVmAssist.
serves_mmap), Mm offers it a window in the mmap area's first large hole
(bind_mmap, _build_mwin): the guest code maps top-down inside it, exactly
where find_free would (lengths a hole above would take are left to the
host), and records each mapping in guest memory; sync takes those records
into the VMA list before any VMA is read, so each mapping lives in one
place at a time. A host munmap just above the window's free part gives the
pages back to it.

Lock order: Mm is owned by its process; under unicorn only one guest thread
runs at a time, so no lock is taken here.
Travels inside bundles: Python 3.9.
"""
import bisect
import struct

from lxpack.abi.mman import PROT_EXEC, PROT_READ, PROT_WRITE  # noqa: F401  (M.PROT_* for handlers)
from lxpack.runtime.vmm.base import GuestFault, PAGE_SIZE, page_up
from lxpack.unikernel.errors import EACCES, EFAULT, EINVAL, ENOMEM, ENAMETOOLONG

STACK_TOP = 0x7FFFFFFFF000
STACK_SIZE = 8 << 20
MMAP_BASE = 0x7FFFF7FFF000
MMAP_MIN = 0x10000
PIE_BASE = 0x555555554000
TASK_SIZE = 0x7FFFFFFFF000
MWIN_MIN = 1 << 20        # the mmap window goes in the first hole from the top at least this large


class Vma(object):
    """One mapping: [start, end) with protection, sharing and what backs it."""

    __slots__ = ("start", "end", "prot", "shared", "name", "offset", "dev", "ino", "host", "kind", "sigbus")

    def __init__(self, start, end, prot, shared=False, name="", offset=0, dev=0, ino=0, host=None, kind="anon",
                 sigbus=False):
        self.start = start
        self.end = end
        self.prot = prot
        self.shared = shared
        self.name = name          # path, or [heap], [stack], [vdso]
        self.offset = offset      # file offset of start
        self.dev = dev
        self.ino = ino
        self.host = host          # host mapping object for shared file/anon memory, else None
        self.kind = kind          # 'anon' | 'file' | 'heap' | 'stack' | 'vdso'
        self.sigbus = sigbus      # pages of a file mapping past the file's end: an access is SIGBUS

    def split_copy(self, start, end):
        return Vma(start, end, self.prot, self.shared, self.name,
                   self.offset + (start - self.start) if self.kind == "file" else self.offset,
                   self.dev, self.ino, self.host, self.kind, self.sigbus)

    def __repr__(self):
        return "Vma(%#x-%#x %d %s)" % (self.start, self.end, self.prot, self.name)


class Mm(object):
    def __init__(self, vm, total_memory=None):
        self.vm = vm
        self.vmas = []            # sorted by start, non-overlapping
        self._starts = []
        self.brk_start = 0
        self._brk_cur = 0
        self.total_memory = total_memory or (1 << 36)
        self._as_limit = None     # the program's RLIMIT_AS (bytes), kept by the unikernel
        self._brk_cell = None     # the break in guest memory while the guest code serves brk
        self._brk_assist = None
        self._brk_seen = 0        # the break the VMAs last followed
        self._win = None          # (lo, hi): pages the guest code may make present for brk
        self._mm_assist = None    # the InVmAssist serving anonymous mmap in the VM (bind_mmap)
        self._mwin = None         # (lo, hi): its window; the free part is [lo, assist.mmap_cursor())
        self._lazy = False        # brk or mmap served in the VM: sync before reading VMAs
        self._nested = False      # inside a _guarded operation

    # -- the break served in the VM --------------------------------------------------
    @property
    def brk_cur(self):
        cell = self._brk_cell
        return cell.value if cell is not None else self._brk_cur

    @brk_cur.setter
    def brk_cur(self, value):
        self._brk_cur = value
        if self._brk_cell is not None:
            self._brk_cell.value = value
            self._brk_seen = value

    @property
    def as_limit(self):
        return self._as_limit

    @as_limit.setter
    def as_limit(self, value):
        # brk and mmap in the VM do not count: no window while a limit is set.
        self._as_limit = value
        if self._brk_assist is not None:
            self._drop_window()
            self._build_window()
        if self._mm_assist is not None:
            self._drop_mwin()
            self._build_mwin()

    def bind_brk(self, assist):
        """Serve brk in the VM through `assist` (an InVmAssist offering
        brk_cell), or stop (None): the break moves to or from guest memory."""
        if assist is self._brk_assist:
            return
        if self._brk_assist is not None:
            self._drop_window()
            self._brk_cur = self._brk_cell.value
            self._brk_cell = self._brk_assist = None
        cell = assist.brk_cell() if assist is not None else None
        if cell is None:
            return
        cell.value = self._brk_cur
        self._brk_seen = self._brk_cur
        self._brk_cell = cell
        self._brk_assist = assist
        self._lazy = True
        self._build_window()

    def bind_mmap(self, assist):
        """Serve anonymous mmap/munmap in the VM through `assist` (an
        InVmAssist whose serves_mmap() is true), or stop (None). Returns
        whether it is served."""
        if assist is not None and not assist.serves_mmap():
            assist = None
        if assist is self._mm_assist:
            return assist is not None
        if self._mm_assist is not None:
            self._drop_mwin()
            self._mm_assist = None
            self._lazy = self._brk_cell is not None
        if assist is None:
            return False
        self._mm_assist = assist
        self._lazy = True
        self._build_mwin()
        return True

    def sync(self):
        """Bring the VMAs up to what the guest code did (brk grown, mappings
        made in the VM)."""
        if self._brk_cell is not None:
            self.sync_brk()
        a = self._mm_assist
        if a is not None:
            for start, end in a.take_mmap_records():
                self._insert(Vma(start, end, PROT_READ | PROT_WRITE))

    def synced_vmas(self):
        if self._lazy:
            self.sync()
        return self.vmas

    # -- the mmap window -------------------------------------------------------------
    def _gaps(self):
        """The free ranges below MMAP_BASE, top-down, as find_free sees them."""
        end = MMAP_BASE
        for v in reversed(self.vmas):
            if v.start >= end:
                continue
            if v.end < end:
                yield max(v.end, MMAP_MIN), end
            end = min(end, v.start)
        if end > MMAP_MIN:
            yield MMAP_MIN, end

    def _build_mwin(self):
        assist = self._mm_assist
        if assist is None or self._as_limit is not None or self._mwin is not None:
            return
        gap = 0
        for lo, hi in self._gaps():
            if hi - lo >= MWIN_MIN:
                break
            gap = max(gap, hi - lo)
        else:
            return
        if self._win is not None and self._win[0] < hi:
            lo = max(lo, self._win[1])        # never over the brk window
        if hi - lo < MWIN_MIN:
            return
        lo = assist.set_mmap_window(lo, hi, gap)
        self._mwin = (lo, hi) if lo < hi else None

    def _drop_mwin(self):
        if self._mwin is None:
            return
        self.sync()
        self._mm_assist.drop_mmap_window()
        self._mwin = None

    def _in_mwin(self, start, end):
        """Whether [start, end) meets the mmap window's free part."""
        win = self._mwin
        return win is not None and start < self._mm_assist.mmap_cursor() and end > win[0]

    def _refresh_mwin(self):
        """After a host operation outside the free part: pages unmapped just
        above it go back to the window, and the hole the guest code must
        leave to the host is measured again."""
        win = self._mwin
        if win is None:
            return
        assist = self._mm_assist
        cur = assist.mmap_cursor()
        i = bisect.bisect_left(self._starts, cur)
        nxt = min(self.vmas[i].start if i < len(self.vmas) else TASK_SIZE, win[1])
        if nxt > cur:
            assist.give_back_mmap(cur, nxt)
            cur = nxt
        gap = 0
        for lo, hi in self._gaps():
            if lo < cur:
                break
            gap = max(gap, hi - lo)
        assist.set_mmap_gap(gap)

    def sync_brk(self):
        """Bring the [heap] VMA up to a break the guest code moved (it only
        grows it, inside the window)."""
        cell = self._brk_cell
        if cell is None:
            return
        cur = cell.value
        if cur == self._brk_seen:
            return
        old_top = page_up(self._brk_seen)
        self._brk_seen = cur
        top = page_up(cur)
        if top <= old_top:
            return
        heap = self._find(old_top - 1) if old_top > self.brk_start else None
        if heap is not None and heap.kind == "heap" and heap.end == old_top:
            heap.end = top                    # same start: the sorted list keeps its order
        else:
            self._insert(Vma(old_top, top, PROT_READ | PROT_WRITE, name="[heap]", kind="heap"))

    def _build_window(self):
        assist = self._brk_assist
        if assist is None or not self.brk_start or self._as_limit is not None:
            return
        lo = page_up(self.brk_cur)
        i = bisect.bisect_right(self._starts, lo)
        hi = self.vmas[i].start if i < len(self.vmas) else TASK_SIZE
        if self._find(lo) is not None:
            return
        if self._mwin is not None and self._mwin[0] >= lo:
            hi = min(hi, self._mwin[0])       # never over the mmap window
        end = assist.set_brk_window(self.brk_start, lo, hi)
        self._win = (lo, end) if end > lo else None

    def _drop_window(self):
        if self._win is None:
            return
        self.sync_brk()
        self._brk_assist.drop_brk_window()
        self._win = None

    def _in_window(self, start, end):
        """Whether [start, end) meets the window's pages above the break."""
        win = self._win
        return win is not None and start < win[1] and end > page_up(self.brk_cur)

    def _within_as_limit(self, start, end):
        """Whether mapping [start, end) keeps the mapped total within
        RLIMIT_AS (counted only while the program has set one)."""
        if self.as_limit is None:
            return True
        total = 0
        for v in self.vmas:
            total += v.end - v.start - max(0, min(v.end, end) - max(v.start, start))
        return total + (end - start) <= self.as_limit

    # -- guest memory access ----------------------------------------------------
    def read(self, addr, size):
        if size == 0:
            return b""
        if self._denied(addr, size, 7):
            raise EFAULT()
        try:
            return self.vm.read(addr, size)
        except GuestFault:
            raise EFAULT()

    def write(self, addr, data):
        if not data:
            return
        if self._denied(addr, len(data), PROT_WRITE):
            raise EFAULT()
        try:
            self.vm.write(addr, data)
        except GuestFault:
            raise EFAULT()

    def write_prefix(self, addr, data):
        """Write as much of data as the memory takes, page by page, as
        Linux's copy_to_user does; the number of bytes written."""
        try:
            self.write(addr, data)
            return len(data)
        except EFAULT:
            pass
        done = 0
        while done < len(data):
            n = min(len(data) - done, PAGE_SIZE - ((addr + done) & (PAGE_SIZE - 1)))
            try:
                self.write(addr + done, data[done:done + n])
            except EFAULT:
                break
            done += n
        return done

    def _denied(self, addr, size, need):
        """True if a VMA in [addr, addr+size) lacks every bit of `need`
        (Linux's copy_to_user faults on a read-only page, copy_from_user
        on a PROT_NONE one; on x86 any access right allows reading). Memory
        outside the VMAs is left to the backend, which faults on it."""
        end = addr + size
        if self._lazy:
            self.sync()
            if self._in_window(addr, end) or self._in_mwin(addr, end):
                return True               # prepared for brk or mmap in the VM but not mapped
        i = max(bisect.bisect_right(self._starts, addr) - 1, 0)
        vmas = self.vmas
        while i < len(vmas):
            v = vmas[i]
            if v.start >= end:
                break
            if v.end > addr and not v.prot & need:
                return True
            i += 1
        return False

    def read_u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]

    def write_u64(self, addr, v):
        self.write(addr, struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF))

    def read_u32(self, addr):
        return struct.unpack("<I", self.read(addr, 4))[0]

    def write_u32(self, addr, v):
        self.write(addr, struct.pack("<I", v & 0xFFFFFFFF))

    def write_i32(self, addr, v):
        self.write(addr, struct.pack("<i", v))

    def read_cstr(self, addr, limit=4096, is_path=False):
        """A NUL-terminated string (without the NUL), read page by page."""
        out = b""
        while True:
            chunk = min(PAGE_SIZE - (addr & (PAGE_SIZE - 1)), 256)
            data = self.read(addr, chunk)
            i = data.find(b"\0")
            if i >= 0:
                out += data[:i]
                if len(out) >= limit:
                    raise ENAMETOOLONG()
                return out
            out += data
            addr += chunk
            if len(out) >= limit:
                if is_path:
                    raise ENAMETOOLONG()
                return out[:limit]

    def read_ptr_array(self, addr, limit=1 << 16):
        """A NULL-terminated array of pointers (argv, envp)."""
        out = []
        while addr:
            p = self.read_u64(addr)
            if p == 0:
                return out
            out.append(p)
            addr += 8
            if len(out) > limit:
                raise EINVAL()
        return out

    # -- VMA bookkeeping -------------------------------------------------------------
    def find(self, addr):
        """The VMA containing addr, or None."""
        if self._lazy:
            self.sync()
        return self._find(addr)

    def _find(self, addr):
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and self.vmas[i].end > addr:
            return self.vmas[i]
        return None

    def _insert(self, v):
        i = bisect.bisect_left(self._starts, v.start)
        self.vmas.insert(i, v)
        self._starts.insert(i, v.start)

    def _overlapping(self, start, end):
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        while i < len(self.vmas) and self.vmas[i].start < end:
            if self.vmas[i].end > start:
                out.append(self.vmas[i])
            i += 1
        return out

    def is_free(self, start, end):
        if self._lazy:
            self.sync()
        return not self._overlapping(start, end)

    def find_free(self, length, top=MMAP_BASE):
        """Top-down first fit below `top`, as Linux's mmap does."""
        if self._lazy:
            self.sync()
        end = top
        for v in reversed(self.vmas):
            if v.start >= end:
                continue
            if v.end <= end - length and v.end <= end:
                if end - max(v.end, MMAP_MIN) >= length:
                    return end - length
            end = min(end, v.start)
        if end - MMAP_MIN >= length:
            return end - length
        raise ENOMEM()

    # -- mapping operations ----------------------------------------------------------
    def _guarded(self, start, end, fn, *args, **kw):
        """Run fn with the brk and mmap windows taken back if [start, end)
        meets them (and offered again after)."""
        self.sync()
        if self._nested:
            return fn(*args, **kw)        # inside another operation (mmap's unmap): it refreshes after
        brk_hit = self._in_window(start, end)
        mm_hit = self._in_mwin(start, end)
        if brk_hit:
            self._drop_window()
        if mm_hit:
            self._drop_mwin()
        self._nested = True
        try:
            return fn(*args, **kw)
        finally:
            self._nested = False
            if mm_hit:
                self._build_mwin()
            elif fn != self._protect:
                self._refresh_mwin()
            if brk_hit:
                self._build_window()

    def map(self, start, length, prot, *args, **kw):
        """Map [start, start+length) (page-aligned), replacing what was there
        (see _map)."""
        if self._lazy:
            return self._guarded(start, start + page_up(length), self._map, start, length, prot, *args, **kw)
        return self._map(start, length, prot, *args, **kw)

    def extend(self, v, new_end):
        """Grow VMA v in place up to new_end (see _extend)."""
        if self._lazy:
            return self._guarded(v.end, new_end, self._extend, v, new_end)
        return self._extend(v, new_end)

    def unmap(self, start, length):
        if self._lazy:
            return self._guarded(start, start + page_up(length), self._unmap, start, length)
        return self._unmap(start, length)

    def protect(self, start, length, prot):
        if self._lazy:
            return self._guarded(start, start + page_up(length), self._protect, start, length, prot)
        return self._protect(start, length, prot)

    def _map(self, start, length, prot, shared=False, name="", offset=0, dev=0, ino=0, host=None,
             kind="anon", data=None, sigbus=False):
        """Map [start, start+length) (page-aligned), replacing what was there;
        fill it with `data` if given (file contents of a private mapping).
        sigbus: the pages lie past the end of the mapped file; they stay
        inaccessible whatever the protection, and a touch is SIGBUS."""
        end = start + page_up(length)
        if start & (PAGE_SIZE - 1) or end > TASK_SIZE or start < MMAP_MIN and start != 0:
            raise EINVAL()
        if self.as_limit is not None and not self._within_as_limit(start, end):
            raise ENOMEM()
        if self._overlapping(start, end):
            self.unmap(start, end - start)
        try:
            if host is not None:
                self.vm.map_host(start, end - start, prot, host.address)
            else:
                self.vm.map(start, end - start, 0 if sigbus else prot)
        except Exception:
            raise ENOMEM()
        v = Vma(start, end, prot, shared, name, offset, dev, ino, host, kind, sigbus)
        self._insert(v)
        if data:
            self.vm.write(start, data)
        return v

    def _extend(self, v, new_end):
        """Grow VMA v in place up to new_end (free, page-aligned): fresh
        zero pages with v's protection (mremap growing a mapping)."""
        if self.as_limit is not None and not self._within_as_limit(v.end, new_end):
            raise ENOMEM()
        try:
            self.vm.map(v.end, new_end - v.end, v.prot)
        except Exception:
            raise ENOMEM()
        idx = self.vmas.index(v)
        del self.vmas[idx]
        del self._starts[idx]
        v.end = new_end
        self._insert(v)

    def _unmap(self, start, length):
        end = start + page_up(length)
        for v in self._overlapping(start, end):
            lo, hi = max(v.start, start), min(v.end, end)
            self.vm.unmap(lo, hi - lo)
            idx = self.vmas.index(v)
            del self.vmas[idx]
            del self._starts[idx]
            if v.start < lo:
                self._insert(v.split_copy(v.start, lo))
            if hi < v.end:
                self._insert(v.split_copy(hi, v.end))
            if v.host is not None and not any(x.host is v.host for x in self.vmas):
                v.host.close()

    def _protect(self, start, length, prot):
        end = start + page_up(length)
        vs = self._overlapping(start, end)
        # Linux: ENOMEM if any part of the range is unmapped.
        cur = start
        for v in vs:
            if v.start > cur:
                raise ENOMEM()
            cur = v.end
        if cur < end:
            raise ENOMEM()
        if prot & PROT_WRITE and any(v.shared and v.host is not None and not v.host.writable for v in vs):
            raise EACCES()     # a shared mapping of a file opened read-only
        for v in vs:
            lo, hi = max(v.start, start), min(v.end, end)
            self.vm.protect(lo, hi - lo, 0 if v.sigbus else prot)
            idx = self.vmas.index(v)
            del self.vmas[idx]
            del self._starts[idx]
            if v.start < lo:
                self._insert(v.split_copy(v.start, lo))
            mid = v.split_copy(lo, hi)
            mid.prot = prot
            self._insert(mid)
            if hi < v.end:
                self._insert(v.split_copy(hi, v.end))

    def maps_shared_files(self):
        return any(v.host is not None and v.shared and v.kind == "file" for v in self.vmas)

    def file_resized(self, dev, ino, size):
        """The file (dev, ino) is now size bytes long (ftruncate, truncate):
        the pages of its shared host mappings wholly past the new end become
        SIGBUS on a touch, those back inside it accessible again, as on
        Linux (the host's pages past the end would fault in the runtime)."""
        eof = page_up(size)
        for v in [v for v in self.vmas if v.host is not None and v.shared and v.kind == "file"
                  and v.dev == dev and v.ino == ino]:
            cut = min(v.end, max(v.start, v.start + (eof - v.offset)))
            parts = [(v.start, cut, False), (cut, v.end, True)]
            if all(lo == hi or v.sigbus == bus for lo, hi, bus in parts):
                continue
            idx = self.vmas.index(v)
            del self.vmas[idx]
            del self._starts[idx]
            for lo, hi, bus in parts:
                if lo < hi:
                    w = v.split_copy(lo, hi)
                    w.sigbus = bus
                    self.vm.protect(lo, hi - lo, 0 if bus else v.prot)
                    self._insert(w)

    def release_host_mappings(self):
        """The address space is gone (execve released its VM): close the
        host mappings its VMAs held (shared, and private file mappings)."""
        for v in self.vmas:
            if v.host is not None:
                v.host.close()

    # -- brk ---------------------------------------------------------------------------
    def set_brk_start(self, addr):
        self._drop_window()
        self.brk_start = self.brk_cur = addr
        self._build_window()

    def brk(self, new):
        """brk(2) served by the host (the guest code leaves the VM for what
        its window does not cover)."""
        if not self._lazy:
            return self._brk(new)
        self.sync()
        mm_hit = new > self.brk_cur and self._in_mwin(page_up(self.brk_cur), page_up(new))
        if mm_hit:
            self._drop_mwin()
        self._drop_window()
        try:
            return self._brk(new)
        finally:
            if mm_hit:
                self._build_mwin()
            self._build_window()

    def _brk(self, new):
        if new == 0 or new < self.brk_start:
            return self.brk_cur
        old_top = page_up(self.brk_cur)
        new_top = page_up(new)
        if new_top > old_top:
            if not self.is_free(old_top, new_top) or not self._within_as_limit(old_top, new_top):
                return self.brk_cur
            if new_top - old_top > self.total_memory:
                return self.brk_cur      # Linux's heuristic overcommit refuses more than RAM
            heap = self.find(old_top - 1) if old_top > self.brk_start else None
            try:
                self.vm.map(old_top, new_top - old_top, PROT_READ | PROT_WRITE)
            except Exception:
                return self.brk_cur
            if heap is not None and heap.kind == "heap":
                idx = self.vmas.index(heap)
                del self.vmas[idx]
                del self._starts[idx]
                heap.end = new_top
                self._insert(heap)
            else:
                self._insert(Vma(old_top, new_top, PROT_READ | PROT_WRITE, name="[heap]", kind="heap"))
        elif new_top < old_top:
            self.unmap(new_top, old_top - new_top)
        self.brk_cur = new
        return new

    # -- /proc/self/maps ---------------------------------------------------------------
    def _maps_view(self):
        """The VMAs as /proc/self/maps shows them: a file mapping split only
        by lxpack (its in-file and past-EOF pages) is one line, as on Linux."""
        self.sync()
        out = []
        for v in self.vmas:
            p = out[-1] if out else None
            if p is not None and p.kind == "file" and v.kind == "file" and p.end == v.start and \
                    p.name == v.name and p.prot == v.prot and p.shared == v.shared and \
                    p.offset + (p.end - p.start) == v.offset and p.sigbus != v.sigbus:
                out[-1] = p.split_copy(p.start, p.end)
                out[-1].end = v.end
                continue
            out.append(v)
        return out

    def maps_text(self):
        lines = []
        for v in self._maps_view():
            perms = "%s%s%s%s" % ("r" if v.prot & 1 else "-", "w" if v.prot & 2 else "-",
                                  "x" if v.prot & 4 else "-", "s" if v.shared else "p")
            dev = "%02x:%02x" % ((v.dev >> 8) & 0xfff, (v.dev & 0xff) | ((v.dev >> 12) & 0xfff00))
            line = "%08x-%08x %s %08x %s %-10d" % (v.start, v.end, perms, v.offset if v.kind == "file" else 0,
                                                    dev, v.ino)
            if v.name:
                line = line.ljust(73) + v.name
            lines.append(line.rstrip() + "\n" if not v.name else line + "\n")
        return "".join(lines)
