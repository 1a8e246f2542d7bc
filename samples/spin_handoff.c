/* spin_handoff: threads that hand work to each other through futexes
 * while another thread spins without making any system call, as a JVM's
 * threads do (a compiled loop polling a safepoint word, SpinPause loops):
 * four threads pass a token around a ring with FUTEX_WAIT/FUTEX_WAKE, the
 * main thread runs numbered "safepoints" the spinner must acknowledge (arm
 * a poll word, wait for the ack, disarm, wake it), and the spinner's own
 * read-modify-writes (lock xadd, xchg, lock cmpxchg on words only it
 * writes) must each take effect exactly once whenever it is interrupted.
 * On an engine that runs one thread at a time every hand-off needs the
 * spinner stopped at a point where no instruction is half done.
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/futex.h> is not in every libc's headers (musl): the UAPI values */
#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE 128          /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129          /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */
#endif

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

#define RING 4
#define PASSES 100          /* times the token goes round the ring */
#define SAFEPOINTS 40

static int turn;            /* ring: whose turn it is (futex word) */
static int armed;           /* the number of the safepoint armed, 0: none (futex word) */
static int ack;             /* the last safepoint the spinner stopped for (futex word) */
static int done;            /* the spinner may end */
static long spins, xadd_word, xchg_word, cas_word, cas_failed, xchg_wrong;
static int safepoints_seen;

static long futex(int *addr, int op, int val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void *ring_member(void *arg)
{
    int me = (int)(long)arg;
    for (int i = 0; i < PASSES; i++) {
        int t;
        while ((t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
            futex(&turn, FUTEX_WAIT_PRIVATE, t);
        __atomic_store_n(&turn, (me + 1) % RING, __ATOMIC_RELEASE);
        futex(&turn, FUTEX_WAKE_PRIVATE, RING);
    }
    return NULL;
}

/* Spins without system calls except to stop at a safepoint. */
static void *spinner(void *arg)
{
    (void)arg;
    int last = 0;
    while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
        long n = __atomic_add_fetch(&spins, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&xadd_word, 1, __ATOMIC_SEQ_CST);              /* lock xadd */
        if (__atomic_exchange_n(&xchg_word, n, __ATOMIC_SEQ_CST) != n - 1) /* xchg */
            xchg_wrong++;
        long expect = n - 1;
        if (!__atomic_compare_exchange_n(&cas_word, &expect, n, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            cas_failed++;                                               /* lock cmpxchg */
        int a = __atomic_load_n(&armed, __ATOMIC_ACQUIRE);
        if (a && a != last) {
            last = a;
            safepoints_seen++;
            __atomic_store_n(&ack, a, __ATOMIC_RELEASE);
            futex(&ack, FUTEX_WAKE_PRIVATE, 1);
            while (__atomic_load_n(&armed, __ATOMIC_ACQUIRE) == a)
                futex(&armed, FUTEX_WAIT_PRIVATE, a);
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t ring[RING], spin;
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(120);             /* a lost wake-up fails the run instead of hanging it */

    SECTION("a spinner, a futex ring and safepoints");
    OK(pthread_create(&spin, NULL, spinner, NULL));
    for (long i = 0; i < RING; i++)
        OK(pthread_create(&ring[i], NULL, ring_member, (void *)i));
    int acked = 0;
    for (int k = 1; k <= SAFEPOINTS; k++) {
        int x;
        __atomic_store_n(&armed, k, __ATOMIC_RELEASE);
        while ((x = __atomic_load_n(&ack, __ATOMIC_ACQUIRE)) != k)
            futex(&ack, FUTEX_WAIT_PRIVATE, x);
        acked++;
        __atomic_store_n(&armed, 0, __ATOMIC_RELEASE);
        futex(&armed, FUTEX_WAKE_PRIVATE, 1);
    }
    for (int i = 0; i < RING; i++)
        OK(pthread_join(ring[i], NULL));
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    OK(pthread_join(spin, NULL));

    printf("token passes: %d\n", RING * PASSES);
    printf("final turn: %d\n", turn);
    printf("safepoints acknowledged: %d of %d\n", acked, SAFEPOINTS);
    CHECK(safepoints_seen == SAFEPOINTS);
    CHECK(spins > 0);
    /* one writer each: every read-modify-write took effect exactly once */
    CHECK(xadd_word == spins);
    CHECK(xchg_word == spins);
    CHECK(cas_word == spins);
    CHECK(xchg_wrong == 0);
    CHECK(cas_failed == 0);
    return finish("spin_handoff");
}
