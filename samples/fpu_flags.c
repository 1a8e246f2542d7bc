/* fpu_flags: floating-point exception flags a program reads back with
 * fetestexcept after SSE (double) arithmetic: overflow (DBL_MAX * 2),
 * invalid (0/0, sqrt(-1)), divide-by-zero (1/0), underflow and inexact,
 * each after feclearexcept; and the flags of the x87 unit (long double).
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

static volatile double zero = 0.0, one = 1.0, big = DBL_MAX, tiny = DBL_MIN, minus_one = -1.0, three = 3.0;
static volatile long double lzero = 0.0L, lbig = LDBL_MAX;
static volatile double sink;
static volatile long double lsink;

static void flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-22s overflow %d invalid %d divbyzero %d underflow %d inexact %d\n", what,
           !!(f & FE_OVERFLOW), !!(f & FE_INVALID), !!(f & FE_DIVBYZERO), !!(f & FE_UNDERFLOW),
           !!(f & FE_INEXACT));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("== SSE (double)\n");
    feclearexcept(FE_ALL_EXCEPT);
    flags("cleared");
    feclearexcept(FE_ALL_EXCEPT);
    sink = big * 2.0;
    flags("DBL_MAX * 2");
    CHECK(fetestexcept(FE_OVERFLOW));
    feclearexcept(FE_ALL_EXCEPT);
    sink = zero / zero;
    flags("0 / 0");
    CHECK(fetestexcept(FE_INVALID));
    feclearexcept(FE_ALL_EXCEPT);
    sink = sqrt(minus_one);
    flags("sqrt(-1)");
    CHECK(fetestexcept(FE_INVALID));
    feclearexcept(FE_ALL_EXCEPT);
    sink = one / zero;
    flags("1 / 0");
    CHECK(fetestexcept(FE_DIVBYZERO));
    feclearexcept(FE_ALL_EXCEPT);
    sink = tiny * tiny;
    flags("DBL_MIN * DBL_MIN");
    CHECK(fetestexcept(FE_UNDERFLOW));
    feclearexcept(FE_ALL_EXCEPT);
    sink = one / three;
    flags("1 / 3");
    CHECK(fetestexcept(FE_INEXACT));
    feclearexcept(FE_ALL_EXCEPT);
    sink = one + one;
    flags("1 + 1");
    CHECK(!fetestexcept(FE_ALL_EXCEPT));
    printf("== x87 (long double)\n");
    feclearexcept(FE_ALL_EXCEPT);
    lsink = lzero / lzero;
    flags("0 / 0");
    CHECK(fetestexcept(FE_INVALID));
    feclearexcept(FE_ALL_EXCEPT);
    lsink = lbig * 2.0L;
    flags("LDBL_MAX * 2");
    CHECK(fetestexcept(FE_OVERFLOW));
    printf("== flags survive a system call\n");
    feclearexcept(FE_ALL_EXCEPT);
    sink = big * 2.0;
    printf("(a write in between)\n");
    flags("DBL_MAX * 2, write");
    CHECK(fetestexcept(FE_OVERFLOW));
    return failures != 0;
}
