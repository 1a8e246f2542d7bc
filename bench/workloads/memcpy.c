/* memcpy-heavy loop: copies between two 4 MiB buffers at varying offsets
 * and sizes (64 KiB blocks); one op = one 64 KiB memcpy. */
#include "bench.h"
#include <string.h>

#define BUF (4u << 20)
#define BLK (64u << 10)

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 100000);
    unsigned char *a = malloc(BUF + 64), *b = malloc(BUF + 64);
    if (!a || !b) return 1;
    for (unsigned i = 0; i < BUF + 64; i++) a[i] = (unsigned char)(i * 131u + 7u);
    memset(b, 0, BUF + 64);
    uint64_t sum = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        unsigned off = (unsigned)((i * 40503u) % (BUF - BLK));
        unsigned doff = (unsigned)((i * 7919u) % (BUF - BLK));
        if (i & 1) memcpy(b + doff, a + off + (i & 15), BLK);
        else memcpy(a + doff + 32, b + off, BLK - (i & 63));
        sum += b[doff + (i & 1023)];
    }
    bench_report(n, t0);
    uint64_t h = 1469598103934665603ULL;
    for (unsigned i = 0; i < BUF; i += 97) { h ^= a[i] ^ ((uint64_t)b[i] << 8); h *= 1099511628211ULL; }
    printf("memcpy n=%ld sum=%llu hash=%016llx\n", n, (unsigned long long)sum, (unsigned long long)h);
    return 0;
}
