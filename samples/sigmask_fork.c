/* sigmask_fork: signal state across fork and execve. fork: the child keeps the
 * mask, the dispositions (handlers too) and the alternate stack, and starts
 * with no pending signals and no alarm. execve: the mask and SIG_IGN survive,
 * handlers become SIG_DFL, pending signals stay pending, the alarm continues.
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
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

static void handler(int sig) { (void)sig; }

static const char *disp(int sig)
{
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) != 0)
        return "?";
    if (sa.sa_handler == SIG_DFL)
        return "SIG_DFL";
    if (sa.sa_handler == SIG_IGN)
        return "SIG_IGN";
    return "handler";
}

static void state(const char *who)
{
    sigset_t mask, pend;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    sigpending(&pend);
    printf("%s: blocked USR1=%d USR2=%d TERM=%d | pending USR1=%d | SIGUSR2 %s, SIGTERM %s, SIGHUP %s\n", who,
           sigismember(&mask, SIGUSR1), sigismember(&mask, SIGUSR2), sigismember(&mask, SIGTERM),
           sigismember(&pend, SIGUSR1), disp(SIGUSR2), disp(SIGTERM), disp(SIGHUP));
}

static void describe(const char *label, int status)
{
    if (WIFEXITED(status))
        printf("%s: exited %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", label, WTERMSIG(status));
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "after-exec")) {
        state("after exec");
        unsigned left = alarm(0);
        printf("after exec: alarm still set: %d\n", left > 50 && left <= 100);
        /* unblocking delivers the pending SIGUSR1 with the default action */
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        fflush(stdout);
        sigprocmask(SIG_UNBLOCK, &s, NULL);
        printf("after exec: survived the unblock?\n");
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGTERM);
    OK(sigprocmask(SIG_BLOCK, &s, NULL));
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, handler);
    signal(SIGHUP, handler);
    OK(raise(SIGUSR1));
    OK(alarm(100));
    state("parent");

    SECTION("fork");
    pid_t pid = fork();
    if (pid == 0) {
        state("child");
        printf("child: alarm inherited: %d\n", alarm(0) != 0);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    describe("child", st);

    SECTION("fork + execve");
    pid = fork();
    if (pid == 0) {
        raise(SIGUSR1); /* pending in the child itself, carried across exec */
        alarm(100);
        char *args[] = {argv[0], "after-exec", NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    describe("exec'd child (SIGUSR1 default action after the unblock)", st);
    alarm(0);
    return finish("sigmask_fork");
}
