/* kb_bench_query.c -- query latency through the in-process C API.
 *
 *   kb-bench-query --index DIR --queries FILE [--passes N] [--limit N]
 *                  [--default-locale LOC] [--facets]
 *
 * Opens one read handle (as one kb-serve worker thread does), runs
 * every query once to warm the caches, then runs all of them --passes
 * times in file order, timing each kb_search() + kb_results_free().
 * Prints key=value lines: q_* latencies, hits_avg, zero_hit queries
 * and qps (one thread).  --facets asks for the facet counts as kb-serve
 * does for /api/search. */
#include "bench_util.h"
#include "kb.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("Usage: kb-bench-query --index DIR --queries FILE [--passes N] [--limit N]\n"
          "                      [--default-locale LOC] [--facets]\n"
          "FILE has one 'locale<TAB>query' per line (locale may be empty).\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"index", required_argument, NULL, 'i'},
        {"queries", required_argument, NULL, 'q'},
        {"passes", required_argument, NULL, 'p'},
        {"limit", required_argument, NULL, 'l'},
        {"default-locale", required_argument, NULL, 'd'},
        {"facets", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *index_dir = NULL, *qfile = NULL, *dflt = "en-us";
    unsigned passes = 3, limit = 10;
    int facets = 0;
    int c;
    while ((c = getopt_long(argc, argv, "i:q:p:l:d:fh", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': index_dir = optarg; break;
        case 'q': qfile = optarg; break;
        case 'p': passes = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'l': limit = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'd': dflt = optarg; break;
        case 'f': facets = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!index_dir || !qfile || passes == 0 || limit == 0 || limit > 100) {
        usage(stderr);
        return 2;
    }
    struct bench_queries qs;
    if (bench_queries_load(qfile, &qs) != 0)
        return 1;
    kb_index *ix = NULL;
    kb_status st = kb_open(index_dir, KB_OPEN_READ, &ix);
    if (st != KB_OK) {
        fprintf(stderr, "kb-bench-query: %s: %s: %s\n", index_dir, kb_status_str(st),
                ix ? kb_last_error(ix) : "");
        kb_close(ix);
        bench_queries_release(&qs);
        return 1;
    }
    struct bench_samples lat = BENCH_SAMPLES_INIT;
    unsigned long long hits = 0, zero = 0, failed = 0;
    uint64_t busy = 0;
    /* Pass 0 warms the page cache and the handle; it is not counted. */
    for (unsigned pass = 0; pass <= passes; pass++) {
        for (size_t i = 0; i < qs.len; i++) {
            kb_query q = {
                .text = qs.q[i].text,
                .locale = qs.q[i].locale,
                .default_locale = dflt,
                .limit = limit,
                .facets = facets,
            };
            kb_results *res = NULL;
            uint64_t t0 = bench_now_ns();
            st = kb_search(ix, &q, &res);
            size_t n = st == KB_OK ? kb_results_count(res) : 0;
            kb_results_free(res);
            uint64_t dt = bench_now_ns() - t0;
            if (pass == 0)
                continue;
            if (st != KB_OK && st != KB_ERR_BAD_QUERY) {
                failed++;
                if (failed <= 3)
                    fprintf(stderr, "kb-bench-query: '%s': %s: %s\n", q.text,
                            kb_status_str(st), kb_last_error(ix));
            }
            busy += dt;
            hits += n;
            zero += n == 0;
            if (bench_samples_add(&lat, dt) != 0) {
                fprintf(stderr, "kb-bench-query: out of memory\n");
                return 1;
            }
        }
    }
    printf("queries=%zu\n", qs.len);
    printf("passes=%u\n", passes);
    bench_samples_report(&lat, "q");
    printf("hits_avg=%.2f\n", (double)hits / (double)lat.len);
    printf("zero_hit_pct=%.1f\n", 100.0 * (double)zero / (double)lat.len);
    printf("failed=%llu\n", failed);
    printf("qps_1thread=%.0f\n", (double)lat.len / ((double)busy / 1e9));
    bench_samples_release(&lat);
    kb_close(ix);
    bench_queries_release(&qs);
    return failed ? 1 : 0;
}
