/* execve: the program re-executes itself (through /proc/self/exe and by path)
 * with a chosen argv and envp; the new image sees them, keeps its pid, has
 * close-on-exec descriptors closed and others kept, a new /proc/self/exe;
 * execveat(AT_EMPTY_PATH) / fexecve; a #! script; execve of a host program
 * (env); and execve errors (ENOENT, EACCES, ENOEXEC, ENOTDIR, EFAULT).
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

extern char **environ;

static void describe(const char *label, int status)
{
    if (WIFEXITED(status))
        printf("%s: exited %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", label, WTERMSIG(status));
}

/* the re-executed image */
static int child(int argc, char **argv)
{
    printf("[child] argc=%d argv[0]='%s'\n", argc, argc > 2 && !strcmp(argv[2], "pid") ? "(path)" : argv[0]);
    for (int i = 1; i < argc && !(argc > 2 && !strcmp(argv[2], "pid")); i++)
        printf("[child] argv[%d]='%s'\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("[child] env '%s'\n", *e);
    if (argc > 2 && !strcmp(argv[2], "pid")) {
        printf("[child] same pid as before exec: %d\n", atoi(argv[3]) == getpid());
        printf("[child] fd 5 (cloexec) open: %d, fd 6 open: %d\n", fcntl(5, F_GETFD) != -1, fcntl(6, F_GETFD) != -1);
        char buf[16] = {0};
        if (pread(6, buf, 5, 0) == 5)
            printf("[child] fd 6 reads '%s'\n", buf);
        char exe[4096] = {0};
        if (readlink("/proc/self/exe", exe, sizeof exe - 1) > 0)
            printf("[child] /proc/self/exe basename: %s\n", strrchr(exe, '/') + 1);
    }
    fflush(stdout);
    return 33;
}

int main(int argc, char **argv)
{
    int st;
    pid_t pid;
    char self[4096] = {0};

    if (argc > 1 && !strcmp(argv[1], "child"))
        return child(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (readlink("/proc/self/exe", self, sizeof self - 1) <= 0)
        return 2;

    SECTION("execve with argv and envp");
    pid = fork();
    if (pid == 0) {
        char *args[] = {"renamed-argv0", "child", "two words", "", "last", NULL};
        char *env[] = {"ALPHA=1", "BETA=with spaces", "EMPTY=", NULL};
        execve("/proc/self/exe", args, env);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    describe("child", st);

    SECTION("pid, close-on-exec and /proc/self/exe across exec");
    {
        int fd = open("kept.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
        if (write(fd, "kept!", 5) != 5)
            return 3;
        pid = fork();
        if (pid == 0) {
            char pidbuf[16];
            snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
            dup3(fd, 5, O_CLOEXEC);
            dup2(fd, 6);
            char *args[] = {argv[0], "child", "pid", pidbuf, NULL};
            char *env[] = {NULL};
            execve(self, args, env);
            _exit(127);
        }
        waitpid(pid, &st, 0);
        describe("child", st);
        close(fd);
    }

    SECTION("execveat(AT_EMPTY_PATH) and fexecve");
    {
        int fd = OK(open(self, O_RDONLY | O_CLOEXEC));
        pid = fork();
        if (pid == 0) {
            char *args[] = {"x", "child", "via-execveat", NULL};
            char *env[] = {"VIA=execveat", NULL};
            syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
            _exit(127);
        }
        waitpid(pid, &st, 0);
        describe("execveat child", st);
        pid = fork();
        if (pid == 0) {
            char *args[] = {"y", "child", "via-fexecve", NULL};
            char *env[] = {"VIA=fexecve", NULL};
            fexecve(fd, args, env);
            _exit(127);
        }
        waitpid(pid, &st, 0);
        describe("fexecve child", st);
        close(fd);
    }

    SECTION("a #! script and a host program");
    {
        unlink("script.sh");
        int fd = open("script.sh", O_CREAT | O_WRONLY | O_TRUNC, 0755);
        const char *text = "#!/bin/sh -e\necho \"script got $# args: $*\"\necho \"X=$X\"\nexit 5\n";
        if (write(fd, text, strlen(text)) < 0)
            return 4;
        close(fd);
        pid = fork();
        if (pid == 0) {
            char *args[] = {"./script.sh", "a", "b c", NULL};
            char *env[] = {"X=from-envp", "PATH=/usr/bin:/bin", NULL};
            execve("./script.sh", args, env);
            _exit(127);
        }
        waitpid(pid, &st, 0);
        describe("script", st);
        pid = fork();
        if (pid == 0) {
            char *args[] = {"env", NULL};
            char *env[] = {"ONLY=this", NULL};
            execve("/usr/bin/env", args, env);
            _exit(127);
        }
        waitpid(pid, &st, 0);
        describe("env", st);
    }

    SECTION("errors");
    {
        char *args[] = {"x", NULL};
        char *env[] = {NULL};
        ERR(execve("./no-such-program", args, env), ENOENT);
        ERR(execve(".", args, env), EACCES);
        unlink("plain.txt");
        int fd = open("plain.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (write(fd, "not a program\n", 14) < 0)
            return 5;
        close(fd);
        ERR(execve("./plain.txt", args, env), EACCES);
        chmod("plain.txt", 0755);
        ERR(execve("./plain.txt", args, env), ENOEXEC);
        ERR(execve("./plain.txt/x", args, env), ENOTDIR);
        ERR(execve(self, (char **)8, env), EFAULT);
        printf("still the original program after failed execs: %d\n", getpid() > 0);
    }
    return finish("execve");
}
