"""Host memory the guest maps: shared file mappings, shared anonymous
memory and (where the backend takes them) private file mappings handed to
the backend (vm.map_host), and the lazily reserved private memory an
emulator backend places guest pages in.

Owns: HostMapping (a libc mmap through ctypes: Python's mmap module refuses
mappings larger than the file), Memory.mmap_shared and mmap_private, and
reserve/discard/release (private anonymous read+write memory reserved
without swap or pages: the host gives a page its memory on first touch).
Protection, mapping and msync flags are Linux names translated through xlat
(X). Private to runtime/host (the facade is posix.PosixHost; a backend
imports reserve/discard/release directly). Python 3.9.
"""
from lxpack.abi import mman as M
from lxpack.runtime.host import clib as _clib
from lxpack.runtime.host._common import X
from lxpack.runtime.host.api import LinuxError


class Memory(object):
    """Host mappings (stateless)."""

    def mmap_shared(self, fd, size, offset, writable=True):
        """A host MAP_SHARED mapping (fd -1: anonymous) to map into the guest."""
        return HostMapping(fd, size, offset, writable)

    def mmap_private(self, fd, size, offset):
        """A host MAP_PRIVATE read-write mapping of a file: the guest's
        stores stay in this process (copy-on-write), untouched pages follow
        the file, as a Linux private mapping does."""
        return HostMapping(fd, size, offset, True, private=True)


class HostMapping(object):
    """A host mmap the guest sees through vm.map_host (shared file, shared
    anonymous memory, or a private file mapping)."""

    def __init__(self, fd, size, offset, writable, private=False):
        import ctypes
        libc = _libc()
        prot = X.prot_to_host(M.PROT_READ | (M.PROT_WRITE if writable else 0))
        flags = X.mmap_flags_to_host((M.MAP_PRIVATE if private else M.MAP_SHARED) |
                                     (M.MAP_ANONYMOUS if fd < 0 else 0))
        # SAFETY: a fresh mapping at an address chosen by the host kernel.
        addr = libc.mmap(None, ctypes.c_size_t(size), prot, flags, fd, ctypes.c_long(offset))
        if addr in (None, ctypes.c_void_p(-1).value):
            raise LinuxError(X.errno_to_linux(ctypes.get_errno()))
        self.address = addr
        self.size = size
        self.writable = writable

    def sync(self):
        import ctypes
        _libc().msync(ctypes.c_void_p(self.address), ctypes.c_size_t(self.size), _MS_SYNC)

    def close(self):
        import ctypes
        if self.address:
            # SAFETY: the guest no longer maps this memory (Mm.unmap checked).
            _libc().munmap(ctypes.c_void_p(self.address), ctypes.c_size_t(self.size))
            self.address = 0


def reserve(size):
    """The host address of `size` bytes of fresh private zero memory,
    read+write, reserved lazily (no swap, no pages until touched)."""
    import ctypes
    # SAFETY: a fresh mapping at an address chosen by the host kernel.
    addr = _libc().mmap(None, ctypes.c_size_t(size), _PROT_RW, _MAP_LAZY, -1, ctypes.c_long(0))
    if addr in (None, ctypes.c_void_p(-1).value):
        raise LinuxError(X.errno_to_linux(ctypes.get_errno()))
    return addr


def discard(addr, size):
    """Drop the pages of [addr, addr+size) inside memory from reserve():
    they read as zero again and give their memory back. A fixed mmap over
    the range does this on every POSIX host (madvise's DONTNEED does not
    zero on macOS); the address stays valid for whoever holds it."""
    import ctypes
    # SAFETY: the range lies inside a reservation this process owns.
    got = _libc().mmap(ctypes.c_void_p(addr), ctypes.c_size_t(size), _PROT_RW, _MAP_LAZY | _MAP_FIXED, -1,
                       ctypes.c_long(0))
    if got != addr:
        raise LinuxError(X.errno_to_linux(ctypes.get_errno()))


def release(addr, size):
    """Give a reservation back to the host (nobody may use it after)."""
    import ctypes
    # SAFETY: the caller's engine no longer exists.
    _libc().munmap(ctypes.c_void_p(addr), ctypes.c_size_t(size))


_MS_SYNC = X.msync_flags_to_host(M.MS_SYNC)
_PROT_RW = X.prot_to_host(M.PROT_READ | M.PROT_WRITE)
_MAP_LAZY = X.mmap_flags_to_host(M.MAP_PRIVATE | M.MAP_ANONYMOUS | M.MAP_NORESERVE)
_MAP_FIXED = X.mmap_flags_to_host(M.MAP_FIXED)
_LIBC = []


def _libc():
    if not _LIBC:
        import ctypes
        lib = _clib.open_libc()
        lib.mmap.restype = ctypes.c_void_p
        lib.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        lib.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _LIBC.append(lib)
    return _LIBC[0]
