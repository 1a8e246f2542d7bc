/* memfd: memfd_create (MFD_CLOEXEC, bad flags, long names), write/read/lseek
 * on it, ftruncate, fstat, shared mappings of it seeing write(2) and each
 * other, a private mapping not changing it, /proc/self/fd naming it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

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

int main(void)
{
    struct stat st;
    char buf[300];
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    fd = OK(syscall(SYS_memfd_create, "lxpack-e2e", MFD_CLOEXEC));
    printf("cloexec: %d\n", (int)(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    OK(fstat(fd, &st));
    printf("fstat: regular=%d size=%lld nlink=%lu mode=%04o\n", S_ISREG(st.st_mode), (long long)st.st_size,
           (unsigned long)st.st_nlink, (unsigned)(st.st_mode & 07777));
    {
        char link[256] = {0}, path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        OK(readlink(path, link, sizeof link - 1));
        printf("readlink %s: '%s'\n", "/proc/self/fd/N", link);
    }
    ERR(syscall(SYS_memfd_create, "x", 0x1000u), EINVAL);
    memset(buf, 'n', sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    ERR(syscall(SYS_memfd_create, buf, 0), EINVAL);
    ERR(syscall(SYS_memfd_create, (char *)8, 0), EFAULT);

    SECTION("read/write/lseek/ftruncate");
    OK(write(fd, "memfd contents", 14));
    OK(lseek(fd, 0, SEEK_CUR));
    OK(lseek(fd, 6, SEEK_SET));
    memset(buf, 0, sizeof buf);
    OK(read(fd, buf, 100));
    printf("read: '%s'\n", buf);
    OK(ftruncate(fd, 3 * PG));
    OK(fstat(fd, &st));
    printf("size after ftruncate: %lld\n", (long long)st.st_size);
    OK(pread(fd, buf, 4, 2 * PG));
    printf("grown part is zero: %d\n", buf[0] == 0 && buf[3] == 0);

    SECTION("mappings");
    {
        char *a = (char *)OKQ(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        char *b = (char *)OKQ(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        char *c = (char *)OKQ(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
        printf("mapping: '%.14s'\n", a);
        memcpy(a + PG, "via mapping a", 13);
        printf("mapping b sees: '%.13s'\n", b + PG);
        memset(buf, 0, sizeof buf);
        OK(pread(fd, buf, 13, PG));
        printf("pread sees: '%s'\n", buf);
        OK(pwrite(fd, "via pwrite", 10, 2 * PG));
        printf("mapping a sees: '%.10s'\n", a + 2 * PG);
        memcpy(c, "PRIVATE", 7);
        memset(buf, 0, sizeof buf);
        OK(pread(fd, buf, 7, 0));
        printf("after private write the memfd has: '%s'\n", buf);
        printf("and mapping a has: '%.7s'\n", a);
        OK(munmap(a, 3 * PG));
        OK(munmap(b, 3 * PG));
        OK(munmap(c, 3 * PG));
    }
    {
        /* a second memfd is independent */
        int fd2 = OK(syscall(SYS_memfd_create, "second", 0));
        printf("second cloexec: %d\n", (int)(fcntl(fd2, F_GETFD) & FD_CLOEXEC));
        OK(fstat(fd2, &st));
        printf("second size: %lld\n", (long long)st.st_size);
        OK(close(fd2));
    }
    OK(close(fd));
    return finish("memfd");
}
