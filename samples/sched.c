/* sched: CPU affinity as a thread sets and reads it back (an empty set or
 * one without any CPU of this machine is EINVAL, a one-CPU mask reads back
 * with that CPU alone), sched_rr_get_interval, the pid checks of the sched_*
 * calls, and pipe capacities (F_SETPIPE_SZ rounds up to a power of two of
 * pages, both ends see it, F_GETPIPE_SZ on a non-pipe is EBADF).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    cpu_set_t s;

    SECTION("affinity");
    CPU_ZERO(&s);
    ERR(sched_setaffinity(0, sizeof s, &s), EINVAL);
    CPU_SET(1000, &s);
    ERR(sched_setaffinity(0, sizeof s, &s), EINVAL);
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    OK(sched_setaffinity(0, sizeof s, &s));
    CPU_ZERO(&s);
    OK(sched_getaffinity(0, sizeof s, &s));
    printf("cpus %d, cpu0 %d\n", CPU_COUNT(&s), CPU_ISSET(0, &s));
    ERR(sched_getaffinity(0, 3, &s), EINVAL);
    ERR(sched_getaffinity(-1, sizeof s, &s), ESRCH);
    ERR(sched_getaffinity(0x3fffffff, sizeof s, &s), ESRCH);

    SECTION("round robin interval");
    struct timespec ts = {7, 7};
    OK(sched_rr_get_interval(0, &ts));
    printf("interval %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    ERR(sched_rr_get_interval(-1, &ts), EINVAL);
    ERR(sched_rr_get_interval(0x3fffffff, &ts), ESRCH);

    SECTION("pipe capacity");
    int p[2];
    OK(pipe(p));
    OK(fcntl(p[0], F_GETPIPE_SZ));
    OK(fcntl(p[0], F_SETPIPE_SZ, 5000));
    OK(fcntl(p[1], F_GETPIPE_SZ));
    OK(fcntl(p[1], F_SETPIPE_SZ, 0));
    OK(fcntl(p[0], F_GETPIPE_SZ));
    OK(fcntl(p[0], F_SETPIPE_SZ, 1 << 20));
    int f = open("/dev/null", O_RDONLY);
    ERR(fcntl(f, F_GETPIPE_SZ), EBADF);
    ERR(fcntl(f, F_SETPIPE_SZ, 8192), EBADF);
    return finish("sched");
}
