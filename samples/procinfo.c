/* procinfo: getpid/gettid/getppid, uid/gid family (printed: the same user
 * runs both), getgroups, getresuid/getresgid, getpgrp/getpgid/getsid, uname,
 * sysinfo, getrlimit/setrlimit/prlimit64 (RLIMIT_NOFILE round trip and
 * EMFILE), getrusage, times, prctl (PR_SET_NAME/PR_GET_NAME, PDEATHSIG,
 * DUMPABLE), sched_getaffinity, sched_yield, getcpu, getrandom, personality,
 * arch_prctl, the auxiliary vector and sysconf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
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

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("ids");
    pid_t pid = getpid();
    CHECK(pid == getpid());
    CHECK(pid > 1);
    CHECK(syscall(SYS_getpid) == pid);
    CHECK(syscall(SYS_gettid) == pid);
    CHECK(getppid() > 0 && getppid() != pid);
    printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
    {
        uid_t r, e, s;
        gid_t gr, ge, gs;
        OK(getresuid(&r, &e, &s));
        CHECK(r == getuid() && e == geteuid() && s == geteuid());
        OK(getresgid(&gr, &ge, &gs));
        CHECK(gr == getgid() && ge == getegid() && gs == getegid());
        gid_t groups[64];
        int n = OK(getgroups(64, groups));
        printf("groups:");
        for (int i = 0; i < n; i++)
            printf(" %d", (int)groups[i]);
        printf("\n");
        CHECK(getgroups(0, NULL) == n);
        if (n > 1)
            ERR(getgroups(1, groups), EINVAL);
        ERR(getgroups(-1, groups), EINVAL);
    }
    CHECK(getpgrp() == getpgid(0));
    CHECK(getpgid(pid) == getpgrp());
    printf("pgid == pid: %d (the harness starts every run in its own session)\n", getpgrp() == pid);
    printf("sid == pid: %d\n", getsid(0) == pid);
    ERR(getpgid(-5), ESRCH);
    ERR(getsid(-5), ESRCH);

    SECTION("uname");
    {
        struct utsname u;
        OK(uname(&u));
        printf("sysname=%s machine=%s\n", u.sysname, u.machine);
        CHECK(strlen(u.release) > 0 && strlen(u.version) > 0 && strlen(u.nodename) > 0);
        int major = 0, minor = 0;
        CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2 && major >= 3);
    }

    SECTION("sysinfo");
    {
        struct sysinfo si;
        OK(sysinfo(&si));
        CHECK(si.uptime > 0);
        CHECK(si.totalram > 0 && si.mem_unit >= 1);
        CHECK(si.freeram <= si.totalram);
        CHECK(si.procs > 0);
        CHECK((unsigned long long)si.totalram * si.mem_unit >= (64ULL << 20));
    }

    SECTION("rlimits");
    {
        struct rlimit rl, rl2, saved;
        OK(getrlimit(RLIMIT_NOFILE, &saved));
        /* The values depend on the shell's ulimit, and lxpack caps them at
         * the guest's descriptor range (samples/nofile_view.c checks that
         * view): print how they relate, not what they are. */
        printf("RLIMIT_NOFILE soft %s hard, soft >= 64: %s\n", saved.rlim_cur == saved.rlim_max ? "==" : "<",
               saved.rlim_cur >= 64 ? "yes" : "no");
        OK(getrlimit(RLIMIT_STACK, &rl));
        printf("RLIMIT_STACK soft=%lld\n", rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur);
        OK(getrlimit(RLIMIT_CORE, &rl));
        printf("RLIMIT_CORE soft=%lld\n", rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur);
        rl.rlim_cur = 16;
        rl.rlim_max = saved.rlim_max;
        OK(setrlimit(RLIMIT_NOFILE, &rl));
        OK(getrlimit(RLIMIT_NOFILE, &rl2));
        printf("after setrlimit: soft=%llu\n", (unsigned long long)rl2.rlim_cur);
        int opened = 0, last = -1;
        for (;;) {
            int fd = open("/dev/null", O_RDONLY);
            if (fd < 0)
                break;
            last = fd;
            opened++;
        }
        printf("opens until %s: %d, highest fd %d\n", errname(errno), opened, last);
        ERR(dup2(0, 16), EBADF);
        ERR(fcntl(0, F_DUPFD, 16), EINVAL);
        for (int fd = 3; fd <= last; fd++)
            close(fd);
        struct rlimit nw = {32, saved.rlim_max}, old;
        OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &nw, &old));
        printf("prlimit64 old soft=%llu\n", (unsigned long long)old.rlim_cur);
        OK(syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, NULL, &old));
        printf("prlimit64 now soft=%llu\n", (unsigned long long)old.rlim_cur);
        rl.rlim_cur = saved.rlim_max;
        rl.rlim_max = saved.rlim_max;
        if (saved.rlim_max != RLIM_INFINITY) {
            rl.rlim_cur = saved.rlim_max + 1;
            ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
        }
        ERR(getrlimit(99, &rl), EINVAL);
        OK(setrlimit(RLIMIT_NOFILE, &saved));
        OK(getrlimit(RLIMIT_NOFILE, &rl2));
        CHECK(rl2.rlim_cur == saved.rlim_cur && rl2.rlim_max == saved.rlim_max);
    }

    SECTION("getrusage/times");
    {
        struct rusage ru;
        volatile unsigned long spin = 0;
        for (unsigned long i = 0; i < 3000000; i++)
            spin += i;
        OK(getrusage(RUSAGE_SELF, &ru));
        CHECK(ru.ru_maxrss > 0);
        CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec < 1000000);
        OK(getrusage(RUSAGE_CHILDREN, &ru));
        CHECK(ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0);
        OK(getrusage(RUSAGE_THREAD, &ru));
        ERR(getrusage(42, &ru), EINVAL);
        struct tms t;
        clock_t c = times(&t);
        CHECK(c != (clock_t)-1);
        CHECK(t.tms_cutime == 0 && t.tms_cstime == 0);
        printf("sysconf(_SC_CLK_TCK) = %ld\n", sysconf(_SC_CLK_TCK));
    }

    SECTION("prctl");
    {
        char name[32] = {0};
        OK(prctl(PR_GET_NAME, name, 0, 0, 0));
        const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        CHECK(strncmp(name, base, 15) == 0);
        OK(prctl(PR_SET_NAME, "lxpack-e2e-a-long-name", 0, 0, 0));
        memset(name, 0, sizeof name);
        OK(prctl(PR_GET_NAME, name, 0, 0, 0));
        printf("PR_GET_NAME: '%s'\n", name);
        int sig = -1;
        OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
        printf("PR_GET_PDEATHSIG: %d\n", sig);
        OK(prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0));
        OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
        printf("PR_GET_PDEATHSIG: %d\n", sig);
        OK(prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0));
        ERR(prctl(PR_SET_PDEATHSIG, 1000, 0, 0, 0), EINVAL);
        OK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        ERR(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
    }

    SECTION("cpus");
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        OK(sched_getaffinity(0, sizeof set, &set));
        int n = CPU_COUNT(&set);
        CHECK(n > 0);
        printf("affinity count == online cpus: %d\n", n == sysconf(_SC_NPROCESSORS_ONLN));
        ERR(sched_getaffinity(0, 1, &set), EINVAL);
        OK(sched_yield());
        unsigned cpu = 9999, node = 9999;
        OK(syscall(SYS_getcpu, &cpu, &node, NULL));
        CHECK(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF) && node < 64);
        CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1);
        printf("sysconf(_SC_PAGESIZE) = %ld\n", sysconf(_SC_PAGESIZE));
    }

    SECTION("getrandom");
    {
        unsigned char a[64], b[64];
        static unsigned char big[100000];
        OK(syscall(SYS_getrandom, a, 16, 0));
        OK(syscall(SYS_getrandom, b, 16, 0));
        CHECK(memcmp(a, b, 16) != 0);
        OK(syscall(SYS_getrandom, a, 0, 0));
        OK(syscall(SYS_getrandom, a, 64, 1 /* GRND_NONBLOCK */));
        OK(syscall(SYS_getrandom, a, 64, 2 /* GRND_RANDOM */));
        OK(syscall(SYS_getrandom, big, sizeof big, 0));
        ERR(syscall(SYS_getrandom, a, 16, 0x40), EINVAL);
        ERR(syscall(SYS_getrandom, (void *)8, 16, 0), EFAULT);
    }

    SECTION("personality/arch_prctl");
    printf("personality(0xffffffff) = %#x\n", personality(0xffffffff));
    {
        unsigned long fs = 0;
        OK(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs));
        CHECK(fs != 0);
        /* the thread pointer points at itself on x86-64 (TLS variant II) */
        unsigned long self;
        __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
        CHECK(self == fs);
        ERR(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL);
    }

    SECTION("auxiliary vector");
    printf("AT_PAGESZ=%lu AT_CLKTCK=%lu AT_SECURE=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK),
           getauxval(AT_SECURE));
    CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid());
    CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
    CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_PHNUM) > 0);
    printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
    CHECK(getauxval(AT_ENTRY) != 0);
    CHECK(getauxval(AT_RANDOM) != 0);
    CHECK(getauxval(AT_SYSINFO_EHDR) != 0);
    CHECK(getauxval(AT_HWCAP) != 0);
    CHECK(getauxval(AT_MINSIGSTKSZ) != 0);
    {
        const char *plat = (const char *)getauxval(AT_PLATFORM);
        printf("AT_PLATFORM=%s\n", plat ? plat : "(none)");
        const char *execfn = (const char *)getauxval(AT_EXECFN);
        CHECK(execfn && strcmp(execfn, argv[0]) == 0);
        const unsigned char *ehdr = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
        CHECK(ehdr && memcmp(ehdr, "\177ELF", 4) == 0);
    }
    return finish("procinfo");
}
