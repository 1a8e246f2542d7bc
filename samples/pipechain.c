/* pipechain: a chain of forked children connected by pipes on their stdin/
 * stdout (dup2), like a shell pipeline: generate | square | sum, plus 1 MiB
 * through a pipe with a checksum, EOF only when every writer has closed, and
 * a writer killed by SIGPIPE when its reader is gone.
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

static void describe(const char *label, int status)
{
    if (WIFEXITED(status))
        printf("%s: exited %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", label, WTERMSIG(status));
}

static void gen(void)
{
    for (int i = 1; i <= 2000; i++)
        printf("%d\n", i);
    fflush(stdout);
}

static void square(void)
{
    long v;
    while (scanf("%ld", &v) == 1)
        printf("%ld\n", v * v);
    fflush(stdout);
}

static void sum(void)
{
    long v, s = 0, n = 0;
    while (scanf("%ld", &v) == 1)
        s += v, n++;
    printf("%ld numbers, sum %ld\n", n, s);
    fflush(stdout);
}

static pid_t stage(void (*fn)(void), int in, int out, int *closeme, int nclose)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (in >= 0)
            dup2(in, 0);
        if (out >= 0)
            dup2(out, 1);
        for (int i = 0; i < nclose; i++)
            close(closeme[i]);
        setvbuf(stdout, NULL, _IOFBF, 0);
        fn();
        _exit(0);
    }
    return pid;
}

int main(void)
{
    int a[2], b[2], c[2], st;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("generate | square | sum");
    OK(pipe(a));
    OK(pipe(b));
    OK(pipe(c));
    int all[6] = {a[0], a[1], b[0], b[1], c[0], c[1]};
    pid_t p1 = stage(gen, -1, a[1], all, 6);
    pid_t p2 = stage(square, a[0], b[1], all, 6);
    pid_t p3 = stage(sum, b[0], c[1], all, 6);
    for (int i = 0; i < 6; i++)
        if (all[i] != c[0])
            close(all[i]);
    {
        char buf[256] = {0};
        ssize_t n, got = 0;
        while ((n = read(c[0], buf + got, sizeof buf - 1 - got)) > 0)
            got += n;
        printf("pipeline output: %s", buf);
        close(c[0]);
    }
    pid_t order[3] = {p1, p2, p3};
    for (int i = 0; i < 3; i++) {
        waitpid(order[i], &st, 0);
        char label[16];
        snprintf(label, sizeof label, "stage %d", i + 1);
        describe(label, st);
    }

    SECTION("1 MiB through a pipe");
    OK(pipe(a));
    pid_t w = fork();
    if (w == 0) {
        close(a[0]);
        static unsigned char buf[1 << 20];
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (unsigned char)(i * 13 + (i >> 9));
        size_t off = 0;
        while (off < sizeof buf) {
            size_t want = 1000 + off % 7000;
            if (want > sizeof buf - off)
                want = sizeof buf - off;
            ssize_t n = write(a[1], buf + off, want);
            if (n <= 0)
                _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(a[1]);
    {
        unsigned long sumv = 0, total = 0;
        unsigned char buf[3000];
        ssize_t n;
        while ((n = read(a[0], buf, sizeof buf)) > 0)
            for (ssize_t i = 0; i < n; i++, total++)
                sumv = sumv * 31 + buf[i];
        printf("read %lu bytes, checksum %016lx\n", total, sumv);
        close(a[0]);
    }
    waitpid(w, &st, 0);
    describe("writer", st);

    SECTION("EOF waits for every writer");
    OK(pipe(a));
    pid_t k1 = fork();
    if (k1 == 0) {
        close(a[0]);
        usleep(100000);
        if (write(a[1], "late", 4) != 4)
            _exit(1);
        _exit(0);
    }
    pid_t k2 = fork();
    if (k2 == 0) {
        close(a[0]);
        if (write(a[1], "early", 5) != 5)
            _exit(1);
        _exit(0);
    }
    close(a[1]);
    {
        char buf[64] = {0};
        ssize_t n, got = 0;
        while ((n = read(a[0], buf + got, sizeof buf - 1 - got)) > 0)
            got += n;
        printf("read until EOF: %zd bytes ('%s')\n", got, buf);
        close(a[0]);
    }
    waitpid(k1, &st, 0);
    waitpid(k2, &st, 0);

    SECTION("SIGPIPE");
    OK(pipe(a));
    close(a[0]);
    pid_t sp = fork();
    if (sp == 0) {
        ssize_t r = write(a[1], "x", 1);
        _exit(r < 0 ? 10 : 11);
    }
    close(a[1]);
    waitpid(sp, &st, 0);
    describe("writer without a reader", st);
    OK(pipe(a));
    sp = fork();
    if (sp == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(a[0]);
        usleep(50000);
        ssize_t r = write(a[1], "x", 1);
        _exit(r < 0 && errno == EPIPE ? 12 : 13);
    }
    close(a[0]);
    close(a[1]);
    waitpid(sp, &st, 0);
    describe("writer ignoring SIGPIPE (12 = EPIPE)", st);
    return finish("pipechain");
}
