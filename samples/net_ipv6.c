/* net_ipv6: TCP over the IPv6 loopback: an echo server in a forked child,
 * addresses (sockaddr_in6, inet_ntop), IPV6_V6ONLY and a dual-stack listener
 * reached over IPv4 (a v4-mapped peer address), IPV6_UNICAST_HOPS, and
 * address-length errors.
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int listen6(struct sockaddr_in6 *sa, const struct in6_addr *addr, int v6only)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    memset(sa, 0, sizeof *sa);
    sa->sin6_family = AF_INET6;
    sa->sin6_addr = *addr;
    if (bind(fd, (struct sockaddr *)sa, sizeof *sa) < 0 || listen(fd, 8) < 0) {
        printf("no IPv6 here (%s)\n", nerrname(errno));
        exit(finish("net_ipv6"));
    }
    socklen_t l = sizeof *sa;
    getsockname(fd, (struct sockaddr *)sa, &l);
    return fd;
}

static void echo_child(int lfd, int n)
{
    for (int i = 0; i < n; i++) {
        int c = accept(lfd, NULL, NULL);
        char buf[4096];
        long r;
        while ((r = read(c, buf, sizeof buf)) > 0)
            write(c, buf, r);
        close(c);
    }
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char text[64];
    SECTION("TCP over ::1");
    struct sockaddr_in6 sa, me, peer;
    int lfd = listen6(&sa, &in6addr_loopback, 1);
    printf("listening on %s, family %d\n", inet_ntop(AF_INET6, &sa.sin6_addr, text, sizeof text), sa.sin6_family);
    pid_t pid = fork();
    if (pid == 0)
        echo_child(lfd, 1);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    OK(connect(c, (struct sockaddr *)&sa, sizeof sa));
    socklen_t l = sizeof me;
    OK(getsockname(c, (struct sockaddr *)&me, &l));
    printf("client %s len %d\n", inet_ntop(AF_INET6, &me.sin6_addr, text, sizeof text), l);
    l = sizeof peer;
    OK(getpeername(c, (struct sockaddr *)&peer, &l));
    CHECK(peer.sin6_port == sa.sin6_port);
    char msg[3000], back[3000];
    for (int i = 0; i < (int)sizeof msg; i++)
        msg[i] = 'a' + i % 26;
    OK(write(c, msg, sizeof msg));
    shutdown(c, SHUT_WR);
    long got = 0, r;
    while ((r = read(c, back + got, sizeof back - got)) > 0)
        got += r;
    printf("echoed %ld bytes, same %d\n", got, got == (long)sizeof msg && !memcmp(msg, back, got));
    close(c);
    int st;
    waitpid(pid, &st, 0);
    close(lfd);

    SECTION("options");
    int fd = socket(AF_INET6, SOCK_STREAM, 0), v = -1;
    l = sizeof v;
    OK(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &l));
    printf("IPV6_V6ONLY default %d\n", v);
    int hops = 9;
    OK(setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops));
    l = sizeof v;
    OK(getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l));
    printf("IPV6_UNICAST_HOPS %d\n", v);
    struct sockaddr_in6 s6 = { 0 };
    s6.sin6_family = AF_INET6;
    ERR(bind(fd, (struct sockaddr *)&s6, 20), EINVAL);
    struct sockaddr_in s4 = { 0 };
    s4.sin_family = AF_INET;
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ERR(connect(fd, (struct sockaddr *)&s4, sizeof s4), EINVAL);
    close(fd);

    SECTION("dual stack: IPv4 client, IPv6 listener");
    lfd = listen6(&sa, &in6addr_any, 0);
    pid = fork();
    if (pid == 0)
        echo_child(lfd, 1);
    struct sockaddr_in to = { 0 };
    to.sin_family = AF_INET;
    to.sin_port = sa.sin6_port;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c = socket(AF_INET, SOCK_STREAM, 0);
    OK(connect(c, (struct sockaddr *)&to, sizeof to));
    OK(write(c, "mapped", 6));
    shutdown(c, SHUT_WR);
    memset(back, 0, sizeof back);
    got = 0;
    while ((r = read(c, back + got, sizeof back - got)) > 0)
        got += r;
    printf("echo over IPv4: %s\n", back);
    close(c);
    waitpid(pid, &st, 0);
    /* the listener sees a v4-mapped peer */
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&to, sizeof to);
    int s = accept(lfd, (struct sockaddr *)&peer, &(socklen_t){ sizeof peer });
    printf("peer %s family %d\n", inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text), peer.sin6_family);
    close(s);
    close(c);
    close(lfd);
    return finish("net_ipv6");
}
