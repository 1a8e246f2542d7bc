/* CPU-bound integer loop: xorshift, multiply and a data-dependent branch. */
#include "bench.h"

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 100000000);
    uint64_t x = 88172645463325252ULL + (uint64_t)argc, acc = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t y = x * 0x9E3779B97F4A7C15ULL;
        if (y & 1) acc += y >> 3; else acc ^= y + (uint64_t)i;
    }
    bench_report(n, t0);
    printf("cpu_int n=%ld acc=%016llx\n", n, (unsigned long long)acc);
    return 0;
}
