/* fifo_threads: two threads of one process open the two ends of a FIFO
 * (each blocking open waits for the other end, so the first one must not
 * keep the other thread from running), reader first and writer first, and
 * pass data through it.
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static const char *FIFO = "fifo_threads.fifo";

static void *writer(void *arg)
{
    int fd = open(FIFO, O_WRONLY);
    if (fd >= 0) {
        if (write(fd, arg, strlen(arg)) < 0)
            fd = -2;
        close(fd);
    }
    return (void *)(long)(fd >= 0);
}

static void *reader(void *arg)
{
    char *buf = arg;
    int fd = open(FIFO, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, buf, 63);
    if (fd >= 0)
        close(fd);
    if (n >= 0)
        buf[n] = 0;
    return (void *)(long)(n > 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(60);              /* a deadlock fails the run instead of hanging it */
    unlink(FIFO);
    OK(mkfifo(FIFO, 0600));
    pthread_t th;
    void *ret;
    char buf[64];

    SECTION("the reader opens first (in this thread), the writer in another");
    OK(pthread_create(&th, NULL, writer, "from the writer thread"));
    printf("reader ok: %d\n", (int)(long)reader(buf));
    OK(pthread_join(th, &ret));
    printf("writer ok: %d\n", (int)(long)ret);
    printf("read: %s\n", buf);

    SECTION("the writer opens first (in this thread), the reader in another");
    memset(buf, 0, sizeof buf);
    OK(pthread_create(&th, NULL, reader, buf));
    printf("writer ok: %d\n", (int)(long)writer("from the main thread"));
    OK(pthread_join(th, &ret));
    printf("reader ok: %d\n", (int)(long)ret);
    printf("read: %s\n", buf);

    OK(unlink(FIFO));
    return finish("fifo_threads");
}
