/* nofile_view: RLIMIT_NOFILE as the program sees it matches the
 * descriptors it gets: the highest descriptor below the soft limit can be
 * made (dup2) and the limit itself cannot (EBADF), after raising the soft
 * limit to the hard one too; a hard limit above what can be had is
 * refused (EPERM), and sysconf(_SC_OPEN_MAX) agrees with getrlimit.
 * Limits are printed as relations (the machine's own values differ).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
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

static void probe(const char *what, long lim)
{
    int a = lim <= 1 << 20 ? dup2(0, (int)lim - 1) : -1;
    int ea = errno;
    int b = lim <= 1 << 20 ? dup2(0, (int)lim) : -1;
    int eb = errno;
    printf("%s: dup2 to limit-1 %s, dup2 to limit %s\n", what, a == lim - 1 ? "ok" : errname(ea),
           b == lim ? "ok" : errname(eb));
    if (a >= 0)
        close(a);
    if (b >= 0)
        close(b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit rl;
    OK(getrlimit(RLIMIT_NOFILE, &rl));
    CHECK(rl.rlim_cur <= rl.rlim_max);
    CHECK(sysconf(_SC_OPEN_MAX) == (long)rl.rlim_cur);
    probe("soft", (long)rl.rlim_cur);
    rl.rlim_cur = rl.rlim_max;
    OK(setrlimit(RLIMIT_NOFILE, &rl));
    probe("soft raised to hard", (long)rl.rlim_cur);
    CHECK(sysconf(_SC_OPEN_MAX) == (long)rl.rlim_cur);
    struct rlimit more = {rl.rlim_max + 1, rl.rlim_max + 1};
    ERR(setrlimit(RLIMIT_NOFILE, &more), EPERM);
    rl.rlim_cur = 64;
    OK(setrlimit(RLIMIT_NOFILE, &rl));
    probe("soft 64", 64);
    int fd, last = -1;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        last = fd;
    printf("last open: %d, then %s\n", last, errname(errno));
    return finish("nofile_view");
}
