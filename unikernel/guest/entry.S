/* lxpack guest kernel entry (hardware backends: kvm, later hvf).
 *
 * Runs at ring 0 inside the VM, at virtual KBASE + 0x14000 (see
 * runtime/vmm/kvm/layout.py for the physical and virtual layout). It has
 * two jobs only; everything else is done by the unikernel on the host side:
 *
 *   syscall_entry (MSR_LSTAR): system calls whose result is a per-process
 *     constant (getpid, gettid, getuid..., rseq's ENOSYS) are answered from
 *     the fast-value table without leaving the VM; all others leave with
 *     `out 0x10` (the registers are the hypercall arguments) and return to
 *     the user with sysretq once the host has written rax.
 *
 *   exception stubs (IDT vectors 0-31): save rax/rdx on the ring-0 stack,
 *     leave with `out` on port 0x100+vector; the host reads the CPU's
 *     exception frame and turns it into a Linux signal (or resumes).
 *
 * Build: build_entry.sh (GNU as); the flat binary entry.bin is committed.
 */
    .intel_syntax noprefix
    /* The syscall entry and its tables live in user-accessible pages at
     * 0x2000-0x6000, below the lowest address Linux lets programs map
     * (vm.mmap_min_addr = 0x10000): see runtime/vmm/kvm/layout.py for why. */
    .set FASTMASK, 0x3000               /* 512-bit mask: syscalls served in the VM */
    .set FASTVALS, 0x4000               /* 512 x u64 results */
    .set FASTCOUNT, 0x5000              /* 512 x u64 counters, read by --stats */
    .set PORT_SYSCALL, 0x10
    .set PORT_EXC, 0x100

    .text
    .code64
    .globl syscall_entry
syscall_entry:                          /* offset 0 */
    cmp rax, 511
    ja 1f
    bt qword ptr [FASTMASK], rax
    jnc 1f
    inc qword ptr [FASTCOUNT + rax*8]
    mov rax, qword ptr [FASTVALS + rax*8]
    jmp 2f
1:  out PORT_SYSCALL, al
2:  sysretq                             /* patched to `jmp rcx` (+nop) where SYSCALL leaves CPL at 3 */
    .globl sysret_patch

    .macro EXC n, has_err
    .balign 32
exc_\n:
    .if \has_err == 0
    push 0
    .endif
    push rax
    push rdx
    mov edx, PORT_EXC + \n
    out dx, al
    hlt
    .endm

    .balign 256                          /* exception stubs start at offset 0x100 */
exc_base:
    EXC 0, 0
    EXC 1, 0
    EXC 2, 0
    EXC 3, 0
    EXC 4, 0
    EXC 5, 0
    EXC 6, 0
    EXC 7, 0
    EXC 8, 1
    EXC 9, 0
    EXC 10, 1
    EXC 11, 1
    EXC 12, 1
    EXC 13, 1
    EXC 14, 1
    EXC 15, 0
    EXC 16, 0
    EXC 17, 1
    EXC 18, 0
    EXC 19, 0
    EXC 20, 0
    EXC 21, 1
    EXC 22, 0
    EXC 23, 0
    EXC 24, 0
    EXC 25, 0
    EXC 26, 0
    EXC 27, 0
    EXC 28, 0
    EXC 29, 1
    EXC 30, 1
    EXC 31, 0
