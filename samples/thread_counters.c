/* thread_counters: shared counters that threads preempted at any point
 * must keep exact: 4 pthreads x 100,000 increments of a plain counter
 * under a mutex (a read-modify-write `add` to memory inside the lock),
 * of a lock-free atomic counter (`lock add`), of a compare-and-swap loop
 * (`lock cmpxchg`) and of a counter behind a spinlock taken with `xchg`;
 * every total must be exactly 400,000.
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define NT 4
#define PER 100000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long plain;                 /* under mu */
static long atomic_add;            /* __atomic_fetch_add: lock add */
static long cas;                   /* compare-and-swap loop: lock cmpxchg */
static int spin;                   /* spinlock taken with xchg */
static long spun;                  /* under spin */
static pthread_barrier_t start;

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (long i = 0; i < PER; i++) {
        pthread_mutex_lock(&mu);
        plain++;
        pthread_mutex_unlock(&mu);
        __atomic_fetch_add(&atomic_add, 1, __ATOMIC_SEQ_CST);
        long old = __atomic_load_n(&cas, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas, &old, old + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE))
            while (__atomic_load_n(&spin, __ATOMIC_RELAXED))
                sched_yield();
        spun++;
        __atomic_store_n(&spin, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

int main(void)
{
    pthread_t th[NT];
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("== %d threads x %d increments\n", NT, PER);
    OK(pthread_barrier_init(&start, NULL, NT));
    for (int i = 0; i < NT; i++)
        OK(pthread_create(&th[i], NULL, worker, NULL));
    for (int i = 0; i < NT; i++)
        OK(pthread_join(th[i], NULL));
    printf("mutex counter: %ld\n", plain);
    printf("atomic add counter: %ld\n", atomic_add);
    printf("cmpxchg counter: %ld\n", cas);
    printf("xchg spinlock counter: %ld\n", spun);
    CHECK(plain == (long)NT * PER);
    CHECK(atomic_add == (long)NT * PER);
    CHECK(cas == (long)NT * PER);
    CHECK(spun == (long)NT * PER);
    return failures != 0;
}
