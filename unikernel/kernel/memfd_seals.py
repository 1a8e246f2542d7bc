"""File seals of memfds (memfd_create(MFD_ALLOW_SEALING), F_ADD_SEALS,
F_GET_SEALS), kept and enforced by the unikernel: a memfd is an unlinked
host file, and no host (macOS least of all) seals it for us.

Owns: the seal table of a process (keyed by the host file's device and
inode, so every descriptor of one memfd shares its seals) and the checks
the write, truncate, fallocate and mmap paths make. The checks cost one
dictionary test while the process has made no memfd.
Semantics as Linux (mm/memfd.c): a memfd created without MFD_ALLOW_SEALING
starts with F_SEAL_SEAL; F_SEAL_SEAL forbids further seals; SHRINK and
GROW forbid size changes in that direction; WRITE and FUTURE_WRITE forbid
writes and new shared writable mappings (EPERM). Differences: seals live
in the process that made the memfd and are inherited by fork, not passed
with the descriptor over a socket; adding F_SEAL_WRITE does not check for
existing writable shared mappings (Linux: EBUSY).
Who may import this: unikernel/syscall/io.py, fs_meta.py, mm.py.
Travels inside bundles: Python 3.9.
"""
from lxpack.abi.fcntl import (F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE,
                              MFD_ALLOW_SEALING)  # noqa: F401  (memfd_seals.<NAME> for handlers)
from lxpack.unikernel.errors import EINVAL, EPERM

ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE   # the seals kept here


def _key(t, fd):
    st = t.host.fstat(fd)
    return (st.st_dev, st.st_ino), st


def created(t, fd, flags):
    _, st = _key(t, fd)
    t.process.memfd_seals[(st.st_dev, st.st_ino)] = 0 if flags & MFD_ALLOW_SEALING else F_SEAL_SEAL


def get(t, fd):
    key, _ = _key(t, fd)
    seals = t.process.memfd_seals.get(key)
    if seals is None:
        raise EINVAL()                 # not a memfd (shmem) file
    return seals


def add(t, fd, seals, writable):
    key, _ = _key(t, fd)
    table = t.process.memfd_seals
    cur = table.get(key)
    if cur is None or seals & ~ALL_SEALS:
        raise EINVAL()
    if not writable:
        raise EPERM()                  # Linux: the fd must be open for writing
    if cur & F_SEAL_SEAL:
        raise EPERM()
    table[key] = cur | seals


def check_write(t, fd, end=None):
    """A write (to end, when known) on fd: EPERM if a seal forbids it."""
    key, st = _key(t, fd)
    seals = t.process.memfd_seals.get(key)
    if not seals:
        return
    if seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
        raise EPERM()
    if seals & F_SEAL_GROW and end is not None and end > st.st_size:
        raise EPERM()


def check_resize(t, fd, new_size):
    key, st = _key(t, fd)
    seals = t.process.memfd_seals.get(key)
    if not seals:
        return
    if (new_size < st.st_size and seals & F_SEAL_SHRINK) or (new_size > st.st_size and seals & F_SEAL_GROW):
        raise EPERM()


def check_shared_writable_map(t, fd):
    key, _ = _key(t, fd)
    if t.process.memfd_seals.get(key, 0) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
        raise EPERM()
