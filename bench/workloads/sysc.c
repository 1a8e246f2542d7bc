/* System-call loops: argv[2] picks getppid (always forwarded to the host),
 * getpid (served inside the VM on hardware backends) or clock_gettime
 * (through the vDSO).  One op = one call. */
#include "bench.h"
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 200000);
    const char *what = argc > 2 ? argv[2] : "getppid";
    long acc = 0, ok = 0;
    pid_t ppid = getppid(), pid = getpid();
    double t0 = bench_now_ns();
    if (!strcmp(what, "getppid")) {
        for (long i = 0; i < n; i++) acc += getppid() == ppid;
        ok = acc == n;
    } else if (!strcmp(what, "getpid")) {
        /* glibc no longer caches getpid(): each call is a real syscall. */
        for (long i = 0; i < n; i++) acc += getpid() == pid;
        ok = acc == n;
    } else if (!strcmp(what, "clock_gettime")) {
        struct timespec prev = {0, 0}, t;
        long mono = 0;
        for (long i = 0; i < n; i++) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            mono += (t.tv_sec > prev.tv_sec || (t.tv_sec == prev.tv_sec && t.tv_nsec >= prev.tv_nsec));
            prev = t;
        }
        ok = mono == n;
    } else {
        fprintf(stderr, "unknown mode %s\n", what);
        return 2;
    }
    bench_report(n, t0);
    printf("%s n=%ld %s\n", what, n, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}
