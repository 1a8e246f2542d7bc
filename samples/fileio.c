/* fileio: open/openat/creat/read/write/pread64/pwrite64/readv/writev/preadv/
 * pwritev/lseek (SEEK_END, holes beyond EOF)/ftruncate/truncate/fsync/
 * fdatasync/fadvise64/sync/syncfs/O_APPEND/O_EXCL/O_DIRECTORY/O_TRUNC and their errors (EBADF after
 * close, EEXIST, ENOTDIR, EISDIR, ENOENT, ESPIPE, EFAULT, ENAMETOOLONG...).
 * Leaves a.txt, c.txt, hole.bin, big.bin, app.txt in the working directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

/* posix_fadvise returns an error number, not -1 */
static const char *adv(int rc)
{
    return rc == 0 ? "0" : errname(rc);
}

static off_t size_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    return st.st_size;
}

int main(void)
{
    char buf[256], b1[8], b2[8];
    int fd, fd2, d;
    ssize_t n;

    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("open/creat/write/read");
    fd = OK(open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    OK(write(fd, "hello world\n", 12));
    OK(write(fd, "", 0));
    OK(close(fd));
    fd = OK(creat("c.txt", 0600));
    OK(write(fd, "created\n", 8));
    OK(close(fd));
    ERR(open("missing.txt", O_RDONLY), ENOENT);
    ERR(open("nodir/x.txt", O_CREAT | O_WRONLY, 0644), ENOENT);
    ERR(open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    ERR(open("a.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
    ERR(open("a.txt/", O_RDONLY), ENOTDIR);
    ERR(open(".", O_WRONLY), EISDIR);
    {
        char longname[300];
        memset(longname, 'n', sizeof longname - 1);
        longname[sizeof longname - 1] = 0;
        ERR(open(longname, O_RDONLY), ENAMETOOLONG);
    }

    fd = OK(open("a.txt", O_RDONLY));
    n = OK(read(fd, buf, 5));
    printf("read: '%.*s'\n", (int)n, buf);
    n = OK(read(fd, buf, sizeof buf));
    printf("read rest: '%.*s'\n", (int)(n > 0 ? n - 1 : 0), buf);
    OK(read(fd, buf, sizeof buf));
    OK(read(fd, buf, 0));
    ERR(write(fd, "x", 1), EBADF);
    OK(lseek(fd, 0, SEEK_SET));
    ERR(read(fd, (void *)1, 4), EFAULT);

    SECTION("pread64/pwrite64 leave the offset alone");
    n = OK(pread(fd, buf, 5, 6));
    printf("pread @6: '%.*s'\n", (int)n, buf);
    OK(lseek(fd, 0, SEEK_CUR));
    OK(pread(fd, buf, 5, 100));
    ERR(pread(fd, buf, 5, -1), EINVAL);
    OK(close(fd));
    fd = OK(open("a.txt", O_RDWR));
    OK(lseek(fd, 3, SEEK_SET));
    OK(pwrite(fd, "HELLO", 5, 0));
    OK(lseek(fd, 0, SEEK_CUR));
    n = OK(pread(fd, buf, 12, 0));
    printf("after pwrite: '%.*s'\n", (int)(n - 1), buf);
    ERR(write(fd, NULL, 4), EFAULT);

    SECTION("readv/writev/preadv/pwritev");
    {
        struct iovec w[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
        struct iovec r[2] = {{b1, 4}, {b2, 6}};
        OK(lseek(fd, 0, SEEK_END));
        OK(writev(fd, w, 3));
        OK(lseek(fd, 12, SEEK_SET));
        n = OK(readv(fd, r, 2));
        printf("readv: '%.4s' '%.6s'\n", b1, b2);
        OK(pwritev(fd, w + 1, 2, 0));
        OK(lseek(fd, 0, SEEK_CUR));
        memset(b1, 0, sizeof b1);
        memset(b2, 0, sizeof b2);
        n = OK(preadv(fd, r, 2, 12));
        printf("preadv @12: '%.4s' '%.6s'\n", b1, b2);
        ERR(writev(fd, w, -1), EINVAL);
    }

    SECTION("lseek, SEEK_END, holes");
    OK(lseek(fd, 0, SEEK_END));
    OK(lseek(fd, -4, SEEK_END));
    OK(lseek(fd, 2, SEEK_CUR));
    ERR(lseek(fd, -100, SEEK_SET), EINVAL);
    ERR(lseek(fd, 0, 99), EINVAL);
    OK(close(fd));
    fd = OK(open("hole.bin", O_CREAT | O_RDWR | O_TRUNC, 0644));
    OK(lseek(fd, 10000, SEEK_SET));
    OK(size_of(fd));
    OK(write(fd, "end", 3));
    OK(size_of(fd));
    n = OK(pread(fd, buf, 16, 5000));
    {
        int zeros = 1;
        for (int i = 0; i < n; i++)
            zeros &= buf[i] == 0;
        CHECK(zeros);
    }
    OK(lseek(fd, 0, SEEK_END));

    SECTION("ftruncate/truncate/fsync/fdatasync");
    OK(ftruncate(fd, 100));
    OK(size_of(fd));
    OK(lseek(fd, 0, SEEK_CUR));
    OK(ftruncate(fd, 20000));
    OK(size_of(fd));
    ERR(ftruncate(fd, -1), EINVAL);
    OK(fsync(fd));
    OK(fdatasync(fd));
    printf("posix_fadvise SEQUENTIAL: %s\n", adv(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
    printf("posix_fadvise DONTNEED: %s\n", adv(posix_fadvise(fd, 0, 100, POSIX_FADV_DONTNEED)));
    printf("posix_fadvise bad advice: %s\n", adv(posix_fadvise(fd, 0, 0, 99)));
    sync();
    OK(syncfs(fd));
    OK(close(fd));
    OK(truncate("hole.bin", 4096));
    ERR(truncate("missing.txt", 0), ENOENT);
    ERR(truncate(".", 0), EISDIR);
    fd = OK(open("hole.bin", O_RDONLY));
    ERR(ftruncate(fd, 0), EINVAL);
    OK(size_of(fd));
    OK(close(fd));

    SECTION("O_APPEND and O_TRUNC");
    fd = OK(open("app.txt", O_CREAT | O_WRONLY | O_APPEND, 0644));
    OK(write(fd, "first\n", 6));
    OK(lseek(fd, 0, SEEK_SET));
    OK(write(fd, "second\n", 7));
    OK(lseek(fd, 0, SEEK_CUR));
    OK(pwrite(fd, "third\n", 6, 0));
    OK(size_of(fd));
    OK(close(fd));
    fd = OK(open("c.txt", O_WRONLY | O_TRUNC));
    OK(size_of(fd));
    OK(write(fd, "truncated\n", 10));
    OK(close(fd));

    SECTION("openat");
    d = OK(open(".", O_RDONLY | O_DIRECTORY));
    fd = OK(openat(d, "a.txt", O_RDONLY));
    n = OK(read(fd, buf, 5));
    printf("openat read: '%.*s'\n", (int)n, buf);
    ERR(read(d, buf, 1), EISDIR);
    ERR(openat(fd, "x", O_RDONLY), ENOTDIR);
    ERR(openat(99, "x", O_RDONLY), EBADF);
    fd2 = OK(openat(AT_FDCWD, "a.txt", O_RDONLY));
    OK(close(fd2));
    OK(close(fd));
    OK(close(d));

    SECTION("EBADF after close, ESPIPE on a pipe");
    fd = OK(open("a.txt", O_RDONLY));
    OK(close(fd));
    ERR(close(fd), EBADF);
    ERR(read(fd, buf, 1), EBADF);
    ERR(write(fd, "x", 1), EBADF);
    ERR(lseek(fd, 0, SEEK_SET), EBADF);
    ERR(fsync(-1), EBADF);
    {
        int p[2];
        OK(pipe(p));
        ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
        ERR(pread(p[0], buf, 1, 0), ESPIPE);
        ERR(fsync(p[1]), EINVAL);
        printf("posix_fadvise on a pipe: %s\n", adv(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL)));
        OK(close(p[0]));
        OK(close(p[1]));
    }

    SECTION("a 1 MiB write and read back");
    {
        size_t sz = 1 << 20;
        unsigned char *big = malloc(sz), *back = malloc(sz);
        unsigned sum = 0;
        for (size_t i = 0; i < sz; i++)
            big[i] = (unsigned char)(i * 7 + (i >> 11));
        fd = OK(open("big.bin", O_CREAT | O_RDWR | O_TRUNC, 0644));
        OK(write(fd, big, sz));
        OK(lseek(fd, 0, SEEK_SET));
        size_t got = 0;
        while (got < sz && (n = read(fd, back + got, sz - got)) > 0)
            got += n;
        printf("read back %zu bytes\n", got);
        CHECK(memcmp(big, back, sz) == 0);
        for (size_t i = 0; i < sz; i += 4096)
            sum = sum * 31 + back[i];
        printf("checksum %08x\n", sum);
        OK(close(fd));
        free(big);
        free(back);
    }
    return finish("fileio");
}
