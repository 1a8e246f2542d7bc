/* vfs_edges: corners of the emulated /proc and /dev that real programs
 * reach: faccessat2 on a descriptor (AT_EMPTY_PATH, as glibc's
 * faccessat and Python's os.access(fd) use), stat of /dev/ptmx, /dev/fd
 * and /proc/self/fd names that are no open descriptor (ENOENT), fstat of an
 * open /proc directory (the inode stat of its path gives), and lookups
 * relative to such a descriptor (fstatat, readlinkat, openat).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define NR_faccessat2 439

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

static long faccessat2_(int fd, const char *path, int mode, int flags)
{
    return syscall(NR_faccessat2, fd, path, mode, flags);
}

int main(void)
{
    struct stat st, st2;
    char buf[256];
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("faccessat2 with AT_EMPTY_PATH");
    int fd = OK(open("ro.txt", O_CREAT | O_WRONLY | O_TRUNC, 0444));
    int d = OK(open(".", O_RDONLY | O_DIRECTORY));
    OK(faccessat2_(fd, "", F_OK, AT_EMPTY_PATH));
    OK(faccessat2_(fd, "", R_OK, AT_EMPTY_PATH));
    ERR(faccessat2_(fd, "", R_OK, 0), ENOENT);
    OK(faccessat2_(d, "", R_OK | W_OK | X_OK, AT_EMPTY_PATH));
    OK(faccessat2_(AT_FDCWD, "", X_OK, AT_EMPTY_PATH));
    ERR(faccessat2_(77, "", R_OK, AT_EMPTY_PATH), EBADF);
    ERR(faccessat2_(fd, "", 8, AT_EMPTY_PATH), EINVAL);
    /* X_OK of a file without x bits: refused even for root */
    ERR(faccessat2_(fd, "", X_OK, AT_EMPTY_PATH), EACCES);
    /* W_OK of a 0444 file: refused, except for root (CAP_DAC_OVERRIDE) */
    long w = faccessat2_(fd, "", W_OK, AT_EMPTY_PATH);
    CHECK((w == 0) == (geteuid() == 0));
    close(fd);

    SECTION("/dev/ptmx");
    OK(stat("/dev/ptmx", &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK(major(st.st_rdev) == 5 && minor(st.st_rdev) == 2);

    SECTION("/dev/fd and /proc/self/fd names that are no open descriptor");
    ERR(readlink("/dev/fd/abc", buf, sizeof buf), ENOENT);
    ERR(readlink("/dev/fd/00", buf, sizeof buf), ENOENT);
    ERR(readlink("/dev/fd/-1", buf, sizeof buf), ENOENT);
    ERR(readlink("/dev/fd/999", buf, sizeof buf), ENOENT);
    ERR(readlink("/dev/fd/950", buf, sizeof buf), ENOENT);
    ERR(readlink("/proc/self/fd/abc", buf, sizeof buf), ENOENT);
    ERR(readlink("/proc/self/fd/950", buf, sizeof buf), ENOENT);
    ERR(stat("/dev/fd/abc", &st), ENOENT);
    ERR(stat("/dev/fd/999", &st), ENOENT);
    ERR(stat("/proc/self/fd/950", &st), ENOENT);
    ERR(lstat("/dev/fd/999", &st), ENOENT);
    ERR(open("/dev/fd/abc", O_RDONLY), ENOENT);

    SECTION("an open /proc directory");
    int p = OK(open("/proc/self", O_RDONLY | O_DIRECTORY));
    OKQ(fstat(p, &st));
    OKQ(stat("/proc/self", &st2));
    CHECK(S_ISDIR(st.st_mode));
    CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    int q = OK(open("/proc", O_RDONLY | O_DIRECTORY));
    OKQ(fstat(q, &st));
    OKQ(stat("/proc", &st2));
    CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    int f = OK(open("/proc/self/fd", O_RDONLY | O_DIRECTORY));
    OKQ(fstat(f, &st));
    OKQ(fstatat(f, "", &st2, AT_EMPTY_PATH));
    CHECK(S_ISDIR(st.st_mode) && st.st_ino == st2.st_ino);

    SECTION("lookups relative to an open /proc directory");
    OKQ(fstatat(q, "self", &st, 0));
    CHECK(S_ISDIR(st.st_mode));
    OKQ(fstatat(q, "self", &st, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st.st_mode));
    ssize_t n = OKQ(readlinkat(p, "fd/0", buf, sizeof buf - 1));
    if (n >= 0) {
        buf[n] = 0;
        ssize_t m = OKQ(readlink("/proc/self/fd/0", buf + 128, 127));
        if (m >= 0)
            buf[128 + m] = 0;
        CHECK(m == n && !strcmp(buf, buf + 128));
    }
    int s = OK(openat(p, "stat", O_RDONLY));
    CHECK(read(s, buf, 8) > 0);
    ERR(openat(q, "no-such-entry", O_RDONLY), ENOENT);
    ERR(fstatat(f, "abc", &st, 0), ENOENT);
    return finish("vfs_edges");
}
