/* tty_pty: pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname
 * (/dev/ptmx, TIOCGPTN, TIOCSPTLCK), opening /dev/pts/N, TIOCGPTPEER,
 * line discipline through the pair (canonical input, echo, ONLCR, raw
 * mode, VMIN), window size set on the master and seen on the slave, a child
 * that makes the slave its controlling terminal (setsid, TIOCSCTTY,
 * tcsetpgrp, /dev/tty) and gets SIGWINCH when the master resizes it,
 * TIOCNOTTY, EIO on the master once the slave side is closed, and ENOTTY
 * where a pty request meets something else.
 * lxpack-suite: net
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
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
/* ---- network errno names (the common table above has the file ones) ---- */
static const char *nerrname(int e)
{
    switch (e) {
#define N(x) case x: return #x;
    N(ECONNREFUSED) N(EINPROGRESS) N(EADDRINUSE) N(EADDRNOTAVAIL) N(ENOTCONN) N(EISCONN)
    N(EALREADY) N(EAFNOSUPPORT) N(EPROTONOSUPPORT) N(ESOCKTNOSUPPORT) N(ENOPROTOOPT)
    N(EMSGSIZE) N(EDESTADDRREQ) N(ECONNRESET) N(ECONNABORTED) N(ENETUNREACH) N(EPROTOTYPE)
    N(ENOBUFS) N(EHOSTUNREACH) N(ELOOP)
#undef N
    }
    return errname(e);
}
/* Like ERR/SHOW of the common part, with network errno names. */
__attribute__((unused)) static long nerr_(const char *what, long r, int want, const char *wname)
{
    int e = errno;
    if (r != -1)
        printf("FAIL %s = %ld (want -1 %s)\n", what, r, wname), failures++;
    else if (e != want)
        printf("FAIL %s = -1 %s (want %s)\n", what, nerrname(e), wname), failures++;
    else
        printf("%s = -1 %s\n", what, nerrname(e));
    errno = e;
    return r;
}
__attribute__((unused)) static long nok_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("FAIL %s = -1 %s\n", what, nerrname(e)), failures++;
    else
        printf("%s = %ld\n", what, r);
    errno = e;
    return r;
}
__attribute__((unused)) static long nokq_(const char *what, long r)
{
    int e = errno;
    if (r == -1)
        printf("FAIL %s = -1 %s\n", what, nerrname(e)), failures++;
    else
        printf("%s: ok\n", what);
    errno = e;
    return r;
}
#undef ERR
#undef OK
#undef OKQ
#define ERR(call, e) (errno = 0, nerr_(#call, (long)(call), e, #e))
#define OK(call) nok_(#call, (long)(call))
#define OKQ(call) nokq_(#call, (long)(call))

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Read what is available on fd within ms; printable, control chars escaped. */
static void show_read(const char *what, int fd, int ms)
{
    char buf[256], out[1024];
    long got = 0;
    struct pollfd p = { fd, POLLIN, 0 };
    while (got < (long)sizeof buf && poll(&p, 1, got ? 50 : ms) == 1) {
        long n = read(fd, buf + got, sizeof buf - got);
        if (n <= 0)
            break;
        got += n;
    }
    int o = 0;
    for (long i = 0; i < got && o < (int)sizeof out - 5; i++) {
        unsigned char c = buf[i];
        if (c == '\r')
            o += sprintf(out + o, "\\r");
        else if (c == '\n')
            o += sprintf(out + o, "\\n");
        else if (c < 32 || c >= 127)
            o += sprintf(out + o, "\\x%02x", c);
        else
            out[o++] = c;
    }
    out[o] = 0;
    printf("%s: \"%s\"\n", what, out);
}

static int open_pair(int *slave, char *name, size_t len)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, len) != 0) {
        printf("FAIL pty: %s\n", nerrname(errno));
        exit(1);
    }
    *slave = open(name, O_RDWR | O_NOCTTY);
    return m;
}

static volatile int winch;
static void on_winch(int sig) { (void)sig; winch++; }

static void section_basics(void)
{
    SECTION("a pseudo-terminal pair");
    int m;
    OK((m = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
    OK(grantpt(m));
    OK(unlockpt(m));
    char name[64];
    OK(ptsname_r(m, name, sizeof name));
    printf("ptsname starts with /dev/pts/: %d\n", strncmp(name, "/dev/pts/", 9) == 0);
    int n = -1;
    OK(ioctl(m, TIOCGPTN, &n));
    printf("TIOCGPTN matches ptsname: %d\n", n == atoi(name + 9));
    int s;
    OK((s = open(name, O_RDWR | O_NOCTTY)) >= 0);
    printf("isatty master %d slave %d\n", isatty(m), isatty(s));
    char *tn = ttyname(s);
    printf("ttyname(slave) is the ptsname: %d\n", tn && strcmp(tn, name) == 0);
    int lock = 0;
    OK(ioctl(m, TIOCSPTLCK, &lock));
    int peer;
    OK((peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY)) >= 0);
    printf("TIOCGPTPEER gives a terminal: %d\n", isatty(peer));
    close(peer);
    ERR(ioctl(s, TIOCGPTN, &n), ENOTTY);
    int p[2];
    pipe(p);
    ERR(ioctl(p[0], TIOCGPTN, &n), ENOTTY);
    ERR(ioctl(p[0], TIOCSCTTY, 0), ENOTTY);
    close(p[0]);
    close(p[1]);

    SECTION("line discipline");
    struct termios t;
    OK(tcgetattr(s, &t));
    printf("canonical %d echo %d onlcr %d\n", (t.c_lflag & ICANON) != 0, (t.c_lflag & ECHO) != 0,
           (t.c_oflag & ONLCR) != 0);
    OK(write(m, "hello\n", 6));
    show_read("echoed to the master", m, 1000);
    show_read("the slave reads a line", s, 1000);
    OK(write(s, "out\n", 4));
    show_read("master reads output", m, 1000);
    OK(write(m, "ab\x7f" "c\n", 5));
    show_read("slave after an erase", s, 1000);
    show_read("echo of the erase", m, 200);
    struct termios raw = t;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    OK(tcsetattr(s, TCSANOW, &raw));
    OK(write(m, "xyz", 3));
    show_read("raw: the slave reads bytes", s, 1000);
    show_read("raw: no echo", m, 200);
    OK(write(s, "a\nb", 3));
    show_read("raw: no ONLCR", m, 1000);
    OK(tcsetattr(s, TCSAFLUSH, &t));

    SECTION("window size");
    struct winsize ws = { 33, 101, 0, 0 }, got;
    OK(ioctl(m, TIOCSWINSZ, &ws));
    OK(ioctl(s, TIOCGWINSZ, &got));
    printf("slave sees %dx%d\n", got.ws_row, got.ws_col);
    close(s);
    close(m);
}

static void section_ctty(void)
{
    SECTION("a controlling terminal and SIGWINCH");
    char name[64];
    int s, m = open_pair(&s, name, sizeof name);
    close(s);
    int ready[2], report[2];
    pipe(ready);
    pipe(report);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(report[0]);
        setsid();
        int fd = open(name, O_RDWR | O_NOCTTY);
        char msg[256];
        int r1 = ioctl(fd, TIOCSCTTY, 0);
        int r2 = tcsetpgrp(fd, getpgrp());
        int pg = tcgetpgrp(fd);
        int sid = tcgetsid(fd);
        /* A background process may take the terminal while it blocks
         * SIGTTOU (bash's children do): no signal is raised, so none is
         * left pending to stop it once unblocked. */
        pid_t bg = fork();
        if (bg == 0) {
            setpgid(0, 0);
            sigset_t tt, old;
            sigemptyset(&tt);
            sigaddset(&tt, SIGTTOU);
            sigprocmask(SIG_BLOCK, &tt, &old);
            int a = tcsetpgrp(fd, getpgrp());
            int b = tcsetpgrp(fd, getppid());   /* give it back (its pgrp is the parent's pid) */
            sigprocmask(SIG_SETMASK, &old, NULL);
            _exit(a == 0 && b == 0 ? 0 : 2);
        }
        int bgst = 0;
        waitpid(bg, &bgst, WUNTRACED);
        if (WIFSTOPPED(bgst))
            kill(bg, SIGKILL), waitpid(bg, NULL, 0);
        int bg_ok = WIFEXITED(bgst) && WEXITSTATUS(bgst) == 0;
        int pg_back = tcgetpgrp(fd) == getpgrp();
        int t = open("/dev/tty", O_RDWR);
        if (t >= 0)
            write(t, "via /dev/tty\n", 13);
        signal(SIGWINCH, on_winch);
        write(ready[1], "r", 1);
        for (int i = 0; i < 200 && !winch; i++)
            usleep(10000);
        struct winsize ws;
        ioctl(fd, TIOCGWINSZ, &ws);
        signal(SIGHUP, SIG_IGN);     /* a session leader giving up its terminal gets SIGHUP */
        int r3 = ioctl(fd, TIOCNOTTY);
        int t2 = open("/dev/tty", O_RDWR);
        int e2 = errno;
        snprintf(msg, sizeof msg,
                 "TIOCSCTTY %d, tcsetpgrp %d, foreground is us %d, session is us %d, "
                 "background tcsetpgrp with SIGTTOU blocked %d, given back %d, /dev/tty %d, "
                 "SIGWINCH %d, size %dx%d, TIOCNOTTY %d, /dev/tty after %d (%s)",
                 r1, r2, pg == getpgrp(), sid == getsid(0), bg_ok, pg_back, t >= 0, winch > 0, ws.ws_row,
                 ws.ws_col, r3, t2,
                 t2 < 0 ? errname(e2) : "ok");
        write(report[1], msg, strlen(msg));
        _exit(0);
    }
    close(ready[1]);
    close(report[1]);
    char c;
    read(ready[0], &c, 1);
    show_read("written through /dev/tty", m, 1000);
    struct winsize ws = { 24, 77, 0, 0 };
    OK(ioctl(m, TIOCSWINSZ, &ws));
    char buf[512] = { 0 };
    long got = 0, r;
    while ((r = read(report[0], buf + got, sizeof buf - 1 - got)) > 0 || (r < 0 && errno == EINTR))
        got += r > 0 ? r : 0;
    if (r < 0)
        printf("FAIL reading the report: %s\n", errname(errno)), failures++;
    printf("child: %s\n", buf);
    int st;
    waitpid(pid, &st, 0);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    /* every slave descriptor is gone: the master reads EIO */
    ERR(read(m, buf, sizeof buf), EIO);
    close(m);
    close(ready[0]);
    close(report[0]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    section_basics();
    section_ctty();
    return finish("tty_pty");
}
