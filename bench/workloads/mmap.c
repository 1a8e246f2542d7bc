/* mmap/munmap: N times map 64 KiB of anonymous memory, touch two pages,
 * unmap.  One op = one mmap + munmap pair. */
#include "bench.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 20000);
    uint64_t sum = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        unsigned char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        p[0] = (unsigned char)i;
        p[40000] = (unsigned char)(i >> 3);
        sum += p[0] + p[40000] + p[4096];
        if (munmap(p, 65536) != 0) { perror("munmap"); return 1; }
    }
    bench_report(n, t0);
    printf("mmap n=%ld sum=%llu\n", n, (unsigned long long)sum);
    return 0;
}
