/* poll_epoll: epoll: an edge-triggered echo server serving 100 concurrent
 * clients (driven by a forked child with poll), level- and edge-triggered
 * reporting on a pipe (new data is a new edge, partial reads are not),
 * an edge-triggered fd drained with read() and refilled with as many bytes
 * before the next wait (a new edge: request/response loops),
 * EPOLLONESHOT and EPOLL_CTL_MOD, EPOLLRDHUP/EPOLLHUP on close, maxevents
 * rotation, an epoll inside another epoll, a file closed while registered
 * and its number reused, EPOLLEXCLUSIVE rules, and epoll_ctl/epoll_wait
 * errors (EEXIST, ENOENT, EBADF, EINVAL, EPERM, ELOOP).
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

#define NCLIENTS 100
#define ROUNDS 5
#define MSG 32

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_events(int ep, int timeout)
{
    struct epoll_event ev[8];
    return epoll_wait(ep, ev, 8, timeout);
}

/* The clients: NCLIENTS connections, ROUNDS request/replies each, all in
 * flight at once; poll() collects the replies. Exits 0 if all were right. */
static void clients(struct sockaddr_in *sa)
{
    int fd[NCLIENTS], got[NCLIENTS];
    char in[NCLIENTS][MSG];
    for (int i = 0; i < NCLIENTS; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd[i], (struct sockaddr *)sa, sizeof *sa) < 0)
            _exit(2);
    }
    int good = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < NCLIENTS; i++) {
            char msg[MSG + 1];
            memset(msg, '.', sizeof msg);
            snprintf(msg, sizeof msg, "client %03d round %d ............", i, r);
            if (write(fd[i], msg, MSG) != MSG)
                _exit(3);
            got[i] = 0;
        }
        int pending = NCLIENTS;
        double t0 = now();
        while (pending && now() - t0 < 30) {
            struct pollfd p[NCLIENTS];
            for (int i = 0; i < NCLIENTS; i++) {
                p[i].fd = got[i] < MSG ? fd[i] : -1;
                p[i].events = POLLIN;
            }
            if (poll(p, NCLIENTS, 10000) <= 0)
                break;
            for (int i = 0; i < NCLIENTS; i++) {
                if (!(p[i].revents & POLLIN))
                    continue;
                long n = read(fd[i], in[i] + got[i], MSG - got[i]);
                if (n <= 0)
                    _exit(4);
                got[i] += n;
                if (got[i] == MSG) {
                    pending--;
                    char want[MSG + 1];
                    memset(want, '.', sizeof want);
                    snprintf(want, sizeof want, "client %03d round %d ............", i, r);
                    good += memcmp(want, in[i], MSG) == 0;
                }
            }
        }
    }
    for (int i = 0; i < NCLIENTS; i++)
        close(fd[i]);
    _exit(good == NCLIENTS * ROUNDS ? 0 : 5);
}

static void section_server(void)
{
    SECTION("edge-triggered echo server, 100 concurrent clients");
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(lfd, (struct sockaddr *)&sa, sizeof sa);
    listen(lfd, 128);
    socklen_t l = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &l);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { EPOLLIN | EPOLLET, { .fd = lfd } };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    pid_t pid = fork();
    if (pid == 0)
        clients(&sa);
    int accepted = 0, closed = 0;
    long bytes = 0;
    double t0 = now();
    while (closed < NCLIENTS && now() - t0 < 60) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 10000);
        if (n <= 0) {
            printf("FAIL epoll_wait = %d (%s) after %d accepted, %d closed\n", n, nerrname(errno), accepted, closed);
            failures++;
            break;
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                for (;;) {
                    int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (c < 0)
                        break;
                    accepted++;
                    struct epoll_event cev = { EPOLLIN | EPOLLRDHUP | EPOLLET, { .fd = c } };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            for (;;) {               /* edge-triggered: drain until EAGAIN */
                char buf[256];
                long r = (fd & 1) ? recv(fd, buf, sizeof buf, 0) : read(fd, buf, sizeof buf);
                if (r > 0) {
                    bytes += r;
                    write(fd, buf, r);
                    continue;
                }
                if (r == 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    closed++;
                }
                break;
            }
        }
    }
    int st;
    waitpid(pid, &st, 0);
    /* How many events one epoll_wait returns depends on timing (a slower server
       sees more at once), natively as well: the count of waits is not printed. */
    printf("server: accepted %d, echoed %ld bytes, closed %d\n", accepted, bytes, closed);
    printf("clients: exit status %d (0: every reply was right)\n", WEXITSTATUS(st));
    close(ep);
    close(lfd);
}

static void section_triggers(void)
{
    SECTION("level and edge triggered on a pipe");
    int p[2];
    pipe(p);
    int lt = epoll_create1(0), et = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .u64 = 0x1122334455667788ull } };
    OK(epoll_ctl(lt, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLET;
    OK(epoll_ctl(et, EPOLL_CTL_ADD, p[0], &ev));
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("nothing yet: lt %d et %d\n", a_, b_); }
    write(p[1], "0123456789", 10);
    struct epoll_event out[4];
    OK(epoll_wait(et, out, 4, 1000));
    printf("events %#x data %#llx\n", out[0].events, (unsigned long long)out[0].data.u64);
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("after write: lt %d et %d\n", a_, b_); }
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("again: lt %d et %d (no new edge)\n", a_, b_); }
    char buf[16];
    read(p[0], buf, 4);
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("partial read: lt %d et %d\n", a_, b_); }
    write(p[1], "ab", 2);
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("more data: lt %d et %d (a new edge)\n", a_, b_); }
    read(p[0], buf, sizeof buf);
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("drained: lt %d et %d\n", a_, b_); }
    write(p[1], "x", 1);
    { int a_ = count_events(lt, 0); int b_ = count_events(et, 0); printf("one byte: lt %d et %d\n", a_, b_); }
    read(p[0], buf, sizeof buf);
    close(p[1]);
    OK(epoll_wait(lt, out, 4, 1000));
    printf("writer closed: EPOLLHUP %d EPOLLIN %d\n", (out[0].events & EPOLLHUP) != 0, (out[0].events & EPOLLIN) != 0);
    { int a_ = count_events(et, 0); int b_ = count_events(et, 0); printf("et after hup: %d, again %d\n", a_, b_); }
    close(p[0]);
    close(lt);
    close(et);

    SECTION("EPOLLOUT, edge-triggered");
    pipe(p);
    int ep = epoll_create1(0);
    ev.events = EPOLLOUT | EPOLLET;
    ev.data.fd = p[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
    { int a_ = count_events(ep, 0); int b_ = count_events(ep, 0); printf("writable: %d, again %d\n", a_, b_); }
    close(p[0]);
    OK(epoll_wait(ep, out, 4, 1000));
    printf("reader closed: EPOLLERR %d\n", (out[0].events & EPOLLERR) != 0);
    close(p[1]);
    close(ep);
}

/* An edge-triggered reader that drains with read() and finds the same
 * number of bytes queued again at its next wait (a request/response loop):
 * that data arrived after the read, so Linux reports a new edge. */
static void section_refill(void)
{
    SECTION("edge-triggered: drained with read(), the same amount again");
    for (int kind = 0; kind < 2; kind++) {
        int p[2];
        if (kind == 0)
            pipe(p);
        else
            socketpair(AF_UNIX, SOCK_STREAM, 0, p);
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        int ep = epoll_create1(0);
        struct epoll_event ev = { EPOLLIN | EPOLLET, { .fd = p[0] } };
        epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
        char buf[64];
        printf("%s:\n", kind == 0 ? "pipe" : "unix socket");
        write(p[1], "0123456789abcdef", 16);
        printf("16 bytes: %d\n", count_events(ep, 0));
        long r1 = read(p[0], buf, sizeof buf), r2 = read(p[0], buf, sizeof buf);
        printf("read %ld, then %ld %s\n", r1, r2, r2 < 0 ? errname(errno) : "");
        write(p[1], "0123456789abcdef", 16);
        printf("16 again after EAGAIN: %d\n", count_events(ep, 0));
        printf("read %ld\n", (long)read(p[0], buf, sizeof buf));
        write(p[1], "0123456789abcdef", 16);
        printf("16 again after a read that took all: %d\n", count_events(ep, 0));
        printf("read %ld\n", (long)read(p[0], buf, 8));
        printf("after a partial read: %d (no new edge)\n", count_events(ep, 0));
        write(p[1], "01234567", 8);
        printf("8 more: %d\n", count_events(ep, 0));
        close(p[0]);
        close(p[1]);
        close(ep);
    }
}

static void section_oneshot(void)
{
    SECTION("EPOLLONESHOT, EPOLL_CTL_MOD, EPOLLRDHUP");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN | EPOLLONESHOT, { .fd = sv[0] } }, out[4];
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
    write(sv[1], "a", 1);
    { int a_ = count_events(ep, 0); int b_ = count_events(ep, 0); printf("first: %d, then %d\n", a_, b_); }
    ev.events = EPOLLIN | EPOLLRDHUP;
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev));
    printf("after MOD: %d\n", count_events(ep, 0));
    shutdown(sv[1], SHUT_WR);
    OK(epoll_wait(ep, out, 4, 1000));
    printf("peer shut down: EPOLLRDHUP %d EPOLLIN %d\n", (out[0].events & EPOLLRDHUP) != 0,
           (out[0].events & EPOLLIN) != 0);
    close(sv[0]);
    close(sv[1]);
    close(ep);

    SECTION("maxevents and rotation");
    ep = epoll_create1(0);
    int fds[6];
    for (int i = 0; i < 3; i++) {
        pipe(fds + 2 * i);
        write(fds[2 * i + 1], "x", 1);
        ev.events = EPOLLIN;
        ev.data.u32 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[2 * i], &ev);
    }
    int seen[3] = { 0 };
    for (int k = 0; k < 3; k++) {
        OK(epoll_wait(ep, out, 1, 1000));
        seen[out[0].data.u32]++;
    }
    printf("three waits of one event saw every pipe: %d\n", seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    OK(epoll_wait(ep, out, 4, 0));
    for (int i = 0; i < 6; i++)
        close(fds[i]);
    close(ep);
}

static void section_nested(void)
{
    SECTION("an epoll inside an epoll");
    int p[2];
    pipe(p);
    int inner = epoll_create1(0), outer = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .fd = p[0] } }, out[4];
    epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev);
    ev.data.fd = inner;
    OK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev));
    printf("empty: %d\n", count_events(outer, 0));
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        write(p[1], "wake", 4);
        _exit(0);
    }
    double t0 = now();
    OK(epoll_wait(outer, out, 4, 5000));
    printf("outer woke for inner: %d, waited %d\n", out[0].data.fd == inner, now() - t0 > 0.05);
    OK(epoll_wait(inner, out, 4, 0));
    printf("inner has the pipe: %d\n", out[0].data.fd == p[0]);
    struct pollfd pf = { outer, POLLIN, 0 };
    OK(poll(&pf, 1, 0));
    ERR(epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev), ELOOP);
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
    close(inner);
    close(outer);
}

static void section_errors(void)
{
    SECTION("errors and a reused number");
    int ep = epoll_create1(0), p[2];
    pipe(p);
    struct epoll_event ev = { EPOLLIN, { .fd = p[0] } }, out[2];
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev), ENOENT);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
    ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    ERR(epoll_ctl(ep, 42, p[0], &ev), EINVAL);
    int f = open("plain.txt", O_CREAT | O_RDWR, 0644);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM);
    close(f);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), EINVAL);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
    ERR(epoll_wait(ep, out, 0, 0), EINVAL);
    ERR(epoll_wait(p[0], out, 2, 0), EINVAL);
    ERR(syscall(SYS_epoll_create, 0), EINVAL);
    ERR(epoll_create1(42), EINVAL);
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    /* closed while registered: the registration goes with the file */
    int q[2];
    pipe(q);
    ev.events = EPOLLIN;
    ev.data.u32 = 7;
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    int num = q[0];
    close(q[0]);
    close(q[1]);
    int r[2];
    pipe(r);
    printf("same number again: %d\n", r[0] == num);
    ev.data.u32 = 8;
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, r[0], &ev));
    write(r[1], "z", 1);
    OK(epoll_wait(ep, out, 2, 1000));
    printf("data %u\n", out[0].data.u32);
    close(r[0]);
    close(r[1]);
    close(p[0]);
    close(p[1]);
    close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_server();
    section_triggers();
    section_refill();
    section_oneshot();
    section_nested();
    section_errors();
    return finish("poll_epoll");
}
