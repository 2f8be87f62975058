/* kb_bench_fts5.c -- the SQLite FTS5 peer: index the exported articles
 * and time the same queries through SQLite's C API.
 *
 *   kb-bench-fts5 --articles TSV --db FILE --queries FILE [--passes N]
 *                 [--limit N] [--default-locale LOC] [--reuse]
 *
 * Schema: one FTS5 table per locale,
 *   CREATE VIRTUAL TABLE fts_N USING fts5(doc, id UNINDEXED,
 *                                         tokenize='porter unicode61')
 * with title and body in the one indexed column "doc".  The build is
 * one transaction with SQLite's default (durable) settings followed by
 * FTS5's 'optimize' (merging to one segment, FTS5's fastest layout for
 * reading), and is timed whole.
 *
 * A query is the OR of its words, each quoted: words are the runs of
 * bytes that are not ASCII punctuation or space, so FTS5's own syntax
 * cannot be triggered.  It runs as
 *   SELECT id, bm25(fts_N) FROM fts_N WHERE fts_N MATCH ?
 *   ORDER BY bm25(fts_N) LIMIT ?
 * on the table of the query's locale (else the default locale's).
 * Queries with no words are skipped and counted.  --reuse keeps an
 * existing FILE (no build, no build figures printed). */
#include "bench_util.h"

#include <sqlite3.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FTS_MAX_LOCALES 32

struct fts_table {
    char locale[33];
    sqlite3_stmt *insert;
    sqlite3_stmt *select;
};

struct fts_bench {
    sqlite3 *db;
    struct fts_table t[FTS_MAX_LOCALES];
    size_t nt;
};

static int sql_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "kb-bench-fts5: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The table index for locale, creating the table when create is set;
 * -1 when there is none (or no room). */
static int table_for(struct fts_bench *b, const char *locale, int create)
{
    for (size_t i = 0; i < b->nt; i++)
        if (strcmp(b->t[i].locale, locale) == 0)
            return (int)i;
    if (!create || b->nt == FTS_MAX_LOCALES || strlen(locale) >= sizeof b->t[0].locale)
        return -1;
    struct fts_table *t = &b->t[b->nt];
    memset(t, 0, sizeof *t);
    snprintf(t->locale, sizeof t->locale, "%s", locale);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE VIRTUAL TABLE fts_%zu USING fts5(doc, id UNINDEXED,"
             " tokenize='porter unicode61')",
             b->nt);
    if (sql_exec(b->db, sql) != 0)
        return -1;
    sqlite3_stmt *map;
    if (sqlite3_prepare_v2(b->db, "INSERT INTO fts_locales VALUES(?1, ?2)", -1, &map, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_int(map, 1, (int)b->nt);
    sqlite3_bind_text(map, 2, t->locale, -1, SQLITE_STATIC);
    int src = sqlite3_step(map);
    sqlite3_finalize(map);
    if (src != SQLITE_DONE)
        return -1;
    snprintf(sql, sizeof sql, "INSERT INTO fts_%zu(doc, id) VALUES(?1, ?2)", b->nt);
    if (sqlite3_prepare_v2(b->db, sql, -1, &t->insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "kb-bench-fts5: %s\n", sqlite3_errmsg(b->db));
        return -1;
    }
    return (int)b->nt++;
}

static void fts_close(struct fts_bench *b)
{
    for (size_t i = 0; i < b->nt; i++) {
        sqlite3_finalize(b->t[i].insert);
        sqlite3_finalize(b->t[i].select);
        b->t[i].insert = b->t[i].select = NULL;
    }
    sqlite3_close(b->db);
    b->db = NULL;
}

/* Reads the locale of each table back from fts_locales. */
static int fts_load_map(struct fts_bench *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT n, locale FROM fts_locales ORDER BY n", -1, &st,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "kb-bench-fts5: %s\n", sqlite3_errmsg(b->db));
        return -1;
    }
    b->nt = 0;
    while (sqlite3_step(st) == SQLITE_ROW && b->nt < FTS_MAX_LOCALES) {
        const char *loc = (const char *)sqlite3_column_text(st, 1);
        if (sqlite3_column_int(st, 0) != (int)b->nt || !loc)
            break;
        snprintf(b->t[b->nt].locale, sizeof b->t[0].locale, "%s", loc);
        b->nt++;
    }
    sqlite3_finalize(st);
    return b->nt ? 0 : -1;
}

/* Splits a TSV line into n fields in place; returns the count found. */
static size_t split_tabs(char *line, char **f, size_t n)
{
    size_t k = 0;
    f[k++] = line;
    for (char *p = line; *p && k < n; p++)
        if (*p == '\t') {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

static int fts_build(struct fts_bench *b, const char *tsv, const char *dbpath,
                     unsigned long *articles, unsigned long long *bytes)
{
    size_t len;
    char *buf = bench_read_file(tsv, &len);
    if (!buf) {
        fprintf(stderr, "kb-bench-fts5: %s: %s\n", tsv, strerror(errno));
        return -1;
    }
    int rc = -1;
    char *doc = NULL;
    size_t doccap = 0;
    if (sqlite3_open(dbpath, &b->db) != SQLITE_OK) {
        fprintf(stderr, "kb-bench-fts5: %s: %s\n", dbpath, sqlite3_errmsg(b->db));
        goto out;
    }
    if (sql_exec(b->db, "BEGIN") != 0 ||
        sql_exec(b->db, "CREATE TABLE fts_locales(n INTEGER PRIMARY KEY, locale TEXT)") != 0)
        goto out;
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        char *f[4];
        if (split_tabs(line, f, 4) == 4) {
            int ti = table_for(b, *f[0] ? f[0] : "en-us", 1);
            if (ti < 0)
                goto out;
            size_t need = strlen(f[2]) + strlen(f[3]) + 2;
            if (need > doccap) {
                char *p = realloc(doc, need);
                if (!p)
                    goto out;
                doc = p;
                doccap = need;
            }
            snprintf(doc, doccap, "%s\n%s", f[2], f[3]);
            sqlite3_stmt *ins = b->t[ti].insert;
            sqlite3_bind_text(ins, 1, doc, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, f[1], -1, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "kb-bench-fts5: insert: %s\n", sqlite3_errmsg(b->db));
                goto out;
            }
            sqlite3_reset(ins);
            (*articles)++;
            *bytes += need - 2;
        }
        line = next;
    }
    for (size_t i = 0; i < b->nt; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO fts_%zu(fts_%zu) VALUES('optimize')", i, i);
        if (sql_exec(b->db, sql) != 0)
            goto out;
    }
    if (sql_exec(b->db, "COMMIT") != 0)
        goto out;
    rc = 0;
out:
    free(doc);
    free(buf);
    return rc;
}

/* Writes the FTS5 query for text into out (cap bytes); returns the
 * number of words. */
static size_t fts_query(const char *text, char *out, size_t cap)
{
    size_t n = 0, words = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p && *p < 0x80 && !((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' &&
                                                                (*p | 0x20) <= 'z')))
            p++;
        const unsigned char *w = p;
        while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
                      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
            p++;
        size_t wl = (size_t)(p - w);
        if (wl == 0)
            continue;
        if (n + wl + 8 >= cap)
            break;
        if (words)
            n += (size_t)snprintf(out + n, cap - n, " OR ");
        out[n++] = '"';
        memcpy(out + n, w, wl);
        n += wl;
        out[n++] = '"';
        words++;
    }
    out[n] = '\0';
    return words;
}

static void usage(FILE *f)
{
    fputs("Usage: kb-bench-fts5 --articles TSV --db FILE --queries FILE [--passes N]\n"
          "                     [--limit N] [--default-locale LOC] [--reuse]\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"articles", required_argument, NULL, 'a'},
        {"db", required_argument, NULL, 'b'},
        {"queries", required_argument, NULL, 'q'},
        {"passes", required_argument, NULL, 'p'},
        {"limit", required_argument, NULL, 'l'},
        {"default-locale", required_argument, NULL, 'd'},
        {"reuse", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *tsv = NULL, *dbpath = NULL, *qfile = NULL, *dflt = "en-us";
    unsigned passes = 3, limit = 10;
    int reuse = 0;
    int c;
    while ((c = getopt_long(argc, argv, "a:b:q:p:l:d:rh", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': tsv = optarg; break;
        case 'b': dbpath = optarg; break;
        case 'q': qfile = optarg; break;
        case 'p': passes = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'l': limit = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'd': dflt = optarg; break;
        case 'r': reuse = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!tsv || !dbpath || !qfile || passes == 0 || limit == 0) {
        usage(stderr);
        return 2;
    }
    struct bench_queries qs;
    if (bench_queries_load(qfile, &qs) != 0)
        return 1;
    struct fts_bench b;
    memset(&b, 0, sizeof b);
    if (!reuse || access(dbpath, R_OK) != 0) {
        unlink(dbpath);
        unsigned long articles = 0;
        unsigned long long bytes = 0;
        uint64_t t0 = bench_now_ns();
        int rc = fts_build(&b, tsv, dbpath, &articles, &bytes);
        double build_s = (double)(bench_now_ns() - t0) / 1e9;
        fts_close(&b);
        if (rc != 0) {
            bench_queries_release(&qs);
            return 1;
        }
        printf("articles=%lu\n", articles);
        printf("input_bytes=%llu\n", bytes);
        printf("build_s=%.3f\n", build_s);
        printf("articles_per_s=%.0f\n", (double)articles / build_s);
        printf("mb_per_s=%.2f\n", (double)bytes / 1e6 / build_s);
    }
    struct stat stt;
    printf("db_bytes=%lld\n", stat(dbpath, &stt) == 0 ? (long long)stt.st_size : -1LL);

    /* Reopen read-only, as a search service would. */
    memset(&b, 0, sizeof b);
    if (sqlite3_open_v2(dbpath, &b.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "kb-bench-fts5: %s: %s\n", dbpath, sqlite3_errmsg(b.db));
        return 1;
    }
    if (fts_load_map(&b) != 0)
        return 1;
    for (size_t i = 0; i < b.nt; i++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT id, bm25(fts_%zu) FROM fts_%zu WHERE fts_%zu MATCH ?1"
                 " ORDER BY bm25(fts_%zu) LIMIT ?2",
                 i, i, i, i);
        if (sqlite3_prepare_v2(b.db, sql, -1, &b.t[i].select, NULL) != SQLITE_OK) {
            fprintf(stderr, "kb-bench-fts5: %s\n", sqlite3_errmsg(b.db));
            return 1;
        }
    }
    int dflt_t = table_for(&b, dflt, 0);
    if (dflt_t < 0)
        dflt_t = 0;
    struct bench_samples lat = BENCH_SAMPLES_INIT;
    unsigned long long hits = 0, zero = 0, skipped = 0, failed = 0;
    uint64_t busy = 0;
    char match[4096];
    for (unsigned pass = 0; pass <= passes; pass++) {
        for (size_t i = 0; i < qs.len; i++) {
            int ti = qs.q[i].locale ? table_for(&b, qs.q[i].locale, 0) : dflt_t;
            if (ti < 0)
                ti = dflt_t;
            uint64_t q0 = bench_now_ns();
            if (fts_query(qs.q[i].text, match, sizeof match) == 0) {
                skipped += pass == 1;
                continue;
            }
            sqlite3_stmt *sel = b.t[ti].select;
            sqlite3_bind_text(sel, 1, match, -1, SQLITE_STATIC);
            sqlite3_bind_int(sel, 2, (int)limit);
            size_t n = 0;
            int src;
            while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
                (void)sqlite3_column_text(sel, 0);
                (void)sqlite3_column_double(sel, 1);
                n++;
            }
            sqlite3_reset(sel);
            uint64_t dt = bench_now_ns() - q0;
            if (pass == 0)
                continue;
            if (src != SQLITE_DONE && ++failed <= 3)
                fprintf(stderr, "kb-bench-fts5: '%s': %s\n", match, sqlite3_errmsg(b.db));
            busy += dt;
            hits += n;
            zero += n == 0;
            if (bench_samples_add(&lat, dt) != 0)
                return 1;
        }
    }
    printf("queries=%zu\n", qs.len);
    printf("skipped=%llu\n", skipped);
    bench_samples_report(&lat, "q");
    printf("hits_avg=%.2f\n", lat.len ? (double)hits / (double)lat.len : 0.0);
    printf("zero_hit_pct=%.1f\n", lat.len ? 100.0 * (double)zero / (double)lat.len : 0.0);
    printf("failed=%llu\n", failed);
    printf("qps_1thread=%.0f\n", busy ? (double)lat.len / ((double)busy / 1e9) : 0.0);
    bench_samples_release(&lat);
    fts_close(&b);
    bench_queries_release(&qs);
    return 0;
}
