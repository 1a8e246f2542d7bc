/* Floating-point loop: multiply-add, division and sqrt in double precision. */
#include "bench.h"
#include <math.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 50000000);
    double x = 1.0, y = 0.5, s = 0.0;
    double t0 = bench_now_ns();
    for (long i = 1; i <= n; i++) {
        x = x * 0.9999999 + 1.0 / (double)i;
        y = sqrt(y * y + x) * 0.5;
        s += x * y - y / (x + 1.0);
    }
    bench_report(n, t0);
    printf("cpu_float n=%ld s=%.9e x=%.9e y=%.9e\n", n, s, x, y);
    return 0;
}
