/* proc_others: /proc/<pid> of another process of the program's own tree
 * (what ps, pgrep and top read): a child (this program again, renamed
 * with PR_SET_NAME, in a subdirectory, with a file open) is listed in
 * /proc with its stat (comm, state, ppid), status, cmdline, comm, exe,
 * cwd and fd links; /bin/ps and pgrep find it with the right command line,
 * parent and state; a child killed and not yet reaped is a zombie (state Z,
 * empty cmdline); once reaped its directory is gone. /proc/stat counts
 * CPU time (ps and top compute their percentages from it).
 * lxpack-suite: processes
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static char pbuf[8192];

/* the content of a /proc file, NULs turned into '|' (cmdline), length in *n */
static const char *slurp(const char *path, ssize_t *n)
{
    int fd = open(path, O_RDONLY);
    ssize_t got = 0, r;
    pbuf[0] = 0;
    if (fd < 0) {
        *n = -1;
        return pbuf;
    }
    while (got < (ssize_t)sizeof pbuf - 1 && (r = read(fd, pbuf + got, sizeof pbuf - 1 - got)) > 0)
        got += r;
    close(fd);
    pbuf[got] = 0;
    for (ssize_t i = 0; i < got; i++)
        if (pbuf[i] == 0)
            pbuf[i] = '|';
    *n = got;
    return pbuf;
}

static int child_main(int ready)
{
    prctl(PR_SET_NAME, "pochild");
    if (chdir("sub") != 0 || open("marker.txt", O_RDONLY) < 0)
        return 2;
    write(ready, "r", 1);
    for (;;)
        pause();
}

/* state letter and ppid of /proc/<pid>/stat; comm into comm */
static int parse_stat(pid_t pid, char *state, long *ppid, char *comm)
{
    char path[64];
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    const char *s = slurp(path, &n);
    const char *o = strchr(s, '('), *c = strrchr(s, ')');
    if (n <= 0 || !o || !c)
        return -1;
    memcpy(comm, o + 1, c - o - 1);
    comm[c - o - 1] = 0;
    return sscanf(c + 2, "%c %ld", state, ppid) == 2 ? 0 : -1;
}

static int listed(pid_t pid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)))
        if (atoi(e->d_name) == pid)
            found = 1;
    if (d)
        closedir(d);
    return found;
}

/* the first line a shell command prints, without its newline */
static const char *first_line(const char *cmd)
{
    static char line[512];
    FILE *f = popen(cmd, "r");
    line[0] = 0;
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        pclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    return line;
}

static unsigned long long cpu_ticks(void)
{
    ssize_t n;
    unsigned long long v[8] = {0}, sum = 0;
    const char *s = slurp("/proc/stat", &n);
    if (strncmp(s, "cpu ", 4) != 0)
        return 0;
    sscanf(s + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
           &v[6], &v[7]);
    for (int i = 0; i < 8; i++)
        sum += v[i];
    return sum;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "wait") == 0)      /* the child: never forks */
        return child_main(argc == 3 ? atoi(argv[2]) : -1);
    char path[256], want[512], exe[256], cexe[256], cwd[256], link[256], cmd[256], state, comm[64];
    long ppid;
    ssize_t n;
    int p[2];
    mkdir("sub", 0755);
    close(open("sub/marker.txt", O_WRONLY | O_CREAT, 0644));
    OK(pipe(p));
    pid_t c = fork();
    if (c == 0) {
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", p[1]);
        execl("/proc/self/exe", "proc-others-child", "wait", fdarg, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char r;
    CHECK(read(p[0], &r, 1) == 1);                      /* the child is set up */
    for (int i = 0; i < 500; i++) {                       /* and asleep in pause() (a busy machine) */
        if (parse_stat(c, &state, &ppid, comm) == 0 && state == 'S')
            break;
        usleep(10000);
    }

    SECTION("listed in /proc");
    CHECK(listed(c));
    snprintf(path, sizeof path, "/proc/%d", c);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid());

    SECTION("stat and status");
    CHECK(parse_stat(c, &state, &ppid, comm) == 0);
    printf("comm: %s\nstate: %c\n", comm, state);
    CHECK(ppid == getpid());
    snprintf(path, sizeof path, "/proc/%d/status", c);
    const char *s = slurp(path, &n);
    CHECK(strstr(s, "Name:\tpochild\n") != NULL);
    CHECK(strstr(s, "State:\tS (sleeping)\n") != NULL);
    snprintf(want, sizeof want, "\nPPid:\t%d\n", getpid());
    CHECK(strstr(s, want) != NULL);
    snprintf(want, sizeof want, "\nPid:\t%d\n", c);
    CHECK(strstr(s, want) != NULL);

    SECTION("cmdline, comm, exe, cwd, fd");
    snprintf(path, sizeof path, "/proc/%d/cmdline", c);
    s = slurp(path, &n);
    printf("cmdline: %s\n", strncmp(s, "proc-others-child|wait|", 23) == 0 ? "proc-others-child|wait|FD|" : s);
    snprintf(path, sizeof path, "/proc/%d/comm", c);
    printf("comm file: %s", slurp(path, &n));
    snprintf(path, sizeof path, "/proc/%d/exe", c);
    n = readlink(path, cexe, sizeof cexe - 1);
    cexe[n > 0 ? n : 0] = 0;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    CHECK(strcmp(exe, cexe) == 0);
    snprintf(path, sizeof path, "/proc/%d/cwd", c);
    n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    strcat(cwd, "/sub");
    CHECK(strcmp(link, cwd) == 0);
    int found = 0;
    for (int fd = 0; fd < 64; fd++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", c, fd);
        n = readlink(path, link, sizeof link - 1);
        link[n > 0 ? n : 0] = 0;
        if (n > 0 && strcmp(link, strcat(strcpy(want, cwd), "/marker.txt")) == 0)
            found = 1;
    }
    CHECK(found);

    SECTION("ps and pgrep");
    snprintf(cmd, sizeof cmd, "/bin/ps -o stat=,ppid=,comm=,args= -p %d", c);
    const char *line = first_line(cmd);
    char pstate[8], pcomm[64];
    long pppid = 0;
    int off = 0;
    if (sscanf(line, "%7s %ld %63s %n", pstate, &pppid, pcomm, &off) == 3) {
        printf("ps: state %s, comm %s, parent is us: %d\n", pstate, pcomm, pppid == getpid());
        printf("ps args: %.23s\n", line + off);
    } else {
        printf("ps: no line (%s)\n", line);
    }
    snprintf(cmd, sizeof cmd, "pgrep -P %d -x pochild", getpid());
    printf("pgrep finds the child: %d\n", atoi(first_line(cmd)) == c);
    snprintf(cmd, sizeof cmd, "pgrep -f -P %d 'proc-others-child wait'", getpid());
    printf("pgrep -f finds the child: %d\n", atoi(first_line(cmd)) == c);

    SECTION("zombie, then gone");
    OK(kill(c, SIGKILL));
    siginfo_t si;
    OK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    CHECK(parse_stat(c, &state, &ppid, comm) == 0);
    printf("state: %c\n", state);
    snprintf(path, sizeof path, "/proc/%d/cmdline", c);
    s = slurp(path, &n);
    printf("cmdline bytes: %zd\n", n);
    CHECK(waitpid(c, NULL, 0) == c);
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    ERR(open(path, O_RDONLY), ENOENT);
    CHECK(!listed(c));

    SECTION("/proc/stat");
    unsigned long long t0 = cpu_ticks();
    CHECK(t0 > 0);
    volatile unsigned long spin = 0;
    for (int i = 0; i < 30 && cpu_ticks() == t0; i++)
        for (long k = 0; k < 20000000; k++)
            spin++;
    CHECK(cpu_ticks() > t0);
    return finish("proc_others");
}
