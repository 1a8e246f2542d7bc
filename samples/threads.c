/* threads: 8 pthreads with a mutex (a shared counter), a barrier, a condition
 * variable (a token passed round-robin in a fixed order), atomics, join
 * return values, gettid distinct from getpid in threads, pthread_detach,
 * and a thread with a small custom stack.
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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

#define N 8
#define ROUNDS 25
#define INCS 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static long counter;
static long atomic_counter;
static int token;                  /* whose turn it is */
static char trail[N * ROUNDS + 1]; /* the order in which turns were taken */
static int ntrail;
static pid_t tids[N];
static int serial_count;

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    tids[id] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < INCS; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
    }
    int r = pthread_barrier_wait(&bar);
    if (r == PTHREAD_BARRIER_SERIAL_THREAD)
        __atomic_fetch_add(&serial_count, 1, __ATOMIC_SEQ_CST);
    else if (r != 0)
        return (void *)(intptr_t)-1;
    for (int round = 0; round < ROUNDS; round++) {
        pthread_mutex_lock(&mu);
        while (token != id)
            pthread_cond_wait(&cv, &mu);
        trail[ntrail++] = (char)('A' + id);
        token = (token + 1) % N;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    return (void *)(intptr_t)(id * 100);
}

static volatile int detached_done;
static void *detached(void *arg)
{
    (void)arg;
    detached_done = 1;
    return NULL;
}

static void *small_stack(void *arg)
{
    volatile char buf[4096];
    memset((char *)buf, 1, sizeof buf);
    *(int *)arg = buf[100] + 41;
    return NULL;
}

int main(void)
{
    pthread_t th[N];
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("main: gettid == getpid: %d\n", syscall(SYS_gettid) == getpid());
    OK(pthread_barrier_init(&bar, NULL, N));
    for (int i = 0; i < N; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0)
            printf("FAIL pthread_create %d\n", i), failures++;
    int joined_ok = 1;
    for (int i = 0; i < N; i++) {
        void *ret;
        if (pthread_join(th[i], &ret) != 0 || (intptr_t)ret != i * 100)
            joined_ok = 0;
    }
    CHECK(joined_ok);
    printf("mutex counter: %ld (want %d)\n", counter, N * INCS);
    printf("atomic counter: %ld\n", atomic_counter);
    printf("barrier serial threads: %d\n", serial_count);
    trail[ntrail] = 0;
    printf("condition variable turns: %s\n", ntrail <= 48 ? trail : "(long)");
    {
        int ordered = ntrail == N * ROUNDS;
        for (int i = 0; i < ntrail; i++)
            ordered &= trail[i] == 'A' + i % N;
        printf("%d turns taken in round-robin order: %d\n", ntrail, ordered);
    }
    {
        int distinct = 1;
        for (int i = 0; i < N; i++) {
            distinct &= tids[i] != getpid() && tids[i] > 0;
            for (int j = 0; j < i; j++)
                distinct &= tids[i] != tids[j];
        }
        printf("thread ids distinct from each other and from the pid: %d\n", distinct);
    }
    OK(pthread_barrier_destroy(&bar));

    SECTION("detach, custom stack, errors");
    {
        pthread_t t;
        OK(pthread_create(&t, NULL, detached, NULL));
        OK(pthread_detach(t));
        for (int i = 0; i < 2000 && !detached_done; i++)
            usleep(1000);
        printf("detached thread ran: %d\n", detached_done);
        pthread_attr_t at;
        pthread_attr_init(&at);
        static char stack[64 * 1024] __attribute__((aligned(16)));
        pthread_attr_setstack(&at, stack, sizeof stack);
        int out = 0;
        OK(pthread_create(&t, &at, small_stack, &out));
        OK(pthread_join(t, NULL));
        printf("thread on a custom stack computed %d\n", out);
        pthread_attr_destroy(&at);
        pthread_mutex_t em;
        pthread_mutexattr_t ma;
        pthread_mutexattr_init(&ma);
        pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
        pthread_mutex_init(&em, &ma);
        pthread_mutex_lock(&em);
        printf("errorcheck relock: %s\n", errname(pthread_mutex_lock(&em)));
        printf("trylock held: %s\n", errname(pthread_mutex_trylock(&em)));
        pthread_mutex_unlock(&em);
        printf("unlock unowned: %s\n", errname(pthread_mutex_unlock(&em)));
    }
    return finish("threads");
}
