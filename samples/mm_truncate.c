/* mm_truncate: a shared file mapping after the file shrinks and grows
 * again (ftruncate, truncate): a touch of a page wholly past the new end of
 * the file is SIGBUS (si_code BUS_ADRERR), the page holding the end stays
 * usable, and once the file has grown back every page is usable again and
 * shows the file's (zeroed) contents.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

static sigjmp_buf jb;
static volatile int got, code;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    got = sig;
    code = si->si_code;
    siglongjmp(jb, 1);
}

static void touch(const char *what, volatile char *p, int write)
{
    got = 0;
    int v = -1;
    if (!sigsetjmp(jb, 1)) {
        if (write)
            *p = 7;
        v = *p;
    }
    if (got)
        printf("%s: %s%s\n", what, got == SIGBUS ? "SIGBUS" : "SIGSEGV",
               got == SIGBUS && code == BUS_ADRERR ? " BUS_ADRERR" : "");
    else
        printf("%s: reads %d\n", what, v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    long pg = sysconf(_SC_PAGESIZE);
    int fd = OK(open("f.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
    OK(ftruncate(fd, 4 * pg));
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    for (int i = 0; i < 4; i++)
        p[i * pg] = 1 + i;

    SECTION("shrunk with ftruncate");
    OK(ftruncate(fd, pg + 10));
    touch("page 0", p, 0);
    touch("page 1 (holds the end)", p + pg, 0);
    touch("page 1 past the end", p + pg + 100, 0);
    touch("page 2", p + 2 * pg, 0);
    touch("page 3 write", p + 3 * pg, 1);

    SECTION("grown back");
    OK(ftruncate(fd, 4 * pg));
    touch("page 2", p + 2 * pg, 0);
    touch("page 3 write", p + 3 * pg, 1);
    char b;
    OK(pread(fd, &b, 1, 3 * pg));
    printf("file byte at page 3: %d\n", b);

    SECTION("shrunk with truncate");
    OK(truncate("f.bin", 0));
    touch("page 0", p, 0);
    OK(truncate("f.bin", 2 * pg));
    touch("page 0", p, 0);
    touch("page 1 write", p + pg, 1);
    touch("page 2", p + 2 * pg, 0);
    OK(munmap(p, 4 * pg));
    return finish("mm_truncate");
}
