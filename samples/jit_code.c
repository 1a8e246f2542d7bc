/* jit_code: code written at run time and rewritten, as a JIT does: eight
 * small functions on one writable+executable page re-emitted and called in
 * rounds (every store to code already run must reach the code: rewriting
 * one function after another on a page that was written to before), code
 * written while the page is only writable and run after mprotect adds
 * exec, and W^X rewriting (PROT_READ|PROT_WRITE, then PROT_READ|PROT_EXEC).
 * lxpack-suite: single
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

typedef int (*fn_t)(void);

/* mov eax, imm32 ; ret */
static void emit(unsigned char *p, int v)
{
    p[0] = 0xb8;
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3;
}

/* Calls the 8 functions at page + 256*k; counts results that are not want(k). */
static int stale(unsigned char *page, int base)
{
    int bad = 0;
    for (int k = 0; k < 8; k++)
        if (((fn_t)(page + 256 * k))() != base + k)
            bad++;
    return bad;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long ps = sysconf(_SC_PAGESIZE);

    SECTION("rewritten on a writable+executable page");
    unsigned char *rwx = mmap(NULL, ps, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rwx != MAP_FAILED);
    int bad = 0;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 8; k++)
            emit(rwx + 256 * k, round * 10 + k);
        bad += stale(rwx, round * 10);
    }
    printf("stale calls in 200 rounds: %d\n", bad);
    CHECK(bad == 0);
    /* one function patched between calls of its neighbours */
    bad = 0;
    for (int round = 0; round < 200; round++) {
        int k = round % 8;
        emit(rwx + 256 * k, 5000 + round);
        if (((fn_t)(rwx + 256 * k))() != 5000 + round)
            bad++;
        if (((fn_t)(rwx + 256 * ((k + 1) % 8)))() == 5000 + round)
            bad++;
    }
    printf("stale single patches: %d\n", bad);
    CHECK(bad == 0);

    SECTION("written while writable, run after mprotect adds exec");
    unsigned char *rw = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rw != MAP_FAILED);
    for (int k = 0; k < 8; k++)
        emit(rw + 256 * k, 100 + k);
    OK(mprotect(rw, ps, PROT_READ | PROT_WRITE | PROT_EXEC));
    printf("first calls stale: %d\n", stale(rw, 100));
    for (int k = 0; k < 8; k++)
        emit(rw + 256 * k, 200 + k);
    printf("after rewrite stale: %d\n", stale(rw, 200));

    SECTION("W^X: writable, then executable, and again");
    unsigned char *wx = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(wx != MAP_FAILED);
    bad = 0;
    for (int round = 0; round < 50; round++) {
        if (mprotect(wx, ps, PROT_READ | PROT_WRITE))
            bad++;
        for (int k = 0; k < 8; k++)
            emit(wx + 256 * k, 300 + round * 10 + k);
        if (mprotect(wx, ps, PROT_READ | PROT_EXEC))
            bad++;
        bad += stale(wx, 300 + round * 10);
    }
    printf("stale calls or failed mprotects in 50 rounds: %d\n", bad);
    CHECK(bad == 0);
    return finish("jit_code");
}
