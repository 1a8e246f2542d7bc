"""Backend-neutral CPU and memory interface: what every hypervisor or
emulator backend offers the unikernel and the composition root (launch/).

Owns: the Backend/Vm/Vcpu protocols (optional hooks with no-op defaults),
the handler a run calls (RunHandler), optional in-VM assistance as one
declared object (InVmAssist, Vm.assist; None on unicorn), the exit records a
vCPU run returns (exits are data, after kvm-ioctls), protection bits,
GuestFault and GuestCrash. Callers use only what is declared here: nothing
outside runtime/vmm/ asks a backend its name or probes it with hasattr
(tests/unit/test_backend_interface.py). A new backend (Hypervisor.framework)
implements these classes and registers in registry.py.
Knows CPUs and memory, not Linux: never imports lxpack.unikernel.
Travels inside bundles: Python 3.9.

Flow: boot creates a Vm from a registered backend; the unikernel maps memory
through it and creates Vcpus; `Vcpu.run(handler)` executes guest code and calls
`handler.syscall(vcpu)` for every guest `syscall` instruction (straight from
the unicorn hook; from the hypercall page on kvm). `run` returns an Exit
when the guest faults, halts, or when someone asked it to stop (a signal
arrived, the task exits, execve replaced the image, a thread switch is due).
"""

# Vm.map/protect take Linux's protection bits (the unikernel passes a VMA's
# prot straight through); 4 KiB pages.
from lxpack.abi.mman import PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE  # noqa: F401 (interface)

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


class GuestCrash(Exception):
    """The guest's own kernel code failed (triple fault, fault at ring 0,
    failed entry) on a hardware backend: a bug in lxpack, reported with the
    registers."""


# ---- the interface every backend implements -----------------------------------
# Callers use these names only: optional hooks have no-op defaults here, and
# optional in-VM assistance is one declared object (Vm.assist), so nothing
# outside runtime/vmm/ asks a backend its name or probes it with hasattr.

class Backend(object):
    """A backend factory: registered by name in registry.py; one per run."""

    name = "?"                  # for `lxpack doctor`, --stats and messages only, never to branch on
    # Guest threads run concurrently, each on its own vCPU (hardware); False:
    # one engine runs one guest thread at a time and the unikernel schedules.
    parallel = False
    # Guest-virtual address of the time page the vDSO reads (patched into the
    # vDSO by boot); 0: none, the vDSO makes real system calls.
    timepage_address = 0
    # A vCPU running guest code on another host thread is interrupted with a
    # host signal (boot installs a no-op handler and passes it to
    # set_kick_signal before the guest starts).
    needs_kick_signal = False

    def create_vm(self):
        """A new, empty address space (Vm) for one Linux process."""
        raise NotImplementedError

    def cpu_facts(self):
        """dict(hwcap, hwcap2, vendor, model_name, flags) of the CPU the
        guest sees, for AT_HWCAP and /proc/cpuinfo."""
        raise NotImplementedError

    def set_kick_signal(self, sig):
        """The host signal that pulls another thread's vCPU out of guest
        code (see needs_kick_signal)."""


class Vm(object):
    """Guest physical+virtual memory of one Linux process (one address space).

    map/unmap/protect take page-aligned addresses and sizes. read/write raise
    GuestFault for unmapped memory (the runtime's own accesses ignore guest
    protections, as the kernel's copy_to_user does not for PROT_NONE... we
    check mappings only).
    """

    # The backend's in-VM assistance (an InVmAssist), or None when the
    # backend serves every system call through the handler (unicorn).
    assist = None

    # True when map_host may be given a host MAP_PRIVATE mapping of a file
    # (copy-on-write in the host): a private file mapping then costs a
    # mapping, not a read of the file into guest memory. False: the caller
    # copies the file's contents into memory from map().
    maps_private_files = False

    def map(self, addr, size, prot):
        raise NotImplementedError

    def map_host(self, addr, size, prot, host_address):
        """Map host memory (a host mmap, e.g. of a shared file) at addr; the
        caller keeps the host mapping alive until unmap()."""
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
        """A new Vcpu of this address space (its registers zero)."""
        raise NotImplementedError

    def enable_preemption(self):
        """Several guest threads will share this address space's engine
        (a backend that is not `parallel`): make Vcpu.preempt() work from
        the next Vcpu.run() on, whatever it costs the engine's speed."""

    def before_fork(self):
        """In the parent, just before the host fork(): take what the child
        needs to rebuild backend objects that do not survive a fork."""

    def after_fork_child(self):
        """In the child of a host fork(), before its vCPU runs again."""

    def close(self):
        """Release the address space (execve replaced the image)."""

    def code_written(self, addr, size):
        """The runtime wrote into guest code from outside (a debugger's
        breakpoint through ptrace): translated copies of it must go."""

    def reset(self):
        """For an execve of a single-threaded process: empty this address
        space (no mappings, fresh page tables and in-VM tables) and put its
        one vCPU back in a new vCPU's state, so the new image reuses the VM
        instead of paying for a new one. False when it cannot (more than one
        vCPU, ...): the caller then creates a new VM and closes this one."""
        return False


class Vcpu(object):
    """One guest CPU of a Vm; a guest thread runs on it.

    The unikernel sees the user's registers (names in GPR order: rax..r15,
    rip, rflags, fs_base, gs_base) whatever the guest is doing, as unsigned
    64-bit ints.
    """

    vm = None          # the Vm it belongs to
    task = None        # the unikernel's task running on it (set by the unikernel)
    runs = 0           # how many times run() returned (kick() watches it)
    # VM exits so far (--stats); None: the backend has no exits (an
    # emulator's hook hands every system call to the handler).
    exits = None
    context = None     # saved state while another guest thread runs (save/restore)

    # -- registers: on every system call ---------------------------------------
    def syscall_args(self):
        """[nr, a0, a1, a2, a3, a4, a5] of the system call being served."""
        raise NotImplementedError

    def set_rax(self, value):
        """The system call's result (a Linux value, -errno for an error)."""
        raise NotImplementedError

    # -- registers: rarer (signals, clone, execve) -------------------------------
    def get_regs(self):
        """All general registers: dict name -> unsigned int."""
        raise NotImplementedError

    def set_regs(self, regs):
        """Write the registers named in the dict; a new rip resumes the guest
        there (not after the system call being served)."""
        raise NotImplementedError

    def get_reg(self, name):
        raise NotImplementedError

    def set_reg(self, name, value):
        self.set_regs({name: value})

    def get_fpu_state(self):
        """The FXSAVE-format 512-byte FPU/SSE area (for signal frames)."""
        raise NotImplementedError

    def set_fpu_state(self, area):
        raise NotImplementedError

    def syscall_insn_addr(self):
        """Address of the `syscall` instruction being served (to restart it,
        or to start a new thread after it)."""
        raise NotImplementedError

    def in_guest(self):
        """True while called from inside the engine (unicorn's hook): the
        caller may not block there and must leave the hook first."""
        return False

    # -- running ---------------------------------------------------------------------
    def run(self, handler):
        """Execute guest code until an Exit (see the module docstring).
        handler: a RunHandler."""
        raise NotImplementedError

    def request_stop(self):
        """Make run() return StopExit (after the system call being served,
        when called from the handler)."""
        raise NotImplementedError

    def kick(self, grace=0.0):
        """From another thread: stop the guest soon (its task has
        wants_stop set first)."""
        raise NotImplementedError

    def preempt(self):
        """From another thread: stop the guest exactly (no instruction
        half done or run twice) at its next chance, to switch guest threads
        on a shared engine (Vm.enable_preemption first). True if that is
        under way; False if the backend cannot: then only a system call
        stops the guest exactly (task.wants_stop)."""
        return False

    def clone(self):
        """A new vCPU of the same Vm with this one's user registers (a new
        guest thread)."""
        raise NotImplementedError

    def save(self):
        """Before another guest thread runs on the same engine."""

    def restore(self):
        """Before this vCPU's guest thread runs again on the engine."""


class RunHandler(object):
    """What Vcpu.run() calls (the unikernel's dispatcher).

    syscall(vcpu): serve the guest's system call (registers through vcpu).
    guest_enter, guest_leave: None, or callables(vcpu) a hardware backend
    calls just before and after each entry into guest code (read at every
    entry: they change when the process gets threads).
    """

    guest_enter = None
    guest_leave = None

    def syscall(self, vcpu):
        raise NotImplementedError


class InVmAssist(object):
    """Optional in-VM assistance of a hardware backend (Vm.assist; None
    where every system call reaches the handler, as on unicorn).

    The guest code answers some system calls inside the VM, without an exit;
    the unikernel keeps what they need current here. Values are Linux
    values; syscall numbers are the architecture's (lxpack.abi NR_* names).

      fast-path table        set_fast_syscalls(values, served)
      set_tid_address        take_tid_address()
      signal mask, words     sigmask_cell(), set_signal_words(), set_sigactions()
      getrandom's pool       random_pool_size, random_pool_left(), refill_random_pool()
      guest clock            clock_ns() (time by syscall agrees with the vDSO)
      --stats                fast_counts()
      brk                    brk_cell(), set_brk_window(), drop_brk_window()
      anonymous mmap/munmap  serves_mmap(), set_mmap_window(), mmap_cursor(), take_mmap_records(),
                             set_mmap_gap(), give_back_mmap(), drop_mmap_window()
    """

    random_pool_size = 0        # bytes refill_random_pool takes

    def set_fast_syscalls(self, values, served=()):
        """{nr: result} the guest code answers itself (constants of the
        process), and the syscall numbers in `served` that the guest code's
        own functions may serve (those this CPU can). Everything else
        leaves the VM. set_fast_syscalls({}) turns the fast path off."""
        raise NotImplementedError

    def take_tid_address(self):
        """The pointer set_tid_address stored in the VM since the last call
        (None if it was not called there)."""
        raise NotImplementedError

    def sigmask_cell(self):
        """A ctypes u64 in guest memory holding the signal mask of the
        process's one thread while rt_sigprocmask is served in the VM."""
        raise NotImplementedError

    def set_sigactions(self, packed):
        """{sig: 32-byte Linux struct sigaction} for rt_sigaction queries
        served in the VM."""
        raise NotImplementedError

    def set_signal_words(self, pending, slow):
        """Before an entry: the pending signals (rt_sigprocmask unblocking
        one leaves the VM) and those whose blocking the host must see."""
        raise NotImplementedError

    def random_pool_left(self):
        """Unused bytes in getrandom's pool."""
        raise NotImplementedError

    def refill_random_pool(self, data):
        """Fill getrandom's pool with fresh host random bytes."""
        raise NotImplementedError

    def clock_ns(self, linux_clock):
        """The guest clock's time now for a Linux clock id (as the vDSO
        computes it), or None for clocks it does not serve."""
        raise NotImplementedError

    def fast_counts(self):
        """{nr: count} of system calls served inside the VM (--stats)."""
        raise NotImplementedError

    def brk_cell(self):
        """A ctypes u64 in guest memory holding the program break while brk
        is served in the VM, or None when this backend does not serve it."""
        return None

    def set_brk_window(self, start, lo, hi):
        """Let the guest code grow the break (lowest value start) over the
        free, page-aligned range [lo, hi); returns the end it accepted."""
        raise NotImplementedError

    def drop_brk_window(self):
        """Stop growing the break in the VM; the pages above it go back."""
        raise NotImplementedError

    def serves_mmap(self):
        """Whether the guest code serves anonymous mmap/munmap in a window."""
        return False

    def set_mmap_window(self, lo, hi, gap):
        """Let the guest code map anonymous memory top-down from hi within the
        free range [lo, hi), for lengths above gap; returns the low end it
        accepted (hi: none)."""
        raise NotImplementedError

    def mmap_cursor(self):
        """Where the window's free part ends (its lowest mapping)."""
        raise NotImplementedError

    def take_mmap_records(self):
        """The mappings made in the VM since the last call, [(start, end)]."""
        raise NotImplementedError

    def set_mmap_gap(self, gap):
        """Lengths up to gap are left to the host (a hole above fits them)."""
        raise NotImplementedError

    def give_back_mmap(self, lo, hi):
        """[lo, hi), unmapped just above the free part, joins the window."""
        raise NotImplementedError

    def drop_mmap_window(self):
        """Stop mapping in the VM; the free part's pages go back."""
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
