"""Preallocated ctypes buffers for unicorn's batched register calls
(uc_reg_read_batch / uc_reg_write_batch): one set per register list, built
once, so a system call or a signal frame costs no allocation. Pure ctypes.
Travels inside bundles: Python 3.9.
"""
import ctypes


class RegBatch(object):
    """Preallocated ctypes arrays for reading/writing a fixed register list."""

    def __init__(self, ids):
        n = len(ids)
        self.n = n
        self.ids = (ctypes.c_int * n)(*ids)
        self.vals = (ctypes.c_uint64 * n)()
        base_addr = ctypes.addressof(self.vals)
        self.ptrs = (ctypes.c_void_p * n)(*[base_addr + 8 * i for i in range(n)])


class WideBatch(object):
    """Like RegBatch, with a zero-padded 16-byte little-endian slot per register."""

    def __init__(self, ids):
        n = len(ids)
        self.n = n
        self.ids = (ctypes.c_int * n)(*ids)
        self.buf = (ctypes.c_ubyte * (16 * n))()
        base_addr = ctypes.addressof(self.buf)
        self.ptrs = (ctypes.c_void_p * n)(*[base_addr + 16 * i for i in range(n)])
