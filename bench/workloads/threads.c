/* 4 threads incrementing one counter under a pthread mutex, N times each.
 * One op = one lock + increment + unlock. */
#include "bench.h"
#include <pthread.h>

#define NT 4
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter, per_thread;
static uint64_t mixed;

static void *worker(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    for (long i = 0; i < per_thread; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        mixed += id * 2654435761u + (uint64_t)i;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    per_thread = bench_arg(argc, argv, 500000);
    pthread_t t[NT];
    double t0 = bench_now_ns();
    for (long i = 0; i < NT; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1))) { perror("pthread_create"); return 1; }
    for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
    bench_report(NT * per_thread, t0);
    printf("threads n=%ld counter=%ld mixed=%llu\n", per_thread, counter, (unsigned long long)mixed);
    return counter == NT * per_thread ? 0 : 1;
}
