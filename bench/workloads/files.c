/* Metadata: create N files in a fresh directory, stat each, list the
 * directory, delete them all.  One op = one file's whole life cycle. */
#include "bench.h"
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = bench_arg(argc, argv, 2000);
    char path[64];
    mkdir("bench-files.d", 0755);
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "bench-files.d/f%06ld", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) { perror("open"); return 1; }
        if (write(fd, path, (size_t)(i % 32)) < 0) { perror("write"); return 1; }
        close(fd);
    }
    long long total = 0;
    for (long i = 0; i < n; i++) {
        struct stat st;
        snprintf(path, sizeof path, "bench-files.d/f%06ld", i);
        if (stat(path, &st) != 0) { perror("stat"); return 1; }
        total += st.st_size;
    }
    long listed = 0;
    DIR *d = opendir("bench-files.d");
    if (!d) { perror("opendir"); return 1; }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == 'f') listed++;
    closedir(d);
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "bench-files.d/f%06ld", i);
        if (unlink(path) != 0) { perror("unlink"); return 1; }
    }
    bench_report(n, t0);
    rmdir("bench-files.d");
    printf("files n=%ld listed=%ld bytes=%lld\n", n, listed, total);
    return 0;
}
