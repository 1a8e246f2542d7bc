"""The host's C library for ctypes, found without running anything.

Owns: open_libc(). ctypes.util.find_library("c") runs ldconfig (or gcc) in
a subprocess on Linux: milliseconds of start-up, and a child the guest would
then see in getrusage(RUSAGE_CHILDREN). Each caller gets its own CDLL so its
argtypes do not leak into another module's.
Travels inside bundles: Python 3.9.
"""
import ctypes
import sys


def open_libc():
    """A CDLL of the host libc with errno capture (ctypes.get_errno)."""
    if sys.platform == "darwin":
        return ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)      # glibc
    except OSError:
        return ctypes.CDLL(None, use_errno=True)             # musl & co: the libc python runs on
