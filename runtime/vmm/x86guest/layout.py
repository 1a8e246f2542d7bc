"""Guest physical and virtual layout shared by the runtime and the guest code
(unikernel/guest/entry.S hard-codes KBASE + FASTMASK/FASTVALS).

Physical (slot 0, host memory reserved with MAP_NORESERVE):
  0x01000 PML4                      0x10000 GDT      0x11000 IDT
  0x02000 kernel PDPT (PML4[511])   0x12000 TSS x MAX_VCPUS (128 bytes each)
  0x03000 kernel PD (2 MiB page)    0x14000 guest code (entry.bin)
  0x18000 fast-syscall mask (+0x40 served-function mask, +0x80 scratch,
          +0xC0 set_tid_address slot)
  0x19000 fast-syscall values       0x1A000 fast-path counters
  0x1B000 time page                 0x1C000 getrandom's pool of host random bytes
  0x40000 kernel stacks, 8 KiB per vCPU
  0x200000.. page tables and user memory (allocator)
Virtual: user space is the Linux process's own addresses (PML4 slots
0-255); the kernel's 2 MiB above sit at KBASE (PML4[511], PDPT[510]),
supervisor-only, so guest programs cannot touch them.

The syscall entry and its fast-path tables are also mapped user-accessible
at TRAMPOLINE (0x2000-0x6000), below vm.mmap_min_addr (0x10000) so no Linux
program can map anything there. Why user-accessible: on some hosts (seen on
this AMD machine under nested virtualization) SYSCALL jumps to LSTAR but
leaves CPL at 3, so the entry must run at either privilege level; it leaves
with `out` (allowed at CPL 3 for that one port by the TSS I/O bitmap) and returns with
sysretq, patched to `jmp rcx` where CPL stayed 3 (detected at the first
system call).
"""
KBASE = 0xFFFFFFFF80000000
PML4 = 0x1000
KPDPT = 0x2000
KPD = 0x3000
GDT = 0x10000
IDT = 0x11000
TSS = 0x12000
TSS_SIZE = 128
# The I/O permission bitmap after each TSS: of ports 0-0x1F only
# PORT_SYSCALL (0x10) is open to CPL 3.
IO_BITMAP = bytes([0xFF, 0xFF, 0xFE, 0xFF])
TSS_LIMIT = 104 + len(IO_BITMAP) - 1
CODE = 0x14000
FASTMASK = 0x18000
FASTVALS = 0x19000
FASTCOUNT = 0x1A000
TIMEPAGE = 0x1B000            # kvmclock record + offsets (see unikernel/guest/vdso.c)
TIMEPAGE_VA = 0x6000         # its user address, read by the vDSO
TRAMPOLINE = 0x2000          # user VA of CODE; TRAMPOLINE+0x1000.. = FASTMASK..FASTCOUNT
SYSRET_OFFSET = 0x27         # the sysretq in entry.bin (checked at load)
ENTRY_FAST_DONE = 0x23       # the jmp after the fast path has written rax
EXC_STUBS = 0xA00            # exception stub for vector v at CODE + EXC_STUBS + 32 * v
INVL_STUB = 0xE00            # the #UD handler (IST 1): at the served munmap's ud2, invlpg [rdi, rdi + rsi)
FNMASK = FASTMASK + 0x40     # syscalls served by entry.S's functions
SCRATCH = FASTMASK + 0x80    # rdi, rsi, rdx saved by a served function
TIDADDR = FASTMASK + 0xC0    # set_tid_address's pointer, then 1 once set in the VM
SIGBLOCKED = FASTMASK + 0xD0  # the signal mask of the process's one thread (rt_sigprocmask in the VM)
SIGPENDING = FASTMASK + 0xD8  # its pending signals, written before each entry
SIGSLOW = FASTMASK + 0xE0     # signals whose blocking the host must see (rt_sigprocmask exits)
SIGACTS = FASTMASK + 0x800    # 64 x 32-byte struct sigaction, for rt_sigaction queries in the VM
# brk served in the VM (assist.py, KvmBrkWindow): the break itself lives here
# (the unikernel's Mm reads it), with the window the guest code may make
# present without an exit: [page_up(BRKCUR), BRKWIN), whose PTEs (frame and
# rights set, not present) are in the PTWIN_PAGES page-table pages mapped
# user-writable at PTWIN_VA (the first PTE there is BRKBASE's; up to 8 MiB
# of break, below vm.mmap_min_addr like the trampoline).
BRKCUR = FASTMASK + 0x100
BRKSTART = FASTMASK + 0x108
BRKWIN = FASTMASK + 0x110
BRKBASE = FASTMASK + 0x118
PTWIN_VA = 0x8000
PTWIN_PAGES = 4
# Anonymous mmap/munmap served in the VM (assist.py, set_mmap_window): a
# window [MMLO, MMTOP) of prepared pages (frame and rights, not present)
# under the lowest mapping of the mmap area's first large hole; the guest
# code maps top-down from MMTOP and records each mapping's start in MMREC
# (MMCOUNT of them, each ending where the one before starts, the first at
# MMTOP) until the unikernel's Mm takes them into its VMAs. Lengths up to
# MMGAP are left to the host (a hole above would take them: first fit).
# The window's page-table pages are mapped user-writable at MMPTWIN_VA, after
# brk's, below vm.mmap_min_addr (the upper half is out of user mode's reach
# on a PVM host: its user-mode page tables hold the lower half only); the PTE of page
# va is at (va >> 9) + MMPTOFF. munmap of the lowest pending mapping is
# served when its pages were never accessed (no TLB entry can exist), or,
# with MMRING0 set, by invalidating at ring 0 (a ud2 the #UD handler
# serves: `int N` from user mode is refused on a PVM host).
MMTOP = FASTMASK + 0x120
MMLO = FASTMASK + 0x128
MMGAP = FASTMASK + 0x130
MMPTOFF = FASTMASK + 0x138
MMCOUNT = FASTMASK + 0x140
MMRING0 = FASTMASK + 0x148
MMREC = FASTMASK + 0x200
MMREC_MAX = 192
MMWIN_MAX = 0x800000
MMPTWIN_VA = 0xC000
MMPTWIN_PAGES = MMWIN_MAX >> 21
# The functions in entry.bin serving system calls (offsets, undo and fault
# rules, keyed by syscall number): fastpath.py.
RANDPOOL = 0x1C000           # getrandom's pool: u64 offset of the next unused byte, bytes from 64
RANDPOOL_VA = 0x7000
RANDPOOL_DATA = 64
KSTACKS = 0x40000
KSTACK_SIZE = 0x2000
MAX_VCPUS = 64
ALLOC_START = 0x200000

PORT_SYSCALL = 0x10
PORT_EXC = 0x100

# GDT selectors (Linux's layout: SYSRET needs user CS = STAR[63:48]+16, SS = +8)
SEL_KCODE = 0x10
SEL_KDATA = 0x18
SEL_UCODE32 = 0x23
SEL_UDATA = 0x2B
SEL_UCODE = 0x33
SEL_TSS0 = 0x40         # 16-byte TSS descriptors, one per vCPU

CR0_PE, CR0_MP, CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_PG = 1, 2, 0x10, 0x20, 0x10000, 0x40000, 0x80000000
CR4_PAE, CR4_PGE, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_OSXSAVE = 0x20, 0x80, 0x200, 0x400, 0x40000
CR4_FSGSBASE = 0x10000
EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE = 1, 0x100, 0x400, 0x800

PTE_P, PTE_W, PTE_U, PTE_PS, PTE_G = 1, 2, 4, 0x80, 0x100
PTE_NX = 1 << 63
