/* semaphore: producer/consumer on POSIX semaphores between threads (a
 * bounded buffer, 2 producers, 2 consumers, checksummed), sem_trywait
 * EAGAIN, sem_timedwait ETIMEDOUT, and a process-shared semaphore in a
 * MAP_SHARED page used by a forked child (futexes across processes).
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- common to the samples (inline so that each file builds alone) ---- */
static int failures;

static const char *errname(int e)
{
    switch (e) {
#define N(x) case x: return #x;
    N(EPERM) N(ENOENT) N(ESRCH) N(EINTR) N(EIO) N(ENXIO) N(E2BIG) N(ENOEXEC) N(EBADF)
    N(ECHILD) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(EBUSY) N(EEXIST) N(EXDEV)
    N(ENODEV) N(ENOTDIR) N(EISDIR) N(EINVAL) N(ENFILE) N(EMFILE) N(ENOTTY) N(ETXTBSY)
    N(EFBIG) N(ENOSPC) N(ESPIPE) N(EROFS) N(EMLINK) N(EPIPE) N(EDOM) N(ERANGE)
    N(EDEADLK) N(ENAMETOOLONG) N(ENOLCK) N(ENOSYS) N(ENOTEMPTY) N(ELOOP) N(ENODATA)
    N(EOVERFLOW) N(EOPNOTSUPP) N(ETIMEDOUT) N(ECANCELED) N(EBADFD) N(ENOTSOCK)
#undef N
    }
    static char buf[32];
    snprintf(buf, sizeof buf, "errno-%d", e);
    return buf;
}

/* OK(call): must not return -1; prints "call = value". */
__attribute__((unused)) static long ok_(const char *what, long r)
{
    int e = errno;
    if (r == -1) {
        printf("FAIL %s = -1 %s\n", what, errname(e));
        failures++;
    } else {
        printf("%s = %ld\n", what, r);
    }
    errno = e;
    return r;
}
/* OKQ(call): like OK but does not print the value (pointers, sizes that vary). */
__attribute__((unused)) static long okq_(const char *what, long r)
{
    int e = errno;
    if (r == -1) {
        printf("FAIL %s = -1 %s\n", what, errname(e));
        failures++;
    } else {
        printf("%s: ok\n", what);
    }
    errno = e;
    return r;
}
/* ERR(call, E): must fail with errno E; prints "call = -1 ENAME". */
__attribute__((unused)) static long err_(const char *what, long r, int want, const char *wname)
{
    int e = errno;
    if (r != -1)
        printf("FAIL %s = %ld (want -1 %s)\n", what, r, wname), failures++;
    else if (e != want)
        printf("FAIL %s = -1 %s (want %s)\n", what, errname(e), wname), failures++;
    else
        printf("%s = -1 %s\n", what, errname(e));
    errno = e;
    return r;
}
/* SHOW(call): no expectation (the result depends on the user, e.g. root). */
__attribute__((unused)) static long show_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("%s = -1 %s\n", what, errname(e));
    else
        printf("%s = %ld\n", what, r);
    errno = e;
    return r;
}
/* CHECK(cond, label): a relation that must hold. */
__attribute__((unused)) static void check_(int cond, const char *label)
{
    printf("%s %s\n", cond ? "ok  " : "FAIL", label);
    if (!cond)
        failures++;
}
#define OK(call) ok_(#call, (long)(call))
#define OKQ(call) okq_(#call, (long)(call))
#define SHOW(call) (errno = 0, show_(#call, (long)(call)))
#define ERR(call, e) (errno = 0, err_(#call, (long)(call), e, #e))
#define CHECK(cond) check_(!!(cond), #cond)
#define SECTION(name) printf("\n== %s\n", name)

static int finish(const char *sample)
{
    if (failures)
        printf("\n%s: %d check(s) FAILED\n", sample, failures);
    else
        printf("\n%s: all checks passed\n", sample);
    return failures ? 1 : 0;
}
/* ---- end of common part ---- */

#define SLOTS 8
#define PER_PRODUCER 20000

static int buf[SLOTS];
static int head, tail;
static sem_t empty, full;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long consumed_sum[2], consumed_n[2];

static void *producer(void *arg)
{
    int base = (int)(intptr_t)arg;
    for (int i = 1; i <= PER_PRODUCER; i++) {
        while (sem_wait(&empty) != 0)
            ;
        pthread_mutex_lock(&mu);
        buf[head] = base + i;
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&mu);
        sem_post(&full);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (;;) {
        while (sem_wait(&full) != 0)
            ;
        pthread_mutex_lock(&mu);
        int v = buf[tail];
        tail = (tail + 1) % SLOTS;
        pthread_mutex_unlock(&mu);
        sem_post(&empty);
        if (v < 0)
            return NULL;
        consumed_sum[id] += v;
        consumed_n[id]++;
    }
}

int main(void)
{
    pthread_t p[2], c[2];
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("bounded buffer");
    OK(sem_init(&empty, 0, SLOTS));
    OK(sem_init(&full, 0, 0));
    for (int i = 0; i < 2; i++) {
        pthread_create(&c[i], NULL, consumer, (void *)(intptr_t)i);
        pthread_create(&p[i], NULL, producer, (void *)(intptr_t)(i * 1000000));
    }
    for (int i = 0; i < 2; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < 2; i++) { /* one poison pill per consumer */
        sem_wait(&empty);
        pthread_mutex_lock(&mu);
        buf[head] = -1;
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&mu);
        sem_post(&full);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], NULL);
    printf("consumed %ld items, sum %ld\n", consumed_n[0] + consumed_n[1], consumed_sum[0] + consumed_sum[1]);
    int v = -1;
    sem_getvalue(&empty, &v);
    printf("empty slots at the end: %d\n", v);

    SECTION("trywait and timedwait");
    {
        sem_t s;
        OK(sem_init(&s, 0, 1));
        OK(sem_trywait(&s));
        ERR(sem_trywait(&s), EAGAIN);
        struct timespec ts, t0, t1;
        clock_gettime(CLOCK_REALTIME, &ts);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ts.tv_nsec += 50 * 1000000;
        if (ts.tv_nsec >= 1000000000)
            ts.tv_sec++, ts.tv_nsec -= 1000000000;
        ERR(sem_timedwait(&s, &ts), ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        printf("timed out after >= 45 ms: %d\n", ms >= 45);
        OK(sem_post(&s));
        OK(sem_timedwait(&s, &ts));
        OK(sem_destroy(&s));
    }

    SECTION("process-shared semaphore");
    {
        struct shared { sem_t ping, pong; int value; } *sh;
        sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED)
            return 2;
        OK(sem_init(&sh->ping, 1, 0));
        OK(sem_init(&sh->pong, 1, 0));
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 200; i++) {
                sem_wait(&sh->ping);
                sh->value = sh->value * 3 % 1000003 + 1;
                sem_post(&sh->pong);
            }
            _exit(0);
        }
        sh->value = 1;
        for (int i = 0; i < 200; i++) {
            sem_post(&sh->ping);
            sem_wait(&sh->pong);
            sh->value += 2;
        }
        int st;
        waitpid(pid, &st, 0);
        printf("ping-pong value %d, child exit %d\n", sh->value, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
    return finish("semaphore");
}
