/* mm: malloc/calloc/realloc of many sizes, anonymous private mmap, MAP_FIXED,
 * MAP_FIXED_NOREPLACE (EEXIST), private and shared file mappings (msync,
 * munmap, writes reach the file), mmap errors, mprotect (a write into
 * PROT_READ is a SIGSEGV SEGV_ACCERR caught by a handler + siglongjmp),
 * SEGV_MAPERR on a hole, SIGBUS past the end of a mapped file, mremap
 * grow/shrink/move, madvise MADV_DONTNEED zeroes anonymous pages, mincore,
 * brk, and code written into memory then executed (and rewritten).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
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

#define PG 4096L
static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

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
    if (sig == SIGBUS && code == BUS_ADRERR) return "SIGBUS BUS_ADRERR";
    if (sig == SIGSEGV) return "SIGSEGV (other code)";
    if (sig == SIGBUS) return "SIGBUS (other code)";
    return "other signal";
}

/* Touch *p; print what happened. */
static void touch(const char *label, volatile char *p, int write)
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        if (write)
            *p = 'w';
        else
            (void)*p;
        printf("%s: no fault\n", label);
    } else {
        printf("%s: %s, si_addr %s\n", label, codename(got_sig, got_code),
               got_addr == (void *)p ? "== the address" : "!= the address");
    }
}

static void put(const char *path, const char *text, size_t n)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, n) < 0)
        printf("FAIL cannot write %s\n", path), failures++;
    close(fd);
}

static void show_file(const char *path)
{
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == 0)
            buf[i] = '.';
    printf("  %s: '%.*s'\n", path, (int)(n < 0 ? 0 : n), buf);
}

int main(void)
{
    char *p, *q;
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
    }

    SECTION("malloc/calloc/realloc");
    {
        size_t sizes[] = {1, 7, 16, 24, 100, 1000, 4095, 4096, 65536, 131071, 131072,
                          200000, 1 << 20, 5 << 20, 33 << 20};
        int good = 1;
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            unsigned char *m = malloc(sizes[i]);
            if (!m) {
                printf("FAIL malloc(%zu) = NULL\n", sizes[i]);
                failures++;
                continue;
            }
            for (size_t j = 0; j < sizes[i]; j += 1 + j / 64)
                m[j] = (unsigned char)(j ^ i);
            for (size_t j = 0; j < sizes[i]; j += 1 + j / 64)
                good &= m[j] == (unsigned char)(j ^ i);
            good &= ((uintptr_t)m % 16) == 0;
            free(m);
        }
        CHECK(good);
        void *many[2000];
        for (int i = 0; i < 2000; i++)
            many[i] = malloc(16 + (i % 50) * 8);
        for (int i = 0; i < 2000; i += 2)
            free(many[i]);
        for (int i = 1; i < 2000; i += 2)
            free(many[i]);
        unsigned char *z = calloc(1 << 20, 3);
        int zero = 1;
        for (size_t j = 0; j < (3u << 20); j += 511)
            zero &= z[j] == 0;
        CHECK(zero);
        free(z);
        char *r = malloc(10);
        strcpy(r, "realloc!");
        for (size_t n = 64; n <= (16u << 20); n *= 4)
            r = realloc(r, n);
        CHECK(strcmp(r, "realloc!") == 0);
        r = realloc(r, 4);
        CHECK(memcmp(r, "real", 4) == 0);
        free(r);
    }

    SECTION("anonymous private mmap, MAP_FIXED, MAP_FIXED_NOREPLACE");
    p = (char *)OKQ(mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(((uintptr_t)p % PG) == 0);
    CHECK(p[0] == 0 && p[8 * PG - 1] == 0);
    memset(p, 'a', 8 * PG);
    q = mmap(p + 2 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + 2 * PG);
    CHECK(q[0] == 0 && p[PG] == 'a');
    ERR(mmap(p + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    OK(munmap(p + 4 * PG, 2 * PG));
    q = mmap(p + 4 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p + 4 * PG);
    touch("read in the munmapped hole", p + 5 * PG, 0);
    touch("write in the munmapped hole", p + 5 * PG + 100, 1);
    OK(munmap(p, 8 * PG));
    OK(munmap(p, 8 * PG));
    touch("read after munmap", p, 0);
    ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    ERR(mmap((void *)(PG + 1), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
    ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
    ERR(munmap((void *)(PG + 1), PG), EINVAL);

    SECTION("file mappings");
    {
        char text[10000];
        for (int i = 0; i < (int)sizeof text; i++)
            text[i] = 'A' + i % 26;
        memcpy(text, "file-start", 10);
        put("map.txt", text, sizeof text);
        fd = OK(open("map.txt", O_RDWR));
        p = (char *)OKQ(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
        printf("private map: '%.10s' ... '%.5s'\n", p, p + PG);
        p[0] = 'F';
        OK(munmap(p, 3 * PG));
        show_file("map.txt");
        p = (char *)OKQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG));
        printf("offset map: '%.5s' (file[4096] is '%c')\n", p, text[PG]);
        OK(munmap(p, PG));
        p = (char *)OKQ(mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        memcpy(p, "SHARED", 6);
        OK(msync(p, PG, MS_SYNC));
        show_file("map.txt");
        memcpy(p + PG, "second-page", 11);
        OK(munmap(p, 3 * PG));
        {
            char buf[12] = {0};
            OK(pread(fd, buf, 11, PG));
            printf("after munmap, file[4096..]: '%s'\n", buf);
        }
        /* a write(2) is seen by an existing shared mapping */
        p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
        OK(pwrite(fd, "written", 7, 0));
        printf("mapping sees write(2): '%.7s'\n", p);
        OK(munmap(p, PG));
        /* past the end of the file: SIGBUS */
        OK(ftruncate(fd, 100));
        p = (char *)OKQ(mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0));
        touch("read inside the last page of the file", p + 200, 0);
        touch("read a page past the end of the file", p + PG + 10, 0);
        OK(munmap(p, 2 * PG));
        ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL);
        int ro = OK(open("map.txt", O_RDONLY));
        ERR(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
        p = (char *)OKQ(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0));
        OK(munmap(p, PG));
        OK(close(ro));
        int dfd = OK(open(".", O_RDONLY));
        ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
        OK(close(dfd));
        OK(close(fd));
    }

    SECTION("mprotect");
    p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(p + PG, "kept");
    OK(mprotect(p + PG, PG, PROT_READ));
    touch("write into PROT_READ", p + PG + 8, 1);
    printf("content still readable: '%s'\n", p + PG);
    touch("write next to it (still RW)", p + 2 * PG, 1);
    OK(mprotect(p + PG, PG, PROT_NONE));
    touch("read PROT_NONE", p + PG, 0);
    OK(mprotect(p, 3 * PG, PROT_READ | PROT_WRITE));
    touch("write after mprotect RW", p + PG, 1);
    ERR(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL); /* raw: musl aligns the address */
    ERR(mprotect(p, PG, 0x100), EINVAL);
    OK(munmap(p, 3 * PG));
    ERR(mprotect(p, PG, PROT_READ), ENOMEM);

    SECTION("mremap");
    p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    OK(munmap(p + 4 * PG, 4 * PG));
    strcpy(p, "moving data");
    q = mremap(p, 4 * PG, 8 * PG, 0);
    CHECK(q == p);
    q[8 * PG - 1] = 'z';
    q = mremap(p, 8 * PG, 2 * PG, 0);
    CHECK(q == p);
    touch("read the part cut off by shrinking", p + 3 * PG, 0);
    {
        char *target = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        q = mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, target);
        CHECK(q == target);
        printf("moved content: '%s'\n", q);
        touch("read the old place", p, 0);
        touch("write the grown tail", q + 3 * PG, 1);
        ERR(mremap(q, 4 * PG, 8 * PG, 0x80), EINVAL);
        ERR(mremap(q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
        char *r = (char *)OKQ(mremap(q, 4 * PG, 64 * PG, MREMAP_MAYMOVE));
        printf("grown with MREMAP_MAYMOVE keeps: '%s'\n", r);
        OK(munmap(r, 64 * PG));
    }

    SECTION("madvise and mincore");
    p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'x', 4 * PG);
    {
        unsigned char vec[4];
        OK(mincore(p, 4 * PG, vec));
        printf("mincore of written pages: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
        ERR(mincore(p + 1, PG, vec), EINVAL);
        void *hole = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(hole, PG);
        ERR(mincore(hole, PG, vec), ENOMEM);
    }
    OK(madvise(p + PG, 2 * PG, MADV_DONTNEED));
    printf("after MADV_DONTNEED: p[0]='%c' p[PG]=%d p[2PG+5]=%d p[3PG]='%c'\n", p[0], p[PG],
           p[2 * PG + 5], p[3 * PG]);
    OK(madvise(p, 4 * PG, MADV_NORMAL));
    OK(madvise(p, 4 * PG, MADV_WILLNEED));
    ERR(madvise(p + 1, PG, MADV_NORMAL), EINVAL);
    ERR(madvise(p, PG, 12345), EINVAL);
    OK(munmap(p, 4 * PG));

    SECTION("brk");
    {
        uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
        uintptr_t want = cur + 3 * PG;
        uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
        CHECK(got == want);
        memset((void *)cur, 'b', 3 * PG);
        CHECK(((char *)cur)[3 * PG - 1] == 'b');
        got = (uintptr_t)syscall(SYS_brk, cur);
        CHECK(got == cur);
        touch("read above the lowered break", (char *)cur + 2 * PG, 0);
        got = (uintptr_t)syscall(SYS_brk, cur + PG);
        CHECK(got == cur + PG && ((char *)cur)[0] == 0);
        got = (uintptr_t)syscall(SYS_brk, 1);
        CHECK(got == cur + PG);
        syscall(SYS_brk, cur);
    }

    SECTION("code written into memory, then run");
    {
        unsigned char *code = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char ret42[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov eax, 42; ret */
        memcpy(code, ret42, sizeof ret42);
        OK(mprotect(code, PG, PROT_READ | PROT_EXEC));
        int (*fn)(void) = (int (*)(void))code;
        printf("generated code returns %d\n", fn());
        OK(mprotect(code, PG, PROT_READ | PROT_WRITE));
        code[1] = 43;
        OK(mprotect(code, PG, PROT_READ | PROT_EXEC));
        printf("rewritten code returns %d\n", fn());
        got_sig = 0;
        OK(mprotect(code, PG, PROT_READ));
        if (sigsetjmp(jb, 1) == 0) {
            fn();
            printf("call into PROT_READ: no fault\n");
        } else {
            printf("call into PROT_READ: %s, si_addr %s\n", codename(got_sig, got_code),
                   got_addr == (void *)code ? "== the code" : "!= the code");
        }
        OK(munmap(code, PG));
    }
    return finish("mm");
}
