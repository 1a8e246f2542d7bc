/* fdops: dup/dup2/dup3, fcntl F_DUPFD/F_DUPFD_CLOEXEC/F_GETFD/F_SETFD/F_GETFL/
 * F_SETFL (O_APPEND|O_NONBLOCK), record locks F_SETLK/F_GETLK/F_OFD_* in one
 * process, flock, pipe/pipe2 (O_CLOEXEC|O_NONBLOCK, EAGAIN on an empty
 * nonblocking pipe), FIONREAD/FIONBIO on a pipe, ioctl on a regular file
 * -> ENOTTY, close_range-free fd numbering (lowest free fd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
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

static void flags(const char *label, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int fdfl = fcntl(fd, F_GETFD);
    if (fl == -1 || fdfl == -1) {
        printf("%s: -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: acc=%s%s%s cloexec=%d\n", label,
           (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : (fl & O_ACCMODE) == O_WRONLY ? "wronly" : "rdwr",
           fl & O_APPEND ? " append" : "", fl & O_NONBLOCK ? " nonblock" : "", !!(fdfl & FD_CLOEXEC));
}

int main(void)
{
    int fd, a, b, c, p[2];
    char buf[64];
    struct stat s1, s2;

    setvbuf(stdout, NULL, _IOLBF, 0);
    fd = OK(open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    OK(write(fd, "0123456789", 10));

    SECTION("dup/dup2/dup3 share the offset");
    a = OK(dup(fd));
    OK(lseek(fd, 2, SEEK_SET));
    OK(lseek(a, 0, SEEK_CUR));
    OK(read(a, buf, 3));
    OK(lseek(fd, 0, SEEK_CUR));
    OK(fstat(fd, &s1));
    OK(fstat(a, &s2));
    CHECK(s1.st_ino == s2.st_ino);
    b = OK(dup2(fd, 10));
    OK(dup2(fd, 10));
    OK(dup2(10, 10));
    flags("dup2 fd 10", 10);
    c = OK(dup3(fd, 11, O_CLOEXEC));
    flags("dup3 O_CLOEXEC fd 11", 11);
    ERR(dup3(fd, fd, 0), EINVAL);
    ERR(syscall(SYS_dup3, fd, 12, O_APPEND), EINVAL); /* raw: musl's dup3 drops unknown flags */
    ERR(dup(99), EBADF);
    ERR(dup2(99, 12), EBADF);
    ERR(dup2(fd, -1), EBADF);
    OK(close(a));
    a = OK(dup(fd));
    OK(close(b));
    OK(close(c));

    SECTION("fcntl");
    OK(fcntl(fd, F_DUPFD, 20));
    OK(fcntl(fd, F_DUPFD, 20));
    b = OK(fcntl(fd, F_DUPFD_CLOEXEC, 30));
    flags("F_DUPFD_CLOEXEC", b);
    OK(fcntl(fd, F_GETFD));
    OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    OK(fcntl(fd, F_GETFD));
    OK(fcntl(fd, F_SETFD, 0));
    flags("data.txt", fd);
    OK(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    flags("after F_SETFL O_APPEND|O_NONBLOCK", fd);
    flags("its dup sees the same", a);
    OK(lseek(fd, 0, SEEK_SET));
    OK(write(fd, "A", 1));
    OK(lseek(fd, 0, SEEK_CUR));
    OK(fcntl(fd, F_SETFL, O_RDONLY));
    flags("F_SETFL cannot change the access mode", fd);
    ERR(fcntl(99, F_GETFD), EBADF);
    ERR(fcntl(fd, 9999), EINVAL);
    ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
    OK(close(20));
    OK(close(21));
    OK(close(30));

    SECTION("record locks in one process");
    {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
        OK(fcntl(fd, F_SETLK, &fl));
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
        OK(fcntl(fd, F_GETLK, &q));
        printf("F_GETLK in the owner: type=%s\n", q.l_type == F_UNLCK ? "F_UNLCK" : "locked");
        fl.l_type = F_RDLCK;
        OK(fcntl(fd, F_SETLK, &fl));
        fl.l_type = F_UNLCK;
        OK(fcntl(fd, F_SETLKW, &fl));
        fl.l_type = 99;
        ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
        int ro = OK(open("data.txt", O_RDONLY));
        fl.l_type = F_WRLCK;
        ERR(fcntl(ro, F_SETLK, &fl), EBADF);
        OK(close(ro));
#ifdef F_OFD_SETLK
        /* open file description locks conflict between two opens, even in one process */
        int o1 = OK(open("data.txt", O_RDWR)), o2 = OK(open("data.txt", O_RDWR));
        struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
        OK(fcntl(o1, F_OFD_SETLK, &ofd));
        ERR(fcntl(o2, F_OFD_SETLK, &ofd), EAGAIN);
        struct flock oq = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1};
        OK(fcntl(o2, F_OFD_GETLK, &oq));
        printf("F_OFD_GETLK: type=%s start=%lld len=%lld pid=%d\n",
               oq.l_type == F_WRLCK ? "F_WRLCK" : "other", (long long)oq.l_start, (long long)oq.l_len,
               (int)oq.l_pid);
        OK(close(o1));
        OK(fcntl(o2, F_OFD_SETLK, &ofd));
        OK(close(o2));
#endif
    }

    SECTION("flock");
    {
        int f1 = OK(open("data.txt", O_RDONLY)), f2 = OK(open("data.txt", O_RDONLY));
        OK(flock(f1, LOCK_EX));
        ERR(flock(f2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
        ERR(flock(f2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
        OK(flock(f1, LOCK_SH));
        OK(flock(f2, LOCK_SH | LOCK_NB));
        OK(flock(f1, LOCK_UN));
        OK(flock(f2, LOCK_UN));
        ERR(flock(f1, 0), EINVAL);
        ERR(flock(99, LOCK_SH), EBADF);
        OK(close(f1));
        OK(close(f2));
    }

    SECTION("pipes");
    OK(pipe(p));
    flags("pipe read end", p[0]);
    flags("pipe write end", p[1]);
    OK(write(p[1], "hello", 5));
    {
        int avail = -1;
        OK(ioctl(p[0], FIONREAD, &avail));
        printf("FIONREAD: %d\n", avail);
    }
    memset(buf, 0, sizeof buf);
    OK(read(p[0], buf, sizeof buf));
    printf("read: '%s'\n", buf);
    ERR(write(p[0], "x", 1), EBADF);
    ERR(read(p[1], buf, 1), EBADF);
    {
        int on = 1;
        OK(ioctl(p[0], FIONBIO, &on));
        flags("after FIONBIO", p[0]);
        ERR(read(p[0], buf, 1), EAGAIN);
    }
    OK(close(p[1]));
    OK(read(p[0], buf, 1));
    OK(close(p[0]));
    OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
    flags("pipe2 read end", p[0]);
    flags("pipe2 write end", p[1]);
    ERR(read(p[0], buf, 1), EAGAIN);
    {
        /* fill a nonblocking pipe: the write that does not fit fails with EAGAIN */
        static char chunk[4096];
        long total = 0, n;
        while ((n = write(p[1], chunk, sizeof chunk)) > 0)
            total += n;
        printf("pipe filled: %s, capacity >= 4096: %d\n", errname(errno), total >= 4096);
        printf("capacity is a multiple of 4096: %d\n", total % 4096 == 0);
    }
    ERR(pipe2(p, O_APPEND), EINVAL);
    OK(close(p[0]));
    OK(close(p[1]));

    SECTION("ioctl on a regular file");
    {
        int n;
        struct winsize ws;
        ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
        ERR(ioctl(fd, TCGETS, buf), ENOTTY);
        OK(ioctl(fd, FIONREAD, &n));
        printf("FIONREAD on a file: %d bytes after the offset\n", n);
        ERR(ioctl(99, FIONREAD, &n), EBADF);
        CHECK(!isatty(fd));
        ERR(isatty(fd) ? 0 : -1, ENOTTY);
    }

    SECTION("the lowest free fd is used");
    OK(close(a));
    OK(open("data.txt", O_RDONLY));
    OK(dup(fd));
    OK(close(fd));
    {
        int f = open("data.txt", O_RDONLY);
        printf("reopened fd = %d (the closed %d)\n", f, fd);
    }
    return finish("fdops");
}
