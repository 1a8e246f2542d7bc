/* procfs: the emulated /proc, /sys and /dev as a program sees them:
 * /proc/self/{exe,cmdline,environ,maps,fd/,fdinfo/,stat,status,comm,cwd},
 * /proc/<pid>/exe, /proc/cpuinfo, meminfo, stat, uptime, loadavg,
 * filesystems, mounts, /proc/sys/kernel/{ostype,osrelease},
 * /sys/devices/system/cpu/online, /dev/null, /dev/zero, /dev/full (ENOSPC),
 * /dev/urandom, /dev/random, /dev/tty (ENXIO without a terminal), /dev/stdin,
 * /dev/fd. Prints relations, never pids or addresses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
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

extern char **environ;

/* whole file into a malloc'd NUL-terminated buffer (length in *len) */
static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("FAIL open %s: %s\n", path, errname(errno));
        failures++;
        *len = 0;
        return calloc(1, 1);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    while ((r = read(fd, buf + n, cap - n)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    if (r < 0)
        printf("FAIL read %s: %s\n", path, errname(errno)), failures++;
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

static int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        n += strncmp(l, prefix, pl) == 0;
    return n;
}

static const char *line_starting(const char *text, const char *prefix, char *out, size_t outsz)
{
    size_t pl = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, prefix, pl) == 0) {
            size_t n = strcspn(l, "\n");
            snprintf(out, outsz, "%.*s", (int)n, l);
            return out;
        }
    snprintf(out, outsz, "(no %s line)", prefix);
    return out;
}

static int cmp(const void *a, const void *b)
{
    return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

int main(int argc, char **argv)
{
    char buf[4096], link[4096], cwd[4096], line[512];
    size_t len;
    char *text;
    pid_t pid = getpid();

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!getcwd(cwd, sizeof cwd))
        return 2;

    SECTION("/proc/self/exe, cmdline, environ, comm, cwd");
    memset(link, 0, sizeof link);
    OK(readlink("/proc/self/exe", link, sizeof link - 1) > 0);
    {
        char real[4096];
        CHECK(realpath(argv[0], real) && strcmp(real, link) == 0);
        printf("exe basename: %s\n", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
        char path[64], link2[4096] = {0};
        snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
        OK(readlink(path, link2, sizeof link2 - 1) > 0);
        CHECK(strcmp(link, link2) == 0);
        struct stat a, b;
        OK(stat("/proc/self/exe", &a));
        OK(stat(argv[0], &b));
        CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    }
    text = slurp("/proc/self/cmdline", &len);
    {
        int n = 0, same = 1;
        for (size_t off = 0; off < len; off += strlen(text + off) + 1, n++)
            same &= n < argc && strcmp(text + off, argv[n]) == 0;
        printf("cmdline: %d args, same as argv: %d\n", n, same && n == argc);
    }
    free(text);
    text = slurp("/proc/self/environ", &len);
    {
        int n = 0, same = 1;
        for (size_t off = 0; off < len; off += strlen(text + off) + 1, n++)
            same &= environ[n] && strcmp(text + off, environ[n]) == 0;
        printf("environ: same as the initial environment: %d\n", same && environ[n] == NULL);
    }
    free(text);
    text = slurp("/proc/self/comm", &len);
    {
        const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        printf("comm: '%.*s' == basename: %d\n", (int)(len ? len - 1 : 0), text,
               len > 0 && strncmp(text, base, len - 1) == 0);
    }
    free(text);
    memset(link, 0, sizeof link);
    OK(readlink("/proc/self/cwd", link, sizeof link - 1) > 0);
    CHECK(strcmp(link, cwd) == 0);
    OK(chdir("/"));
    memset(link, 0, sizeof link);
    OK(readlink("/proc/self/cwd", link, sizeof link - 1));
    printf("after chdir(\"/\"): /proc/self/cwd -> %s\n", link);
    OK(chdir(cwd));

    SECTION("/proc/self/maps");
    text = slurp("/proc/self/maps", &len);
    {
        memset(link, 0, sizeof link);
        readlink("/proc/self/exe", link, sizeof link - 1);
        int lines = 0, parsed = 0, exe = 0, exe_x = 0;
        for (char *l = text; *l; l = strchr(l, '\n') + 1) {
            unsigned long lo, hi, off;
            char perms[8];
            unsigned maj, min;
            unsigned long ino;
            int name = 0;
            lines++;
            if (sscanf(l, "%lx-%lx %7s %lx %x:%x %lu %n", &lo, &hi, perms, &off, &maj, &min, &ino, &name) >= 7 &&
                lo < hi && strlen(perms) == 4)
                parsed++;
            size_t ll = strcspn(l, "\n");
            if (name && (size_t)name < ll && strncmp(l + name, link, ll - name) == 0 && strlen(link) == ll - name) {
                exe++;
                exe_x |= strchr(perms, 'x') != NULL;
            }
            if (!strchr(l, '\n'))
                break;
        }
        printf("all %s lines parse: %d\n", "maps", lines > 0 && lines == parsed);
        printf("the program is mapped: %d, with an executable mapping: %d\n", exe > 0, exe_x);
        printf("[stack]: %d [vdso]: %d\n", strstr(text, "[stack]") != NULL, strstr(text, "[vdso]") != NULL);
    }
    free(text);

    SECTION("/proc/self/fd and fdinfo");
    {
        int fd = OK(open("probe.txt", O_CREAT | O_RDWR | O_TRUNC, 0640));
        OK(write(fd, "0123456789", 10));
        OK(lseek(fd, 5, SEEK_SET));
        DIR *d = opendir("/proc/self/fd");
        char *names[64];
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d)) && n < 64)
            if (e->d_name[0] != '.')
                names[n++] = strdup(e->d_name);
        if (d)
            closedir(d);
        qsort(names, n, sizeof *names, cmp);
        printf("/proc/self/fd:");
        for (int i = 0; i < n; i++)
            printf(" %s", names[i]);
        printf("\n");
        snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
        memset(link, 0, sizeof link);
        OK(readlink(buf, link, sizeof link - 1) > 0);
        snprintf(buf, sizeof buf, "%s/probe.txt", cwd);
        printf("fd link is the file's absolute path: %d\n", strcmp(link, buf) == 0);
        memset(link, 0, sizeof link);
        OK(readlink("/proc/self/fd/0", link, sizeof link - 1) > 0);
        printf("fd 0 -> %s\n", link);
        memset(link, 0, sizeof link);
        OK(readlink("/proc/self/fd/1", link, sizeof link - 1) > 0);
        printf("fd 1 is a pipe: %d\n", strncmp(link, "pipe:[", 6) == 0);
        snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
        int again = OK(open(buf, O_RDONLY));
        memset(link, 0, sizeof link);
        OK(read(again, link, 4));
        printf("reopened through /proc/self/fd reads from offset 0: '%s'\n", link);
        OK(close(again));
        snprintf(buf, sizeof buf, "/proc/self/fdinfo/%d", fd);
        text = slurp(buf, &len);
        printf("%s\n", line_starting(text, "pos:", line, sizeof line));
        printf("%s\n", line_starting(text, "flags:", line, sizeof line));
        free(text);
        ERR(readlink("/proc/self/fd/77", link, sizeof link), ENOENT);
        OK(close(fd));
    }

    SECTION("/proc/self/stat and status");
    text = slurp("/proc/self/stat", &len);
    {
        int spid = 0, ppid = 0;
        char state = '?';
        char *rp = strrchr(text, ')');
        spid = atoi(text);
        if (rp)
            sscanf(rp + 2, "%c %d", &state, &ppid);
        printf("stat: pid==getpid:%d state=%c ppid==getppid:%d comm in parens:%d\n", spid == pid, state,
               ppid == getppid(), text[strcspn(text, "(")] == '(' && rp != NULL);
    }
    free(text);
    text = slurp("/proc/self/status", &len);
    {
        char want[64];
        printf("%s\n", line_starting(text, "Name:", line, sizeof line));
        snprintf(want, sizeof want, "Pid:\t%d", (int)pid);
        printf("status Pid line matches getpid: %d\n", strcmp(line_starting(text, "Pid:", line, sizeof line), want) == 0);
        snprintf(want, sizeof want, "PPid:\t%d", (int)getppid());
        printf("status PPid line matches getppid: %d\n",
               strcmp(line_starting(text, "PPid:", line, sizeof line), want) == 0);
        printf("%s\n", line_starting(text, "Uid:", line, sizeof line));
        printf("has State/VmRSS/Threads lines: %d %d %d\n", count_lines_starting(text, "State:"),
               count_lines_starting(text, "VmRSS:"), count_lines_starting(text, "Threads:"));
    }
    free(text);

    SECTION("system files");
    text = slurp("/proc/cpuinfo", &len);
    printf("cpuinfo processor lines == online cpus: %d\n",
           count_lines_starting(text, "processor") == sysconf(_SC_NPROCESSORS_ONLN));
    free(text);
    text = slurp("/proc/meminfo", &len);
    {
        unsigned long kb = 0;
        sscanf(line_starting(text, "MemTotal:", line, sizeof line), "MemTotal: %lu kB", &kb);
        printf("meminfo MemTotal > 0: %d, has MemAvailable: %d\n", kb > 0, count_lines_starting(text, "MemAvailable:"));
    }
    free(text);
    text = slurp("/proc/stat", &len);
    printf("stat has a 'cpu ' line: %d, btime: %d\n", count_lines_starting(text, "cpu "),
           count_lines_starting(text, "btime"));
    free(text);
    text = slurp("/proc/uptime", &len);
    {
        double up = 0, idle = -1;
        printf("uptime parses: %d\n", sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0);
    }
    free(text);
    text = slurp("/proc/loadavg", &len);
    {
        double a, b, c;
        printf("loadavg parses: %d\n", sscanf(text, "%lf %lf %lf", &a, &b, &c) == 3);
    }
    free(text);
    text = slurp("/proc/filesystems", &len);
    printf("filesystems lists proc: %d\n", strstr(text, "\tproc\n") != NULL);
    free(text);
    text = slurp("/proc/mounts", &len);
    printf("mounts has a / entry: %d\n", strstr(text, " / ") != NULL);
    free(text);
    text = slurp("/proc/sys/kernel/ostype", &len);
    printf("ostype: %s", text);
    free(text);
    text = slurp("/proc/sys/kernel/osrelease", &len);
    {
        struct utsname u;
        uname(&u);
        printf("osrelease == uname release: %d\n", strncmp(text, u.release, strlen(u.release)) == 0);
    }
    free(text);
    text = slurp("/sys/devices/system/cpu/online", &len);
    printf("/sys/devices/system/cpu/online: %s", text);
    free(text);
    ERR(open("/proc/self/no-such-file", O_RDONLY), ENOENT);

    SECTION("/dev");
    {
        int fd = OK(open("/dev/null", O_RDWR));
        OK(write(fd, "gone", 4));
        OK(read(fd, buf, sizeof buf));
        OK(lseek(fd, 100, SEEK_SET));
        OK(close(fd));
        fd = OK(open("/dev/zero", O_RDONLY));
        memset(buf, 'x', 100);
        OK(read(fd, buf, 100));
        int zero = 1;
        for (int i = 0; i < 100; i++)
            zero &= buf[i] == 0;
        CHECK(zero);
        OK(close(fd));
        fd = OK(open("/dev/full", O_RDWR));
        ERR(write(fd, "x", 1), ENOSPC);
        OK(read(fd, buf, 10));
        OK(close(fd));
        struct stat st;
        OK(stat("/dev/full", &st));
        printf("/dev/full: chardev=%d %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
        fd = OK(open("/dev/urandom", O_RDONLY));
        char a[32], b[32];
        OK(read(fd, a, sizeof a));
        OK(read(fd, b, sizeof b));
        CHECK(memcmp(a, b, sizeof a) != 0);
        OK(close(fd));
        fd = OK(open("/dev/random", O_RDONLY | O_NONBLOCK));
        OK(read(fd, a, 16));
        OK(close(fd));
        ERR(open("/dev/tty", O_RDWR), ENXIO);
        memset(link, 0, sizeof link);
        OK(readlink("/dev/stdin", link, sizeof link - 1));
        printf("/dev/stdin -> %s\n", link);
        memset(link, 0, sizeof link);
        OK(readlink("/dev/fd", link, sizeof link - 1));
        printf("/dev/fd -> %s\n", link);
        fd = OK(open("/dev/stdout", O_WRONLY));
        OK(write(fd, "written through /dev/stdout\n", 28));
        OK(close(fd));
        fd = OK(open("/dev/fd/2", O_WRONLY));
        OK(write(fd, "written through /dev/fd/2\n", 26));
        OK(close(fd));
        ERR(open("/dev/no-such-device", O_RDONLY), ENOENT);
    }
    return finish("procfs");
}
