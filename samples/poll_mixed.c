/* poll_mixed: poll, ppoll, select and pselect over a pipe and a socket
 * together (readiness as data arrives from a forked child, POLLHUP, POLLOUT,
 * POLLNVAL for a closed fd, negative fds ignored), timeouts (never early;
 * select writes back the time left), EINTR from a signal handler (with or
 * without SA_RESTART: poll/select are never restarted), ppoll/pselect with a
 * temporary signal mask, select errors (EBADF, EINVAL), and a thread woken
 * from poll by another thread's write.
 * lxpack-cflags: -pthread
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
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
/* ---- network errno names (the common table above has the file ones) ---- */
static const char *nerrname(int e)
{
    switch (e) {
#define N(x) case x: return #x;
    N(ECONNREFUSED) N(EINPROGRESS) N(EADDRINUSE) N(EADDRNOTAVAIL) N(ENOTCONN) N(EISCONN)
    N(EALREADY) N(EAFNOSUPPORT) N(EPROTONOSUPPORT) N(ESOCKTNOSUPPORT) N(ENOPROTOOPT)
    N(EMSGSIZE) N(EDESTADDRREQ) N(ECONNRESET) N(ECONNABORTED) N(ENETUNREACH) N(EPROTOTYPE)
    N(ENOBUFS) N(EHOSTUNREACH) N(ELOOP)
#undef N
    }
    return errname(e);
}
/* Like ERR/SHOW of the common part, with network errno names. */
__attribute__((unused)) static long nerr_(const char *what, long r, int want, const char *wname)
{
    int e = errno;
    if (r != -1)
        printf("FAIL %s = %ld (want -1 %s)\n", what, r, wname), failures++;
    else if (e != want)
        printf("FAIL %s = -1 %s (want %s)\n", what, nerrname(e), wname), failures++;
    else
        printf("%s = -1 %s\n", what, nerrname(e));
    errno = e;
    return r;
}
__attribute__((unused)) static long nok_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("FAIL %s = -1 %s\n", what, nerrname(e)), failures++;
    else
        printf("%s = %ld\n", what, r);
    errno = e;
    return r;
}
__attribute__((unused)) static long nokq_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("FAIL %s = -1 %s\n", what, nerrname(e)), failures++;
    else
        printf("%s: ok\n", what);
    errno = e;
    return r;
}
#undef ERR
#undef OK
#undef OKQ
#define ERR(call, e) (errno = 0, nerr_(#call, (long)(call), e, #e))
#define OK(call) nok_(#call, (long)(call))
#define OKQ(call) nokq_(#call, (long)(call))

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void section_together(void)
{
    SECTION("a pipe and a socket in one poll");
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        write(p[1], "pipe", 4);
        usleep(50000);
        write(sv[1], "socket", 6);
        usleep(50000);
        close(sv[1]);
        _exit(0);
    }
    close(p[1]);
    close(sv[1]);
    int seen_pipe = 0, seen_sock = 0, hup_pipe = 0, hup_sock = 0, rdhup = 0;
    char buf[64];
    double t0 = now();
    for (int k = 0; k < 1000 && !(hup_pipe && hup_sock) && now() - t0 < 10; k++) {
        struct pollfd f[3] = { { hup_pipe ? -1 : p[0], POLLIN, 0 }, { -1, POLLIN, 0 },
                               { hup_sock ? -1 : sv[0], POLLIN | POLLRDHUP, 0 } };
        int n = poll(f, 3, 5000);
        if (n <= 0)
            break;
        if (f[1].revents)
            printf("FAIL: a negative fd has revents\n"), failures++;
        if (f[0].revents & POLLIN) {
            long r = read(p[0], buf, sizeof buf);
            if (r > 0 && !seen_pipe++)
                printf("pipe: %.*s (socket quiet %d)\n", (int)r, buf, !(f[2].revents & POLLIN));
        }
        if (f[0].revents & POLLHUP)
            hup_pipe++;
        if (f[2].revents & POLLIN) {
            long r = read(sv[0], buf, sizeof buf);
            if (r > 0 && !seen_sock++)
                printf("socket: %.*s\n", (int)r, buf);
            if (r == 0 && !hup_sock++)
                rdhup = (f[2].revents & POLLRDHUP) != 0;
        }
        if (f[2].revents & POLLHUP)
            hup_sock++;
    }
    printf("pipe POLLHUP %d, socket EOF %d with POLLRDHUP %d\n", hup_pipe > 0, hup_sock > 0, rdhup);
    waitpid(pid, NULL, 0);
    struct pollfd w[2] = { { p[0], POLLOUT, 0 }, { sv[0], POLLOUT, 0 } };
    OK(poll(w, 2, 0));
    printf("POLLOUT on the socket %d\n", (w[1].revents & POLLOUT) != 0);
    int dead = dup(p[0]);
    close(dead);
    struct pollfd bad = { dead, POLLIN, 0 };
    OK(poll(&bad, 1, 0));
    printf("closed fd: POLLNVAL %d\n", (bad.revents & POLLNVAL) != 0);
    close(p[0]);
    close(sv[0]);
}

static void section_select(void)
{
    SECTION("select and pselect");
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fd_set r, w;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(sv[0], &r);
    FD_ZERO(&w);
    FD_SET(sv[0], &w);
    struct timeval tv = { 0, 0 };
    OK(select(sv[0] + 1, &r, &w, NULL, &tv));
    printf("readable pipe %d socket %d, writable socket %d\n", FD_ISSET(p[0], &r), FD_ISSET(sv[0], &r),
           FD_ISSET(sv[0], &w));
    write(sv[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(sv[0], &r);
    tv.tv_sec = 2;
    OK(select(sv[0] + 1, &r, NULL, NULL, &tv));
    printf("socket readable %d pipe %d, time left > 1s %d\n", FD_ISSET(sv[0], &r), FD_ISSET(p[0], &r), tv.tv_sec >= 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 100000;
    double t0 = now();
    OK(select(p[0] + 1, &r, NULL, NULL, &tv));
    double dt = now() - t0;
    printf("timeout: not early %d, left %ld.%06ld\n", dt >= 0.095, (long)tv.tv_sec, (long)tv.tv_usec);
    struct timespec ts = { 0, 50000000 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    t0 = now();
    OK(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL));
    printf("pselect timeout not early %d\n", now() - t0 >= 0.045);
    int dead = dup(p[0]);
    close(dead);
    FD_ZERO(&r);
    FD_SET(dead, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    ERR(select(dead + 1, &r, NULL, NULL, &tv), EBADF);
    ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
    tv.tv_sec = -1;
    ERR(select(1, NULL, NULL, NULL, &tv), EINVAL);
    /* select as a sleep */
    tv.tv_sec = 0;
    tv.tv_usec = 30000;
    t0 = now();
    OK(select(0, NULL, NULL, NULL, &tv));
    printf("select(0) slept %d\n", now() - t0 >= 0.028);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

static void section_eintr(void)
{
    SECTION("EINTR");
    int p[2];
    pipe(p);
    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    struct pollfd f = { p[0], POLLIN, 0 };
    double t0 = now();
    ERR(poll(&f, 1, 5000), EINTR);
    printf("poll interrupted despite SA_RESTART, handler ran %d, after >= 90ms %d\n", alarms, now() - t0 >= 0.09);
    setitimer(ITIMER_REAL, &it, NULL);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ERR(select(p[0] + 1, &r, NULL, NULL, NULL), EINTR);
    printf("select interrupted, handler ran %d\n", alarms);
    /* ppoll with SIGALRM blocked during the wait: the timeout comes first */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigset_t waitmask = old;
    sigaddset(&waitmask, SIGALRM);
    it.it_value.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ts = { 0, 150000000 };
    OK(ppoll(&f, 1, &ts, &waitmask));
    printf("blocked during ppoll: handler ran %d (still 2)\n", alarms);
    /* now wait with SIGALRM unblocked only inside ppoll: the pending one ends it */
    sigset_t unblocked = old;
    sigdelset(&unblocked, SIGALRM);
    ts.tv_sec = 5;
    ERR(ppoll(&f, 1, &ts, &unblocked), EINTR);
    printf("pending SIGALRM ends ppoll: handler ran %d\n", alarms);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("mask restored after ppoll: SIGALRM blocked %d\n", sigismember(&cur, SIGALRM));
    setitimer(ITIMER_REAL, &it, NULL);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ERR(pselect(p[0] + 1, &r, NULL, NULL, &ts, &unblocked), EINTR);
    printf("pselect: handler ran %d\n", alarms);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(p[0]);
    close(p[1]);
}

static int tpipe[2];
static void *poke(void *arg)
{
    (void)arg;
    usleep(80000);
    write(tpipe[1], "t", 1);
    return NULL;
}

static void section_threads(void)
{
    SECTION("poll woken by another thread");
    pipe(tpipe);
    pthread_t th;
    pthread_create(&th, NULL, poke, NULL);
    struct pollfd f = { tpipe[0], POLLIN, 0 };
    double t0 = now();
    OK(poll(&f, 1, 5000));
    printf("woken after >= 70ms %d, POLLIN %d\n", now() - t0 >= 0.07, (f.revents & POLLIN) != 0);
    pthread_join(th, NULL);
    close(tpipe[0]);
    close(tpipe[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_together();
    section_select();
    section_eintr();
    section_threads();
    return finish("poll_mixed");
}
