/* mm_threads: one thread changes memory another thread is using, without a
 * system call in the user's loop. A translation cached by the other CPU
 * must not survive the change (Linux shoots it down before the call returns):
 *   munmap           the spinning writer faults, SEGV_MAPERR at its address;
 *   mprotect READ    the spinning writer faults, SEGV_ACCERR;
 *   mprotect NONE    a spinning reader faults, SEGV_ACCERR;
 *   MAP_FIXED        a spinning reader sees the new (zero) page;
 * first on anonymous memory, then on a private mapping of a file.
 * Each worker reports a fault through its own siglongjmp; the main thread
 * waits at most 10 s for it (a stale translation shows as "no fault").
 * lxpack-cflags: -pthread
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#define PG 4096L
static __thread sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;
static volatile int started, stop, done;
static volatile char *target;
static volatile int mode;                  /* 1 write loop, 0 read loop, 2 read until zero */

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static const char *codename(int sig, int code)
{
    if (sig == SIGSEGV && code == SEGV_MAPERR) return "SIGSEGV SEGV_MAPERR";
    if (sig == SIGSEGV && code == SEGV_ACCERR) return "SIGSEGV SEGV_ACCERR";
    if (sig == SIGSEGV) return "SIGSEGV (other code)";
    return "other signal";
}

static void *worker(void *arg)
{
    (void)arg;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char *p = target;
        for (unsigned long i = 0; !stop; i++) {
            if (mode == 1)
                p[i & 1023] = (char)i;
            else if (mode == 2 && p[0] == 0 && started)
                break;
            else
                (void)p[i & 1023];
            started = 1;
        }
    }
    done = 1;
    return NULL;
}

static void wait_done(void)
{
    for (int i = 0; i < 10000 && !done; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    if (!done)
        stop = 1;
    while (!done)
        ;
}

static void run(const char *label, int how, int m, int fd)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
    if (p == MAP_FAILED) {
        printf("FAIL mmap\n");
        exit(1);
    }
    memset(p, 7, 4 * PG);
    target = p + PG;
    mode = m;
    started = stop = done = got_sig = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, worker, NULL)) {
        printf("FAIL pthread_create\n");
        exit(1);
    }
    while (!started)
        ;
    if (how == 0)
        OK(munmap(p + PG, PG));
    else if (how == 1)
        OK(mprotect(p + PG, PG, PROT_READ));
    else if (how == 2)
        OK(mprotect(p + PG, PG, PROT_NONE));
    else
        OKQ(mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    wait_done();
    pthread_join(th, NULL);
    if (got_sig)
        printf("%s: %s, si_addr %s\n", label, codename(got_sig, got_code),
               (uintptr_t)got_addr >> 12 == (uintptr_t)(p + PG) >> 12 ? "in the page" : "elsewhere");
    else
        printf("%s: %s\n", label, stop ? "no fault (a stale translation)" : "saw the new page");
    munmap(p, 4 * PG);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGSEGV, &sa, NULL));
    SECTION("another thread changes the page a thread is spinning on");
    run("writer after munmap", 0, 1, -1);
    run("writer after mprotect PROT_READ", 1, 1, -1);
    run("reader after mprotect PROT_NONE", 2, 0, -1);
    run("reader after a MAP_FIXED replacement", 3, 2, -1);
    SECTION("the same on a private file mapping (the rest of it stays mapped)");
    int fd = OK(open("mm_threads.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600));
    OK(ftruncate(fd, 4 * PG));
    run("file writer after munmap", 0, 1, fd);
    run("file writer after mprotect PROT_READ", 1, 1, fd);
    run("file reader after mprotect PROT_NONE", 2, 0, fd);
    run("file reader after a MAP_FIXED anonymous replacement", 3, 2, fd);
    OK(close(fd));
    OK(unlink("mm_threads.tmp"));
    return finish("mm_threads");
}
