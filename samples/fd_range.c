/* fd_range: every descriptor below the soft RLIMIT_NOFILE is the program's
 * (Linux's default soft limit is 1024): dup2 and F_DUPFD reach the top of
 * it, numbers never opened are EBADF for every call, /proc/self/fd lists
 * exactly the program's descriptors, and the limit stops opens with EMFILE.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;       /* the directory's own descriptor */
}

int main(void)
{
    struct rlimit r;
    struct stat st;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("the soft limit at 1024, as Linux starts programs");
    OK(getrlimit(RLIMIT_NOFILE, &r));
    r.rlim_cur = 1024;
    OK(setrlimit(RLIMIT_NOFILE, &r));
    int before = count_fds();
    int fd = OK(open(".", O_RDONLY | O_DIRECTORY));

    SECTION("numbers never opened are no descriptor");
    int bad = 0;
    for (int i = 100; i < 1024; i++)
        if (fstat(i, &st) == 0 || errno != EBADF)
            bad++;
    printf("fds 100..1023 that are not EBADF for fstat: %d\n", bad);
    bad = 0;
    for (int i = 100; i < 1024; i++)
        if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
            bad++;
    printf("fds 100..1023 that are not EBADF for F_GETFD: %d\n", bad);
    ERR(close(1000), EBADF);
    struct pollfd pf = {.fd = 1000, .events = POLLIN};
    OK(poll(&pf, 1, 0));
    CHECK(pf.revents == POLLNVAL);

    SECTION("descriptors up to the soft limit");
    OK(dup2(fd, 1023));
    OK(fcntl(fd, F_DUPFD, 900));
    OK(fcntl(fd, F_DUPFD, 1000));
    OK(fcntl(fd, F_DUPFD_CLOEXEC, 1022));
    ERR(fcntl(fd, F_DUPFD, 1022), EMFILE);
    ERR(fcntl(fd, F_DUPFD, 1024), EINVAL);
    ERR(dup2(fd, 1024), EBADF);
    OK(fstat(1023, &st));
    CHECK(S_ISDIR(st.st_mode));
    printf("/proc/self/fd lists %d more\n", count_fds() - before);
    OK(close(1023));
    OK(close(900));
    OK(close(1000));
    OK(close(1022));
    printf("/proc/self/fd lists %d more\n", count_fds() - before);

    SECTION("the limit stops opens");
    r.rlim_cur = 64;
    OK(setrlimit(RLIMIT_NOFILE, &r));
    int n = 0, last = -1;
    for (;;) {
        int f = open("/dev/null", O_RDONLY);
        if (f < 0)
            break;
        last = f;
        n++;
    }
    printf("opened up to fd %d, then %s\n", last, errname(errno));
    for (int i = last; i > last - n; i--)
        close(i);
    return finish("fd_range");
}
