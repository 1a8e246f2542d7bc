/* tee: duplicating a pipe's content into another pipe without consuming it
 * (tee(2), what `cmd | tee`-style tools built on splice do): both pipes then
 * hold the data; a tee on an empty pipe waits for a writer (or is EAGAIN
 * with SPLICE_F_NONBLOCK or an O_NONBLOCK end), is 0 once every writer is
 * gone; at most what the output can hold is copied. Errno order of
 * fs/splice.c: unknown flags (EINVAL) before a zero length (0), then the
 * descriptors (EBADF), their modes (EBADF), then two distinct pipes (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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
    int p[2], q[2];
    char big[4096];
    setvbuf(stdout, NULL, _IOLBF, 0);
    OK(pipe(p));
    OK(pipe(q));

    SECTION("copy without consuming");
    OK(write(p[1], "hello world", 11));
    OK(tee(p[0], q[1], 5, 0));
    show_pipe(q[0], "copy");
    OK(tee(p[0], q[1], 100, 0));
    OK(tee(p[0], q[1], 100, SPLICE_F_MORE | SPLICE_F_MOVE));
    show_pipe(q[0], "copies");
    show_pipe(p[0], "original");

    SECTION("empty input");
    ERR(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    OK(fcntl(q[1], F_SETFL, O_NONBLOCK));
    ERR(tee(p[0], q[1], 10, 0), EAGAIN);                 /* O_NONBLOCK on either end */
    OK(fcntl(q[1], F_SETFL, 0));
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        write(p[1], "late", 4);
        _exit(0);
    }
    OK(tee(p[0], q[1], 10, 0));                          /* waits for the writer */
    show_pipe(q[0], "copy of late data");
    OK(waitpid(pid, NULL, 0) == pid);
    show_pipe(p[0], "original");

    SECTION("full output");
    int r[2];
    long filled = 0;
    ssize_t n;
    OK(pipe2(r, O_NONBLOCK));
    memset(big, 'x', sizeof big);
    while ((n = write(r[1], big, sizeof big)) > 0)           /* the output is full */
        filled += n;
    CHECK(filled > 0 && errno == EAGAIN);
    OK(write(p[1], "abc", 3));
    ERR(tee(p[0], r[1], 3, SPLICE_F_NONBLOCK), EAGAIN);
    ERR(tee(p[0], r[1], 3, 0), EAGAIN);                      /* the output is O_NONBLOCK */
    while ((n = read(r[0], big, sizeof big)) > 0)
        filled -= n;
    CHECK(filled == 0);
    OK(tee(p[0], r[1], 3, SPLICE_F_NONBLOCK));
    show_pipe(r[0], "copy after room");
    show_pipe(p[0], "original");

    SECTION("writers gone");
    OK(close(p[1]));
    OK(tee(p[0], q[1], 10, 0));                          /* EOF: 0 */
    OK(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK));
    OK(pipe(p));

    SECTION("errors");
    int f = OK(open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644));
    int wo = OK(open("data.txt", O_WRONLY));
    ERR(tee(p[0], q[1], 1, 0x100), EINVAL);
    ERR(tee(99, 98, 0, 0x100), EINVAL);                  /* flags before length */
    OK(tee(99, 98, 0, 0));                               /* length 0: nothing else checked */
    ERR(tee(99, q[1], 1, 0), EBADF);
    ERR(tee(p[0], 99, 1, 0), EBADF);
    ERR(tee(-1, q[1], 1, 0), EBADF);
    ERR(tee(f, 99, 1, 0), EBADF);                        /* descriptors before kinds */
    ERR(tee(p[1], q[1], 1, 0), EBADF);                   /* the write end is no input */
    ERR(tee(p[0], q[0], 1, 0), EBADF);                   /* the read end is no output */
    ERR(tee(wo, q[1], 1, 0), EBADF);                     /* modes before kinds */
    ERR(tee(f, q[1], 1, 0), EINVAL);                     /* input no pipe */
    ERR(tee(p[0], f, 1, 0), EINVAL);                     /* output no pipe */
    ERR(tee(p[0], p[1], 1, 0), EINVAL);                  /* a pipe into itself */
    return finish("tee");
}
