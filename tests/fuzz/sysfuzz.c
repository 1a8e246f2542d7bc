/* sysfuzz: random system calls from a safe list, printed as a deterministic trace.
 *
 * Owns: the guest side of the differential system-call fuzzer (tests/fuzz/run.py
 * runs it natively and under lxpack and compares the traces).
 *
 *   sysfuzz SEED COUNT
 *
 * From SEED it issues COUNT calls, each with arguments drawn from classes
 * (its own descriptors by slot, invalid descriptors, NULL / kernel-half /
 * non-canonical / unmapped / guard-page-crossing pointers, valid buffers,
 * small and huge integers) and prints one line per call:
 *
 *   INDEX NAME(ARG-CLASSES) = RESULT
 *
 * RESULT is an errno name, or "ok" with a value where the value is
 * deterministic (counts, offsets, modes, sizes, checksums of data read from
 * its own files and pipes) and a class where it is not (pids, addresses,
 * times, inode numbers). The random stream never depends on results, so one
 * difference does not shift the arguments of later calls.
 *
 * Safety (the runner also runs it unprivileged, in a private PID namespace,
 * with a time limit): only relative paths in the cwd without "..", plus
 * /dev/null and /proc/self/{fd,exe}; signals only 0 to itself; memory calls
 * only on its own regions (lengths clamped to them); no setrlimit, no fork,
 * no blocking waits (descriptors are forced non-blocking, timeouts are 0-1 ms).
 * It refuses to run as root unless SYSFUZZ_ALLOW_ROOT=1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define OUT_FD 800           /* the trace; below lxpack's runtime range (900+) */
#define NSLOT 24             /* descriptor slots */
#define NREG 8               /* memory region slots */
#define BUFSZ 65536          /* ibuf/obuf size; a PROT_NONE page follows each */
#define PG 4096
#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

/* ---- random stream ---------------------------------------------------- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t R(uint64_t n) { return n ? rnd() % n : 0; }

/* ---- trace line ------------------------------------------------------- */
static char L[16384];
static int LN;
static void ap(const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    int n = vsnprintf(L + LN, sizeof L - LN, fmt, va);
    va_end(va);
    if (n > 0)
        LN += n;
    if (LN > (int)sizeof L - 2)
        LN = sizeof L - 2;
}
static void sep(void)
{
    if (LN && L[LN - 1] != '(')
        ap(",");
}
static void flush_line(void)
{
    ap("\n");
    int off = 0;
    while (off < LN) {
        ssize_t w = write(OUT_FD, L + off, LN - off);
        if (w <= 0)
            _exit(3);
        off += w;
    }
    LN = 0;
}

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- state: descriptors, regions, buffers ----------------------------- */
struct slot { long fd; const char *kind; };
static struct slot slots[NSLOT];
static int next_slot;
struct region { char *addr; size_t len; };
static struct region regs[NREG];
static int next_reg;
static char *ibuf, *obuf, *sbuf;   /* input (constant), output, structs */
static char *unmapped;             /* an address nothing is mapped at */
static long self_pid, self_tid;
static unsigned long brk0, brk_cur;
static char cwd0[4096];
static size_t cwd0_len;

static void put_fd(long fd, const char *kind)
{
    slots[next_slot].fd = fd;
    slots[next_slot].kind = kind;
    next_slot = (next_slot + 1) % NSLOT;
}
static void put_reg(void *addr, size_t len)
{
    regs[next_reg].addr = addr == MAP_FAILED ? NULL : addr;
    regs[next_reg].len = addr == MAP_FAILED ? 0 : len;
    next_reg = (next_reg + 1) % NREG;
}

/* ---- argument classes ------------------------------------------------- */
static long A_fd(void)
{
    static const long bad[] = {-1, -100, 0x7fffffff, 1L << 20, 4096};
    sep();
    if (R(10) < 8) {
        int k = R(NSLOT);
        ap("fd#%d", k);
        return slots[k].fd;
    }
    long v = bad[R(5)];
    ap("fd=%ld", v);
    return v;
}
static long A_dirfd(void)
{
    if (R(2)) {
        sep();
        ap("AT_FDCWD");
        return AT_FDCWD;
    }
    return A_fd();
}

/* pointer classes; *cap receives how many bytes may be touched safely */
static char *A_ptr(int out, size_t *cap)
{
    char *b = out ? obuf : ibuf;
    size_t dummy;
    if (!cap)
        cap = &dummy;
    *cap = (size_t)-1;
    sep();
    switch (R(12)) {
    case 0: ap("null"); return NULL;
    case 1: ap("kern"); return (char *)0xffff800000000000UL;
    case 2: ap("noncanon"); return (char *)0x0000800000000000UL;
    case 3: ap("unmapped"); return unmapped;
    case 4: { int k = R(16) + 1; ap("guard-%d", k); return b + BUFSZ - k; }
    case 5: ap("buf+1"); return b + 1;
    case 6: case 7: {
        int k = R(NREG);
        /* the stream is consumed the same way whatever the region's length */
        uint64_t x = rnd(), pg = R(2);
        size_t off = regs[k].len ? (x % regs[k].len) & ~(size_t)(pg ? 0 : 4095) : 0;
        ap("reg#%d+%s", k, pg ? "odd" : "pg");
        *cap = regs[k].len - off;
        return regs[k].addr ? regs[k].addr + off : NULL;
    }
    default: ap("buf"); return b;
    }
}
static size_t A_len(size_t cap)
{
    static const size_t big[] = {65536, 1UL << 40, (size_t)-1, 0x7ffff000};
    size_t v;
    sep();
    switch (R(8)) {
    case 0: v = 0; break;
    case 1: v = 1; break;
    case 2: v = R(16); break;
    case 3: v = R(256); break;
    case 4: v = R(4096); break;
    case 5: v = big[R(4)]; break;
    default: v = R(512) + 1; break;
    }
    if (v > cap) {
        v = cap;
        ap("len=cap");
    } else if (v <= 4096) {
        ap("len=%zu", v);
    } else {
        ap("len=%#zx", v);
    }
    return v;
}
static long A_int(const long *vals, int n, const char *name)
{
    long v = vals[R(n)];
    sep();
    ap("%s=%#lx", name, v);
    return v;
}
static long A_small(const char *name, long n)
{
    long v = R(n);
    sep();
    ap("%s=%ld", name, v);
    return v;
}

static const char *names[] = {
    "a", "b", "c", "d", "d/a", "d/e", "d/e/f", "l", "m", "x/y", "", ".",
    "a/", "d/", "/dev/null", "/proc/self/fd", "/proc/self/exe", "LONGNAME", "LONGPATH"
};
#define NNAMES (sizeof names / sizeof names[0])
static char longname[300], longpath[4200];
static const char *A_path(void)
{
    sep();
    int c = R(NNAMES + 4);
    if (c < (int)NNAMES) {
        ap("\"%s\"", names[c]);
        if (!strcmp(names[c], "LONGNAME"))
            return longname;
        if (!strcmp(names[c], "LONGPATH"))
            return longpath;
        return names[c];
    }
    switch (c - NNAMES) {
    case 0: ap("null"); return NULL;
    case 1: ap("kern"); return (char *)0xffff800000000000UL;
    case 2: ap("unmapped"); return unmapped;
    default: ap("guard-str"); return ibuf + BUFSZ - 3; /* "aaa" then the guard page */
    }
}

/* ---- results ---------------------------------------------------------- */
static int res_err(long r)
{
    if (r == -1) {
        const char *n = strerrorname_np(errno);
        if (n)
            ap(" = %s", n);
        else
            ap(" = E%d", errno);
        return 1;
    }
    return 0;
}
static void res_val(long r)
{
    if (!res_err(r))
        ap(" = %ld", r);
}
static void res_ok(long r)
{
    if (!res_err(r))
        ap(" = ok");
}
static void res_fd(long r, const char *kind)
{
    /* the number itself is not printed: one extra descriptor would make every
       later result differ; the setup line shows the numbering once */
    if (!res_err(r))
        ap(" = fd");
    put_fd(r, kind);
}
static void res_data(long r, const char *p, size_t cap)
{
    if (res_err(r))
        return;
    ap(" = %ld", r);
    if ((p == obuf || p == obuf + 1) && r > 0 && (size_t)r <= cap)
        ap(" ck=%016llx", (unsigned long long)fnv(p, r));
}
static void stat_out(const struct stat *st)
{
    ap(" mode=%o nlink=%lu uid=%u", st->st_mode, (unsigned long)st->st_nlink, st->st_uid);
    if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
        ap(" size=%lld", (long long)st->st_size);
    if (S_ISCHR(st->st_mode))
        ap(" rdev=%#llx", (unsigned long long)st->st_rdev);
}

/* ---- the calls -------------------------------------------------------- */
static const long open_flags[] = {
    O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_TRUNC,
    O_RDWR | O_CREAT | O_EXCL, O_RDONLY | O_DIRECTORY, O_RDONLY | O_NOFOLLOW,
    O_PATH, O_WRONLY | O_APPEND, O_RDWR | O_TMPFILE, O_RDONLY | O_CLOEXEC | O_NONBLOCK,
    O_RDWR | O_DIRECT, 0x7fffffff & ~(O_ASYNC | O_CREAT | O_TMPFILE), O_RDONLY | O_PATH | O_NOFOLLOW,
};
static const long modes[] = {0, 0600, 0644, 0755, 0777, 0400, 07777, -1};
static const long whences[] = {SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 5, -1};
static const long offs[] = {0, 1, 100, 4096, 1L << 40, -1, -4096, 0x7fffffffffffffffL};
static const long at_flags[] = {0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0x7fff0000, AT_EACCESS, AT_REMOVEDIR};
static const long access_modes[] = {F_OK, R_OK, W_OK, X_OK, R_OK | W_OK, 7, 8, -1};
static const long tlens[] = {0, 1, 100, 4096, 1L << 40, -1, 0x7fffffffffffffffL, 0x7ffffffffffff000L};
static const long falloc_modes[] = {0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE, FALLOC_FL_COLLAPSE_RANGE, 0x100, -1};
static const long falloc_lens[] = {0, 1, 4096, 65536, -1, -4096, LONG_MAX, LONG_MAX};
static const long sigs_ok[] = {SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH, SIGURG, 34, 40, 64};
static const long sigs_bad[] = {0, SIGKILL, SIGSTOP, 65, -1, 1000};
static const long clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                              CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
                              CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_TAI, 12, -1, 0x7fffffff,
                              -6 /* dynamic clock of fd 0 */, -2 /* cpu clock of pid 0 */};

static void do_fcntl(void)
{
    static const long cmds[] = {F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK,
                                F_OFD_GETLK, F_OFD_SETLK, F_GETOWN, F_SETOWN, F_GETSIG, F_SETSIG,
                                F_GETPIPE_SZ, F_SETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS, F_GETLEASE, 9999};
    long fd = A_fd();
    long cmd = A_int(cmds, sizeof cmds / sizeof cmds[0], "cmd");
    static const long argv_[] = {0, 1, 3, 64, 4096, 65536, 1 << 20, -1, 0x7fffffff};
    long arg = argv_[R(9)];
    struct flock *fl = (struct flock *)sbuf;
    switch (cmd) {
    case F_SETFL: arg = (arg & ~O_ASYNC) | O_NONBLOCK; break;
    case F_SETOWN: arg = R(2) ? 0 : self_pid; break;
    case F_SETSIG: arg = R(2) ? 0 : SIGUSR1; break;
    case F_GETLK: case F_SETLK: case F_OFD_GETLK: case F_OFD_SETLK:
        memset(fl, 0, sizeof *fl);
        fl->l_type = (short[]){F_RDLCK, F_WRLCK, F_UNLCK, 7}[R(4)];
        fl->l_whence = R(4);
        fl->l_start = (long[]){0, 10, -1, 1L << 40}[R(4)];
        fl->l_len = (long[]){0, 10, -5, 1L << 40}[R(4)];
        fl->l_pid = 0;
        arg = R(4) ? (long)fl : (long)(R(2) ? 0 : 0xffff800000000000UL);
        break;
    }
    sep();
    if (cmd == F_SETOWN)
        ap("arg=%s", arg ? "self" : "0");
    else if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_OFD_GETLK || cmd == F_OFD_SETLK)
        ap("flock{%d,%d,%ld,%ld}%s", fl->l_type, fl->l_whence, (long)fl->l_start, (long)fl->l_len,
           arg == (long)fl ? "" : arg ? "@kern" : "@null");
    else
        ap("arg=%#lx", arg);
    ap(")");
    long r = syscall(SYS_fcntl, fd, cmd, arg);
    if (res_err(r))
        return;
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        ap(" = fd");
        put_fd(r, "dup");
    } else if (cmd == F_GETOWN) {
        ap(" = %s", r == 0 ? "0" : r == self_pid ? "self" : "other");
    } else if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        ap(" = %ld type=%d", r, fl->l_type);
    } else {
        ap(" = %#lx", r);
    }
}

static void do_call(int i)
{
    long r;
    size_t cap;
    char *p, *q;
    long fd, fd2;
    const char *s, *s2;
    int which = R(86);
    ap("%d ", i);
    switch (which) {
    case 0: case 1: {
        ap("open(");
        s = A_path();
        long fl = A_int(open_flags, sizeof open_flags / sizeof open_flags[0], "flags");
        long m = A_int(modes, 8, "mode");
        ap(")");
        r = syscall(SYS_open, s, fl, m);
        res_fd(r, "file");
        break;
    }
    case 2: case 3: {
        ap("openat(");
        fd = A_dirfd();
        s = A_path();
        long fl = A_int(open_flags, sizeof open_flags / sizeof open_flags[0], "flags");
        long m = A_int(modes, 8, "mode");
        ap(")");
        r = syscall(SYS_openat, fd, s, fl, m);
        res_fd(r, "file");
        break;
    }
    case 4: case 5: case 6:
        ap("read(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        {
            size_t n = A_len(cap);
            r = syscall(SYS_read, fd, p, n);
            ap(")");
            res_data(r, p, cap);
        }
        break;
    case 7: case 8: case 9:
        ap("write(");
        fd = A_fd();
        p = A_ptr(0, &cap);
        {
            size_t n = A_len(cap);
            ap(")");
            r = syscall(SYS_write, fd, p, n);
            res_val(r);
        }
        break;
    case 10: {
        ap("pread64(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        size_t n = A_len(cap);
        long off = A_int(offs, 8, "off");
        ap(")");
        r = syscall(SYS_pread64, fd, p, n, off);
        res_data(r, p, cap);
        break;
    }
    case 11: {
        ap("pwrite64(");
        fd = A_fd();
        p = A_ptr(0, &cap);
        size_t n = A_len(cap);
        long off = A_int(offs, 8, "off");
        ap(")");
        r = syscall(SYS_pwrite64, fd, p, n, off);
        res_val(r);
        break;
    }
    case 12: case 13: {
        ap("lseek(");
        fd = A_fd();
        long off = A_int(offs, 8, "off");
        long wh = A_int(whences, 7, "whence");
        ap(")");
        r = syscall(SYS_lseek, fd, off, wh);
        res_val(r);
        break;
    }
    case 14: case 15:
        ap("fstat(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_fstat, fd, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf)
                stat_out((struct stat *)p);
        }
        break;
    case 16: {
        ap("newfstatat(");
        fd = A_dirfd();
        s = A_path();
        p = A_ptr(1, &cap);
        long fl = A_int(at_flags, 7, "flags");
        ap(")");
        r = syscall(SYS_newfstatat, fd, s, p, fl);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf)
                stat_out((struct stat *)p);
        }
        break;
    }
    case 17: {
        ap("statx(");
        fd = A_dirfd();
        s = A_path();
        long fl = A_int(at_flags, 7, "flags");
        static const long masks[] = {STATX_BASIC_STATS, STATX_TYPE | STATX_SIZE, 0, STATX__RESERVED, STATX_ALL};
        long mask = A_int(masks, 5, "mask");
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_statx, fd, s, fl, mask, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                struct statx *sx = (struct statx *)p;
                ap(" mask&basic=%#x mode=%o nlink=%u", sx->stx_mask & STATX_BASIC_STATS, sx->stx_mode, sx->stx_nlink);
                if (S_ISREG(sx->stx_mode) || S_ISLNK(sx->stx_mode))
                    ap(" size=%llu", (unsigned long long)sx->stx_size);
            }
        }
        break;
    }
    case 18:
        ap("access(");
        s = A_path();
        r = A_int(access_modes, 8, "mode");
        ap(")");
        r = syscall(SYS_access, s, r);
        res_ok(r);
        break;
    case 19: case 20: {
        int two = which == 20;
        ap(two ? "faccessat2(" : "faccessat(");
        fd = A_dirfd();
        s = A_path();
        long m = A_int(access_modes, 8, "mode");
        long fl = two ? A_int(at_flags, 7, "flags") : 0;
        ap(")");
        r = two ? syscall(SYS_faccessat2, fd, s, m, fl) : syscall(SYS_faccessat, fd, s, m);
        res_ok(r);
        break;
    }
    case 21:
        ap("mkdir(");
        s = A_path();
        r = A_int(modes, 8, "mode");
        ap(")");
        r = syscall(SYS_mkdir, s, r);
        res_ok(r);
        break;
    case 22:
        ap("rmdir(");
        s = A_path();
        ap(")");
        r = syscall(SYS_rmdir, s);
        res_ok(r);
        break;
    case 23:
        ap("unlink(");
        s = A_path();
        ap(")");
        r = syscall(SYS_unlink, s);
        res_ok(r);
        break;
    case 24:
        ap("rename(");
        s = A_path();
        s2 = A_path();
        ap(")");
        r = syscall(SYS_rename, s, s2);
        res_ok(r);
        break;
    case 25:
        ap("link(");
        s = A_path();
        s2 = A_path();
        ap(")");
        r = syscall(SYS_link, s, s2);
        res_ok(r);
        break;
    case 26:
        ap("symlink(");
        s = A_path();
        s2 = A_path();
        ap(")");
        r = syscall(SYS_symlink, s, s2);
        res_ok(r);
        break;
    case 27: {
        ap("readlink(");
        s = A_path();
        p = A_ptr(1, &cap);
        size_t n = A_len(cap);
        ap(")");
        r = syscall(SYS_readlink, s, p, n);
        res_data(r, p, cap);
        break;
    }
    case 28:
        ap("truncate(");
        s = A_path();
        r = A_int(tlens, 8, "len");
        ap(")");
        r = syscall(SYS_truncate, s, r);
        res_ok(r);
        break;
    case 29:
        ap("ftruncate(");
        fd = A_fd();
        r = A_int(tlens, 8, "len");
        ap(")");
        r = syscall(SYS_ftruncate, fd, r);
        res_ok(r);
        break;
    case 30: {
        ap("fallocate(");
        fd = A_fd();
        long m = A_int(falloc_modes, 7, "mode");
        long off = A_int(offs, 8, "off");
        /* never a real huge allocation (a memfd would take the machine's memory):
           large lengths are chosen so that off + len overflows */
        long len = falloc_lens[R(8)];
        if (len == LONG_MAX)
            len = off > 0 ? LONG_MAX - off + 1 : -1;
        sep();
        ap("len=%#lx", len);
        ap(")");
        r = syscall(SYS_fallocate, fd, m, off, len);
        res_ok(r);
        break;
    }
    case 31: case 32:
        ap(which == 31 ? "fsync(" : "fdatasync(");
        fd = A_fd();
        ap(")");
        r = syscall(which == 31 ? SYS_fsync : SYS_fdatasync, fd);
        res_ok(r);
        break;
    case 33: {
        ap("getdents64(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        size_t n = A_len(cap);
        ap(")");
        r = syscall(SYS_getdents64, fd, p, n);
        if (!res_err(r)) {
            ap(" = %ld", r);
            if (p == obuf && r > 0 && (size_t)r <= cap) {
                /* order-insensitive: count and sum of name hashes and types */
                uint64_t h = 0;
                long cnt = 0;
                for (long o = 0; o < r;) {
                    unsigned short reclen = *(unsigned short *)(p + o + 16);
                    unsigned char type = *(unsigned char *)(p + o + 18);
                    const char *nm = p + o + 19;
                    h += fnv(nm, strlen(nm)) ^ type;
                    cnt++;
                    if (!reclen)
                        break;
                    o += reclen;
                }
                ap(" n=%ld names=%016llx", cnt, (unsigned long long)h);
            }
        }
        break;
    }
    case 34:
        ap("dup(");
        fd = A_fd();
        ap(")");
        r = syscall(SYS_dup, fd);
        res_fd(r, "dup");
        break;
    case 35:
        ap("dup2(");
        fd = A_fd();
        fd2 = A_fd();
        ap(")");
        r = syscall(SYS_dup2, fd, fd2);
        if (!res_err(r))
            ap(" = %s", r == fd2 ? "newfd" : "other");
        break;
    case 36: {
        ap("dup3(");
        fd = A_fd();
        fd2 = A_fd();
        static const long fl[] = {0, O_CLOEXEC, O_NONBLOCK, -1};
        long f = A_int(fl, 4, "flags");
        ap(")");
        r = syscall(SYS_dup3, fd, fd2, f);
        if (!res_err(r))
            ap(" = %s", r == fd2 ? "newfd" : "other");
        break;
    }
    case 37: case 38:
        do_fcntl_label:
        ap("fcntl(");
        do_fcntl();
        break;
    case 39: {
        ap("flock(");
        fd = A_fd();
        static const long ops[] = {LOCK_SH, LOCK_EX, LOCK_UN, 0, 16, -1};
        long op = A_int(ops, 6, "op");
        if (op != -1)
            op |= LOCK_NB;
        ap(")");
        r = syscall(SYS_flock, fd, op);
        res_ok(r);
        break;
    }
    case 40: case 41:
        ap("close(");
        fd = A_fd();
        ap(")");
        r = syscall(SYS_close, fd);
        res_ok(r);
        break;
    case 42: {
        ap("pipe2(");
        p = A_ptr(1, &cap);
        static const long fl[] = {0, O_CLOEXEC, O_DIRECT, 0x7fffffff & ~O_ASYNC};
        long f = A_int(fl, 4, "flags") | O_NONBLOCK;
        ap(")");
        r = syscall(SYS_pipe2, p, f);
        if (!res_err(r))
            ap(" = ok");
        int ok = r == 0 && (p == obuf || p == obuf + 1);
        int pfd[2] = {-1, -1};
        if (ok)
            memcpy(pfd, p, sizeof pfd);
        put_fd(pfd[0], "pipe_r");
        put_fd(pfd[1], "pipe_w");
        break;
    }
    case 43: {
        ap("socketpair(");
        static const long doms[] = {AF_UNIX, AF_UNIX, AF_INET, AF_NETLINK, -1};
        static const long types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, SOCK_STREAM | SOCK_CLOEXEC, 99};
        static const long protos[] = {0, 0, 1, -1};
        long d = A_int(doms, 5, "domain");
        long t = A_int(types, 6, "type") | SOCK_NONBLOCK;
        long pr = A_int(protos, 4, "proto");
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_socketpair, d, t, pr, p);
        if (!res_err(r))
            ap(" = ok");
        int sv[2] = {-1, -1};
        if (r == 0 && (p == obuf || p == obuf + 1))
            memcpy(sv, p, sizeof sv);
        put_fd(sv[0], "sock");
        put_fd(sv[1], "sock");
        break;
    }
    case 44: case 45: {
        ap(which == 44 ? "getsockname(" : "getpeername(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        int *lenp = (int *)(sbuf + 512);
        static const long lens[] = {0, 2, 16, 110, 200, -1};
        *lenp = A_int(lens, 6, "*len");
        char *lp = (char *)lenp;
        switch (R(4)) {
        case 0: ap("@null"); lp = NULL; break;
        case 1: ap("@kern"); lp = (char *)0xffff800000000000UL; break;
        }
        ap(")");
        r = syscall(which == 44 ? SYS_getsockname : SYS_getpeername, fd, p, lp);
        if (!res_err(r)) {
            ap(" = ok len=%d", *lenp);
            if (p == obuf && *lenp >= 2)
                ap(" family=%d", *(unsigned short *)p);
        }
        break;
    }
    case 46: {
        ap("shutdown(");
        fd = A_fd();
        static const long hows[] = {SHUT_RD, SHUT_WR, SHUT_RDWR, 5, -1};
        long h = A_int(hows, 5, "how");
        ap(")");
        r = syscall(SYS_shutdown, fd, h);
        res_ok(r);
        break;
    }
    case 47: case 48: {
        int set = which == 47;
        ap(set ? "setsockopt(" : "getsockopt(");
        fd = A_fd();
        static const long levels[] = {SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, 6 /* TCP */, -1, 0};
        static const long opts[] = {SO_RCVBUF, SO_SNDBUF, SO_REUSEADDR, SO_KEEPALIVE, SO_TYPE, SO_ERROR,
                                    SO_LINGER, SO_RCVTIMEO, SO_PASSCRED, SO_DOMAIN, SO_PROTOCOL,
                                    SO_ACCEPTCONN, SO_PEEK_OFF, SO_RCVLOWAT, SO_BROADCAST, 9999, -1};
        long lvl = A_int(levels, 6, "level");
        long opt = A_int(opts, sizeof opts / sizeof opts[0], "opt");
        p = A_ptr(!set, &cap);
        if (set && p == ibuf) {
            p = sbuf + 1024;
            static const int vals[] = {0, 1, 4096, 65536, -1};
            memset(p, 0, 64);
            *(int *)p = vals[R(5)];
            ap("{%d}", *(int *)p);
        }
        static const long lens[] = {0, 1, 4, 8, 16, 64, -1};
        long olen = A_int(lens, 7, "len");
        if (set) {
            ap(")");
            r = syscall(SYS_setsockopt, fd, lvl, opt, p, olen);
            res_ok(r);
        } else {
            int *lenp = (int *)(sbuf + 512);
            *lenp = olen;
            ap(")");
            r = syscall(SYS_getsockopt, fd, lvl, opt, p, lenp);
            if (!res_err(r)) {
                ap(" = ok len=%d", *lenp);
                if (p == obuf && *lenp >= 4 && opt != SO_PEERCRED)
                    ap(" val=%d", *(int *)p);
            }
        }
        break;
    }
    case 49: case 50: {
        int pp = which == 50;
        ap(pp ? "ppoll(" : "poll(");
        int n = R(5);
        struct pollfd *pf = (struct pollfd *)(obuf + BUFSZ - 8 * 8);
        sep();
        ap("[");
        for (int k = 0; k < n; k++) {
            int sl = R(NSLOT);
            pf[k].fd = slots[sl].fd;
            pf[k].events = (short[]){POLLIN, POLLOUT, POLLIN | POLLOUT, POLLPRI, 0, -1}[R(6)];
            pf[k].revents = 0;
            ap("%sfd#%d:%#x", k ? " " : "", sl, (unsigned short)pf[k].events);
        }
        ap("]");
        char *pfp = (char *)pf;
        long nfds = n;
        switch (R(8)) {
        case 0: ap("@null"); pfp = NULL; break;
        case 1: ap("@kern"); pfp = (char *)0xffff800000000000UL; break;
        case 2: ap("nfds=%#x", 0x7fffffff); nfds = 0x7fffffff; break;
        case 3: ap("nfds=%d", n + 2); nfds = n + 2; break; /* crosses the guard page */
        }
        if (pp) {
            struct timespec *ts = (struct timespec *)(sbuf + 256);
            ts->tv_sec = 0;
            ts->tv_nsec = (long[]){0, 1000000, 1000000000, -1}[R(4)];
            char *tsp = (char *)ts;
            sep();
            ap("ts{0,%ld}", ts->tv_nsec);
            if (R(6) == 0) { ap("@kern"); tsp = (char *)0xffff800000000000UL; }
            long ssz = R(4) ? 8 : 4;
            uint64_t *mask = (uint64_t *)(sbuf + 320);
            *mask = R(2) ? 0 : (1ULL << (SIGUSR1 - 1));
            char *mp = R(3) ? NULL : (char *)mask;
            ap(",mask=%s,sigsetsize=%ld)", mp ? "set" : "null", ssz);
            r = syscall(SYS_ppoll, pfp, nfds, tsp, mp, ssz);
        } else {
            long to = R(2);
            ap(",timeout=%ld)", to);
            r = syscall(SYS_poll, pfp, nfds, to);
        }
        if (!res_err(r)) {
            ap(" = %ld [", r);
            if (pfp == (char *)pf)
                for (int k = 0; k < n; k++)
                    ap("%s%#x", k ? " " : "", (unsigned short)pf[k].revents);
            ap("]");
        }
        break;
    }
    case 51: {
        ap("select(");
        fd_set *sets = (fd_set *)(sbuf + 2048);
        memset(sets, 0, 3 * sizeof(fd_set));
        long nfds = (long[]){0, 16, 64, 1024, -1, 0x7fffffff}[R(6)];
        sep();
        ap("nfds=%ld,", nfds);
        for (int w = 0; w < 3; w++) {
            int n = R(3);
            ap("[");
            for (int k = 0; k < n; k++) {
                int sl = R(NSLOT);
                long f = slots[sl].fd;
                if (f >= 0 && f < 1024)
                    FD_SET(f, &sets[w]);
                ap("%sfd#%d", k ? " " : "", sl);
            }
            ap("]");
        }
        struct timeval *tv = (struct timeval *)(sbuf + 256);
        tv->tv_sec = 0;
        tv->tv_usec = (long[]){0, 1000, -1, 1000}[R(4)];
        char *tvp = (char *)tv;
        ap(",tv{0,%ld}", (long)tv->tv_usec);
        if (R(8) == 0) { ap("@kern"); tvp = (char *)0xffff800000000000UL; }
        ap(")");
        uint64_t before[3][16];
        memcpy(before, sets, sizeof before);
        r = syscall(SYS_select, nfds, &sets[0], &sets[1], &sets[2], tvp);
        if (!res_err(r)) {
            ap(" = %ld sets=%016llx", r, (unsigned long long)fnv(sets, 3 * sizeof(fd_set)));
        }
        break;
    }
    case 52: {
        ap("epoll_create1(");
        static const long fl[] = {0, EPOLL_CLOEXEC, 1};
        long f = A_int(fl, 3, "flags");
        ap(")");
        r = syscall(SYS_epoll_create1, f);
        res_fd(r, "epoll");
        break;
    }
    case 53: case 54: {
        ap("epoll_ctl(");
        long ep = A_fd();
        static const long ops[] = {EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 0, 9};
        long op = A_int(ops, 6, "op");
        int sl = R(NSLOT);
        fd = slots[sl].fd;
        sep();
        ap("fd#%d", sl);
        struct epoll_event *ev = (struct epoll_event *)(sbuf + 128);
        ev->events = (uint32_t[]){EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLET, EPOLLIN | EPOLLONESHOT, EPOLLEXCLUSIVE | EPOLLIN, 0xffffffff}[R(6)];
        ev->data.u64 = sl;
        char *evp = (char *)ev;
        ap(",ev{%#x}", ev->events);
        switch (R(6)) {
        case 0: ap("@null"); evp = NULL; break;
        case 1: ap("@kern"); evp = (char *)0xffff800000000000UL; break;
        }
        ap(")");
        r = syscall(SYS_epoll_ctl, ep, op, fd, evp);
        res_ok(r);
        break;
    }
    case 55: {
        ap("epoll_wait(");
        long ep = A_fd();
        p = A_ptr(1, &cap);
        static const long mx[] = {0, 1, 8, -1, 0x7fffffff};
        long m = A_int(mx, 5, "max");
        if (cap != (size_t)-1 && m > 0 && (size_t)m * sizeof(struct epoll_event) > cap)
            m = cap / sizeof(struct epoll_event);
        ap(",timeout=0)");
        r = syscall(SYS_epoll_wait, ep, p, m, 0);
        if (!res_err(r)) {
            ap(" = %ld", r);
            if (p == obuf)
                for (long k = 0; k < r && k < 64; k++) {
                    struct epoll_event *e = (struct epoll_event *)(p + k * sizeof(struct epoll_event));
                    ap(" %#x:#%llu", e->events, (unsigned long long)e->data.u64);
                }
        }
        break;
    }
    case 56: {
        ap("eventfd2(");
        static const long iv[] = {0, 1, 0xffffffff};
        static const long fl[] = {0, EFD_CLOEXEC, EFD_SEMAPHORE, 0x7fffffff};
        long v = A_int(iv, 3, "init");
        long f = A_int(fl, 4, "flags") | EFD_NONBLOCK;
        ap(")");
        r = syscall(SYS_eventfd2, v, f);
        res_fd(r, "eventfd");
        break;
    }
    case 57: {
        ap("timerfd_create(");
        static const long ck[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME_ALARM, -1};
        static const long fl[] = {0, TFD_CLOEXEC, 0x7fffffff};
        long c = A_int(ck, 6, "clock");
        long f = A_int(fl, 3, "flags") | TFD_NONBLOCK;
        ap(")");
        r = syscall(SYS_timerfd_create, c, f);
        res_fd(r, "timerfd");
        break;
    }
    case 58: {
        ap("timerfd_settime(");
        fd = A_fd();
        static const long fl[] = {0, TFD_TIMER_ABSTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, 0x100};
        long f = A_int(fl, 4, "flags");
        struct itimerspec *its = (struct itimerspec *)(sbuf + 640);
        static const long vals[][2] = {{0, 0}, {0, 1}, {10, 0}, {0, 1000000000}, {-1, 0}};
        static const long ivals[][2] = {{0, 0}, {10, 0}, {0, 1000000000}};
        int a = R(5), b = R(3);
        its->it_value.tv_sec = vals[a][0];
        its->it_value.tv_nsec = vals[a][1];
        its->it_interval.tv_sec = ivals[b][0];
        its->it_interval.tv_nsec = ivals[b][1];
        char *ip = (char *)its;
        sep();
        ap("new{%ld.%ld/%ld.%ld}", (long)its->it_value.tv_sec, its->it_value.tv_nsec,
           (long)its->it_interval.tv_sec, its->it_interval.tv_nsec);
        if (R(8) == 0) { ap("@null"); ip = NULL; }
        q = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_timerfd_settime, fd, f, ip, q);
        res_ok(r);
        break;
    }
    case 59:
        ap("timerfd_gettime(");
        fd = A_fd();
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_timerfd_gettime, fd, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                struct itimerspec *its = (struct itimerspec *)p;
                ap(" value=%s interval=%ld.%09ld", its->it_value.tv_sec || its->it_value.tv_nsec ? "armed" : "0",
                   (long)its->it_interval.tv_sec, its->it_interval.tv_nsec);
            }
        }
        break;
    case 60: {
        ap("memfd_create(");
        if (R(4)) {
            s = "m";
            sep();
            ap("\"m\"");
        } else {
            s = A_path();
        }
        static const long fl[] = {0, MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, 0x7fff0000};
        long f = A_int(fl, 5, "flags");
        ap(")");
        r = syscall(SYS_memfd_create, s, f);
        res_fd(r, "memfd");
        break;
    }
    case 61: case 62: {
        ap("mmap(");
        static const long prots[] = {PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC, 0x1000};
        static const long flags[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS,
                                     MAP_SHARED_VALIDATE | 0x800000, 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE};
        int k = R(NREG);
        long len = (long[]){4096, 8192, 16384, 1, 0, 1L << 46}[R(6)];
        long prot = A_int(prots, 5, "prot");
        long fl = A_int(flags, 9, "flags");
        char *addr = NULL;
        if (fl & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
            addr = regs[k].addr;
            if (!addr || regs[k].len < (size_t)len)
                len = regs[k].len & ~4095UL;
            sep();
            ap("addr=reg#%d", k);
        }
        sep();
        ap("len=%#lx", len);
        fd = (fl & MAP_ANONYMOUS) ? -1 : A_fd();
        long off = (long[]){0, 4096, 1, 1L << 40}[R(4)];
        ap(",off=%#lx)", off);
        if ((fl & MAP_FIXED) && !addr) {
            ap(" = skipped");
            break;
        }
        r = syscall(SYS_mmap, addr, len, prot, fl, fd, off);
        if ((unsigned long)r > -4096UL) {
            errno = -r;
            r = -1;
        }
        if (r == (long)MAP_FAILED) {
            res_err(-1);
            put_reg(MAP_FAILED, 0);
        } else {
            ap(" = %s", addr ? ((char *)r == addr ? "addr" : "other") : "addr");
            put_reg((void *)r, (len + 4095) & ~4095L);
        }
        break;
    }
    case 63: {
        ap("munmap(");
        int k = R(NREG);
        char *a = regs[k].addr;
        size_t len = regs[k].len;
        int want_null = 0;
        sep();
        switch (R(6)) {
        case 0: ap("reg#%d+odd", k); a = a ? a + 1 : a; break;
        case 1: ap("reg#%d,half", k); len = (len / 2) & ~4095UL; break;
        case 2: ap("reg#%d+pg", k); if (len > 4096) { a += 4096; len -= 4096; } break;
        case 3: ap("kern"); a = (char *)0xffff800000000000UL; len = 4096; break;
        case 4: ap("null,len=%#x", 65536); a = NULL; len = 65536; want_null = 1; break;
        default: ap("reg#%d", k); break;
        }
        if (R(6) == 0) { len = 0; ap(",len=0"); }
        ap(")");
        if (!a && !want_null) {
            ap(" = skipped");
            break;
        }
        r = syscall(SYS_munmap, a, len);
        res_ok(r);
        break;
    }
    case 64: {
        ap("mprotect(");
        int k = R(NREG);
        char *a = regs[k].addr;
        size_t len = regs[k].len;
        sep();
        ap("reg#%d", k);
        switch (R(5)) {
        case 0: ap("+odd"); a = a ? a + 1 : a; break;
        case 1: ap("+pg"); if (len > 4096) { a += 4096; len -= 4096; } break;
        case 2: ap(",len=1"); len = 1; break;
        }
        static const long prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_GROWSDOWN | PROT_READ, 0x100};
        long pr = A_int(prots, 7, "prot");
        ap(")");
        if (!a) { ap(" = skipped"); break; }
        r = syscall(SYS_mprotect, a, len, pr);
        res_ok(r);
        break;
    }
    case 65: {
        ap("madvise(");
        int k = R(NREG);
        char *a = regs[k].addr;
        size_t len = regs[k].len;
        sep();
        ap("reg#%d", k);
        if (R(4) == 0) { ap("+odd"); a = a ? a + 1 : a; }
        static const long adv[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
                                   MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_COLD, MADV_PAGEOUT, 999, -1};
        long ad = A_int(adv, 13, "advice");
        ap(")");
        if (!a) { ap(" = skipped"); break; }
        r = syscall(SYS_madvise, a, len, ad);
        res_ok(r);
        break;
    }
    case 66: {
        ap("mremap(");
        int k = R(NREG), t = R(NREG);
        char *a = regs[k].addr;
        size_t len = regs[k].len;
        sep();
        ap("reg#%d", k);
        if (R(5) == 0) { ap("+odd"); a = a ? a + 1 : a; }
        long nl = (long[]){4096, 8192, 65536, 0, 1L << 46}[R(5)];
        static const long fl[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, MREMAP_FIXED, 64};
        long f = A_int(fl, 6, "flags");
        char *na = NULL;
        if (f & MREMAP_FIXED) {
            na = regs[t].addr;
            if ((size_t)nl > regs[t].len)
                nl = regs[t].len;
            ap(",new=reg#%d", t);
        }
        ap(",newlen=%#lx)", nl);
        if (!a || ((f & MREMAP_FIXED) && !na)) { ap(" = skipped"); break; }
        r = (long)syscall(SYS_mremap, a, len, nl, f, na);
        if (r == -1) {
            res_err(-1);
        } else {
            ap(" = %s", (char *)r == a ? "same" : (char *)r == na ? "new" : "moved");
            if (regs[k].addr == a) {
                regs[k].addr = (char *)r;
                regs[k].len = (nl + 4095) & ~4095L;
            }
            if (na && (char *)r == na)
                regs[t].addr = NULL, regs[t].len = 0;
        }
        break;
    }
    case 67: {
        ap("mincore(");
        int k = R(NREG);
        char *a = regs[k].addr;
        size_t len = regs[k].len;
        sep();
        ap("reg#%d", k);
        if (R(5) == 0) { ap("+odd"); a = a ? a + 1 : a; }
        p = A_ptr(1, &cap);
        if (p && cap < len / 4096 + 1 && cap != (size_t)-1) { len = cap * 4096; ap(",len=cap"); }
        ap(")");
        if (!a) { ap(" = skipped"); break; }
        r = syscall(SYS_mincore, a, len, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf)
                ap(" vec=%016llx", (unsigned long long)fnv(p, (len + 4095) / 4096));
        }
        break;
    }
    case 68: {
        ap("brk(");
        unsigned long want;
        sep();
        switch (R(4)) {
        case 0: ap("0"); want = 0; break;
        case 1: ap("cur"); want = brk_cur; break;
        case 2: ap("cur+%d", 4096); want = brk_cur + 4096; break;
        default: ap("initial"); want = brk0; break;
        }
        ap(")");
        r = syscall(SYS_brk, want);
        ap(" = %s", (unsigned long)r == want ? "want" : (unsigned long)r == brk_cur ? "cur" : "other");
        brk_cur = r;
        break;
    }
    case 69: {
        static const int nrs[] = {SYS_getpid, SYS_getppid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getgid,
                                  SYS_getegid, SYS_getpgrp, SYS_getsid, SYS_getpgid};
        static const char *nms[] = {"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid",
                                    "getpgrp", "getsid", "getpgid"};
        int k = R(10);
        long a = 0;
        ap("%s(", nms[k]);
        if (k >= 8) {
            a = (long[]){0, self_pid, -1, 0x7fffffff}[R(4)];
            ap("%s", a == self_pid ? "self" : a == 0 ? "0" : a == -1 ? "-1" : "huge");
        }
        ap(")");
        r = syscall(nrs[k], a);
        if (!res_err(r)) {
            if (k == 3 || k == 4 || k == 5 || k == 6)
                ap(" = %ld", r);
            else
                ap(" = %s", r == self_pid ? "self" : r == 0 ? "0" : "other");
        }
        break;
    }
    case 70:
        ap("uname(");
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_uname, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                struct utsname *u = (struct utsname *)p;
                ap(" %s %s rel=%016llx", u->sysname, u->machine, (unsigned long long)fnv(u->release, strlen(u->release)));
            }
        }
        break;
    case 71:
        ap("umask(");
        r = A_small("mask", 01000);
        ap(")");
        r = syscall(SYS_umask, r);
        ap(" = %lo", r);
        break;
    case 72: {
        ap("getcwd(");
        p = A_ptr(1, &cap);
        static const long sz[] = {0, 1, 10, 4096, 65536, -1};
        long n = A_int(sz, 6, "size");
        if (cap != (size_t)-1 && (size_t)n > cap)
            n = cap;
        ap(")");
        r = syscall(SYS_getcwd, p, n);
        if (!res_err(r)) {
            ap(" = cwd0%+ld", r - (long)cwd0_len - 1);
            if (p == obuf && (size_t)r > cwd0_len)
                ap(" %s", strncmp(p, cwd0, cwd0_len) ? "?" : p + cwd0_len);
        }
        break;
    }
    case 73: {
        ap("chdir(");
        /* only downwards (no "..", no symlink names): the cwd stays in the scratch dir */
        static const char *dirs[] = {"d", "d/e", "a", "nonexist", "."};
        int k = R(5);
        sep();
        ap("\"%s\")", dirs[k]);
        r = syscall(SYS_chdir, dirs[k]);
        res_ok(r);
        break;
    }
    case 74: case 75: {
        int res = which == 75;
        ap(res ? "clock_getres(" : "clock_gettime(");
        long c = A_int(clocks, sizeof clocks / sizeof clocks[0], "clock");
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(res ? SYS_clock_getres : SYS_clock_gettime, c, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (res && p == obuf)
                ap(" %ld.%09ld", (long)((struct timespec *)p)->tv_sec, ((struct timespec *)p)->tv_nsec);
        }
        break;
    }
    case 76: {
        ap("nanosleep(");
        struct timespec *ts = (struct timespec *)(sbuf + 256);
        static const long ns[][2] = {{0, 0}, {0, 1000}, {0, 1000000}, {0, 1000000000}, {-1, 0}, {0, -1}};
        int k = R(6);
        ts->tv_sec = ns[k][0];
        ts->tv_nsec = ns[k][1];
        char *tp = (char *)ts;
        sep();
        ap("{%ld,%ld}", ns[k][0], ns[k][1]);
        if (R(8) == 0) { ap("@kern"); tp = (char *)0xffff800000000000UL; }
        q = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_nanosleep, tp, q);
        res_ok(r);
        break;
    }
    case 77: {
        ap("getrandom(");
        p = A_ptr(1, &cap);
        size_t n = A_len(cap);
        static const long fl[] = {0, GRND_NONBLOCK, GRND_RANDOM | GRND_NONBLOCK, GRND_INSECURE, GRND_INSECURE | GRND_RANDOM, 0x100};
        long f = A_int(fl, 6, "flags");
        ap(")");
        r = syscall(SYS_getrandom, p, n, f);
        res_val(r);
        break;
    }
    case 78:
        ap("sched_yield()");
        r = syscall(SYS_sched_yield);
        res_val(r);
        break;
    case 79: {
        ap("sched_getaffinity(");
        static const long pids[] = {0, -1, 0x7fffffff};
        long pid = R(4) == 0 ? self_pid : A_int(pids, 3, "pid");
        if (pid == self_pid) { sep(); ap("self"); }
        p = A_ptr(1, &cap);
        static const long sz[] = {0, 4, 7, 8, 128, 1024, 1L << 30};
        long n = A_int(sz, 7, "size");
        if (cap != (size_t)-1 && (size_t)n > cap)
            n = cap;
        ap(")");
        r = syscall(SYS_sched_getaffinity, pid, n, p);
        if (!res_err(r)) {
            ap(" = %ld", r);
            if (p == obuf)
                ap(" cpus=%d", __builtin_popcountll(*(uint64_t *)p));
        }
        break;
    }
    case 80: {
        int pl = R(2);
        ap(pl ? "prlimit64(" : "getrlimit(");
        static const long res[] = {RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_AS, RLIMIT_CORE, RLIMIT_NPROC, RLIMIT_FSIZE, 15, 16, -1};
        long pid = 0;
        if (pl) {
            pid = R(2) ? 0 : self_pid;
            sep();
            ap("%s", pid ? "self" : "0");
        }
        long rs = A_int(res, 9, "res");
        if (pl) { sep(); ap("new=null"); }
        p = A_ptr(1, &cap);
        ap(")");
        r = pl ? syscall(SYS_prlimit64, pid, rs, NULL, p) : syscall(SYS_getrlimit, rs, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                struct rlimit *rl = (struct rlimit *)p;
                ap(" %ld/%ld", (long)rl->rlim_cur, (long)rl->rlim_max);
            }
        }
        break;
    }
    case 81: {
        ap("rt_sigprocmask(");
        static const long hows[] = {SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, 3, -1};
        long how = A_int(hows, 5, "how");
        uint64_t *set = (uint64_t *)(sbuf + 320);
        *set = (uint64_t[]){0, 1ULL << (SIGUSR1 - 1), ~0ULL, 1ULL << (SIGKILL - 1)}[R(4)];
        char *sp = (char *)set;
        sep();
        ap("set=%#llx", (unsigned long long)*set);
        switch (R(5)) {
        case 0: ap("@null"); sp = NULL; break;
        case 1: ap("@kern"); sp = (char *)0xffff800000000000UL; break;
        }
        p = A_ptr(1, &cap);
        long ssz = R(5) ? 8 : (long[]){4, 16, 0}[R(3)];
        ap(",sigsetsize=%ld)", ssz);
        r = syscall(SYS_rt_sigprocmask, how, sp, p, ssz);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf)
                ap(" old=%#llx", (unsigned long long)*(uint64_t *)p);
        }
        break;
    }
    case 82: {
        ap("rt_sigaction(");
        long sig = R(4) ? A_int(sigs_ok, 8, "sig") : A_int(sigs_bad, 6, "sig");
        struct ksa { void *h; unsigned long flags; void *restorer; uint64_t mask; } *act = (struct ksa *)(sbuf + 384);
        extern void sysfuzz_restorer(void);
        static const void *hs[] = {SIG_DFL, SIG_IGN, (void *)sysfuzz_restorer};
        int hk = R(3);
        act->h = (void *)hs[hk];
        act->flags = (unsigned long[]){0, SA_RESTART, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, SA_NODEFER | SA_RESETHAND, SA_ONSTACK, 0x00ff0000}[R(6)];
        act->restorer = (void *)sysfuzz_restorer;
        act->mask = R(2) ? 0 : ~0ULL;
        char *aptr = (char *)act;
        sep();
        ap("act{%s,%#lx,%#llx}", (const char *[]){"DFL", "IGN", "fn"}[hk], act->flags, (unsigned long long)act->mask);
        switch (R(5)) {
        case 0: ap("@null"); aptr = NULL; break;
        case 1: ap("@kern"); aptr = (char *)0xffff800000000000UL; break;
        }
        p = A_ptr(1, &cap);
        long ssz = R(5) ? 8 : 16;
        ap(",sigsetsize=%ld)", ssz);
        r = syscall(SYS_rt_sigaction, sig, aptr, p, ssz);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                struct ksa *o = (struct ksa *)p;
                ap(" old{%s,%#lx,%#llx}", o->h == SIG_DFL ? "DFL" : o->h == SIG_IGN ? "IGN" : "fn", o->flags,
                   (unsigned long long)o->mask);
            }
        }
        break;
    }
    case 83: {
        ap("sigaltstack(");
        stack_t *ss = (stack_t *)(sbuf + 448);
        ss->ss_sp = obuf + 4096;
        ss->ss_size = (size_t[]){0, 1024, 2048, 8192, 32768}[R(5)];
        ss->ss_flags = (int[]){0, SS_DISABLE, SS_ONSTACK, 0x7fffffff, 1 << 31}[R(5)];
        char *sp = (char *)ss;
        sep();
        ap("ss{%zu,%#x}", ss->ss_size, ss->ss_flags);
        switch (R(4)) {
        case 0: ap("@null"); sp = NULL; break;
        case 1: ap("@kern"); sp = (char *)0xffff800000000000UL; break;
        }
        p = A_ptr(1, &cap);
        ap(")");
        r = syscall(SYS_sigaltstack, sp, p);
        if (!res_err(r)) {
            ap(" = ok");
            if (p == obuf) {
                stack_t *o = (stack_t *)p;
                ap(" old{%zu,%#x}", o->ss_size, o->ss_flags);
            }
        }
        break;
    }
    case 84: {
        int tg = R(2);
        long sig = R(3) ? 0 : (long[]){-1, 65, 1000}[R(3)];
        if (tg) {
            ap("tgkill(self,self,sig=%ld)", sig);
            r = syscall(SYS_tgkill, self_pid, self_tid, sig);
        } else {
            ap("kill(self,sig=%ld)", sig);
            r = syscall(SYS_kill, self_pid, sig);
        }
        res_val(r);
        break;
    }
    default:
        goto do_fcntl_label;
    }
    flush_line();
}

/* a function address for rt_sigaction handlers (never delivered) */
void sysfuzz_restorer(void) {}

static void setup(void)
{
    char *m = mmap(NULL, 3 * (BUFSZ + PG) + 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        _exit(2);
    ibuf = m;
    obuf = m + BUFSZ + PG;
    sbuf = m + 2 * (BUFSZ + PG);
    mprotect(ibuf + BUFSZ, PG, PROT_NONE);
    mprotect(obuf + BUFSZ, PG, PROT_NONE);
    mprotect(sbuf + BUFSZ, PG, PROT_NONE);
    for (int i = 0; i < BUFSZ; i++)
        ibuf[i] = 'a' + (i * 7 + i / 251) % 26;
    memset(ibuf + BUFSZ - 3, 'a', 3);
    unmapped = (char *)0x100000000000UL;
    memset(longname, 'n', sizeof longname - 1);
    for (size_t i = 0; i < sizeof longpath - 1; i++)
        longpath[i] = i % 2 ? '/' : 'p';
    self_pid = syscall(SYS_getpid);
    self_tid = syscall(SYS_gettid);
    brk0 = brk_cur = syscall(SYS_brk, 0);
    if (!getcwd(cwd0, sizeof cwd0))
        _exit(2);
    cwd0_len = strlen(cwd0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);

    /* the scratch dir's initial contents */
    int f = open("a", O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < 4; i++)
        write(f, ibuf + i * 250, 250);
    close(f);
    close(open("b", O_WRONLY | O_CREAT | O_TRUNC, 0600));
    mkdir("d", 0755);
    mkdir("d/e", 0700);
    symlink("a", "l");

    for (int i = 0; i < NSLOT; i++)
        slots[i].fd = -1, slots[i].kind = "none";
    put_fd(open("a", O_RDWR), "file");
    put_fd(open("d", O_RDONLY | O_DIRECTORY), "dir");
    int pfd[2];
    pipe2(pfd, O_NONBLOCK);
    put_fd(pfd[0], "pipe_r");
    put_fd(pfd[1], "pipe_w");
    write(pfd[1], ibuf, 300);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    put_fd(sv[0], "sock");
    put_fd(sv[1], "sock");
    write(sv[0], ibuf + 5, 100);
    put_fd(epoll_create1(0), "epoll");
    put_fd(eventfd(3, EFD_NONBLOCK), "eventfd");
    put_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), "timerfd");
    put_fd(memfd_create("mem", MFD_ALLOW_SEALING), "memfd");
    put_fd(open("/dev/null", O_RDWR), "devnull");
    put_fd(open("/proc/self/fd", O_RDONLY | O_DIRECTORY), "procdir");
    int sv2[2];
    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv2);
    put_fd(sv2[0], "dgram");
    put_fd(sv2[1], "dgram");

    put_reg(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 4 * PG);
    put_reg(mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 2 * PG);
    put_reg(mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), 4 * PG);
    int af = open("a", O_RDWR);
    put_reg(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, af, 0), PG);
    close(af);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        static const char u[] = "usage: sysfuzz SEED COUNT (in a scratch directory, unprivileged)\n";
        write(2, u, sizeof u - 1);
        return 2;
    }
    if (geteuid() == 0 && !getenv("SYSFUZZ_ALLOW_ROOT")) {
        static const char u[] = "sysfuzz: refusing to run as root (set SYSFUZZ_ALLOW_ROOT=1)\n";
        write(2, u, sizeof u - 1);
        return 2;
    }
    unsigned long seed = strtoul(argv[1], NULL, 0);
    long count = strtol(argv[2], NULL, 0);
    rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
    if (dup2(1, OUT_FD) != OUT_FD)
        return 2;
    setup();
    ap("seed %lu count %ld", seed, count);
    flush_line();
    ap("setup fds:");
    for (int i = 0; i < NSLOT; i++)
        if (slots[i].fd >= 0)
            ap(" %s=%ld", slots[i].kind, slots[i].fd);
    long nfd = syscall(SYS_fcntl, 0, F_DUPFD, 0);
    ap(" next=%ld", nfd);
    syscall(SYS_close, nfd);
    flush_line();
    for (long i = 0; i < count; i++)
        do_call(i);
    ap("END");
    flush_line();
    return 0;
}
