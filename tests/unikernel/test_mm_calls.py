"""Memory calls (mmap anonymous/fixed/file, munmap, mprotect, brk, mremap)
on the fake address space: placement, contents, protections seen by the
unikernel's copy-in/copy-out, and the EINVAL/ENOMEM/EEXIST/EACCES/EBADF
cases of the man pages."""
import pytest

from lxpack.abi import errno as E
from lxpack.abi import fcntl as F
from lxpack.abi import mman as M
from lxpack.abi.syscalls_x86_64 import (NR_brk, NR_mmap, NR_mprotect, NR_mremap, NR_munmap, NR_openat,
                                        NR_read, NR_write)

pytestmark = pytest.mark.unikernel

PAGE = 4096
RW = M.PROT_READ | M.PROT_WRITE
ANON = M.MAP_PRIVATE | M.MAP_ANONYMOUS


def mmap(g, length, prot=RW, flags=ANON, fd=-1, offset=0, addr=0):
    return g.call(NR_mmap, addr, length, prot, flags, fd, offset)


def guest_can_write(g, addr, data=b"!"):
    """Whether read(2) may store into addr (the kernel's copy_to_user)."""
    path = b"/tmp/src-%x" % addr
    if not g.host.exists(path):
        g.host.add_file(path, data)
    fd = g.call(NR_openat, -100, g.cstr(path), F.O_RDONLY, 0)
    return g.call(NR_read, fd, addr, len(data)) == len(data)


def guest_can_read(g, addr, n=1):
    """Whether write(2) may load from addr (copy_from_user)."""
    fd = g.call(NR_openat, -100, g.cstr("/tmp/sink"), F.O_WRONLY | F.O_CREAT, 0o644)
    return g.call(NR_write, fd, addr, n) == n


# ---- mmap ------------------------------------------------------------------------------------

def test_mmap_anonymous_is_page_aligned_zeroed_and_writable(g):
    addr = mmap(g, 3 * PAGE + 1)
    assert addr > 0 and addr % PAGE == 0
    assert g.read(addr, 4 * PAGE) == bytes(4 * PAGE)          # rounded up to whole pages
    assert guest_can_write(g, addr + 4 * PAGE - 1)
    v = g.mem.find(addr)
    assert (v.start, v.end, v.prot) == (addr, addr + 4 * PAGE, RW)


def test_mmap_places_new_maps_top_down_without_overlap(g):
    a = mmap(g, PAGE)
    b = mmap(g, PAGE)
    assert b + PAGE <= a                                        # below the previous one


def test_mmap_hint_is_used_when_free(g):
    hint = 0x40000000
    assert mmap(g, PAGE, addr=hint) == hint
    assert mmap(g, PAGE, addr=hint) != hint                     # taken: another place, no error


def test_mmap_fixed_replaces_what_was_there(g):
    addr = mmap(g, 2 * PAGE)
    g.mem.vm.write(addr, b"old")
    assert mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=addr) == addr
    assert g.read(addr, 3) == b"\0\0\0"


def test_mmap_fixed_noreplace_over_a_mapping_is_eexist(g):
    addr = mmap(g, PAGE)
    assert mmap(g, PAGE, flags=ANON | M.MAP_FIXED_NOREPLACE, addr=addr) == -E.EEXIST
    assert mmap(g, PAGE, flags=ANON | M.MAP_FIXED_NOREPLACE, addr=0x50000000) == 0x50000000


def test_mmap_einval_cases(g):
    assert mmap(g, 0) == -E.EINVAL                                      # length 0
    assert mmap(g, PAGE, flags=M.MAP_ANONYMOUS) == -E.EINVAL            # neither SHARED nor PRIVATE
    assert mmap(g, PAGE, offset=100) == -E.EINVAL                       # offset not page-aligned
    assert mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=0x40000123) == -E.EINVAL


def test_mmap_enomem_cases(g):
    assert mmap(g, 1 << 60) == -E.ENOMEM                                # more than the address space
    # Heuristic overcommit (mode 0) refuses a private writable map far beyond RAM.
    assert mmap(g, 64 << 30) == -E.ENOMEM
    assert mmap(g, 64 << 30, flags=ANON | M.MAP_NORESERVE) > 0


def test_mmap_file_errors(g):
    g.host.add_file(b"/tmp/f", b"x" * 100)
    wfd = g.call(NR_openat, -100, g.cstr("/tmp/f"), F.O_WRONLY, 0)
    rfd = g.call(NR_openat, -100, g.cstr("/tmp/f"), F.O_RDONLY, 0)
    assert mmap(g, PAGE, flags=M.MAP_PRIVATE, fd=77) == -E.EBADF
    assert mmap(g, PAGE, flags=M.MAP_PRIVATE, fd=wfd) == -E.EACCES      # not open for reading
    assert mmap(g, PAGE, flags=M.MAP_SHARED, fd=rfd) == -E.EACCES       # PROT_WRITE shared on O_RDONLY
    d = g.call(NR_openat, -100, g.cstr("/tmp"), F.O_RDONLY | F.O_DIRECTORY, 0)
    assert mmap(g, PAGE, prot=M.PROT_READ, flags=M.MAP_PRIVATE, fd=d) == -E.ENODEV      # not mappable


def test_mmap_private_file_copies_its_contents(g):
    g.host.add_file(b"/tmp/f", b"file contents")
    fd = g.call(NR_openat, -100, g.cstr("/tmp/f"), F.O_RDONLY, 0)
    addr = mmap(g, PAGE, prot=M.PROT_READ, flags=M.MAP_PRIVATE, fd=fd)
    assert addr > 0 and g.read(addr, 14) == b"file contents\0"
    assert g.mem.find(addr).name == "/tmp/f"


def test_mmap_shared_anonymous(g):
    addr = mmap(g, PAGE, flags=M.MAP_SHARED | M.MAP_ANONYMOUS)
    assert addr > 0 and g.mem.find(addr).shared


# ---- munmap ----------------------------------------------------------------------------------

def test_munmap_makes_the_range_fault(g):
    addr = mmap(g, 3 * PAGE)
    assert g.call(NR_munmap, addr + PAGE, PAGE) == 0
    assert guest_can_write(g, addr) and guest_can_write(g, addr + 2 * PAGE)
    assert not guest_can_write(g, addr + PAGE)                  # read(2) into it: EFAULT
    assert g.mem.find(addr + PAGE) is None


def test_munmap_of_nothing_succeeds(g):
    assert g.call(NR_munmap, 0x60000000, PAGE) == 0


def test_munmap_einval_cases(g):
    addr = mmap(g, PAGE)
    assert g.call(NR_munmap, addr + 1, PAGE) == -E.EINVAL       # unaligned
    assert g.call(NR_munmap, addr, 0) == -E.EINVAL              # length 0 (since 2.6.12)
    assert g.call(NR_munmap, 0x7FFFFFFFF000, 2 * PAGE) == -E.EINVAL   # past the address space


# ---- mprotect --------------------------------------------------------------------------------

def test_mprotect_read_only_stops_copy_out(g):
    addr = mmap(g, 2 * PAGE)
    assert g.call(NR_mprotect, addr, PAGE, M.PROT_READ) == 0
    assert g.mem.find(addr).prot == M.PROT_READ and g.mem.find(addr + PAGE).prot == RW
    assert not guest_can_write(g, addr)
    assert guest_can_read(g, addr)
    assert guest_can_write(g, addr + PAGE)


def test_mprotect_none_stops_copy_in(g):
    addr = mmap(g, PAGE)
    assert g.call(NR_mprotect, addr, PAGE, M.PROT_NONE) == 0
    assert not guest_can_read(g, addr)


def test_mprotect_errors(g):
    addr = mmap(g, PAGE)
    assert g.call(NR_mprotect, addr + 1, PAGE, M.PROT_READ) == -E.EINVAL      # unaligned
    assert g.call(NR_mprotect, addr, PAGE, 0x40) == -E.EINVAL                 # unknown prot bit
    assert g.call(NR_mprotect, 0x60000000, PAGE, M.PROT_READ) == -E.ENOMEM    # not mapped
    assert g.call(NR_mprotect, addr, 2 * PAGE, M.PROT_READ) == -E.ENOMEM      # partly mapped
    assert g.call(NR_mprotect, addr, 0, M.PROT_READ) == 0                     # empty range


# ---- brk -------------------------------------------------------------------------------------

def test_brk_query_grow_and_shrink(g):
    start = g.call(NR_brk, 0)
    assert start == g.BRK_START
    assert g.call(NR_brk, start + 3 * PAGE + 5) == start + 3 * PAGE + 5
    assert guest_can_write(g, start + 3 * PAGE)
    assert g.call(NR_brk, start + PAGE) == start + PAGE
    assert not guest_can_write(g, start + 2 * PAGE)             # given back


def test_brk_failure_returns_the_current_break(g):
    start = g.call(NR_brk, 0)
    assert g.call(NR_brk, start - PAGE) == start                # below the start: unchanged
    mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=start + 4 * PAGE)
    assert g.call(NR_brk, start + 8 * PAGE) == start            # would overlap a mapping


# ---- mremap ----------------------------------------------------------------------------------

def test_mremap_shrinks_in_place(g):
    addr = mmap(g, 4 * PAGE)
    assert g.call(NR_mremap, addr, 4 * PAGE, PAGE, 0, 0) == addr
    assert g.mem.find(addr + PAGE) is None


def test_mremap_grows_in_place_when_free(g):
    addr = 0x40000000
    mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=addr)
    g.mem.vm.write(addr, b"keep")
    assert g.call(NR_mremap, addr, PAGE, 3 * PAGE, 0, 0) == addr
    assert g.read(addr, 4) == b"keep" and g.mem.find(addr + 2 * PAGE) is not None


def test_mremap_maymove_moves_the_contents(g):
    addr = 0x40000000
    mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=addr)
    mmap(g, PAGE, flags=ANON | M.MAP_FIXED, addr=addr + PAGE)   # blocks growing in place
    g.mem.vm.write(addr, b"moved")
    assert g.call(NR_mremap, addr, PAGE, 2 * PAGE, 0, 0) == -E.ENOMEM   # without MREMAP_MAYMOVE
    new = g.call(NR_mremap, addr, PAGE, 2 * PAGE, M.MREMAP_MAYMOVE, 0)
    assert new > 0 and new != addr and g.read(new, 5) == b"moved"
    assert g.mem.find(addr) is None                                     # the old range is gone


def test_mremap_fixed(g):
    addr = mmap(g, PAGE)
    g.mem.vm.write(addr, b"there")
    dest = 0x48000000
    assert g.call(NR_mremap, addr, PAGE, PAGE, M.MREMAP_MAYMOVE | M.MREMAP_FIXED, dest) == dest
    assert g.read(dest, 5) == b"there"


def test_mremap_errors(g):
    addr = mmap(g, PAGE)
    assert g.call(NR_mremap, addr + 1, PAGE, 2 * PAGE, M.MREMAP_MAYMOVE, 0) == -E.EINVAL   # unaligned
    assert g.call(NR_mremap, addr, PAGE, 0, M.MREMAP_MAYMOVE, 0) == -E.EINVAL             # new_size 0
    assert g.call(NR_mremap, addr, PAGE, 2 * PAGE, 0x80, 0) == -E.EINVAL                  # unknown flag
    assert g.call(NR_mremap, addr, PAGE, 2 * PAGE, M.MREMAP_FIXED, 0x48000000) == -E.EINVAL  # FIXED alone
    assert g.call(NR_mremap, 0x60000000, PAGE, 2 * PAGE, M.MREMAP_MAYMOVE, 0) == -E.EFAULT  # not mapped
