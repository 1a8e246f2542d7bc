/* mm_window: anonymous mmap/munmap as a hardware backend serves them inside
 * the VM (a window of prepared pages, top-down like Linux's first fit), and
 * every way a program can meet the edges of that:
 *   placement    consecutive 64 KiB mappings lie top-down next to each other;
 *                a hole left by a middle munmap is reused by the next fit;
 *   zero pages   a mapping made where a written one was unmapped reads zero;
 *   after munmap touched and untouched pages fault, SEGV_MAPERR at the address;
 *   partial      munmap of a first page, mprotect READ, MADV_DONTNEED, mremap
 *                and MAP_FIXED over fresh mappings behave as on Linux;
 *   many         300 mappings (more than one window, more than the record
 *                table holds), all zero and distinct, unmapped in both orders;
 *   maps         /proc/self/maps shows a fresh mapping rw-p (in a line of its own
 *                or merged with a neighbour);
 *   fork         a child sees its parent's fresh mapping and unmaps it alone.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define K64 65536
static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

/* Touch p (write if w); prints what happened. */
static void probe(const char *what, volatile char *p, int w)
{
    fault_addr = 0;
    if (!sigsetjmp(jb, 1)) {
        if (w)
            *p = 1;
        else
            (void)*p;
        printf("%s: no fault\n", what);
    } else {
        printf("%s: SIGSEGV %s at the address %d\n", what,
               fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other",
               fault_addr == (void *)p);
    }
}

static char *map(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);

    /* placement */
    char *a = map(K64), *b = map(K64), *c = map(K64);
    printf("placement: b = a - 64K %d, c = b - 64K %d\n", b == a - K64, c == b - K64);

    /* zero pages after a written mapping went */
    int zero = 1;
    for (int i = 0; i < 50; i++) {
        char *p = map(K64);
        zero &= all_zero(p, K64);
        memset(p, 0xA5, K64);
        munmap(p, K64);
    }
    printf("zero pages over 50 rounds: %d\n", zero);

    /* after munmap: untouched, touched (read only), touched (written) */
    char *u = map(K64);
    munmap(u, K64);
    probe("untouched after munmap", u + 100, 1);
    char *r = map(K64);
    volatile char x = r[5000];
    (void)x;
    munmap(r, K64);
    probe("read after munmap", r + 5000, 0);
    char *w = map(K64);
    w[7] = 3;
    munmap(w, K64);
    probe("written after munmap", w + 7, 0);

    /* a hole in the middle */
    b[0] = 'b';
    a[0] = 'a';
    c[0] = 'c';
    munmap(b, K64);
    probe("middle after munmap", b + 1, 1);
    char *b2 = map(K64);
    printf("hole reused: %d zero %d, neighbours kept: %c %c\n", b2 == b, all_zero(b2, K64), a[0], c[0]);

    /* partial munmap, mprotect, MADV_DONTNEED, mremap of fresh mappings */
    char *p = map(4 * 4096);
    memset(p, 7, 4 * 4096);
    munmap(p, 4096);
    probe("first page cut off", p, 0);
    printf("rest kept: %d\n", p[4096] == 7 && p[3 * 4096 + 4095] == 7);
    char *q = map(K64);
    q[0] = 1;
    mprotect(q, K64, PROT_READ);
    probe("write to a fresh mapping made read-only", q + 4096, 1);
    char *d = map(K64);
    memset(d, 9, K64);
    madvise(d, K64, MADV_DONTNEED);
    printf("MADV_DONTNEED zeroes: %d\n", all_zero(d, K64));
    memset(d, 4, K64);
    char *m = mremap(d, K64, 4 * K64, MREMAP_MAYMOVE);
    printf("mremap kept data: %d, grown part zero: %d\n", m != MAP_FAILED && m[K64 - 1] == 4,
           m != MAP_FAILED && all_zero(m + K64, 3 * K64));

    /* MAP_FIXED over the lowest fresh mapping and the free space below it */
    char *lowest = map(K64);
    lowest[0] = 5;
    char *fx = mmap(lowest - K64, 2 * K64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED: at %d, zero %d\n", fx == lowest - K64, fx != MAP_FAILED && all_zero(fx, 2 * K64));
    char *after_fx = map(K64);
    printf("next below it: %d zero %d\n", after_fx == fx - K64, all_zero(after_fx, K64));
    munmap(fx, K64);
    probe("lower half of the MAP_FIXED after munmap", fx + 8, 1);
    printf("upper half kept: %d\n", fx[K64] == 0);

    /* many */
    enum { N = 300 };
    static char *v[N];
    int contiguous = 1, zeros = 1;
    for (int i = 0; i < N; i++) {
        v[i] = map(K64);
        zeros &= all_zero(v[i], K64);
        v[i][0] = (char)i;
        v[i][K64 - 1] = (char)i;
        if (i && v[i] != v[i - 1] - K64)
            contiguous = 0;
    }
    int kept = 1;
    for (int i = 0; i < N; i++)
        kept &= v[i][0] == (char)i && v[i][K64 - 1] == (char)i;
    printf("many: contiguous %d zero %d kept %d\n", contiguous, zeros, kept);
    for (int i = 0; i < N; i += 2)
        munmap(v[i], K64);
    for (int i = N - 1; i > 0; i -= 2)
        munmap(v[i], K64);
    probe("many after munmap", v[N / 2] + 9, 1);
    char *again = map(K64);
    printf("after many: zero %d\n", all_zero(again, K64));

    /* /proc/self/maps */
    char *s = map(3 * K64);
    s[0] = 1;
    char line[512], perms[8];
    FILE *f = fopen("/proc/self/maps", "r");
    int found = 0;
    unsigned long lo, hi;
    /* Linux merges it with a neighbouring anonymous mapping of the same
     * rights (musl's heap may be one): a line covering it is enough. */
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3)
            found |= lo <= (unsigned long)s && hi >= (unsigned long)(s + 3 * K64) && !strcmp(perms, "rw-p");
    if (f)
        fclose(f);
    printf("maps shows it: %d\n", found);

    /* fork */
    char *shared = map(K64);
    strcpy(shared, "parent data");
    pid_t pid = fork();
    if (pid == 0) {
        int ok = strcmp(shared, "parent data") == 0;
        munmap(shared, K64);
        char *n = map(K64);
        printf("child: sees it %d, fresh mapping zero %d\n", ok, all_zero(n, K64));
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("parent after child: %s\n", shared);
    munmap(shared, K64);
    probe("parent after its own munmap", shared, 0);
    return 0;
}
