/* metrics.c -- the counters, their Prometheus text, GET /metrics and
 * the --metrics-listen listener. */
#include "metrics.h"

#include "accesslog.h"
#include "eventq.h"
#include "reindex.h"
#include "routes.h"

#include <dirent.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Statuses 100 to 599 each have a counter: a route's answers are few
 * kinds, but which ones is up to its handler, and 4 KB a route is less
 * than a lookup on every request would cost. */
#define STATUS_FIRST 100
#define STATUS_SLOTS 500

/* Upper bounds of the latency buckets, in seconds.  A cached search
 * is answered in tens of microseconds and a reindex POST in a
 * millisecond, so the buckets start far below Prometheus's default
 * 5 ms; the top ones catch a slow disk or a stuck database. */
static const double bucket_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                   0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                   5,      10};
static const char *const bucket_text[] = {"0.0001", "0.00025", "0.0005", "0.001",
                                          "0.0025", "0.005",   "0.01",   "0.025",
                                          "0.05",   "0.1",     "0.25",   "0.5",
                                          "1",      "2.5",     "5",      "10"};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

/* One route's counters; added to with relaxed atomics, read the same
 * way.  A scrape may see a request in one counter and not yet in the
 * next: each counter on its own only ever grows. */
struct slot {
    unsigned long long status[STATUS_SLOTS]; /* answers by status - STATUS_FIRST */
    unsigned long long bucket[NBUCKETS + 1]; /* not cumulative; the last: over 10 s */
    unsigned long long sum_ns;               /* latency, nanoseconds */
};

struct metrics {
    const struct route *routes; /* app->routes: slot i is routes[i] */
    size_t nroutes;             /* slot nroutes: requests no route took */
    size_t self;                /* the slot of GET /metrics */
    struct slot *slots;
    unsigned long long searches[2][2]; /* [suggest][cached] */
    unsigned long long zero[2];        /* [suggest] */
    struct app *app;                   /* for the listener's renders */
    struct MHD_Daemon *listener;       /* --metrics-listen, or NULL */
};

static void add(unsigned long long *c, unsigned long long n)
{
    __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static unsigned long long get(const unsigned long long *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

int metrics_new(const struct app *app, struct metrics **out)
{
    struct metrics *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m)
        return -1;
    m->routes = app->routes;
    m->nroutes = app->nroutes;
    m->slots = calloc(app->nroutes + 1, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return -1;
    }
    m->self = m->nroutes;
    for (size_t i = 0; i < app->nroutes; i++)
        if (app->routes[i].fn == api_metrics)
            m->self = i;
    *out = m;
    return 0;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    if (m->listener)
        MHD_stop_daemon(m->listener);
    free(m->slots);
    free(m);
}

static void count(struct metrics *m, size_t slot, unsigned status, double seconds)
{
    struct slot *s = &m->slots[slot];
    if (status >= STATUS_FIRST && status < STATUS_FIRST + STATUS_SLOTS)
        add(&s->status[status - STATUS_FIRST], 1);
    size_t b = 0;
    while (b < NBUCKETS && seconds > bucket_le[b])
        b++;
    add(&s->bucket[b], 1);
    add(&s->sum_ns, seconds > 0 ? (unsigned long long)(seconds * 1e9) : 0);
}

void metrics_request(struct metrics *m, const struct request *rq, unsigned status,
                     double seconds)
{
    if (!m)
        return;
    size_t slot = m->nroutes;
    if (rq->route && rq->route >= m->routes && rq->route < m->routes + m->nroutes)
        slot = (size_t)(rq->route - m->routes);
    count(m, slot, status, seconds);
}

void metrics_search(struct metrics *m, int suggest, int cached, int zero)
{
    if (!m)
        return;
    add(&m->searches[suggest != 0][cached != 0], 1);
    if (zero)
        add(&m->zero[suggest != 0], 1);
}

/* ---- The text format ------------------------------------------------ */

static void head(struct strbuf *out, const char *name, const char *type, const char *help)
{
    strbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(struct strbuf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            strbuf_adds(out, "\\\\");
        else if (*v == '"')
            strbuf_adds(out, "\\\"");
        else if (*v == '\n')
            strbuf_adds(out, "\\n");
        else
            strbuf_addch(out, *v);
    }
}

/* {method="GET",route="/api/search" -- the caller closes the braces. */
static void route_labels(struct strbuf *out, const struct metrics *m, size_t slot)
{
    const struct route *r = slot < m->nroutes ? &m->routes[slot] : NULL;
    strbuf_adds(out, "{method=\"");
    label_value(out, r ? r->method : "");
    strbuf_adds(out, "\",route=\"");
    label_value(out, r ? r->path : "unmatched");
    strbuf_addch(out, '"');
}

static void render_requests(struct strbuf *out, const struct metrics *m)
{
    head(out, "kb_http_requests_total", "counter",
         "HTTP requests answered, by route (the route table's method and path; "
         "route=\"unmatched\" for paths no route takes, 404 and 405) and status.");
    for (size_t i = 0; i <= m->nroutes; i++)
        for (unsigned st = 0; st < STATUS_SLOTS; st++) {
            unsigned long long n = get(&m->slots[i].status[st]);
            if (!n)
                continue;
            strbuf_adds(out, "kb_http_requests_total");
            route_labels(out, m, i);
            strbuf_addf(out, ",status=\"%u\"} %llu\n", st + STATUS_FIRST, n);
        }
    head(out, "kb_http_request_duration_seconds", "histogram",
         "Seconds from a request's arrival to its answer being queued, by route.");
    for (size_t i = 0; i <= m->nroutes; i++) {
        const struct slot *s = &m->slots[i];
        unsigned long long b[NBUCKETS + 1], total = 0;
        for (size_t k = 0; k <= NBUCKETS; k++)
            total += b[k] = get(&s->bucket[k]);
        if (!total)
            continue;
        unsigned long long cum = 0;
        for (size_t k = 0; k <= NBUCKETS; k++) {
            cum += b[k];
            strbuf_adds(out, "kb_http_request_duration_seconds_bucket");
            route_labels(out, m, i);
            strbuf_addf(out, ",le=\"%s\"} %llu\n", k < NBUCKETS ? bucket_text[k] : "+Inf", cum);
        }
        strbuf_adds(out, "kb_http_request_duration_seconds_sum");
        route_labels(out, m, i);
        strbuf_addf(out, "} %.9f\n", (double)get(&s->sum_ns) / 1e9);
        strbuf_adds(out, "kb_http_request_duration_seconds_count");
        route_labels(out, m, i);
        strbuf_addf(out, "} %llu\n", total);
    }
}

static void render_searches(struct strbuf *out, const struct metrics *m)
{
    static const char *const type[2] = {"search", "suggest"};
    head(out, "kb_searches_total", "counter",
         "Searches answered (pages, the API and as-you-type suggest), by type and by "
         "whether the results came from the result cache (--cache-mb).");
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < 2; c++)
            strbuf_addf(out, "kb_searches_total{type=\"%s\",cached=\"%s\"} %llu\n", type[s],
                        c ? "true" : "false", get(&m->searches[s][c]));
    head(out, "kb_searches_zero_results_total", "counter",
         "Searches answered that found no article, by type.");
    for (int s = 0; s < 2; s++)
        strbuf_addf(out, "kb_searches_zero_results_total{type=\"%s\"} %llu\n", type[s],
                    get(&m->zero[s]));
}

static void render_store(struct strbuf *out, struct app *app)
{
    struct eventq_stats es;
    eventq_get_stats(app->events, &es);
    head(out, "kb_events_written_total", "counter",
         "Events committed to the service database, by kind.");
    for (int k = 0; k < EVENTLOG_KIND_COUNT; k++)
        strbuf_addf(out, "kb_events_written_total{kind=\"%s\"} %llu\n",
                    eventlog_kind_name((enum eventlog_kind)k), es.written[k]);
    head(out, "kb_cases_written_total", "counter", "Cases created in the service database.");
    strbuf_addf(out, "kb_cases_written_total %llu\n", es.cases);
    head(out, "kb_event_queue_depth", "gauge",
         "Events and cases queued for the database writer, not yet committed.");
    strbuf_addf(out, "kb_event_queue_depth %zu\n", es.pending);
    head(out, "kb_events_dropped_total", "counter",
         "Logged events dropped because the writer's queue stayed full.");
    strbuf_addf(out, "kb_events_dropped_total %llu\n", es.dropped);
    head(out, "kb_store_errors_total", "counter",
         "Writes to the service database that failed: an event or a case not stored, or "
         "a batch put back because the database could not be reached.");
    strbuf_addf(out, "kb_store_errors_total{operation=\"event\"} %llu\n", es.event_errors);
    strbuf_addf(out, "kb_store_errors_total{operation=\"case\"} %llu\n", es.case_errors);
    strbuf_addf(out, "kb_store_errors_total{operation=\"connect\"} %llu\n", es.unreachable);
    head(out, "kb_access_log_dropped_total", "counter",
         "Access log lines dropped because the log's queue was full.");
    strbuf_addf(out, "kb_access_log_dropped_total %lu\n", access_log_dropped(app->access_log));
}

/* Internal articles are counted for nobody here: --metrics-listen may
 * face a network, and /healthz gives their count only to staff. */
static void render_index(struct strbuf *out, struct app *app)
{
    char err[256];
    kb_stats st;
    kb_index *ix = handle_pool_get(app->pool, err, sizeof err);
    int up = ix && kb_reopen(ix) == KB_OK && kb_get_stats(ix, &st) == KB_OK;
    head(out, "kb_index_up", "gauge", "1 when the index could be read for this scrape.");
    strbuf_addf(out, "kb_index_up %d\n", up);
    if (up) {
        head(out, "kb_index_revision", "gauge", "The index revision being served.");
        strbuf_addf(out, "kb_index_revision %llu\n", st.revision);
        head(out, "kb_index_articles", "gauge",
             "Public article records in the index (one per article and locale).");
        strbuf_addf(out, "kb_index_articles %lu\n", st.public_articles);
        head(out, "kb_index_sections", "gauge", "Sections (answer units) of public articles.");
        strbuf_addf(out, "kb_index_sections %lu\n", st.public_sections);
    }
    kb_cache_stats cs;
    kb_cache_get_stats(app->results, &cs);
    head(out, "kb_search_cache_entries", "gauge", "Search results held by the result cache.");
    strbuf_addf(out, "kb_search_cache_entries %zu\n", cs.entries);
    head(out, "kb_search_cache_bytes", "gauge", "Bytes the result cache holds.");
    strbuf_addf(out, "kb_search_cache_bytes %zu\n", cs.bytes);
    unsigned long long done, failed;
    int running;
    reindex_counts(app->reindex, &done, &failed, &running);
    head(out, "kb_reindex_jobs_total", "counter",
         "Reindex jobs (POST /api/admin/reindex, the author page) ended, by outcome.");
    strbuf_addf(out, "kb_reindex_jobs_total{outcome=\"done\"} %llu\n", done);
    strbuf_addf(out, "kb_reindex_jobs_total{outcome=\"failed\"} %llu\n", failed);
    head(out, "kb_reindex_running", "gauge", "1 while a reindex job runs.");
    strbuf_addf(out, "kb_reindex_running %d\n", running);
}

/* The first line of a /proc file, into buf; 0 or -1. */
static int read_proc(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n ? 0 : -1;
}

/* The seconds since the epoch at which the machine booted. */
static long long boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    long long bt = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &bt) == 1)
            break;
    if (f)
        fclose(f);
    return bt;
}

/* The standard process_* names (as Prometheus's client libraries
 * export them), from /proc/self. */
static void render_process(struct strbuf *out)
{
    char buf[1024];
    long page = sysconf(_SC_PAGESIZE), tck = sysconf(_SC_CLK_TCK);
    unsigned long vsize, rss;
    if (read_proc("/proc/self/statm", buf, sizeof buf) == 0 &&
        sscanf(buf, "%lu %lu", &vsize, &rss) == 2) {
        head(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        strbuf_addf(out, "process_resident_memory_bytes %llu\n",
                    (unsigned long long)rss * (unsigned long long)page);
        head(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
        strbuf_addf(out, "process_virtual_memory_bytes %llu\n",
                    (unsigned long long)vsize * (unsigned long long)page);
    }
    /* Fields after the command name, which may hold spaces and ')':
     * utime and stime are the 12th and 13th, starttime the 20th. */
    const char *p = read_proc("/proc/self/stat", buf, sizeof buf) == 0 ? strrchr(buf, ')') : NULL;
    unsigned long long utime, stime, start;
    long long bt = boot_time();
    if (p && tck > 0 &&
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                      "%*d %*d %llu",
               &utime, &stime, &start) == 3) {
        head(out, "process_cpu_seconds_total", "counter",
             "Total user and system CPU time spent in seconds.");
        strbuf_addf(out, "process_cpu_seconds_total %.2f\n", (double)(utime + stime) / tck);
        if (bt >= 0) {
            head(out, "process_start_time_seconds", "gauge",
                 "Start time of the process since unix epoch in seconds.");
            strbuf_addf(out, "process_start_time_seconds %.2f\n",
                        (double)bt + (double)start / tck);
        }
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = -1; /* the listing's own descriptor */
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
        head(out, "process_open_fds", "gauge", "Number of open file descriptors.");
        strbuf_addf(out, "process_open_fds %ld\n", n);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        head(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
        if (rl.rlim_cur == RLIM_INFINITY)
            strbuf_adds(out, "process_max_fds +Inf\n");
        else
            strbuf_addf(out, "process_max_fds %llu\n", (unsigned long long)rl.rlim_cur);
    }
}

void metrics_render(struct app *app, struct strbuf *out)
{
    if (app->metrics) {
        render_requests(out, app->metrics);
        render_searches(out, app->metrics);
    }
    render_store(out, app);
    render_index(out, app);
    render_process(out);
}

unsigned api_metrics(struct request *rq)
{
    if (!req_is_loopback(rq) || req_forwarded_untrusted(rq))
        return reply_error(rq, 403, "forbidden",
                           "/metrics answers only to this machine; "
                           "kb-serve --metrics-listen ADDR serves it on another address");
    metrics_render(rq->app, &rq->out);
    if (strbuf_failed(&rq->out)) {
        strbuf_release(&rq->out);
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    }
    rq->content_type = METRICS_CONTENT_TYPE;
    return 200;
}

/* ---- --metrics-listen ------------------------------------------------ */

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, const char *type,
                             char *body, size_t len, const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_listener_request(void *cls, struct MHD_Connection *conn,
                                           const char *url, const char *method,
                                           const char *version, const char *upload_data,
                                           size_t *upload_data_size, void **req_cls)
{
    struct metrics *m = cls;
    (void)version;
    (void)upload_data;
    if (!*req_cls) {
        /* Headers in: note the time, answer once the body (if any) is
         * read. */
        double *t = malloc(sizeof *t);
        if (!t)
            return MHD_NO;
        *t = now_monotonic();
        *req_cls = t;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    double started = *(double *)*req_cls;
    int get_like = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    unsigned status = 200;
    const char *type = METRICS_CONTENT_TYPE, *allow = NULL;
    struct strbuf body = STRBUF_INIT;
    if (strcmp(url, "/metrics") != 0) {
        status = 404;
        strbuf_adds(&body, "Not found: this listener serves only GET /metrics.\n");
    } else if (!get_like) {
        status = 405;
        allow = "GET, HEAD";
        strbuf_adds(&body, "Method not allowed: GET /metrics.\n");
    } else {
        metrics_render(m->app, &body);
    }
    if (status != 200)
        type = "text/plain; charset=utf-8";
    size_t len = 0;
    char *text = strbuf_failed(&body) ? NULL : strbuf_detach(&body, &len);
    strbuf_release(&body);
    if (!text)
        return MHD_NO;
    enum MHD_Result ret = queue(conn, status, type, text, len, allow);
    count(m, status == 200 ? m->self : m->nroutes, status, now_monotonic() - started);
    return ret;
}

static void on_listener_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                                  enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

int metrics_listen_start(struct app *app, int fd, unsigned flags, char *err, size_t errlen)
{
    struct metrics *m = app->metrics;
    if (!m) {
        close(fd);
        snprintf(err, errlen, "--metrics-listen: out of memory");
        return -1;
    }
    m->app = app;
    /* One thread: a scrape every few seconds.  A few connections, and
     * the main listener's timeout for a client that sends nothing. */
    m->listener = MHD_start_daemon(
        flags | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_POLL, 0, NULL,
        NULL, on_listener_request, m, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)app->cfg.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_listener_completed, m, MHD_OPTION_END);
    if (!m->listener) {
        close(fd);
        snprintf(err, errlen, "cannot start the metrics listener on %s:%u",
                 app->cfg.metrics_host, app->cfg.metrics_port);
        return -1;
    }
    return 0;
}

unsigned metrics_listen_port(const struct app *app)
{
    return app->metrics ? req_daemon_port(app->metrics->listener) : 0;
}

void metrics_listen_stop(struct app *app)
{
    if (!app->metrics || !app->metrics->listener)
        return;
    MHD_stop_daemon(app->metrics->listener);
    app->metrics->listener = NULL;
}
