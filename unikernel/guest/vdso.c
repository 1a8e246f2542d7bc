/* The vDSO given to guests in AT_SYSINFO_EHDR.
 *
 * Exports clock_gettime, gettimeofday, time, getcpu and clock_getres under
 * version LINUX_2.6, as Linux's vDSO does. On hardware backends (kvm) the
 * runtime patches `lxpack_timepage` with the user address of a time page:
 * KVM keeps a pvclock record there (kvmclock) and the runtime adds the
 * offsets that turn it into CLOCK_MONOTONIC and CLOCK_REALTIME, so these
 * calls never leave the VM. Elsewhere (unicorn) the page is absent and every
 * call is the real system call.
 * Freestanding C, built by build_vdso.sh; vdso.so is committed.
 */
typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;
typedef signed char s8;
typedef unsigned char u8;

struct pvclock {                 /* struct pvclock_vcpu_time_info (kvmclock) */
    volatile u32 version;
    u32 pad0;
    volatile u64 tsc_timestamp;
    volatile u64 system_time;
    volatile u32 tsc_to_system_mul;
    volatile s8 tsc_shift;
    volatile u8 flags;
    u8 pad[2];
};

struct timepage {
    struct pvclock pv;           /* offset 0, written by KVM for vCPU 0 */
    u8 pad[32];
    volatile u64 valid;          /* offset 64: the runtime set the offsets */
    volatile s64 mono_offset;    /* CLOCK_MONOTONIC = kvmclock + mono_offset */
    volatile s64 real_offset;    /* CLOCK_REALTIME  = kvmclock + real_offset */
};

struct timespec { s64 tv_sec; s64 tv_nsec; };
struct timeval { s64 tv_sec; s64 tv_usec; };

/* Patched by the runtime: an 8-byte marker, then the time page's address. */
__attribute__((used, aligned(8), visibility("hidden")))
volatile u64 lxpack_timepage[2] = { 0x2145474150544c58UL /* "XLTPAGE!" */, 0 };

static long sys2(long nr, long a, long b)
{
    long ret;
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return ret;
}

static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static inline u64 rdtsc_ordered(void)
{
    u32 lo, hi;
    __asm__ volatile ("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((u64)hi << 32) | lo;
}

/* kvmclock nanoseconds, or -1 when no usable time page. */
static s64 kvmclock_ns(struct timepage **out)
{
    struct timepage *tp = (struct timepage *)lxpack_timepage[1];
    if (!tp || !tp->valid)
        return -1;
    struct pvclock *pv = &tp->pv;
    u32 v;
    u64 tsc, ts, st, delta;
    u32 mul;
    s8 shift;
    do {
        v = pv->version;
        __asm__ volatile ("" ::: "memory");
        if (v & 1 || v == 0 || !(pv->flags & 1))     /* PVCLOCK_TSC_STABLE_BIT */
            return -1;
        tsc = rdtsc_ordered();
        ts = pv->tsc_timestamp;
        st = pv->system_time;
        mul = pv->tsc_to_system_mul;
        shift = pv->tsc_shift;
        __asm__ volatile ("" ::: "memory");
    } while (v != pv->version);
    delta = tsc - ts;
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    *out = tp;
    return (s64)(st + (u64)(((unsigned __int128)delta * mul) >> 32));
}

int __vdso_clock_gettime(int clk, struct timespec *ts)
{
    struct timepage *tp;
    if (clk == 0 || clk == 1 || clk == 4 || clk == 5 || clk == 6 || clk == 7) {
        s64 ns = kvmclock_ns(&tp);
        if (ns >= 0) {
            ns += (clk == 0 || clk == 5) ? tp->real_offset : tp->mono_offset;
            ts->tv_sec = ns / 1000000000;
            ts->tv_nsec = ns % 1000000000;
            return 0;
        }
    }
    return (int)sys2(228, clk, (long)ts);
}

int __vdso_gettimeofday(struct timeval *tv, void *tz)
{
    struct timepage *tp;
    s64 ns = kvmclock_ns(&tp);
    if (ns >= 0 && !tz) {
        if (tv) {
            ns += tp->real_offset;
            tv->tv_sec = ns / 1000000000;
            tv->tv_usec = (ns % 1000000000) / 1000;
        }
        return 0;
    }
    return (int)sys2(96, (long)tv, (long)tz);
}

long __vdso_time(long *t)
{
    struct timepage *tp;
    s64 ns = kvmclock_ns(&tp);
    if (ns >= 0) {
        long s = (ns + tp->real_offset) / 1000000000;
        if (t)
            *t = s;
        return s;
    }
    return sys2(201, (long)t, 0);
}

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    return sys3(309, (long)cpu, (long)node, (long)cache);
}

int __vdso_clock_getres(int clk, struct timespec *res)
{
    return (int)sys2(229, clk, (long)res);
}

int clock_gettime(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
int clock_getres(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
