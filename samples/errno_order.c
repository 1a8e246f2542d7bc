/* errno_order: calls with several wrong arguments fail with the errno Linux
 * checks first (the descriptor before user memory or other arguments), and
 * edge values that once crashed the runtime: getcwd after the cwd was
 * removed, stat of a file dated before 1970 or far in the future, invalid
 * and dynamic clock ids, fallocate near 2^63, faccessat with a NULL path,
 * socket calls on a negative descriptor, flock's ignored LOCK_MAND.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
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

int main(void)
{
    char buf[256];
    struct stat st;
    struct timespec t;

    SECTION("removed cwd");
    OK(mkdir("gone", 0755));
    OK(chdir("gone"));
    OK(rmdir("../gone"));
    ERR(syscall(SYS_getcwd, buf, sizeof buf), ENOENT);
    OK(chdir(".."));

    SECTION("times outside the usual range");
    int fd = open("f", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0);
    struct timeval old[2] = {{-5, 250000}, {-5, 250000}};
    OK(utimes("f", old));
    OK(stat("f", &st));
    printf("mtime %ld.%09ld\n", (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    struct timespec far[2] = {{0x7fffffffffffLL, 0}, {0x7fffffffffffLL, 0}};
    OK(utimensat(AT_FDCWD, "f", far, 0));
    OK(stat("f", &st));
    printf("mtime %lld\n", (long long)st.st_mtime);

    SECTION("clock ids");
    ERR(syscall(SYS_clock_gettime, 99, &t), EINVAL);
    ERR(syscall(SYS_clock_gettime, -1000, &t), EINVAL);
    ERR(syscall(SYS_clock_gettime, (~0 << 3) | 3, &t), EINVAL);     /* a dynamic (fd) clock, fd -1 */
    ERR(syscall(SYS_clock_getres, 99, &t), EINVAL);

    SECTION("huge lengths and NULL paths");
    ERR(fallocate(fd, 0, 0, 0x7ffffffffffffff0LL), EFBIG);
    ERR(syscall(SYS_faccessat, AT_FDCWD, NULL, 0), EFAULT);
    ERR(syscall(SYS_faccessat, AT_FDCWD, NULL, 99), EINVAL);        /* the mode is checked first */

    SECTION("the descriptor first");
    ERR(syscall(SYS_getsockname, -5, NULL, NULL), EBADF);
    ERR(syscall(SYS_getpeername, -5, NULL, NULL), EBADF);
    ERR(syscall(SYS_write, -1, NULL, 4), EBADF);
    ERR(syscall(SYS_write, fd, NULL, 4), EFAULT);
    ERR(syscall(SYS_lseek, -1, 0, 99), EBADF);
    ERR(syscall(SYS_lseek, fd, 0, 99), EINVAL);
    ERR(syscall(SYS_dup2, -1, 5), EBADF);
    ERR(syscall(SYS_shutdown, -1, 99), EBADF);
    ERR(syscall(SYS_fcntl, -1, 9999), EBADF);
    ERR(syscall(SYS_fcntl, fd, 9999), EINVAL);
    ERR(syscall(SYS_flock, -1, LOCK_SH), EBADF);
    ERR(syscall(SYS_flock, -1, 3), EINVAL);              /* the operation is checked first */
    ERR(syscall(SYS_flock, fd, 3), EINVAL);
    OK(syscall(SYS_flock, -1, 32 | LOCK_SH));                       /* LOCK_MAND: ignored */
    char evbuf[64];
    ERR(syscall(SYS_epoll_wait, -100, evbuf, 0, 0), EBADF);         /* before maxevents (Linux 6) */
    ERR(syscall(SYS_epoll_wait, fd, evbuf, 0, 0), EINVAL);
    ERR(syscall(SYS_epoll_wait, fd, (void *)0xffff800000000000UL, 1, 0), EFAULT);  /* before "no epoll" */
    struct itimerspec its = {{0, 0}, {1, 0}};
    ERR(syscall(SYS_timerfd_settime, fd, 0x100, &its, NULL), EINVAL);  /* flags before the descriptor */
    ERR(syscall(SYS_timerfd_settime, -1, 0, NULL, NULL), EFAULT);      /* the value before the descriptor */
    ERR(syscall(SYS_timerfd_settime, -1, 0, &its, NULL), EBADF);
    ERR(syscall(SYS_timerfd_settime, fd, 0, &its, NULL), EINVAL);      /* no timerfd */

    SECTION("descriptors the program never opened");
    for (int hi = 900; hi < 1024; hi += 7) {
        struct stat hs;
        if (fstat(hi, &hs) == 0 || errno != EBADF)
            printf("FAIL fstat(%d) reaches something\n", hi), failures++;
        if (fcntl(hi, F_GETFD) != -1 || errno != EBADF)
            printf("FAIL fcntl(%d, F_GETFD) reaches something\n", hi), failures++;
        if (lseek(hi, 0, SEEK_CUR) != -1 || errno != EBADF)
            printf("FAIL lseek(%d) reaches something\n", hi), failures++;
    }
    ERR(fstat(950, &st), EBADF);
    ERR(dup(950), EBADF);
    ERR(close(950), EBADF);
    ERR(read(911, buf, 1), EBADF);
    ERR(write(960, "x", 1), EBADF);
    close(fd);
    unlink("f");
    return finish("errno_order");
}
