/* tls: thread-local storage: initialised (.tdata) and zeroed (.tbss)
 * __thread variables, a 64 KiB thread-local array, per-thread errno,
 * distinct addresses and %fs bases per thread, pthread_key destructors,
 * pthread_once.
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

#define N 4
static __thread int tdata = 42;
static __thread long tbss;
static __thread char big[65536];
static __thread const char *tname = "main";
static pthread_barrier_t bar;
static pthread_key_t key;
static int destructor_calls;
static int once_calls;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *addrs[N + 1];
static unsigned long fsbase[N + 1];

static void destructor(void *v)
{
    __atomic_fetch_add(&destructor_calls, (int)(intptr_t)v, __ATOMIC_SEQ_CST);
}

static void init_once(void)
{
    once_calls++;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    int ok = tdata == 42 && tbss == 0 && strcmp(tname, "main") == 0;
    for (size_t i = 0; i < sizeof big; i += 512)
        ok &= big[i] == 0;
    tdata = id;
    tbss = id * 1000L;
    tname = "worker";
    memset(big, id, sizeof big);
    addrs[id] = &tdata;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fsbase[id]));
    errno = EIO + id;
    pthread_setspecific(key, (void *)(intptr_t)1);
    pthread_once(&once, init_once);
    pthread_barrier_wait(&bar); /* everyone has written their copies */
    ok &= tdata == id && tbss == id * 1000L && strcmp(tname, "worker") == 0;
    for (size_t i = 0; i < sizeof big; i += 512)
        ok &= big[i] == (char)id;
    ok &= errno == EIO + id;
    ok &= pthread_getspecific(key) == (void *)(intptr_t)1;
    return (void *)(intptr_t)ok;
}

int main(void)
{
    pthread_t th[N];
    setvbuf(stdout, NULL, _IOLBF, 0);
    tdata = 1000;
    big[0] = 'm';
    addrs[0] = &tdata;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fsbase[0]));
    OK(pthread_key_create(&key, destructor));
    OK(pthread_barrier_init(&bar, NULL, N - 1));
    errno = 0;
    for (int i = 1; i < N; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    int all_ok = 1;
    for (int i = 1; i < N; i++) {
        void *r;
        pthread_join(th[i], &r);
        printf("thread %d saw fresh copies and kept its own: %d\n", i, (int)(intptr_t)r);
        all_ok &= (intptr_t)r == 1;
    }
    printf("main's copies untouched: tdata=%d tbss=%ld big[0]='%c' tname=%s errno=%d\n", tdata, tbss, big[0], tname,
           errno);
    int distinct = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++)
            distinct &= addrs[i] != addrs[j] && fsbase[i] != fsbase[j];
    printf("distinct TLS addresses and %%fs bases: %d\n", distinct);
    printf("key destructors ran: %d, pthread_once ran: %d\n", destructor_calls, once_calls);
    CHECK(all_ok);
    return finish("tls");
}
