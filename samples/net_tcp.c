/* net_tcp: TCP over IPv4 loopback: an echo server in a thread and in a forked
 * child (64 KiB and 1 MiB round trips, shutdown, EOF), addresses
 * (getsockname/getpeername, short address buffers), socket options (SO_TYPE,
 * SO_DOMAIN, SO_PROTOCOL, SO_REUSEADDR, SO_KEEPALIVE, TCP_NODELAY, SO_RCVBUF,
 * SO_RCVTIMEO, SO_LINGER, SO_ACCEPTCONN, ENOPROTOOPT), non-blocking connect
 * (EINPROGRESS, SO_ERROR), ECONNREFUSED, accept4 flags, MSG_PEEK,
 * MSG_DONTWAIT, MSG_WAITALL, EPIPE with MSG_NOSIGNAL and SIGPIPE without,
 * and the usual errors.
 * lxpack-cflags: -pthread
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int listener(struct sockaddr_in *sa, int flags)
{
    int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, 16) < 0) {
        printf("FAIL listener: %s\n", nerrname(errno));
        exit(1);
    }
    socklen_t l = sizeof *sa;
    getsockname(fd, (struct sockaddr *)sa, &l);
    return fd;
}

static int connect_to(struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)sa, sizeof *sa) < 0) {
        printf("FAIL connect: %s\n", nerrname(errno));
        return -1;
    }
    return fd;
}

static long write_all(int fd, const char *p, long n)
{
    long done = 0;
    while (done < n) {
        long w = write(fd, p + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += w;
    }
    return done;
}

/* Echo everything until EOF; returns the byte count. */
static long echo_conn(int c)
{
    char buf[16384];
    long total = 0;
    for (;;) {
        long n = read(c, buf, sizeof buf);
        if (n <= 0)
            break;
        if (write_all(c, buf, n) < 0)
            break;
        total += n;
    }
    return total;
}

struct srv { int lfd, nconn; long bytes; };

static void *server_thread(void *arg)
{
    struct srv *s = arg;
    for (int i = 0; i < s->nconn; i++) {
        int c = accept(s->lfd, NULL, NULL);
        if (c < 0)
            break;
        s->bytes += echo_conn(c);
        close(c);
    }
    return NULL;
}

struct sender { int fd; const char *p; long n; };

static void *send_thread(void *arg)
{
    struct sender *s = arg;
    write_all(s->fd, s->p, s->n);
    shutdown(s->fd, SHUT_WR);
    return NULL;
}

static unsigned long sum(const unsigned char *p, long n)
{
    unsigned long h = 5381;
    for (long i = 0; i < n; i++)
        h = h * 33 + p[i];
    return h;
}

/* Send n bytes and read the echo back concurrently (a sender thread, so
 * neither side's buffers fill up); returns 1 if the echo is identical. */
static int round_trip(int fd, long n)
{
    char *out = malloc(n), *in = malloc(n);
    for (long i = 0; i < n; i++)
        out[i] = (char)(i * 7 + i / 251);
    struct sender s = { fd, out, n };
    pthread_t th;
    pthread_create(&th, NULL, send_thread, &s);
    long got = 0;
    while (got < n) {
        long r = read(fd, in + got, n - got);
        if (r <= 0)
            break;
        got += r;
    }
    pthread_join(th, NULL);
    char extra;
    long eof = read(fd, &extra, 1);
    int same = got == n && memcmp(in, out, n) == 0 && eof == 0;
    free(out);
    free(in);
    return same;
}

static void section_threads(void)
{
    SECTION("echo server in a thread");
    struct sockaddr_in sa;
    struct srv s = { listener(&sa, 0), 3, 0 };
    pthread_t th;
    pthread_create(&th, NULL, server_thread, &s);
    long sizes[3] = { 5, 65536, 1 << 20 };
    for (int i = 0; i < 3; i++) {
        int fd = connect_to(&sa);
        printf("round trip of %ld bytes: %s\n", sizes[i], round_trip(fd, sizes[i]) ? "same" : "DIFFERENT");
        close(fd);
    }
    pthread_join(th, NULL);
    printf("server echoed %ld bytes\n", s.bytes);
    close(s.lfd);
}

static void section_fork(void)
{
    SECTION("echo server in a child process");
    struct sockaddr_in sa;
    int lfd = listener(&sa, 0);
    pid_t pid = fork();
    if (pid == 0) {
        int c = accept(lfd, NULL, NULL);
        long n = echo_conn(c);
        _exit(n == (1 << 20) ? 0 : 3);
    }
    close(lfd);
    int fd = connect_to(&sa);
    printf("round trip of 1 MiB through the child: %s\n", round_trip(fd, 1 << 20) ? "same" : "DIFFERENT");
    close(fd);
    int st;
    waitpid(pid, &st, 0);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
}

static void section_addresses(void)
{
    SECTION("addresses");
    struct sockaddr_in sa, a, b, p;
    int lfd = listener(&sa, 0);
    int c = connect_to(&sa);
    int s = accept(lfd, NULL, NULL);
    socklen_t l = sizeof a;
    OK(getsockname(c, (struct sockaddr *)&a, &l));
    printf("client: family %d len %d addr %s\n", a.sin_family, l, inet_ntoa(a.sin_addr));
    l = sizeof p;
    OK(getpeername(c, (struct sockaddr *)&p, &l));
    CHECK(p.sin_port == sa.sin_port);
    l = sizeof b;
    OK(getpeername(s, (struct sockaddr *)&b, &l));
    CHECK(b.sin_port == a.sin_port && b.sin_addr.s_addr == a.sin_addr.s_addr);
    struct sockaddr_in small;
    memset(&small, 0xAA, sizeof small);
    l = 4;
    OK(getsockname(c, (struct sockaddr *)&small, &l));
    printf("short buffer: len %d, family %d, byte 4 untouched %d\n", l, small.sin_family,
           ((unsigned char *)&small)[4] == 0xAA);
    struct sockaddr_in from;
    l = sizeof from;
    int s2;
    int c2 = connect_to(&sa);
    OK(s2 = accept(lfd, (struct sockaddr *)&from, &l));
    printf("accept gave len %d family %d addr %s\n", l, from.sin_family, inet_ntoa(from.sin_addr));
    int un = socket(AF_INET, SOCK_STREAM, 0);
    l = sizeof a;
    ERR(getpeername(un, (struct sockaddr *)&a, &l), ENOTCONN);
    l = sizeof a;
    OK(getsockname(un, (struct sockaddr *)&a, &l));
    printf("unbound: family %d port %d addr %s\n", a.sin_family, ntohs(a.sin_port), inet_ntoa(a.sin_addr));
    close(un);
    close(c2);
    close(s2);
    close(c);
    close(s);
    close(lfd);
}

static int geti(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) < 0)
        return -1000 - errno;
    return v;
}

static void section_options(void)
{
    SECTION("socket options");
    struct sockaddr_in sa;
    int lfd = listener(&sa, 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    printf("SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d SO_ERROR %d\n", geti(fd, SOL_SOCKET, SO_TYPE),
           geti(fd, SOL_SOCKET, SO_DOMAIN), geti(fd, SOL_SOCKET, SO_PROTOCOL), geti(fd, SOL_SOCKET, SO_ERROR));
    printf("SO_ACCEPTCONN listener %d socket %d\n", geti(lfd, SOL_SOCKET, SO_ACCEPTCONN),
           geti(fd, SOL_SOCKET, SO_ACCEPTCONN));
    int one = 1, zero = 0;
    printf("SO_REUSEADDR before %d\n", geti(fd, SOL_SOCKET, SO_REUSEADDR));
    OK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    printf("SO_REUSEADDR after %d\n", geti(fd, SOL_SOCKET, SO_REUSEADDR) != 0);
    OK(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    printf("SO_KEEPALIVE %d\n", geti(fd, SOL_SOCKET, SO_KEEPALIVE) != 0);
    OK(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof zero));
    printf("SO_KEEPALIVE %d\n", geti(fd, SOL_SOCKET, SO_KEEPALIVE) != 0);
    OK(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one));
    printf("SO_REUSEPORT %d\n", geti(fd, SOL_SOCKET, SO_REUSEPORT) != 0);
    OK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    printf("TCP_NODELAY %d\n", geti(fd, IPPROTO_TCP, TCP_NODELAY) != 0);
    int sz = 65536;
    OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz));
    OK(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz));
    CHECK(geti(fd, SOL_SOCKET, SO_RCVBUF) >= 65536);
    CHECK(geti(fd, SOL_SOCKET, SO_SNDBUF) >= 65536);
    struct linger lg = { 1, 5 }, lg2;
    socklen_t l = sizeof lg2;
    OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg2, &l));
    printf("SO_LINGER on %d linger %d len %d\n", lg2.l_onoff != 0, lg2.l_linger, l);
    int v;
    l = sizeof v;
    ERR(getsockopt(fd, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
    ERR(setsockopt(fd, SOL_SOCKET, 9999, &one, sizeof one), ENOPROTOOPT);
    ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 2), EINVAL);
    l = 0;
    OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("getsockopt with len 0: len %d\n", l);
    /* SO_RCVTIMEO: a recv on an idle connection gives up */
    close(fd);
    int c = connect_to(&sa);
    int s = accept(lfd, NULL, NULL);
    struct timeval tv = { 0, 150000 }, tv2;
    OK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    l = sizeof tv2;
    OK(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv2, &l));
    printf("SO_RCVTIMEO %ld.%06ld len %d\n", (long)tv2.tv_sec, (long)tv2.tv_usec, l);
    char b;
    double t0 = now();
    ERR(recv(c, &b, 1, 0), EAGAIN);
    double dt = now() - t0;
    CHECK(dt >= 0.14 && dt < 5);
    close(c);
    close(s);
    close(lfd);
}

static void section_connect(void)
{
    SECTION("connect: non-blocking, refused");
    struct sockaddr_in sa;
    int lfd = listener(&sa, 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    printf("non-blocking connect: 0 or EINPROGRESS: %d\n", r == 0 || errno == EINPROGRESS);
    struct pollfd p = { fd, POLLOUT, 0 };
    OK(poll(&p, 1, 5000));
    printf("revents POLLOUT %d, SO_ERROR %d\n", (p.revents & POLLOUT) != 0, geti(fd, SOL_SOCKET, SO_ERROR));
    r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    printf("connect again: 0 or EISCONN: %d\n", r == 0 || errno == EISCONN);
    ERR(connect(fd, (struct sockaddr *)&sa, sizeof sa), EISCONN);
    int s = accept(lfd, NULL, NULL);
    CHECK(s >= 0);
    close(s);
    close(fd);
    /* a port nobody listens on */
    struct sockaddr_in dead;
    int tmp = listener(&dead, 0);
    close(tmp);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERR(connect(fd, (struct sockaddr *)&dead, sizeof dead), ECONNREFUSED);
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(fd, (struct sockaddr *)&dead, sizeof dead);
    printf("non-blocking connect to a dead port: EINPROGRESS or ECONNREFUSED: %d\n",
           r < 0 && (errno == EINPROGRESS || errno == ECONNREFUSED));
    if (r < 0 && errno == EINPROGRESS) {
        p.fd = fd;
        p.events = POLLOUT;
        poll(&p, 1, 5000);
        printf("then SO_ERROR is ECONNREFUSED: %d\n", geti(fd, SOL_SOCKET, SO_ERROR) == ECONNREFUSED);
    } else {
        printf("then SO_ERROR is ECONNREFUSED: 1\n");
    }
    close(fd);
    close(lfd);
}

static void section_accept4(void)
{
    SECTION("accept4 flags");
    struct sockaddr_in sa;
    int lfd = listener(&sa, SOCK_NONBLOCK);
    ERR(accept(lfd, NULL, NULL), EAGAIN);
    int c = connect_to(&sa);
    struct pollfd p = { lfd, POLLIN, 0 };
    OK(poll(&p, 1, 5000));
    int s;
    OK((s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0);
    printf("O_NONBLOCK %d FD_CLOEXEC %d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, fcntl(s, F_GETFD) & FD_CLOEXEC);
    close(s);
    close(c);
    c = connect_to(&sa);
    poll(&p, 1, 5000);
    OK((s = accept(lfd, NULL, NULL)) >= 0);
    printf("accept from a non-blocking listener: O_NONBLOCK %d FD_CLOEXEC %d\n",
           (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, fcntl(s, F_GETFD) & FD_CLOEXEC);
    ERR(syscall(SYS_accept4, lfd, NULL, NULL, 0x1), EINVAL);
    close(s);
    close(c);
    close(lfd);
}

static volatile int sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }

struct delayed { int fd; };
static void *late_sender(void *arg)
{
    struct delayed *d = arg;
    write(d->fd, "abc", 3);
    usleep(100000);
    write(d->fd, "defgh", 5);
    return NULL;
}

static void section_flags(void)
{
    SECTION("MSG_* flags, EOF, EPIPE");
    struct sockaddr_in sa;
    int lfd = listener(&sa, 0);
    int c = connect_to(&sa);
    int s = accept(lfd, NULL, NULL);
    char buf[64] = { 0 };
    ERR(recv(c, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    OK(send(s, "peekaboo", 8, 0));
    struct pollfd p = { c, POLLIN, 0 };
    poll(&p, 1, 5000);
    OK(recv(c, buf, 4, MSG_PEEK));
    printf("peeked %.4s\n", buf);
    OK(recv(c, buf, 8, MSG_WAITALL));
    printf("read %.8s\n", buf);
    struct delayed d = { s };
    pthread_t th;
    pthread_create(&th, NULL, late_sender, &d);
    memset(buf, 0, sizeof buf);
    OK(recv(c, buf, 8, MSG_WAITALL));
    printf("MSG_WAITALL across two sends: %.8s\n", buf);
    pthread_join(th, NULL);
    OK(send(c, "x", 1, MSG_NOSIGNAL | MSG_MORE));
    OK(recv(s, buf, 1, 0));
    /* the peer goes away */
    close(s);
    OK(recv(c, buf, sizeof buf, 0));
    usleep(50000);
    signal(SIGPIPE, on_pipe);
    send(c, "1", 1, MSG_NOSIGNAL);        /* answered by a reset */
    usleep(100000);
    ERR(send(c, "2", 1, MSG_NOSIGNAL), EPIPE);
    printf("SIGPIPE with MSG_NOSIGNAL: %d\n", sigpipes);
    ERR(send(c, "3", 1, 0), EPIPE);
    printf("SIGPIPE without: %d\n", sigpipes);
    signal(SIGPIPE, SIG_IGN);
    ERR(write(c, "4", 1), EPIPE);
    printf("SIGPIPE after write with SIGPIPE ignored: %d\n", sigpipes);
    signal(SIGPIPE, SIG_DFL);
    close(c);
    close(lfd);
}

static void section_errors(void)
{
    SECTION("errors");
    struct sockaddr_in sa;
    int lfd = listener(&sa, 0);
    ERR(bind(lfd, (struct sockaddr *)&sa, sizeof sa), EINVAL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ERR(bind(fd, (struct sockaddr *)&sa, sizeof sa), EADDRINUSE);
    ERR(bind(fd, (struct sockaddr *)&sa, 3), EINVAL);
    ERR(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
    ERR(recv(fd, &sa, 1, 0), ENOTCONN);
    ERR(socket(AF_INET, 99, 0), EINVAL);
    ERR(socket(4242, SOCK_STREAM, 0), EAFNOSUPPORT);
    ERR(socket(AF_INET, SOCK_STREAM, 17), EPROTONOSUPPORT);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    ERR(listen(u, 1), EOPNOTSUPP);
    ERR(accept(u, NULL, NULL), EOPNOTSUPP);
    int pfd[2];
    pipe(pfd);
    ERR(recv(pfd[0], &sa, 1, MSG_DONTWAIT), ENOTSOCK);
    ERR(getsockname(pfd[0], (struct sockaddr *)&sa, &(socklen_t){ sizeof sa }), ENOTSOCK);
    ERR(send(999, "x", 1, 0), EBADF);
    ERR(shutdown(fd, 7), EINVAL);
    ERR(shutdown(fd, SHUT_RDWR), ENOTCONN);
    close(pfd[0]);
    close(pfd[1]);
    close(u);
    close(fd);
    close(lfd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    section_threads();
    section_fork();
    section_addresses();
    section_options();
    section_connect();
    section_accept4();
    signal(SIGPIPE, SIG_DFL);
    section_flags();
    section_errors();
    return finish("net_tcp");
}
