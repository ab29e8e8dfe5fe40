/* hashcost: the single-hash cost that bounds POST /auth/token/, measured in-process.
 *
 * Hashes one password with pwhash_hash (argon2id at the server's parameters), then times
 * pwhash_verify of the right password RUNS times on one thread and prints the medians as
 * one JSON line: {"verify_median_ms":…,"hash_median_ms":…,"runs":…}. The login handler
 * verifies exactly one hash per request (unknown emails too), so cores / verify time is
 * the ceiling of the token endpoint that bench/bench.py compares wrk's rate with.
 * Then one thread per core verifies at once for PARALLEL_MS and the aggregate rate is
 * printed too ("parallel_verify_per_s"): argon2id is memory-bound (19 MiB per hash), so
 * concurrent hashes share the last-level cache and memory bandwidth, and that rate is
 * what the hardware gives the server, below the linear cores / verify time.
 *
 * Built by bench/run.sh against the objects of the benchmark build (build-bench/obj), so
 * it measures the very code and flags the server runs. Usage: hashcost [RUNS] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/password.h"

#define MAX_RUNS    201
#define PARALLEL_MS 3000.0
#define MAX_THREADS 64

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int parse_runs(int argc, char **argv)
{
    if (argc < 2)
        return 21;
    char *end;
    long n = strtol(argv[1], &end, 10);
    if (*end || n < 1 || n > MAX_RUNS)
        return -1;
    return (int)n;
}

struct worker {
    struct slice pw, enc;
    double deadline_ms;
    long done;
    int failed;
};

static void *verify_until_deadline(void *p)
{
    struct worker *w = p;
    while (now_ms() < w->deadline_ms) {
        if (pwhash_verify(w->pw, w->enc) != 0) {
            w->failed = 1;
            break;
        }
        w->done++;
    }
    return NULL;
}

/* Verifies per second with one thread per core, all at once. -1 on failure. */
static double parallel_rate(struct slice pw, struct slice enc, int nthreads)
{
    struct worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    double t0 = now_ms();
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){pw, enc, t0 + PARALLEL_MS, 0, 0};
        if (pthread_create(&t[i], NULL, verify_until_deadline, &w[i]) != 0)
            return -1;
    }
    long done = 0;
    int failed = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        done += w[i].done;
        failed |= w[i].failed;
    }
    double secs = (now_ms() - t0) / 1e3;
    return failed ? -1 : (double)done / secs;
}

int main(int argc, char **argv)
{
    static const char password[] = "Quartz-Lantern-4817!";
    struct slice pw = SLICE_LIT(password);
    char encoded[PWHASH_ENCODED_MAX];
    double hash_ms[MAX_RUNS], verify_ms[MAX_RUNS];
    int runs = parse_runs(argc, argv);
    if (runs < 0) {
        fprintf(stderr, "usage: hashcost [RUNS 1..%d]\n", MAX_RUNS);
        return 2;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        if (pwhash_hash(pw, encoded) != 0) {
            fputs("hashcost: pwhash_hash failed\n", stderr);
            return 1;
        }
        hash_ms[i] = now_ms() - t0;
    }
    struct slice enc = slice_from_cstr(encoded);
    if (pwhash_verify(pw, enc) != 0) { /* also the warm-up of the verify path */
        fputs("hashcost: pwhash_verify rejected its own hash\n", stderr);
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        int rc = pwhash_verify(pw, enc);
        verify_ms[i] = now_ms() - t0;
        if (rc != 0) {
            fputs("hashcost: pwhash_verify failed\n", stderr);
            return 1;
        }
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
    double rate = parallel_rate(pw, enc, nthreads);
    if (rate < 0) {
        fputs("hashcost: parallel pwhash_verify failed\n", stderr);
        return 1;
    }
    printf("{\"verify_median_ms\":%.3f,\"hash_median_ms\":%.3f,\"runs\":%d,"
           "\"parallel_threads\":%d,\"parallel_verify_per_s\":%.2f}\n",
           median(verify_ms, runs), median(hash_ms, runs), runs, nthreads, rate);
    return 0;
}
