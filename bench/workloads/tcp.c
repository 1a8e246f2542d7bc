/* Loopback TCP request/response: a forked child echoes 64-byte messages
 * over 127.0.0.1 (TCP_NODELAY); the parent does N round trips.
 * One op = one round trip. */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int full(int fd, char *buf, int len, int wr)
{
    int done = 0;
    while (done < len) {
        ssize_t r = wr ? write(fd, buf + done, (size_t)(len - done)) : read(fd, buf + done, (size_t)(len - done));
        if (r <= 0) return -1;
        done += (int)r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 10000);
    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&sa, &sl)) { perror("listen"); return 1; }
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) _exit(1);
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char buf[64];
        for (long i = 0; i < n; i++) {
            if (full(c, buf, 64, 0) || full(c, buf, 64, 1)) _exit(2);
        }
        _exit(0);
    }
    close(ls);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[64];
    uint64_t sum = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        for (int j = 0; j < 64; j++) buf[j] = (char)(i * 7 + j);
        if (full(s, buf, 64, 1) || full(s, buf, 64, 0)) { perror("round trip"); return 1; }
        sum += (unsigned char)buf[i & 63];
    }
    bench_report(n, t0);
    close(s);
    int st;
    waitpid(pid, &st, 0);
    printf("tcp n=%ld sum=%llu child=%d\n", n, (unsigned long long)sum, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
