/* fastcalls: system calls a hardware backend serves inside the VM without
 * an exit (getrandom from a pool of host bytes, getcpu, set_tid_address,
 * sched_yield, arch_prctl(ARCH_SET_FS)), checked against Linux: argument
 * errors, EFAULT on bad, read-only and non-canonical buffers (getrandom's
 * partial count when the buffer ends at an unmapped page), a fork child
 * never handing out its parent's random bytes, and a tid address stored in
 * the VM reaching the kernel once the process has a second thread.
 * lxpack-cflags: -pthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Not every libc ships the kernel headers (musl-gcc): the UAPI values. */
#define FUTEX_WAIT 0
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

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

static long sc3(long n, long a, long b, long c) { return syscall(n, a, b, c); }

static volatile uint32_t tid_word = 1;
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig) { (void)sig; usr1_seen++; }

/* The kernel's mask, not libc's idea of it. */
static uint64_t kmask(void)
{
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

#define B(sig) (1ULL << ((sig) - 1))

static void *waiter(void *arg)
{
    (void)arg;
    struct timespec ts = {5, 0};
    while (tid_word != 0) {
        if (syscall(SYS_futex, &tid_word, FUTEX_WAIT, tid_word, &ts) == -1 && errno == ETIMEDOUT)
            break;
    }
    printf("main thread's tid address cleared at its exit: %d\n", tid_word == 0);
    exit(finish("fastcalls"));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned char buf[512], buf2[512];

    SECTION("getrandom");
    memset(buf, 0, sizeof buf);
    OK(sc3(SYS_getrandom, (long)buf, 256, 0));
    int nz = 0;
    for (int i = 0; i < 256; i++) nz += buf[i] != 0;
    CHECK(nz > 200);
    OK(sc3(SYS_getrandom, (long)buf2, 256, 0));
    CHECK(memcmp(buf, buf2, 256) != 0);
    OK(sc3(SYS_getrandom, (long)buf, 13, 1));
    OK(sc3(SYS_getrandom, (long)buf, 0, 0));
    OK(sc3(SYS_getrandom, (long)buf, 300, 0));
    for (int i = 0; i < 40; i++)             /* more than one pool's worth */
        if (sc3(SYS_getrandom, (long)buf, 200, 0) != 200) CHECK(!"getrandom 200");
    ERR(sc3(SYS_getrandom, (long)buf, 8, 6), EINVAL);
    ERR(sc3(SYS_getrandom, (long)buf, 8, 8), EINVAL);
    ERR(sc3(SYS_getrandom, 16, 8, 0), EFAULT);
    ERR(sc3(SYS_getrandom, 0x0dead000000000000L, 8, 0), EFAULT);
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    OK(sc3(SYS_getrandom, (long)(p + 4096 - 24), 100, 0));
    mprotect(p, 4096, PROT_READ);
    ERR(sc3(SYS_getrandom, (long)p, 10, 0), EFAULT);
    ERR(read(open("/dev/zero", O_RDONLY), p, 10), EFAULT);
    mprotect(p, 4096, PROT_NONE);
    ERR(write(1, p, 10), EFAULT);

    SECTION("getrandom after fork");
    int fds[2];
    OK(pipe(fds));
    pid_t pid = fork();
    if (pid == 0) {
        sc3(SYS_getrandom, (long)buf, 64, 0);
        if (write(fds[1], buf, 64) != 64) _exit(2);
        _exit(0);
    }
    OK(sc3(SYS_getrandom, (long)buf2, 64, 0));
    CHECK(read(fds[0], buf, 64) == 64);
    int st;
    OK(waitpid(pid, &st, 0) == pid);
    CHECK(memcmp(buf, buf2, 64) != 0);

    SECTION("getcpu");
    unsigned cpu = 999, node = 999;
    OK(sc3(SYS_getcpu, (long)&cpu, (long)&node, 0));
    CHECK(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF));
    CHECK(node == 0);
    OK(sc3(SYS_getcpu, 0, 0, 0));
    ERR(sc3(SYS_getcpu, 8, 0, 0), EFAULT);
    ERR(sc3(SYS_getcpu, 0, 8, 0), EFAULT);
    CHECK(sched_getcpu() >= 0);

    SECTION("sched_yield");
    OK(sched_yield());

    SECTION("arch_prctl");
    unsigned long fs = 0, fs2 = 0;
    OK(sc3(SYS_arch_prctl, ARCH_GET_FS, (long)&fs, 0) == 0);
    long r1 = sc3(SYS_arch_prctl, ARCH_SET_FS, fs, 0);
    sc3(SYS_arch_prctl, ARCH_GET_FS, (long)&fs2, 0);
    CHECK(r1 == 0);
    CHECK(fs == fs2);
    ERR(sc3(SYS_arch_prctl, ARCH_SET_FS, (1L << 47) - 4096, 0), EPERM);
    ERR(sc3(SYS_arch_prctl, ARCH_SET_FS, -1L, 0), EPERM);
    ERR(sc3(SYS_arch_prctl, 0x1099, 0, 0), EINVAL);
    printf("errno in TLS still works: %d\n", errno == EINVAL);

    SECTION("rt_sigprocmask");
    uint64_t m, old;
    signal(SIGUSR1, on_usr1);
    m = 0;
    OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8));
    m = B(SIGUSR1) | B(SIGUSR2);
    OK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, &old, 8));
    CHECK(old == 0);
    CHECK(kmask() == (B(SIGUSR1) | B(SIGUSR2)));
    m = B(SIGUSR2);
    OK(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, &old, 8));
    CHECK(old == (B(SIGUSR1) | B(SIGUSR2)));
    CHECK(kmask() == B(SIGUSR1));
    OK(kill(getpid(), SIGUSR1));
    CHECK(usr1_seen == 0);
    sigset_t ps;
    sigpending(&ps);
    CHECK(sigismember(&ps, SIGUSR1));
    m = B(SIGUSR1);
    OK(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, NULL, 8));
    printf("handler ran before the unblocking call returned: %d\n", usr1_seen == 1);
    m = ~0ULL;
    OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8));
    CHECK(kmask() == (~0ULL & ~(B(SIGKILL) | B(SIGSTOP))));
    OK(kill(getpid(), SIGINT));             /* default action, blocked: stays pending */
    OK(kill(getpid(), SIGUSR1));
    sigpending(&ps);
    CHECK(sigismember(&ps, SIGINT) && sigismember(&ps, SIGUSR1));
    signal(SIGINT, SIG_IGN);                /* discards the pending SIGINT */
    m = 0;
    OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, &old, 8));
    printf("pending SIGUSR1 delivered at SETMASK 0: %d\n", usr1_seen == 2);
    signal(SIGINT, SIG_DFL);
    ERR(syscall(SYS_rt_sigprocmask, 3, &m, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 4), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)16, NULL, 8), EFAULT);
    CHECK(kmask() == 0);
    m = B(SIGUSR2);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, (void *)16, 8), EFAULT);
    printf("mask changed despite the bad old-set pointer: %d\n", kmask() == B(SIGUSR2));
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, p, 8), EFAULT);   /* read-only page */
    OK(syscall(SYS_rt_sigprocmask, 99, NULL, &old, 8));               /* how ignored without a set */
    CHECK(old == B(SIGUSR2));
    int pairs_ok = 1;
    for (int i = 0; i < 20000; i++) {
        m = B(SIGUSR1);
        if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, &old, 8) || old != B(SIGUSR2)) pairs_ok = 0;
        if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8)) pairs_ok = 0;
    }
    CHECK(pairs_ok);
    pid = fork();
    if (pid == 0)
        _exit(kmask() == B(SIGUSR2) ? 0 : 3);
    OK(waitpid(pid, &st, 0) == pid);
    printf("fork child inherits the mask: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    m = B(SIGUSR2);
    OK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 8));
    OK(kill(getpid(), SIGUSR2));            /* pending while the thread below starts */
    signal(SIGUSR2, SIG_IGN);
    m = 0;
    OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8));

    SECTION("rt_sigaction queries");
    struct ksa { uint64_t handler, flags, restorer, mask; } ka, kb;
    memset(&ka, 0x55, sizeof ka);
    OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ka, 8));
    CHECK(ka.handler == (uint64_t)(uintptr_t)on_usr1);
    CHECK(ka.flags & 0x04000000);            /* SA_RESTORER, set by libc */
    OK(syscall(SYS_rt_sigaction, SIGUSR2, NULL, &ka, 8));
    CHECK(ka.handler == 1);                  /* SIG_IGN */
    OK(syscall(SYS_rt_sigaction, SIGKILL, NULL, &ka, 8));
    CHECK(ka.handler == 0);
    OK(syscall(SYS_rt_sigaction, 64, NULL, &ka, 8));
    OK(syscall(SYS_rt_sigaction, SIGTERM, NULL, NULL, 8));
    ERR(syscall(SYS_rt_sigaction, 0, NULL, &ka, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, 65, NULL, &ka, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, -1, NULL, &ka, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, SIGTERM, NULL, &ka, 4), EINVAL);
    ERR(syscall(SYS_rt_sigaction, SIGTERM, NULL, (void *)16, 8), EFAULT);
    ERR(syscall(SYS_rt_sigaction, SIGTERM, NULL, p, 8), EFAULT);      /* read-only page */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGHUP);
    OK(sigaction(SIGTERM, &sa, NULL));
    OK(syscall(SYS_rt_sigaction, SIGTERM, NULL, &kb, 8));
    CHECK(kb.handler == (uint64_t)(uintptr_t)on_usr1 && (kb.flags & (SA_RESTART | SA_NODEFER)) == (SA_RESTART | SA_NODEFER));
    CHECK(kb.mask == B(SIGHUP));
    signal(SIGTERM, SIG_DFL);
    OK(syscall(SYS_rt_sigaction, SIGTERM, NULL, &kb, 8));
    CHECK(kb.handler == 0);
    pid = fork();
    if (pid == 0) {
        struct ksa kc;
        syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kc, 8);
        _exit(kc.handler == (uint64_t)(uintptr_t)on_usr1 ? 0 : 3);
    }
    OK(waitpid(pid, &st, 0) == pid);
    printf("fork child sees the actions: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);

    SECTION("set_tid_address");
    CHECK(sc3(SYS_set_tid_address, (long)&tid_word, 0, 0) == getpid());
    pthread_t th;
    CHECK(pthread_create(&th, NULL, waiter, NULL) == 0);
    /* End the main thread only: the kernel writes 0 to tid_word and wakes it. */
    syscall(SYS_exit, 0);
    return 1;
}
