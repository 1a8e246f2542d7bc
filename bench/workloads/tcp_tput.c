/* Loopback TCP throughput: a forked child receives N blocks of 64 KiB over
 * 127.0.0.1 and answers with a checksum; the parent sends them. One op =
 * one 64 KiB block (the report turns it into MB/s). */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK 65536

static int full(int fd, char *buf, long len, int wr)
{
    long done = 0;
    while (done < len) {
        ssize_t r = wr ? write(fd, buf + done, (size_t)(len - done)) : read(fd, buf + done, (size_t)(len - done));
        if (r <= 0) return -1;
        done += r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 4096);
    alarm(600);                                   /* a bound for a stuck run */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&sa, &sl)) { perror("listen"); return 1; }
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) _exit(1);
        static char buf[BLOCK];
        uint64_t sum = 0, total = 0;
        ssize_t r;
        while (total < (uint64_t)n * BLOCK && (r = read(c, buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < r; i += 64) sum = sum * 31 + (unsigned char)buf[i];
            total += (uint64_t)r;
        }
        if (full(c, (char *)&sum, sizeof sum, 1)) _exit(2);
        _exit(total == (uint64_t)n * BLOCK ? 0 : 3);
    }
    close(ls);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa)) { perror("connect"); return 1; }
    static char block[BLOCK];
    for (int i = 0; i < BLOCK; i++) block[i] = (char)(i * 13 + 7);
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        block[0] = (char)i;
        if (full(s, block, BLOCK, 1)) { perror("send"); return 1; }
    }
    uint64_t sum = 0;
    if (full(s, (char *)&sum, sizeof sum, 0)) { perror("checksum"); return 1; }
    bench_report(n, t0);
    close(s);
    int st;
    waitpid(pid, &st, 0);
    printf("tcp_tput n=%ld sum=%llu child=%d\n", n, (unsigned long long)sum, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
