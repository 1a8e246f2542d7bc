/* A 100-client epoll server: the parent serves 100 loopback TCP
 * connections with an edge-triggered epoll echo loop; a forked child opens
 * the 100 connections and, round after round, sends a 32-byte request on
 * each and polls until every answer is back. One op = one request/response
 * exchange (N is rounded down to whole rounds of 100). */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENTS 100
#define MSG 32

static void clients(struct sockaddr_in *sa, long rounds)
{
    int fd[CLIENTS], one = 1;
    struct pollfd p[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)sa, sizeof *sa)) _exit(1);
        setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char msg[MSG], buf[MSG];
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        int got[CLIENTS] = {0}, left = CLIENTS;
        for (int i = 0; i < CLIENTS; i++) {
            memset(msg, (int)((r + i) & 0xff), MSG);
            if (write(fd[i], msg, MSG) != MSG) _exit(2);
            p[i].fd = fd[i];
            p[i].events = POLLIN;
        }
        while (left > 0) {
            if (poll(p, CLIENTS, 10000) <= 0) _exit(3);
            for (int i = 0; i < CLIENTS; i++) {
                if (!(p[i].revents & POLLIN)) continue;
                ssize_t k = read(fd[i], buf, (size_t)(MSG - got[i]));
                if (k <= 0) _exit(4);
                sum += (unsigned char)buf[0] * (uint64_t)(i + 1);
                got[i] += (int)k;
                if (got[i] == MSG) { left--; p[i].fd = -fd[i] - 1; }   /* done this round */
            }
        }
    }
    for (int i = 0; i < CLIENTS; i++) close(fd[i]);
    /* the checksum of every answer's first byte, for the parent to print */
    printf("epoll100 clients sum=%llu\n", (unsigned long long)sum);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 100000);
    long rounds = n / CLIENTS > 0 ? n / CLIENTS : 1;
    alarm(600);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 128) ||
        getsockname(ls, (struct sockaddr *)&sa, &sl)) { perror("listen"); return 1; }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    double t0 = bench_now_ns();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        close(ep);
        close(ls);
        clients(&sa, rounds);
    }
    int open_conns = 0, accepted = 0;
    long served = 0;
    struct epoll_event evs[64];
    char buf[4096];
    while (accepted < CLIENTS || open_conns > 0) {
        int k = epoll_wait(ep, evs, 64, 10000);
        if (k <= 0) { fprintf(stderr, "epoll_wait: %d\n", k); return 1; }
        for (int e = 0; e < k; e++) {
            int fd = evs[e].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event ce = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    accepted++;
                    open_conns++;
                }
                continue;
            }
            for (;;) {                               /* edge-triggered: drain */
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    served += r;
                    if (write(fd, buf, (size_t)r) != r) { perror("echo"); return 1; }
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    open_conns--;
                }
                break;
            }
        }
    }
    int st;
    waitpid(pid, &st, 0);
    bench_report(rounds * CLIENTS, t0);
    printf("epoll100 rounds=%ld exchanges=%ld bytes=%ld child=%d\n", rounds, rounds * CLIENTS, served,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
