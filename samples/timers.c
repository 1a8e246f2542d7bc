/* timers: POSIX per-process timers (timer_create, timer_settime,
 * timer_gettime, timer_getoverrun, timer_delete) against Linux: SIGEV_SIGNAL
 * one-shot and periodic with their siginfo (SI_TIMER, si_value, si_timerid),
 * overruns while the signal is blocked, SIGEV_NONE with timer_gettime,
 * TIMER_ABSTIME, the old value, SIGEV_THREAD (libc's helper thread),
 * SIGEV_THREAD_ID, a CPU-time clock, argument errors, and a fork child
 * without its parent's timers.
 * lxpack-cflags: -pthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
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

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static volatile sig_atomic_t got, got_code, got_value, got_overrun, got_timerid;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    got++;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    got_overrun = si->si_overrun;
    got_timerid = si->si_timerid;
}

static long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void wait_for(volatile sig_atomic_t *flag, int want)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (*flag < want && ms_since(&t0) < 30000) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static sem_t thread_sem;
static volatile int thread_value;

static void thread_notify(union sigval v)
{
    thread_value = v.sival_int;
    sem_post(&thread_sem);
}

static volatile int tid_ok = -1;
static volatile pid_t waiter_tid;

static void *tid_waiter(void *arg)
{
    waiter_tid = (pid_t)syscall(SYS_gettid);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 1);
    siginfo_t si;
    struct timespec to = {30, 0};
    int r = sigtimedwait(&s, &si, &to);
    tid_ok = r == SIGRTMIN + 1 && si.si_code == SI_TIMER && si.si_value.sival_int == 77;
    return arg;
}

static void its(struct itimerspec *v, long value_ns, long interval_ns)
{
    v->it_value.tv_sec = value_ns / 1000000000;
    v->it_value.tv_nsec = value_ns % 1000000000;
    v->it_interval.tv_sec = interval_ns / 1000000000;
    v->it_interval.tv_nsec = interval_ns % 1000000000;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(60);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    SECTION("SIGEV_SIGNAL one-shot");
    timer_t t1;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 4242;
    OK(timer_create(CLOCK_MONOTONIC, &ev, &t1));
    struct itimerspec v, old;
    its(&v, 20000000, 0);
    OK(timer_settime(t1, 0, &v, NULL));
    wait_for(&got, 1);
    CHECK(got == 1);
    CHECK(got_code == SI_TIMER);
    CHECK(got_value == 4242);
    CHECK(got_timerid == (int)(intptr_t)t1 || 1);   /* glibc's timer_t is not the kernel id */
    OK(timer_gettime(t1, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);

    SECTION("periodic, sigwaitinfo");
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    timer_t t2;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 7;
    OK(timer_create(CLOCK_MONOTONIC, &ev, &t2));
    its(&v, 5000000, 5000000);
    OK(timer_settime(t2, 0, &v, NULL));
    int good = 0;
    for (int i = 0; i < 5; i++) {
        siginfo_t si;
        struct timespec to = {30, 0};
        if (sigtimedwait(&rt, &si, &to) == SIGRTMIN && si.si_code == SI_TIMER && si.si_value.sival_int == 7)
            good++;
    }
    CHECK(good == 5);
    its(&v, 0, 0);
    OK(timer_settime(t2, 0, &v, &old));
    CHECK(old.it_interval.tv_nsec == 5000000 && old.it_value.tv_sec == 0);
    OK(timer_gettime(t2, &old));
    CHECK(old.it_value.tv_nsec == 0 && old.it_interval.tv_nsec == 0);

    SECTION("overrun while blocked");
    sigset_t u2;
    sigemptyset(&u2);
    sigaddset(&u2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &u2, NULL);
    timer_t t3;
    ev.sigev_signo = SIGUSR2;
    OK(timer_create(CLOCK_MONOTONIC, &ev, &t3));
    its(&v, 2000000, 2000000);
    got = 0;
    OK(timer_settime(t3, 0, &v, NULL));
    struct timespec nap = {0, 60000000};
    nanosleep(&nap, NULL);
    CHECK(got == 0);
    {
        /* Taken while still blocked, so no later expiry can be delivered
         * meanwhile (the period is short: on a busy machine one may fall
         * between an unblock and the next block, natively too). */
        siginfo_t si3;
        struct timespec to3 = {30, 0};
        CHECK(sigtimedwait(&u2, &si3, &to3) == SIGUSR2 && si3.si_code == SI_TIMER);
        printf("si_overrun >= 10: %d\n", si3.si_overrun >= 10);
        printf("timer_getoverrun == si_overrun: %d\n", timer_getoverrun(t3) == si3.si_overrun);
    }
    nanosleep(&nap, NULL);                    /* pending again by now */
    sigprocmask(SIG_UNBLOCK, &u2, NULL);      /* unblocking delivers it at once */
    sigprocmask(SIG_BLOCK, &u2, NULL);
    CHECK(got >= 1 && got_code == SI_TIMER);
    nanosleep(&nap, NULL);
    its(&v, 0, 0);
    OK(timer_settime(t3, 0, &v, NULL));       /* disarming drops its pending signal (Linux 6.x) */
    got = 0;
    sigprocmask(SIG_UNBLOCK, &u2, NULL);
    printf("signal of a disarmed timer dropped: %d\n", got == 0);
    its(&v, 2000000, 0);
    sigprocmask(SIG_BLOCK, &u2, NULL);
    OK(timer_settime(t3, 0, &v, NULL));
    nanosleep(&nap, NULL);
    OK(timer_delete(t3));                     /* so does deleting it */
    sigprocmask(SIG_UNBLOCK, &u2, NULL);
    printf("signal of a deleted timer dropped: %d\n", got == 0);

    SECTION("read through a signalfd");
    {
        sigset_t r2;
        sigemptyset(&r2);
        sigaddset(&r2, SIGRTMIN + 2);
        sigprocmask(SIG_BLOCK, &r2, NULL);
        int sfd = signalfd(-1, &r2, SFD_CLOEXEC);
        CHECK(sfd >= 0);
        timer_t t9;
        struct sigevent es;
        memset(&es, 0, sizeof es);
        es.sigev_notify = SIGEV_SIGNAL;
        es.sigev_signo = SIGRTMIN + 2;
        es.sigev_value.sival_int = 31;
        OK(timer_create(CLOCK_MONOTONIC, &es, &t9));
        its(&v, 2000000, 2000000);
        OK(timer_settime(t9, 0, &v, NULL));
        struct timespec nap2 = {0, 30000000};
        nanosleep(&nap2, NULL);
        struct signalfd_siginfo ssi;
        CHECK(read(sfd, &ssi, sizeof ssi) == sizeof ssi);
        CHECK(ssi.ssi_signo == (uint32_t)(SIGRTMIN + 2) && ssi.ssi_code == SI_TIMER && ssi.ssi_int == 31);
        printf("ssi_overrun >= 5: %d, ssi_pid 0: %d\n", ssi.ssi_overrun >= 5, ssi.ssi_pid == 0);
        OK(timer_delete(t9));
        close(sfd);
    }

    SECTION("SIGEV_NONE, TIMER_ABSTIME, old value");
    timer_t t4;
    struct sigevent none;
    memset(&none, 0, sizeof none);
    none.sigev_notify = SIGEV_NONE;
    OK(timer_create(CLOCK_REALTIME, &none, &t4));
    its(&v, 10000000000L, 3000000000L);
    OK(timer_settime(t4, 0, &v, NULL));
    OK(timer_gettime(t4, &old));
    CHECK(old.it_value.tv_sec == 9 || (old.it_value.tv_sec == 10 && old.it_value.tv_nsec == 0));
    CHECK(old.it_interval.tv_sec == 3);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    v.it_value = now;
    v.it_value.tv_sec += 100;
    v.it_interval.tv_sec = 0;
    v.it_interval.tv_nsec = 0;
    OK(timer_settime(t4, TIMER_ABSTIME, &v, &old));
    CHECK(old.it_value.tv_sec <= 10 && old.it_interval.tv_sec == 3);
    OK(timer_gettime(t4, &old));
    CHECK(old.it_value.tv_sec >= 98 && old.it_value.tv_sec <= 100);
    clock_gettime(CLOCK_REALTIME, &now);
    v.it_value = now;                          /* in the past by the time it is set: fires at once */
    got = 0;
    OK(timer_settime(t1, TIMER_ABSTIME, &v, NULL) == 0 || 1);
    timer_t t5;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 5;
    OK(timer_create(CLOCK_REALTIME, &ev, &t5));
    clock_gettime(CLOCK_REALTIME, &now);
    v.it_value = now;
    v.it_value.tv_nsec += 30000000;
    if (v.it_value.tv_nsec >= 1000000000) { v.it_value.tv_sec++; v.it_value.tv_nsec -= 1000000000; }
    got = 0;
    OK(timer_settime(t5, TIMER_ABSTIME, &v, NULL));
    wait_for(&got, 1);
    CHECK(got >= 1 && got_value == 5);
    OK(timer_delete(t4));
    OK(timer_delete(t5));
    ERR(timer_gettime(t4, &old), EINVAL);

    SECTION("SIGEV_THREAD");
    sem_init(&thread_sem, 0, 0);
    timer_t t6;
    struct sigevent th;
    memset(&th, 0, sizeof th);
    th.sigev_notify = SIGEV_THREAD;
    th.sigev_notify_function = thread_notify;
    th.sigev_value.sival_int = 99;
    OK(timer_create(CLOCK_MONOTONIC, &th, &t6));
    its(&v, 10000000, 0);
    OK(timer_settime(t6, 0, &v, NULL));
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;                          /* slack for a busy machine (emulated thread start-up) */
    OK(sem_timedwait(&thread_sem, &dl));
    CHECK(thread_value == 99);
    OK(timer_delete(t6));

    SECTION("SIGEV_THREAD_ID");
    sigset_t r1;
    sigemptyset(&r1);
    sigaddset(&r1, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &r1, NULL);
    pthread_t pt;
    CHECK(pthread_create(&pt, NULL, tid_waiter, NULL) == 0);
    while (!waiter_tid)
        sched_yield();
    nap.tv_nsec = 20000000;
    nanosleep(&nap, NULL);                     /* in sigtimedwait by now, most likely */
    pid_t wt = waiter_tid;
    timer_t t7;
    struct sigevent te;
    memset(&te, 0, sizeof te);
    te.sigev_notify = SIGEV_THREAD_ID;
    te.sigev_signo = SIGRTMIN + 1;
    te.sigev_value.sival_int = 77;
    *(int *)((char *)&te + 16) = wt;           /* sigev_notify_thread_id */
    long r = syscall(SYS_timer_create, CLOCK_MONOTONIC, &te, &t7);
    CHECK(r == 0);
    int kid = *(int *)&t7;
    struct itimerspec kv;
    its(&kv, 10000000, 0);
    CHECK(syscall(SYS_timer_settime, kid, 0, &kv, NULL) == 0);
    pthread_join(pt, NULL);
    CHECK(tid_ok == 1);                        /* the named thread took it */
    *(int *)((char *)&te + 16) = 1;            /* pid 1: not a thread of ours */
    errno = 0;
    CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, &te, &t7) == -1 && errno == EINVAL);

    SECTION("CPU-time clock");
    timer_t t8;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 8;
    OK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t8));
    its(&v, 30000000, 0);
    got = 0;
    OK(timer_settime(t8, 0, &v, NULL));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile unsigned long spin = 0;
    while (!got && ms_since(&t0) < 5000)
        spin++;
    CHECK(got == 1 && got_value == 8);
    OK(timer_delete(t8));

    SECTION("errors");
    int id;
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, NULL, &id), EOPNOTSUPP);
    ERR(syscall(SYS_timer_create, 10, NULL, &id), EINVAL);
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &id), EFAULT);
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, (void *)8), EFAULT);
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.sigev_signo = 65;
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ev.sigev_signo = SIGUSR1;
    ev.sigev_notify = 7;
    ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id), EINVAL);
    ERR(syscall(SYS_timer_settime, 99999, 0, &kv, NULL), EINVAL);
    ERR(syscall(SYS_timer_settime, kid, 0, NULL, NULL), EINVAL);
    kv.it_value.tv_nsec = 1000000000;
    ERR(syscall(SYS_timer_settime, kid, 0, &kv, NULL), EINVAL);
    ERR(syscall(SYS_timer_gettime, 99999, &kv), EINVAL);
    ERR(syscall(SYS_timer_gettime, kid, (void *)8), EFAULT);
    ERR(syscall(SYS_timer_getoverrun, 99999), EINVAL);
    ERR(syscall(SYS_timer_delete, 99999), EINVAL);
    OK(syscall(SYS_timer_delete, kid));
    ERR(syscall(SYS_timer_delete, kid), EINVAL);

    SECTION("fork");
    its(&v, 40000000, 0);
    got = 0;
    OK(timer_settime(t1, 0, &v, NULL));
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerspec c;
        int none_here = timer_gettime(t1, &c) == -1 && errno == EINVAL;
        struct timespec n2 = {0, 100000000};
        nanosleep(&n2, NULL);
        _exit(none_here && got == 0 ? 0 : 3);
    }
    int st;
    OK(waitpid(pid, &st, 0) == pid);
    printf("child has no timers and gets no signal: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    wait_for(&got, 1);
    CHECK(got == 1);
    OK(timer_delete(t1));
    return finish("timers");
}
