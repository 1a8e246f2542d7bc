/* Shared helpers for the lxpack benchmark workloads.
 *
 * Every workload takes its iteration count N as argv[1], prints a
 * deterministic result on stdout (compared with a native run of the same N),
 * and reports the time of its measured loop on stderr as one line
 *     BENCH ops=<operations> ns=<nanoseconds>
 * which the harness strips before comparing stderr.  The loop time excludes
 * process start-up, so per-operation times stay comparable when a slow
 * backend runs fewer iterations. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

static inline double bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline long bench_arg(int argc, char **argv, long dflt)
{
    return argc > 1 ? atol(argv[1]) : dflt;
}

static inline void bench_report(long ops, double t0)
{
    double ns = bench_now_ns() - t0;
    fprintf(stderr, "BENCH ops=%ld ns=%.0f\n", ops, ns);
}
