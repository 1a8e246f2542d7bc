/* proc_sigthreads: signals in a multithreaded process. Per-thread masks and
 * pending sets: a process-directed signal goes to a thread that does not
 * block it (here a worker blocked in read(), which returns EINTR), a
 * thread-directed one stays pending in its thread only, one that every
 * thread blocks waits in the process set until a thread unblocks it. A
 * signal to a thread blocked in read (SA_RESTART: the read goes on), in
 * nanosleep, in poll and in pthread_cond_wait. sigwaitinfo in a dedicated
 * thread, sigtimedwait timing out, real-time signals queued with their
 * values in order, rt_sigsuspend, and SIGCHLD taken by the thread that does
 * not block it.
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t handled_by;
static volatile int hits, last_sig;

static void on_sig(int sig)
{
    handled_by = gettid_();
    last_sig = sig;
    __atomic_fetch_add(&hits, 1, __ATOMIC_SEQ_CST);
}

static void handle(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void block(int how, int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(how, &s, NULL);
}

static int is_pending(int sig)
{
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

static void wait_for(volatile int *flag, int want)
{
    for (int i = 0; i < 5000 && *flag < want; i++)
        usleep(1000);
}

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- 1 */
static int pfd[2];
static volatile pid_t worker_tid;
static volatile int worker_ready, worker_done;
static ssize_t worker_ret;
static int worker_errno;

static void *reader(void *arg)
{
    char c;
    (void)arg;
    worker_tid = gettid_();
    worker_ready = 1;
    worker_ret = read(pfd[0], &c, 1);
    worker_errno = errno;
    worker_done = 1;
    return NULL;
}

static void *reader_unblocked(void *arg)
{
    block(SIG_UNBLOCK, SIGUSR1);
    return reader(arg);
}

static void t_process_directed(void)
{
    pthread_t th;
    SECTION("a process-directed signal goes to the thread that does not block it");
    handle(SIGUSR1, 0); /* no SA_RESTART: the worker's read ends with EINTR */
    OK(pipe(pfd));
    block(SIG_BLOCK, SIGUSR1);
    worker_ready = worker_done = 0;
    hits = 0;
    pthread_create(&th, NULL, reader_unblocked, NULL);
    wait_for(&worker_ready, 1);
    msleep(50);
    OK(kill(getpid(), SIGUSR1));
    wait_for(&worker_done, 1);
    printf("handled=%d by the worker=%d, its read = %zd %s\n", hits, handled_by == worker_tid, worker_ret,
           worker_ret < 0 ? errname(worker_errno) : "");
    printf("pending in main: %d\n", is_pending(SIGUSR1));
    pthread_join(th, NULL);
    block(SIG_UNBLOCK, SIGUSR1);
}

static volatile int b_step;
static int b_seen_pending, b_took;

static void *late_unblocker(void *a)
{
    (void)a;
    wait_for(&b_step, 1);
    b_seen_pending = is_pending(SIGUSR1);
    hits = 0;
    block(SIG_UNBLOCK, SIGUSR1);
    b_took = hits == 1 && handled_by == gettid_();
    b_step = 2;
    return NULL;
}

static void t_all_block(void)
{
    pthread_t th;
    SECTION("blocked by every thread: pending for the process until one unblocks it");
    handle(SIGUSR1, 0);
    block(SIG_BLOCK, SIGUSR1);
    b_step = 0;
    pthread_create(&th, NULL, late_unblocker, NULL); /* inherits the blocked mask */
    hits = 0;
    OK(kill(getpid(), SIGUSR1));
    msleep(50);
    printf("handled=%d, pending in main=%d\n", hits, is_pending(SIGUSR1));
    b_step = 1;
    wait_for(&b_step, 2);
    printf("the other thread saw it pending=%d and took it on unblocking=%d\n", b_seen_pending, b_took);
    printf("pending in main after: %d\n", is_pending(SIGUSR1));
    pthread_join(th, NULL);
    block(SIG_UNBLOCK, SIGUSR1);
}

/* ---------------------------------------------------------------- 2 */
static volatile int step;
static int w_pending_usr2, w_pending_term, w_handled_term;

static void *peer(void *arg)
{
    (void)arg;
    wait_for(&step, 1);
    w_pending_usr2 = is_pending(SIGUSR2);
    w_pending_term = is_pending(SIGTERM);
    hits = 0;
    block(SIG_UNBLOCK, SIGTERM);
    w_handled_term = hits == 1 && handled_by == gettid_();
    step = 2;
    return NULL;
}

static void t_pending_sets(void)
{
    pthread_t th;
    SECTION("thread-directed and process-directed pending signals");
    handle(SIGUSR2, 0);
    handle(SIGTERM, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    step = 0;
    pthread_create(&th, NULL, peer, NULL);
    OK(pthread_kill(pthread_self(), SIGUSR2));
    OK(kill(getpid(), SIGTERM));
    printf("main sees: USR2 pending=%d TERM pending=%d\n", is_pending(SIGUSR2), is_pending(SIGTERM));
    step = 1;
    wait_for(&step, 2);
    printf("peer saw: USR2 pending=%d (thread-directed to main) TERM pending=%d (process-wide)\n", w_pending_usr2,
           w_pending_term);
    printf("peer took SIGTERM when it unblocked it: %d\n", w_handled_term);
    pthread_join(th, NULL);
    printf("main after: USR2 pending=%d TERM pending=%d\n", is_pending(SIGUSR2), is_pending(SIGTERM));
    hits = 0;
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("main unblocks: handled=%d USR2=%d\n", hits, last_sig == SIGUSR2);
}

/* ---------------------------------------------------------------- 3 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int go, where_hits;
static long r_read, r_sleep, r_poll, r_cond;
static int e_read, e_sleep, e_poll;
static int sleep_left_ok;
static int rpipe[2], ppipe[2];

static void on_where(int sig)
{
    (void)sig;
    __atomic_fetch_add(&where_hits, 1, __ATOMIC_SEQ_CST);
}

static void *in_read(void *a)
{
    char c;
    (void)a;
    __atomic_fetch_add(&go, 1, __ATOMIC_SEQ_CST);
    r_read = read(rpipe[0], &c, 1);
    e_read = errno;
    return NULL;
}

static void *in_sleep(void *a)
{
    struct timespec ts = {3, 0}, rem = {0, 0};
    (void)a;
    __atomic_fetch_add(&go, 1, __ATOMIC_SEQ_CST);
    r_sleep = nanosleep(&ts, &rem);
    e_sleep = errno;
    sleep_left_ok = rem.tv_sec < 3 && (rem.tv_sec > 0 || rem.tv_nsec > 0);
    return NULL;
}

static void *in_poll(void *a)
{
    struct pollfd p = {ppipe[0], POLLIN, 0};
    (void)a;
    __atomic_fetch_add(&go, 1, __ATOMIC_SEQ_CST);
    r_poll = poll(&p, 1, 5000);
    e_poll = errno;
    return NULL;
}

static volatile int cond_flag;

static void *in_cond(void *a)
{
    (void)a;
    pthread_mutex_lock(&mu);
    __atomic_fetch_add(&go, 1, __ATOMIC_SEQ_CST);
    while (!cond_flag)
        pthread_cond_wait(&cv, &mu);
    r_cond = 1;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void t_blocked_threads(void)
{
    pthread_t th[4];
    SECTION("pthread_kill to threads blocked in the host");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_where;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    OK(pipe(rpipe));
    OK(pipe(ppipe));
    go = 0;
    where_hits = 0;
    pthread_create(&th[0], NULL, in_read, NULL);
    pthread_create(&th[1], NULL, in_sleep, NULL);
    pthread_create(&th[2], NULL, in_poll, NULL);
    pthread_create(&th[3], NULL, in_cond, NULL);
    wait_for(&go, 4);
    msleep(80);
    for (int i = 0; i < 4; i++)
        pthread_kill(th[i], SIGUSR1);
    wait_for(&where_hits, 4);
    msleep(50);
    printf("handlers ran: %d\n", where_hits);
    pthread_join(th[1], NULL);
    printf("nanosleep = %ld %s, time left reported: %d\n", r_sleep, r_sleep ? errname(e_sleep) : "", sleep_left_ok);
    pthread_join(th[2], NULL);
    printf("poll = %ld %s (never restarted)\n", r_poll, r_poll < 0 ? errname(e_poll) : "");
    printf("read still blocked (SA_RESTART): %d\n", r_read == 0);
    OK(write(rpipe[1], "x", 1));
    pthread_join(th[0], NULL);
    printf("read = %ld after the write\n", r_read);
    printf("cond_wait still waiting: %d\n", r_cond == 0);
    pthread_mutex_lock(&mu);
    cond_flag = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(th[3], NULL);
    printf("cond_wait returned after the broadcast: %ld\n", r_cond);
    signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- 4 */
static volatile int waited_sig, waited_code, waited_pid_ok, waiter_ready;

static void *waiter(void *a)
{
    sigset_t s;
    siginfo_t si;
    (void)a;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    waiter_ready = 1;
    int r = sigwaitinfo(&s, &si);
    waited_sig = r;
    waited_code = si.si_code;
    waited_pid_ok = si.si_pid == getpid();
    return NULL;
}

static void t_sigwait(void)
{
    pthread_t th;
    SECTION("sigwaitinfo in a dedicated thread, sigtimedwait timing out");
    block(SIG_BLOCK, SIGUSR1);
    pthread_create(&th, NULL, waiter, NULL);
    wait_for(&waiter_ready, 1);
    msleep(50);
    OK(kill(getpid(), SIGUSR1));
    pthread_join(th, NULL);
    printf("sigwaitinfo = %s, SI_USER=%d, si_pid is us=%d\n", waited_sig == SIGUSR1 ? "SIGUSR1" : "other",
           waited_code == SI_USER, waited_pid_ok);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    block(SIG_BLOCK, SIGUSR2);
    struct timespec ts = {0, 50 * 1000000}, t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ERR(sigtimedwait(&s, NULL, &ts), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("waited >= 45 ms: %d\n", ms >= 45);
    OK(raise(SIGUSR2));
    siginfo_t si;
    int got = sigtimedwait(&s, &si, &ts);
    printf("sigtimedwait with one pending = %s, SI_TKILL=%d\n", got == SIGUSR2 ? "SIGUSR2" : "?",
           si.si_code == SI_TKILL);
    block(SIG_UNBLOCK, SIGUSR1);
    block(SIG_UNBLOCK, SIGUSR2);
}

/* ---------------------------------------------------------------- 5 */
static int rt_vals[16], rt_n;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (rt_n < 16)
        rt_vals[rt_n++] = sig == SIGUSR2 ? -1 : si->si_value.sival_int;
}

static void t_rt_queue(void)
{
    SECTION("real-time signals queue with their values");
    int rt = SIGRTMIN + 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(rt, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, rt);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    for (int i = 1; i <= 5; i++) {
        union sigval v;
        v.sival_int = i * 11;
        OK(sigqueue(getpid(), rt, v));
    }
    union sigval v;
    v.sival_int = 99;
    OK(sigqueue(getpid(), SIGUSR2, v));
    OK(sigqueue(getpid(), SIGUSR2, v));
    rt_n = 0;
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("delivered:");
    for (int i = 0; i < rt_n; i++)
        printf(" %d", rt_vals[i]);
    printf("  (SIGUSR2 once; frames for all of them are set up at once)\n");
    signal(rt, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* ---------------------------------------------------------------- 6 */
static pthread_t main_thread;

static void *poke_main(void *a)
{
    (void)a;
    msleep(50);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

static void t_sigsuspend(void)
{
    pthread_t th;
    SECTION("rt_sigsuspend");
    handle(SIGUSR1, 0);
    block(SIG_BLOCK, SIGUSR1);
    main_thread = pthread_self();
    hits = 0;
    pthread_create(&th, NULL, poke_main, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    ERR(sigsuspend(&empty), EINTR);
    printf("handler ran: %d, in main: %d, SIGUSR1 blocked again: ", hits, handled_by == gettid_());
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    printf("%d\n", sigismember(&cur, SIGUSR1));
    pthread_join(th, NULL);
    block(SIG_UNBLOCK, SIGUSR1);
}

/* ---------------------------------------------------------------- 7 */
static volatile int chld_ready, chld_hits;
static volatile pid_t chld_by;
static volatile pid_t chld_thread;
static volatile int chld_stop;

static void on_chld(int sig)
{
    (void)sig;
    chld_by = gettid_();
    __atomic_fetch_add(&chld_hits, 1, __ATOMIC_SEQ_CST);
}

static void *chld_taker(void *a)
{
    (void)a;
    block(SIG_UNBLOCK, SIGCHLD);
    chld_thread = gettid_();
    chld_ready = 1;
    while (!chld_stop)
        msleep(5);
    return NULL;
}

static void t_sigchld_thread(void)
{
    pthread_t th;
    SECTION("SIGCHLD goes to the thread that does not block it");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    block(SIG_BLOCK, SIGCHLD);
    chld_hits = 0;
    pthread_create(&th, NULL, chld_taker, NULL);
    wait_for(&chld_ready, 1);
    pid_t pid = fork();
    if (pid == 0)
        _exit(3);
    wait_for(&chld_hits, 1);
    int st;
    OK(waitpid(pid, &st, 0) == pid);
    printf("SIGCHLD hits=%d by the other thread=%d, child exited %d\n", chld_hits, chld_by == chld_thread,
           WEXITSTATUS(st));
    chld_stop = 1;
    pthread_join(th, NULL);
    signal(SIGCHLD, SIG_DFL);
    block(SIG_UNBLOCK, SIGCHLD);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    t_process_directed();
    t_all_block();
    t_pending_sets();
    t_blocked_threads();
    t_sigwait();
    t_rt_queue();
    t_sigsuspend();
    t_sigchld_thread();
    return finish("proc_sigthreads");
}
