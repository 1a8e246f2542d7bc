/* exit_with_threads: a process ends while other threads still run: blocked in
 * read, in pthread_cond_wait, in nanosleep, and spinning without system calls.
 *   exit        main calls exit(3)
 *   return      main returns 5
 *   thread-exit a thread calls exit(7) while main waits in pthread_join
 *   exit_group  a thread makes the raw exit_group(9) call
 *   pthread-exit  main calls pthread_exit; the last thread returns: status 0
 *   crash       a thread writes to NULL: the whole process dies of SIGSEGV
 *   abort       a thread calls abort(): SIGABRT
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 * lxpack-cases: exit => 3 | return => 5 | thread-exit => 7 | exit_group => 9 | pthread-exit => 0 |
 *   crash => -11 | abort => -6
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile unsigned long spins;
static volatile int started;
static volatile int *volatile null_ptr;
static const char *what;

static void *in_read(void *a)
{
    char c;
    (void)a;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    ssize_t r = read(pipefd[0], &c, 1);
    (void)r;
    return NULL;
}

static void *in_wait(void *a)
{
    (void)a;
    pthread_mutex_lock(&mu);
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    for (;;)
        pthread_cond_wait(&cv, &mu);
    return NULL;
}

static void *in_sleep(void *a)
{
    (void)a;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    sleep(100);
    return NULL;
}

static void *spin(void *a)
{
    (void)a;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    for (;;)
        spins++;
    return NULL;
}

static void *actor(void *a)
{
    (void)a;
    while (started < 4)
        usleep(1000);
    usleep(30000);
    printf("actor: %s\n", what);
    if (!strcmp(what, "thread-exit"))
        exit(7);
    if (!strcmp(what, "exit_group")) {
        fflush(stdout);
        syscall(SYS_exit_group, 9);
    }
    if (!strcmp(what, "crash"))
        *null_ptr = 1;
    if (!strcmp(what, "abort"))
        abort();
    if (!strcmp(what, "pthread-exit")) {
        printf("actor: the last thread returns\n");
        fflush(stdout);
        return NULL;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t[5];
    what = argc > 1 ? argv[1] : "exit";
    printf("main: %s\n", what);
    if (pipe(pipefd) != 0)
        return 100;
    if (!strcmp(what, "pthread-exit")) {
        /* only threads that end by themselves, so the process can end */
        started = 4;
        pthread_create(&t[4], NULL, actor, NULL);
        fflush(stdout);
        pthread_exit(NULL);
    }
    pthread_create(&t[0], NULL, in_read, NULL);
    pthread_create(&t[1], NULL, in_wait, NULL);
    pthread_create(&t[2], NULL, in_sleep, NULL);
    pthread_create(&t[3], NULL, spin, NULL);
    while (started < 4)
        usleep(1000);
    if (!strcmp(what, "exit") || !strcmp(what, "return")) {
        usleep(30000);
        printf("main: ending with 4 threads running (spins > 0: %d)\n", spins > 0);
        if (!strcmp(what, "exit"))
            exit(3);
        return 5;
    }
    pthread_create(&t[4], NULL, actor, NULL);
    pthread_join(t[0], NULL); /* never returns */
    printf("main: join returned?\n");
    return 100;
}
