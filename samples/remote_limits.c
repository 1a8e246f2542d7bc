/* remote_limits: prlimit(2) and sched_setaffinity/sched_getaffinity on a
 * child's pid (what `prlimit --pid` and `taskset -p` do): the parent reads
 * the child's limits, lowers its RLIMIT_NOFILE and RLIMIT_CORE, pins it to
 * CPU 0 and reads both back; the child then sees the new values itself
 * and gets EMFILE at its new limit. Errors: ESRCH for a pid that does not
 * exist, EINVAL for a bad resource or soft above hard, EPERM for raising
 * the child's hard limit, EINVAL for an empty CPU set.
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

static long prlim(pid_t pid, int res, const struct rlimit *new, struct rlimit *old)
{
    return syscall(SYS_prlimit64, pid, res, new, old);
}

static int child(int in, int out)
{
    char c;
    struct rlimit rl;
    cpu_set_t set;
    write(out, "r", 1);
    if (read(in, &c, 1) != 1)
        return 2;
    SECTION("the child's view");
    OK(getrlimit(RLIMIT_NOFILE, &rl));
    printf("child nofile: %ld %ld\n", (long)rl.rlim_cur, (long)rl.rlim_max);
    OK(getrlimit(RLIMIT_CORE, &rl));
    printf("child core: %ld %ld\n", (long)rl.rlim_cur, (long)rl.rlim_max);
    OK(sched_getaffinity(0, sizeof set, &set));
    printf("child cpus: %d, cpu0: %d\n", CPU_COUNT(&set), CPU_ISSET(0, &set));
    int fd, last = -1;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        last = fd;
    printf("child last fd: %d, then %s\n", last, errname(errno));
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int a[2], b[2];
    struct rlimit rl, old, mine;
    cpu_set_t set;
    char c;
    OK(pipe(a));
    OK(pipe(b));
    pid_t pid = fork();
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        exit(child(a[0], b[1]));
    }
    close(a[0]);
    close(b[1]);
    CHECK(read(b[0], &c, 1) == 1);

    SECTION("read the child's limits");
    OK(getrlimit(RLIMIT_NOFILE, &mine));
    OK(prlim(pid, RLIMIT_NOFILE, NULL, &old));
    CHECK(old.rlim_cur == mine.rlim_cur && old.rlim_max == mine.rlim_max);
    OK(getrlimit(RLIMIT_CORE, &mine));
    OK(prlim(pid, RLIMIT_CORE, NULL, &old));
    CHECK(old.rlim_cur == mine.rlim_cur && old.rlim_max == mine.rlim_max);

    SECTION("set them");
    rl.rlim_cur = 10;
    rl.rlim_max = 12;
    OK(prlim(pid, RLIMIT_NOFILE, &rl, &old));
    CHECK(old.rlim_max == mine.rlim_max || old.rlim_max >= 12);
    OK(prlim(pid, RLIMIT_NOFILE, NULL, &old));
    printf("child nofile now: %ld %ld\n", (long)old.rlim_cur, (long)old.rlim_max);
    rl.rlim_cur = 0;
    rl.rlim_max = 0;
    OK(prlim(pid, RLIMIT_CORE, &rl, NULL));
    OK(prlim(pid, RLIMIT_CORE, NULL, &old));
    printf("child core now: %ld %ld\n", (long)old.rlim_cur, (long)old.rlim_max);
    OK(getrlimit(RLIMIT_NOFILE, &mine));
    CHECK(mine.rlim_cur != 10);                          /* ours did not change */

    SECTION("errors");
    rl.rlim_cur = 10;
    rl.rlim_max = 100;
    ERR(prlim(pid, RLIMIT_NOFILE, &rl, NULL), EPERM);     /* above the child's hard limit */
    rl.rlim_max = 5;
    ERR(prlim(pid, RLIMIT_NOFILE, &rl, NULL), EINVAL);    /* soft above hard */
    ERR(prlim(pid, 99, NULL, &old), EINVAL);
    ERR(prlim(-5, RLIMIT_NOFILE, NULL, &old), ESRCH);
    ERR(prlim(0x3ffffff0, RLIMIT_NOFILE, NULL, &old), ESRCH);

    SECTION("affinity");
    OK(sched_getaffinity(pid, sizeof set, &set));
    CHECK(CPU_COUNT(&set) >= 1);
    CPU_ZERO(&set);
    ERR(sched_setaffinity(pid, sizeof set, &set), EINVAL);
    CPU_SET(0, &set);
    OK(sched_setaffinity(pid, sizeof set, &set));
    CPU_ZERO(&set);
    OK(sched_getaffinity(pid, sizeof set, &set));
    printf("child cpus: %d, cpu0: %d\n", CPU_COUNT(&set), CPU_ISSET(0, &set));
    ERR(sched_getaffinity(0x3ffffff0, sizeof set, &set), ESRCH);
    ERR(sched_setaffinity(-3, sizeof set, &set), ESRCH);

    ssize_t w = write(a[1], "go", 1);                   /* nothing printed until the child ends */
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(w == 1);
    return finish("remote_limits");
}
