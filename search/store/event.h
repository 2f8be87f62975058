/* event.h -- one event as the store handles it: the kind table, the
 * checks an event must pass before it is stored, and the conversions
 * of a stored row back into a struct eventlog_event and into JSON.  No
 * statements of its own: evwrite.c and evread.c run them.  Internal to
 * search/store; pure functions apart from the messages they leave in a
 * storedb. */
#ifndef KB_EVENT_H
#define KB_EVENT_H

#include <stddef.h>

#include <jansson.h>
#include "sdb.h"

#include "eventlog_types.h"
#include "storedb.h"

/* Which struct eventlog_event fields a kind stores (and requires). */
enum {
    EVENT_F_QUERY = 1 << 0,
    EVENT_F_ARTICLE = 1 << 1,
    EVENT_F_SECTION = 1 << 2,
    EVENT_F_RANK = 1 << 3,
    EVENT_F_RESULTS = 1 << 4,
    EVENT_F_LATENCY = 1 << 5,
    EVENT_F_HELPFUL = 1 << 6,
    EVENT_F_REASON = 1 << 7,
    EVENT_F_COMMENT = 1 << 8,
    EVENT_F_SOURCE = 1 << 9,
    EVENT_F_ARTICLES = 1 << 10,
    EVENT_F_CASE = 1 << 11
};

struct event_kind_info {
    const char *name;  /* stored in events.kind */
    unsigned fields;   /* EVENT_F_* the kind stores */
    unsigned required; /* EVENT_F_* it cannot do without */
};

/* The row of kind (static), or NULL for an invalid kind. */
const struct event_kind_info *event_kind(enum eventlog_kind kind);

/* "search", "click", ... (static), or NULL for an invalid kind. */
const char *event_kind_name(enum eventlog_kind kind);

/* The kind named name, or -1 if there is none (or name is NULL). */
int event_kind_parse(const char *name);

/* STORE_OK, or STORE_ERR_INVALID with the reason, prefixed by pfx, in
 * db: an unknown kind, no visit, a time out of range, a missing
 * required field, or a bad enum value. */
store_status event_check(struct storedb *db, const struct eventlog_event *ev, const char *pfx);

/* The suggest list of ev as JSON array text for the articles column.
 * Caller free()s; NULL on OOM. */
char *event_articles_text(const struct eventlog_event *ev);

/* The event columns every event-reading statement selects first, in the
 * order event_from_row() reads them (events e JOIN visits v). */
#define EVENT_COLS                                                         \
    "e.kind, e.ts_ms, v.key, e.locale, e.query, e.article, e.section, "   \
    "e.rank, e.results, e.latency_us, e.helpful, e.reason, e.comment, "   \
    "e.source, e.articles, e.case_id"
#define EVENT_NCOLS 16

/* Scratch space for the suggest article list of one row, reused from
 * row to row; the caller zeroes it first and releases it with
 * event_rowbuf_release(). */
struct event_rowbuf {
    json_t *arr;       /* parsed articles column; owns the strings */
    const char **ptrs; /* borrowed from arr */
    size_t cap;
};
void event_rowbuf_release(struct event_rowbuf *rb);

/* Reads the EVENT_COLS of the current row of st into ev; its strings
 * are borrowed from st and rb (valid until the next step or reset, and
 * the next use of rb).  STORE_ERR_DB on a corrupt row, STORE_ERR_NOMEM. */
store_status event_from_row(struct storedb *db, struct sdb_stmt *st, struct eventlog_event *ev,
                            struct event_rowbuf *rb);

/* ev as a new JSON object {"type","time",fields...} with the fields
 * its kind has and that are set; caller json_decref()s; NULL on OOM. */
json_t *event_json(const struct eventlog_event *ev);

#endif
