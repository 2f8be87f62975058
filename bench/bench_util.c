/* bench_util.c -- clock, percentiles and the query file for the bench
 * programs. */
#include "bench_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_samples_add(struct bench_samples *s, uint64_t ns)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *p = realloc(s->ns, cap * sizeof *p);
        if (!p)
            return -1;
        s->ns = p;
        s->cap = cap;
    }
    s->ns[s->len++] = ns;
    return 0;
}

void bench_samples_release(struct bench_samples *s)
{
    free(s->ns);
    s->ns = NULL;
    s->len = s->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p% of the samples
 * at or below it. */
static double percentile_us(const struct bench_samples *s, double p)
{
    if (s->len == 0)
        return 0;
    size_t rank = (size_t)((p / 100.0) * (double)s->len + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > s->len)
        rank = s->len;
    return (double)s->ns[rank - 1] / 1000.0;
}

void bench_samples_report(struct bench_samples *s, const char *prefix)
{
    qsort(s->ns, s->len, sizeof *s->ns, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < s->len; i++)
        sum += (double)s->ns[i];
    printf("%s_n=%zu\n", prefix, s->len);
    printf("%s_p50_us=%.1f\n", prefix, percentile_us(s, 50));
    printf("%s_p90_us=%.1f\n", prefix, percentile_us(s, 90));
    printf("%s_p99_us=%.1f\n", prefix, percentile_us(s, 99));
    printf("%s_p999_us=%.1f\n", prefix, percentile_us(s, 99.9));
    printf("%s_max_us=%.1f\n", prefix, s->len ? (double)s->ns[s->len - 1] / 1000.0 : 0.0);
    printf("%s_mean_us=%.1f\n", prefix, s->len ? sum / (double)s->len / 1000.0 : 0.0);
}

char *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n < cap - 1) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = p;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int bench_queries_load(const char *path, struct bench_queries *out)
{
    out->q = NULL;
    out->len = 0;
    size_t len;
    char *buf = bench_read_file(path, &len);
    if (!buf) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    char *line = buf;
    while (*line) {
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        char *tab = strchr(line, '\t');
        if (tab && tab[1]) {
            *tab = '\0';
            if (out->len == cap) {
                cap = cap ? cap * 2 : 1024;
                struct bench_query *p = realloc(out->q, cap * sizeof *p);
                if (!p)
                    goto nomem;
                out->q = p;
            }
            struct bench_query *q = &out->q[out->len];
            q->locale = *line ? strdup(line) : NULL;
            q->text = strdup(tab + 1);
            if ((*line && !q->locale) || !q->text) {
                free(q->locale);
                free(q->text);
                goto nomem;
            }
            out->len++;
        }
        line = next;
    }
    free(buf);
    if (out->len == 0) {
        fprintf(stderr, "%s: no queries (want locale<TAB>text lines)\n", path);
        return -1;
    }
    return 0;
nomem:
    free(buf);
    bench_queries_release(out);
    fprintf(stderr, "%s: out of memory\n", path);
    return -1;
}

void bench_queries_release(struct bench_queries *qs)
{
    for (size_t i = 0; i < qs->len; i++) {
        free(qs->q[i].locale);
        free(qs->q[i].text);
    }
    free(qs->q);
    qs->q = NULL;
    qs->len = 0;
}

size_t bench_body_write(char *data, size_t size, size_t n, void *body)
{
    struct bench_body *b = body;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = (b->len + add + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return 0;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

void bench_body_reset(struct bench_body *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}
