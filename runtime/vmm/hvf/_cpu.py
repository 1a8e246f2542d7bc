"""The host CPU's RDTSC and CPUID for the hvf backend (and its test double).

Owns: two tiny machine-code thunks in an executable page (Python cannot
execute RDTSC or CPUID itself): rdtsc() is the TSC the guest clock is
derived from (the vDSO's time page and InVmAssist.clock_ns read the same
counter), cpuid() is what the VMM answers a guest CPUID exit with (VMX exits
on every CPUID) and what cpu_facts reports. x86-64 hosts only.
Travels inside bundles: Python 3.9.
"""
import ctypes
import mmap

# rdtsc: rdtsc; shl rdx, 32; or rax, rdx; ret
_RDTSC = b"\x0f\x31\x48\xc1\xe2\x20\x48\x09\xd0\xc3"
# cpuid(leaf=edi, sub=esi, out=rdx): push rbx; mov r8, rdx; mov eax, edi; mov ecx, esi; cpuid;
# mov [r8], eax; mov [r8+4], ebx; mov [r8+8], ecx; mov [r8+12], edx; pop rbx; ret
_CPUID = (b"\x53\x49\x89\xd0\x89\xf8\x89\xf1\x0f\xa2\x41\x89\x00\x41\x89\x58\x04\x41\x89\x48\x08"
          b"\x41\x89\x50\x0c\x5b\xc3")

_page = None
rdtsc = None
_cpuid = None


def _load():
    global _page, rdtsc, _cpuid
    _page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    _page.write(_RDTSC.ljust(64, b"\xcc") + _CPUID)
    # SAFETY: the page holds the two functions above and stays mapped for
    # the life of the process (module global).
    addr = ctypes.addressof(ctypes.c_char.from_buffer(_page))
    rdtsc = ctypes.CFUNCTYPE(ctypes.c_uint64)(addr)
    _cpuid = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p)(addr + 64)


_load()


def cpuid(leaf, sub=0):
    """(eax, ebx, ecx, edx) of CPUID leaf/sub-leaf on the host CPU."""
    out = (ctypes.c_uint32 * 4)()
    _cpuid(leaf, sub, ctypes.addressof(out))
    return tuple(out)
