"""Linux x86-64 ELF auxiliary vector types (AT_*; not the *at() flags, which
are in lxpack.abi.fcntl).

Sources: linux/auxvec.h, asm/auxvec.h (x86), getauxval(3). AT_RSEQ_* and
AT_HWCAP3/4 come from kernels newer than this machine's 6.1 headers.

Leaf module: constants only, no host access.
"""
import struct as _struct

from ._table import table as _table

AT_NULL = 0
AT_IGNORE = 1
AT_EXECFD = 2
AT_PHDR = 3
AT_PHENT = 4
AT_PHNUM = 5
AT_PAGESZ = 6
AT_BASE = 7
AT_FLAGS = 8
AT_ENTRY = 9
AT_NOTELF = 10
AT_UID = 11
AT_EUID = 12
AT_GID = 13
AT_EGID = 14
AT_PLATFORM = 15
AT_HWCAP = 16
AT_CLKTCK = 17
AT_SECURE = 23
AT_BASE_PLATFORM = 24
AT_RANDOM = 25
AT_HWCAP2 = 26
AT_RSEQ_FEATURE_SIZE = 27
AT_RSEQ_ALIGN = 28
AT_HWCAP3 = 29
AT_HWCAP4 = 30
AT_EXECFN = 31
AT_SYSINFO = 32          # i386 only; never in an x86-64 vector
AT_SYSINFO_EHDR = 33
AT_MINSIGSTKSZ = 51
AUXV_TYPES = _table(globals(), """AT_NULL AT_IGNORE AT_EXECFD AT_PHDR AT_PHENT AT_PHNUM
    AT_PAGESZ AT_BASE AT_FLAGS AT_ENTRY AT_NOTELF AT_UID AT_EUID AT_GID AT_EGID
    AT_PLATFORM AT_HWCAP AT_CLKTCK AT_SECURE AT_BASE_PLATFORM AT_RANDOM AT_HWCAP2
    AT_RSEQ_FEATURE_SIZE AT_RSEQ_ALIGN AT_HWCAP3 AT_HWCAP4 AT_EXECFN AT_SYSINFO_EHDR
    AT_MINSIGSTKSZ""")
AUXV_NAMES = {v: k for k, v in AUXV_TYPES.items()}

# Elf64_auxv_t { u64 a_type; u64 a_val; }
AUXV_ENTRY = _struct.Struct("<QQ")


def pack_auxv(pairs):
    """The auxv array for (type, value) pairs, AT_NULL-terminated."""
    out = [AUXV_ENTRY.pack(t, v & 0xFFFFFFFFFFFFFFFF) for t, v in pairs if t != AT_NULL]
    out.append(AUXV_ENTRY.pack(AT_NULL, 0))
    return b"".join(out)
