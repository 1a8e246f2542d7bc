/* hostsig: signals sent by a host program to a running guest (the suite's
 * test_hostsig.py drives it through stdin/stdout and kill(2)).
 *   handle   handlers for SIGHUP, SIGINT, SIGUSR1, SIGTERM, blocked except
 *            while it waits in sigsuspend() (so none can slip in between);
 *            prints each signal; ends after SIGTERM
 *   spin     a SIGINT handler while main spins without system calls
 *   default  no handlers, blocked in read(): the host's SIGHUP kills it
 *   ignore   SIGINT and SIGTERM ignored, SIGHUP then ends it
 * lxpack-e2e: no
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t last, count;

static void on_sig(int sig)
{
    last = sig;
    count++;
}

static const char *name(int s)
{
    switch (s) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    default: return "other";
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "handle";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(mode, "handle")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sig;
        sigset_t block, empty;
        sigemptyset(&block);
        sigemptyset(&empty);
        int sigs[] = {SIGHUP, SIGINT, SIGUSR1, SIGTERM};
        for (int i = 0; i < 4; i++) {
            sigaction(sigs[i], &sa, NULL);
            sigaddset(&block, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &block, NULL);
        printf("ready\n");
        while (last != SIGTERM) {
            int r = sigsuspend(&empty);
            printf("sigsuspend returned %d %s after %s\n", r, errno == EINTR ? "EINTR" : "?", name(last));
        }
        printf("handled %d signals\n", (int)count);
        return 0;
    }
    if (!strcmp(mode, "spin")) {
        signal(SIGINT, on_sig);
        printf("spinning\n");
        volatile unsigned long n = 0;
        while (!count)
            n++;
        printf("interrupted while spinning: %s\n", name(last));
        return 3;
    }
    if (!strcmp(mode, "default")) {
        printf("blocked\n");
        char c;
        ssize_t r = read(0, &c, 1);
        printf("read returned %zd?\n", r);
        return 1;
    }
    if (!strcmp(mode, "ignore")) {
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        printf("ignoring\n");
        for (;;) {
            char c;
            ssize_t r = read(0, &c, 1);
            if (r == 1)
                printf("got '%c', still alive\n", c);
            else if (r == 0)
                break;
        }
        return 0;
    }
    return 2;
}
