/* memfd_seals: file seals of a memfd enforced as Linux does: without
 * MFD_ALLOW_SEALING it is sealed against sealing; F_SEAL_SHRINK and
 * F_SEAL_GROW stop truncation and writes past the end; F_SEAL_WRITE stops
 * write, pwrite and shared writable mappings; F_SEAL_SEAL stops further
 * seals; F_GET_SEALS reads them from any descriptor of the memfd; a regular
 * file has no seals (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
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

static int memfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
    SECTION("without MFD_ALLOW_SEALING");
    int a = memfd("plain", 0);
    CHECK(a >= 0);
    OK(fcntl(a, F_GET_SEALS));
    ERR(fcntl(a, F_ADD_SEALS, F_SEAL_WRITE), EPERM);

    SECTION("shrink and grow");
    int m = memfd("sealed", MFD_ALLOW_SEALING);
    CHECK(m >= 0);
    OK(fcntl(m, F_GET_SEALS));
    OK(write(m, "0123456789", 10));
    OK(fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    OK(fcntl(m, F_GET_SEALS));
    ERR(ftruncate(m, 4), EPERM);
    ERR(ftruncate(m, 100), EPERM);
    OK(ftruncate(m, 10));
    OK(pwrite(m, "ab", 2, 0));                       /* inside the file: fine */
    ERR(pwrite(m, "ab", 2, 9), EPERM);               /* past the end */
    lseek(m, 0, SEEK_END);
    ERR(write(m, "x", 1), EPERM);
    ERR(fallocate(m, 0, 0, 64), EPERM);

    SECTION("write");
    int dup_m = dup(m);
    OK(fcntl(dup_m, F_ADD_SEALS, F_SEAL_WRITE));
    OK(fcntl(m, F_GET_SEALS));
    ERR(pwrite(m, "ab", 2, 0), EPERM);
    lseek(m, 0, SEEK_SET);
    ERR(write(m, "z", 1), EPERM);
    void *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    printf("shared writable map: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
    p = mmap(NULL, 10, PROT_READ, MAP_SHARED, m, 0);
    CHECK(p != MAP_FAILED && memcmp(p, "ab23", 4) == 0);
    p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE, m, 0);
    CHECK(p != MAP_FAILED);

    SECTION("seal");
    OK(fcntl(m, F_ADD_SEALS, F_SEAL_SEAL));
    ERR(fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
    ERR(fcntl(m, F_ADD_SEALS, 0x100), EINVAL);

    SECTION("not a memfd");
    int f = open("plain.txt", O_CREAT | O_RDWR, 0644);
    ERR(fcntl(f, F_GET_SEALS), EINVAL);
    ERR(fcntl(f, F_ADD_SEALS, F_SEAL_WRITE), EINVAL);
    close(f);
    unlink("plain.txt");
    return finish("memfd_seals");
}
