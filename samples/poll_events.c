/* poll_events: event descriptors the kernel serves: eventfd (counter,
 * EFD_SEMAPHORE, EFD_NONBLOCK, overflow, a blocked read woken by another
 * thread, poll and epoll readiness, fcntl O_NONBLOCK), timerfd (one-shot and
 * periodic expirations on CLOCK_MONOTONIC and CLOCK_REALTIME with
 * TFD_TIMER_ABSTIME, timerfd_gettime, disarming, a loop driven by epoll),
 * signalfd (blocked signals read as signalfd_siginfo: kill from self and
 * from a child, SIGCHLD, a signal arriving while blocked in epoll_wait, mask
 * changes), and the errors of all three.
 * lxpack-cflags: -pthread
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
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

static int readable(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int r = poll(&p, 1, ms);
    return r == 1 && (p.revents & POLLIN);
}

static uint64_t rd(int fd)
{
    uint64_t v = 0;
    if (read(fd, &v, 8) != 8)
        return (uint64_t)-1;
    return v;
}

static void *late_write(void *arg)
{
    usleep(100000);
    uint64_t v = 5;
    write(*(int *)arg, &v, 8);
    return NULL;
}

static void section_eventfd(void)
{
    SECTION("eventfd");
    int fd;
    OK(fd = eventfd(3, 0));
    printf("FD_CLOEXEC %d O_NONBLOCK %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC, (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    printf("readable %d\n", readable(fd, 0));
    uint64_t v = 4;
    OK(write(fd, &v, 8));
    printf("read: %llu\n", (unsigned long long)rd(fd));
    printf("readable after read %d\n", readable(fd, 0));
    pthread_t th;
    pthread_create(&th, NULL, late_write, &fd);
    double t0 = now();
    unsigned long long got = rd(fd);
    printf("blocking read woken by a thread: %llu, waited %d\n", got, now() - t0 > 0.05);
    pthread_join(th, NULL);
    char small[4];
    ERR(read(fd, small, 4), EINVAL);
    ERR(write(fd, small, 4), EINVAL);
    v = ~0ull;
    ERR(write(fd, &v, 8), EINVAL);
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    ERR(read(fd, &v, 8), EAGAIN);
    v = 0xfffffffffffffffeull;
    OK(write(fd, &v, 8));
    v = 1;
    ERR(write(fd, &v, 8), EAGAIN);
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    OK(poll(&p, 1, 0));
    printf("full counter: POLLIN %d POLLOUT %d\n", (p.revents & POLLIN) != 0, (p.revents & POLLOUT) != 0);
    close(fd);

    OK(fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
    printf("FD_CLOEXEC %d O_NONBLOCK %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC, (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    printf("semaphore reads: %llu", (unsigned long long)rd(fd));
    printf(" %llu", (unsigned long long)rd(fd));
    printf(" %llu\n", (unsigned long long)rd(fd));
    ERR(read(fd, &v, 8), EAGAIN);
    ERR(syscall(SYS_eventfd2, 0, 0x1234), EINVAL);

    SECTION("eventfd in epoll, edge-triggered");
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN | EPOLLET, { .fd = fd } }, out[2];
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    printf("empty: %d\n", epoll_wait(ep, out, 2, 0));
    v = 1;
    write(fd, &v, 8);
    printf("after a write: %d\n", epoll_wait(ep, out, 2, 0));
    printf("no new write: %d\n", epoll_wait(ep, out, 2, 0));
    write(fd, &v, 8);
    printf("another write: %d\n", epoll_wait(ep, out, 2, 0));
    close(ep);
    close(fd);
}

static void section_timerfd(void)
{
    SECTION("timerfd");
    int fd;
    OK(fd = timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = { { 0, 0 }, { 0, 100 * 1000 * 1000 } }, cur;
    /* Timed from before arming: the calls between arming and the read may
       take tens of ms on a loaded machine (more under a slow backend), but
       the timer cannot fire before 100 ms from here. */
    double t0 = now();
    OK(timerfd_settime(fd, 0, &its, NULL));
    OK(timerfd_gettime(fd, &cur));
    printf("armed: left > 0 %d and <= 100ms %d, interval %ld\n", cur.it_value.tv_nsec > 0 || cur.it_value.tv_sec > 0,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 100000000, (long)cur.it_interval.tv_nsec);
    printf("readable now %d\n", readable(fd, 0));
    uint64_t n = rd(fd);
    double dt = now() - t0;
    printf("one-shot: %llu expiration, after >= 90ms %d\n", (unsigned long long)n, dt >= 0.09);
    OK(timerfd_gettime(fd, &cur));
    printf("disarmed after firing: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_nsec);
    /* periodic: 20ms, sleep ~110ms, expect about 5 */
    struct itimerspec per = { { 0, 20 * 1000 * 1000 }, { 0, 20 * 1000 * 1000 } };
    OK(timerfd_settime(fd, 0, &per, NULL));
    usleep(110000);
    /* t0 before draining: five ticks after the drain are >= 80 ms after it,
       however long the calls in between take. */
    t0 = now();
    n = rd(fd);
    printf("periodic: at least 3 expirations: %d\n", n >= 3 && n < 1000);
    int loops = 0;
    while (loops < 5) {
        if (!readable(fd, 1000))
            break;
        rd(fd);
        loops++;
    }
    printf("5 ticks by poll in >= 70ms: %d\n", loops == 5 && now() - t0 >= 0.07);
    struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;
    OK(timerfd_settime(fd, 0, &off, &old));
    printf("old interval 20ms: %d\n", old.it_interval.tv_nsec == 20000000);
    printf("disarmed: readable %d\n", readable(fd, 50));
    close(fd);
    /* absolute time on CLOCK_REALTIME, non-blocking */
    OK(fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
    uint64_t v;
    ERR(read(fd, &v, 8), EAGAIN);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 50 * 1000 * 1000;
    if (rt.tv_nsec >= 1000000000) {
        rt.tv_sec++;
        rt.tv_nsec -= 1000000000;
    }
    struct itimerspec abs = { { 0, 0 }, rt };
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL));
    printf("absolute: fires %d\n", readable(fd, 2000));
    printf("read %llu\n", (unsigned long long)rd(fd));
    struct itimerspec past = { { 0, 0 }, { 1, 0 } };
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL));
    printf("in the past: fires at once %d\n", readable(fd, 0));
    close(fd);

    SECTION("timerfd errors");
    ERR(timerfd_create(12345, 0), EINVAL);
    ERR(timerfd_create(CLOCK_MONOTONIC, 0x42), EINVAL);
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
    ERR(timerfd_settime(fd, 0, &bad, NULL), EINVAL);
    ERR(timerfd_settime(fd, 0x80, &its, NULL), EINVAL);
    int p[2];
    pipe(p);
    ERR(timerfd_settime(p[0], 0, &its, NULL), EINVAL);
    ERR(timerfd_gettime(999, &cur), EBADF);
    char small[4];
    ERR(read(fd, small, 4), EINVAL);
    close(p[0]);
    close(p[1]);
    close(fd);
}

static void section_loop(void)
{
    SECTION("an event loop: timerfd, eventfd and a pipe in one epoll");
    int ep = epoll_create1(0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    int efd = eventfd(0, EFD_NONBLOCK);
    int p[2];
    pipe(p);
    struct epoll_event ev = { EPOLLIN, { .u32 = 1 } };
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    ev.data.u32 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
    ev.data.u32 = 3;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct itimerspec its = { { 0, 10 * 1000 * 1000 }, { 0, 10 * 1000 * 1000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 3; i++) {
            usleep(15000);
            write(p[1], "m", 1);
        }
        _exit(0);
    }
    int ticks = 0, reads = 0, events = 0, bytes = 0;
    double t0 = now();
    while ((ticks < 10 || bytes < 3 || events < 3) && now() - t0 < 10) {
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 1000);
        for (int i = 0; i < n; i++) {
            uint64_t v;
            if (out[i].data.u32 == 1) {
                read(tfd, &v, 8);
                ticks += v;
                if (++reads % 3 == 0) {
                    v = 1;
                    write(efd, &v, 8);
                }
            } else if (out[i].data.u32 == 2) {
                read(efd, &v, 8);
                events += v;
            } else {
                char c;
                bytes += read(p[0], &c, 1);
            }
        }
    }
    waitpid(pid, NULL, 0);
    printf("ticks >= 10 %d, eventfd events >= 3 %d, pipe bytes %d\n", ticks >= 10, events >= 3, bytes);
    close(ep);
    close(tfd);
    close(efd);
    close(p[0]);
    close(p[1]);
}

static void show_si(const char *what, struct signalfd_siginfo *si)
{
    /* the sender of a signal from another process is not printed: lxpack
       learns host signals without their sender */
    printf("%s: signo %u code %d%s\n", what, si->ssi_signo, si->ssi_code,
           si->ssi_pid == (uint32_t)getpid() ? " pid is self" : "");
}

static void section_signalfd(void)
{
    SECTION("signalfd");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int fd;
    OK(fd = signalfd(-1, &mask, SFD_CLOEXEC));
    printf("readable %d\n", readable(fd, 0));
    kill(getpid(), SIGUSR1);
    struct signalfd_siginfo si[4];
    printf("readable after kill %d\n", readable(fd, 0));
    OK(read(fd, si, sizeof si));
    show_si("self", &si[0]);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    long n = read(fd, si, sizeof si);
    printf("two pending: %ld records, first %u second %u\n", n / (long)sizeof si[0], si[0].ssi_signo, si[1].ssi_signo);
    /* from a child, while the parent waits in epoll_wait */
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .fd = fd } }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        kill(parent, SIGUSR2);
        _exit(7);
    }
    double t0 = now();
    OK(epoll_wait(ep, out, 2, 5000));
    printf("epoll woke for the signal after waiting %d\n", now() - t0 > 0.05);
    int got_usr2 = 0, got_chld = 0;
    for (int k = 0; k < 20 && !(got_usr2 && got_chld); k++) {
        if (!readable(fd, 1000))
            break;
        n = read(fd, si, sizeof si);
        for (int i = 0; i < n / (long)sizeof si[0]; i++) {
            if (si[i].ssi_signo == SIGUSR2) {
                got_usr2 = 1;
                show_si("from the child", &si[i]);
            }
            if (si[i].ssi_signo == SIGCHLD) {
                got_chld = 1;
                printf("SIGCHLD: code CLD_EXITED %d status %d pid is the child %d\n", si[i].ssi_code == CLD_EXITED,
                       si[i].ssi_status, si[i].ssi_pid == (uint32_t)pid);
            }
        }
    }
    waitpid(pid, NULL, 0);
    printf("got SIGUSR2 %d SIGCHLD %d\n", got_usr2, got_chld);
    /* a new mask on the same fd */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    OK(signalfd(fd, &only2, 0) == fd);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 no longer in the mask: readable %d\n", readable(fd, 0));
    sigset_t pend;
    sigpending(&pend);
    printf("SIGUSR1 still pending %d\n", sigismember(&pend, SIGUSR1));
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    ERR(read(fd, si, sizeof si), EAGAIN);
    ERR(read(fd, si, 100), EINVAL);
    int p[2];
    pipe(p);
    ERR(signalfd(p[0], &only2, 0), EINVAL);
    ERR(syscall(SYS_signalfd4, -1, &only2, 4, 0), EINVAL);
    ERR(syscall(SYS_signalfd4, -1, &only2, 8, 0x42), EINVAL);
    close(p[0]);
    close(p[1]);
    /* take the pending SIGUSR1 with a new signalfd, then unblock */
    int fd2 = signalfd(-1, &mask, SFD_NONBLOCK);
    OK(read(fd2, si, sizeof si));
    show_si("left over", &si[0]);
    close(fd2);
    close(ep);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_eventfd();
    section_timerfd();
    section_loop();
    section_signalfd();
    return finish("poll_events");
}
