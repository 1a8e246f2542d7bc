/* net_udp: UDP over IPv4 and IPv6 loopback: request/response with sendto and
 * recvfrom (source addresses), a connected socket with send/recv and
 * ECONNREFUSED from an ICMP port unreachable, MSG_PEEK, MSG_TRUNC (the real
 * datagram length), datagram boundaries, sendmmsg/recvmmsg (MSG_WAITFORONE),
 * recvmsg with iovecs and a source address, connect(AF_UNSPEC) to dissolve
 * the association, SO_BROADCAST, EMSGSIZE, and a request/response server in
 * a forked child.
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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

static int udp4(struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)sa, sizeof *sa);
    socklen_t l = sizeof *sa;
    getsockname(fd, (struct sockaddr *)sa, &l);
    return fd;
}

static int readable(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, ms) == 1;
}

static void section_basic(void)
{
    SECTION("request/response");
    struct sockaddr_in sa, ca, from;
    int s = udp4(&sa), c = udp4(&ca);
    char buf[256];
    OK(sendto(c, "ping", 4, 0, (struct sockaddr *)&sa, sizeof sa));
    socklen_t l = sizeof from;
    memset(&from, 0, sizeof from);
    OK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &l));
    printf("from: len %d family %d addr %s same port %d\n", l, from.sin_family, inet_ntoa(from.sin_addr),
           from.sin_port == ca.sin_port);
    OK(sendto(s, "pong!", 5, 0, (struct sockaddr *)&from, l));
    OK(recv(c, buf, sizeof buf, 0));
    printf("reply %.5s\n", buf);
    /* boundaries: two datagrams are two reads */
    sendto(c, "aaa", 3, 0, (struct sockaddr *)&sa, sizeof sa);
    sendto(c, "bbbbbb", 6, 0, (struct sockaddr *)&sa, sizeof sa);
    readable(s, 2000);
    OK(recv(s, buf, 2, MSG_PEEK));
    OK(recv(s, buf, sizeof buf, MSG_PEEK));
    OK(recv(s, buf, 1, MSG_TRUNC));
    readable(s, 2000);
    OK(recv(s, buf, sizeof buf, 0));
    ERR(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* an empty datagram */
    OK(sendto(c, "", 0, 0, (struct sockaddr *)&sa, sizeof sa));
    readable(s, 2000);
    OK(recv(s, buf, sizeof buf, 0));
    /* recvmsg: iovecs, source address, MSG_TRUNC in msg_flags */
    sendto(c, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof sa);
    char a[3], b[4];
    struct iovec iov[2] = { { a, 3 }, { b, 4 } };
    struct msghdr m = { 0 };
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    readable(s, 2000);
    OK(recvmsg(s, &m, 0));
    printf("iov %.3s|%.4s namelen %d MSG_TRUNC %d\n", a, b, m.msg_namelen, (m.msg_flags & MSG_TRUNC) != 0);
    /* sendmsg with iovecs */
    struct iovec out[3] = { { "con", 3 }, { "cat", 3 }, { "enated", 6 } };
    struct msghdr om = { 0 };
    om.msg_name = &sa;
    om.msg_namelen = sizeof sa;
    om.msg_iov = out;
    om.msg_iovlen = 3;
    OK(sendmsg(c, &om, 0));
    readable(s, 2000);
    memset(buf, 0, sizeof buf);
    OK(recv(s, buf, sizeof buf, 0));
    printf("gathered: %s\n", buf);
    close(s);
    close(c);
}

static void section_connected(void)
{
    SECTION("connected UDP");
    struct sockaddr_in sa, ca;
    int s = udp4(&sa), c = udp4(&ca);
    OK(connect(c, (struct sockaddr *)&sa, sizeof sa));
    OK(send(c, "hello", 5, 0));
    char buf[64];
    readable(s, 2000);
    OK(recv(s, buf, sizeof buf, 0));
    /* datagrams from another port are filtered out */
    struct sockaddr_in oa;
    int o = udp4(&oa);
    sendto(o, "intruder", 8, 0, (struct sockaddr *)&ca, sizeof ca);
    sendto(s, "ok", 2, 0, (struct sockaddr *)&ca, sizeof ca);
    readable(c, 2000);
    OK(recv(c, buf, sizeof buf, 0));
    ERR(recv(c, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    struct sockaddr_in p;
    socklen_t l = sizeof p;
    OK(getpeername(c, (struct sockaddr *)&p, &l));
    CHECK(p.sin_port == sa.sin_port);
    /* dissolve the association */
    struct sockaddr un = { 0 };
    un.sa_family = AF_UNSPEC;
    OK(connect(c, &un, sizeof un));
    l = sizeof p;
    ERR(getpeername(c, (struct sockaddr *)&p, &l), ENOTCONN);
    ERR(send(c, "x", 1, 0), EDESTADDRREQ);
    /* a port nobody listens on: the ICMP error comes back on the next call */
    close(s);
    OK(connect(c, (struct sockaddr *)&sa, sizeof sa));
    OK(send(c, "anyone?", 7, 0));
    usleep(100000);
    ERR(recv(c, buf, sizeof buf, 0), ECONNREFUSED);
    close(c);
    close(o);
}

static void section_mmsg(void)
{
    SECTION("sendmmsg / recvmmsg");
    struct sockaddr_in sa, ca;
    int s = udp4(&sa), c = udp4(&ca);
    connect(c, (struct sockaddr *)&sa, sizeof sa);
    struct mmsghdr mm[4];
    struct iovec iov[4];
    char *words[4] = { "one", "two", "three", "four" };
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 4; i++) {
        iov[i].iov_base = words[i];
        iov[i].iov_len = strlen(words[i]);
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    OK(syscall(SYS_sendmmsg, c, mm, 4, 0));
    printf("msg_len: %u %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len, mm[3].msg_len);
    char bufs[6][16];
    struct iovec riov[6];
    struct mmsghdr rm[6];
    struct sockaddr_in src[6];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 6; i++) {
        riov[i].iov_base = bufs[i];
        riov[i].iov_len = sizeof bufs[i];
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
        rm[i].msg_hdr.msg_name = &src[i];
        rm[i].msg_hdr.msg_namelen = sizeof src[i];
    }
    readable(s, 2000);
    usleep(20000);
    long n;
    OK(n = syscall(SYS_recvmmsg, s, rm, 6, MSG_WAITFORONE, NULL));
    for (int i = 0; i < n; i++)
        printf("  %d: %.*s (len %u, namelen %u, same port %d)\n", i, (int)rm[i].msg_len, bufs[i], rm[i].msg_len,
               rm[i].msg_hdr.msg_namelen, src[i].sin_port == ca.sin_port);
    ERR(syscall(SYS_recvmmsg, s, rm, 6, MSG_DONTWAIT, NULL), EAGAIN);
    close(s);
    close(c);
}

static void section_options(void)
{
    SECTION("options and errors");
    struct sockaddr_in sa;
    int s = udp4(&sa);
    int one = 1, v = -1;
    socklen_t l = sizeof v;
    OK(setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one));
    OK(getsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, &l));
    printf("SO_BROADCAST %d\n", v != 0);
    l = sizeof v;
    OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("SO_TYPE %d\n", v);
    l = sizeof v;
    OK(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &l));
    printf("IP_TTL %d\n", v);
    int ttl = 7;
    OK(setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl));
    l = sizeof v;
    OK(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &l));
    printf("IP_TTL %d\n", v);
    static char big[70000];
    ERR(sendto(s, big, sizeof big, 0, (struct sockaddr *)&sa, sizeof sa), EMSGSIZE);
    ERR(sendto(s, "x", 1, 0, NULL, 0), EDESTADDRREQ);
    struct sockaddr_in bad = sa;
    bad.sin_family = AF_INET6;
    ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&bad, sizeof bad), EAFNOSUPPORT);
    close(s);
}

static void section_ipv6(void)
{
    SECTION("UDP over ::1");
    int s = socket(AF_INET6, SOCK_DGRAM, 0), c = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { 0 }, from;
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        printf("no IPv6 loopback here (%s): section skipped\n", nerrname(errno));
        return;
    }
    socklen_t l = sizeof sa;
    getsockname(s, (struct sockaddr *)&sa, &l);
    printf("bound: len %d family %d\n", l, sa.sin6_family);
    OK(sendto(c, "v6", 2, 0, (struct sockaddr *)&sa, sizeof sa));
    char buf[16], text[64];
    l = sizeof from;
    readable(s, 2000);
    OK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &l));
    printf("from %s len %d\n", inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof text), l);
    close(s);
    close(c);
}

static void section_fork(void)
{
    SECTION("a server in a child");
    struct sockaddr_in sa, ca;
    int s = udp4(&sa);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[64];
        struct sockaddr_in from;
        for (int i = 0; i < 20; i++) {
            socklen_t l = sizeof from;
            long n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &l);
            if (n <= 0)
                _exit(2);
            for (long k = 0; k < n; k++)
                buf[k] = buf[k] >= 'a' && buf[k] <= 'z' ? buf[k] - 32 : buf[k];
            sendto(s, buf, n, 0, (struct sockaddr *)&from, l);
        }
        _exit(0);
    }
    close(s);
    int c = udp4(&ca);
    connect(c, (struct sockaddr *)&sa, sizeof sa);
    int good = 0;
    for (int i = 0; i < 20; i++) {
        char q[32], r[32];
        int n = snprintf(q, sizeof q, "request %d", i);
        send(c, q, n, 0);
        if (!readable(c, 5000))
            break;
        long m = recv(c, r, sizeof r, 0);
        good += m == n && strncmp(r, "REQUEST", 7) == 0;
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%d of 20 answered; child status %d\n", good, WEXITSTATUS(st));
    close(c);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_basic();
    section_connected();
    section_mmsg();
    section_options();
    section_ipv6();
    section_fork();
    return finish("net_udp");
}
