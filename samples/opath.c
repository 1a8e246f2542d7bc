/* opath: O_PATH descriptors. On a regular file (read/write EBADF, fstat,
 * F_GETFL), on a directory (fchdir, openat relative to it, getdents EBADF),
 * on a symlink with O_NOFOLLOW (fstatat AT_EMPTY_PATH sees the link,
 * readlinkat(fd, ""), fchownat AT_EMPTY_PATH), on a FIFO (the open does not
 * block), /proc/self/fd/N naming them, and glibc's fchmodat
 * AT_SYMLINK_NOFOLLOW which is built on them (tar -x uses it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef O_PATH
#define O_PATH 010000000
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

static void show_link(int fd)
{
    char path[64], link[256] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (readlink(path, link, sizeof link - 1) < 0)
        printf("readlink /proc/self/fd/%d: -1 %s\n", fd, errname(errno));
    else
        printf("/proc/self/fd/%d ends with: %s\n", fd, strrchr(link, '/') ? strrchr(link, '/') : link);
}

int main(void)
{
    struct stat st;
    char buf[64];
    int fd, d, l, f, x;

    setvbuf(stdout, NULL, _IOLBF, 0);
    OK(mkdir("op", 0755));
    x = OK(open("op/file", O_CREAT | O_WRONLY, 0640));
    OK(write(x, "hello", 5));
    OK(close(x));
    OK(symlink("file", "op/link"));
    OK(symlink("missing", "op/dangling"));
    OK(mkfifo("op/fifo", 0600));

    SECTION("O_PATH on a regular file");
    fd = OK(open("op/file", O_PATH));
    ERR(read(fd, buf, sizeof buf), EBADF);
    ERR(write(fd, "x", 1), EBADF);
    OK(fstat(fd, &st));
    printf("regular=%d size=%lld mode=%04o\n", S_ISREG(st.st_mode), (long long)st.st_size,
           (unsigned)(st.st_mode & 07777));
    printf("F_GETFL & O_PATH: %d\n", (fcntl(fd, F_GETFL) & O_PATH) != 0);
    printf("F_GETFL & O_ACCMODE: %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
    show_link(fd);
    x = OK(open("/proc/self/fd/3", O_RDONLY));
    memset(buf, 0, sizeof buf);
    OK(read(x, buf, sizeof buf - 1));
    printf("reopened through /proc/self/fd: '%s'\n", buf);
    OK(close(x));
    OK(close(fd));

    SECTION("O_PATH on a directory");
    d = OK(open("op", O_PATH | O_DIRECTORY));
    x = OK(openat(d, "file", O_RDONLY));
    OK(close(x));
    OK(fstatat(d, "link", &st, AT_SYMLINK_NOFOLLOW));
    printf("link via dirfd: symlink=%d\n", S_ISLNK(st.st_mode));
    {
        char dents[512];
        ERR(syscall(SYS_getdents64, d, dents, sizeof dents), EBADF);
    }
    ERR(open("op/file", O_PATH | O_DIRECTORY), ENOTDIR);
    OK(fchdir(d));
    OK(stat("file", &st));
    OK(chdir(".."));
    OK(close(d));

    SECTION("O_PATH | O_NOFOLLOW on a symlink");
    l = OK(open("op/link", O_PATH | O_NOFOLLOW));
    OK(fstatat(l, "", &st, AT_EMPTY_PATH));
    printf("fstatat(AT_EMPTY_PATH): symlink=%d size=%lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
    OK(fstat(l, &st));
    printf("fstat: symlink=%d\n", S_ISLNK(st.st_mode));
    memset(buf, 0, sizeof buf);
    OK(readlinkat(l, "", buf, sizeof buf - 1));
    printf("readlinkat(fd, \"\"): '%s'\n", buf);
    ERR(read(l, buf, sizeof buf), EBADF);
    ERR(openat(l, "x", O_RDONLY), ENOTDIR);
    OK(fchownat(l, "", getuid(), getgid(), AT_EMPTY_PATH));
    show_link(l);
    OK(close(l));
    l = OK(open("op/dangling", O_PATH | O_NOFOLLOW));
    OK(fstat(l, &st));
    printf("dangling: symlink=%d\n", S_ISLNK(st.st_mode));
    OK(close(l));
    ERR(open("op/dangling", O_PATH), ENOENT);
    l = OK(open("op/link", O_PATH));
    OK(fstat(l, &st));
    printf("followed: regular=%d\n", S_ISREG(st.st_mode));
    OK(close(l));

    SECTION("O_PATH on a FIFO (does not block)");
    f = OK(open("op/fifo", O_PATH));
    OK(fstat(f, &st));
    printf("fifo=%d\n", S_ISFIFO(st.st_mode));
    ERR(read(f, buf, 1), EBADF);
    OK(close(f));

    SECTION("fchmodat AT_SYMLINK_NOFOLLOW");
    OK(fchmodat(AT_FDCWD, "op/file", 0600, AT_SYMLINK_NOFOLLOW));
    OK(stat("op/file", &st));
    printf("mode now %04o\n", (unsigned)(st.st_mode & 07777));
    ERR(fchmodat(AT_FDCWD, "op/link", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);

    return finish("opath");
}
