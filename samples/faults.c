/* faults: bad guest behaviour with the default signal actions, chosen by the
 * argument; the runtime must end like Linux does (death by the signal) and
 * never hang or print a Python traceback.
 *   jump       jump to unmapped memory          -> SIGSEGV
 *   nullcall   call through a NULL pointer      -> SIGSEGV
 *   ud2        an invalid instruction           -> SIGILL
 *   hlt        a privileged instruction         -> SIGSEGV
 *   int3       a breakpoint                     -> SIGTRAP
 *   overflow   unbounded recursion              -> SIGSEGV
 *   bigmmap    1 TiB of memory: mmap, malloc and brk fail with ENOMEM; exit 0
 * lxpack-cases: jump => -11 | nullcall => -11 | ud2 => -4 | hlt => -11 | int3 => -5 |
 *   overflow => -11 | bigmmap => 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void (*volatile target)(void);

__attribute__((noinline)) static int recurse(int n)
{
    volatile char pad[256];
    pad[n % 256] = (char)n;
    return recurse(n + 1) + pad[(n * 3) % 256];
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("faults: %s\n", what);
    if (!strcmp(what, "jump")) {
        target = (void (*)(void))(uintptr_t)0xdead0000;
        target();
    } else if (!strcmp(what, "nullcall")) {
        target();
    } else if (!strcmp(what, "ud2")) {
        __asm__ volatile("ud2");
    } else if (!strcmp(what, "hlt")) {
        __asm__ volatile("hlt");
    } else if (!strcmp(what, "int3")) {
        __asm__ volatile("int3");
    } else if (!strcmp(what, "overflow")) {
        recurse(0);
    } else if (!strcmp(what, "bigmmap")) {
        size_t tib = (size_t)1 << 40;
        void *p = mmap(NULL, tib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap 1 TiB: %s\n", p == MAP_FAILED ? (errno == ENOMEM ? "ENOMEM" : "other error") : "mapped");
        errno = 0;
        void *m = malloc(tib);
        printf("malloc 1 TiB: %s\n", m ? "allocated" : (errno == ENOMEM ? "NULL, ENOMEM" : "NULL"));
        uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
        uintptr_t got = (uintptr_t)syscall(SYS_brk, cur + tib);
        printf("brk +1 TiB: %s\n", got == cur ? "unchanged" : "moved");
        void *small = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("1 MiB afterwards: %s\n", small == MAP_FAILED ? "failed" : "mapped");
        return 0;
    } else {
        fprintf(stderr, "faults: unknown case '%s'\n", what);
        return 2;
    }
    printf("faults: still alive after %s\n", what);
    return 1;
}
