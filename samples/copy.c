/* copy: sendfile (file to file, with and without an offset, to a pipe,
 * short at EOF, errors) and copy_file_range (offsets, NULL offsets, EOF,
 * EINVAL for flags and overlap, EBADF for O_APPEND). Leaves the copies
 * as files to compare.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

static long cfr(int in, loff_t *inoff, int out, loff_t *outoff, size_t n, unsigned flags)
{
    return syscall(SYS_copy_file_range, in, inoff, out, outoff, n, flags);
}

static void show_file(const char *path)
{
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("  %s: '%.*s'\n", path, (int)(n < 0 ? 0 : n), buf);
}

int main(void)
{
    int in, out, p[2];
    off_t off;
    loff_t lin, lout;
    char buf[128];

    setvbuf(stdout, NULL, _IOLBF, 0);
    in = OK(open("src.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    OK(write(in, "0123456789abcdefghijklmnopqrstuvwxyz", 36));
    {
        /* and a big tail so copies take several chunks */
        static char big[300000];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"[i % 27];
        OK(write(in, big, sizeof big));
    }
    OK(lseek(in, 0, SEEK_SET));

    SECTION("sendfile");
    out = OK(open("sent.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    OK(sendfile(out, in, NULL, 10));
    OK(lseek(in, 0, SEEK_CUR));
    off = 20;
    OK(sendfile(out, in, &off, 6));
    printf("offset now %lld, file offset still %lld\n", (long long)off, (long long)lseek(in, 0, SEEK_CUR));
    off = 36;
    OK(sendfile(out, in, &off, 1 << 20));
    printf("offset after a long copy %lld\n", (long long)off);
    OK(sendfile(out, in, &off, 100));
    OK(close(out));
    {
        struct stat st;
        OK(stat("sent.txt", &st));
        printf("sent.txt size %lld\n", (long long)st.st_size);
    }
    OK(pipe(p));
    off = 0;
    OK(sendfile(p[1], in, &off, 16));
    memset(buf, 0, sizeof buf);
    OK(read(p[0], buf, sizeof buf));
    printf("through a pipe: '%s'\n", buf);
    ERR(sendfile(p[1], 99, NULL, 4), EBADF);
    ERR(sendfile(99, in, NULL, 4), EBADF);
    {
        int ro = OK(open("src.txt", O_RDONLY));
        ERR(sendfile(ro, in, NULL, 4), EBADF);
        off = -1;
        ERR(sendfile(p[1], ro, &off, 4), EINVAL);
        OK(close(ro));
    }
    OK(close(p[0]));
    OK(close(p[1]));

    SECTION("copy_file_range");
    out = OK(open("ranged.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    lin = 10;
    lout = 0;
    OK(cfr(in, &lin, out, &lout, 26, 0));
    printf("offsets now in=%lld out=%lld\n", (long long)lin, (long long)lout);
    OK(lseek(in, 0, SEEK_SET));
    OK(cfr(in, NULL, out, NULL, 10, 0));
    OK(lseek(out, 0, SEEK_CUR));
    OK(lseek(in, 0, SEEK_CUR));
    lin = 36;
    lout = 100;
    {
        long total = 0, n;
        while ((n = cfr(in, &lin, out, &lout, 1 << 16, 0)) > 0)
            total += n;
        printf("bulk copied %ld bytes, then %s\n", total, n == 0 ? "0 at EOF" : errname(errno));
    }
    lin = 1 << 30;
    OK(cfr(in, &lin, out, NULL, 10, 0));
    lin = 0;
    ERR(cfr(in, &lin, out, NULL, 10, 1), EINVAL);
    lin = 0;
    lout = 5;
    ERR(cfr(in, &lin, in, &lout, 10, 0), EINVAL);
    {
        int app = OK(open("ranged.txt", O_WRONLY | O_APPEND));
        lin = 0;
        ERR(cfr(in, &lin, app, NULL, 4, 0), EBADF);
        OK(close(app));
        int dir = OK(open(".", O_RDONLY));
        lin = 0;
        ERR(cfr(dir, &lin, out, NULL, 4, 0), EISDIR);
        OK(close(dir));
    }
    OK(close(out));
    OK(close(in));
    show_file("ranged.txt");
    return finish("copy");
}
