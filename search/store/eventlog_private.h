/* eventlog_private.h -- what eventlog*.c and reports*.c share.  Not
 * part of the public API (see eventlog.h): it exposes the SQLite handle
 * and the prepared-statement table. */
#ifndef KB_EVENTLOG_PRIVATE_H
#define KB_EVENTLOG_PRIVATE_H

#include <stddef.h>

#include <sqlite3.h>

#include "eventlog.h"

/* Every statement the store runs, prepared once in eventlog_open(). */
enum eventlog_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_VISIT_UPSERT,
    ST_VISIT_ID,
    ST_EVENT_INSERT,
    ST_EVENT_COUNT,
    ST_VISIT_EVENTS,
    ST_SCAN,
    ST_PRUNE_EVENTS,
    ST_PRUNE_CASES,
    ST_PRUNE_OUTBOX,
    ST_PRUNE_VISITS,
    ST_PRUNE_FIRST,
    ST_CASE_INSERT,
    ST_CASE_GET,
    ST_CASES_LIST,
    ST_OUTBOX_ADD,
    ST_OUTBOX_CLAIM,
    ST_OUTBOX_DONE,
    ST_OUTBOX_RETRY,
    ST_COUNT
};

struct eventlog {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    char err[512]; /* eventlog_errmsg() */
};

/* Which struct eventlog_event fields a kind stores (and requires). */
enum {
    F_QUERY = 1 << 0,
    F_ARTICLE = 1 << 1,
    F_SECTION = 1 << 2,
    F_RANK = 1 << 3,
    F_RESULTS = 1 << 4,
    F_LATENCY = 1 << 5,
    F_HELPFUL = 1 << 6,
    F_REASON = 1 << 7,
    F_COMMENT = 1 << 8,
    F_SOURCE = 1 << 9,
    F_ARTICLES = 1 << 10,
    F_CASE = 1 << 11
};

struct eventlog_kind_info {
    const char *name; /* stored in events.kind */
    unsigned fields;  /* F_* the kind stores */
    unsigned required;
};

/* Indexed by enum eventlog_kind; read-only (eventlog_row.c). */
extern const struct eventlog_kind_info eventlog_kinds[EVENTLOG_KIND_COUNT];

/* The event columns every event-reading statement selects first, in the
 * order eventlog_row_event() reads them. */
#define EVENTLOG_EVENT_COLS                                                \
    "e.kind, e.ts_ms, v.key, e.locale, e.query, e.article, e.section, "   \
    "e.rank, e.results, e.latency_us, e.helpful, e.reason, e.comment, "   \
    "e.source, e.articles, e.case_id"
#define EVENTLOG_EVENT_NCOLS 16

/* Scratch space for the suggest article list of one row, reused from
 * row to row; release with eventlog_rowbuf_release(). */
struct eventlog_rowbuf {
    json_t *arr;       /* parsed articles column; owns the strings */
    const char **ptrs; /* borrowed from arr */
    size_t cap;
};

/* Formats a message into el->err and returns EVENTLOG_ERROR. */
int eventlog_fail(struct eventlog *el, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "what: <sqlite3_errmsg>" into el->err; returns EVENTLOG_ERROR. */
int eventlog_sqlfail(struct eventlog *el, const char *what);

/* Steps st to completion, resets it and clears its bindings.  Returns
 * EVENTLOG_OK or eventlog_sqlfail(el, what). */
int eventlog_run(struct eventlog *el, sqlite3_stmt *st, const char *what);

/* Resets st and clears its bindings (borrowed strings are bound
 * SQLITE_STATIC, so no pointer may outlive the call that bound it). */
void eventlog_done(sqlite3_stmt *st);

/* Binds s (NULL binds NULL) as text, replacing ill-formed UTF-8. */
int eventlog_bind_text(struct eventlog *el, sqlite3_stmt *st, int idx,
                       const char *s);

/* Transactions: BEGIN IMMEDIATE, so a writer waits for the write lock
 * up front (busy timeout applies) instead of failing on upgrade. */
int eventlog_begin(struct eventlog *el);
int eventlog_commit(struct eventlog *el);
void eventlog_rollback(struct eventlog *el);

/* Seconds to stored milliseconds (rounded); 1 if ts is storable. */
long long eventlog_ms(double ts);
int eventlog_ts_ok(double ts);

/* A range bound in ms, clamped into the storable range (NaN: 0). */
long long eventlog_bound_ms(double ts);

/* Upserts the visit named key, lowering its first-event time to ms if
 * earlier, and returns its row id in *id.  Call inside a transaction. */
int eventlog_visit_upsert(struct eventlog *el, const char *key, long long ms,
                          long long *id);

/* Validates ev and inserts it (with its visit).  Call inside a
 * transaction; on error the caller rolls back. */
int eventlog_insert_event(struct eventlog *el,
                          const struct eventlog_event *ev);

/* Reads the EVENTLOG_EVENT_COLS of the current row of st into ev; strings
 * are borrowed from st and rb.  EVENTLOG_ERROR only on a corrupt row. */
int eventlog_row_event(struct eventlog *el, sqlite3_stmt *st,
                       struct eventlog_event *ev, struct eventlog_rowbuf *rb);
void eventlog_rowbuf_release(struct eventlog_rowbuf *rb);

/* ev as a new JSON object {"type","time",fields...}; NULL on OOM. */
json_t *eventlog_event_json(const struct eventlog_event *ev);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for ms since the epoch into buf (>= 32). */
void eventlog_format_time(long long ms, char *buf, size_t len);

/* A JSON string of s, cleaned of ill-formed UTF-8 if needed; NULL on
 * OOM.  s may be NULL, giving JSON null. */
json_t *eventlog_json_str(const char *s);

#endif
