/* eventlog.c -- open/close, schema migrations, events, scans, retention.
 * Cases and the outbox are in eventlog_case.c. */
#include "eventlog_private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Schema.  Times are integer milliseconds since the epoch (UTC): exact
 * comparisons, and indexes stay small.
 *
 *   visits  one row per browser session id (key).  first_ms is the time
 *           of its earliest event: reports pick visits by it and measure
 *           the deflection window from it, so it is kept up to date on
 *           every insert rather than recomputed by a GROUP BY per report.
 *   events  one row per event; kind is the eventlog_kind_name() text so
 *           the file can be read with the sqlite3 shell.  Only the
 *           columns of the kind are set, the rest are NULL.  articles is
 *           a JSON array (suggest); case_id links a case event to its
 *           case (no foreign key: a case filed elsewhere may be logged
 *           by id only).
 *   cases   submitted cases; id is the unguessable public id.  The
 *           trail is not copied: it is the visit's events up to
 *           created_ms, read on demand.
 *   outbox  webhook deliveries (migration 2).  A row is due when
 *           delivered_ms is NULL and next_attempt_ms <= now; claiming a
 *           row pushes next_attempt_ms forward by a lease.
 *   users, tokens, sessions, login_failures  (migration 3) agents and
 *           authors, read and written by accounts.c: passwords as
 *           libsodium crypto_pwhash strings (Argon2id), API tokens and
 *           session ids only as BLAKE2b hashes, failed sign-ins per
 *           "user:NAME" and "addr:IP" key for throttling.
 *
 * Migrations run in order inside one transaction; PRAGMA user_version
 * is the number applied.  Never edit a shipped migration: append. */
static const char *const migrations[] = {
    "CREATE TABLE visits ("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  first_ms INTEGER NOT NULL);"
    "CREATE INDEX visits_first ON visits(first_ms);"
    "CREATE TABLE cases ("
    "  id TEXT PRIMARY KEY,"
    "  visit_id INTEGER REFERENCES visits(id),"
    "  created_ms INTEGER NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '',"
    "  product TEXT NOT NULL DEFAULT '',"
    "  locale TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX cases_created ON cases(created_ms);"
    "CREATE INDEX cases_visit ON cases(visit_id);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  visit_id INTEGER NOT NULL REFERENCES visits(id),"
    "  ts_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('search','click','view','vote',"
    "    'case_form','suggest','deflect','case')),"
    "  locale TEXT, query TEXT, article TEXT, section TEXT,"
    "  rank INTEGER, results INTEGER, latency_us INTEGER,"
    "  helpful INTEGER CHECK (helpful IN (0, 1)),"
    "  reason TEXT CHECK (reason IN ('not_related','did_not_answer','other')),"
    "  comment TEXT,"
    "  source TEXT CHECK (source IN ('article','case_form')),"
    "  articles TEXT,"
    "  case_id TEXT);"
    "CREATE INDEX events_visit_ts ON events(visit_id, ts_ms);"
    "CREATE INDEX events_ts ON events(ts_ms);",

    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
    "  payload TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER);"
    "CREATE INDEX outbox_due ON outbox(next_attempt_ms)"
    "  WHERE delivered_ms IS NULL;"
    "CREATE INDEX outbox_case ON outbox(case_id);",

    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('agent','author')),"
    "  pwhash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  created_ms INTEGER NOT NULL,"
    "  last_used_ms INTEGER);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  hash TEXT NOT NULL UNIQUE,"
    "  csrf TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL);"
    "CREATE INDEX sessions_expires ON sessions(expires_ms);"
    "CREATE TABLE login_failures ("
    "  key TEXT PRIMARY KEY,"
    "  count INTEGER NOT NULL,"
    "  last_ms INTEGER NOT NULL);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_VISIT_UPSERT] =
        "INSERT INTO visits(key, first_ms) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET"
        " first_ms = min(first_ms, excluded.first_ms) RETURNING id",
    [ST_VISIT_ID] = "SELECT id FROM visits WHERE key = ?1",
    [ST_EVENT_INSERT] =
        "INSERT INTO events(visit_id, ts_ms, kind, locale, query, article,"
        " section, rank, results, latency_us, helpful, reason, comment,"
        " source, articles, case_id)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16)",
    [ST_EVENT_COUNT] =
        "SELECT count(*) FROM events WHERE (?1 IS NULL OR kind = ?1)"
        " AND (?2 IS NULL OR visit_id = (SELECT id FROM visits"
        " WHERE key = ?2))",
    [ST_VISIT_EVENTS] =
        "SELECT " EVENTLOG_EVENT_COLS " FROM events e"
        " JOIN visits v ON v.id = e.visit_id"
        " WHERE e.visit_id = ?1 AND e.ts_ms <= ?2"
        " AND (?3 IS NULL OR e.case_id IS NOT ?3)"
        " ORDER BY e.ts_ms, e.id",
    [ST_SCAN] =
        "SELECT " EVENTLOG_EVENT_COLS ", v.first_ms, c.subject"
        " FROM visits v JOIN events e ON e.visit_id = v.id"
        " LEFT JOIN cases c ON c.id = e.case_id"
        " WHERE v.first_ms >= ?1 AND v.first_ms < ?2"
        " ORDER BY v.first_ms, v.id, e.ts_ms, e.id",
    [ST_PRUNE_EVENTS] = "DELETE FROM events WHERE ts_ms < ?1",
    [ST_PRUNE_CASES] = "DELETE FROM cases WHERE created_ms < ?1",
    [ST_PRUNE_OUTBOX] =
        "DELETE FROM outbox WHERE delivered_ms IS NOT NULL"
        " AND delivered_ms < ?1",
    [ST_PRUNE_VISITS] =
        "DELETE FROM visits WHERE first_ms < ?1"
        " AND NOT EXISTS (SELECT 1 FROM events WHERE visit_id = visits.id)"
        " AND NOT EXISTS (SELECT 1 FROM cases WHERE visit_id = visits.id)",
    [ST_PRUNE_FIRST] =
        "UPDATE visits SET first_ms = coalesce((SELECT min(ts_ms) FROM"
        " events WHERE visit_id = visits.id), first_ms) WHERE first_ms < ?1",
    [ST_CASE_INSERT] =
        "INSERT INTO cases(id, visit_id, created_ms, subject, description,"
        " email, product, locale) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_CASE_GET] =
        "SELECT c.id, c.subject, c.description, c.email, c.product,"
        " c.locale, v.key, c.created_ms, c.visit_id FROM cases c"
        " LEFT JOIN visits v ON v.id = c.visit_id WHERE c.id = ?1",
    [ST_CASES_LIST] =
        "SELECT c.id, c.subject, c.description, c.email, c.product,"
        " c.locale, v.key, c.created_ms FROM cases c"
        " LEFT JOIN visits v ON v.id = c.visit_id"
        " WHERE c.created_ms >= ?1 AND c.created_ms < ?2"
        " AND (?3 IS NULL OR c.subject LIKE ?3 ESCAPE '\\'"
        " OR c.description LIKE ?3 ESCAPE '\\'"
        " OR c.email LIKE ?3 ESCAPE '\\')"
        " ORDER BY c.created_ms DESC, c.id LIMIT ?4",
    [ST_OUTBOX_ADD] =
        "INSERT INTO outbox(case_id, payload, next_attempt_ms)"
        " VALUES(?1, ?2, ?3)",
    [ST_OUTBOX_CLAIM] =
        "UPDATE outbox SET next_attempt_ms = ?2 WHERE id = (SELECT id"
        " FROM outbox WHERE delivered_ms IS NULL AND next_attempt_ms <= ?1"
        " ORDER BY next_attempt_ms, id LIMIT 1) RETURNING id, payload",
    [ST_OUTBOX_DONE] = "UPDATE outbox SET delivered_ms = ?2 WHERE id = ?1",
    /* Delay 2^attempts seconds after the attempts-th failure; the inner
     * min() keeps the shift from overflowing, the outer one is the cap. */
    [ST_OUTBOX_RETRY] =
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2"
        " + 1000 * min(?3, 1 << min(attempts + 1, 30))"
        " WHERE id = ?1 AND delivered_ms IS NULL RETURNING next_attempt_ms",
};

static const char *const vote_reasons[] = {"not_related", "did_not_answer",
                                           "other"};
static const char *const deflect_sources[] = {"article", "case_form"};

/* Stored times must fit a four-digit year so ISO output stays sane. */
#define TS_MAX 253402300800.0

int eventlog_fail(struct eventlog *el, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(el->err, sizeof el->err, fmt, ap);
    va_end(ap);
    return EVENTLOG_ERROR;
}

int eventlog_sqlfail(struct eventlog *el, const char *what)
{
    return eventlog_fail(el, "%s: %s", what, sqlite3_errmsg(el->db));
}

void eventlog_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int eventlog_run(struct eventlog *el, sqlite3_stmt *st, const char *what)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        eventlog_sqlfail(el, what);
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    eventlog_done(st);
    return EVENTLOG_OK;
}

int eventlog_begin(struct eventlog *el)
{
    return eventlog_run(el, el->st[ST_BEGIN], "begin");
}

int eventlog_commit(struct eventlog *el)
{
    return eventlog_run(el, el->st[ST_COMMIT], "commit");
}

void eventlog_rollback(struct eventlog *el)
{
    /* Keep the message of the failure that made us roll back. */
    if (!sqlite3_get_autocommit(el->db)) {
        sqlite3_step(el->st[ST_ROLLBACK]);
        eventlog_done(el->st[ST_ROLLBACK]);
    }
}

long long eventlog_ms(double ts)
{
    return (long long)(ts * 1000.0 + (ts >= 0 ? 0.5 : -0.5));
}

int eventlog_ts_ok(double ts)
{
    return isfinite(ts) && ts >= 0 && ts < TS_MAX;
}

const char *eventlog_errmsg(const struct eventlog *el)
{
    return el ? el->err : "no event log";
}

int eventlog_schema_version(void)
{
    return NMIGRATIONS;
}

static int exec_sql(struct eventlog *el, const char *sql, const char *what)
{
    char *msg = NULL;

    /* Only constant SQL without data comes through here. */
    if (sqlite3_exec(el->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        eventlog_fail(el, "%s: %s", what,
                      msg ? msg : sqlite3_errmsg(el->db));
        sqlite3_free(msg);
        return EVENTLOG_ERROR;
    }
    return EVENTLOG_OK;
}

static int pragma_text(struct eventlog *el, const char *sql, char *buf,
                       size_t len)
{
    sqlite3_stmt *st;
    const unsigned char *t;
    int rc;

    if (sqlite3_prepare_v2(el->db, sql, -1, &st, NULL) != SQLITE_OK)
        return eventlog_fail(el, "%s", sqlite3_errmsg(el->db));
    rc = sqlite3_step(st);
    t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    snprintf(buf, len, "%s", t ? (const char *)t : "");
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        eventlog_fail(el, "%s", sqlite3_errmsg(el->db));
        sqlite3_finalize(st);
        return EVENTLOG_ERROR;
    }
    sqlite3_finalize(st);
    return EVENTLOG_OK;
}

static int migrate(struct eventlog *el)
{
    char buf[32], sql[64], what[32];
    int version, i;

    /* IMMEDIATE, and read the version inside the transaction, so two
     * processes opening a fresh file do not both run migration 1. */
    if (exec_sql(el, "BEGIN IMMEDIATE", "migrate"))
        return EVENTLOG_ERROR;
    if (pragma_text(el, "PRAGMA user_version", buf, sizeof buf))
        goto fail;
    version = atoi(buf);
    if (version > NMIGRATIONS) {
        eventlog_fail(el, "schema version %d is newer than this program's "
                      "(%d)", version, NMIGRATIONS);
        goto fail;
    }
    for (i = version; i < NMIGRATIONS; i++) {
        snprintf(what, sizeof what, "migration %d", i + 1);
        if (exec_sql(el, migrations[i], what))
            goto fail;
    }
    if (version < NMIGRATIONS) {
        /* PRAGMA takes no parameters; the value is our own integer. */
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", NMIGRATIONS);
        if (exec_sql(el, sql, "migrate"))
            goto fail;
    }
    return exec_sql(el, "COMMIT", "migrate");
fail:
    sqlite3_exec(el->db, "ROLLBACK", NULL, NULL, NULL);
    return EVENTLOG_ERROR;
}

static int setup(struct eventlog *el, const char *path)
{
    char mode[16];
    int i;

    if (sqlite3_open_v2(path, &el->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        return eventlog_fail(el, "%s", el->db ? sqlite3_errmsg(el->db)
                                              : "out of memory");
    sqlite3_extended_result_codes(el->db, 1);
    sqlite3_busy_timeout(el->db, EVENTLOG_BUSY_MS);
    if (pragma_text(el, "PRAGMA journal_mode=WAL", mode, sizeof mode))
        return EVENTLOG_ERROR;
    if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
        return eventlog_fail(el, "cannot use WAL (journal_mode is %s)",
                             mode);
    /* In WAL mode synchronous=NORMAL already survives kill -9: a commit
     * sits in the WAL in the OS page cache.  It does not survive power
     * loss or a kernel panic, which may roll back the last commits.
     * FULL fsyncs the WAL at every commit, so an event acknowledged to
     * the browser is on stable storage.  That is one fsync per commit;
     * eventlog_record_many() amortises it when a caller can batch. */
    if (exec_sql(el, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                 "open"))
        return EVENTLOG_ERROR;
    if (migrate(el))
        return EVENTLOG_ERROR;
    for (i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(el->db, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &el->st[i],
                               NULL) != SQLITE_OK)
            return eventlog_sqlfail(el, "prepare");
    return EVENTLOG_OK;
}

int eventlog_open(const char *path, struct eventlog **out, char *err,
                  size_t errlen)
{
    struct eventlog *el;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!path) {
        if (err && errlen)
            snprintf(err, errlen, "no event log path");
        return EVENTLOG_ERROR;
    }
    if (sodium_init() < 0) {
        if (err && errlen)
            snprintf(err, errlen, "libsodium failed to initialise");
        return EVENTLOG_ERROR;
    }
    el = calloc(1, sizeof *el);
    if (!el) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return EVENTLOG_ERROR;
    }
    if (setup(el, path)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, el->err);
        eventlog_close(el);
        return EVENTLOG_ERROR;
    }
    *out = el;
    return EVENTLOG_OK;
}

void eventlog_close(struct eventlog *el)
{
    int i;

    if (!el)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(el->st[i]);
    sqlite3_close(el->db);
    free(el);
}

static int one_of(const char *s, const char *const *set, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

static int check_event(struct eventlog *el, const struct eventlog_event *ev,
                       const char *pfx)
{
    const struct eventlog_kind_info *k;
    size_t i;

    if ((int)ev->kind < 0 || ev->kind >= EVENTLOG_KIND_COUNT)
        return eventlog_fail(el, "%sunknown event kind %d", pfx,
                             (int)ev->kind);
    k = &eventlog_kinds[ev->kind];
    if (!ev->visit || !ev->visit[0])
        return eventlog_fail(el, "%s%s event: visit is required", pfx,
                             k->name);
    if (!eventlog_ts_ok(ev->ts))
        return eventlog_fail(el, "%s%s event: time %f is out of range", pfx,
                             k->name, ev->ts);
    if ((k->required & F_QUERY) && !ev->query)
        return eventlog_fail(el, "%s%s event: query is required", pfx,
                             k->name);
    if ((k->required & F_ARTICLE) && !ev->article)
        return eventlog_fail(el, "%s%s event: article is required", pfx,
                             k->name);
    if ((k->required & F_HELPFUL) && ev->helpful != 0 && ev->helpful != 1)
        return eventlog_fail(el, "%s%s event: helpful must be 0 or 1", pfx,
                             k->name);
    if ((k->fields & F_REASON) && ev->reason && !one_of(ev->reason,
                                                        vote_reasons, 3))
        return eventlog_fail(el, "%s%s event: reason must be not_related, "
                             "did_not_answer or other", pfx, k->name);
    if ((k->required & F_SOURCE) &&
        (!ev->source || !one_of(ev->source, deflect_sources, 2)))
        return eventlog_fail(el, "%s%s event: source must be article or "
                             "case_form", pfx, k->name);
    if ((k->fields & F_ARTICLES) && ev->narticles) {
        if (!ev->articles)
            return eventlog_fail(el, "%s%s event: articles is NULL", pfx,
                                 k->name);
        for (i = 0; i < ev->narticles; i++)
            if (!ev->articles[i])
                return eventlog_fail(el, "%s%s event: article %zu is NULL",
                                     pfx, k->name, i);
    }
    return EVENTLOG_OK;
}

int eventlog_visit_upsert(struct eventlog *el, const char *key, long long ms,
                          long long *id)
{
    sqlite3_stmt *st = el->st[ST_VISIT_UPSERT];
    int rc;

    if (eventlog_bind_text(el, st, 1, key)) {
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    sqlite3_bind_int64(st, 2, ms);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        eventlog_sqlfail(el, "visit");
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    *id = sqlite3_column_int64(st, 0);
    return eventlog_run(el, st, "visit");
}

/* The suggest list as a JSON array text; caller free()s. */
static char *articles_text(const struct eventlog_event *ev)
{
    json_t *arr = json_array();
    char *text = NULL;
    size_t i;

    if (!arr)
        return NULL;
    for (i = 0; i < ev->narticles; i++)
        if (json_array_append_new(arr, eventlog_json_str(ev->articles[i])))
            goto out;
    text = json_dumps(arr, JSON_COMPACT);
out:
    json_decref(arr);
    return text;
}

static int bind_opt_int(sqlite3_stmt *st, int idx, int on, long long v)
{
    return on ? sqlite3_bind_int64(st, idx, v) : sqlite3_bind_null(st, idx);
}

static const char *field(const struct eventlog_kind_info *k, unsigned f,
                         const char *s)
{
    return (k->fields & f) ? s : NULL;
}

int eventlog_insert_event(struct eventlog *el, const struct eventlog_event *ev)
{
    sqlite3_stmt *st = el->st[ST_EVENT_INSERT];
    const struct eventlog_kind_info *k;
    const char *section;
    char *articles = NULL;
    long long vid;
    int rc;

    if (check_event(el, ev, ""))
        return EVENTLOG_ERROR;
    k = &eventlog_kinds[ev->kind];
    if (eventlog_visit_upsert(el, ev->visit, eventlog_ms(ev->ts), &vid))
        return EVENTLOG_ERROR;
    if ((k->fields & F_ARTICLES) && !(articles = articles_text(ev)))
        return eventlog_fail(el, "out of memory");
    section = field(k, F_SECTION, ev->section);
    if (section && !section[0])
        section = NULL;
    sqlite3_bind_int64(st, 1, vid);
    sqlite3_bind_int64(st, 2, eventlog_ms(ev->ts));
    sqlite3_bind_text(st, 3, k->name, -1, SQLITE_STATIC);
    bind_opt_int(st, 8, (k->fields & F_RANK) && ev->rank > 0, ev->rank);
    bind_opt_int(st, 9, (k->fields & F_RESULTS) && ev->results >= 0,
                 ev->results);
    bind_opt_int(st, 10, (k->fields & F_LATENCY) && ev->latency_us >= 0,
                 ev->latency_us);
    bind_opt_int(st, 11, (k->fields & F_HELPFUL), ev->helpful);
    rc = eventlog_bind_text(el, st, 4, ev->locale) ||
         eventlog_bind_text(el, st, 5, field(k, F_QUERY, ev->query)) ||
         eventlog_bind_text(el, st, 6, field(k, F_ARTICLE, ev->article)) ||
         eventlog_bind_text(el, st, 7, section) ||
         eventlog_bind_text(el, st, 12, field(k, F_REASON, ev->reason)) ||
         eventlog_bind_text(el, st, 13, field(k, F_COMMENT, ev->comment)) ||
         eventlog_bind_text(el, st, 14, field(k, F_SOURCE, ev->source)) ||
         eventlog_bind_text(el, st, 15, articles) ||
         eventlog_bind_text(el, st, 16, field(k, F_CASE, ev->case_id));
    if (rc) {
        eventlog_done(st);
        rc = EVENTLOG_ERROR;
    } else {
        rc = eventlog_run(el, st, "record");
    }
    free(articles);
    return rc;
}

int eventlog_record_many(struct eventlog *el,
                         const struct eventlog_event *evs, size_t n)
{
    char pfx[32];
    size_t i;

    for (i = 0; i < n; i++) {
        if (n > 1)
            snprintf(pfx, sizeof pfx, "event %zu: ", i);
        else
            pfx[0] = '\0';
        if (check_event(el, &evs[i], pfx))
            return EVENTLOG_ERROR;
    }
    if (n == 0)
        return EVENTLOG_OK;
    if (eventlog_begin(el))
        return EVENTLOG_ERROR;
    for (i = 0; i < n; i++)
        if (eventlog_insert_event(el, &evs[i]))
            goto fail;
    if (eventlog_commit(el))
        goto fail;
    return EVENTLOG_OK;
fail:
    eventlog_rollback(el);
    return EVENTLOG_ERROR;
}

int eventlog_record(struct eventlog *el, const struct eventlog_event *ev)
{
    return eventlog_record_many(el, ev, 1);
}

int eventlog_count(struct eventlog *el, int kind, const char *visit,
                   long long *n)
{
    sqlite3_stmt *st = el->st[ST_EVENT_COUNT];
    const char *name = kind < 0 ? NULL : eventlog_kind_name(kind);

    if (kind >= 0 && !name)
        return eventlog_fail(el, "count: unknown event kind %d", kind);
    if (eventlog_bind_text(el, st, 1, name) ||
        eventlog_bind_text(el, st, 2, visit)) {
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        eventlog_sqlfail(el, "count");
        eventlog_done(st);
        return EVENTLOG_ERROR;
    }
    *n = sqlite3_column_int64(st, 0);
    eventlog_done(st);
    return EVENTLOG_OK;
}

long long eventlog_bound_ms(double ts)
{
    if (ts != ts || ts < 0)
        return 0;
    if (ts > TS_MAX)
        return eventlog_ms(TS_MAX);
    return eventlog_ms(ts);
}

int eventlog_scan(struct eventlog *el, double from_ts, double to_ts,
                  eventlog_scan_fn fn, void *ctx)
{
    sqlite3_stmt *st = el->st[ST_SCAN];
    struct eventlog_rowbuf rb = {0};
    struct eventlog_event ev;
    int rc, r = EVENTLOG_OK;

    sqlite3_bind_int64(st, 1, eventlog_bound_ms(from_ts));
    sqlite3_bind_int64(st, 2, eventlog_bound_ms(to_ts));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (eventlog_row_event(el, st, &ev, &rb)) {
            r = EVENTLOG_ERROR;
            break;
        }
        ev.subject = (const char *)sqlite3_column_text(
            st, EVENTLOG_EVENT_NCOLS + 1);
        r = fn(ctx, &ev,
               (double)sqlite3_column_int64(st, EVENTLOG_EVENT_NCOLS) / 1000);
        if (r)
            break;
    }
    if (!r && rc != SQLITE_DONE)
        r = eventlog_sqlfail(el, "scan");
    eventlog_done(st);
    eventlog_rowbuf_release(&rb);
    return r;
}

int eventlog_prune(struct eventlog *el, double before_ts, long long *deleted)
{
    static const enum eventlog_stmt steps[] = {
        ST_PRUNE_EVENTS, ST_PRUNE_CASES, ST_PRUNE_OUTBOX, ST_PRUNE_VISITS,
        ST_PRUNE_FIRST};
    long long n = 0;
    size_t i;

    if (before_ts != before_ts)
        return eventlog_fail(el, "prune: time is not a number");
    if (eventlog_begin(el))
        return EVENTLOG_ERROR;
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = el->st[steps[i]];

        sqlite3_bind_int64(st, 1, eventlog_bound_ms(before_ts));
        if (eventlog_run(el, st, "prune")) {
            eventlog_rollback(el);
            return EVENTLOG_ERROR;
        }
        if (steps[i] == ST_PRUNE_EVENTS || steps[i] == ST_PRUNE_CASES)
            n += sqlite3_changes(el->db);
    }
    if (eventlog_commit(el)) {
        eventlog_rollback(el);
        return EVENTLOG_ERROR;
    }
    if (deleted)
        *deleted = n;
    return EVENTLOG_OK;
}
