/* clocks: clock_gettime (every clock id; monotonic never goes back; vDSO and
 * syscall readings interleave in order), clock_getres, gettimeofday vs time
 * vs CLOCK_REALTIME, nanosleep (10 ms takes >= 10 ms; EINVAL), clock_nanosleep
 * relative and TIMER_ABSTIME, and gmtime/localtime/strftime with TZ=UTC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns(t);
}

int main(void)
{
    struct timespec t, r;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("clock_gettime");
    {
        struct { clockid_t id; const char *name; } clocks[] = {
            {CLOCK_REALTIME, "CLOCK_REALTIME"}, {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
            {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
            {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"}, {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
            {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"}, {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
            {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
        };
        for (size_t i = 0; i < sizeof clocks / sizeof *clocks; i++) {
            int rc = clock_gettime(clocks[i].id, &t);
            printf("clock_gettime(%s): %s, tv_nsec in range: %d\n", clocks[i].name, rc == 0 ? "ok" : errname(errno),
                   t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
            if (clock_getres(clocks[i].id, &r) == 0)
                printf("  clock_getres: sec=%ld nsec>0: %d\n", (long)r.tv_sec, r.tv_nsec > 0);
            else
                printf("  clock_getres: %s\n", errname(errno)), failures++;
        }
        ERR(clock_gettime((clockid_t)12345, &t), EINVAL);
        ERR(clock_getres((clockid_t)12345, &r), EINVAL);
        ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT);
        OK(clock_getres(CLOCK_MONOTONIC, NULL));
        OK(clock_getres(CLOCK_MONOTONIC, &r));
        printf("CLOCK_MONOTONIC resolution %ld ns\n", r.tv_nsec);
    }
    {
        int64_t prev = now(CLOCK_MONOTONIC);
        int backwards = 0;
        for (int i = 0; i < 2000; i++) {
            int64_t n = now(CLOCK_MONOTONIC);
            backwards |= n < prev;
            prev = n;
        }
        CHECK(!backwards);
        /* vDSO (libc) and raw syscall readings interleave in order */
        int ordered = 1;
        for (int i = 0; i < 50; i++) {
            struct timespec a, b, c;
            clock_gettime(CLOCK_MONOTONIC, &a);
            syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
            clock_gettime(CLOCK_MONOTONIC, &c);
            ordered &= ns(a) <= ns(b) && ns(b) <= ns(c);
        }
        CHECK(ordered);
        CHECK(now(CLOCK_BOOTTIME) >= now(CLOCK_MONOTONIC) - 1000000);
        int64_t cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
        volatile unsigned long spin = 0;
        for (unsigned long i = 0; i < 5000000; i++)
            spin += i;
        CHECK(now(CLOCK_PROCESS_CPUTIME_ID) > cpu0);
    }

    SECTION("gettimeofday/time/CLOCK_REALTIME agree");
    {
        struct timeval tv;
        time_t t1 = time(NULL), t2;
        OK(gettimeofday(&tv, NULL));
        clock_gettime(CLOCK_REALTIME, &t);
        t2 = time(&t2);
        CHECK(tv.tv_sec >= t1 && tv.tv_sec <= t2 + 1); /* time() may be a coarse clock */
        CHECK(t.tv_sec >= t1 && t.tv_sec <= t2 + 1);
        CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
        CHECK(t1 > 1600000000);
        CHECK(syscall(SYS_time, NULL) >= t1);
        struct timezone tz;
        OK(gettimeofday(&tv, &tz));
        CHECK(labs((long)tv.tv_sec - (long)time(NULL)) <= 1);
    }

    SECTION("nanosleep");
    {
        struct timespec req = {0, 10 * 1000000}, rem = {7, 7};
        int64_t a = now(CLOCK_MONOTONIC);
        OK(nanosleep(&req, &rem));
        int64_t el = now(CLOCK_MONOTONIC) - a;
        printf("slept >= 10ms: %d, < 2s: %d\n", el >= 10000000, el < 2000000000);
        struct timespec bad = {0, 1000000000};
        ERR(nanosleep(&bad, NULL), EINVAL);
        struct timespec neg = {-1, 0};
        ERR(nanosleep(&neg, NULL), EINVAL);
        ERR(syscall(SYS_nanosleep, (void *)8, NULL), EFAULT);
        struct timespec zero = {0, 0};
        OK(nanosleep(&zero, NULL));
    }

    SECTION("clock_nanosleep");
    {
        struct timespec req = {0, 15 * 1000000};
        int64_t a = now(CLOCK_MONOTONIC);
        printf("relative: %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
        printf("slept >= 15ms: %d\n", now(CLOCK_MONOTONIC) - a >= 15000000);
        struct timespec target;
        clock_gettime(CLOCK_MONOTONIC, &target);
        target.tv_nsec += 20 * 1000000;
        if (target.tv_nsec >= 1000000000) {
            target.tv_nsec -= 1000000000;
            target.tv_sec++;
        }
        printf("TIMER_ABSTIME: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL));
        printf("woke at or after the target: %d\n", now(CLOCK_MONOTONIC) >= ns(target));
        struct timespec past = {0, 1};
        printf("absolute time in the past: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
        clock_gettime(CLOCK_REALTIME, &target);
        target.tv_nsec = 0;
        printf("TIMER_ABSTIME on CLOCK_REALTIME in the past: %d\n",
               clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL));
        printf("bad clock: %s\n", errname(clock_nanosleep((clockid_t)12345, 0, &req, NULL)));
        struct timespec bad = {0, -1};
        printf("bad nsec: %s\n", errname(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL)));
    }

    SECTION("calendar with TZ=UTC");
    {
        time_t fixed = 1000000000;
        struct tm tm, lt;
        char buf[64];
        gmtime_r(&fixed, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %j", &tm);
        printf("gmtime: %s\n", buf);
        localtime_r(&fixed, &lt);
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &lt);
        printf("localtime: %s\n", buf);
        printf("mktime round trip: %d\n", mktime(&lt) == fixed);
    }
    return finish("clocks");
}
