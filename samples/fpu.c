/* fpu: the floating-point state a new program starts with, as Linux sets
 * it (x87 control word 0x37f: 64-bit precision, exceptions masked; MXCSR
 * 0x1f80), and arithmetic that depends on it: long double sums, strtold,
 * division by zero giving inf instead of SIGFPE, rounding modes.
 * lxpack-cflags: -lm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    unsigned short cw = 0;
    unsigned int mxcsr = 0;
    volatile long double third, sum = 0;
    volatile double zero = 0.0, x;
    int i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    SECTION("initial state");
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    printf("x87 control word: %#x\n", cw);
    printf("mxcsr: %#x\n", mxcsr & ~0x3fu);      /* the sticky flag bits may differ */

    SECTION("long double");
    third = 1.0L / 3.0L;
    printf("1/3 = %.21Lg\n", third);
    for (i = 0; i < 10000; i++)
        sum += (long double)i * 4995.69L / 7.0L;
    printf("sum = %.21Lg\n", sum);
    printf("strtold: %.21Lg\n", strtold("49956955.16", NULL));
    printf("LDBL_MANT_DIG = %d\n", LDBL_MANT_DIG);

    SECTION("exceptions are masked");
    x = 1.0 / zero;
    printf("1/0 = %g\n", x);
    x = sqrt(-zero - 1.0);
    printf("sqrt(-1) is nan: %d\n", isnan(x));

    SECTION("rounding modes");
    OK(fesetround(FE_DOWNWARD));
    printf("rint(2.5) downward = %g\n", rint(2.5));
    OK(fesetround(FE_UPWARD));
    printf("rint(2.5) upward = %g\n", rint(2.5));
    OK(fesetround(FE_TONEAREST));
    printf("rint(2.5) nearest = %g\n", rint(2.5));
    return finish("fpu");
}
