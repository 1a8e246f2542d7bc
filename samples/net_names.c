/* net_names: name service and interfaces: getaddrinfo("localhost") with and
 * without AI_ADDRCONFIG (glibc asks rtnetlink which address families are
 * configured), numeric lookups, services from /etc/services, getnameinfo,
 * gethostbyname, getifaddrs (built from RTM_GETLINK/RTM_GETADDR dumps),
 * if_nameindex/if_nametoindex, and a raw NETLINK_ROUTE socket: bind,
 * getsockname, a link dump with NLMSG_DONE, MSG_PEEK|MSG_TRUNC, errors.
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* netlink structures (musl has no <linux/*.h>) */
struct nlmsghdr { unsigned nlmsg_len; unsigned short nlmsg_type, nlmsg_flags; unsigned nlmsg_seq, nlmsg_pid; };
struct nlmsgerr { int error; struct nlmsghdr msg; };
struct sockaddr_nl { unsigned short nl_family, nl_pad; unsigned nl_pid, nl_groups; };
struct rtgenmsg { unsigned char rtgen_family; };
struct ifinfomsg { unsigned char ifi_family, pad; unsigned short ifi_type; int ifi_index; unsigned ifi_flags, ifi_change; };
struct rtattr { unsigned short rta_len, rta_type; };
#define NETLINK_ROUTE 0
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWROUTE 24
#define IFLA_IFNAME 3
#define NLMSG_ALIGN(len) (((len) + 3) & ~3)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_DATA(nlh) ((void *)((char *)(nlh) + NLMSG_HDRLEN))
#define NLMSG_NEXT(nlh, len) ((len) -= NLMSG_ALIGN((nlh)->nlmsg_len), \
    (struct nlmsghdr *)((char *)(nlh) + NLMSG_ALIGN((nlh)->nlmsg_len)))
#define NLMSG_OK(nlh, len) ((len) >= (int)sizeof(struct nlmsghdr) && \
    (nlh)->nlmsg_len >= sizeof(struct nlmsghdr) && (nlh)->nlmsg_len <= (unsigned)(len))
#define RTA_ALIGN(len) (((len) + 3) & ~3)
#define RTA_OK(rta, len) ((len) >= (int)sizeof(struct rtattr) && (rta)->rta_len >= sizeof(struct rtattr) && \
    (rta)->rta_len <= (len))
#define RTA_NEXT(rta, att) ((att) -= RTA_ALIGN((rta)->rta_len), \
    (struct rtattr *)((char *)(rta) + RTA_ALIGN((rta)->rta_len)))
#define RTA_DATA(rta) ((void *)((char *)(rta) + RTA_ALIGN(sizeof(struct rtattr))))
#define IFLA_RTA(r) ((struct rtattr *)((char *)(r) + NLMSG_ALIGN(sizeof(struct ifinfomsg))))
#define IFLA_PAYLOAD(n) ((int)((n)->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(struct ifinfomsg))))

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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lookup(const char *host, const char *serv, int family, int socktype, int flags)
{
    struct addrinfo hints = { 0 }, *res, *p;
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_flags = flags;
    int r = getaddrinfo(host, serv, &hints, &res);
    printf("getaddrinfo(%s, %s, family %d, socktype %d, flags %#x) = %d\n", host ? host : "NULL",
           serv ? serv : "NULL", family, socktype, flags, r);
    if (r != 0)
        return;
    char *lines[64];
    int n = 0;
    for (p = res; p && n < 64; p = p->ai_next) {
        char text[64] = "?";
        int port = 0;
        if (p->ai_family == AF_INET) {
            struct sockaddr_in *s = (void *)p->ai_addr;
            inet_ntop(AF_INET, &s->sin_addr, text, sizeof text);
            port = ntohs(s->sin_port);
        } else if (p->ai_family == AF_INET6) {
            struct sockaddr_in6 *s = (void *)p->ai_addr;
            inet_ntop(AF_INET6, &s->sin6_addr, text, sizeof text);
            port = ntohs(s->sin6_port);
        }
        lines[n] = malloc(160);
        snprintf(lines[n], 160, "  family %d socktype %d proto %d addr %s port %d addrlen %d", p->ai_family,
                 p->ai_socktype, p->ai_protocol, text, port, (int)p->ai_addrlen);
        n++;
    }
    qsort(lines, n, sizeof lines[0], cmp_str);
    for (int i = 0; i < n; i++) {
        printf("%s\n", lines[i]);
        free(lines[i]);
    }
    freeaddrinfo(res);
}

static void section_getaddrinfo(void)
{
    SECTION("getaddrinfo");
    lookup("localhost", NULL, AF_UNSPEC, SOCK_STREAM, 0);
    lookup("localhost", "80", AF_INET, SOCK_DGRAM, 0);
    lookup("localhost", "http", AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG);
    lookup("127.0.0.1", "8080", AF_UNSPEC, 0, AI_NUMERICHOST | AI_NUMERICSERV);
    lookup("::1", "22", AF_INET6, SOCK_STREAM, AI_NUMERICHOST);
    lookup(NULL, "9000", AF_INET, SOCK_STREAM, AI_PASSIVE);
    lookup("not a host name!", NULL, AF_UNSPEC, SOCK_STREAM, AI_NUMERICHOST);
    lookup("localhost", "no-such-service-here", AF_UNSPEC, SOCK_STREAM, 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_port = htons(80);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char host[256], serv[64];
    int r = getnameinfo((struct sockaddr *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv,
                        NI_NUMERICHOST);
    printf("getnameinfo(127.0.0.1:80, NI_NUMERICHOST) = %d: %s %s\n", r, host, serv);
    struct servent *se = getservbyname("ssh", "tcp");
    printf("getservbyname(ssh/tcp): %d\n", se ? ntohs(se->s_port) : -1);
    struct protoent *pe = getprotobyname("udp");
    printf("getprotobyname(udp): %d\n", pe ? pe->p_proto : -1);
}

static void section_ifaddrs(void)
{
    SECTION("getifaddrs");
    struct ifaddrs *ifa, *p;
    if (getifaddrs(&ifa) < 0) {
        printf("FAIL getifaddrs: %s\n", nerrname(errno));
        failures++;
        return;
    }
    char *lines[256];
    int n = 0;
    for (p = ifa; p && n < 256; p = p->ifa_next) {
        char text[64] = "", mask[64] = "";
        int fam = p->ifa_addr ? p->ifa_addr->sa_family : -1;
        if (fam == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_addr)->sin_addr, text, sizeof text);
            if (p->ifa_netmask)
                inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_netmask)->sin_addr, mask, sizeof mask);
        } else if (fam == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr, text, sizeof text);
            if (p->ifa_netmask)
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)p->ifa_netmask)->sin6_addr, mask, sizeof mask);
        } else if (fam == 17) {        /* AF_PACKET */
            strcpy(text, "(link)");
        }
        unsigned fl = p->ifa_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST);
        lines[n] = malloc(256);
        snprintf(lines[n], 256, "  %s family %d flags %#x %s %s", p->ifa_name, fam, fl, text, mask);
        n++;
    }
    freeifaddrs(ifa);
    qsort(lines, n, sizeof lines[0], cmp_str);
    for (int i = 0; i < n; i++) {
        printf("%s\n", lines[i]);
        free(lines[i]);
    }
    SECTION("if_nameindex");
    struct if_nameindex *ni = if_nameindex(), *q;
    int count = 0, lo = 0;
    for (q = ni; q && q->if_index; q++) {
        count++;
        if (strcmp(q->if_name, "lo") == 0)
            lo = q->if_index;
        CHECK(if_nametoindex(q->if_name) == q->if_index);
    }
    if (ni)
        if_freenameindex(ni);
    printf("interfaces %d, lo index %d, if_nametoindex(lo) %u\n", count, lo, if_nametoindex("lo"));
    char name[IF_NAMESIZE] = "";
    printf("if_indextoname(%d) = %s\n", lo, if_indextoname(lo, name) ? name : "NULL");
    printf("if_nametoindex(nope0) = %u\n", if_nametoindex("nope0"));
}

static void section_netlink(void)
{
    SECTION("a raw NETLINK_ROUTE socket");
    int fd;
    OK((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) >= 0);
    struct sockaddr_nl nl = { 0 };
    nl.nl_family = AF_NETLINK;
    OK(bind(fd, (struct sockaddr *)&nl, sizeof nl));
    socklen_t l = sizeof nl;
    OK(getsockname(fd, (struct sockaddr *)&nl, &l));
    printf("nl_family %d len %d nl_pid is getpid %d\n", nl.nl_family, l, nl.nl_pid == (unsigned)getpid());
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
    } req = { 0 };
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 42;
    req.g.rtgen_family = AF_UNSPEC;
    struct sockaddr_nl kernel = { 0 };
    kernel.nl_family = AF_NETLINK;
    OK(sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel));
    static char buf[65536];
    long peek;
    OK((peek = recv(fd, buf, 16, MSG_PEEK | MSG_TRUNC)) > 16);
    int links = 0, done = 0, seq_ok = 1, lo_seen = 0;
    for (int rounds = 0; !done && rounds < 100; rounds++) {
        struct sockaddr_nl from;
        socklen_t fl = sizeof from;
        long n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0)
            break;
        if (from.nl_pid != 0)
            seq_ok = 0;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != 42 || h->nlmsg_pid != nl.nl_pid)
                seq_ok = 0;
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            if (h->nlmsg_type == RTM_NEWLINK) {
                links++;
                struct ifinfomsg *ifi = NLMSG_DATA(h);
                int len = IFLA_PAYLOAD(h);
                for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
                    if (a->rta_type == IFLA_IFNAME && strcmp(RTA_DATA(a), "lo") == 0)
                        lo_seen = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
            }
        }
    }
    struct if_nameindex *ni = if_nameindex(), *q;
    int count = 0;
    for (q = ni; q && q->if_index; q++)
        count++;
    if (ni)
        if_freenameindex(ni);
    printf("RTM_NEWLINK messages = interfaces %d, NLMSG_DONE %d, seq/pid %d, lo is IFF_LOOPBACK %d\n",
           links == count, done, seq_ok, lo_seen);
    ERR(recv(fd, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* an unknown request gets an NLMSG_ERROR */
    req.h.nlmsg_type = RTM_NEWROUTE;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    OK(send(fd, &req, sizeof req, 0));
    long n = recv(fd, buf, sizeof buf, 0);
    struct nlmsghdr *h = (void *)buf;
    printf("answer: %d type NLMSG_ERROR %d, error is negative %d\n", n > 0, h->nlmsg_type == NLMSG_ERROR,
           ((struct nlmsgerr *)NLMSG_DATA(h))->error < 0);
    close(fd);
    ERR(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_getaddrinfo();
    section_ifaddrs();
    section_netlink();
    return finish("net_names");
}
