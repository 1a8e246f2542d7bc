/* cancel: pthread_cancel of threads blocked in read() on a pipe, in
 * pthread_cond_wait (the cleanup handler unlocks the mutex), in nanosleep,
 * polling pthread_testcancel, with cancellation disabled for a while, and
 * asynchronously while spinning without system calls. Joins give
 * PTHREAD_CANCELED and cleanup handlers run.
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

static int pipefd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int cleanups, started, work_done;
static volatile unsigned long spins;

static void cleanup(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&cleanups, 1, __ATOMIC_SEQ_CST);
}

static void unlock(void *arg)
{
    pthread_mutex_unlock(arg);
    __atomic_fetch_add(&cleanups, 1, __ATOMIC_SEQ_CST);
}

static void *in_read(void *arg)
{
    char c;
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    started = 1;
    ssize_t r = read(pipefd[0], &c, 1);
    (void)r;
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void *in_cond_wait(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    pthread_cleanup_push(unlock, &mu);
    started = 1;
    for (;;)
        pthread_cond_wait(&cv, &mu);
    pthread_cleanup_pop(1);
    return (void *)1;
}

static void *in_sleep(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    started = 1;
    sleep(30);
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void *polling(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    started = 1;
    for (;;) {
        spins++;
        pthread_testcancel();
    }
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void *disabled(void *arg)
{
    int old;
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    started = 1;
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL); /* not a cancellation point while disabled */
    work_done = 1;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel();
    return (void *)1;
}

static void *async_spin(void *arg)
{
    int old;
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
    started = 1;
    for (;;)
        spins++;
    return (void *)1;
}

static void run(const char *label, void *(*fn)(void *))
{
    pthread_t t;
    void *ret = NULL;
    struct timespec t0, t1;
    started = 0;
    cleanups = 0;
    if (pthread_create(&t, NULL, fn, NULL) != 0) {
        printf("FAIL pthread_create for %s\n", label);
        failures++;
        return;
    }
    while (!started)
        sched_yield();
    usleep(20000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = pthread_cancel(t);
    pthread_join(t, &ret);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%s: cancel=%d canceled=%d cleanups=%d within 5s=%d\n", label, rc, ret == PTHREAD_CANCELED, cleanups,
           s < 5);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    OK(pipe(pipefd));
    run("blocked in read", in_read);
    run("blocked in pthread_cond_wait", in_cond_wait);
    printf("mutex free again after the cleanup: %d\n", pthread_mutex_trylock(&mu) == 0);
    pthread_mutex_unlock(&mu);
    run("in sleep", in_sleep);
    run("polling pthread_testcancel", polling);
    run("cancellation disabled for 100 ms", disabled);
    printf("the disabled section finished first: %d\n", work_done);
    run("asynchronous, spinning", async_spin);
    return finish("cancel");
}
