/* lxpack guest kernel entry (hardware backends: kvm, later hvf).
 *
 * Runs at ring 0 inside the VM, at virtual KBASE + 0x14000 (see
 * runtime/vmm/x86guest/layout.py for the physical and virtual layout). It has
 * two jobs only; everything else is done by the unikernel on the host side:
 *
 *   syscall_entry (MSR_LSTAR): system calls whose result is a per-process
 *     constant (getpid, gettid, getuid..., rseq's ENOSYS) are answered from
 *     the fast-value table without leaving the VM; a few more are served by
 *     the small functions below (set_tid_address, arch_prctl(ARCH_SET_FS),
 *     getcpu, getrandom from a pool of host random bytes, rt_sigprocmask on a
 *     mask kept in the VM, rt_sigaction queries from a copy of the actions)
 *     when their bit is set in FNMASK; all others leave
 *     with `out 0x10` (the registers are the hypercall arguments) and return
 *     to the user with sysretq once the host has written rax.
 *
 *   exception stubs (IDT vectors 0-31): save rax/rdx on the ring-0 stack,
 *     leave with `out` on port 0x100+vector; the host reads the CPU's
 *     exception frame and turns it into a Linux signal (or resumes).
 *
 * Rules for the served functions (the host relies on them, see
 * KvmVcpu._fast_fn_fixup): they change no register but rax until their
 * `saved` label, and only registers saved in SCRATCH after it; each is safe
 * to run again from the start (an interrupted call is restarted); a fault
 * on a user address inside one is turned by the host into -EFAULT. The
 * ones using SCRATCH are enabled only while the process has one thread.
 *
 * Build: build_entry.sh (GNU as); the flat binary entry.bin is committed,
 * and tests/unit/test_guest_entry.py checks it and the offsets in layout.py.
 */
    .intel_syntax noprefix
    /* The syscall entry and its tables live in user-accessible pages at
     * 0x2000-0x6000, below the lowest address Linux lets programs map
     * (vm.mmap_min_addr = 0x10000): see runtime/vmm/x86guest/layout.py for why. */
    .set FASTMASK, 0x3000               /* 512-bit mask: syscalls served in the VM */
    .set FASTVALS, 0x4000               /* 512 x u64 results */
    .set FASTCOUNT, 0x5000              /* 512 x u64 counters, read by --stats */
    .set FNMASK, 0x3040                 /* 512-bit mask: syscalls served by the functions below */
    .set SCRATCH, 0x3080                /* registers saved by a served function (one vCPU only) */
    .set TIDADDR, 0x30C0                /* set_tid_address's pointer, +8: 1 once set in the VM */
    .set SIGBLOCKED, 0x30D0             /* the thread's signal mask (one thread only) */
    .set SIGPENDING, 0x30D8             /* pending signals, written by the host before each entry */
    .set SIGSLOW, 0x30E0                /* signals whose blocking the host must see (its own mirror) */
    .set SIGACTS, 0x3800                /* 64 x struct sigaction (handler, flags, restorer, mask) */
    .set BRKCUR, 0x3100                 /* the program break (the host's Mm reads it here too) */
    .set BRKSTART, 0x3108               /* the break's lowest value */
    .set BRKWIN, 0x3110                 /* brk may grow in the VM up to here (page-aligned; 0: never) */
    .set BRKBASE, 0x3118                /* the virtual address whose PTE is the first of PTWIN */
    .set PTWIN, 0x8000                  /* 4 page-table pages covering the window, user-writable */
    /* Anonymous mmap served in the VM (assist.py, set_mmap_window): a window
     * of prepared pages (frame and rights in the PTE, not present) whose
     * page-table pages are mapped user-writable at MMPTWIN_VA (layout.py);
     * mappings are made top-down from its top, each recorded in MMREC until
     * the host's Mm takes the records into its VMA list. */
    .set MMTOP, 0x3120                  /* the window's free part ends here when no record is pending */
    .set MMLO, 0x3128                   /* ... and starts here (all ones: no window) */
    .set MMGAP, 0x3130                  /* served only for lengths above this (a hole above fits less) */
    .set MMPTOFF, 0x3138                /* the PTE of page va is at (va >> 9) + MMPTOFF */
    .set MMCOUNT, 0x3140                /* records pending in MMREC */
    .set MMRING0, 0x3148                /* 1: munmap of touched pages invalidates with int 0x81 */
    .set MMREC, 0x3200                  /* u64 starts, each below the one before (its end) or MMTOP */
    .set MMREC_MAX, 192
    .set MMWIN_MAX, 0x800000            /* longest mapping served (the window's size) */
    .set RANDPOOL, 0x7000               /* u64 offset of the next unused byte, random bytes from 64 */
    .set PORT_SYSCALL, 0x10
    .set PORT_EXC, 0x100

    .text
    .code64
    .globl syscall_entry
syscall_entry:                          /* offset 0 */
    cmp rax, 511
    ja 1f
    bt qword ptr [FASTMASK], rax
    jnc 3f
    inc qword ptr [FASTCOUNT + rax*8]
    mov rax, qword ptr [FASTVALS + rax*8]
    jmp 2f                              /* ENTRY_FAST_DONE */
1:  out PORT_SYSCALL, al
2:  sysretq                             /* patched to `jmp rcx` (+nop) where SYSCALL leaves CPL at 3 */
    .globl sysret_patch
3:  bt qword ptr [FNMASK], rax
    jnc 1b
    inc qword ptr [FASTCOUNT + rax*8]
    cmp eax, 218
    je fn_set_tid_address
    cmp eax, 158
    je fn_arch_prctl
    cmp eax, 309
    je fn_getcpu
    cmp eax, 318
    je fn_getrandom
    cmp eax, 14
    je fn_rt_sigprocmask
    cmp eax, 13
    je fn_rt_sigaction
    cmp eax, 12
    je fn_brk
    cmp eax, 9
    je fn_mmap
    cmp eax, 11
    je fn_munmap
    jmp 1b

    /* Served functions: between FN_START and FN_END (layout.py). */
    .balign 16
    .globl fn_start
fn_start:
    .globl fn_set_tid_address
fn_set_tid_address:                     /* the tid is FASTVALS[218] */
    mov qword ptr [TIDADDR], rdi
    mov qword ptr [TIDADDR + 8], 1
    mov rax, qword ptr [FASTVALS + 218*8]
    jmp 2b

    .globl fn_arch_prctl
fn_arch_prctl:                          /* ARCH_SET_FS with a user address only */
    cmp rdi, 0x1002
    jne 9f
    mov rax, 0x7FFFFFFFF000             /* TASK_SIZE_MAX */
    cmp rsi, rax
    jae 9f
    wrfsbase rsi
    xor eax, eax
    jmp 2b
9:  mov eax, 158
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b

    .globl fn_getcpu
fn_getcpu:                              /* CPU 0, node 0, as the host path */
    test rdi, rdi
    jz 4f
    mov dword ptr [rdi], 0
4:  test rsi, rsi
    jz 5f
    mov dword ptr [rsi], 0
5:  xor eax, eax
    jmp 2b

    .globl fn_getrandom
fn_getrandom:                           /* up to 256 bytes from the pool */
    test edx, -8
    jnz 8f
    mov eax, edx
    and eax, 6
    cmp eax, 6                          /* GRND_RANDOM | GRND_INSECURE: EINVAL */
    je 8f
    cmp rsi, 256
    ja 8f
    mov rax, qword ptr [RANDPOOL]       /* offset of the first unused byte */
    add rax, rsi
    cmp rax, 4096
    jbe 9f                              /* else the host serves and refills */
8:  mov eax, 318
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b
9:  mov qword ptr [SCRATCH], rdi
    mov qword ptr [SCRATCH + 8], rsi
    mov qword ptr [SCRATCH + 16], rdx
    .globl fn_getrandom_saved
fn_getrandom_saved:                     /* from here to the function's end rdi/rsi/rdx are in SCRATCH */
    mov qword ptr [RANDPOOL], rax       /* take the bytes before using them: never twice */
    sub rax, rsi
    add rax, RANDPOOL
6:  cmp rsi, 8
    jb 7f
    mov rdx, qword ptr [rax]
    mov qword ptr [rax], 0              /* used bytes do not stay in memory */
    mov qword ptr [rdi], rdx
    add rax, 8
    add rdi, 8
    sub rsi, 8
    jmp 6b
7:  test rsi, rsi
    jz 12f
    mov dl, byte ptr [rax]
    mov byte ptr [rax], 0
    mov byte ptr [rdi], dl
    inc rax
    inc rdi
    dec rsi
    jmp 7b
12: mov rdi, qword ptr [SCRATCH]
    mov rsi, qword ptr [SCRATCH + 8]
    mov rdx, qword ptr [SCRATCH + 16]
    mov rax, rsi
    jmp 2b

    .globl fn_rt_sigprocmask
fn_rt_sigprocmask:                      /* the mask lives in SIGBLOCKED */
    cmp r10, 8
    jne 18f
    test rsi, rsi
    jz 16f
    cmp rdi, 2
    ja 18f                              /* bad `how`: the host says EINVAL */
    mov rax, qword ptr [rsi]            /* the new set (a fault: EFAULT, nothing changed) */
    btr rax, 8                          /* SIGKILL and SIGSTOP cannot be blocked */
    btr rax, 18
    cmp edi, 1
    je 13f
    cmp edi, 2
    je 14f
    or rax, qword ptr [SIGBLOCKED]      /* SIG_BLOCK */
    jmp 14f
13: not rax                             /* SIG_UNBLOCK */
    and rax, qword ptr [SIGBLOCKED]
14: mov qword ptr [SCRATCH + 32], rax   /* the new mask */
    xor rax, qword ptr [SIGBLOCKED]
    test rax, qword ptr [SIGSLOW]
    jz 20f
18: mov eax, 14                         /* the host serves it */
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b
16: test rdx, rdx                       /* no new set: only the old one */
    jz 19f
    mov rax, qword ptr [SIGBLOCKED]
    mov qword ptr [rdx], rax
19: xor eax, eax
    jmp 2b
20: mov rax, qword ptr [SIGBLOCKED]
    mov qword ptr [SCRATCH + 24], rax   /* the old mask */
    .globl fn_rt_sigprocmask_saved
fn_rt_sigprocmask_saved:                /* from here to fn_end the old mask is in SCRATCH + 24 */
    mov rax, qword ptr [SCRATCH + 32]
    mov qword ptr [SIGBLOCKED], rax
    test rdx, rdx
    jz 15f
    mov rax, qword ptr [SCRATCH + 24]
    mov qword ptr [rdx], rax            /* a fault: EFAULT, the mask stays changed (as Linux) */
15: mov rax, qword ptr [SIGBLOCKED]
    not rax
    test rax, qword ptr [SIGPENDING]
    jnz 17f
    xor eax, eax
    jmp 2b
17: mov rax, qword ptr [SCRATCH + 24]   /* a pending signal is unblocked: undo, */
    mov qword ptr [SIGBLOCKED], rax     /* the host does the call and delivers it */
    mov eax, 14
    dec qword ptr [FASTCOUNT + rax*8]
    jmp 1b

    .globl fn_rt_sigaction
fn_rt_sigaction:                        /* queries only (act == NULL), from SIGACTS */
    test rsi, rsi
    jnz 21f
    cmp r10, 8
    jne 21f
    lea eax, [rdi - 1]
    cmp eax, 63
    ja 21f                              /* not 1..64: the host says EINVAL */
    test rdx, rdx
    jnz 23f
    xor eax, eax                        /* no old-action pointer: nothing to do */
    jmp 2b
21: mov eax, 13
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b
23: shl eax, 5
    add eax, SIGACTS
    .globl fn_rt_sigaction_saved
fn_rt_sigaction_saved:                  /* from here rsi (0 on entry) is a temporary */
    mov rsi, qword ptr [rax]
    mov qword ptr [rdx], rsi            /* a fault: EFAULT */
    mov rsi, qword ptr [rax + 8]
    mov qword ptr [rdx + 8], rsi
    mov rsi, qword ptr [rax + 16]
    mov qword ptr [rdx + 16], rsi
    mov rsi, qword ptr [rax + 24]
    mov qword ptr [rdx + 24], rsi
    xor esi, esi
    xor eax, eax
    jmp 2b

    .globl fn_brk
fn_brk:                                 /* growth inside the window the host prepared */
    mov rax, qword ptr [BRKCUR]
    test rdi, rdi
    jz 31f                              /* brk(0): the current break */
    cmp rdi, qword ptr [BRKSTART]
    jb 31f                              /* below the start: unchanged, as Linux */
    cmp rdi, qword ptr [BRKWIN]
    ja 39f                              /* past the window: the host serves it */
    add rax, 0xFFF
    and rax, -4096                      /* the old top page */
    mov qword ptr [SCRATCH], rsi
    mov qword ptr [SCRATCH + 8], rdx
    .globl fn_brk_saved
fn_brk_saved:                           /* from here rsi, rdx are in SCRATCH */
    lea rsi, [rdi + 0xFFF]
    and rsi, -4096                      /* the new top page */
    cmp rsi, rax
    jb 38f                              /* pages to free: the host serves it */
    mov rdx, rax
32: cmp rdx, rsi
    jae 33f
    mov rax, rdx
    sub rax, qword ptr [BRKBASE]
    shr rax, 9                          /* 8 bytes of PTE per 4 KiB page */
    or qword ptr [rax + PTWIN], 1       /* present: frame and rights were set by the host */
    add rdx, 4096
    jmp 32b
33: mov qword ptr [BRKCUR], rdi
    mov rax, rdi
    mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
31: jmp 2b
38: mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
39: mov eax, 12
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b

    .globl fn_mmap
fn_mmap:                                /* mmap(NULL, len, RW, PRIVATE|ANONYMOUS[|NORESERVE], fd, 0) */
    test rdi, rdi
    jnz 49f                             /* a hint or MAP_FIXED: the host */
    cmp rdx, 3
    jne 49f
    mov rax, r10
    and rax, -0x4001                    /* MAP_NORESERVE changes nothing here */
    cmp rax, 0x22
    jne 49f
    test r9, r9
    jnz 49f
    lea rax, [rsi - 1]
    cmp rax, MMWIN_MAX
    jae 49f                             /* 0 or longer than a window: the host */
    mov rax, qword ptr [MMCOUNT]
    cmp rax, MMREC_MAX
    jae 49f
    mov qword ptr [SCRATCH], rsi
    mov qword ptr [SCRATCH + 8], rdx
    mov qword ptr [SCRATCH + 16], r8
    .globl fn_mmap_saved
fn_mmap_saved:                          /* from here rsi, rdx, r8 are in SCRATCH */
    add rsi, 0xFFF
    and rsi, -4096                      /* the length in pages */
    cmp rsi, qword ptr [MMGAP]
    jbe 48f                             /* a hole above fits it: the host's first fit */
    mov rdx, qword ptr [MMTOP]
    test rax, rax
    jz 41f
    mov rdx, qword ptr [MMREC - 8 + rax*8]  /* the lowest mapping made here so far */
41: sub rdx, rsi                        /* the new start */
    jb 48f
    cmp rdx, qword ptr [MMLO]
    jb 48f                              /* past the window: the host */
    mov qword ptr [MMREC + rax*8], rdx
42: mov r8, rdx
    shr r8, 9
    add r8, qword ptr [MMPTOFF]
    mov rax, qword ptr [r8]
    or qword ptr [r8], 1                /* present (no invalidation needed to add a page) */
    test al, 0x40
    jz 43f                              /* dirty from an earlier mapping made here: zero it */
    xor eax, eax
44: mov qword ptr [rdx + rax], 0
    add eax, 8
    cmp eax, 4096
    jb 44b
43: add rdx, 4096
    sub rsi, 4096
    jnz 42b
    mov rax, qword ptr [MMCOUNT]
    mov rax, qword ptr [MMREC + rax*8]  /* the result */
    mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
    mov r8, qword ptr [SCRATCH + 16]
    .globl fn_mmap_commit
fn_mmap_commit:
    inc qword ptr [MMCOUNT]             /* one store makes the mapping */
    .globl fn_mmap_done
fn_mmap_done:
    jmp 2b
48: mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
    mov r8, qword ptr [SCRATCH + 16]
49: mov eax, 9
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b

    .globl fn_munmap
fn_munmap:                              /* the lowest mapping made here, whole */
    mov rax, qword ptr [MMCOUNT]
    test rax, rax
    jz 59f
    cmp rdi, qword ptr [MMREC - 8 + rax*8]
    jne 59f
    lea rax, [rsi - 1]
    cmp rax, MMWIN_MAX
    jae 59f
    mov rax, qword ptr [MMCOUNT]
    mov qword ptr [SCRATCH], rsi
    mov qword ptr [SCRATCH + 8], rdx
    mov qword ptr [SCRATCH + 16], r8
    mov qword ptr [SCRATCH + 24], r9
    .globl fn_munmap_saved
fn_munmap_saved:                        /* from here rsi, rdx, r8, r9 are in SCRATCH */
    mov rdx, qword ptr [MMTOP]
    cmp rax, 1
    je 51f
    mov rdx, qword ptr [MMREC - 16 + rax*8]  /* its end */
51: add rsi, 0xFFF
    and rsi, -4096
    sub rdx, rdi
    cmp rsi, rdx
    jne 58f                             /* not the whole mapping: the host */
    mov rdx, rdi
52: mov r8, rdx                         /* untouched pages (accessed bit clear) have no */
    shr r8, 9                           /* TLB entry: clearing present needs no invalidation */
    add r8, qword ptr [MMPTOFF]
    mov rax, qword ptr [r8]
    test al, 0x20
    jnz 55f
    mov r9, rax
    and r9, -2
    lock cmpxchg qword ptr [r8], r9     /* only while still unaccessed */
    jnz 55f
    add rdx, 4096
    sub rsi, 4096
    jnz 52b
54: mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
    mov r8, qword ptr [SCRATCH + 16]
    mov r9, qword ptr [SCRATCH + 24]
    xor eax, eax
    .globl fn_munmap_commit
fn_munmap_commit:
    dec qword ptr [MMCOUNT]             /* one store removes the mapping */
    .globl fn_munmap_done
fn_munmap_done:
    jmp 2b
55: cmp qword ptr [MMRING0], 0          /* a touched page: invalidation needs ring 0 */
    je 57f
56: mov r8, rdx
    shr r8, 9
    add r8, qword ptr [MMPTOFF]
    lock and qword ptr [r8], -2         /* not present; accessed and dirty stay for the next mmap */
    add rdx, 4096
    sub rsi, 4096
    jnz 56b
    mov rsi, rdx
    sub rsi, rdi
    .globl fn_munmap_trip
fn_munmap_trip:
.Ltrip:                                 /* (a local label: lea of a global one keeps a relocation) */
    ud2                                 /* to ring 0: the #UD handler invalidates [rdi, rdi + rsi) */
    jmp 54b
57: cmp rdx, rdi                        /* undo: the pages made not present so far come back */
    je 58f
    sub rdx, 4096
    mov r8, rdx
    shr r8, 9
    add r8, qword ptr [MMPTOFF]
    lock or qword ptr [r8], 1
    jmp 57b
58: mov rsi, qword ptr [SCRATCH]
    mov rdx, qword ptr [SCRATCH + 8]
    mov r8, qword ptr [SCRATCH + 16]
    mov r9, qword ptr [SCRATCH + 24]
59: mov eax, 11
    dec qword ptr [FASTCOUNT + rax*8]   /* not served after all */
    jmp 1b

    .globl fn_end
fn_end:

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

    .org 0xA00                          /* exception stubs at offset 0xA00 (layout.EXC_STUBS) */
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

    .org 0xE00                          /* layout.INVL_STUB: the #UD handler (IDT vector 6, IST 1) */
    .globl invl_stub
invl_stub:                              /* at fn_munmap_trip: invlpg each page of [rdi, rdi + rsi) */
    push rax
    lea rax, [rip + .Ltrip]             /* its ring-0 address, KBASE + CODE + offset ... */
    sub rax, -0x7FFEE000                /* ... as user mode sees it: TRAMPOLINE + offset */
    cmp rax, qword ptr [rsp + 8]
    pop rax
    jne exc_6                           /* any other #UD: the exit of every exception */
    add qword ptr [rsp], 2              /* past the ud2 */
    push rdi
    push rsi
    cmp rsi, MMWIN_MAX
    ja 2f                               /* bounded whatever the registers */
1:  test rsi, rsi
    jz 2f
    invlpg byte ptr [rdi]
    add rdi, 4096
    sub rsi, 4096
    ja 1b
2:  pop rsi
    pop rdi
    iretq
