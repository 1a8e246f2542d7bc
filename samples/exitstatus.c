/* exitstatus: how a process ends, chosen by the argument. stdout is left
 * fully buffered (it is a pipe), so the cases also show whether buffered
 * output is flushed (exit, return from main) or lost (_exit, signals).
 *   exit N      exit(N) after atexit handlers and a buffered printf
 *   return N    return N from main
 *   _exit N     _exit(N) from a nested function: buffered output is lost
 *   exit_group N  the raw exit_group system call
 *   abort       abort(): death by SIGABRT
 *   segv        NULL write with the default action: death by SIGSEGV
 *   fpe / ill   integer divide by zero / ud2 with the default action
 *   term        raise(SIGTERM) with the default action
 *   kill        kill(getpid(), SIGKILL)
 *   sigpipe     write to a pipe whose read end is closed: death by SIGPIPE
 *   sigpipe-ign the same with SIGPIPE ignored: EPIPE, then exit 0
 *   sigpipe-caught  the same with a handler: it runs exactly once per write
 *               (once more after unblocking a SIGPIPE left pending), exit 0
 * lxpack-cases: exit 0 | exit 3 => 3 | exit 255 => 255 | exit 256 => 0 | return 7 => 7 | _exit 42 => 42 |
 *   exit_group 9 => 9 | abort => -6 | segv => -11 | fpe => -8 | ill => -4 | term => -15 | kill => -9 |
 *   sigpipe => -13 | sigpipe-ign => 0 | sigpipe-caught => 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int *volatile null_ptr;
static volatile int vzero = 0, vone = 1;
static volatile sig_atomic_t sigpipe_hits;

static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipe_hits++;
}

static void bye1(void) { printf("atexit handler 1 (runs last)\n"); }
static void bye2(void) { printf("atexit handler 2 (runs first)\n"); }

__attribute__((noinline)) static void deep(int level, int code)
{
    if (level > 0)
        deep(level - 1, code);
    _exit(code);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "exit";
    int n = argc > 2 ? atoi(argv[2]) : 0;

    atexit(bye1);
    atexit(bye2);
    printf("case: %s %d (this line is buffered)\n", what, n);
    fprintf(stderr, "stderr is unbuffered: %s\n", what);

    if (!strcmp(what, "exit"))
        exit(n);
    if (!strcmp(what, "return"))
        return n;
    if (!strcmp(what, "_exit"))
        deep(5, n);
    if (!strcmp(what, "exit_group"))
        syscall(SYS_exit_group, n);
    if (!strcmp(what, "abort"))
        abort();
    if (!strcmp(what, "segv"))
        *null_ptr = 1;
    if (!strcmp(what, "fpe"))
        printf("%d\n", vone / vzero);
    if (!strcmp(what, "ill"))
        __asm__ volatile("ud2");
    if (!strcmp(what, "term"))
        raise(SIGTERM);
    if (!strcmp(what, "kill"))
        kill(getpid(), SIGKILL);
    if (!strcmp(what, "sigpipe-caught")) {
        int p[2];
        sigset_t set, pend;
        signal(SIGPIPE, on_sigpipe);
        if (pipe(p) != 0)
            return 100;
        close(p[0]);
        ssize_t r = write(p[1], "x", 1);
        printf("write: %zd %s, handler ran %d time(s)\n", r, r < 0 && errno == EPIPE ? "EPIPE" : "?", sigpipe_hits);
        usleep(50000);      /* a second, late delivery would show here */
        printf("after 50 ms: %d\n", sigpipe_hits);
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &set, NULL);
        r = write(p[1], "x", 1);
        sigpending(&pend);
        printf("blocked: write %zd %s, pending %d, handler ran %d time(s)\n", r,
               r < 0 && errno == EPIPE ? "EPIPE" : "?", sigismember(&pend, SIGPIPE), sigpipe_hits);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        usleep(50000);
        printf("unblocked: handler ran %d time(s)\n", sigpipe_hits);
        return sigpipe_hits == 2 ? 0 : 1;
    }
    if (!strcmp(what, "sigpipe") || !strcmp(what, "sigpipe-ign")) {
        int p[2];
        if (!strcmp(what, "sigpipe-ign"))
            signal(SIGPIPE, SIG_IGN);
        if (pipe(p) != 0)
            return 100;
        close(p[0]);
        ssize_t r = write(p[1], "x", 1);
        printf("write to a pipe without readers: %zd %s\n", r, r < 0 && errno == EPIPE ? "EPIPE" : "?");
        return 0;
    }
    fprintf(stderr, "exitstatus: still alive after '%s'\n", what);
    return 101;
}
