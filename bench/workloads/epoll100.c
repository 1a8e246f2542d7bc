/* 100-client epoll echo server over loopback TCP.
 *
 * A forked child is the server: one edge-triggered epoll (EPOLLIN|EPOLLOUT|
 * EPOLLET) over a non-blocking listening socket and the connections it
 * accepts; on each edge it accepts/reads until EAGAIN and echoes what it
 * read (bytes a full socket refuses wait for the next EPOLLOUT edge).
 * The parent is the clients: 100 non-blocking connections driven by one
 * (level-triggered) epoll; each connection sends a 32-byte request, waits
 * for its echo, checks it, and sends the next, N exchanges in all (N/100
 * per connection, the remainder spread over the first ones), after one
 * untimed warm-up exchange per connection (so accepts are not timed).
 * One op = one request/response exchange.  Both processes alarm() and
 * every wait has a timeout, so a lost wake-up fails instead of hanging. */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENTS 100
#define MSG 32
#define LIMIT_S 110          /* safety net: the harness gives a run 120 s at most */
#define WAIT_MS 10000        /* no event for this long: a lost wake-up, fail */

static void nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* ---- server (child) ------------------------------------------------------------------ */

struct conn { int fd; int out; char buf[4096]; };   /* out: bytes read, not yet echoed */

static int flush_out(struct conn *c)
{
    int done = 0;
    while (done < c->out) {
        ssize_t w = write(c->fd, c->buf + done, (size_t)(c->out - done));
        if (w < 0) {
            if (errno == EAGAIN) break;
            return -1;
        }
        done += (int)w;
    }
    memmove(c->buf, c->buf + done, (size_t)(c->out - done));
    c->out -= done;
    return 0;
}

static int server(int ls)
{
    static struct conn conns[CLIENTS + 1];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = CLIENTS};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev)) return 10;
    int accepted = 0, closed = 0;
    unsigned long long echoed = 0;
    while (closed < CLIENTS) {
        struct epoll_event evs[64];
        int k = epoll_wait(ep, evs, 64, WAIT_MS);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k < 0 ? 11 : 12;
        for (int e = 0; e < k; e++) {
            unsigned id = evs[e].data.u32;
            if (id == CLIENTS) {                      /* accept until EAGAIN */
                for (;;) {
                    int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) {
                        if (errno == EAGAIN) break;
                        return 13;
                    }
                    if (accepted >= CLIENTS) return 14;
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns[accepted].fd = fd;
                    conns[accepted].out = 0;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                              .data.u32 = (unsigned)accepted};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev)) return 15;
                    accepted++;
                }
                continue;
            }
            struct conn *c = &conns[id];
            if (c->fd < 0) continue;
            if (flush_out(c)) return 16;              /* any edge: echo what waits, then read */
            int eof = 0;
            for (;;) {                                /* read until EAGAIN (edge-triggered) */
                if (c->out == (int)sizeof c->buf) break;   /* echo backlog full: wait for EPOLLOUT */
                ssize_t r = read(c->fd, c->buf + c->out, sizeof c->buf - (size_t)c->out);
                if (r < 0) {
                    if (errno == EAGAIN) break;
                    return 17;
                }
                if (r == 0) { eof = 1; break; }
                c->out += (int)r;
                echoed += (unsigned long long)r;
                if (flush_out(c)) return 16;
            }
            if (eof) {
                if (c->out) return 18;                /* the client hung up before its echo */
                close(c->fd);                         /* also leaves the epoll */
                c->fd = -1;
                closed++;
            }
        }
    }
    close(ls);
    printf("server: accepted=%d closed=%d echoed=%llu\n", accepted, closed, echoed);
    fflush(stdout);
    return 0;
}

/* ---- clients (parent) ------------------------------------------------------------------ */

struct client { int fd; long left; int sent, got; char req[MSG], resp[MSG]; };

static void make_req(struct client *c, int i)
{
    for (int j = 0; j < MSG; j++) c->req[j] = (char)(i * 31 + c->left * 7 + j);
}

static int send_req(struct client *c)
{
    while (c->sent < MSG) {
        ssize_t w = write(c->fd, c->req + c->sent, (size_t)(MSG - c->sent));
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->sent += (int)w;
    }
    return 0;
}

/* Each client does `per[i]` exchanges; returns how many were done, -1 on error. */
static long run_clients(int ep, struct client *cl, const long *per, uint64_t *sum)
{
    long done = 0;
    int active = 0;
    for (int i = 0; i < CLIENTS; i++) {
        cl[i].left = per[i];
        cl[i].sent = cl[i].got = 0;
        if (!per[i]) continue;
        active++;
        make_req(&cl[i], i);
        if (send_req(&cl[i])) return -1;
    }
    while (active) {
        struct epoll_event evs[CLIENTS];
        int k = epoll_wait(ep, evs, CLIENTS, WAIT_MS);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { fprintf(stderr, "clients: epoll_wait %s\n", k ? strerror(errno) : "timed out"); return -1; }
        for (int e = 0; e < k; e++) {
            int i = (int)evs[e].data.u32;
            struct client *c = &cl[i];
            if (c->left == 0) continue;
            if (c->sent < MSG && send_req(c)) return -1;
            for (;;) {
                ssize_t r = read(c->fd, c->resp + c->got, (size_t)(MSG - c->got));
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0) { fprintf(stderr, "clients: read %s\n", r ? strerror(errno) : "EOF"); return -1; }
                c->got += (int)r;
                if (c->got < MSG) continue;
                if (c->sent != MSG || memcmp(c->req, c->resp, MSG)) {
                    fprintf(stderr, "clients: wrong echo on connection %d\n", i);
                    return -1;
                }
                uint64_t h = 0;                       /* summed: independent of the order of events */
                for (int j = 0; j < MSG; j++) h = h * 131 + (unsigned char)c->resp[j];
                *sum += h;
                done++;
                c->got = c->sent = 0;
                if (--c->left == 0) { active--; break; }
                make_req(c, i);
                if (send_req(c)) return -1;
            }
        }
    }
    return done;
}

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 100000);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, CLIENTS) ||
        getsockname(ls, (struct sockaddr *)&sa, &sl)) { perror("listen"); return 1; }
    nonblock(ls);
    alarm(LIMIT_S);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        alarm(LIMIT_S);
        _exit(server(ls));
    }
    close(ls);
    static struct client cl[CLIENTS];
    int ep = epoll_create1(EPOLL_CLOEXEC), one = 1;
    if (ep < 0) { perror("epoll_create1"); return 1; }
    for (int i = 0; i < CLIENTS; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        nonblock(s);
        cl[i].fd = s;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev)) { perror("epoll_ctl"); return 1; }
    }
    long warm[CLIENTS], per[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        warm[i] = 1;
        per[i] = n / CLIENTS + (i < n % CLIENTS);
    }
    uint64_t sum = 0;
    if (run_clients(ep, cl, warm, &sum) != CLIENTS) { kill(pid, SIGKILL); return 1; }
    double t0 = bench_now_ns();
    long done = run_clients(ep, cl, per, &sum);
    if (done < 0) { kill(pid, SIGKILL); return 1; }
    bench_report(done, t0);
    for (int i = 0; i < CLIENTS; i++) close(cl[i].fd);
    int st;
    if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); return 1; }
    printf("clients: connections=%d exchanges=%ld sum=%016llx server=%d\n", CLIENTS, done,
           (unsigned long long)sum, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return done == n && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
