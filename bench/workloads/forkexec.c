/* Process creation: N times fork, exec /bin/true in the child, wait for it.
 * One op = one fork + exec + wait. */
#include "bench.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 200);
    const char *prog = argc > 2 ? argv[2] : "/bin/true";
    long good = 0;
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            execl(prog, prog, (char *)NULL);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); return 1; }
        good += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    bench_report(n, t0);
    printf("forkexec n=%ld ok=%ld\n", n, good);
    return good == n ? 0 : 1;
}
