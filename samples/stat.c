/* stat: stat/lstat/fstat/newfstatat (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH),
 * statx (type, mode, size, nlink, inode relations), access/faccessat/
 * faccessat2, chmod/fchmod/fchmodat, chown family (to the same owner),
 * utimensat/futimens with fixed times read back by stat (UTIME_OMIT,
 * UTIME_NOW), umask, statfs/fstatfs, and stat of /dev/null and a pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* statx by raw syscall: musl 1.2.3 has no wrapper and no <linux/stat.h>. */
struct lx_statx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct lx_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct lx_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define LX_STATX_BASIC_STATS 0x7ffu
#define LX_AT_STATX_SYNC_AS_STAT 0
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
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

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        printf("FAIL cannot write %s\n", path), failures++;
    close(fd);
}

static const char *ftype(mode_t m)
{
    if (S_ISREG(m)) return "regular";
    if (S_ISDIR(m)) return "directory";
    if (S_ISLNK(m)) return "symlink";
    if (S_ISCHR(m)) return "chardev";
    if (S_ISBLK(m)) return "blockdev";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "socket";
    return "?";
}

static void describe(const char *label, const struct stat *st)
{
    printf("%s: %s mode=%04o size=%lld nlink=%lu\n", label, ftype(st->st_mode),
           (unsigned)(st->st_mode & 07777),
           S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size, (unsigned long)st->st_nlink);
}

int main(void)
{
    struct stat st, st2;
    int fd, d;

    setvbuf(stdout, NULL, _IOLBF, 0);
    put("f.txt", "twelve bytes");
    OK(mkdir("dir", 0755));
    OK(symlink("f.txt", "link"));

    SECTION("stat/lstat/fstat/fstatat");
    OK(stat("f.txt", &st));
    describe("stat f.txt", &st);
    OK(stat("link", &st2));
    describe("stat link", &st2);
    CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    OK(lstat("link", &st2));
    describe("lstat link", &st2);
    CHECK(st.st_ino != st2.st_ino);
    fd = OK(open("f.txt", O_RDONLY));
    OK(fstat(fd, &st2));
    CHECK(st.st_ino == st2.st_ino);
    CHECK(st2.st_uid == getuid() && st2.st_gid == getgid());
    d = OK(open("dir", O_RDONLY | O_DIRECTORY));
    OK(fstatat(AT_FDCWD, "link", &st2, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st2.st_mode));
    OK(fstatat(fd, "", &st2, AT_EMPTY_PATH));
    CHECK(st.st_ino == st2.st_ino);
    OK(fstatat(d, "..", &st2, 0));
    OK(stat(".", &st));
    CHECK(st.st_ino == st2.st_ino);
    OK(stat("dir", &st));
    describe("stat dir", &st);
    CHECK(st.st_dev == st2.st_dev);
    ERR(stat("missing", &st), ENOENT);
    ERR(stat("f.txt/x", &st), ENOTDIR);
    ERR(stat("", &st), ENOENT);
    ERR(fstat(99, &st), EBADF);
    ERR(fstatat(fd, "x", &st, 0), ENOTDIR);
    ERR(fstatat(AT_FDCWD, "f.txt", &st, 0x9999), EINVAL);
    ERR(syscall(SYS_newfstatat, AT_FDCWD, "f.txt", (void *)8, 0), EFAULT);

    SECTION("statx");
    {
        struct lx_statx sx;
        memset(&sx, 0, sizeof sx);
        OK(syscall(SYS_statx, AT_FDCWD, "f.txt", LX_AT_STATX_SYNC_AS_STAT, LX_STATX_BASIC_STATS, &sx));
        CHECK((sx.stx_mask & LX_STATX_BASIC_STATS) == LX_STATX_BASIC_STATS);
        printf("statx f.txt: %s mode=%04o size=%llu nlink=%u\n", ftype(sx.stx_mode),
               sx.stx_mode & 07777, (unsigned long long)sx.stx_size, sx.stx_nlink);
        OK(stat("f.txt", &st));
        CHECK(sx.stx_ino == st.st_ino);
        CHECK(sx.stx_uid == st.st_uid && sx.stx_gid == st.st_gid);
        CHECK(makedev(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev);
        CHECK(sx.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == st.st_mtim.tv_nsec);
        memset(&sx, 0, sizeof sx);
        OK(syscall(SYS_statx, AT_FDCWD, "link", 0x100 /* AT_SYMLINK_NOFOLLOW */, LX_STATX_BASIC_STATS, &sx));
        printf("statx link nofollow: %s size=%llu\n", ftype(sx.stx_mode), (unsigned long long)sx.stx_size);
        memset(&sx, 0, sizeof sx);
        OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, LX_STATX_BASIC_STATS, &sx));
        CHECK(sx.stx_ino == st.st_ino);
        ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, LX_STATX_BASIC_STATS, &sx), ENOENT);
        ERR(syscall(SYS_statx, AT_FDCWD, "f.txt", 0, 0x80000000u, &sx), EINVAL);
        ERR(syscall(SYS_statx, AT_FDCWD, "f.txt", 0, LX_STATX_BASIC_STATS, (void *)8), EFAULT);
    }

    SECTION("access/faccessat/faccessat2");
    OK(access("f.txt", F_OK));
    OK(access("f.txt", R_OK | W_OK));
    ERR(access("f.txt", X_OK), EACCES);
    OK(access("dir", X_OK));
    ERR(access("missing", F_OK), ENOENT);
    ERR(access("f.txt", 0x40), EINVAL);
    OK(faccessat(d, "..", R_OK, 0));
    OK(faccessat(AT_FDCWD, "f.txt", R_OK, AT_EACCESS));
    OK(syscall(SYS_faccessat2, AT_FDCWD, "link", F_OK, 0x100 /* AT_SYMLINK_NOFOLLOW */));
    ERR(syscall(SYS_faccessat2, AT_FDCWD, "f.txt", F_OK, 0x4242), EINVAL);
    ERR(syscall(SYS_faccessat, AT_FDCWD, "f.txt", 0x40), EINVAL);

    SECTION("chmod/fchmod/fchmodat");
    OK(chmod("f.txt", 0640));
    OK(stat("f.txt", &st));
    describe("after chmod 0640", &st);
    OK(fchmod(fd, 0600));
    OK(fstat(fd, &st));
    describe("after fchmod 0600", &st);
    OK(fchmodat(d, "..", 0751, 0));
    OK(stat(".", &st));
    printf("cwd mode %04o\n", (unsigned)(st.st_mode & 07777));
    OK(chmod(".", 0755));
    OK(chmod("f.txt", 04755));
    OK(stat("f.txt", &st));
    describe("setuid", &st);
    OK(chmod("dir", 01777));
    OK(stat("dir", &st));
    describe("sticky dir", &st);
    OK(chmod("dir", 0755));
    OK(chmod("f.txt", 0));
    SHOW(access("f.txt", R_OK));
    OK(chmod("f.txt", 0644));
    ERR(chmod("missing", 0644), ENOENT);
    ERR(fchmod(99, 0644), EBADF);

    SECTION("chown family (to the same owner)");
    OK(chown("f.txt", getuid(), getgid()));
    OK(chown("f.txt", -1, -1));
    OK(fchown(fd, getuid(), -1));
    OK(lchown("link", getuid(), getgid()));
    OK(fchownat(AT_FDCWD, "link", -1, getgid(), AT_SYMLINK_NOFOLLOW));
    ERR(chown("missing", getuid(), getgid()), ENOENT);

    SECTION("utimensat/futimens");
    {
        struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
        OK(utimensat(AT_FDCWD, "f.txt", ts, 0));
        OK(stat("f.txt", &st));
        printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        struct timespec omit[2] = {{0, UTIME_OMIT}, {987654321, 0}};
        OK(futimens(fd, omit));
        OK(fstat(fd, &st));
        printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        struct timespec link_ts[2] = {{500000000, 0}, {600000000, 0}};
        OK(utimensat(AT_FDCWD, "link", link_ts, AT_SYMLINK_NOFOLLOW));
        OK(lstat("link", &st));
        printf("symlink mtime %lld\n", (long long)st.st_mtim.tv_sec);
        OK(stat("link", &st));
        printf("target mtime %lld\n", (long long)st.st_mtim.tv_sec);
        time_t before = time(NULL);
        OK(utimensat(AT_FDCWD, "f.txt", NULL, 0));
        OK(stat("f.txt", &st));
        CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
        struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
        OK(utimensat(AT_FDCWD, "dir", now, 0));
        OK(stat("dir", &st));
        CHECK(st.st_mtim.tv_sec >= before - 1);
        struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
        ERR(utimensat(AT_FDCWD, "f.txt", bad, 0), EINVAL);
        ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
        OK(utimensat(AT_FDCWD, "f.txt", ts, 0));
    }

    SECTION("umask");
    {
        mode_t old = umask(027);
        printf("umask was %03o\n", (unsigned)old);
        printf("umask now %03o\n", (unsigned)umask(027));
        int f2 = OK(open("masked.txt", O_CREAT | O_WRONLY, 0666));
        OK(fstat(f2, &st));
        describe("created 0666 under 027", &st);
        OK(close(f2));
        OK(mkdir("masked.d", 0777));
        OK(stat("masked.d", &st));
        describe("mkdir 0777 under 027", &st);
        OK(chmod("masked.txt", 0666));
        OK(stat("masked.txt", &st));
        describe("chmod ignores umask", &st);
        umask(old);
    }

    SECTION("statfs/fstatfs");
    {
        struct statfs sf, sf2;
        OK(statfs(".", &sf));
        OK(fstatfs(fd, &sf2));
        CHECK(sf.f_type == sf2.f_type);
        CHECK(sf.f_bsize > 0 && sf.f_blocks > 0);
        printf("f_namelen %ld\n", (long)sf.f_namelen);
        ERR(statfs("missing", &sf), ENOENT);
    }

    SECTION("devices and pipes");
    OK(stat("/dev/null", &st));
    printf("/dev/null: %s %u:%u\n", ftype(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    OK(stat("/dev/zero", &st));
    printf("/dev/zero: %s %u:%u\n", ftype(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    {
        int p[2];
        OK(pipe(p));
        OK(fstat(p[0], &st));
        printf("pipe: %s\n", ftype(st.st_mode));
        OK(fstat(p[1], &st2));
        CHECK(st.st_ino == st2.st_ino);
        close(p[0]);
        close(p[1]);
    }
    OK(close(fd));
    OK(close(d));
    return finish("stat");
}
