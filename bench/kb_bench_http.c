/* kb_bench_http.c -- query latency over HTTP from one keep-alive
 * client, and the poll that times "changed article is searchable".
 *
 *   kb-bench-http --url URL --queries FILE [--passes N]
 *   kb-bench-http --url URL --poll WORD [--timeout-ms N]
 *
 * URL is the search URL up to its fixed parameters, for example
 * http://127.0.0.1:8080/api/search?limit=10; each request appends
 * &q=<query> and, when the query has one, &locale=<locale>, both
 * URL-encoded.  Any answer but 200 counts as failed.
 *
 * With --queries: one warm-up pass, then --passes timed passes over
 * the file in order, one request at a time on one connection.  Hits
 * are counted as the number of "id": keys in the body (both servers
 * answer {"hits":[{"id":...},...]}).
 *
 * With --poll: asks for WORD every millisecond until the answer has
 * at least one hit; prints poll_ms (time to the first answer with a
 * hit) or exits 1 after --timeout-ms. */
#include "bench_util.h"

#include <curl/curl.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t count_hits(const struct bench_body *b)
{
    size_t n = 0;
    for (const char *p = b->p; p && (p = strstr(p, "\"id\":")); p += 5)
        n++;
    return n;
}

/* Builds URL&q=...&locale=... into a malloc'd string (caller frees). */
static char *query_url(CURL *h, const char *base, const char *text, const char *locale)
{
    char *q = curl_easy_escape(h, text, 0);
    char *l = locale ? curl_easy_escape(h, locale, 0) : NULL;
    size_t need = strlen(base) + (q ? strlen(q) : 0) + (l ? strlen(l) : 0) + 16;
    char *url = malloc(need);
    if (url && q)
        snprintf(url, need, "%s%sq=%s%s%s", base, strchr(base, '?') ? "&" : "?", q,
                 l ? "&locale=" : "", l ? l : "");
    else {
        free(url);
        url = NULL;
    }
    curl_free(q);
    curl_free(l);
    return url;
}

/* GETs url into b (emptied first); returns the HTTP status or 0. */
static long fetch(CURL *h, const char *url, struct bench_body *b)
{
    bench_body_reset(b);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    if (curl_easy_perform(h) != CURLE_OK)
        return 0;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static int run_queries(CURL *h, const char *base, const char *qfile, unsigned passes)
{
    struct bench_queries qs;
    if (bench_queries_load(qfile, &qs) != 0)
        return 1;
    char **urls = calloc(qs.len, sizeof *urls);
    if (!urls)
        return 1;
    for (size_t i = 0; i < qs.len; i++)
        if (!(urls[i] = query_url(h, base, qs.q[i].text, qs.q[i].locale)))
            return 1;
    struct bench_body b = BENCH_BODY_INIT;
    struct bench_samples lat = BENCH_SAMPLES_INIT;
    unsigned long long hits = 0, zero = 0, failed = 0;
    uint64_t busy = 0;
    for (unsigned pass = 0; pass <= passes; pass++) {
        for (size_t i = 0; i < qs.len; i++) {
            uint64_t t0 = bench_now_ns();
            long code = fetch(h, urls[i], &b);
            uint64_t dt = bench_now_ns() - t0;
            if (pass == 0)
                continue;
            if (code != 200 && ++failed <= 3)
                fprintf(stderr, "kb-bench-http: %s: HTTP %ld\n", urls[i], code);
            size_t n = code == 200 ? count_hits(&b) : 0;
            busy += dt;
            hits += n;
            zero += n == 0;
            if (bench_samples_add(&lat, dt) != 0)
                return 1;
        }
    }
    printf("queries=%zu\n", qs.len);
    printf("passes=%u\n", passes);
    bench_samples_report(&lat, "http");
    printf("hits_avg=%.2f\n", (double)hits / (double)lat.len);
    printf("zero_hit_pct=%.1f\n", 100.0 * (double)zero / (double)lat.len);
    printf("failed=%llu\n", failed);
    printf("qps_1conn=%.0f\n", (double)lat.len / ((double)busy / 1e9));
    for (size_t i = 0; i < qs.len; i++)
        free(urls[i]);
    free(urls);
    free(b.p);
    bench_samples_release(&lat);
    bench_queries_release(&qs);
    return failed ? 1 : 0;
}

static int run_poll(CURL *h, const char *base, const char *word, unsigned timeout_ms)
{
    char *url = query_url(h, base, word, NULL);
    if (!url)
        return 1;
    struct bench_body b = BENCH_BODY_INIT;
    uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)timeout_ms * 1000000u;
    unsigned long polls = 0;
    int found = 0;
    while (!found && bench_now_ns() < deadline) {
        polls++;
        if (fetch(h, url, &b) == 200 && count_hits(&b) > 0)
            found = 1;
        else {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
    printf("poll_ms=%.1f\n", (double)(bench_now_ns() - t0) / 1e6);
    printf("polls=%lu\n", polls);
    printf("found=%d\n", found);
    free(url);
    free(b.p);
    return found ? 0 : 1;
}

static void usage(FILE *f)
{
    fputs("Usage: kb-bench-http --url URL --queries FILE [--passes N]\n"
          "       kb-bench-http --url URL --poll WORD [--timeout-ms N]\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"queries", required_argument, NULL, 'q'},
        {"passes", required_argument, NULL, 'p'},
        {"poll", required_argument, NULL, 'w'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *base = NULL, *qfile = NULL, *word = NULL;
    unsigned passes = 3, timeout_ms = 10000;
    int c;
    while ((c = getopt_long(argc, argv, "u:q:p:w:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u': base = optarg; break;
        case 'q': qfile = optarg; break;
        case 'p': passes = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'w': word = optarg; break;
        case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!base || (!qfile == !word) || passes == 0) {
        usage(stderr);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    CURL *h = curl_easy_init();
    if (!h)
        return 1;
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_body_write);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    int rc;
    if (qfile)
        rc = run_queries(h, base, qfile, passes);
    else
        rc = run_poll(h, base, word, timeout_ms);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc;
}
