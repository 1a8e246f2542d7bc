/* waitid: P_PID/P_PGID/P_ALL with WEXITED, WSTOPPED, WCONTINUED, WNOHANG and
 * WNOWAIT (si_code CLD_EXITED/KILLED/STOPPED/CONTINUED, si_status, si_pid);
 * waitpid with WUNTRACED/WCONTINUED and the Linux status encoding
 * (WIFSTOPPED/WSTOPSIG/WIFCONTINUED); errors (ECHILD, EINVAL).
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

static const char *code(int c)
{
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case CLD_TRAPPED: return "CLD_TRAPPED";
    case 0: return "0";
    default: return "?";
    }
}

static void show(const char *label, int rc, siginfo_t *si, pid_t want)
{
    if (rc != 0) {
        printf("%s: -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: si_signo=%s si_code=%s si_status=%d si_pid==child:%d\n", label,
           si->si_signo == SIGCHLD ? "SIGCHLD" : si->si_signo == 0 ? "0" : "?", code(si->si_code), si->si_status,
           si->si_pid == want);
}

static pid_t spawn_exit(int code, int delay_ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(delay_ms * 1000);
        _exit(code);
    }
    return pid;
}

int main(void)
{
    siginfo_t si;
    int st, rc;
    pid_t a, b;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("P_PID WEXITED, WNOWAIT, WNOHANG");
    a = spawn_exit(7, 0);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED | WNOWAIT);
    show("WNOWAIT", rc, &si, a);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED);
    show("again, reaping", rc, &si, a);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED);
    show("a third time", rc, &si, a);
    b = spawn_exit(1, 300);
    memset(&si, 0xff, sizeof si);
    rc = waitid(P_PID, b, &si, WEXITED | WNOHANG);
    printf("WNOHANG on a running child: rc=%d si_pid=%d\n", rc, si.si_pid);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, b, &si, WEXITED);
    show("then blocking", rc, &si, b);

    SECTION("P_ALL and P_PGID");
    a = spawn_exit(11, 0);
    memset(&si, 0, sizeof si);
    rc = waitid(P_ALL, 0, &si, WEXITED);
    show("P_ALL", rc, &si, a);
    a = fork();
    if (a == 0) {
        setpgid(0, 0);
        usleep(20000);
        _exit(12);
    }
    setpgid(a, a);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PGID, a, &si, WEXITED);
    show("P_PGID", rc, &si, a);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PGID, getpgrp(), &si, WEXITED | WNOHANG);
    printf("P_PGID of our group with no children: %d %s\n", rc, rc ? errname(errno) : "");

    SECTION("killed");
    a = fork();
    if (a == 0) {
        pause();
        _exit(0);
    }
    kill(a, SIGKILL);
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED);
    show("SIGKILL", rc, &si, a);
    a = fork();
    if (a == 0)
        abort();
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED);
    show("abort (no core: RLIMIT_CORE is 0)", rc, &si, a);

    SECTION("stopped and continued");
    /* the child exits only when told, so the continued state cannot be
       overtaken by its exit */
    int go[2];
    char gobyte = 'g';
    OK(pipe(go));
    a = fork();
    if (a == 0) {
        close(go[1]);
        raise(SIGSTOP);
        if (read(go[0], &gobyte, 1) != 1)
            _exit(99);
        _exit(13);
    }
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WSTOPPED);
    show("WSTOPPED", rc, &si, a);
    OK(kill(a, SIGCONT));
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WCONTINUED);
    show("WCONTINUED", rc, &si, a);
    OK(write(go[1], &gobyte, 1));
    memset(&si, 0, sizeof si);
    rc = waitid(P_PID, a, &si, WEXITED);
    show("WEXITED", rc, &si, a);

    SECTION("waitpid WUNTRACED/WCONTINUED status encoding");
    a = fork();
    if (a == 0) {
        close(go[1]);
        raise(SIGSTOP);
        if (read(go[0], &gobyte, 1) != 1)
            _exit(99);
        _exit(14);
    }
    OK(waitpid(a, &st, WUNTRACED) == a);
    printf("WIFSTOPPED=%d WSTOPSIG=%d raw=%#x\n", WIFSTOPPED(st), WSTOPSIG(st), st);
    OK(kill(a, SIGCONT));
    OK(waitpid(a, &st, WCONTINUED) == a);
    printf("WIFCONTINUED=%d raw=%#x\n", WIFCONTINUED(st), st);
    OK(write(go[1], &gobyte, 1));
    OK(waitpid(a, &st, 0) == a);
    printf("WIFEXITED=%d WEXITSTATUS=%d raw=%#x\n", WIFEXITED(st), WEXITSTATUS(st), st);
    a = fork();
    if (a == 0)
        raise(SIGTERM);
    OK(waitpid(a, &st, 0) == a);
    printf("WIFSIGNALED=%d WTERMSIG=%d raw=%#x\n", WIFSIGNALED(st), WTERMSIG(st), st);

    SECTION("errors");
    memset(&si, 0, sizeof si);
    ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD);
    ERR(waitid(P_PID, getpid(), &si, WEXITED), ECHILD);
    ERR(waitid(P_ALL, 0, &si, 0), EINVAL);
    ERR(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
    ERR(waitpid(-1, &st, 0x10), EINVAL);
    return finish("waitid");
}
