/* forktree: fork (and vfork) trees with exit codes collected by waitpid/wait4,
 * deaths by signal seen by the parent (WIFSIGNALED/WTERMSIG), memory copied
 * on fork, file offsets shared across fork, SIGCHLD with si_pid/si_status,
 * WNOHANG, ECHILD, process groups (setpgid, kill of a group) and sessions
 * (setsid), and getppid after the parent dies.
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static int global = 1;
static volatile sig_atomic_t chld_hits;
static volatile int chld_pid, chld_status, chld_code;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_hits++;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
    chld_code = si->si_code;
}

static void describe(const char *label, int status)
{
    if (WIFEXITED(status))
        printf("%s: exited %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d%s\n", label, WTERMSIG(status), WCOREDUMP(status) ? " (core)" : "");
    else
        printf("%s: status %#x\n", label, status);
}

/* a binary tree of processes: each node exits with the sum of its children's codes + its id */
static int tree(int id, int depth)
{
    if (depth == 0)
        return id % 7;
    int sum = id % 7;
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(tree(id * 2 + i, depth - 1));
    }
    for (int i = 1; i >= 0; i--) {
        int st;
        if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st))
            return 200;
        sum += WEXITSTATUS(st);
    }
    return sum % 256;
}

int main(void)
{
    int st;
    pid_t pid, me = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("exit codes");
    for (int code = 0; code < 5; code++) {
        pid = fork();
        if (pid == 0)
            _exit(code * 10 + 1);
        CHECK(pid > 0 && pid != me);
        OK(waitpid(pid, &st, 0) == pid);
        char label[32];
        snprintf(label, sizeof label, "child %d", code);
        describe(label, st);
    }
    pid = fork();
    if (pid == 0)
        exit(300);
    waitpid(pid, &st, 0);
    describe("exit(300)", st);
    ERR(waitpid(-1, &st, 0), ECHILD);
    ERR(waitpid(me, &st, 0), ECHILD);

    SECTION("a tree of processes");
    pid = fork();
    if (pid == 0)
        _exit(tree(1, 3));
    waitpid(pid, &st, 0);
    describe("tree(1, 3)", st);

    SECTION("deaths by signal");
    {
        int sigs[] = {SIGKILL, SIGTERM, SIGSEGV, SIGABRT, SIGUSR1};
        for (int i = 0; i < 5; i++) {
            pid = fork();
            if (pid == 0) {
                if (sigs[i] == SIGSEGV)
                    *(volatile int *)(long)(getpid() & 0) = 1;
                if (sigs[i] == SIGABRT)
                    abort();
                raise(sigs[i]);
                _exit(99);
            }
            waitpid(pid, &st, 0);
            char label[32];
            snprintf(label, sizeof label, "child raising %d", sigs[i]);
            describe(label, st);
        }
        pid = fork();
        if (pid == 0) {
            pause();
            _exit(98);
        }
        OK(waitpid(pid, &st, WNOHANG));
        OK(kill(pid, SIGTERM));
        waitpid(pid, &st, 0);
        describe("paused child killed by the parent", st);
    }

    SECTION("memory is copied, file offsets are shared");
    {
        int fd = OK(open("shared.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
        global = 5;
        pid = fork();
        if (pid == 0) {
            global = 99;
            if (write(fd, "child ", 6) != 6)
                _exit(1);
            _exit(global == 99 ? 0 : 1);
        }
        waitpid(pid, &st, 0);
        describe("writer child", st);
        printf("parent global still %d\n", global);
        OK(lseek(fd, 0, SEEK_CUR));
        OK(write(fd, "parent\n", 7));
        OK(close(fd));
    }

    SECTION("vfork");
    pid = vfork();
    if (pid == 0)
        _exit(77);
    waitpid(pid, &st, 0);
    describe("vfork child", st);

    SECTION("SIGCHLD and wait4");
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_chld;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        OK(sigaction(SIGCHLD, &sa, NULL));
        pid = fork();
        if (pid == 0)
            _exit(42);
        struct rusage ru;
        OK(wait4(pid, &st, 0, &ru) == pid);
        describe("wait4", st);
        /* the SIGCHLD may arrive just after wait4 returns */
        for (int i = 0; i < 200 && !chld_hits; i++)
            usleep(1000);
        printf("SIGCHLD: hits=%d si_pid==child:%d si_status=%d CLD_EXITED:%d\n", (int)chld_hits, chld_pid == pid,
               chld_status, chld_code == CLD_EXITED);
        signal(SIGCHLD, SIG_DFL);
    }

    SECTION("process groups and sessions");
    {
        int p[2];
        OK(pipe(p));
        pid = fork();
        if (pid == 0) {
            int ok = setpgid(0, 0) == 0 && getpgrp() == getpid();
            pid_t sid_before = getsid(0);
            ok = ok && setsid() == -1 && errno == EPERM; /* a group leader cannot setsid */
            ok = ok && getsid(0) == sid_before;
            if (write(p[1], &ok, sizeof ok) < 0)
                _exit(3);
            pause();
            _exit(0);
        }
        int ok = 0;
        OK(read(p[0], &ok, sizeof ok));
        printf("child made its own group (and setsid failed with EPERM): %d\n", ok);
        printf("getpgid(child)==child: %d\n", getpgid(pid) == pid);
        OK(kill(-pid, SIGTERM));
        waitpid(pid, &st, 0);
        describe("group killed with kill(-pgid)", st);
        ERR(setpgid(pid, pid), ESRCH);
        pid = fork();
        if (pid == 0) {
            pid_t s = setsid();
            int ok2 = s == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
            _exit(ok2 ? 0 : 1);
        }
        waitpid(pid, &st, 0);
        describe("setsid child (0 = new session and group)", st);
        close(p[0]);
        close(p[1]);
    }

    SECTION("getppid after the parent dies");
    {
        int p[2];
        OK(pipe(p));
        pid = fork();
        if (pid == 0) {
            pid_t mid = getpid();
            if (fork() == 0) {
                /* grandchild: wait until the middle process is gone */
                close(p[0]);
                int changed = 0;
                for (int i = 0; i < 3000 && !changed; i++) {
                    changed = getppid() != mid;
                    if (!changed)
                        usleep(1000);
                }
                int msg = changed ? 1 : 0;
                if (write(p[1], &msg, sizeof msg) < 0)
                    _exit(2);
                _exit(0);
            }
            _exit(0);
        }
        close(p[1]);
        waitpid(pid, &st, 0);
        describe("middle process", st);
        int msg = -1;
        OK(read(p[0], &msg, sizeof msg));
        printf("orphan saw its parent change: %d\n", msg);
        OK(read(p[0], &msg, sizeof msg));
        close(p[0]);
    }
    return finish("forktree");
}
