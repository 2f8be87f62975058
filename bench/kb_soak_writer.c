/* kb_soak_writer.c -- the event-store half of bench/soak.sh: writes
 * acknowledged events and cases to a running kb-serve, then checks
 * that every acknowledged one is in its SQLite database.
 *
 *   kb-soak-writer write --url BASE --seconds S --tag TAG --out FILE
 *                        [--threads N] [--case-every K]
 *   kb-soak-writer check --db FILE --acked FILE
 *
 * write: reads the public en-us article ids from BASE/sitemap.xml (the
 * server refuses events for articles its index does not have), then N
 * threads (2), each on its own keep-alive connection, POST
 * /api/events for S seconds (types click, view, case_form and deflect
 * in turn) and every K-th request (10) POST /api/cases instead.  Each
 * event comes from its own visit (X-KB-Visit: soakvisit-TAG-T-SEQ; a
 * case_form event has no other field to tell it apart); each case has
 * the subject "soak TAG T-SEQ".  Every 2xx answer is acknowledged: its
 * key goes to FILE ("E\tVISIT\tKIND" or "C\tID\tSUBJECT") after the
 * answer arrived.  Anything else (a status other than 2xx, or no
 * answer at all) is counted, and the first few are printed on stderr.
 * Prints events_acked, cases_acked, non2xx, errors and rps as
 * key=value lines.  Exit status 0 (the counts tell the story), 2 on a
 * usage error.
 *
 * check: opens the database read-only (the server may still be
 * writing it: WAL) and looks up every key of FILE: an event of that
 * kind from that visit, a case with that id and subject.  Prints events_acked,
 * events_found, cases_acked, cases_found, and names up to ten missing
 * keys on stderr.  Exit status 0 when all were found, 1 otherwise, 2
 * on a usage or database error. */
#include "bench_util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64
#define REPORT_BAD 5 /* failed requests described on stderr */

#define MAX_ARTICLES 256

struct writer {
    const char *base;   /* http://127.0.0.1:PORT */
    char *article[MAX_ARTICLES]; /* real article ids, from the sitemap */
    unsigned long narticles;
    const char *tag;
    double seconds;
    unsigned case_every;
    FILE *out;          /* acknowledged keys; guarded by lock */
    pthread_mutex_t lock;
    unsigned long events_acked, cases_acked, non2xx, errors; /* guarded by lock */
    unsigned reported;                                       /* guarded by lock */
};

struct worker {
    struct writer *w;
    unsigned id;
};

struct body {
    char buf[4096]; /* the start of the answer: enough for an id or an error */
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *vb)
{
    struct body *b = vb;
    size_t add = size * n, room = sizeof b->buf - 1 - b->len;
    memcpy(b->buf + b->len, p, add < room ? add : room);
    b->len += add < room ? add : room;
    b->buf[b->len] = '\0';
    return size * n;
}

static void report_bad(struct writer *w, const char *path, long status, const char *what)
{
    if (w->reported >= REPORT_BAD)
        return;
    w->reported++;
    if (status)
        fprintf(stderr, "kb-soak-writer: POST %s: HTTP %ld: %.300s\n", path, status, what);
    else
        fprintf(stderr, "kb-soak-writer: POST %s: no answer: %s\n", path, what);
}

/* The JSON of event number seq of thread id and its kind; key is its
 * visit id (16 to 63 URL-safe characters). */
static const char *event_json(const struct writer *w, unsigned id, unsigned long seq,
                              char *json, size_t jsonlen, char *key, size_t keylen)
{
    static const char *const kinds[] = {"click", "view", "case_form", "deflect"};
    snprintf(key, keylen, "soakvisit-%s-%u-%06lu", w->tag, id, seq);
    const char *art = w->article[seq % w->narticles];
    switch (seq % 4) {
    case 0:
        snprintf(json, jsonlen,
                 "{\"type\":\"click\",\"query\":\"soak query %lu\",\"article\":\"%s\","
                 "\"rank\":%lu,\"section\":\"%s\",\"locale\":\"en-us\"}",
                 seq, art, seq % 10 + 1, key);
        break;
    case 1:
        snprintf(json, jsonlen,
                 "{\"type\":\"view\",\"article\":\"%s\",\"section\":\"%s\","
                 "\"locale\":\"en-us\"}",
                 art, key);
        break;
    case 2:
        snprintf(json, jsonlen, "{\"type\":\"case_form\",\"section\":\"%s\"}", key);
        break;
    default:
        snprintf(json, jsonlen,
                 "{\"type\":\"deflect\",\"article\":\"%s\",\"source\":\"article\","
                 "\"section\":\"%s\"}",
                 art, key);
        break;
    }
    return kinds[seq % 4];
}

static void *worker_main(void *arg)
{
    struct worker *wk = arg;
    struct writer *w = wk->w;
    CURL *h = curl_easy_init();
    if (!h) {
        pthread_mutex_lock(&w->lock);
        w->errors++;
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    struct body b;
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);

    char ev_url[512], case_url[512];
    snprintf(ev_url, sizeof ev_url, "%s/api/events", w->base);
    snprintf(case_url, sizeof case_url, "%s/api/cases", w->base);
    uint64_t end = bench_now_ns() + (uint64_t)(w->seconds * 1e9);
    for (unsigned long seq = 0; bench_now_ns() < end; seq++) {
        char json[1024], key[160], line[512], visit_hdr[200];
        const char *kind = NULL;
        int is_case = w->case_every && seq % w->case_every == w->case_every - 1;
        const char *url = is_case ? case_url : ev_url;
        if (is_case) {
            snprintf(key, sizeof key, "soak %s %u-%lu", w->tag, wk->id, seq);
            snprintf(json, sizeof json,
                     "{\"subject\":\"%s\",\"email\":\"soak%u@example.com\","
                     "\"description\":\"written by kb-soak-writer\",\"locale\":\"en-us\"}",
                     key, wk->id);
        } else {
            kind = event_json(w, wk->id, seq, json, sizeof json, key, sizeof key);
        }
        snprintf(visit_hdr, sizeof visit_hdr, "X-KB-Visit: %s",
                 is_case ? "soakvisit-cases-xxxxxxx" : key);
        struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, visit_hdr);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        b.len = 0;
        b.buf[0] = '\0';
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        CURLcode rc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(hdrs);
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        line[0] = '\0';
        int ok = rc == CURLE_OK && status >= 200 && status < 300;
        if (ok && is_case) {
            json_t *o = json_loads(b.buf, 0, NULL);
            const char *id = json_string_value(json_object_get(o, "id"));
            if (id)
                snprintf(line, sizeof line, "C\t%s\t%s\n", id, key);
            else
                ok = 0; /* a 2xx without an id acknowledges nothing we can check */
            json_decref(o);
        } else if (ok) {
            snprintf(line, sizeof line, "E\t%s\t%s\n", key, kind);
        }
        pthread_mutex_lock(&w->lock);
        if (ok) {
            fputs(line, w->out);
            if (is_case)
                w->cases_acked++;
            else
                w->events_acked++;
        } else if (rc != CURLE_OK) {
            w->errors++;
            report_bad(w, url + strlen(w->base), 0, curl_easy_strerror(rc));
        } else {
            w->non2xx++;
            report_bad(w, url + strlen(w->base), status, b.buf);
        }
        pthread_mutex_unlock(&w->lock);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* The ids of up to MAX_ARTICLES en-us articles named in the sitemap
 * (".../articles/ID?locale=en-us", ID percent-encoded).  0 or -1. */
static int load_articles(struct writer *w)
{
    char url[512];
    snprintf(url, sizeof url, "%s/sitemap.xml", w->base);
    struct bench_body b = BENCH_BODY_INIT;
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    for (const char *p = b.p; rc == CURLE_OK && p && w->narticles < MAX_ARTICLES &&
                              (p = strstr(p, "/articles/"));) {
        p += strlen("/articles/");
        size_t n = strcspn(p, "?<");
        if (strncmp(p + n, "?locale=en-us", 13) == 0) {
            char *id = malloc(n + 1);
            size_t k = 0;
            for (size_t i = 0; id && i < n; i++) {
                unsigned hx;
                if (p[i] == '%' && i + 2 < n && sscanf(p + i + 1, "%2x", &hx) == 1) {
                    id[k++] = (char)hx;
                    i += 2;
                } else {
                    id[k++] = p[i];
                }
            }
            if (id) {
                id[k] = '\0';
                w->article[w->narticles++] = id;
            }
        }
        p += n;
    }
    free(b.p);
    if (!w->narticles) {
        fprintf(stderr, "kb-soak-writer: %s: no en-us article found (%s)\n", url,
                curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

static int do_write(const char *base, const char *tag, double seconds, unsigned threads,
                    unsigned case_every, const char *out_path)
{
    struct writer w = {.base = base, .tag = tag, .seconds = seconds, .case_every = case_every};
    w.out = fopen(out_path, "w");
    if (!w.out) {
        perror(out_path);
        return 2;
    }
    pthread_mutex_init(&w.lock, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (load_articles(&w) != 0) {
        fclose(w.out);
        curl_global_cleanup();
        return 2;
    }
    struct worker wk[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    unsigned started = 0;
    uint64_t t0 = bench_now_ns();
    for (unsigned i = 0; i < threads; i++) {
        wk[i] = (struct worker){&w, i};
        if (pthread_create(&tid[i], NULL, worker_main, &wk[i]) != 0) {
            fprintf(stderr, "kb-soak-writer: cannot start thread %u\n", i);
            w.errors++;
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double took = (double)(bench_now_ns() - t0) / 1e9;
    int bad = fclose(w.out) != 0;
    if (bad)
        perror(out_path);
    curl_global_cleanup();
    pthread_mutex_destroy(&w.lock);
    for (unsigned long i = 0; i < w.narticles; i++)
        free(w.article[i]);
    printf("events_acked=%lu\ncases_acked=%lu\nnon2xx=%lu\nerrors=%lu\nrps=%.1f\n",
           w.events_acked, w.cases_acked, w.non2xx, w.errors,
           (double)(w.events_acked + w.cases_acked + w.non2xx + w.errors) / took);
    return bad ? 2 : 0;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "kb-soak-writer: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* Loads the acknowledged keys into two temporary tables of db.  The
 * temporary schema is the connection's own, so this works on a
 * database opened read-only. */
static int load_acked(sqlite3 *db, const char *path, unsigned long *nev, unsigned long *ncase)
{
    if (exec_sql(db, "CREATE TEMP TABLE acked_events(visit TEXT PRIMARY KEY, kind TEXT);"
                     "CREATE TEMP TABLE acked_cases(id TEXT PRIMARY KEY, subject TEXT);"
                     "BEGIN"))
        return -1;
    sqlite3_stmt *ev = NULL, *cs = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO acked_events VALUES(?1, ?2)", -1, &ev, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO acked_cases VALUES(?1, ?2)", -1, &cs, NULL)) {
        fprintf(stderr, "kb-soak-writer: %s\n", sqlite3_errmsg(db));
        sqlite3_finalize(ev);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        sqlite3_finalize(ev);
        sqlite3_finalize(cs);
        return -1;
    }
    char line[1024];
    int rc = 0;
    *nev = *ncase = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *a = strchr(line, '\t');
        char *b = a ? strchr(a + 1, '\t') : NULL;
        sqlite3_stmt *st = line[0] == 'E' ? ev : line[0] == 'C' ? cs : NULL;
        if (st && a && b) {
            *b = '\0';
            sqlite3_bind_text(st, 1, a + 1, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, b + 1, -1, SQLITE_TRANSIENT);
            if (st == ev)
                ++*nev;
            else
                ++*ncase;
        } else {
            fprintf(stderr, "kb-soak-writer: %s: bad line '%s'\n", path, line);
            rc = -1;
            break;
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "kb-soak-writer: %s: %s\n", path, sqlite3_errmsg(db));
            rc = -1;
        }
        sqlite3_reset(st);
    }
    fclose(f);
    sqlite3_finalize(ev);
    sqlite3_finalize(cs);
    if (rc == 0 && exec_sql(db, "COMMIT"))
        rc = -1;
    return rc;
}

/* Runs a query of one integer; -1 on error. */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "kb-soak-writer: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

static void list_missing(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(stderr, "kb-soak-writer: acknowledged but not in the database: %s\n",
                (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static int do_check(const char *db_path, const char *acked_path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "kb-soak-writer: %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return 2;
    }
    sqlite3_busy_timeout(db, 10000);
    unsigned long nev, ncase;
    if (load_acked(db, acked_path, &nev, &ncase) != 0) {
        sqlite3_close(db);
        return 2;
    }
    /* visits.key is unique and events are indexed by visit. */
    static const char ev_missing[] =
        " FROM temp.acked_events a WHERE NOT EXISTS (SELECT 1 FROM main.visits v"
        " JOIN main.events e ON e.visit_id = v.id WHERE v.key = a.visit AND e.kind = a.kind)";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*)%s", ev_missing);
    long long ev_missed = query_int(db, sql);
    long long case_found = query_int(db,
        "SELECT count(*) FROM temp.acked_cases a JOIN main.cases c "
        "ON c.id = a.id AND c.subject = a.subject");
    long long ev_found = (long long)nev - ev_missed;
    if (ev_missed < 0 || case_found < 0) {
        sqlite3_close(db);
        return 2;
    }
    printf("events_acked=%lu\nevents_found=%lld\ncases_acked=%lu\ncases_found=%lld\n", nev,
           ev_found, ncase, case_found);
    if (ev_missed) {
        snprintf(sql, sizeof sql, "SELECT 'event ' || a.kind || ' from visit ' || a.visit%s LIMIT 10",
                 ev_missing);
        list_missing(db, sql);
    }
    if ((unsigned long)case_found != ncase)
        list_missing(db, "SELECT 'case ' || a.id || ' ' || a.subject FROM temp.acked_cases a "
                         "WHERE NOT EXISTS (SELECT 1 FROM main.cases c WHERE c.id = a.id "
                         "AND c.subject = a.subject) LIMIT 10");
    sqlite3_close(db);
    return (unsigned long)ev_found == nev && (unsigned long)case_found == ncase ? 0 : 1;
}

static void usage(FILE *f)
{
    fputs("Usage: kb-soak-writer write --url BASE --seconds S --tag TAG --out FILE\n"
          "                            [--threads N] [--case-every K]\n"
          "       kb-soak-writer check --db FILE --acked FILE\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *url = NULL, *tag = NULL, *out = NULL, *db = NULL, *acked = NULL;
    double seconds = 0;
    unsigned long threads = 2, case_every = 10;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!v) {
            fprintf(stderr, "kb-soak-writer: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--url") == 0)
            url = v;
        else if (strcmp(a, "--tag") == 0)
            tag = v;
        else if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--db") == 0)
            db = v;
        else if (strcmp(a, "--acked") == 0)
            acked = v;
        else if (strcmp(a, "--seconds") == 0)
            seconds = strtod(v, &end);
        else if (strcmp(a, "--threads") == 0)
            threads = strtoul(v, &end, 10);
        else if (strcmp(a, "--case-every") == 0)
            case_every = strtoul(v, &end, 10);
        else {
            fprintf(stderr, "kb-soak-writer: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (end && *end) {
            fprintf(stderr, "kb-soak-writer: %s: '%s' is not a number\n", a, v);
            return 2;
        }
    }
    if (strcmp(argv[1], "write") == 0) {
        if (!url || !tag || !out || seconds <= 0 || threads < 1 || threads > MAX_THREADS ||
            strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
                strlen(tag)) {
            fputs("kb-soak-writer write: --url, --seconds (> 0), --out and --tag (letters and "
                  "digits) are required; --threads from 1 to 64\n", stderr);
            return 2;
        }
        return do_write(url, tag, seconds, (unsigned)threads, (unsigned)case_every, out);
    }
    if (strcmp(argv[1], "check") == 0) {
        if (!db || !acked) {
            fputs("kb-soak-writer check: --db and --acked are required\n", stderr);
            return 2;
        }
        return do_check(db, acked);
    }
    usage(stderr);
    return 2;
}
