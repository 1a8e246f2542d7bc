/* net_unix: AF_UNIX sockets: socketpair (stream, datagram, seqpacket,
 * SOCK_NONBLOCK/SOCK_CLOEXEC), a named stream server with a forked client
 * (paths in getsockname/getpeername/accept, S_ISSOCK, EADDRINUSE, ENOENT,
 * ECONNREFUSED), SO_PEERCRED, descriptors passed with SCM_RIGHTS both ways
 * between processes (and MSG_CTRUNC, MSG_CMSG_CLOEXEC), SCM_CREDENTIALS with
 * SO_PASSCRED, named datagram sockets, an abstract socket (leading NUL)
 * reached from a child, autobind, and path lengths.
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
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

static socklen_t un_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    strncpy(sa->sun_path, path, sizeof sa->sun_path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static socklen_t abs_addr(struct sockaddr_un *sa, const char *name)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static void show_addr(const char *what, struct sockaddr_un *sa, socklen_t l)
{
    int n = (int)l - (int)offsetof(struct sockaddr_un, sun_path);
    if (n <= 0)
        printf("%s: len %d (unnamed)\n", what, l);
    else if (sa->sun_path[0] == 0)
        printf("%s: len %d abstract \"@%.*s\"\n", what, l, n - 1, sa->sun_path + 1);
    else
        printf("%s: len %d path \"%s\"\n", what, l, sa->sun_path);
}

static int send_fds(int sock, const char *msg, int *fds, int n)
{
    char ctrl[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = { (void *)msg, strlen(msg) };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (n) {
        memset(ctrl, 0, sizeof ctrl);
        m.msg_control = ctrl;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return sendmsg(sock, &m, 0);
}

/* Receive a message and up to 4 fds; returns the fd count (-1 on error). */
static int recv_fds(int sock, char *buf, int size, int *fds, int ctrl_room, int flags, int *mflags)
{
    char ctrl[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = { buf, size - 1 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = ctrl_room;
    long r = recvmsg(sock, &m, flags);
    if (r < 0)
        return -1;
    buf[r] = 0;
    *mflags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
            n += k;
        }
    return n;
}

static void section_pairs(void)
{
    SECTION("socketpair");
    int sv[2];
    char buf[64];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    printf("fds %d %d\n", sv[0], sv[1]);
    OK(write(sv[0], "hello", 5));
    OK(read(sv[1], buf, sizeof buf));
    OK(write(sv[1], "world!", 6));
    OK(recv(sv[0], buf, sizeof buf, 0));
    OK(shutdown(sv[0], SHUT_WR));
    OK(read(sv[1], buf, sizeof buf));
    OK(write(sv[1], "still", 5));
    OK(read(sv[0], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);
    OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("O_NONBLOCK %d FD_CLOEXEC %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0,
           fcntl(sv[1], F_GETFD) & FD_CLOEXEC);
    ERR(read(sv[0], buf, sizeof buf), EAGAIN);
    close(sv[0]);
    close(sv[1]);
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    OK(recv(sv[1], buf, 2, 0));
    OK(recv(sv[1], buf, sizeof buf, 0));
    close(sv[0]);
    close(sv[1]);
    OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    send(sv[0], "record-one", 10, 0);
    send(sv[0], "r2", 2, 0);
    struct iovec iov = { buf, 4 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    OK(recvmsg(sv[1], &m, 0));
    printf("seqpacket MSG_TRUNC %d\n", (m.msg_flags & MSG_TRUNC) != 0);
    OK(recv(sv[1], buf, sizeof buf, 0));
    close(sv[0]);
    OK(recv(sv[1], buf, sizeof buf, 0));
    close(sv[1]);
    ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
}

static void section_named(void)
{
    SECTION("named stream socket, client in a child");
    struct sockaddr_un sa, got;
    socklen_t len = un_addr(&sa, "srv.sock");
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(bind(lfd, (struct sockaddr *)&sa, len));
    OK(listen(lfd, 4));
    struct stat st;
    OK(stat("srv.sock", &st));
    printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
    socklen_t l = sizeof got;
    OK(getsockname(lfd, (struct sockaddr *)&got, &l));
    show_addr("listener", &got, l);
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    ERR(bind(again, (struct sockaddr *)&sa, len), EADDRINUSE);
    close(again);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&sa, len) < 0)
            _exit(2);
        struct sockaddr_un p;
        socklen_t pl = sizeof p;
        getpeername(c, (struct sockaddr *)&p, &pl);
        char buf[64];
        long n = read(c, buf, sizeof buf);
        write(c, buf, n);
        write(c, p.sun_path, strlen(p.sun_path));
        _exit(0);
    }
    l = sizeof got;
    int s = accept(lfd, (struct sockaddr *)&got, &l);
    show_addr("accepted peer", &got, l);
    struct ucred cr;
    l = sizeof cr;
    OK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l));
    printf("SO_PEERCRED len %d: pid is the child %d, uid %d, gid %d\n", l, cr.pid == pid, cr.uid == getuid(),
           cr.gid == getgid());
    write(s, "ping", 4);
    char buf[128] = { 0 };
    long got_n = 0, r;
    while ((r = read(s, buf + got_n, sizeof buf - 1 - got_n)) > 0)
        got_n += r;
    printf("child echoed and saw its peer as: %s\n", buf);
    int stc;
    waitpid(pid, &stc, 0);
    printf("child status %d\n", WEXITSTATUS(stc));
    close(s);
    close(lfd);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    ERR(connect(c, (struct sockaddr *)&sa, len), ECONNREFUSED);
    unlink("srv.sock");
    ERR(connect(c, (struct sockaddr *)&sa, len), ENOENT);
    close(c);
}

static void section_rights(void)
{
    SECTION("SCM_RIGHTS both ways");
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int p[2];
    pipe(p);
    int f = open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(f, "file contents\n", 14);
    lseek(f, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char msg[64];
        int fds[4], mf;
        int n = recv_fds(sv[1], msg, sizeof msg, fds, sizeof(char[CMSG_SPACE(sizeof(int) * 4)]), 0, &mf);
        char a[64] = { 0 }, b[64] = { 0 };
        read(fds[0], a, sizeof a - 1);
        read(fds[1], b, sizeof b - 1);
        char reply[256];
        snprintf(reply, sizeof reply, "child got %d fds with \"%s\": pipe said \"%s\", file said \"%s\"", n, msg,
                 a, strtok(b, "\n"));
        int back[2];
        pipe(back);
        write(back[1], "from the child", 14);
        close(back[1]);
        send_fds(sv[1], reply, &back[0], 1);
        _exit(0);
    }
    close(sv[1]);
    write(p[1], "through a pipe", 14);
    close(p[1]);
    int fds[2] = { p[0], f };
    OK(send_fds(sv[0], "two fds", fds, 2));
    close(p[0]);
    close(f);
    char msg[256];
    int got[4], mf;
    int n = recv_fds(sv[0], msg, sizeof msg, got, sizeof(char[CMSG_SPACE(sizeof(int) * 4)]), 0, &mf);
    printf("%s\n", msg);
    printf("parent got %d fd(s): fd %d\n", n, got[0]);
    char buf[64] = { 0 };
    read(got[0], buf, sizeof buf - 1);
    printf("read from it: %s\n", buf);
    printf("received fd FD_CLOEXEC %d\n", fcntl(got[0], F_GETFD) & FD_CLOEXEC);
    close(got[0]);
    int st;
    waitpid(pid, &st, 0);

    SECTION("MSG_CTRUNC and MSG_CMSG_CLOEXEC");
    int q[2];
    pipe(q);
    int three[3] = { q[0], q[1], 0 };
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    OK(send_fds(sv[0], "three", three, 3));
    n = recv_fds(sv[1], msg, sizeof msg, got, CMSG_LEN(sizeof(int)), 0, &mf);
    printf("room for 1 of 3: got %d fd(s), MSG_CTRUNC %d, first is fd %d\n", n, (mf & MSG_CTRUNC) != 0, got[0]);
    int fl = fcntl(got[0] + 1, F_GETFD);
    printf("fd after it is closed: %d\n", fl < 0 && errno == EBADF);
    close(got[0]);
    OK(send_fds(sv[0], "cloexec", three, 1));
    n = recv_fds(sv[1], msg, sizeof msg, got, sizeof(char[CMSG_SPACE(sizeof(int) * 4)]), MSG_CMSG_CLOEXEC, &mf);
    printf("MSG_CMSG_CLOEXEC: %d fd, FD_CLOEXEC %d\n", n, fcntl(got[0], F_GETFD) & FD_CLOEXEC);
    close(got[0]);
    OK(send_fds(sv[0], "none", three, 0));
    n = recv_fds(sv[1], msg, sizeof msg, got, sizeof(char[CMSG_SPACE(sizeof(int) * 4)]), 0, &mf);
    printf("no fds: %d, msg %s\n", n, msg);
    int bad = 77;
    ERR(send_fds(sv[0], "bad", &bad, 1), EBADF);
    close(q[0]);
    close(q[1]);
    close(sv[0]);
    close(sv[1]);
}

static void section_creds(void)
{
    SECTION("SCM_CREDENTIALS");
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int one = 1;
    OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    pid_t pid = fork();
    if (pid == 0) {
        send(sv[0], "who", 3, 0);
        _exit(0);
    }
    char buf[16], ctrl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = { buf, sizeof buf };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = sizeof ctrl;
    OK(recvmsg(sv[1], &m, 0));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (c && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred cr;
        memcpy(&cr, CMSG_DATA(c), sizeof cr);
        printf("credentials: pid is the child %d, uid %d\n", cr.pid == pid, cr.uid == getuid());
    } else {
        printf("no credentials\n");
    }
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(sv[1]);
}

static void section_dgram(void)
{
    SECTION("named datagram sockets");
    struct sockaddr_un a, b, from;
    socklen_t la = un_addr(&a, "a.sock"), lb = un_addr(&b, "b.sock");
    int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
    OK(bind(sa, (struct sockaddr *)&a, la));
    OK(bind(sb, (struct sockaddr *)&b, lb));
    OK(sendto(sa, "to b", 4, 0, (struct sockaddr *)&b, lb));
    char buf[16];
    socklen_t l = sizeof from;
    OK(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &l));
    show_addr("from", &from, l);
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    OK(sendto(anon, "anon", 4, 0, (struct sockaddr *)&b, lb));
    l = sizeof from;
    OK(recvfrom(sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &l));
    show_addr("from an unbound socket", &from, l);
    struct sockaddr_un nobody;
    socklen_t ln = un_addr(&nobody, "nobody.sock");
    ERR(sendto(sa, "x", 1, 0, (struct sockaddr *)&nobody, ln), ENOENT);
    close(sa);
    close(sb);
    close(anon);
    unlink("a.sock");
    unlink("b.sock");
}

static void section_abstract(void)
{
    SECTION("abstract namespace");
    char name[64];
    snprintf(name, sizeof name, "lxpack-sample-%d", (int)getpid());
    struct sockaddr_un sa, got;
    socklen_t len = abs_addr(&sa, name);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(bind(lfd, (struct sockaddr *)&sa, len));
    OK(listen(lfd, 2));
    socklen_t l = sizeof got;
    OK(getsockname(lfd, (struct sockaddr *)&got, &l));
    printf("getsockname: len is 2+1+strlen(name) %d, leading NUL %d, same name %d\n",
           l == len, got.sun_path[0] == 0, memcmp(got.sun_path + 1, name, strlen(name)) == 0);
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    ERR(bind(other, (struct sockaddr *)&sa, len), EADDRINUSE);
    close(other);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&sa, len) < 0)
            _exit(2);
        struct sockaddr_un p;
        socklen_t pl = sizeof p;
        getpeername(c, (struct sockaddr *)&p, &pl);
        int same = pl == len && memcmp(p.sun_path, sa.sun_path, len - 2) == 0;
        write(c, same ? "peer ok" : "peer BAD", same ? 7 : 8);
        _exit(0);
    }
    int s = accept(lfd, NULL, NULL);
    char buf[16] = { 0 };
    OK(read(s, buf, sizeof buf - 1));
    printf("child says: %s\n", buf);
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    close(s);
    close(lfd);
    /* the name is free again once closed */
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(bind(lfd, (struct sockaddr *)&sa, len));
    close(lfd);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    ERR(connect(c, (struct sockaddr *)&sa, len), ECONNREFUSED);
    close(c);
    /* autobind: binding with only the family gives an abstract name */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    OK(bind(ab, (struct sockaddr *)&sa, sizeof(sa_family_t)));
    l = sizeof got;
    OK(getsockname(ab, (struct sockaddr *)&got, &l));
    printf("autobind: len %d leading NUL %d\n", l, got.sun_path[0] == 0);
    close(ab);
}

static void section_paths(void)
{
    SECTION("path lengths");
    char path[200];
    memset(path, 'p', sizeof path);
    path[100] = 0;
    struct sockaddr_un sa;
    socklen_t len = un_addr(&sa, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    OK(bind(fd, (struct sockaddr *)&sa, len));
    struct sockaddr_un got;
    socklen_t l = sizeof got;
    OK(getsockname(fd, (struct sockaddr *)&got, &l));
    printf("100-byte path: len %d\n", l);
    close(fd);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 'q', sizeof sa);
    sa.sun_family = AF_UNIX;
    ERR(bind(fd, (struct sockaddr *)&sa, sizeof sa + 1), EINVAL);
    close(fd);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_in wrong = { 0 };
    wrong.sin_family = AF_INET;
    ERR(bind(fd, (struct sockaddr *)&wrong, sizeof wrong), EINVAL);
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_pairs();
    section_named();
    section_rights();
    section_creds();
    section_dgram();
    section_abstract();
    section_paths();
    return finish("net_unix");
}
