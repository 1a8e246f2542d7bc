/* splice: moving data between pipes, files and sockets with splice(2)
 * and vmsplice(2) (what cat, pv, tar and web servers use): file -> pipe
 * (with and without an offset, which is then advanced), pipe -> file,
 * pipe -> pipe, socket -> pipe, user memory in and out of a pipe, and the
 * errno rules: EINVAL for unknown flags, neither end a pipe, a pipe into
 * itself or an O_APPEND output; ESPIPE for an offset on a pipe; EBADF for
 * a wrong-way descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

static void show_pipe(int fd, const char *what)
{
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s: %zd \"%s\"\n", what, n, buf);
}

int main(void)
{
    int p[2], q[2], sv[2];
    loff_t off;
    char buf[64];
    setvbuf(stdout, NULL, _IOLBF, 0);
    int f = OK(open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    OK(write(f, "0123456789abcdef", 16));
    OK(pipe(p));
    OK(pipe(q));

    SECTION("file -> pipe");
    OK(lseek(f, 4, SEEK_SET));
    OK(splice(f, NULL, p[1], NULL, 6, 0));
    CHECK(lseek(f, 0, SEEK_CUR) == 10);
    show_pipe(p[0], "pipe");
    off = 10;
    OK(splice(f, &off, p[1], NULL, 100, SPLICE_F_MORE));
    CHECK(off == 16 && lseek(f, 0, SEEK_CUR) == 10);
    show_pipe(p[0], "pipe");
    off = 16;
    OK(splice(f, &off, p[1], NULL, 100, 0));                 /* at EOF */

    SECTION("pipe -> file");
    OK(write(p[1], "XYZ", 3));
    off = 2;
    OK(splice(p[0], NULL, f, &off, 3, 0));
    CHECK(off == 5);
    OK(pread(f, buf, 8, 0));
    printf("file starts: %.8s\n", buf);
    OK(write(p[1], "tail", 4));
    OK(lseek(f, 0, SEEK_END));
    OK(splice(p[0], NULL, f, NULL, 64, 0));
    CHECK(lseek(f, 0, SEEK_END) == 20);

    SECTION("pipe -> pipe");
    OK(write(p[1], "through", 7));
    OK(splice(p[0], NULL, q[1], NULL, 4, 0));
    show_pipe(q[0], "second pipe");
    show_pipe(p[0], "first pipe keeps");

    SECTION("socket -> pipe");
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(write(sv[1], "sock", 4));
    OK(splice(sv[0], NULL, p[1], NULL, 64, 0));
    show_pipe(p[0], "pipe");

    SECTION("vmsplice");
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    OK(vmsplice(p[1], iov, 2, 0));
    struct iovec out = {buf, sizeof buf};
    memset(buf, 0, sizeof buf);
    OK(vmsplice(p[0], &out, 1, 0));
    printf("read back: %s\n", buf);
    OK(vmsplice(p[1], iov, 0, 0));
    ERR(vmsplice(f, iov, 1, 0), EBADF);
    ERR(vmsplice(p[1], iov, 1, 0x100), EINVAL);
    ERR(vmsplice(99, iov, 1, 0), EBADF);

    SECTION("errors");
    OK(splice(f, NULL, p[1], NULL, 0, 0));                   /* length 0: nothing checked */
    ERR(splice(f, NULL, p[1], NULL, 1, 0x100), EINVAL);
    ERR(splice(99, NULL, p[1], NULL, 1, 0), EBADF);
    ERR(splice(f, NULL, 99, NULL, 1, 0), EBADF);
    ERR(splice(p[1], NULL, q[1], NULL, 1, 0), EBADF);        /* the write end is no input */
    ERR(splice(f, NULL, p[0], NULL, 1, 0), EBADF);           /* the read end is no output */
    off = 0;
    ERR(splice(p[0], &off, f, NULL, 1, 0), ESPIPE);
    ERR(splice(f, NULL, p[1], &off, 1, 0), ESPIPE);
    ERR(splice(f, NULL, f, NULL, 1, 0), EINVAL);             /* neither is a pipe */
    ERR(splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL);       /* a pipe into itself */
    int a = OK(open("data.txt", O_WRONLY | O_APPEND));
    OK(write(p[1], "x", 1));
    ERR(splice(p[0], NULL, a, NULL, 1, 0), EINVAL);          /* O_APPEND output */
    off = -1;
    ERR(splice(f, &off, p[1], NULL, 1, 0), EINVAL);
    return finish("splice");
}
