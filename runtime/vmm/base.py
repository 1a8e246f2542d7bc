"""Backend-neutral CPU and memory interface: what every hypervisor or
emulator backend offers the unikernel.

Owns: the Backend/Vm/Vcpu protocols, the exit records a vCPU run returns
(exits are data, after kvm-ioctls), protection bits, and GuestFault.
Knows CPUs and memory, not Linux: never imports lxpack.unikernel.
Travels inside bundles: Python 3.9.

Flow: boot creates a Vm from a registered backend; the unikernel maps memory
through it and creates Vcpus; `Vcpu.run(handler)` executes guest code and calls
`handler.syscall(vcpu)` for every guest `syscall` instruction (straight from
the unicorn hook; from the hypercall page on kvm). `run` returns an Exit
when the guest faults, halts, or when someone asked it to stop (a signal
arrived, the task exits, execve replaced the image, a thread switch is due).
"""

PROT_NONE = 0
PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4

PAGE_SIZE = 4096
PAGE_MASK = ~(PAGE_SIZE - 1)


def page_down(x):
    return x & PAGE_MASK


def page_up(x):
    return (x + PAGE_SIZE - 1) & PAGE_MASK


class GuestFault(Exception):
    """A guest memory access by the runtime (copy_in/copy_out) hit unmapped
    or protected memory; the unikernel turns it into EFAULT."""

    def __init__(self, addr, size=0):
        Exception.__init__(self, "guest fault at %#x" % addr)
        self.addr = addr
        self.size = size


# ---- exits: why Vcpu.run() returned ----------------------------------------

class Exit(object):
    __slots__ = ()


class StopExit(Exit):
    """The run was stopped on request (Vcpu.request_stop / kick)."""
    __slots__ = ()

    def __repr__(self):
        return "StopExit()"


class HaltExit(Exit):
    """The guest executed HLT at ring 3 (a #GP on real hardware)."""
    __slots__ = ("rip",)

    def __init__(self, rip):
        self.rip = rip


class FaultExit(Exit):
    """A CPU exception in guest code.

    kind: 'page' (addr = faulting address, access = 'read'|'write'|'exec',
    reason = 'unmapped'|'protection'), 'invalid_opcode', 'divide',
    'breakpoint', 'general_protection', 'fpu', 'simd'.
    """
    __slots__ = ("kind", "addr", "access", "reason", "rip")

    def __init__(self, kind, rip, addr=0, access=None, reason=None):
        self.kind = kind
        self.rip = rip
        self.addr = addr
        self.access = access
        self.reason = reason

    def __repr__(self):
        return "FaultExit(%s rip=%#x addr=%#x %s %s)" % (self.kind, self.rip, self.addr, self.access, self.reason)


class Backend(object):
    """A backend factory: registered by name in registry.py."""

    name = "?"

    def create_vm(self):
        raise NotImplementedError


class Vm(object):
    """Guest physical+virtual memory of one Linux process (one address space).

    map/unmap/protect take page-aligned addresses and sizes. read/write raise
    GuestFault for unmapped memory (the runtime's own accesses ignore guest
    protections, as the kernel's copy_to_user does not for PROT_NONE... we
    check mappings only).
    """

    def map(self, addr, size, prot):
        raise NotImplementedError

    def unmap(self, addr, size):
        raise NotImplementedError

    def protect(self, addr, size, prot):
        raise NotImplementedError

    def read(self, addr, size):
        raise NotImplementedError

    def write(self, addr, data):
        raise NotImplementedError

    def new_vcpu(self):
        raise NotImplementedError


# /proc/cpuinfo flag names of the CPUID bits the guest is told about
# (leaf 1 EDX/ECX, leaf 7 EBX), shared by every backend.
FLAG_NAMES_EDX1 = {0: "fpu", 1: "vme", 2: "de", 3: "pse", 4: "tsc", 5: "msr", 6: "pae", 7: "mce", 8: "cx8",
                   9: "apic", 11: "sep", 12: "mtrr", 13: "pge", 14: "mca", 15: "cmov", 16: "pat", 17: "pse36",
                   19: "clflush", 23: "mmx", 24: "fxsr", 25: "sse", 26: "sse2", 28: "ht"}
FLAG_NAMES_ECX1 = {0: "pni", 1: "pclmulqdq", 9: "ssse3", 12: "fma", 13: "cx16", 19: "sse4_1", 20: "sse4_2",
                   22: "movbe", 23: "popcnt", 25: "aes", 26: "xsave", 28: "avx", 29: "f16c", 30: "rdrand",
                   31: "hypervisor"}
FLAG_NAMES_EBX7 = {0: "fsgsbase", 3: "bmi1", 5: "avx2", 7: "smep", 8: "bmi2", 9: "erms", 18: "rdseed",
                   19: "adx", 29: "sha_ni"}


def cpuinfo_flags(edx1, ecx1, ebx7):
    """The flags line of /proc/cpuinfo for these CPUID registers (a list)."""
    flags = [n for bitno, n in sorted(FLAG_NAMES_EDX1.items()) if edx1 >> bitno & 1]
    flags += [n for bitno, n in sorted(FLAG_NAMES_ECX1.items()) if ecx1 >> bitno & 1]
    flags += [n for bitno, n in sorted(FLAG_NAMES_EBX7.items()) if ebx7 >> bitno & 1]
    return flags
