/* inotify: watching a directory and a file as editors, build watchers and
 * test runners do: create, modify (append), attribute change, rename
 * (IN_MOVED_FROM/IN_MOVED_TO with one cookie), delete, a directory created
 * (IN_ISDIR), IN_NONBLOCK's EAGAIN, a blocking read woken by another
 * process's change, poll readiness, rm_watch's IN_IGNORED, the watched
 * directory removed (IN_DELETE_SELF, IN_IGNORED), and the errno of the
 * calls. Events are read after each step, so the order is Linux's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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

static const char *evname(unsigned m)
{
    static char buf[256];
    buf[0] = 0;
#define B(x) if (m & x) { strcat(buf, buf[0] ? "|" #x : #x); }
    B(IN_ACCESS) B(IN_MODIFY) B(IN_ATTRIB) B(IN_CLOSE_WRITE) B(IN_CLOSE_NOWRITE) B(IN_OPEN)
    B(IN_MOVED_FROM) B(IN_MOVED_TO) B(IN_CREATE) B(IN_DELETE) B(IN_DELETE_SELF) B(IN_MOVE_SELF)
    B(IN_IGNORED) B(IN_Q_OVERFLOW) B(IN_ISDIR)
#undef B
    return buf;
}

static unsigned last_cookie;

/* Read and print what is queued now (the fd is non-blocking). */
static void drain(int in, const char *step)
{
    char buf[4096] __attribute__((aligned(8)));
    printf("-- %s\n", step);
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN)
                printf("read: %s\n", errname(errno));
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            printf("wd %d %s%s%s%s\n", e->wd, evname(e->mask), e->len ? " " : "", e->len ? e->name : "",
                   e->cookie ? (e->cookie == last_cookie ? " (same cookie)" : " (cookie)") : "");
            if (e->cookie)
                last_cookie = e->cookie;
            p += sizeof *e + e->len;
        }
    }
}

static void put(const char *path, const char *data, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0 || write(fd, data, strlen(data)) < 0)
        printf("put %s: %s\n", path, errname(errno));
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const unsigned dirmask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO |
                             IN_DELETE_SELF | IN_CLOSE_WRITE;

    SECTION("errors");
    ERR(inotify_init1(IN_NONBLOCK | 1), EINVAL);
    int in = OK(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    OK(mkdir("w", 0755));
    ERR(inotify_add_watch(in, "w", 0), EINVAL);
    ERR(inotify_add_watch(in, "w", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
    ERR(inotify_add_watch(77, "w", IN_CREATE), EBADF);
    ERR(inotify_add_watch(1, "w", IN_CREATE), EINVAL);
    ERR(inotify_add_watch(in, "missing", IN_CREATE), ENOENT);
    put("plain", "x", O_TRUNC);
    ERR(inotify_add_watch(in, "plain", IN_CREATE | IN_ONLYDIR), ENOTDIR);
    ERR(inotify_rm_watch(in, 42), EINVAL);
    ERR(inotify_rm_watch(77, 1), EBADF);
    char small[8];
    ERR(read(in, small, sizeof small), EAGAIN);

    SECTION("a directory");
    int wd = OK(inotify_add_watch(in, "w", dirmask));
    CHECK(inotify_add_watch(in, "./w", dirmask) == wd);        /* the same inode: the same wd */
    ERR(inotify_add_watch(in, "w", IN_CREATE | IN_MASK_CREATE), EEXIST);
    drain(in, "nothing yet");
    put("w/a.txt", "hello\n", O_TRUNC);
    drain(in, "create a.txt with data");
    put("w/empty", "", O_TRUNC);
    drain(in, "create an empty file");
    put("w/a.txt", "more\n", O_APPEND);
    drain(in, "append to a.txt");
    OK(chmod("w/a.txt", 0600));
    drain(in, "chmod a.txt");
    OK(rename("w/a.txt", "w/b.txt"));
    drain(in, "rename a.txt -> b.txt");
    OK(mkdir("w/sub", 0755));
    drain(in, "mkdir sub");
    put("w/sub/deep", "x", O_TRUNC);
    drain(in, "a file inside sub (no event for w)");
    OK(unlink("w/b.txt"));
    drain(in, "unlink b.txt");
    ERR(read(in, small, 0), EAGAIN);

    SECTION("a buffer too small for the next event");
    put("w/a-rather-long-name.txt", "", O_TRUNC);
    struct pollfd pf = {.fd = in, .events = POLLIN};
    OK(poll(&pf, 1, 1000));
    CHECK(pf.revents == POLLIN);
    ERR(read(in, small, sizeof small), EINVAL);
    drain(in, "the event is still there");

    SECTION("a file, and a blocking read woken by another process");
    int wf = OK(inotify_add_watch(in, "plain", IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF));
    int fl = fcntl(in, F_GETFL);
    OK(fcntl(in, F_SETFL, fl & ~O_NONBLOCK));
    pid_t pid = fork();
    if (pid == 0) {
        usleep(200000);
        put("plain", "y", O_APPEND);
        _exit(0);
    }
    char buf[512] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    struct inotify_event *e = (struct inotify_event *)buf;
    printf("blocking read: %s, wd is the file's: %d, %s\n", n > 0 ? "events" : errname(errno), e->wd == wf,
           evname(e->mask));
    waitpid(pid, NULL, 0);
    OK(fcntl(in, F_SETFL, fl));
    OK(unlink("plain"));
    drain(in, "unlink the watched file");

    SECTION("rm_watch and the directory removed");
    int wd2 = OK(inotify_add_watch(in, "w/sub", IN_CREATE));
    OK(inotify_rm_watch(in, wd2));
    drain(in, "rm_watch");
    ERR(inotify_rm_watch(in, wd2), EINVAL);
    OK(unlink("w/sub/deep"));
    OK(rmdir("w/sub"));
    drain(in, "rmdir sub");
    OK(unlink("w/empty"));
    drain(in, "unlink empty");
    OK(unlink("w/a-rather-long-name.txt"));
    drain(in, "unlink a-rather-long-name.txt");
    OK(rmdir("w"));
    drain(in, "rmdir w");
    OK(close(in));
    return finish("inotify");
}
