/* hashcost: the single-hash cost that bounds POST /auth/token/, measured in-process.
 *
 * Hashes one password with pwhash_hash (argon2id at the server's parameters), then times
 * pwhash_verify of the right password RUNS times on one thread and prints the medians as
 * one JSON line: {"verify_median_ms":…,"hash_median_ms":…,"runs":…}. The login handler
 * verifies exactly one hash per request (unknown emails too), so cores / verify time is
 * the ceiling of the token endpoint that bench/bench.py compares wrk's rate with.
 *
 * Built by bench/run.sh against the objects of the benchmark build (build-bench/obj), so
 * it measures the very code and flags the server runs. Usage: hashcost [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/password.h"

#define MAX_RUNS 201

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
    printf("{\"verify_median_ms\":%.3f,\"hash_median_ms\":%.3f,\"runs\":%d}\n",
           median(verify_ms, runs), median(hash_ms, runs), runs);
    return 0;
}
