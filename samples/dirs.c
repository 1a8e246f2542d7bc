/* dirs: mkdir/mkdirat/rmdir (ENOTEMPTY...), getdents64 through readdir (sorted
 * output with d_type), chdir/fchdir/getcwd (ERANGE), rename/renameat/
 * renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE), link/linkat, symlink/
 * symlinkat/readlink/readlinkat (ELOOP), unlink/unlinkat (AT_REMOVEDIR).
 * Leaves a small tree under top/ in the working directory.
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

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
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

static char start[4096];

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) {
        printf("FAIL cannot write %s: %s\n", path, errname(errno));
        failures++;
    }
    close(fd);
}

static void show_file(const char *path)
{
    char buf[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("  %s: -1 %s\n", path, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = 0;
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = 0;
    printf("  %s: '%s'\n", path, buf);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *typename(unsigned t)
{
    switch (t) {
    case DT_REG: return "file";
    case DT_DIR: return "dir";
    case DT_LNK: return "symlink";
    case DT_FIFO: return "fifo";
    case DT_UNKNOWN: return "unknown";
    default: return "other";
    }
}

/* readdir(3) (getdents64 underneath), names sorted, with d_type */
static void list(const char *path)
{
    char *names[64];
    int n = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    if (!d) {
        printf("opendir %s: %s\n", path, errname(errno));
        failures++;
        return;
    }
    while ((e = readdir(d)) != NULL && n < 64) {
        char *s = malloc(strlen(e->d_name) + 16);
        sprintf(s, "%s %s", e->d_name, typename(e->d_type));
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        printf(" [%s]", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void where(void)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
        printf("FAIL getcwd: %s\n", errname(errno));
        failures++;
        return;
    }
    size_t n = strlen(start);
    if (strncmp(cwd, start, n) == 0)
        printf("cwd = <start>%s\n", cwd + n);
    else
        printf("cwd outside the start directory\n");
}

int main(void)
{
    struct stat st;
    char buf[64];
    int d, fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!getcwd(start, sizeof start))
        return 2;

    SECTION("mkdir/mkdirat/rmdir");
    OK(mkdir("top", 0755));
    ERR(mkdir("top", 0755), EEXIST);
    ERR(mkdir("nodir/x", 0755), ENOENT);
    OK(mkdir("top/sub", 0700));
    OK(mkdir("top/sub/deep", 0755));
    d = OK(open("top", O_RDONLY | O_DIRECTORY));
    OK(mkdirat(d, "made_at", 0750));
    ERR(mkdirat(d, "made_at", 0750), EEXIST);
    put("top/file.txt", "file\n");
    ERR(mkdir("top/file.txt/x", 0755), ENOTDIR);
    ERR(rmdir("top/sub"), ENOTEMPTY);
    ERR(rmdir("top/file.txt"), ENOTDIR);
    ERR(rmdir("top/missing"), ENOENT);
    ERR(rmdir("top/sub/deep/."), EINVAL);
    OK(mkdir("top/empty", 0755));
    OK(rmdir("top/empty"));
    OK(stat("top/sub", &st));
    printf("top/sub mode %o\n", st.st_mode & 07777);

    SECTION("getdents64");
    put("top/b.txt", "b\n");
    put("top/a.txt", "a\n");
    list("top");
    {
        char small[8];
        ERR(syscall(SYS_getdents64, d, small, 1), EINVAL);
        fd = OK(open("top/a.txt", O_RDONLY));
        ERR(syscall(SYS_getdents64, fd, small, sizeof small), ENOTDIR);
        OK(close(fd));
        ERR(syscall(SYS_getdents64, 77, small, sizeof small), EBADF);
    }
    {
        /* walk raw records: every record's reclen is a multiple of 8 */
        char raw[4096];
        long n, total = 0, aligned = 1, entries = 0;
        int dfd = OK(open("top", O_RDONLY | O_DIRECTORY));
        while ((n = syscall(SYS_getdents64, dfd, raw, sizeof raw)) > 0) {
            for (long off = 0; off < n;) {
                unsigned short reclen = *(unsigned short *)(raw + off + 16);
                aligned &= reclen % 8 == 0;
                entries++;
                off += reclen;
            }
            total += n;
        }
        CHECK(n == 0);
        printf("raw getdents64: %ld entries\n", entries);
        CHECK(aligned);
        OK(close(dfd));
    }

    SECTION("chdir/fchdir/getcwd");
    where();
    OK(chdir("top/sub"));
    where();
    OK(chdir("deep"));
    where();
    OK(chdir(".."));
    where();
    ERR(chdir("missing"), ENOENT);
    OK(fchdir(d));
    where();
    fd = OK(open("a.txt", O_RDONLY));
    ERR(fchdir(fd), ENOTDIR);
    OK(close(fd));
    ERR(chdir("a.txt"), ENOTDIR);
    OK(chdir(start));
    where();
    errno = 0;
    CHECK(getcwd(buf, 2) == NULL && errno == ERANGE);

    SECTION("rename/renameat/renameat2");
    OK(rename("top/a.txt", "top/a2.txt"));
    ERR(stat("top/a.txt", &st), ENOENT);
    OK(rename("top/b.txt", "top/a2.txt"));
    show_file("top/a2.txt");
    ERR(rename("top/missing", "top/x"), ENOENT);
    OK(mkdir("top/d1", 0755));
    ERR(rename("top/d1", "top/sub"), ENOTEMPTY);
    ERR(rename("top/a2.txt", "top/d1"), EISDIR);
    ERR(rename("top/d1", "top/a2.txt"), ENOTDIR);
    ERR(rename("top", "top/sub/inside"), EINVAL);
    OK(renameat(d, "d1", d, "d2"));
    put("top/x.txt", "x\n");
    put("top/y.txt", "y\n");
    ERR(syscall(SYS_renameat2, d, "x.txt", d, "y.txt", RENAME_NOREPLACE), EEXIST);
    OK(syscall(SYS_renameat2, d, "x.txt", d, "z.txt", RENAME_NOREPLACE));
    OK(syscall(SYS_renameat2, d, "z.txt", d, "y.txt", RENAME_EXCHANGE));
    show_file("top/y.txt");
    show_file("top/z.txt");
    ERR(syscall(SYS_renameat2, d, "z.txt", d, "nope", RENAME_EXCHANGE), ENOENT);
    ERR(syscall(SYS_renameat2, d, "z.txt", d, "y.txt", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);

    SECTION("link/linkat");
    OK(link("top/y.txt", "top/hard.txt"));
    OK(stat("top/y.txt", &st));
    printf("nlink after link: %lu\n", (unsigned long)st.st_nlink);
    {
        struct stat st2;
        OK(stat("top/hard.txt", &st2));
        CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    }
    ERR(link("top/y.txt", "top/hard.txt"), EEXIST);
    ERR(link("top/sub", "top/sublink"), EPERM);
    ERR(link("top/missing", "top/x"), ENOENT);
    OK(linkat(d, "z.txt", d, "hard2.txt", 0));

    SECTION("symlink/readlink");
    OK(symlink("y.txt", "top/sym"));
    OK(symlink("missing-target", "top/dangling"));
    OK(symlinkat("sub", d, "symdir"));
    ERR(symlink("y.txt", "top/sym"), EEXIST);
    memset(buf, 0, sizeof buf);
    OK(readlink("top/sym", buf, sizeof buf));
    printf("readlink: '%s'\n", buf);
    memset(buf, 0, sizeof buf);
    OK(readlink("top/dangling", buf, 4));
    printf("readlink truncated: '%s'\n", buf);
    memset(buf, 0, sizeof buf);
    OK(readlinkat(d, "symdir", buf, sizeof buf));
    printf("readlinkat: '%s'\n", buf);
    ERR(readlink("top/y.txt", buf, sizeof buf), EINVAL);
    ERR(readlink("top/missing", buf, sizeof buf), ENOENT);
    show_file("top/sym");
    ERR(open("top/dangling", O_RDONLY), ENOENT);
    OK(lstat("top/sym", &st));
    CHECK(S_ISLNK(st.st_mode));
    printf("symlink size: %lld\n", (long long)st.st_size);
    OK(stat("top/symdir/deep", &st));
    CHECK(S_ISDIR(st.st_mode));
    OK(symlink("loop2", "top/loop1"));
    OK(symlink("loop1", "top/loop2"));
    ERR(open("top/loop1", O_RDONLY), ELOOP);
    ERR(open("top/sym", O_RDONLY | O_NOFOLLOW), ELOOP);
    list("top");

    SECTION("unlink/unlinkat");
    OK(unlink("top/hard2.txt"));
    ERR(unlink("top/hard2.txt"), ENOENT);
    ERR(unlink("top/sub"), EISDIR);
    OK(unlink("top/loop1"));
    OK(unlink("top/loop2"));
    OK(unlink("top/dangling"));
    ERR(unlinkat(d, "d2", 0), EISDIR);
    OK(unlinkat(d, "d2", AT_REMOVEDIR));
    ERR(unlinkat(d, "y.txt", AT_REMOVEDIR), ENOTDIR);
    ERR(unlinkat(d, "sub", AT_REMOVEDIR), ENOTEMPTY);
    ERR(unlinkat(d, "x", 0x4242), EINVAL);
    OK(stat("top/y.txt", &st));
    printf("nlink of y.txt: %lu\n", (unsigned long)st.st_nlink);
    OK(unlink("top/hard.txt"));
    OK(stat("top/y.txt", &st));
    printf("nlink after unlink: %lu\n", (unsigned long)st.st_nlink);
    {
        /* an open file outlives its name */
        fd = OK(open("top/y.txt", O_RDONLY));
        OK(unlink("top/y.txt"));
        memset(buf, 0, sizeof buf);
        OK(read(fd, buf, sizeof buf - 1));
        printf("read after unlink: '%s'", buf);
        OK(fstat(fd, &st));
        printf("nlink of the open unlinked file: %lu\n", (unsigned long)st.st_nlink);
        OK(close(fd));
    }
    OK(close(d));
    list("top");
    list("top/sub");
    return finish("dirs");
}
