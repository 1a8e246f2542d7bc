/* mm_faults: every kind of memory fault a program can take, caught by a
 * SIGSEGV/SIGBUS handler (siglongjmp) that prints the signal, si_code and
 * whether si_addr is the faulting address, as Linux reports them:
 *   SEGV_MAPERR  read, write and execute in a hole (never mapped, munmapped,
 *                the part cut off by a partial munmap);
 *   SEGV_ACCERR  write into PROT_READ, read of PROT_NONE, execute of a
 *                page without PROT_EXEC (NX), write into the program's text,
 *                and after a permission is taken away from a page just used
 *                (a cached translation must not survive mprotect);
 *   guard pages  a PROT_NONE reservation (MAP_NORESERVE) with a committed
 *                middle, as a JVM lays out its heap and thread stacks;
 *   stack        deep recursion grows the stack within RLIMIT_STACK without
 *                a fault; running off it is SIGSEGV on the alternate stack;
 *   brk          the page above the break, and pages the break gave back;
 *   SIGBUS       a page of a private file mapping wholly past end of file;
 *   EFAULT       a system call given such memory returns EFAULT, no signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- common to the samples (inline so that each file builds alone) ---- */
static int failures;

static const char *errname(int e)
{
    switch (e) {
#define N(x) case x: return #x;
    N(EPERM) N(ENOENT) N(ESRCH) N(EINTR) N(EIO) N(ENXIO) N(E2BIG) N(ENOEXEC) N(EBADF)
    N(ECHILD) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(EBUSY) N(EEXIST) N(EXDEV)
    N(ENODEV) N(ENOTDIR) N(EISDIR) N(EINVAL) N(ENFILE) N(EMFILE) N(ENOTTY) N(ETXTBSY)
    N(EFBIG) N(ENOSPC) N(ESPIPE) N(EROFS) N(EMLINK) N(EPIPE) N(EDOM) N(ERANGE)
    N(EDEADLK) N(ENAMETOOLONG) N(ENOLCK) N(ENOSYS) N(ENOTEMPTY) N(ELOOP) N(ENODATA)
    N(EOVERFLOW) N(EOPNOTSUPP) N(ETIMEDOUT) N(ECANCELED) N(EBADFD) N(ENOTSOCK)
#undef N
    }
    static char buf[32];
    snprintf(buf, sizeof buf, "errno-%d", e);
    return buf;
}

/* OK(call): must not return -1; prints "call = value". */
__attribute__((unused)) static long ok_(const char *what, long r)
{
    int e = errno;
    if (r == -1) {
        printf("FAIL %s = -1 %s\n", what, errname(e));
        failures++;
    } else {
        printf("%s = %ld\n", what, r);
    }
    errno = e;
    return r;
}
/* OKQ(call): like OK but does not print the value (pointers, sizes that vary). */
__attribute__((unused)) static long okq_(const char *what, long r)
{
    int e = errno;
    if (r == -1) {
        printf("FAIL %s = -1 %s\n", what, errname(e));
        failures++;
    } else {
        printf("%s: ok\n", what);
    }
    errno = e;
    return r;
}
/* ERR(call, E): must fail with errno E; prints "call = -1 ENAME". */
__attribute__((unused)) static long err_(const char *what, long r, int want, const char *wname)
{
    int e = errno;
    if (r != -1)
        printf("FAIL %s = %ld (want -1 %s)\n", what, r, wname), failures++;
    else if (e != want)
        printf("FAIL %s = -1 %s (want %s)\n", what, errname(e), wname), failures++;
    else
        printf("%s = -1 %s\n", what, errname(e));
    errno = e;
    return r;
}
/* SHOW(call): no expectation (the result depends on the user, e.g. root). */
__attribute__((unused)) static long show_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("%s = -1 %s\n", what, errname(e));
    else
        printf("%s = %ld\n", what, r);
    errno = e;
    return r;
}
/* CHECK(cond, label): a relation that must hold. */
__attribute__((unused)) static void check_(int cond, const char *label)
{
    printf("%s %s\n", cond ? "ok  " : "FAIL", label);
    if (!cond)
        failures++;
}
#define OK(call) ok_(#call, (long)(call))
#define OKQ(call) okq_(#call, (long)(call))
#define SHOW(call) (errno = 0, show_(#call, (long)(call)))
#define ERR(call, e) (errno = 0, err_(#call, (long)(call), e, #e))
#define CHECK(cond) check_(!!(cond), #cond)
#define SECTION(name) printf("\n== %s\n", name)

static int finish(const char *sample)
{
    if (failures)
        printf("\n%s: %d check(s) FAILED\n", sample, failures);
    else
        printf("\n%s: all checks passed\n", sample);
    return failures ? 1 : 0;
}
/* ---- end of common part ---- */

#define PG 4096L
static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static const char *codename(int sig, int code)
{
    if (sig == SIGSEGV && code == SEGV_MAPERR) return "SIGSEGV SEGV_MAPERR";
    if (sig == SIGSEGV && code == SEGV_ACCERR) return "SIGSEGV SEGV_ACCERR";
    if (sig == SIGBUS && code == BUS_ADRERR) return "SIGBUS BUS_ADRERR";
    if (sig == SIGSEGV) return "SIGSEGV (other code)";
    if (sig == SIGBUS) return "SIGBUS (other code)";
    return "other signal";
}

static void report(const char *label, void *addr)
{
    printf("%s: %s, si_addr %s\n", label, codename(got_sig, got_code),
           got_addr == addr ? "== the address" : "!= the address");
}

/* Read (0), write (1) or execute (2) at p; print what happened. */
static void touch(const char *label, volatile char *p, int how)
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        if (how == 1)
            *p = 'w';
        else if (how == 2)
            ((void (*)(void))(uintptr_t)p)();
        else
            (void)*p;
        printf("%s: no fault\n", label);
    } else {
        report(label, (void *)p);
    }
}

static int fn_in_text(void) { return 42; }

static char *map(long pages, int prot, int flags)
{
    char *p = mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED) {
        printf("FAIL mmap %ld pages = -1 %s\n", pages, errname(errno));
        exit(1);
    }
    return p;
}

static long depth_reached;
__attribute__((noinline)) static long deep(long n, long limit)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    pad[1023] = (char)n;
    if (n >= limit) {
        depth_reached = n;
        return pad[0];
    }
    return deep(n + 1, limit) + pad[1023];
}

__attribute__((noinline)) static long forever(long n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    return forever(n + 1) + pad[0];
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    OK(sigaltstack(&ss, NULL));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    OK(sigaction(SIGSEGV, &sa, NULL));
    OK(sigaction(SIGBUS, &sa, NULL));

    SECTION("SEGV_MAPERR: holes");
    char *p = map(8, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
    OK(munmap(p + 2 * PG, 2 * PG));
    touch("read in a munmapped hole", p + 2 * PG + 17, 0);
    touch("write in a munmapped hole", p + 3 * PG + 5, 1);
    touch("execute in a munmapped hole", p + 2 * PG, 2);
    touch("write next to the hole (still mapped)", p + 4 * PG, 1);
    OK(munmap(p + 6 * PG, 2 * PG));
    touch("read the tail cut off by munmap", p + 7 * PG + 100, 0);
    OK(munmap(p, 8 * PG));
    touch("read after munmap of the whole mapping", p + 4 * PG, 0);

    SECTION("SEGV_ACCERR: permissions");
    p = map(4, PROT_READ | PROT_WRITE, 0);
    p[0] = 1;                                   /* cached translations of a writable page */
    p[PG] = 1;
    OK(mprotect(p, PG, PROT_READ));
    touch("write into a page made PROT_READ after a write", p + 8, 1);
    touch("read it", p + 8, 0);
    OK(mprotect(p + PG, PG, PROT_NONE));
    touch("read a page made PROT_NONE after a write", p + PG + 16, 0);
    touch("write it", p + PG + 16, 1);
    p[2 * PG] = (char)0xC3;                     /* ret */
    touch("execute a page without PROT_EXEC", p + 2 * PG, 2);
    OK(mprotect(p + 2 * PG, PG, PROT_READ | PROT_EXEC));
    touch("execute it after mprotect PROT_EXEC", p + 2 * PG, 2);
    OK(mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
    touch("write after mprotect gives write back", p + 8, 1);
    touch("write into the program's text", (char *)(uintptr_t)fn_in_text, 1);
    CHECK(fn_in_text() == 42);
    OK(munmap(p, 4 * PG));

    SECTION("guard pages around a committed middle");
    p = map(16, PROT_NONE, MAP_NORESERVE);
    OK(mprotect(p + 4 * PG, 8 * PG, PROT_READ | PROT_WRITE));
    touch("write the first committed page", p + 4 * PG, 1);
    touch("write the last committed page", p + 12 * PG - 1, 1);
    touch("write the guard page below", p + 4 * PG - 1, 1);
    touch("read the guard page above", p + 12 * PG, 0);
    touch("read the bottom of the reservation", p, 0);
    OK(mprotect(p + 8 * PG, 4 * PG, PROT_NONE));
    touch("read a page uncommitted again", p + 8 * PG, 0);
    touch("write below it (still committed)", p + 8 * PG - 8, 1);
    OK(munmap(p, 16 * PG));

    SECTION("the break");
    /* raw brk: musl's sbrk refuses a non-zero increment; the break is put back for malloc */
    char *b0 = (char *)syscall(SYS_brk, 0);
    char *top = (char *)(((uintptr_t)b0 + PG - 1) & ~(uintptr_t)(PG - 1));
    CHECK((char *)syscall(SYS_brk, b0 + 3 * PG) == b0 + 3 * PG);
    touch("write the last byte below the new break", b0 + 3 * PG - 1, 1);
    touch("read a page above the break's page", top + 4 * PG + 8, 0);
    CHECK((char *)syscall(SYS_brk, b0 + PG) == b0 + PG);
    touch("read a page given back by lowering the break", top + 2 * PG + 8, 0);
    CHECK((char *)syscall(SYS_brk, b0 - 1024 * PG) == b0 + PG);   /* below the start: unchanged */
    CHECK((char *)syscall(SYS_brk, b0) == b0);
    CHECK((char *)syscall(SYS_brk, 0) == b0);

    SECTION("stack");
    struct rlimit rl;
    OK(getrlimit(RLIMIT_STACK, &rl));
    CHECK(rl.rlim_cur >= 8 * 1024 * 1024);
    deep(0, 5 * 1024);                          /* ~5 MiB of stack, below the 8 MiB limit */
    CHECK(depth_reached == 5 * 1024);
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        forever(0);
        printf("ran off the stack: no fault\n");
    } else {
        printf("ran off the stack: %s (on the alternate stack)\n", codename(got_sig, got_code));
    }

    SECTION("SIGBUS past the end of a private file mapping");
    int fd = OK(open("mm_faults.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600));
    OK(write(fd, "hello", 5));
    p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    touch("read in the file's last page", p + 4000, 0);
    CHECK(memcmp(p, "hello", 5) == 0 && p[5] == 0);
    touch("write in the file's last page (private)", p + 1, 1);
    touch("read a page past the end of the file", p + PG + 1, 0);
    touch("write two pages past the end", p + 2 * PG + 9, 1);
    char back[6] = {0};
    OK(pread(fd, back, 5, 0));
    CHECK(memcmp(back, "hello", 5) == 0);         /* a private store does not reach the file */
    OK(munmap(p + PG, 2 * PG));
    touch("read the file's page after a partial munmap", p + 2, 0);
    OK(munmap(p, PG));
    touch("read it after munmap", p + 2, 0);
    OK(close(fd));
    OK(unlink("mm_faults.tmp"));

    SECTION("EFAULT, not a signal, inside a system call");
    got_sig = 0;
    p = map(2, PROT_READ, 0);
    int pfd[2];
    OK(pipe(pfd));
    OK(write(pfd[1], "abc", 3));
    ERR(read(pfd[0], p, 3), EFAULT);
    OK(mprotect(p, PG, PROT_NONE));
    ERR(write(pfd[1], p, 3), EFAULT);
    OK(munmap(p, 2 * PG));
    ERR(write(pfd[1], p, 3), EFAULT);
    CHECK(got_sig == 0);                          /* no signal came from the calls */
    OK(close(pfd[0]));
    OK(close(pfd[1]));
    return finish("mm_faults");
}
