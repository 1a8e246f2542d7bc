/* rlimits: limits a program sets on itself (setrlimit, prlimit64) read
 * back as set and act on the program: RLIMIT_AS makes a big mmap and brk
 * fail with ENOMEM while small ones work, RLIMIT_NOFILE stops opens, pipes
 * and dups at the limit, RLIMIT_STACK reads back; raising a hard limit needs privilege; and the process still
 * starts threads, forks and execs afterwards (the limits are the program's,
 * not its host's).
 * lxpack-cflags: -pthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static void *worker(void *arg)
{
    return arg;
}

int main(void)
{
    struct rlimit r, o;

    SECTION("RLIMIT_NOFILE");
    OK(getrlimit(RLIMIT_NOFILE, &o));
    r.rlim_cur = 64;
    r.rlim_max = o.rlim_max;
    OK(setrlimit(RLIMIT_NOFILE, &r));
    OK(getrlimit(RLIMIT_NOFILE, &r));
    printf("nofile soft %lu\n", (unsigned long)r.rlim_cur);
    {
        int fds[80], n = 0, last = -1;
        while (n < 80 && (last = open("/dev/null", O_RDONLY)) >= 0)
            fds[n++] = last;
        printf("opens until %s: highest fd %d\n", errname(errno), n ? fds[n - 1] : -1);
        int pfd[2];
        ERR(pipe(pfd), EMFILE);
        ERR(dup2(0, 64), EBADF);
        ERR(fcntl(0, F_DUPFD, 64), EINVAL);
        while (n > 0)
            close(fds[--n]);
    }
    r.rlim_cur = o.rlim_max;
    r.rlim_max = o.rlim_max;
    ERR(setrlimit(RLIMIT_NOFILE, &(struct rlimit){10, 5}), EINVAL);

    SECTION("RLIMIT_AS");
    r.rlim_cur = r.rlim_max = 1UL << 30;
    OK(setrlimit(RLIMIT_AS, &r));
    OK(getrlimit(RLIMIT_AS, &r));
    printf("as soft %lu\n", (unsigned long)r.rlim_cur);
    void *big = mmap(NULL, 2UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("2 GiB mmap: %s\n", big == MAP_FAILED ? errname(errno) : "mapped");
    void *small = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(small != MAP_FAILED);
    memset(small, 1, 16 << 20);
    void *top = sbrk(0);
    printf("1.5 GiB brk: %s\n", brk((char *)top + (3UL << 29)) == 0 ? "grew" : errname(errno));
    OK(munmap(small, 16 << 20));

    SECTION("RLIMIT_STACK");
    r.rlim_cur = 4 << 20;
    r.rlim_max = RLIM_INFINITY;
    OK(setrlimit(RLIMIT_STACK, &r));
    OK(getrlimit(RLIMIT_STACK, &r));
    printf("stack soft %lu\n", (unsigned long)r.rlim_cur);

    SECTION("still a working process");
    pthread_t th;
    CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
        _exit(99);
    }
    int st;
    OK(waitpid(pid, &st, 0) == pid);
    printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    SECTION("hard limits");
    OK(getrlimit(RLIMIT_CORE, &o));
    r.rlim_cur = 0;
    r.rlim_max = 0;
    OK(setrlimit(RLIMIT_CORE, &r));
    r.rlim_max = 4096;
    SHOW(setrlimit(RLIMIT_CORE, &r));       /* EPERM without CAP_SYS_RESOURCE (even root, in a container) */
    return finish("rlimits");
}
