/* bench_util.h -- shared by the bench programs: a clock, latency
 * samples with percentiles, the query file, and key=value output.
 *
 * Every bench program prints its results as "key=value" lines on
 * stdout so that bench/run.sh can read them with awk; messages go to
 * stderr. */
#ifndef KB_BENCH_UTIL_H
#define KB_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* A growable array of latencies in nanoseconds. */
struct bench_samples {
    uint64_t *ns;
    size_t len, cap;
};
#define BENCH_SAMPLES_INIT {NULL, 0, 0}

/* Returns 0, or -1 when memory ran out. */
int bench_samples_add(struct bench_samples *s, uint64_t ns);
void bench_samples_release(struct bench_samples *s);

/* Sorts the samples and prints prefix_n, prefix_p50_us, prefix_p90_us,
 * prefix_p99_us, prefix_p999_us, prefix_max_us and prefix_mean_us.
 * Percentiles use the nearest-rank definition. */
void bench_samples_report(struct bench_samples *s, const char *prefix);

/* One line of a query file: "locale<TAB>text"; locale may be empty
 * (the server's default). */
struct bench_query {
    char *locale; /* NULL when empty */
    char *text;
};

struct bench_queries {
    struct bench_query *q;
    size_t len;
};

/* Loads path; blank lines and lines without a tab are skipped.
 * Returns 0, or -1 with a message on stderr.  Free with
 * bench_queries_release(). */
int bench_queries_load(const char *path, struct bench_queries *out);
void bench_queries_release(struct bench_queries *qs);

/* A response body that grows as libcurl hands it over; always
 * NUL-terminated once anything arrived.  The caller owns p and frees it
 * with free(). */
struct bench_body {
    char *p;
    size_t len, cap;
};
#define BENCH_BODY_INIT {NULL, 0, 0}

/* A CURLOPT_WRITEFUNCTION for a struct bench_body given as
 * CURLOPT_WRITEDATA; returns 0 (libcurl then fails the transfer) when
 * memory runs out. */
size_t bench_body_write(char *data, size_t size, size_t n, void *body);
/* Empties b for the next response, keeping its memory. */
void bench_body_reset(struct bench_body *b);

/* Reads a whole file into a NUL-terminated malloc'd buffer (caller
 * frees); NULL on failure with errno set. */
char *bench_read_file(const char *path, size_t *len);

#endif
