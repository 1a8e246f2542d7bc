/* mm_remap_shared: mremap(2) of a shared file mapping (what Python's
 * mmap.resize does after ftruncate): grown where it stands or moved
 * (MREMAP_MAYMOVE, MREMAP_FIXED), the old contents and the file's new
 * pages visible, stores reaching the file; a page wholly past the end of
 * the file is SIGBUS; shrunk; MREMAP_DONTUNMAP is EINVAL for it.
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
static volatile int got;

static void on_fault(int sig)
{
    got = sig;
    siglongjmp(jb, 1);
}

static void touch(const char *what, volatile char *p)
{
    got = 0;
    int v = -1;
    if (!sigsetjmp(jb, 1))
        v = *p;
    if (got)
        printf("%s: %s\n", what, got == SIGBUS ? "SIGBUS" : "SIGSEGV");
    else
        printf("%s: reads %d\n", what, v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGBUS, on_fault);
    signal(SIGSEGV, on_fault);
    long pg = sysconf(_SC_PAGESIZE);
    char b[8];
    int fd = OK(open("f.bin", O_RDWR | O_CREAT | O_TRUNC, 0644));
    OK(ftruncate(fd, pg));
    char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    memcpy(p, "first", 5);

    SECTION("grow after ftruncate");
    OK(ftruncate(fd, 3 * pg));
    OK(pwrite(fd, "third", 5, 2 * pg));
    char *q = mremap(p, pg, 3 * pg, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    printf("start: %.5s, page 2: %.5s\n", q, q + 2 * pg);
    memcpy(q + pg, "second", 6);
    OK(pread(fd, b, 6, pg));
    printf("file at page 1: %.6s\n", b);

    SECTION("past the end of the file");
    char *r = mremap(q, 3 * pg, 4 * pg, MREMAP_MAYMOVE);
    CHECK(r != MAP_FAILED);
    touch("page 2", r + 2 * pg);
    touch("page 3", r + 3 * pg);

    SECTION("moved to a chosen place");
    char *spot = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mremap(r, 4 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 4 * pg);
    CHECK(s == spot + 4 * pg);
    printf("start: %.5s, page 1: %.6s\n", s, s + pg);
    touch("old place", r);

    SECTION("shrink");
    char *t = mremap(s, 3 * pg, pg, 0);
    CHECK(t == s);
    touch("page 1 after shrink", s + pg);
    CHECK(mremap(t, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) == MAP_FAILED && errno == EINVAL);
    OK(munmap(t, pg));
    return finish("mm_remap_shared");
}
