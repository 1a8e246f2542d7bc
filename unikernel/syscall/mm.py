"""Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
msync, mincore, mlock family.

Anonymous private memory lives in the backend's guest memory. Private
mappings of a regular file are host MAP_PRIVATE mappings handed to the
backend where it takes them (vm.maps_private_files: kvm), so mapping a
shared library costs a mapping, not a read; elsewhere (unicorn) the file's
contents are copied into guest memory at mmap time. Shared mappings of a
file opened for writing, and shared anonymous memory, are host mappings
mapped into the guest (vm.map_host), so writes reach the file and survive
fork like on Linux.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.mman import (MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE,
                             MAP_NORESERVE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE,
                             MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE)
from lxpack.abi.stat import S_IFCHR, S_IFMT, S_IFREG
from lxpack.runtime.vmm.base import PAGE_SIZE, page_up
from lxpack.unikernel.errors import EACCES, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, LinuxError
from lxpack.unikernel.kernel import mm as M
from lxpack.unikernel.kernel.vfs import devfs
from lxpack.unikernel.syscall.args import Hex, Int, Ptr, Size, ULong
from lxpack.unikernel.syscall.table import syscall

PROT_MASK = 7


@syscall("brk")
def sys_brk(t, addr: Ptr):
    """Implements brk(2): returns the new break, or the old one on failure."""
    return t.mem.brk(addr)


@syscall("mmap")
def sys_mmap(t, addr: Ptr, length: Size, prot: Hex, flags: Hex, fd: Int, offset: ULong):
    """Implements mmap(2)."""
    mm = t.mem
    mtype = flags & MAP_TYPE
    if length == 0 or mtype not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        raise EINVAL()
    if offset & (PAGE_SIZE - 1):
        raise EINVAL()
    size = page_up(length)
    if size == 0 or size > M.TASK_SIZE:
        raise ENOMEM()
    shared = mtype != MAP_PRIVATE
    anon = bool(flags & MAP_ANONYMOUS)
    if anon and not shared and not (flags & MAP_NORESERVE) and prot & 2 and size > mm.total_memory:
        raise ENOMEM()   # Linux's heuristic overcommit refuses more than RAM
    # Placement
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr & (PAGE_SIZE - 1) or addr + size > M.TASK_SIZE:
            raise EINVAL()
        if flags & MAP_FIXED_NOREPLACE and not (flags & MAP_FIXED) and not mm.is_free(addr, addr + size):
            raise EEXIST()
        start = addr
    elif addr and addr + size <= M.TASK_SIZE and mm.is_free(addr & ~(PAGE_SIZE - 1),
                                                             (addr & ~(PAGE_SIZE - 1)) + size) \
            and addr >= M.MMAP_MIN:
        start = addr & ~(PAGE_SIZE - 1)
    else:
        start = mm.find_free(size)
    prot &= PROT_MASK
    if anon:
        if shared:
            host_map = t.host.mmap_shared(-1, size, 0, writable=True)
            mm.map(start, size, prot, shared=True, name=devfs.SHARED_ANON_NAME, host=host_map, kind="anon")
        else:
            mm.map(start, size, prot)
        return start
    # File mappings
    st = t.host.fstat(fd)
    kind = st.st_mode & S_IFMT
    if kind not in (S_IFREG, S_IFCHR) and t.files.special(fd) is None:
        raise ENODEV()
    accmode = t.host.get_status_flags(fd) & 3
    if accmode == 1:
        raise EACCES()
    if shared and prot & 2 and accmode != 2:
        raise EACCES()
    if shared and prot & 2 and t.process.memfd_seals:
        from lxpack.unikernel.kernel import memfd_seals
        memfd_seals.check_shared_writable_map(t, fd)
    name = t.kernel.fd_path(t, fd).decode("utf-8", "surrogateescape")
    ident = dict(name=name, dev=st.st_dev, ino=st.st_ino, kind="file")
    # Pages wholly past the end of a regular file fault with SIGBUS.
    in_file = min(size, page_up(max(0, st.st_size - offset))) if kind == S_IFREG else size
    if in_file < size:
        mm.map(start + in_file, size - in_file, prot, shared=shared, offset=offset + in_file, sigbus=True, **ident)
    if in_file == 0:
        return start
    if shared and kind == S_IFREG:
        # The host's own shared mapping: the guest sees write(2) to the file
        # at once, and its stores reach the file, as on Linux.
        host_map = t.host.mmap_shared(fd, in_file, offset, writable=accmode == 2)
        mm.map(start, in_file, prot, shared=True, offset=offset, host=host_map, **ident)
        return start
    if kind == S_IFREG and mm.vm.maps_private_files:
        try:
            host_map = t.host.mmap_private(fd, in_file, offset)
        except LinuxError:
            host_map = None                   # a file the host cannot map: copied below
        if host_map is not None:
            mm.map(start, in_file, prot, offset=offset, host=host_map, **ident)
            return start
    data = b""
    if kind == S_IFREG and offset < st.st_size:
        data = t.host.pread(fd, min(length, st.st_size - offset), offset)
    mm.map(start, in_file, prot, shared=shared, offset=offset, data=data, **ident)   # /dev/zero & co: zero pages
    return start


@syscall("munmap")
def sys_munmap(t, addr: Ptr, length: Size):
    """Implements munmap(2)."""
    if addr & (PAGE_SIZE - 1) or length == 0 or addr + length > M.TASK_SIZE:
        raise EINVAL()
    t.mem.unmap(addr, length)
    return 0


@syscall("mprotect")
def sys_mprotect(t, addr: Ptr, length: Size, prot: Hex):
    """Implements mprotect(2)."""
    if addr & (PAGE_SIZE - 1) or prot & ~(PROT_MASK | 0x01000000 | 0x02000000):
        raise EINVAL()
    if length == 0:
        return 0
    t.mem.protect(addr, length, prot & PROT_MASK)
    return 0


def _one_file_mapping(mm, v, end):
    """Whether the VMAs from v up to end are one shared mapping of a file
    that lxpack keeps in parts (in the file, past its end): Linux's one VMA."""
    if not _shared_file(v):
        return False
    cur = v
    while cur.end < end:
        nxt = mm.find(cur.end)
        if nxt is None or not nxt.shared or nxt.kind != "file" or (nxt.dev, nxt.ino) != (v.dev, v.ino) \
                or nxt.offset != cur.offset + (cur.end - cur.start):
            return False
        cur = nxt
    return True


def _shared_file(v):
    return v.host is not None and v.shared and v.kind != "anon"


def _remap_shared_file(t, v, old, old_size, new_size, dest):
    """Move or grow a shared file mapping: the file mapped again at dest
    (grown in place when dest == old), through a descriptor of the file the
    process still holds (Python's mmap keeps one); its pages wholly past the
    end of the file SIGBUS on a touch, as mmap makes them. EINVAL when no
    descriptor of the file is open."""
    fd = None
    for cand in t.kernel.open_fds(t):
        try:
            st = t.host.fstat(cand)
        except LinuxError:
            continue
        if (st.st_dev, st.st_ino) == (v.dev, v.ino):
            fd = cand
            break
    if fd is None:
        raise EINVAL()
    mm = t.mem
    offset = v.offset + (old - v.start)
    prot, name, writable = v.prot, v.name, v.host.writable
    if dest != old:
        mm.unmap(dest, new_size)
    mm.unmap(old, old_size)
    ident = dict(name=name, dev=v.dev, ino=v.ino, kind="file")
    in_file = min(new_size, page_up(max(0, st.st_size - offset)))
    if in_file < new_size:
        mm.map(dest + in_file, new_size - in_file, prot, shared=True, offset=offset + in_file, sigbus=True,
               **ident)
    if in_file:
        host_map = t.host.mmap_shared(fd, in_file, offset, writable=writable)
        mm.map(dest, in_file, prot, shared=True, offset=offset, host=host_map, **ident)
    return dest


@syscall("mremap")
def sys_mremap(t, old: Ptr, old_size: Size, new_size: Size, flags: Hex, new_addr: Ptr):
    """Implements mremap(2): shrink, grow in place, or move (MREMAP_MAYMOVE,
    MREMAP_FIXED)."""
    mm = t.mem
    if old & (PAGE_SIZE - 1) or flags & ~7 or new_size == 0:
        raise EINVAL()
    if flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE:
        raise EINVAL()
    old_size = page_up(old_size)
    new_size = page_up(new_size)
    if flags & MREMAP_DONTUNMAP and (not flags & MREMAP_MAYMOVE or old_size != new_size):
        raise EINVAL()
    v = mm.find(old)
    if v is None or (old_size and v.end < old + old_size and not _one_file_mapping(mm, v, old + old_size)):
        raise EFAULT()
    if old_size == 0:
        old_size = v.end - old
    if not flags & MREMAP_FIXED:
        if new_size <= old_size:
            if new_size < old_size:
                mm.unmap(old + new_size, old_size - new_size)
            return old
        if v.host is None and old + old_size == v.end and mm.is_free(v.end, old + new_size):
            mm.extend(v, old + new_size)      # one VMA, as Linux grows it in place
            return old
        if _shared_file(v) and mm.is_free(old + old_size, old + new_size):
            return _remap_shared_file(t, v, old, old_size, new_size, old)
        if not flags & MREMAP_MAYMOVE:
            raise ENOMEM()
        dest = mm.find_free(new_size)
    else:
        if new_addr & (PAGE_SIZE - 1):
            raise EINVAL()
        dest = new_addr
    if _shared_file(v):
        if flags & MREMAP_DONTUNMAP:
            raise EINVAL()                    # not kept for a shared file mapping (Linux >= 5.13 does)
        return _remap_shared_file(t, v, old, old_size, new_size, dest)
    data = mm.vm.read(old, min(old_size, new_size))
    if v.host is not None and v.shared:
        # Shared memory moves by mapping the same host memory again.
        host_map = t.host.mmap_shared(-1, new_size, 0, writable=True) if v.kind == "anon" else None
        if host_map is None:
            raise EINVAL()
        mm.map(dest, new_size, v.prot, shared=True, name=v.name, host=host_map, kind=v.kind, data=data)
    else:
        mm.map(dest, new_size, v.prot, shared=v.shared, name=v.name, offset=v.offset, dev=v.dev, ino=v.ino,
               kind=v.kind, data=data)
    if not flags & MREMAP_DONTUNMAP:
        mm.unmap(old, old_size)
    return dest


# Linux's advice values (uapi asm-generic/mman-common.h): NORMAL..DONTNEED,
# FREE..COLLAPSE. Others are EINVAL (HWPOISON/SOFT_OFFLINE are not offered).
_MADV_KNOWN = frozenset(list(range(0, 5)) + list(range(8, 26)))


@syscall("madvise")
def sys_madvise(t, addr: Ptr, length: Size, advice: Int):
    """Implements madvise(2): MADV_DONTNEED/MADV_FREE zero private anonymous
    pages as Linux does; other advice is accepted."""
    if addr & (PAGE_SIZE - 1) or advice not in _MADV_KNOWN:
        raise EINVAL()
    end = addr + page_up(length)
    mm = t.mem
    if advice in (MADV_DONTNEED, MADV_FREE, MADV_REMOVE):
        cur = addr
        while cur < end:
            v = mm.find(cur)
            if v is None:
                raise ENOMEM()
            hi = min(v.end, end)
            if v.host is None and v.kind in ("anon", "heap", "stack"):
                n = hi - cur
                chunk = 1 << 20
                zero = bytes(min(n, chunk))
                off = 0
                while off < n:
                    k = min(chunk, n - off)
                    mm.vm.write(cur + off, zero[:k])
                    off += k
            cur = hi
    return 0


@syscall("msync")
def sys_msync(t, addr: Ptr, length: Size, flags: Int):
    """Implements msync(2); shared file mappings are host mappings, synced by the host."""
    if addr & (PAGE_SIZE - 1) or flags & ~7 or (flags & 1 and flags & 4):
        raise EINVAL()
    end = addr + page_up(length)
    cur = addr
    while cur < end:
        v = t.mem.find(cur)
        if v is None:
            raise ENOMEM()
        if v.host is not None and flags & 4:
            v.host.sync()
        cur = v.end
    return 0


@syscall("mincore")
def sys_mincore(t, addr: Ptr, length: Size, vec: Ptr):
    """Implements mincore(2): every mapped page is reported resident."""
    if addr & (PAGE_SIZE - 1):
        raise EINVAL()
    n = page_up(length) // PAGE_SIZE
    _check_mapped(t, addr, n * PAGE_SIZE)
    t.mem.write(vec, b"\x01" * n)
    return 0


def _check_mapped(t, addr, length):
    """mlock's ENOMEM: some page of the range is not mapped."""
    start = addr & ~(PAGE_SIZE - 1)
    end = page_up(addr + length)
    cur = start
    while cur < end:
        v = t.mem.find(cur)
        if v is None:
            raise ENOMEM()
        cur = v.end


@syscall("mlock", support="partial", note="checks the range; pages are not pinned")
def sys_mlock(t, addr: Ptr, length: Size):
    """Implements mlock(2): the range is checked (ENOMEM when unmapped) but
    not pinned (guest memory belongs to the runtime's host process)."""
    _check_mapped(t, addr, length)
    return 0


@syscall("munlock")
def sys_munlock(t, addr: Ptr, length: Size):
    """Implements munlock(2)."""
    _check_mapped(t, addr, length)
    return 0


@syscall("mlockall", support="partial", note="flags checked; pages are not pinned")
def sys_mlockall(t, flags: Int):
    """Implements mlockall(2): flags are checked, nothing is pinned."""
    if flags == 0 or flags & ~7:
        raise EINVAL()
    return 0


@syscall("munlockall")
def sys_munlockall(t):
    """Implements munlockall(2)."""
    return 0


@syscall("mlock2", support="partial", note="as mlock; MLOCK_ONFAULT accepted")
def sys_mlock2(t, addr: Ptr, length: Size, flags: Int):
    """Implements mlock2(2) like mlock (MLOCK_ONFAULT is the only flag)."""
    if flags & ~1:
        raise EINVAL()
    _check_mapped(t, addr, length)
    return 0
