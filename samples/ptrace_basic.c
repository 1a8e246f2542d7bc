/* ptrace between processes: PTRACE_TRACEME + raise(SIGSTOP) in a child, its
 * signal-delivery-stop seen by waitpid (WIFSTOPPED, SIGSTOP), PEEKDATA/POKEDATA,
 * PEEKUSER, GETREGS/SETREGS, GETFPREGS, GETSIGINFO, process_vm_readv, syscall
 * stops with TRACESYSGOOD (SIGTRAP|0x80, orig_rax, rax -ENOSYS at entry), a
 * syscall changed at its entry stop, PTRACE_O_TRACEEXIT with GETEVENTMSG,
 * fork events with auto-attach of the grandchild (__WALL, its SIGSTOP, its
 * exit reported to the tracer), the exec event, and errors (ESRCH, EIO).
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
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

static volatile long marker = 0x1122334455667788L;

static const char *scname(long nr)
{
    static char buf[32];
    switch (nr) {
#define N(x) case SYS_##x: return #x;
    N(getppid) N(getpid) N(gettid) N(getuid) N(rt_sigprocmask) N(exit_group) N(exit)
    N(tgkill) N(tkill) N(kill) N(write) N(getgid)
#undef N
    }
    snprintf(buf, sizeof buf, "syscall-%ld", nr);
    return buf;
}

static void describe(int st)
{
    if (WIFSTOPPED(st))
        printf("  stopped sig=%d%s event=%d\n", WSTOPSIG(st) & 0x7f, (WSTOPSIG(st) & 0x80) ? "|0x80" : "",
               st >> 16);
    else if (WIFEXITED(st))
        printf("  exited %d\n", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("  killed by %d\n", WTERMSIG(st));
}

/* The traced child: stop, make a few raw system calls, exit by marker. */
static void child_basic(void)
{
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
        _exit(100);
    raise(SIGSTOP);
    syscall(SYS_getppid);            /* the tracer turns it into getpid */
    syscall(SYS_getuid);
    _exit(marker == 0x5555aaaa5555aaaaL ? 42 : 43);
}

static void basic(void)
{
    SECTION("TRACEME, raise(SIGSTOP), peek and poke");
    pid_t pid = fork();
    if (pid == 0)
        child_basic();
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    describe(st);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    OK(ptrace(PTRACE_GETSIGINFO, pid, 0, &si));
    CHECK(si.si_signo == SIGSTOP);
    errno = 0;
    long v = ptrace(PTRACE_PEEKDATA, pid, (void *)&marker, 0);
    CHECK(errno == 0 && v == 0x1122334455667788L);
    OK(ptrace(PTRACE_POKEDATA, pid, (void *)&marker, (void *)0x5555aaaa5555aaaaL));
    errno = 0;
    v = ptrace(PTRACE_PEEKTEXT, pid, (void *)&marker, 0);
    CHECK(errno == 0 && v == 0x5555aaaa5555aaaaL);
    long got = 0;
    struct iovec local = {&got, sizeof got}, remote = {(void *)&marker, sizeof got};
    CHECK(process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof got);
    CHECK(got == 0x5555aaaa5555aaaaL);
    ERR(ptrace(PTRACE_PEEKDATA, pid, (void *)8, 0), EIO);

    SECTION("registers");
    struct user_regs_struct regs;
    OK(ptrace(PTRACE_GETREGS, pid, 0, &regs));
    errno = 0;
    long rip = ptrace(PTRACE_PEEKUSER, pid, (void *)offsetof(struct user, regs.rip), 0);
    CHECK(errno == 0 && (unsigned long)rip == regs.rip);
    CHECK(regs.cs == 0x33 && regs.ss == 0x2b);
    long rsp = ptrace(PTRACE_PEEKUSER, pid, (void *)offsetof(struct user, regs.rsp), 0);
    CHECK((unsigned long)rsp == regs.rsp);
    OK(ptrace(PTRACE_SETREGS, pid, 0, &regs));
    struct user_fpregs_struct fp;
    OK(ptrace(PTRACE_GETFPREGS, pid, 0, &fp));
    CHECK(fp.mxcsr != 0);
    OK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT));

    SECTION("syscall stops");
    int entry = 1, rewritten = 0;
    for (int i = 0; i < 40; i++) {
        OK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0 ? 0 : -1);
        CHECK(waitpid(pid, &st, 0) == pid);
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            describe(st);
            break;
        }
        OK(ptrace(PTRACE_GETREGS, pid, 0, &regs));
        if (entry) {
            printf("  entry %s rax=%s\n", scname(regs.orig_rax),
                   (long)regs.rax == -ENOSYS ? "-ENOSYS" : "?");
            if (regs.orig_rax == SYS_getppid) {
                OK(ptrace(PTRACE_POKEUSER, pid, (void *)offsetof(struct user, regs.orig_rax),
                          (void *)SYS_getpid));
                rewritten = 1;
            }
        } else {
            printf("  exit  %s\n", scname(regs.orig_rax));
            if (rewritten == 1) {
                CHECK((pid_t)regs.rax == pid);          /* getppid became getpid */
                rewritten = 2;
            }
        }
        entry = !entry;
    }
    CHECK(rewritten == 2);
    CHECK(WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_EXIT);
    unsigned long msg = 0;
    OK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg));
    CHECK(WIFEXITED((int)msg) && WEXITSTATUS((int)msg) == 42);
    OK(ptrace(PTRACE_CONT, pid, 0, 0));
    CHECK(waitpid(pid, &st, 0) == pid);
    describe(st);
    ERR(ptrace(PTRACE_CONT, pid, 0, 0), ESRCH);
    ERR(ptrace(PTRACE_PEEKDATA, getppid(), 0, 0), ESRCH);
}

static void child_events(const char *self)
{
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
        _exit(100);
    raise(SIGSTOP);
    pid_t g = fork();
    if (g == 0)
        _exit(5);
    int st;
    if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
        _exit(101);
    execl(self, self, "exec-target", (char *)0);
    _exit(102);
}

/* waitpid for the next ptrace event or exit of pid, passing on the
 * signal-delivery-stops in between (SIGCHLD when the grandchild ends). */
static int wait_event(pid_t pid, int flags)
{
    int st = 0;
    while (waitpid(pid, &st, flags) == pid && WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP
           && WSTOPSIG(st) != SIGSTOP)
        ptrace(PTRACE_CONT, pid, 0, (void *)(long)WSTOPSIG(st));
    return st;
}

static void events(const char *self)
{
    SECTION("fork and exec events");
    pid_t pid = fork();
    if (pid == 0)
        child_events(self);
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    OK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXEC));
    OK(ptrace(PTRACE_CONT, pid, 0, 0));
    CHECK(waitpid(pid, &st, 0) == pid);
    describe(st);
    CHECK(WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_FORK);
    unsigned long g = 0;
    OK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &g));
    CHECK(g > 0 && (pid_t)g != pid);
    CHECK(waitpid((pid_t)g, &st, __WALL) == (pid_t)g);
    printf("grandchild:\n");
    describe(st);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    OK(ptrace(PTRACE_CONT, (pid_t)g, 0, 0));
    CHECK(waitpid((pid_t)g, &st, __WALL) == (pid_t)g);
    describe(st);
    OK(ptrace(PTRACE_CONT, pid, 0, 0));
    st = wait_event(pid, 0);
    describe(st);
    CHECK(WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_EXEC);
    OK(ptrace(PTRACE_CONT, pid, 0, 0));
    st = wait_event(pid, 0);
    describe(st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9);
    ERR(waitpid(-1, &st, __WALL | WNOHANG), ECHILD);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-target") == 0)
        return 9;
    setvbuf(stdout, NULL, _IONBF, 0);
    basic();
    events(argv[0]);
    return finish("ptrace_basic");
}
