/* The vDSO given to guests in AT_SYSINFO_EHDR (unicorn backend flavour).
 *
 * Exports the four calls glibc and musl look up, under version LINUX_2.6.
 * Under unicorn each one simply makes the real system call, which the
 * unikernel serves; the KVM flavour (issue 5) reads a time page instead.
 * Built by build_vdso.sh; the result vdso.so is committed so users need no
 * compiler.
 */
    .text
    .macro VCALL name, nr
    .globl __vdso_\name
    .type __vdso_\name, @function
__vdso_\name:
    mov $\nr, %eax
    syscall
    ret
    .size __vdso_\name, . - __vdso_\name
    .weak \name
    .set \name, __vdso_\name
    .endm

    VCALL clock_gettime, 228
    VCALL gettimeofday, 96
    VCALL time, 201
    VCALL getcpu, 309
    VCALL clock_getres, 229
