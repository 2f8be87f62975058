/* eventlog.h -- the durable event store behind deflection reporting.
 *
 * Records what a visit (one browser session id chosen by the caller)
 * does on the knowledge base -- searches, clicks, article views, votes,
 * the case form, subject suggestions, "this solved my problem" -- the
 * cases it submits together with the trail that led to them, and a
 * durable outbox for the case webhook.  One SQLite file in WAL mode;
 * reports.h reads it.  No HTTP in here.
 *
 * Threads: a struct eventlog is used by one thread at a time.  Keep one
 * handle per worker thread, or guard a shared handle with a mutex.  Any
 * number of handles, in one or several processes, may use the same file
 * at once: writers queue behind each other for up to EVENTLOG_BUSY_MS.
 *
 * Status: functions return EVENTLOG_OK (0) or EVENTLOG_ERROR (-1); a few
 * also return EVENTLOG_NOT_FOUND (1), as stated.  After EVENTLOG_ERROR
 * eventlog_errmsg() says why.
 *
 * Strings passed in are copied; the store never keeps a caller pointer.
 * Invalid UTF-8 is replaced by U+FFFD before it is stored, so every JSON
 * value produced from the store is valid.  Input validation (lengths,
 * allowed ids) belongs to the caller; the store only rejects what would
 * make a record meaningless (no visit, unknown kind, bad enum value).
 *
 * Time is unix seconds (UTC) as a double, always passed by the caller so
 * tests control it; it is stored with millisecond precision and must lie
 * in [0, 253402300800) (years 1970-9999). */
#ifndef KB_EVENTLOG_H
#define KB_EVENTLOG_H

#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    EVENTLOG_ERROR = -1,
    EVENTLOG_OK = 0,
    EVENTLOG_NOT_FOUND = 1
};

#define EVENTLOG_BUSY_MS 30000       /* wait for another writer this long: SQLite
                                        * locks are not fair, so under load a
                                        * busy writer can hold others off for
                                        * seconds */
#define EVENTLOG_CASE_ID_SIZE 13     /* "C-" + 10 base32 characters + NUL */
#define EVENTLOG_OUTBOX_LEASE 300    /* seconds a claimed row stays hidden */
#define EVENTLOG_OUTBOX_MAX_DELAY 3600 /* backoff cap, seconds */

struct eventlog;

enum eventlog_kind {
    EVENTLOG_KIND_SEARCH,    /* query, results, latency_us */
    EVENTLOG_KIND_CLICK,     /* query, article, section, rank */
    EVENTLOG_KIND_VIEW,      /* article, section (optional) */
    EVENTLOG_KIND_VOTE,      /* article, section, helpful, reason, comment */
    EVENTLOG_KIND_CASE_FORM, /* the case form was opened */
    EVENTLOG_KIND_SUGGEST,   /* query (the subject typed), articles shown */
    EVENTLOG_KIND_DEFLECT,   /* "this solved my problem": article, source */
    EVENTLOG_KIND_CASE,      /* a case was submitted: case_id (optional) */
    EVENTLOG_KIND_COUNT      /* not a kind */
};

/* One event.  Only the fields listed for its kind above are stored; the
 * others are ignored.  Unset optional strings are NULL (an empty section
 * means "no section").  Numeric fields use the sentinels below. */
struct eventlog_event {
    enum eventlog_kind kind;
    double ts;               /* unix seconds, UTC */
    const char *visit;       /* required, non-empty */
    const char *locale;      /* e.g. "en-us"; optional */
    const char *query;       /* required for search, click and suggest */
    const char *article;     /* required for click, view and vote */
    const char *section;     /* anchor within the article; optional */
    int rank;                /* click: 1-based position; <= 0 unknown */
    int results;             /* search: result count; < 0 unknown */
    long long latency_us;    /* search: microseconds; < 0 unknown */
    int helpful;             /* vote: 1 yes, 0 no (required); -1 none */
    const char *reason;      /* vote: NULL, "not_related",
                                "did_not_answer" or "other" */
    const char *comment;     /* vote: free text; optional */
    const char *source;      /* deflect: "article" or "case_form" */
    const char *const *articles; /* suggest: article ids shown */
    size_t narticles;
    const char *case_id;     /* case: the case's id; optional */
    const char *subject;     /* read back only: the stored case's subject
                                when case_id names one; else NULL */
};

/* A case submitted through the case form. */
struct eventlog_case {
    const char *subject;     /* required, non-empty */
    const char *description; /* optional (NULL is stored as "") */
    const char *email;       /* optional */
    const char *product;     /* optional */
    const char *locale;      /* optional */
    const char *visit;       /* the visit that filed it; NULL for none */
    double created;          /* unix seconds, UTC */
};

/* Opens (creating if needed) the store at path, or ":memory:", switches
 * it to WAL and brings its schema up to date.  On success returns
 * EVENTLOG_OK and *out, to be closed with eventlog_close().  On failure
 * returns EVENTLOG_ERROR, sets *out to NULL and writes the reason into
 * err (errlen bytes, always NUL-terminated when errlen > 0).  A file
 * whose schema is newer than this program is refused. */
int eventlog_open(const char *path, struct eventlog **out, char *err,
                  size_t errlen);

/* Finalizes every statement and closes the file.  NULL is a no-op. */
void eventlog_close(struct eventlog *el);

/* The reason for the last EVENTLOG_ERROR on el ("" if none).  Owned by
 * el; valid until the next call on el. */
const char *eventlog_errmsg(const struct eventlog *el);

/* The schema version this program writes (PRAGMA user_version). */
int eventlog_schema_version(void);

/* "search", "click", ... for a kind; NULL for an invalid one. */
const char *eventlog_kind_name(enum eventlog_kind kind);

/* The kind named name, or -1 if there is none. */
int eventlog_kind_parse(const char *name);

/* Stores one event durably: when this returns EVENTLOG_OK the event is
 * committed and fsync'ed.  EVENTLOG_ERROR on a missing required field,
 * a bad enum value, a time out of range, or a database error. */
int eventlog_record(struct eventlog *el, const struct eventlog_event *ev);

/* Stores n events in one transaction (one fsync): all or none.  On a
 * validation error nothing is stored and the message names the index. */
int eventlog_record_many(struct eventlog *el,
                         const struct eventlog_event *evs, size_t n);

/* Counts stored events of a kind (-1: any) of a visit (NULL: any) into
 * *n. */
int eventlog_count(struct eventlog *el, int kind, const char *visit,
                   long long *n);

/* Every event of visit, oldest first, as a new JSON array (caller
 * json_decref()s) of objects {"type", "time" (ISO 8601 UTC), fields...}
 * with only the fields that are set.  An unknown visit gives []. */
int eventlog_visit_events(struct eventlog *el, const char *visit,
                          json_t **out);

/* Creates a case with a fresh unguessable id ("C-" + 10 base32
 * characters from randombytes_buf), written into id (idsize must be at
 * least EVENTLOG_CASE_ID_SIZE).  In the same transaction it records a
 * case event for the visit (when there is one) and queues a webhook
 * payload {"type":"case.created","case":<eventlog_case_get() object>}
 * in the outbox, so a stored case is never left without its webhook. */
int eventlog_case_create(struct eventlog *el, const struct eventlog_case *c,
                         char *id, size_t idsize);

/* The case as a new JSON object (caller json_decref()s):
 * {"id","subject","description","email","product","locale","visit"
 *  (null if none),"created" (ISO 8601),"trail":[...]} where trail holds
 * the visit's events up to the case, oldest first, shaped as in
 * eventlog_visit_events() (the case's own event excluded).
 * EVENTLOG_NOT_FOUND (and *out NULL) when there is no such case. */
int eventlog_case_get(struct eventlog *el, const char *id, json_t **out);

/* Cases created in [from_ts, to_ts), newest first, at most limit (<= 0:
 * 100), as a new JSON object {"cases":[{case fields without trail}]}.
 * q, if not NULL or "", must occur in subject, description or email
 * (ASCII case-insensitive; % and _ in q match literally). */
int eventlog_cases_list(struct eventlog *el, double from_ts, double to_ts,
                        const char *q, int limit, json_t **out);

/* Retention: deletes events and cases older than before_ts (a case's
 * outbox rows go with it), delivered outbox rows older than before_ts,
 * and visits left with nothing.  *deleted (may be NULL) gets the number
 * of events plus cases deleted.  A visit cut in two by before_ts keeps
 * its newer events and starts, for reports, at the oldest one kept. */
int eventlog_prune(struct eventlog *el, double before_ts,
                   long long *deleted);

/* Queues payload (not stolen) for delivery at now or later.  *id (may
 * be NULL) gets the row id.  eventlog_case_create() does this itself. */
int eventlog_outbox_add(struct eventlog *el, const char *case_id,
                        const json_t *payload, double now, long long *id);

/* Claims the oldest undelivered row due at now: returns EVENTLOG_OK with
 * *payload (caller json_decref()s) and *id, and hides the row for
 * EVENTLOG_OUTBOX_LEASE seconds so another worker does not send it too;
 * finish with eventlog_outbox_done() or eventlog_outbox_retry().  A
 * worker that dies holding a claim just lets the lease run out.
 * EVENTLOG_NOT_FOUND when nothing is due. */
int eventlog_outbox_next(struct eventlog *el, double now, json_t **payload,
                         long long *id);

/* Marks row id delivered at now.  EVENTLOG_NOT_FOUND if there is no such
 * row. */
int eventlog_outbox_done(struct eventlog *el, long long id, double now);

/* Records a failed delivery of row id at now and schedules the next try
 * 2^attempts seconds later (2, 4, 8, ...), at most
 * EVENTLOG_OUTBOX_MAX_DELAY; there is no last attempt, the row waits for
 * prune.  *next_ts (may be NULL) gets the time of the next try.
 * EVENTLOG_NOT_FOUND if there is no such undelivered row. */
int eventlog_outbox_retry(struct eventlog *el, long long id, double now,
                          double *next_ts);

/* Called by eventlog_scan() once per event.  ev and all its strings are
 * borrowed: valid only during the call.  visit_first is the time of the
 * visit's first event.  Return 0 to go on, anything else to stop. */
typedef int (*eventlog_scan_fn)(void *ctx, const struct eventlog_event *ev,
                                 double visit_first);

/* Calls fn for every event of every visit whose first event is in
 * [from_ts, to_ts), grouped by visit (visits in order of first event)
 * and in time order within a visit.  Returns EVENTLOG_OK, EVENTLOG_ERROR,
 * or the non-zero value fn returned to stop the scan. */
int eventlog_scan(struct eventlog *el, double from_ts, double to_ts,
                  eventlog_scan_fn fn, void *ctx);

/* A copy of s (NUL-terminated) in which every ill-formed UTF-8 sequence
 * is replaced by U+FFFD, one per maximal ill-formed subpart (the Unicode
 * recommended practice).  Caller free()s; NULL on OOM or when s is
 * NULL. */
char *eventlog_utf8_clean(const char *s);

#ifdef __cplusplus
}
#endif

#endif
