/* Small file I/O: N writes of 64 bytes to a file, then N reads of 64 bytes
 * back from the start.  One op = one write or one read (2N ops). */
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 100000);
    char buf[64];
    int fd = open("bench-fileio.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    uint64_t sum = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        for (int j = 0; j < 64; j++) buf[j] = (char)(i + j);
        if (write(fd, buf, 64) != 64) { perror("write"); return 1; }
    }
    if (lseek(fd, 0, SEEK_SET) != 0) { perror("lseek"); return 1; }
    for (long i = 0; i < n; i++) {
        if (read(fd, buf, 64) != 64) { perror("read"); return 1; }
        sum += (unsigned char)buf[i & 63];
    }
    bench_report(2 * n, t0);
    close(fd);
    unlink("bench-fileio.dat");
    printf("fileio n=%ld sum=%llu\n", n, (unsigned long long)sum);
    return 0;
}
