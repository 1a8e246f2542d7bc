/* tty: terminal ioctls on a pseudo-terminal (the suite runs this sample with
 * a pty as its controlling terminal, stdin and stdout; stderr is a pipe):
 * isatty/ttyname, TCGETS/TCSETS/TCSETSW/TCSETSF (raw mode and back),
 * TIOCGWINSZ/TIOCSWINSZ with SIGWINCH, TIOCGPGRP/tcgetsid, FIONREAD, TCFLSH,
 * TCSBRK, /dev/tty, ENOTTY on a pipe, and output post-processing (ONLCR).
 * lxpack-e2e: no
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch++; }

static void modes(const char *label, const struct termios *t)
{
    printf("%s: ICANON=%d ECHO=%d ISIG=%d ONLCR=%d OPOST=%d ICRNL=%d CS8=%d VMIN=%d VTIME=%d\n", label,
           !!(t->c_lflag & ICANON), !!(t->c_lflag & ECHO), !!(t->c_lflag & ISIG), !!(t->c_oflag & ONLCR),
           !!(t->c_oflag & OPOST), !!(t->c_iflag & ICRNL), (t->c_cflag & CSIZE) == CS8, t->c_cc[VMIN],
           t->c_cc[VTIME]);
}

int main(void)
{
    struct termios orig, t;
    struct winsize ws;
    setvbuf(stdout, NULL, _IOLBF, 0);

    SECTION("isatty/ttyname");
    printf("isatty 0/1/2: %d %d %d\n", isatty(0), isatty(1), isatty(2));
    const char *name = ttyname(0);
    printf("ttyname(0) under /dev/pts/: %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
    printf("stdin and stdout are the same terminal: %d\n", name && ttyname(1) && !strcmp(ttyname(0), name));

    SECTION("TCGETS/TCSETS");
    OK(tcgetattr(0, &orig));
    modes("initial", &orig);
    printf("speed is 38400 baud: %d\n", cfgetospeed(&orig) == B38400);
    t = orig;
    cfmakeraw(&t);
    OK(tcsetattr(0, TCSANOW, &t));
    OK(tcgetattr(0, &t));
    modes("raw", &t);
    printf("raw\nno carriage return added\n");
    t.c_lflag |= ICANON;
    OK(tcsetattr(0, TCSADRAIN, &t));
    OK(tcsetattr(0, TCSAFLUSH, &orig));
    OK(tcgetattr(0, &t));
    modes("restored", &t);
    ERR(tcsetattr(0, 42, &orig), EINVAL);

    SECTION("window size and SIGWINCH");
    signal(SIGWINCH, on_winch);
    OK(ioctl(0, TIOCGWINSZ, &ws));
    printf("initial size: %d rows x %d cols\n", ws.ws_row, ws.ws_col);
    ws.ws_row = 50;
    ws.ws_col = 100;
    OK(ioctl(1, TIOCSWINSZ, &ws));
    memset(&ws, 0, sizeof ws);
    OK(ioctl(0, TIOCGWINSZ, &ws));
    printf("after TIOCSWINSZ: %d rows x %d cols, SIGWINCH seen: %d\n", ws.ws_row, ws.ws_col, (int)winch);
    OK(ioctl(1, TIOCSWINSZ, &ws));
    printf("same size again: SIGWINCH count %d\n", (int)winch);

    SECTION("process group and session");
    printf("tcgetpgrp == getpgrp: %d\n", tcgetpgrp(0) == getpgrp());
    pid_t pg = -1;
    OK(ioctl(0, TIOCGPGRP, &pg));
    printf("TIOCGPGRP == getpgrp: %d\n", pg == getpgrp());
    printf("tcgetsid == getsid: %d\n", tcgetsid(0) == getsid(0));
    OK(tcsetpgrp(0, getpgrp()));

    SECTION("other ioctls");
    {
        int n = -1;
        OK(ioctl(0, FIONREAD, &n));
        printf("FIONREAD: %d\n", n);
        OK(tcflush(0, TCIFLUSH));
        OK(tcdrain(1));
        int fd = OK(open("/dev/tty", O_RDWR));
        printf("/dev/tty is a tty: %d\n", isatty(fd));
        OK(write(fd, "via /dev/tty\n", 13));
        OK(close(fd));
        ERR(ioctl(2, TCGETS, &t), ENOTTY);
        ERR(ioctl(2, TIOCGWINSZ, &ws), ENOTTY);
        ERR(tcgetattr(2, &t), ENOTTY);
        fprintf(stderr, "stderr is a pipe\n");
    }
    return finish("tty");
}
