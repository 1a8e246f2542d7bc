/* signals: single-process signal behaviour, one section per run so that a
 * crash in one does not hide the others (argument: section name, or all).
 *  start   what the program inherits: no signal ignored, blocked or pending
 *          (a runtime written in Python must not pass on its own SIGPIPE/
 *          SIGXFSZ = SIG_IGN)
 *  info    sigaction SA_SIGINFO; raise/kill/tgkill/sigqueue -> si_signo,
 *          si_code, si_pid, si_uid, si_value; old actions; EINVAL cases
 *  mask    sigprocmask block + raise + sigpending + unblock delivers;
 *          mask inside a handler; standard signals coalesce, RT ones queue;
 *          delivery order; SIGKILL/SIGSTOP cannot be blocked
 *  term    kill(getpid(), SIGTERM) with a handler
 *  segv    NULL write -> SIGSEGV si_addr 0 SEGV_MAPERR, siglongjmp, twice;
 *          a write into read-only data -> SEGV_ACCERR
 *  fpe     integer divide by zero and INT_MIN/-1 -> SIGFPE FPE_INTDIV
 *  ill     ud2 -> SIGILL ILL_ILLOPN with si_addr at the instruction
 *  altstack  sigaltstack + runaway recursion caught on the alternate stack
 *  alarm   alarm() interrupts a blocking pipe read: EINTR without
 *          SA_RESTART, restarted with SA_RESTART; alarm's return value
 *  context registers (r8-r10, rdx, xmm0/6/15) survive a signal; a handler
 *          that edits the ucontext (rip += 2, rax = 1234) resumes there
 *  flags   SA_RESETHAND, SA_NODEFER
 *  ignore  SIG_IGN and default-ignored signals do nothing
 * lxpack-cases: start | info | mask | term | segv | fpe | ill | altstack | alarm | context | flags | ignore
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
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

static sigjmp_buf jb;
static volatile sig_atomic_t hits, depth, maxdepth;
static volatile int g_signo, g_code, g_pid, g_uid, g_value, g_blocked_self, g_blocked_other;
static void *volatile g_addr;
static volatile int order[8], norder;

static const char *signame(int s)
{
    switch (s) {
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGTERM: return "SIGTERM";
    case SIGSEGV: return "SIGSEGV";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGALRM: return "SIGALRM";
    case SIGBUS: return "SIGBUS";
    default: return s >= SIGRTMIN && s <= SIGRTMAX ? "SIGRT" : "other";
    }
}

static const char *codename(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "?";
    }
}

static void record(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    sigset_t cur;
    hits++;
    g_signo = si->si_signo;
    g_code = si->si_code;
    g_pid = si->si_pid;
    g_uid = si->si_uid;
    g_value = si->si_value.sival_int;
    g_addr = si->si_addr;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    g_blocked_self = sigismember(&cur, sig);
    g_blocked_other = sigismember(&cur, SIGUSR2);
    if (norder < 8)
        order[norder++] = sig;
}

static void jump_out(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    siglongjmp(jb, 1);
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    if (sigaction(sig, &sa, NULL) != 0)
        printf("FAIL sigaction(%d): %s\n", sig, errname(errno)), failures++;
}

static void said(const char *label)
{
    printf("%s: hits=%d signo=%s code=%s pid==getpid:%d uid==getuid:%d\n", label, (int)hits, signame(g_signo),
           codename(g_code), g_pid == getpid(), g_uid == (int)getuid());
}

/* ---- start */
static void t_start(void)
{
    sigset_t mask, pend;
    int ignored = 0, blocked = 0, pending = 0, handled = 0;
    OK(sigprocmask(SIG_BLOCK, NULL, &mask));
    OK(sigpending(&pend));
    for (int s = 1; s < 65; s++) {
        struct sigaction sa;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &sa) != 0)
            continue;
        if (sa.sa_handler == SIG_IGN)
            printf("inherited SIG_IGN: signal %d\n", s), ignored++;
        else if (sa.sa_handler != SIG_DFL && s < SIGRTMIN)
            printf("inherited a handler?: signal %d\n", s), handled++;
        if (sigismember(&mask, s) == 1)
            printf("inherited blocked: signal %d\n", s), blocked++;
        if (sigismember(&pend, s) == 1)
            printf("inherited pending: signal %d\n", s), pending++;
    }
    printf("ignored=%d blocked=%d pending=%d handled=%d\n", ignored, blocked, pending, handled);
    stack_t ss;
    OK(sigaltstack(NULL, &ss));
    printf("no alternate stack: %d\n", (ss.ss_flags & SS_DISABLE) != 0);
}

/* ---- info */
static void t_info(void)
{
    struct sigaction old;
    on(SIGUSR1, record, 0);
    hits = 0;
    OK(raise(SIGUSR1));
    said("raise(SIGUSR1)");
    hits = 0;
    OK(kill(getpid(), SIGUSR1));
    said("kill(getpid(), SIGUSR1)");
    hits = 0;
    OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    said("tgkill");
    hits = 0;
    union sigval v = {.sival_int = 42};
    OK(sigqueue(getpid(), SIGUSR1, v));
    said("sigqueue");
    printf("si_value: %d\n", g_value);
    OK(sigaction(SIGUSR1, NULL, &old));
    CHECK(old.sa_sigaction == record && (old.sa_flags & SA_SIGINFO));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    ERR(sigaction(0, &sa, NULL), EINVAL);
    ERR(sigaction(65, &sa, NULL), EINVAL);
    OK(sigaction(SIGKILL, NULL, &old));
    CHECK(old.sa_handler == SIG_DFL);
    OK(kill(getpid(), 0));
    ERR(kill(0x3fffffff, 0), ESRCH);
    ERR(kill(getpid(), 99), EINVAL);
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 4), EINVAL);
}

/* ---- mask */
static void t_mask(void)
{
    sigset_t s, old, pend, cur;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = record;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    OK(sigaction(SIGUSR1, &sa, NULL));
    on(SIGUSR2, record, 0);

    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &s, &old));
    hits = 0;
    OK(raise(SIGUSR1));
    printf("while blocked: hits=%d\n", (int)hits);
    OK(sigpending(&pend));
    printf("pending SIGUSR1=%d SIGUSR2=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2));
    OK(sigprocmask(SIG_UNBLOCK, &s, NULL));
    printf("after unblock: hits=%d; in the handler SIGUSR1 blocked=%d, sa_mask SIGUSR2 blocked=%d\n", (int)hits,
           g_blocked_self, g_blocked_other);
    OK(sigprocmask(SIG_BLOCK, NULL, &cur));
    printf("mask restored after the handler: SIGUSR1 blocked=%d SIGUSR2 blocked=%d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));
    OK(sigpending(&pend));
    printf("nothing pending: %d\n", !sigismember(&pend, SIGUSR1));

    /* standard signals coalesce, real-time ones queue */
    sigaddset(&s, SIGUSR2);
    sigaddset(&s, SIGRTMIN);
    on(SIGRTMIN, record, 0);
    OK(sigprocmask(SIG_BLOCK, &s, NULL));
    hits = 0;
    norder = 0;
    raise(SIGRTMIN);
    raise(SIGUSR2);
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGRTMIN);
    OK(sigprocmask(SIG_UNBLOCK, &s, NULL));
    {
        /* counts only: the order in which Linux stacks several handler frames is not asserted */
        int usr1 = 0, usr2 = 0, rt = 0;
        for (int i = 0; i < norder; i++)
            usr1 += order[i] == SIGUSR1, usr2 += order[i] == SIGUSR2, rt += order[i] == SIGRTMIN;
        printf("delivered after unblock: %d: SIGUSR1 x%d, SIGUSR2 x%d, SIGRTMIN x%d\n", (int)hits, usr1, usr2, rt);
    }

    /* SIGKILL and SIGSTOP are silently left out of the mask */
    sigfillset(&s);
    OK(sigprocmask(SIG_SETMASK, &s, NULL));
    OK(sigprocmask(SIG_SETMASK, &old, &cur));
    printf("blockable: SIGKILL=%d SIGSTOP=%d SIGUSR1=%d\n", sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP),
           sigismember(&cur, SIGUSR1));
    ERR(sigprocmask(99, &s, NULL), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4), EINVAL);
}

/* ---- term */
static void t_term(void)
{
    on(SIGTERM, record, 0);
    hits = 0;
    OK(kill(getpid(), SIGTERM));
    said("kill(getpid(), SIGTERM)");
}

/* ---- segv */
static volatile int *volatile null_ptr;
static const char rodata[] = "read-only";

static void t_segv(void)
{
    on(SIGSEGV, jump_out, 0);
    for (int i = 0; i < 2; i++) {
        hits = 0;
        if (sigsetjmp(jb, 1) == 0) {
            *null_ptr = 1;
            printf("NULL write: no fault\n");
        } else {
            printf("NULL write #%d: %s code=%s si_addr==0:%d\n", i + 1, signame(g_signo),
                   g_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", g_addr == NULL);
        }
    }
    if (sigsetjmp(jb, 1) == 0) {
        (void)*(volatile int *)((char *)null_ptr + 0x10);
        printf("read of 0x10: no fault\n");
    } else {
        printf("read of 0x10: %s si_addr==0x10:%d\n", signame(g_signo), g_addr == (void *)0x10);
    }
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile char *)rodata = 'R';
        printf("write into .rodata: no fault\n");
    } else {
        printf("write into .rodata: %s code=%s si_addr==rodata:%d\n", signame(g_signo),
               g_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other", g_addr == (void *)rodata);
    }
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV unblocked after siglongjmp: %d\n", !sigismember(&cur, SIGSEGV));
}

/* ---- fpe */
static volatile int vzero = 0, vone = 1, vmin = INT_MIN, vminus1 = -1;

static void t_fpe(void)
{
    on(SIGFPE, jump_out, 0);
    if (sigsetjmp(jb, 1) == 0) {
        volatile int r = vone / vzero;
        printf("1/0: no fault (%d)\n", r);
    } else {
        printf("1/0: %s code=%s\n", signame(g_signo), g_code == FPE_INTDIV ? "FPE_INTDIV" : "other");
    }
    if (sigsetjmp(jb, 1) == 0) {
        volatile int r = vmin / vminus1;
        printf("INT_MIN/-1: no fault (%d)\n", r);
    } else {
        printf("INT_MIN/-1: %s code=%s\n", signame(g_signo), g_code == FPE_INTDIV ? "FPE_INTDIV" : "other");
    }
    volatile double d = (double)vone / (double)vzero;
    printf("1.0/0.0 does not trap: %s\n", d > 1e308 ? "inf" : "?");
}

/* ---- ill */
extern char ud2_at[] __attribute__((visibility("hidden")));
__attribute__((noinline)) static void do_ud2(void)
{
    __asm__ volatile(".globl ud2_at\n\t.hidden ud2_at\nud2_at:\n\tud2" ::: "memory");
}

static void t_ill(void)
{
    on(SIGILL, jump_out, 0);
    if (sigsetjmp(jb, 1) == 0) {
        do_ud2();
        printf("ud2: no fault\n");
    } else {
        printf("ud2: %s code=%s si_addr==ud2:%d\n", signame(g_signo), g_code == ILL_ILLOPN ? "ILL_ILLOPN" : "other",
               g_addr == (void *)ud2_at);
    }
}

/* ---- altstack */
static char *alt_lo, *alt_hi;
static volatile int on_alt, alt_flags;

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
    char here;
    stack_t cur;
    (void)uc;
    on_alt = &here >= alt_lo && &here < alt_hi;
    sigaltstack(NULL, &cur);
    alt_flags = cur.ss_flags;
    record(sig, si, uc);
    siglongjmp(jb, 1);
}

__attribute__((noinline)) static int recurse(int n)
{
    volatile char pad[512];
    pad[n % 512] = (char)n;
    return recurse(n + 1) + pad[(n * 7) % 512];
}

static void t_altstack(void)
{
    stack_t ss, old;
    size_t sz = 1 << 16;
    alt_lo = malloc(sz);
    alt_hi = alt_lo + sz;
    ss.ss_sp = alt_lo;
    ss.ss_size = 1024;
    ss.ss_flags = 0;
    ERR(sigaltstack(&ss, NULL), ENOMEM);
    ss.ss_size = sz;
    ss.ss_flags = 0x1234;
    ERR(sigaltstack(&ss, NULL), EINVAL);
    ss.ss_flags = 0;
    OK(sigaltstack(&ss, &old));
    printf("old alternate stack disabled: %d\n", (old.ss_flags & SS_DISABLE) != 0);
    OK(sigaltstack(NULL, &old));
    printf("now: sp==ours:%d size==ours:%d flags=%d\n", old.ss_sp == alt_lo, old.ss_size == sz, old.ss_flags);
    on(SIGSEGV, on_overflow, SA_ONSTACK);
    if (sigsetjmp(jb, 1) == 0) {
        recurse(0);
        printf("recursion ended?\n");
    } else {
        printf("stack overflow: %s on the alternate stack:%d ss_flags has SS_ONSTACK:%d\n", signame(g_signo), on_alt,
               (alt_flags & SS_ONSTACK) != 0);
    }
    OK(sigaltstack(NULL, &old));
    printf("after siglongjmp: ss_flags=%d\n", old.ss_flags);
    ss.ss_flags = SS_DISABLE;
    OK(sigaltstack(&ss, NULL));
    OK(sigaltstack(NULL, &old));
    printf("disabled: %d\n", (old.ss_flags & SS_DISABLE) != 0);
}

/* ---- alarm */
static int alarm_pipe[2];
static void on_alarm_write(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    if (write(alarm_pipe[1], "x", 1) != 1)
        hits += 100;
}

static void t_alarm(void)
{
    char c = 0;
    OK(pipe(alarm_pipe));
    OK(alarm(5));
    OK(alarm(0));
    on(SIGALRM, record, 0);
    hits = 0;
    OK(alarm(1));
    ERR(read(alarm_pipe[0], &c, 1), EINTR);
    printf("without SA_RESTART: hits=%d code=%s\n", (int)hits, g_code == SI_KERNEL ? "SI_KERNEL" : "other");
    on(SIGALRM, on_alarm_write, SA_RESTART);
    hits = 0;
    OK(alarm(1));
    OK(read(alarm_pipe[0], &c, 1));
    printf("with SA_RESTART: hits=%d read '%c'\n", (int)hits, c);
}

/* ---- context */
static void clobber(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    __asm__ volatile("xor %%r8, %%r8\n\txor %%r9, %%r9\n\txor %%r10, %%r10\n\txor %%rdx, %%rdx\n\t"
                     "xorpd %%xmm0, %%xmm0\n\txorpd %%xmm6, %%xmm6\n\txorpd %%xmm15, %%xmm15"
                     ::: "r8", "r9", "r10", "rdx", "xmm0", "xmm6", "xmm15");
}

extern char ud2_rax_at[] __attribute__((visibility("hidden")));
static volatile long seen_r8;

static void edit_context(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    record(sig, si, ucv);
    if (uc->uc_mcontext.gregs[REG_RIP] == (greg_t)ud2_rax_at) {
        seen_r8 = uc->uc_mcontext.gregs[REG_R8];
        uc->uc_mcontext.gregs[REG_RAX] = 1234;
        uc->uc_mcontext.gregs[REG_RIP] += 2;
    }
}

__attribute__((noinline)) static long rax_after_ud2(void)
{
    long out;
    __asm__ volatile("mov $1, %%rax\n\tmov $0x5858, %%r8\n\t"
                     ".globl ud2_rax_at\n\t.hidden ud2_rax_at\nud2_rax_at:\n\tud2\n\t"
                     "mov %%rax, %0"
                     : "=r"(out)::"rax", "r8", "memory");
    return out;
}

static void t_context(void)
{
    unsigned long r8o, r9o, r10o, rdxo;
    double x0o, x6o, x15o;
    double x0 = 1.25, x6 = -2.5, x15 = 1e300;
    long pid = getpid();
    on(SIGUSR1, clobber, 0);
    hits = 0;
    __asm__ volatile("mov $0x1111111111111111, %%r8\n\t"
                     "mov $0x2222222222222222, %%r9\n\t"
                     "mov $0x3333333333333333, %%r10\n\t"
                     "mov $0x4444444444444444, %%rdx\n\t"
                     "movsd %[x0], %%xmm0\n\t"
                     "movsd %[x6], %%xmm6\n\t"
                     "movsd %[x15], %%xmm15\n\t"
                     "mov %[pid], %%rdi\n\t"
                     "mov $10, %%esi\n\t" /* SIGUSR1 */
                     "mov $62, %%eax\n\t" /* kill */
                     "syscall\n\t"
                     "mov %%r8, %[r8o]\n\t"
                     "mov %%r9, %[r9o]\n\t"
                     "mov %%r10, %[r10o]\n\t"
                     "mov %%rdx, %[rdxo]\n\t"
                     "movsd %%xmm0, %[x0o]\n\t"
                     "movsd %%xmm6, %[x6o]\n\t"
                     "movsd %%xmm15, %[x15o]"
                     : [r8o] "=m"(r8o), [r9o] "=m"(r9o), [r10o] "=m"(r10o), [rdxo] "=m"(rdxo), [x0o] "=m"(x0o),
                       [x6o] "=m"(x6o), [x15o] "=m"(x15o)
                     : [x0] "m"(x0), [x6] "m"(x6), [x15] "m"(x15), [pid] "r"(pid)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm6", "xmm15", "memory",
                       "cc");
    printf("handler ran: %d\n", (int)hits);
    CHECK(r8o == 0x1111111111111111UL && r9o == 0x2222222222222222UL && r10o == 0x3333333333333333UL);
    CHECK(rdxo == 0x4444444444444444UL);
    CHECK(x0o == 1.25 && x6o == -2.5 && x15o == 1e300);
    on(SIGILL, edit_context, 0);
    hits = 0;
    long rax = rax_after_ud2();
    printf("after the handler edited the context: rax=%ld hits=%d r8 seen in handler=%#lx\n", rax, (int)hits,
           (long)seen_r8);
}

/* ---- flags */
static void nested(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    depth++;
    if (depth > maxdepth)
        maxdepth = depth;
    if (hits < 2)
        raise(sig);
    depth--;
}

static void t_flags(void)
{
    struct sigaction old;
    on(SIGUSR1, record, SA_RESETHAND);
    hits = 0;
    raise(SIGUSR1);
    OK(sigaction(SIGUSR1, NULL, &old));
    printf("SA_RESETHAND: hits=%d, then SIG_DFL:%d\n", (int)hits, old.sa_handler == SIG_DFL);
    on(SIGUSR2, nested, SA_NODEFER);
    hits = maxdepth = depth = 0;
    raise(SIGUSR2);
    printf("SA_NODEFER: hits=%d nesting=%d blocked inside=%d\n", (int)hits, (int)maxdepth, g_blocked_self);
    on(SIGUSR2, nested, 0);
    hits = maxdepth = depth = 0;
    raise(SIGUSR2);
    printf("without SA_NODEFER: hits=%d nesting=%d\n", (int)hits, (int)maxdepth);
}

/* ---- ignore */
static void t_ignore(void)
{
    OK(signal(SIGUSR1, SIG_IGN) == SIG_ERR ? -1 : 0);
    OK(raise(SIGUSR1));
    printf("survived ignored SIGUSR1\n");
    void (*prev)(int) = signal(SIGUSR1, SIG_DFL);
    printf("signal() returned the previous SIG_IGN: %d\n", prev == SIG_IGN);
    OK(raise(SIGCHLD));
    OK(raise(SIGWINCH));
    OK(raise(SIGURG));
    OK(raise(SIGCONT));
    printf("survived SIGCHLD, SIGWINCH, SIGURG, SIGCONT (default: ignore/continue)\n");
    sigset_t pend;
    OK(sigpending(&pend));
    printf("none pending: %d\n", !sigismember(&pend, SIGCHLD) && !sigismember(&pend, SIGUSR1));
    /* a blocked signal stays pending even while ignored (it could be un-ignored before the unblock) */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    signal(SIGUSR2, SIG_IGN);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR2);
    OK(sigpending(&pend));
    printf("blocked+ignored SIGUSR2 pending: %d\n", sigismember(&pend, SIGUSR2));
}

static const struct { const char *name; void (*fn)(void); } sections[] = {
    {"start", t_start}, {"info", t_info}, {"mask", t_mask}, {"term", t_term}, {"segv", t_segv}, {"fpe", t_fpe}, {"ill", t_ill},
    {"altstack", t_altstack}, {"alarm", t_alarm}, {"context", t_context}, {"flags", t_flags}, {"ignore", t_ignore},
};

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    int ran = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        if (strcmp(which, "all") == 0 || strcmp(which, sections[i].name) == 0) {
            SECTION(sections[i].name);
            sections[i].fn();
            ran++;
        }
    }
    if (!ran) {
        fprintf(stderr, "signals: unknown section '%s'\n", which);
        return 2;
    }
    return finish("signals");
}
